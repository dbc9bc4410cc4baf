"""spaCy components of the enrichment pipeline; importing this package registers the factories."""

from __future__ import annotations

from enrichment.components import (  # noqa: F401  (registration side effects)
    employment,
    lexicon,
    location,
    role_family,
    seniority,
    skills,
)
