"""The enrichment stage's input and output records (pure data; no Scrapy, no storage)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PostingText:
    """What enrichment reads from a posting. ``description`` may be plain text or HTML."""

    title: str
    description: str = ""
    location: str | None = None  # raw location string(s) as the source gave them
    employment_type: str | None = None  # the source's own value, if any
    seniority: str | None = None  # the source's own value, if any
    language: str | None = None  # the source's declared language, if any
    company: str | None = None
    country: str | None = None  # the source's default country (ISO alpha-2), a location hint


@dataclass(frozen=True)
class SkillMention:
    name: str  # canonical name ("Kubernetes")
    category: str  # language / framework / library / cloud / database / ml / tool / method / ...
    text: str  # the text as found ("k8s")
    start: int  # character offsets into the field's text
    end: int
    field: str  # "title" or "description"


@dataclass(frozen=True)
class LocationMatch:
    city: str | None  # English name of the city ("Brussels")
    region: str | None
    country: str | None  # ISO 3166-1 alpha-2
    raw: str  # the text it was read from


@dataclass(frozen=True)
class Enrichment:
    language: str | None  # ISO 639-1: en, fr, nl, de
    skills: list[SkillMention] = field(default_factory=list)
    seniority: str | None = None  # a LinkedIn level: Internship ... Executive
    employment_type: str | None = None  # Full-time, Part-time, Contract, Temporary, Internship
    locations: list[LocationMatch] = field(default_factory=list)
    remote: str | None = None  # remote / hybrid / on-site
    role_family: str | None = None  # e.g. ml-engineer, data-scientist, other
