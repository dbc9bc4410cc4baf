"""Ground truth of a tiny hand-made market, checked against numbers worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jobtrends.simulator import MarketConfig, ground_truth
from jobtrends.simulator.market import Company, Market, Placement, Role, SourceSpec
from jobtrends.simulator.truth import kaplan_meier_quantile

# crawls: Mondays 09:00 UTC, t0 = 2026-01-05 (ISO week 2) ... t5 = 2026-02-09 (ISO week 7)
# source A (greenhouse) fails at week 3 (2026-01-26); B is a job board.


def _role(idx: int, opened: str, closed: str) -> Role:
    return Role(idx=idx, company=0, family="ml-engineer", seniority="Mid-Senior level",
                employment="Full-time", language="en", cities=("Brussels",),
                title=f"ML Engineer {idx}", skills=("Python",), years=5, remote="hybrid",
                opened=datetime.fromisoformat(opened), closed=datetime.fromisoformat(closed),
                seed=idx)


def _tiny_market() -> Market:
    company = Company("acme", "Acme", "BE", "Software Development", 2001,
                      "https://acme.example.com", "greenhouse", 1.0)
    a = SourceSpec("gh-acme", "greenhouse", "acme", "BE", "acme")
    b = SourceSpec("board-jobs-be", "jsonld", "jobs-be", "BE")
    roles = [
        _role(0, "2025-12-20T10:00", "2026-01-20T10:00"),  # censored; gone before t3
        _role(1, "2026-01-07T10:00", "2026-01-14T10:00"),  # seen at t1 only
        _role(2, "2026-01-13T08:00", "2026-02-10T10:00"),  # cross-posted on A and B
        _role(3, "2026-01-21T10:00", "2026-01-23T10:00"),  # never seen by a crawl
        _role(4, "2026-01-28T12:00", "2026-02-04T10:00"),  # missed once, at the last crawl
        _role(5, "2025-12-01T10:00", "2026-03-31T10:00"),  # censored, open throughout
        _role(6, "2026-01-26T10:00", "2026-03-01T10:00"),  # opens just after the failed crawl
    ]
    placements = {
        "gh-acme": [Placement(i, "gh-acme", str(i)) for i in (0, 1, 2, 5, 6)],
        "board-jobs-be": [Placement(i, "board-jobs-be", f"be-{i}") for i in (2, 3, 4)],
    }
    cfg = MarketConfig(weeks=6, companies=4, postings=7, failing_week=3)
    return Market(cfg, [company], [a, b], roles, placements, "gh-acme", 3)


def test_weekly_flow_by_hand() -> None:
    # the K-miss rule alone (no revisits of unlisted postings)
    truth = _tiny_market().ground_truth(revisit_limit=0)
    # r1 opened in week 2, r2 in week 3, r4 and r6 in week 5; r0 and r5 are left-censored,
    # r3 was never seen; the cross-posted r2 counts once
    assert dict(truth.opened_by_week) == {(2026, 2): 1, (2026, 3): 1, (2026, 5): 2}
    # r1: first missed by the complete crawl t2 (week 4), missed again at t4 -> closed at t2;
    # r0: gone at the failed t3 (which must not count), missed at t4 and t5 -> closed at t4
    # (week 6); r4 missed only once by the end -> still open
    assert dict(truth.closed_by_week) == {(2026, 4): 1, (2026, 6): 1}
    assert ("gh-acme", 3) in truth.incomplete_runs
    assert sorted(o.role.idx for o in truth.outcomes) == [0, 1, 2, 4, 5, 6]
    closed = {o.role.idx: o.closed_at for o in truth.outcomes if o.closed_at}
    assert closed == {1: datetime(2026, 1, 19, 9), 0: datetime(2026, 2, 2, 9)}


def test_revisits_close_unlisted_postings_at_the_crawl_that_left_them_out() -> None:
    truth = _tiny_market().ground_truth()  # the crawler's default: unlisted postings revisited
    assert dict(truth.opened_by_week) == {(2026, 2): 1, (2026, 3): 1, (2026, 5): 2}
    # r1 and r0 close when the K-miss rule closes them (at their first miss; the failed t3
    # revisits nothing), and r4, missed only by the last crawl, closes there too (week 7)
    assert dict(truth.closed_by_week) == {(2026, 4): 1, (2026, 6): 1, (2026, 7): 1}
    closed = {o.role.idx: o.closed_at for o in truth.outcomes if o.closed_at}
    assert closed == {1: datetime(2026, 1, 19, 9), 0: datetime(2026, 2, 2, 9),
                      4: datetime(2026, 2, 9, 9)}
    assert ("gh-acme", 3) in truth.incomplete_runs


def test_a_market_dropping_more_than_a_crawl_revisits_is_refused() -> None:
    market = _tiny_market()
    market.roles[5].closed = datetime(2026, 1, 14)  # r1 and r5 both gone by t2
    assert ground_truth(market, revisit_limit=2).closed_by_week[(2026, 4)] == 2
    with pytest.raises(ValueError, match=r"source gh-acme drops 2 postings at week 2, more "
                                         r"than the 1 a crawl revisits"):
        ground_truth(market, revisit_limit=1)


def test_failed_week_counted_as_complete_would_close_earlier() -> None:
    market = _tiny_market()
    market.failing_week = 99  # pretend the failing crawl succeeded (and saw nothing of r0)
    market.roles[0].closed = datetime(2026, 1, 20)
    truth = ground_truth(market, revisit_limit=0)
    assert truth.closed_by_week[(2026, 5)] == 1  # r0 would close at t3 instead


def _lingering_market(linger: bool) -> Market:
    """Acme (Greenhouse) and Beta (job board only); the board's copies of Acme's roles stay up
    after Acme closed them when ``linger``. No crawl fails."""
    acme = Company("acme", "Acme", "BE", "Software Development", 2001,
                   "https://acme.example.com", "greenhouse", 1.0)
    beta = Company("beta", "Beta", "BE", "Software Development", 2005,
                   "https://beta.example.com", "jsonld", 1.0)
    a = SourceSpec("gh-acme", "greenhouse", "acme", "BE", "acme")
    b = SourceSpec("board-jobs-be", "jsonld", "jobs-be", "BE")
    roles = [
        _role(0, "2026-01-07T10:00", "2026-01-21T10:00"),  # copy listed until 2026-02-04
        _role(1, "2025-12-01T10:00", "2026-03-31T10:00"),  # censored, open throughout
        _role(2, "2026-01-07T10:00", "2026-01-21T10:00"),  # Beta's, on the board only
        _role(3, "2025-12-10T10:00", "2026-01-02T10:00"),  # closed before t0; copy until t1
    ]
    roles[2].company = 1
    lag = {0: timedelta(days=14), 3: timedelta(days=10)} if linger else {}
    placements = {
        "gh-acme": [Placement(i, "gh-acme", str(i)) for i in (0, 1, 3)],
        "board-jobs-be": [Placement(i, "board-jobs-be", f"be-{i}", lag.get(i, timedelta(0)))
                          for i in (0, 1, 2, 3)],
    }
    cfg = MarketConfig(weeks=6, companies=4, postings=4)
    return Market(cfg, [acme, beta], [a, b], roles, placements, "gh-acme", 99)


def test_a_role_closes_when_its_company_closes_it_not_when_the_board_copy_goes() -> None:
    truth = ground_truth(_lingering_market(linger=True))
    outcomes = {o.role.idx: o for o in truth.outcomes}
    # r0: Acme's posting missed at t3 and t4 -> closed at t3 (2026-01-26, ISO week 5), although
    # the board listed its copy until after t4 and missed it only at t5
    assert outcomes[0].closed_at == datetime(2026, 1, 26, 9)
    # r2, Beta's, closes with its board posting (missed at t3 and t4)
    assert outcomes[2].closed_at == datetime(2026, 1, 26, 9)
    assert outcomes[1].closed_at is None
    # r3: Acme closed it before tracking began, but the board's copy was live at t0 and t1:
    # seen on no ATS crawl, the role is what the board showed (left-censored, missed at t2, t3)
    assert outcomes[3].left_censored and outcomes[3].closed_at == datetime(2026, 1, 19, 9)
    assert dict(truth.opened_by_week) == {(2026, 2): 2}
    assert dict(truth.closed_by_week) == {(2026, 4): 1, (2026, 5): 2}
    assert sorted(truth.time_to_fill_days()) == [(19, True), (19, True)]
    # the lag moves no close of a role an ATS crawl saw: the same as without lingering copies
    plain = {o.role.idx: o for o in ground_truth(_lingering_market(linger=False)).outcomes}
    assert 3 not in plain
    for idx in (0, 1, 2):
        assert (plain[idx].opened_at, plain[idx].left_censored, plain[idx].closed_at) == \
            (outcomes[idx].opened_at, outcomes[idx].left_censored, outcomes[idx].closed_at)


def test_time_to_fill_is_kaplan_meier_not_naive() -> None:
    truth = ground_truth(_tiny_market(), revisit_limit=0)
    samples = sorted(truth.time_to_fill_days())
    # r1 closed after 12 calendar days; r2, r4, r6 are censored at the last crawl (t5)
    assert samples == [(12, False), (12, True), (14, False), (27, False)]
    # one event among four: the survival curve only drops to 3/4, so there is no median yet
    assert truth.median_time_to_fill() is None


@pytest.mark.parametrize(
    ("samples", "q", "expected"),
    [
        ([(1, True), (2, True), (3, False), (4, True)], 0.5, 2),
        ([(1, True), (2, True), (3, True), (4, True)], 0.75, 3),
        ([(1, False), (2, True), (3, True)], 0.5, 2),  # censored at 1: the step at 2 halves
        ([(5, False)], 0.5, None),
        ([], 0.5, None),
    ],
)
def test_kaplan_meier_quantile(samples: list[tuple[float, bool]], q: float,
                               expected: float | None) -> None:
    assert kaplan_meier_quantile(samples, q) == expected


def test_shares_count_each_city() -> None:
    truth = ground_truth(_tiny_market())
    truth.outcomes[0].role.cities = ("Brussels", "Ghent")
    shares = truth.shares(truth.outcomes, "cities")
    assert shares["Brussels"] == 1.0 and shares["Ghent"] == pytest.approx(1 / 6)
