"""Role family from the title ("ml-engineer", "data-scientist", ...), rules kept as data.

The first family in ``role_families.jsonl`` whose pattern matches the title wins, so specific
families (ml-engineer) are listed before broad ones (software-engineer). No match: ``other``.

A family's ``fields`` ("machine learning", "data science") name a field, not a job: they count
only beside a qualifier of the file's ``qualifiers`` line (an intern or seniority word:
"Stagiair Machine Learning", "Machine Learning Werkstudent", "Stage en Data Science (H/F)"),
with nothing else after the field ("Senior Machine Learning Product Manager" is no ML engineer).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from enrichment.components.base import DataComponent
from enrichment.components.lexicon import description_start, doc_text
from enrichment.config import EnrichmentConfigError, read_jsonl, resolve_data_path

NAME = "jobtrends_role_family"
FALLBACK = "other"
DEFAULT_CONFIG: dict[str, Any] = {"rules": None}
EXAMPLE = {"rules": "enrichment/data/role_families.jsonl"}

if not Doc.has_extension("role_family"):
    Doc.set_extension("role_family", default=None)


# "(m/w/d)", "(H/F)" between a qualifier and the field, and what may separate them
_TAG = r"(?:\s*\([^()]{1,12}\))?"
_GAP = r"(?:\s*[-–:|]\s*|\s+)"
# after a field: the end of the title or a separator ("Stage Data Science - Gent")
_FIELD_END = r"(?=\s*(?:$|[-–(,/|:]))"


def qualified_field_pattern(fields: list[str], qualifiers: list[str],
                            connectors: list[str]) -> str:
    """Regex for a field beside a qualifier: "Stagiair Machine Learning", "ML Intern"."""
    field = "(?:" + "|".join(fields) + ")"
    qualifier = "(?:" + "|".join(qualifiers) + ")"
    connector = "(?:(?:" + "|".join(connectors) + r")\s+)?" if connectors else ""
    before = qualifier + _TAG + _GAP + connector + field + _FIELD_END
    after = field + _TAG + _GAP + qualifier
    return f"{before}|{after}"


class RoleFamilyRules(DataComponent):
    data_name = "role_families.jsonl"

    def load(self, path: Path) -> None:
        self.rules: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        qualifiers: list[str] = []
        connectors: list[str] = []
        for lineno, entry in read_jsonl(path):
            if "qualifiers" in entry and "family" not in entry:
                qualifiers = list(entry["qualifiers"])
                connectors = list(entry.get("connectors") or [])
                if not qualifiers or not all(isinstance(q, str) for q in qualifiers + connectors):
                    raise EnrichmentConfigError(
                        f"{path}:{lineno}: expected e.g. "
                        '{"qualifiers": ["intern", "stagiaire"], "connectors": ["en"]}'
                    )
                continue
            family, patterns = entry.get("family"), entry.get("patterns")
            if not isinstance(family, str) or not isinstance(patterns, list) or not patterns:
                raise EnrichmentConfigError(
                    f"{path}:{lineno}: expected e.g. "
                    '{"family": "data-engineer", "patterns": ["data engineer"], "unless": []}'
                )
            fields = entry.get("fields") or []
            if fields and not qualifiers:
                raise EnrichmentConfigError(
                    f"{path}:{lineno}: 'fields' need a 'qualifiers' line before them")
            if fields:
                patterns = [*patterns, qualified_field_pattern(fields, qualifiers, connectors)]
            try:
                include = re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)", re.I)
                unless = entry.get("unless") or []
                exclude = re.compile("|".join(unless), re.I) if unless else None
            except re.error as exc:
                raise EnrichmentConfigError(f"{path}:{lineno}: bad pattern ({exc})") from exc
            self.rules.append((family, include, exclude))

    def classify(self, title: str) -> str:
        for family, include, exclude in self.rules:
            if include.search(title) and not (exclude and exclude.search(title)):
                return family
        return FALLBACK

    def __call__(self, doc: Doc) -> Doc:
        doc._.role_family = self.classify(doc_text(doc)[:description_start(doc)])
        return doc


@Language.factory(NAME, default_config=DEFAULT_CONFIG)
def make_role_family(nlp: Language, name: str, rules: str | None) -> RoleFamilyRules:
    return RoleFamilyRules(nlp, name,
                           resolve_data_path(NAME, rules, "role_families.jsonl", EXAMPLE))
