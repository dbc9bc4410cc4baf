"""From items to records: where a posting's places come from once it is enriched."""

from __future__ import annotations

import pytest

from crawler.records import EnrichmentHook
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
