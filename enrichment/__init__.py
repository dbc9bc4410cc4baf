"""Enrichment: language, skills, seniority, location, employment type and role family.

A pure function of a posting's text and fields, built on ``spacy.blank(lang)`` with rule
components and shipped data, so it can be re-run over stored postings when the data improves
(:data:`ENRICHMENT_VERSION` says which data enriched a posting).
"""

from __future__ import annotations

from enrichment.config import EnrichmentConfigError
from enrichment.enricher import Enricher, get_enricher
from enrichment.types import Enrichment, LocationMatch, PostingText, SkillMention
from enrichment.version import ENRICHMENT_VERSION

__all__ = [
    "ENRICHMENT_VERSION",
    "Enricher",
    "Enrichment",
    "EnrichmentConfigError",
    "LocationMatch",
    "PostingText",
    "SkillMention",
    "get_enricher",
]
