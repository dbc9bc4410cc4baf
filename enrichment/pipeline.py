"""Building the per-language spaCy pipelines: ``spacy.blank(lang)`` plus rule components."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import spacy
from confection import ConfigValidationError
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

import enrichment.components  # noqa: F401  (registers the factories)
from enrichment.components import employment, location, role_family, seniority, skills
from enrichment.components.employment import NAME as EMPLOYMENT
from enrichment.components.lexicon import LEXICON
from enrichment.components.location import NAME as LOCATION
from enrichment.components.role_family import NAME as ROLE_FAMILY
from enrichment.components.seniority import NAME as SENIORITY
from enrichment.components.skills import NAME as SKILLS
from enrichment.config import config_error

# Order matters: the lexicon matches every phrase once, the rest read its matches.
COMPONENTS = (LEXICON, SKILLS, SENIORITY, EMPLOYMENT, LOCATION, ROLE_FAMILY)
EXAMPLES: dict[str, dict[str, Any]] = {
    SKILLS: skills.EXAMPLE, SENIORITY: seniority.EXAMPLE, EMPLOYMENT: employment.EXAMPLE,
    LOCATION: location.EXAMPLE, ROLE_FAMILY: role_family.EXAMPLE, LEXICON: {},
}


# "SQL-queries", "Python-vaardigheden", "Kubernetes-clusters": Dutch and German tokenizers keep
# such compounds whole, hiding the technology name; English and French already split hyphens
# between letters, so the extra infix changes nothing there.
HYPHEN_INFIX = r"(?<=[A-Za-z0-9+#])-(?=[A-Za-zÀ-ÿ])"
TOKENIZER = "jobtrends.tokenizer.v1"


@registry.tokenizers(TOKENIZER)
def create_tokenizer() -> Callable[[Language], Tokenizer]:
    """spaCy's default tokenizer for the language, plus :data:`HYPHEN_INFIX`.

    Given through the config of ``spacy.blank`` rather than patched afterwards: setting
    ``tokenizer.infix_finditer`` on a built tokenizer reloads every special case (~1 s).
    """

    def tokenizer_factory(nlp: Language) -> Tokenizer:
        d = nlp.Defaults
        infixes = [*(d.infixes or ()), HYPHEN_INFIX]
        return Tokenizer(
            nlp.vocab,
            rules=d.tokenizer_exceptions,
            prefix_search=compile_prefix_regex(d.prefixes).search if d.prefixes else None,
            suffix_search=compile_suffix_regex(d.suffixes).search if d.suffixes else None,
            infix_finditer=compile_infix_regex(infixes).finditer,
            token_match=d.token_match,
            url_match=d.url_match,
        )

    return tokenizer_factory


def build_pipeline(lang: str, config: dict[str, dict[str, Any]] | None = None) -> Language:
    """A blank ``lang`` pipeline with the enrichment components, configured by ``config``.

    ``config`` maps a component name to its settings, e.g.
    ``{"jobtrends_skills": {"patterns": "my_skills.jsonl"}}``.
    """
    config = config or {}
    unknown = set(config) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown components in config: {sorted(unknown)}; known: {COMPONENTS}")
    nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    for name in COMPONENTS:
        try:
            nlp.add_pipe(name, config=config.get(name, {}))
        except ConfigValidationError as exc:
            # spaCy checks types and names against the factory's signature; say it with an
            # example that works
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                 for e in exc.errors) or str(exc)
            raise config_error(name, f"invalid config ({problems})", EXAMPLES[name]) from None
    return nlp
