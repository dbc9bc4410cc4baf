"""Kaplan–Meier against a hand-computed textbook example, and the median helpers."""

from __future__ import annotations

import pytest

from storage.trends.km import kaplan_meier, km_quantile, weighted_median

# Freireich et al. (1963), 6-MP arm: weeks in remission, "+" = censored. The classic KM example
# (Kleinbaum & Klein, Survival Analysis, table 2.2): S(6)=.857, S(7)=.807, S(10)=.753,
# S(13)=.690, S(16)=.627, S(22)=.538, S(23)=.448 -> median 23.
SIX_MP = "6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"


def triples(spec: str) -> list[tuple[int, int, int]]:
    return [(int(t.rstrip("+")), 0, 1) if t.endswith("+") else (int(t), 1, 0) for t in spec.split()]


def test_textbook_curve() -> None:
    curve = kaplan_meier(triples(SIX_MP))
    events = {p.day: round(p.survival, 3) for p in curve if p.events}
    assert events == {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    at_risk = {p.day: p.at_risk for p in curve}
    assert (at_risk[6], at_risk[7], at_risk[10], at_risk[23]) == (21, 17, 15, 6)
    assert km_quantile(curve, 0.5) == 23
    assert km_quantile(curve, 0.75) is None  # S never falls to 0.25


def test_censoring_matters() -> None:
    # Dropping the censored roles (the naive way) gives a much shorter median: the property
    # the estimator exists for. Without censoring both agree.
    closed_only = [t for t in triples(SIX_MP) if t[1]]
    assert km_quantile(kaplan_meier(closed_only), 0.5) == 10
    assert weighted_median([(d, e) for d, e, _ in closed_only]) == 10.0


def test_events_before_censoring_on_ties() -> None:
    # 2 roles: filled at day 5 and censored at day 5 -> the censored one was at risk at day 5
    curve = kaplan_meier([(5, 1, 1)])
    assert curve[0].survival == pytest.approx(0.5)
    assert km_quantile(curve, 0.5) == 5


def test_aggregated_and_repeated_days_agree() -> None:
    one_by_one = kaplan_meier([(3, 1, 0), (3, 1, 0), (8, 0, 1), (9, 1, 0)])
    aggregated = kaplan_meier([(9, 1, 0), (3, 2, 0), (8, 0, 1)])
    assert one_by_one == aggregated
    assert [round(p.survival, 4) for p in aggregated] == [0.5, 0.5, 0.0]


def test_empty_and_invalid() -> None:
    assert kaplan_meier([]) == ()
    assert km_quantile((), 0.5) is None
    assert weighted_median([]) is None
    with pytest.raises(ValueError, match="negative"):
        kaplan_meier([(-1, 1, 0)])
    with pytest.raises(ValueError, match="quantile"):
        km_quantile((), 1.0)


@pytest.mark.parametrize(
    ("pairs", "median"),
    [([(1, 1)], 1.0), ([(1, 1), (3, 1)], 2.0), ([(1, 2), (3, 1)], 1.0), ([(2, 2), (4, 2)], 3.0)],
)
def test_weighted_median(pairs: list[tuple[int, int]], median: float) -> None:
    assert weighted_median(pairs) == median
