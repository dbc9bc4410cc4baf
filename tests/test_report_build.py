"""build_report over storage, fed a simulated market with its true labels, equals ground truth.

The market is replayed straight into storage (no HTTP, no spiders, no enrichment), so every
difference from the ground truth is a lifecycle, trend or report error.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from crawler.settings import JOBTRENDS_REVISIT_MISSING
from jobtrends.report import build_report
from jobtrends.simulator import MarketConfig, build_market, ground_truth
from jobtrends.simulator.replay import replay
from storage.db import make_engine
from storage.schema import upgrade
from storage.trends import InvalidFilterError, TrendFilter

CONFIG = MarketConfig(seed=5, postings=500, weeks=8, companies=12, median_days=18,
                      lead_in_days=40)


@pytest.fixture(scope="module")
def market():
    return build_market(CONFIG)


def _session(url: str, market, revisit_limit: int = JOBTRENDS_REVISIT_MISSING) -> Session:
    engine = make_engine(url)
    upgrade(engine)
    session = Session(engine)
    replay(session, market, revisit_limit=revisit_limit)
    return session


# the crawler's default (unlisted postings revisited: those gone close at once), and the K-miss
# rule alone (a crawler that revisits nothing)
@pytest.mark.parametrize("revisit_limit", [JOBTRENDS_REVISIT_MISSING, 0],
                         ids=["revisits", "k-miss-only"])
def test_report_matches_ground_truth(db_url: str, market, revisit_limit: int) -> None:
    truth = ground_truth(market, revisit_limit=revisit_limit)
    with _session(db_url, market, revisit_limit) as session:
        report = build_report(session, TrendFilter(), weeks=market.weeks)
    # weekly flow, week by week
    weeks = {w.week: (w.opened, w.closed) for w in report.weekly_flow.weeks}
    expected = {f"{y}-W{n:02d}": (truth.opened_by_week[(y, n)], truth.closed_by_week[(y, n)])
                for (y, n) in truth.iso_weeks()}
    assert weeks == expected
    assert sum(truth.closed_by_week.values()) > 20  # the market really churned
    # the failing source's week still had complete crawls of other sources
    assert all(w.tracked for w in report.weekly_flow.weeks)
    # time to fill: the same Kaplan-Meier median over the same roles
    ttf = report.time_to_fill
    samples = truth.time_to_fill_days()
    assert ttf.n_closed == sum(1 for _, e in samples if e)
    assert ttf.n_censored == sum(1 for _, e in samples if not e)
    assert ttf.median_days == truth.median_time_to_fill()
    # shares of roles active in the window
    start = datetime.combine(report.window_start, datetime.min.time())
    end = datetime.combine(report.window_end + timedelta(days=1), datetime.min.time())
    active = truth.active(start, end - timedelta(microseconds=1))
    for section, attribute in ((report.seniority, "seniority"),
                               (report.employment_type, "employment"),
                               (report.cities, "cities")):
        got = {r.label: r.share for r in section.rows if r.count}
        want = truth.shares(active, attribute)
        assert got == pytest.approx(want), attribute
    # open roles per company and per country at the end
    open_now = truth.open_at_end()
    by_company = Counter(market.companies[o.role.company].name for o in open_now)
    assert {c.name: c.open_roles for c in report.companies} == \
        dict(by_company.most_common(len(report.companies)))
    assert report.countries.open_roles == len(open_now)
    # key learnings were generated from these numbers
    assert any(lr.kind == "time_to_fill" for lr in report.learnings)


def test_unknown_filter_values_are_rejected(sqlite_url: str, market) -> None:
    with _session(sqlite_url, market) as session:
        with pytest.raises(InvalidFilterError, match="ml-enginer"):
            build_report(session, TrendFilter(role_family="ml-enginer"))
        report = build_report(session, TrendFilter(country="BE", role_family="ml-engineer"))
    assert report.title == "Hiring trends: ml-engineer in BE"
    assert all(r.country == "BE" for r in report.cities.rows)


def test_scraped_markup_from_storage_is_escaped(sqlite_url: str, market) -> None:
    from sqlalchemy import select, update

    from jobtrends.report import render
    from storage.models import Company, PostingLocation

    hostile = "<script>alert(1)</script>"
    with _session(sqlite_url, market) as session:
        top = build_report(session, TrendFilter()).companies[0].name
        session.execute(update(Company).where(Company.name == top).values(name=hostile))
        city = session.scalars(select(PostingLocation.city).limit(1)).one()
        session.execute(update(PostingLocation).where(PostingLocation.city == city)
                        .values(city=hostile))
        session.commit()
        report = build_report(session, TrendFilter())
    assert report.companies[0].name == hostile
    assert any(r.label == hostile for r in report.cities.rows)
    for fmt in ("html", "md"):
        text = render(report, fmt)
        assert hostile not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_thin_data_warnings_read_right_for_none_one_and_several_roles() -> None:
    from types import SimpleNamespace
    from typing import Any

    from jobtrends.report.build import _warnings
    from jobtrends.report.data import TimeToFillSection

    def warnings(base: int, closed: int) -> list[str]:
        weekly: Any = SimpleNamespace(untracked_weeks=())
        ttf = TimeToFillSection(median_days=None, p75_days=None, naive_median_days=None,
                                n_closed=closed, n_censored=0, histogram=())
        return list(_warnings(weekly, {"seniority": base}, ttf))

    assert warnings(0, 0) == [
        "No data: no role stands behind the seniority shares.",
        "No data: no role has closed yet, so time to fill is not measured.",
    ]
    assert warnings(1, 1) == [
        "Thin data: only 1 role stands behind the seniority shares.",
        "Thin data: time to fill rests on only 1 closed role.",
    ]
    assert warnings(7, 3) == [
        "Thin data: only 7 roles stand behind the seniority shares.",
        "Thin data: time to fill rests on only 3 closed roles.",
    ]
    assert warnings(20, 3)[0].startswith("Thin data: time to fill")  # 20 roles are enough
