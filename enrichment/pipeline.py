"""Building the per-language spaCy pipelines: ``spacy.blank(lang)`` plus rule components."""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

import enrichment.components  # noqa: F401  (registers the factories)
from enrichment.components.employment import NAME as EMPLOYMENT
from enrichment.components.lexicon import LEXICON
from enrichment.components.location import NAME as LOCATION
from enrichment.components.role_family import NAME as ROLE_FAMILY
from enrichment.components.seniority import NAME as SENIORITY
from enrichment.components.skills import NAME as SKILLS

# Order matters: the lexicon matches every phrase once, the rest read its matches.
COMPONENTS = (LEXICON, SKILLS, SENIORITY, EMPLOYMENT, LOCATION, ROLE_FAMILY)


def _split_hyphenated_compounds(nlp: Language) -> None:
    """Split "SQL-queries", "Python-vaardigheden", "Kubernetes-clusters" at the hyphen.

    Dutch and German tokenizers keep such compounds whole, hiding the technology name; English
    and French already split hyphens between letters, so this changes nothing there.
    """
    infixes = [*(nlp.Defaults.infixes or ()), r"(?<=[A-Za-z0-9+#])-(?=[A-Za-zÀ-ÿ])"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


def build_pipeline(lang: str, config: dict[str, dict[str, Any]] | None = None) -> Language:
    """A blank ``lang`` pipeline with the enrichment components, configured by ``config``.

    ``config`` maps a component name to its settings, e.g.
    ``{"jobtrends_skills": {"patterns": "my_skills.jsonl"}}``.
    """
    config = config or {}
    unknown = set(config) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown components in config: {sorted(unknown)}; known: {COMPONENTS}")
    nlp = spacy.blank(lang)
    _split_hyphenated_compounds(nlp)
    for name in COMPONENTS:
        nlp.add_pipe(name, config=config.get(name, {}))
    return nlp
