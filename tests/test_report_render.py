"""Renderers: every section with its chart, scraped strings escaped, JSON round-trips."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from jobtrends.report import render
from jobtrends.report.data import ReportData
from jobtrends.report.render_markdown import md_escape
from jobtrends.report.sample import HOSTILE, sample_report

SECTIONS = ("key-learnings", "weekly-flow", "companies", "seniority", "employment-type",
            "time-to-fill", "locations", "technologies", "countries")


def _sections(html: str) -> dict[str, str]:
    found = {}
    for m in re.finditer(r'<section id="([^"]+)">(.*?)</section>', html, re.S):
        found[m.group(1)] = m.group(2)
    return found


def test_html_has_every_section_and_its_chart() -> None:
    html = render(sample_report(), "html")
    sections = _sections(html)
    assert set(SECTIONS) <= set(sections)
    for name in SECTIONS[1:]:
        svgs = re.findall(r"<svg .*?</svg>", sections[name], re.S)
        assert len(svgs) == 1, name
        ET.fromstring(svgs[0])  # well-formed XML
    # the weekly chart has two bars per week
    weekly = re.findall(r"<svg .*?</svg>", sections["weekly-flow"], re.S)[0]
    assert weekly.count("<rect x=") >= 24
    assert "2026-W10 (peak)" in sections["weekly-flow"]  # the 40-openings week


def test_html_is_self_contained() -> None:
    html = render(sample_report(), "html")
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert "@media print" in html


def test_scraped_markup_is_escaped_in_html() -> None:
    html = render(sample_report(hostile=True), "html")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # also inside the SVG charts (company bars, city bars, skill bars)
    for svg in re.findall(r"<svg .*?</svg>", html, re.S):
        ET.fromstring(svg)
    assert html.count("&lt;script&gt;") >= 6  # table + chart for company, city, skill...


def test_scraped_markup_is_escaped_in_markdown() -> None:
    md = render(sample_report(hostile=True), "md")
    assert HOSTILE not in md and "<script" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    for line in md.splitlines():
        if line.startswith("|"):
            # every table row keeps its column count: no stray pipe from a cell
            cells = re.split(r"(?<!\\)\|", line)[1:-1]
            assert len(cells) in (2, 3, 4, 5), line


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a|b", "a\\|b"),
    ("**bold**", "\\*\\*bold\\*\\*"),
    ("[x](http://e)", "\\[x\\](http://e)"),
    ("line\nbreak", "line break"),
    ("<b>", "&lt;b&gt;"),
])
def test_md_escape(raw: str, escaped: str) -> None:
    assert md_escape(raw) == escaped


def test_markdown_has_every_section() -> None:
    md = render(sample_report(), "md")
    for heading in ("## Key learnings", "## Weekly flow", "## Who is hiring", "## Seniority",
                    "## Employment type", "## Time to fill", "## Locations", "## Technologies",
                    "## Across countries"):
        assert heading in md
    assert "| 2026-W07 | 0 | 0 | +0 | none: not observed |" in md


def test_json_round_trips_every_number() -> None:
    report = sample_report(hostile=True)
    payload = json.loads(render(report, "json"))
    back = ReportData.from_dict(payload["report"])
    assert back == report
    assert payload["report"]["time_to_fill"]["median_days"] == 34
    assert payload["report"]["weekly_flow"]["weeks"][8]["opened"] == 40


def test_empty_report_renders_without_claims() -> None:
    report = sample_report(scale=0)
    assert report.learnings == ()
    html = render(report, "html")
    assert "too thin for any statement" in html
    assert set(SECTIONS) <= set(_sections(html))
    assert "Thin data" in html
    for fmt in ("html", "md"):  # no role closed: said as such, not as "only 0 closed roles"
        text = render(report, fmt)
        assert "no role has closed yet." in text and "only 0" not in text, fmt
        # why a first crawl's roles are not in it (a database with one crawl has none closed)
        assert "Roles already open when tracking began are left out" in " ".join(text.split())


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(sample_report(), "pdf")


def test_roles_no_longer_tracked_are_told_apart_from_open_ones() -> None:
    """Of the 45 censored roles, 5 were censored because their source was retired: the report
    says 40 are still open and 5 no longer tracked, and the JSON keeps the count."""
    from dataclasses import replace

    report = sample_report()
    plain_md, plain_html = render(report, "md"), render(report, "html")
    assert "no longer tracked" not in plain_md + plain_html
    report = replace(report, time_to_fill=replace(report.time_to_fill, n_untracked=5))
    md, html = render(report, "md"), render(report, "html")
    assert "| 34 | 52 | 60 | 40 | 5 |" in md and "| no longer tracked |" in md
    assert "<b>40</b><span>still open (censored)</span>" in html
    assert "<b>5</b><span>no longer tracked (censored)</span>" in html
    assert "whose source is no longer crawled" in html
    assert ReportData.from_dict(json.loads(render(report, "json"))["report"]) == report
