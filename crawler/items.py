"""Typed items the spiders yield: a posting as a source lists it, and an explicit close signal.

Every normalised field sits beside the raw value it was read from (``date_posted_raw`` beside
``date_posted``), so a bad normalisation can be redone from stored data. Datetimes are naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Location:
    """A structured location part given by the source itself (not guessed from free text)."""

    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    raw: str | None = None  # the source's own text for this location, if any


@dataclass(frozen=True)
class Salary:
    """A salary range as published; ``period`` uses schema.org unitText (YEAR, MONTH, ...)."""

    min: float | None = None
    max: float | None = None
    currency: str | None = None  # ISO 4217, upper case
    period: str | None = None  # YEAR / MONTH / WEEK / DAY / HOUR


@dataclass
class JobPostingItem:
    """One posting as listed by one source."""

    source: str  # the configured source's name
    source_job_id: str  # the source's own id, or the canonical URL when it has none
    title: str
    url: str | None = None  # canonical: tracking parameters and fragment removed
    url_raw: str | None = None  # as the source gave it
    company_name: str | None = None
    description_html: str | None = None  # unescaped HTML, as published
    description_text: str | None = None  # plain text of description_html (html-text)
    date_posted_raw: str | None = None
    date_posted: datetime | None = None
    valid_through_raw: str | None = None
    valid_through: datetime | None = None
    location_raw: str | None = None  # the source's location text(s), "; "-joined
    locations: list[Location] = field(default_factory=list)
    country: str | None = None  # ISO alpha-2: structured country, else the source's default
    employment_type_raw: str | None = None
    seniority_raw: str | None = None
    years_experience_raw: str | None = None  # e.g. Personio's "3-5"
    salary: Salary | None = None
    remote: str | None = None  # "remote" / "hybrid" / "on-site" / None when not stated
    remote_raw: str | None = None
    language: str | None = None  # declared by the source (ISO 639-1), not detected


@dataclass
class PostingGoneItem:
    """An explicit close signal: the posting's page is gone or says it no longer hires.

    ``reason`` is one of storage's CLOSE_* values: ``http_gone``, ``not_accepting``, ``expired``.
    """

    source: str
    source_job_id: str
    url: str | None
    reason: str
