"""From items to records: clean text, and where a posting's places come from once it is enriched."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawler.items import JobPostingItem, Location
from crawler.records import EnrichmentHook, plain, to_record
from storage.ingest import start_crawl_run, upsert_postings
from storage.models import Posting
from storage.records import LocationRecord, PostingRecord


def _record(location_raw: str, locations: list[LocationRecord]) -> PostingRecord:
    return PostingRecord(source_job_id="1", title="Data Engineer",
                         description_text="Build pipelines in Python.",
                         location_raw=location_raw, country="BE", locations=locations)


@pytest.mark.parametrize(("raw", "structured", "expected"), [
    # a job board's PostalAddress in French: one city, one bucket, whatever the language
    ("Bruxelles, BE", [LocationRecord("Bruxelles", None, "BE", "Bruxelles, BE")],
     [("Brussels", "BE")]),
    ("Antwerpen", [LocationRecord("Antwerpen", None, "BE", "Antwerpen")], [("Antwerp", "BE")]),
    # Lever gives a country only: the enricher's city fills it in
    ("Gent", [LocationRecord(None, None, "BE", "Gent")], [("Ghent", "BE")]),
    # a place the gazetteer does not know keeps the source's structured value
    ("Zzyzxville", [LocationRecord("Zzyzxville", None, "BE", "Zzyzxville")],
     [("Zzyzxville", "BE")]),
])
def test_enriched_places_use_the_gazetteer_name(raw: str, structured: list[LocationRecord],
                                                expected: list[tuple[str, str]]) -> None:
    record = _record(raw, structured)
    assert EnrichmentHook().apply([record], {}) == 1
    assert [(loc.city, loc.country) for loc in record.locations] == expected


def _item_with_controls() -> JobPostingItem:
    """Scraped text carrying control characters and a lone surrogate, as some JSON APIs send."""
    return JobPostingItem(
        source="acme", source_job_id="42\x00", title="Data\x00 Engineer\x07",
        company_name="Acme\x0bAnalytics", description_text="Line one\x00.\n\tLine two\x1b \ud83d.",
        location_raw="Gent\x00", locations=[Location(city="Gent\x00", country="BE")],
    )  # fmt: skip


def test_records_carry_no_control_characters_but_tabs_and_line_breaks() -> None:
    record = to_record(_item_with_controls())
    assert (record.source_job_id, record.title) == ("42", "Data Engineer")
    assert record.company_name == "Acme Analytics"
    assert record.description_text == "Line one.\n\tLine two \ufffd."
    assert (record.location_raw, record.locations[0].city) == ("Gent", "Gent")
    assert plain("plain text") == "plain text" and plain(None) is None


def test_a_posting_scraped_with_unstorable_characters_is_stored(migrated_engine: Engine) -> None:
    """PostgreSQL cannot store NUL in text, and no backend can encode a lone surrogate: the
    driver refused the whole batch, so one such posting lost its 999 neighbours from the crawl
    (and failed the run)."""
    with Session(migrated_engine) as session, session.begin():
        run_id = start_crawl_run(session, "acme", kind="x", observed_at=datetime(2026, 3, 2))
        upsert_postings(session, run_id, [to_record(_item_with_controls())])
    with migrated_engine.connect() as conn:
        stored = conn.execute(select(Posting.source_job_id, Posting.title)).all()
    assert [tuple(row) for row in stored] == [("42", "Data Engineer")]
