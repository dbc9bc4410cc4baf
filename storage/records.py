"""Plain records that storage accepts: storage imports neither Scrapy nor spaCy.

The crawler's item pipeline builds a :class:`PostingRecord` from a scraped item plus its
enrichment and hands batches of them to :func:`storage.ingest.upsert_postings`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class LocationRecord:
    city: str | None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    raw: str | None = None


@dataclass(frozen=True)
class SkillRecord:
    name: str  # canonical skill name from the taxonomy ("Kubernetes")
    category: str | None = None  # language / framework / cloud / database / ml / method / ...
    mentions: int = 1


@dataclass
class PostingRecord:
    """One observation of a posting by a crawl. Datetimes are naive UTC."""

    source_job_id: str  # the source's own id, or the canonical URL when it has none
    title: str
    url: str | None = None
    company_name: str | None = None
    description_text: str | None = None
    date_posted_raw: str | None = None
    date_posted: datetime | None = None
    valid_through_raw: str | None = None
    valid_through: datetime | None = None
    location_raw: str | None = None
    employment_type_raw: str | None = None
    seniority_raw: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    salary_period: str | None = None  # YEAR / MONTH / DAY / HOUR as schema.org unitText
    country: str | None = None  # ISO alpha-2 of the posting's main location
    remote: str | None = None  # "remote" / "hybrid" / "on-site" / None when unknown
    # enrichment (None until enriched)
    language: str | None = None
    seniority: str | None = None  # LinkedIn level: Internship, Entry level, Associate, ...
    employment_type: str | None = None  # Full-time, Part-time, Contract, Temporary, Internship
    role_family: str | None = None  # e.g. "ml-engineer", "data-scientist"
    enrichment_version: str | None = None
    locations: list[LocationRecord] = field(default_factory=list)
    skills: list[SkillRecord] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        """Hash of what enrichment reads: a changed hash means the posting must be re-enriched."""
        # each part followed by a unit separator, hashed in one call
        parts = (
            self.title,
            self.description_text,
            self.location_raw,
            self.employment_type_raw,
            self.seniority_raw,
            self.company_name,
            "",
        )
        text = "\x1f".join([part or "" for part in parts])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
