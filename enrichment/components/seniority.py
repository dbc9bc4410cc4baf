"""Seniority as LinkedIn's levels: from the title, then years of experience, then the source.

Order of evidence (first that decides wins):

1. title words, in EN/FR/NL/DE ("Senior", "Stagiaire", "Medior", "Head of", "Werkstudent"),
   checked level by level in the order the data file lists them (Executive before Director
   before Internship ... so "Head of Data Science Interns" is a Director);
2. years of experience required in the description ("3+ years", "minimum 5 ans",
   "5 jaar ervaring", "mindestens 3 Jahre"), mapped through the data file's year bands;
3. a level stated outright in the description ("entry-level candidates welcome");
4. the source's own value ("Mid-Senior level", "Entry level", "Experienced"...).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.components.base import DataComponent
from enrichment.components.lexicon import description_start, doc_text, hints
from enrichment.config import EnrichmentConfigError, read_json, resolve_data_path

NAME = "jobtrends_seniority"
LEVELS = ("Internship", "Entry level", "Associate", "Mid-Senior level", "Director", "Executive")
DEFAULT_CONFIG: dict[str, Any] = {"rules": None}
EXAMPLE = {"rules": "enrichment/data/seniority.json"}

# A number of years, optionally a range or "+", then the unit in one of the four languages.
_YEARS = re.compile(
    r"(?<![\d.,])(\d{1,2})(?:\s*(?:-|–|à|a|to|tot|bis|t/m)\s*\d{1,2})?\s*\+?\s*"
    r"(?:years?|yrs?|ans?|années?|jaar|jaren|jahre|jahren)\b",
    re.IGNORECASE,
)
# Words near the number that say it is experience asked for, not a company's age.
_EXPERIENCE = re.compile(
    r"experi|expéri|ervaring|erfahrung|minimum|at least|au moins|minstens|mindestens|"
    r"minimaal|ten minste|in a similar|in data|in software|in (?:a|an) |of (?:professional|hands)|"
    r"dans (?:un|le|la|des)|in een|als |working|relevant|pertinente|relevante",
    re.IGNORECASE,
)

if not Doc.has_extension("seniority"):
    Doc.set_extension("seniority", default=None)


class SeniorityRules(DataComponent):
    data_name = "seniority.json"

    def load(self, path: Path) -> None:
        data = read_json(path)
        try:
            self.title_rules = [
                (rule["level"], re.compile(r"(?<!\w)(?:" + "|".join(rule["patterns"]) + r")(?!\w)",
                                           re.IGNORECASE))
                for rule in data["title"]
            ]
            self.year_bands = [(int(b["min_years"]), b["level"]) for b in data["years"]]
            self.description_rules = [
                (rule["level"], re.compile("|".join(rule["patterns"]), re.IGNORECASE))
                for rule in data.get("description", ())
            ]
            self.source_values = {k.casefold(): v for k, v in data["source_values"].items()}
        except (KeyError, TypeError, re.error) as exc:
            raise EnrichmentConfigError(
                f"{path}: expected {{'title': [{{'level': ..., 'patterns': [...]}}], "
                f"'years': [{{'min_years': 0, 'level': ...}}], 'source_values': {{...}}}} ({exc})"
            ) from exc
        levels = [lvl for lvl, _ in self.title_rules + self.description_rules]
        levels += [lvl for _, lvl in self.year_bands]
        levels += list(self.source_values.values())
        unknown = sorted({lvl for lvl in levels if lvl is not None and lvl not in LEVELS})
        if unknown:
            raise EnrichmentConfigError(f"{path}: unknown levels {unknown}; use one of {LEVELS}")
        self.year_bands.sort(reverse=True)

    def from_title(self, title: str) -> str | None:
        for level, pattern in self.title_rules:
            if pattern.search(title):
                return level
        return None

    def from_years(self, text: str) -> str | None:
        for m in _YEARS.finditer(text):
            years = int(m.group(1))
            if years > 30:
                continue
            around = text[max(0, m.start() - 40): m.end() + 40]
            if "+" not in m.group(0) and not _EXPERIENCE.search(around):
                continue
            for min_years, level in self.year_bands:
                if years >= min_years:
                    return level
        return None

    def from_description(self, text: str) -> str | None:
        for level, pattern in self.description_rules:
            if pattern.search(text):
                return level
        return None

    def from_source(self, value: str | None) -> str | None:
        if not value:
            return None
        v = value.strip().casefold()
        if v in self.source_values:
            return self.source_values[v]
        return self.from_title(value)

    def __call__(self, doc: Doc) -> Doc:
        h = hints(doc)
        text, start = doc_text(doc), description_start(doc)
        title, description = text[:start], text[start:]
        doc._.seniority = (
            self.from_title(title)
            or self.from_years(description)
            or self.from_description(description)
            or self.from_source(h.get("seniority"))
        )
        return doc


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_seniority(nlp: Language, name: str, rules: str | None) -> SeniorityRules:
    return SeniorityRules(nlp, name, resolve_data_path(NAME, rules, "seniority.json", EXAMPLE))
