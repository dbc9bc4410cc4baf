"""Employment type: Full-time, Part-time, Contract, Temporary or Internship.

Precedence (documented in docs/enrichment.md):

1. an internship word in the *title* ("Stagiaire", "Intern", "Praktikum") -> Internship, even if
   the source says FULL_TIME (boards often default that field);
2. the source's structured value (schema.org FULL_TIME/PART_TIME/CONTRACTOR/TEMPORARY/INTERN,
   ATS values such as "FullTime", "permanent", "freelance");
3. cue phrases in the text ("CDI", "CDD", "vast contract", "deeltijds", "Teilzeit",
   "freelance"...): the most specific type found wins, in the data file's priority order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.components.base import DataComponent
from enrichment.components.lexicon import (
    LOWER,
    description_start,
    get_lexicon,
    hints,
    matches,
    token_columns,
)
from enrichment.config import EnrichmentConfigError, read_json, resolve_data_path

NAME = "jobtrends_employment"
NAMESPACE = "employment"
TYPES = ("Full-time", "Part-time", "Contract", "Temporary", "Internship")
DEFAULT_CONFIG: dict[str, Any] = {"rules": None}
EXAMPLE = {"rules": "enrichment/data/employment.json"}

if not Doc.has_extension("employment_type"):
    Doc.set_extension("employment_type", default=None)


def normalize_source_value(value: str) -> str:
    """'FULL_TIME' / 'Full-time' / 'full time' -> 'fulltime'."""
    return re.sub(r"[\s_\-]+", "", value.strip().casefold())


class EmploymentRules(DataComponent):
    data_name = "employment.json"

    def load(self, path: Path) -> None:
        data = read_json(path)
        try:
            self.source_values = {normalize_source_value(k): v
                                  for k, v in data["source_values"].items()}
            self.priority = {t: i for i, t in enumerate(data["priority"])}
            cues = data["text_cues"]
            phrases = [(p, kind) for kind, by_lang in cues.items()
                       for lang, plist in by_lang.items() if lang in ("any", self.nlp.lang)
                       for p in plist]
        except (KeyError, TypeError, AttributeError) as exc:
            raise EnrichmentConfigError(
                f"{path}: expected {{'source_values': {{'FULL_TIME': 'Full-time'}}, 'priority': "
                f"[...], 'text_cues': {{'Full-time': {{'any': ['full-time'], 'fr': ['CDI']}}}}}} "
                f"({exc})"
            ) from exc
        named = [*self.source_values.values(), *self.priority, *(k for _, k in phrases)]
        unknown = sorted({t for t in named if t is not None and t not in TYPES})
        if unknown:
            raise EnrichmentConfigError(f"{path}: unknown employment types {unknown}; use {TYPES}")
        lexicon = get_lexicon(self.nlp, self.name)
        lexicon.reset(NAMESPACE)
        lexicon.add(NAMESPACE, LOWER, phrases)

    def from_source(self, value: str | None) -> str | None:
        if not value:
            return None
        for part in re.split(r"[,;|/]", value):
            found = self.source_values.get(normalize_source_value(part))
            if found:
                return found
        return None

    def __call__(self, doc: Doc) -> Doc:
        h = hints(doc)
        found = matches(doc, NAMESPACE)
        title_end = description_start(doc)
        idx = token_columns(doc).idx if found else []
        if any(kind == "Internship" and idx[m_start] < title_end
               for kind, m_start, _ in found):
            doc._.employment_type = "Internship"
            return doc
        from_source = self.from_source(h.get("employment_type"))
        if from_source:
            doc._.employment_type = from_source
            return doc
        kinds = {kind for kind, _, _ in found}
        doc._.employment_type = min(kinds, key=self.priority.__getitem__) if kinds else None
        return doc


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_employment(nlp: Language, name: str, rules: str | None) -> EmploymentRules:
    return EmploymentRules(nlp, name, resolve_data_path(NAME, rules, "employment.json", EXAMPLE))
