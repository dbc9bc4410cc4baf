"""From crawler items to storage records, with enrichment filled in where content changed."""

from __future__ import annotations

import logging
import re
from collections import Counter
from typing import Any

from crawler.items import JobPostingItem
from storage.records import LocationRecord, PostingRecord, SkillRecord

logger = logging.getLogger(__name__)

# C0 control characters but tab and line breaks, and DEL: junk in scraped text, and PostgreSQL
# cannot store NUL at all (psycopg refuses the whole batch of postings). The ones Python counts
# as whitespace (vertical tab, form feed, the separators) become a space, so words stay apart.
# Lone surrogates (a JSON API's broken "\ud83d" escape) cannot be encoded as UTF-8 at all, on
# any backend: they become U+FFFD, the replacement character.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_SPACES = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")


def _replacement(found: re.Match[str]) -> str:
    char = found.group()
    if char in _SPACES:
        return " "
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def plain(value: str | None) -> str | None:
    """``value`` without control characters (tabs and line breaks kept) and with lone
    surrogates replaced (U+FFFD): text every backend stores."""
    if not value or not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(_replacement, value)


def plain_job_id(job_id: str) -> str:
    """A source's job id as records and close signals store it: :func:`plain`, unless nothing
    would be left."""
    return plain(job_id) or job_id


def to_record(item: JobPostingItem) -> PostingRecord:
    """The storage record of an item, before enrichment; its text :func:`plain`."""
    salary = item.salary
    return PostingRecord(
        source_job_id=plain_job_id(item.source_job_id),
        title=plain(item.title) or "",
        url=plain(item.url),
        company_name=plain(item.company_name),
        description_text=plain(item.description_text),
        date_posted_raw=plain(item.date_posted_raw),
        date_posted=item.date_posted,
        valid_through_raw=plain(item.valid_through_raw),
        valid_through=item.valid_through,
        location_raw=plain(item.location_raw),
        employment_type_raw=plain(item.employment_type_raw),
        seniority_raw=plain(item.seniority_raw),
        salary_min=salary.min if salary else None,
        salary_max=salary.max if salary else None,
        salary_currency=plain(salary.currency) if salary else None,
        salary_period=plain(salary.period) if salary else None,
        country=plain(item.country),
        remote=plain(item.remote),
        language=plain(item.language),
        locations=[LocationRecord(city=plain(loc.city), region=plain(loc.region),
                                  country=plain(loc.country), raw=plain(loc.raw))
                   for loc in item.locations],
    )  # fmt: skip


class EnrichmentHook:
    """Runs ``enrichment.get_enricher().enrich_many`` over records that need it.

    Enrichment is optional at run time: when it is switched off or cannot be loaded, postings
    are stored unenriched (a later ``jobtrends enrich`` can fill them in).
    """

    def __init__(self, enabled: bool = True, batch_size: int = 256) -> None:
        self.enabled, self.batch_size = enabled, batch_size
        self._enricher: Any = None
        self._version: str | None = None

    def _load(self) -> bool:
        if not self.enabled:
            return False
        if self._enricher is None:
            try:
                from enrichment import ENRICHMENT_VERSION, get_enricher

                self._enricher, self._version = get_enricher(), ENRICHMENT_VERSION
            except Exception:  # noqa: BLE001 - a broken enricher must not stop the crawl
                logger.exception("enrichment unavailable: postings are stored unenriched")
                self.enabled = False
                return False
        return True

    def apply(self, records: list[PostingRecord],
              known: dict[str, tuple[str | None, str | None]]) -> int:
        """Enrich, in place, records whose content or enrichment version changed."""
        if not self._load():
            return 0
        from enrichment import PostingText

        todo = [r for r in records if known.get(r.source_job_id) != (r.content_hash,
                                                                       self._version)]
        if not todo:
            return 0
        texts = [PostingText(title=r.title, description=r.description_text or "",
                             location=r.location_raw, employment_type=r.employment_type_raw,
                             seniority=r.seniority_raw, language=r.language,
                             company=r.company_name, country=r.country) for r in todo]
        results = self._enricher.enrich_many(texts, batch_size=self.batch_size)
        for record, found in zip(todo, results, strict=True):
            record.language = record.language or found.language
            record.seniority = found.seniority
            record.employment_type = found.employment_type
            record.role_family = found.role_family
            record.remote = record.remote or found.remote
            record.enrichment_version = self._version
            # the enricher's places win when they name a city: they carry the gazetteer's
            # English name ("Bruxelles" -> Brussels), so one city is one bucket in the trends
            # and cross-posted copies share it; structured parts without a city (Lever gives a
            # country only) yield to them too
            if any(m.city for m in found.locations) or (
                    found.locations and not any(loc.city for loc in record.locations)):
                record.locations = [LocationRecord(city=m.city, region=m.region,
                                                   country=m.country, raw=m.raw)
                                    for m in found.locations]
            # a structured country stays; a source default yields to the posting's own place
            structured = next((loc.country for loc in record.locations if loc.country), None)
            record.country = structured or record.country
            counts = Counter((s.name, s.category) for s in found.skills)
            record.skills = [SkillRecord(name=name, category=category, mentions=n)
                             for (name, category), n in counts.items()]
        return len(todo)
