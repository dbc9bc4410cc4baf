"""Pure parsing and normalisation, on recorded bodies: no crawl, no network."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.middlewares import parse_retry_after
from crawler.normalize import parse_datetime, remote_status, salary_period, to_float
from crawler.parsers import ParseContext, PayloadError, greenhouse, lever, personio
from crawler.parsers.jsonld import find_job_postings, parse_page
from crawler.parsers.lenient_json import LenientJSONError, loads_all
from crawler.urls import api_url, canonical_url

FIXTURES = Path(__file__).parent / "mockserver" / "fixtures"
CTX = ParseContext(source="s", country="BE")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', [{"a": 1}]),
        ('{"a": [1, 2,], }', [{"a": [1, 2]}]),  # trailing commas
        ('{"a": "x, ]"  ,}', [{"a": "x, ]"}]),  # commas inside strings are kept
        ('{"a": "line\nbreak\tand\x01"}', [{"a": "line\nbreak\tand\x01"}]),  # control chars
        ("{&quot;a&quot;: &quot;b&quot;}", [{"a": "b"}]),  # entity-encoded block
        ('<!--\n{"a": 1}\n-->', [{"a": 1}]),  # comment wrapper
        ('{"a": 1}\n{"b": 2}', [{"a": 1}, {"b": 2}]),  # several values in one block
        ('[{"a": 1},]', [[{"a": 1}]]),
    ],
)
def test_lenient_json_repairs(text: str, expected: list[object]) -> None:
    assert loads_all(text) == expected


@pytest.mark.parametrize("text", ['{"a": }', "not json", '{"title": "x" "b": 1}'])
def test_lenient_json_gives_up_on_hopeless_text(text: str) -> None:
    with pytest.raises(LenientJSONError):
        loads_all(text)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("https://x.com/j/1?utm_source=a&utm_medium=b", "https://x.com/j/1"),
        ("https://x.com/j/1?gh_jid=5&gh_src=li", "https://x.com/j/1?gh_jid=5"),
        ("https://jobs.lever.co/a/1?lever-source=LinkedIn&lever-origin=applied",
         "https://jobs.lever.co/a/1"),
        ("https://x.com/j?b=2&a=1&ref=home#apply", "https://x.com/j?a=1&b=2"),
        ("https://x.com/j?source=feed&id=3", "https://x.com/j?id=3"),
    ],
)
def test_canonical_url_strips_tracking(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


def test_api_url_keeps_the_prefix() -> None:
    assert api_url("http://h:8080/mirror/", "/v1/x") == "http://h:8080/mirror/v1/x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-12T09:15:00-05:00", datetime(2026, 1, 12, 14, 15)),
        ("2026-01-12", datetime(2026, 1, 12)),
        ("2026-01-20 09:00:00 UTC", datetime(2026, 1, 20, 9)),
        ("2026-01-28T14:22:05.123+00:00", datetime(2026, 1, 28, 14, 22, 5, 123000)),
        ("Mon, 19 Jan 2026 09:30:00 +0100", datetime(2026, 1, 19, 8, 30)),
        (1767261600000, datetime(2026, 1, 1, 10, 0)),
        ("1767261600000", datetime(2026, 1, 1, 10, 0)),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(50000, 50000.0), ("50,000", 50000.0), ("50.000", 50000.0), ("4.500,50", 4500.5),
     ("€ 60 000", 60000.0), ("12.5", 12.5), ("n/a", None), (True, None),
     (float("nan"), None), (float("inf"), None)],
)
def test_to_float(value: object, expected: float | None) -> None:
    assert to_float(value) == expected


def test_small_vocabularies() -> None:
    assert salary_period("per-year-salary") == salary_period("YEAR") == "YEAR"
    assert salary_period("1 MONTH") == "MONTH" and salary_period("fortnight") is None
    assert [remote_status(v) for v in ("OnSite", "Hybrid", "fully", "none", "unspecified",
                                       True)] == ["on-site", "hybrid", "remote", "on-site",
                                                  None, "remote"]


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after(b"garbage") is None and parse_retry_after(None) is None
    utc_now = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 02 Mar 2026 09:00:30 GMT", utc_now) == 30.0
    assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", utc_now) == 0.0


def test_greenhouse_recorded_board() -> None:
    items = list(greenhouse.parse_jobs((FIXTURES / "greenhouse/acme.json").read_bytes(), CTX))
    assert [i.source_job_id for i in items] == ["4012345", "4012399"]
    with pytest.raises(PayloadError):
        list(greenhouse.parse_jobs((FIXTURES / "greenhouse/broken.json").read_bytes(), CTX))


def test_lever_error_object_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="Document not found"):
        lever.parse_page(b'{"ok": false, "error": "Document not found"}', CTX)


def test_personio_rejects_other_xml() -> None:
    with pytest.raises(PayloadError, match="expected <workzag-jobs>"):
        personio.parse_feed(b"<rss/>", CTX, "c")
    with pytest.raises(PayloadError, match="not well-formed"):
        personio.parse_feed(b"<workzag-jobs><position>", CTX, "c")


def test_xml_entities_are_not_expanded() -> None:
    evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<workzag-jobs><position><id>1</id><name>&e;</name></position></workzag-jobs>")
    items = personio.parse_feed(evil, CTX, "c")
    assert all("root:" not in (i.title or "") for i in items)


def test_job_postings_found_in_graph_lists_and_item_lists() -> None:
    data = {"@graph": [{"@type": "WebSite"}, {"@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "item": {"@type": "JobPosting", "title": "A"}}]},
        [{"@type": ["Thing", "JobPosting"], "title": "B"}],
        {"@type": "http://schema.org/JobPosting", "title": "C"}]}
    assert [p["title"] for p in find_job_postings(data)] == ["A", "B", "C"]


def test_jsonld_page_with_wrong_types_and_no_url() -> None:
    html = """<script type="application/ld+json">
    {"@type": "JobPosting", "title": ["Data Scientist"], "description": 42,
     "hiringOrganization": [{"name": "Kramerica"}], "employmentType": "FULL_TIME",
     "jobLocation": "Brussels", "datePosted": {"bad": 1},
     "baseSalary": {"currency": "EUR", "value": 5000, "unitText": "MONTH"}}
    </script>"""
    page = parse_page(html, "https://k.example/jobs/9?utm_source=x", CTX)
    (item,) = page.postings
    assert item.title == "Data Scientist" and item.company_name == "Kramerica"
    assert item.source_job_id == "https://k.example/jobs/9"
    assert item.location_raw == "Brussels" and item.locations == []
    assert item.date_posted is None and item.description_text is None
    assert item.salary is not None and (item.salary.min, item.salary.period) == (5000.0, "MONTH")
    assert item.country == "BE"  # the source's default


def test_not_accepting_is_read_outside_scripts_only() -> None:
    script_only = ('<script type="application/ld+json">{"@type": "JobPosting", "title": "T", '
                   '"description": "We are no longer accepting applications from agencies"}'
                   "</script><p>Apply now</p>")
    assert not parse_page(script_only, "https://x/j", CTX).not_accepting
    assert parse_page("<p>Deze vacature is gesloten.</p>", "https://x/j", CTX).not_accepting
