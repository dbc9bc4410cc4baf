"""The enrichment version: changes whenever the shipped data or the rules change.

Stored postings keep the version that enriched them, so ``jobtrends enrich --stale`` can find
those to redo after the taxonomy or a rule improves.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

# Bump when a rule in code changes what enrichment outputs (data changes are hashed below).
RULES_REVISION = "3"


def _data_digest() -> str:
    h = hashlib.sha256(RULES_REVISION.encode())
    for path in sorted(DATA_DIR.glob("*")):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


ENRICHMENT_VERSION = f"{RULES_REVISION}-{_data_digest()}"
