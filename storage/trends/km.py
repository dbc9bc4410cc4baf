"""Kaplan–Meier estimation of time to fill from aggregated (duration, events, censored) counts.

Still-open roles are right-censored: we know only that they took *at least* their current age.
Dropping them (the naive median over closed roles) biases time to fill low, because long searches
are exactly the ones still open. The product-limit estimator uses them as "at risk" until their
censoring time. Ties follow the usual convention: events at day t happen before censorings at t.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SurvivalPoint:
    """The survival curve just after ``day``: share of roles still unfilled after ``day`` days."""

    day: int
    at_risk: int
    events: int
    censored: int
    survival: float


def kaplan_meier(counts: Iterable[tuple[int, int, int]]) -> tuple[SurvivalPoint, ...]:
    """The Kaplan–Meier curve from ``(day, events, censored)`` triples (days may repeat)."""
    by_day: dict[int, list[int]] = {}
    for day, events, censored in counts:
        if day < 0 or events < 0 or censored < 0:
            raise ValueError(f"negative duration or count: {(day, events, censored)}")
        slot = by_day.setdefault(day, [0, 0])
        slot[0] += events
        slot[1] += censored
    at_risk = sum(e + c for e, c in by_day.values())
    survival = 1.0
    points: list[SurvivalPoint] = []
    for day in sorted(by_day):
        events, censored = by_day[day]
        if events:
            survival *= 1.0 - events / at_risk
        points.append(SurvivalPoint(day, at_risk, events, censored, survival))
        at_risk -= events + censored
    return tuple(points)


def km_quantile(curve: tuple[SurvivalPoint, ...], q: float) -> int | None:
    """The smallest day by which a share ``q`` of roles is filled (S(t) <= 1 - q), if reached.

    ``None`` when too many roles are still open for the curve to fall that low.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {q}")
    threshold = 1.0 - q + 1e-12  # tolerate float rounding of e.g. 1 - 1/2
    for point in curve:
        if point.events and point.survival <= threshold:
            return point.day
    return None


def weighted_median(counts: Iterable[tuple[int, int]]) -> float | None:
    """The ordinary median of values given as ``(value, count)`` pairs (mean of middle pair)."""
    pairs = sorted((v, c) for v, c in counts if c > 0)
    total = sum(c for _, c in pairs)
    if total == 0:
        return None

    def nth(k: int) -> int:  # 0-based k-th smallest value
        seen = 0
        for value, count in pairs:
            seen += count
            if k < seen:
                return value
        raise AssertionError("unreachable")

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2.0
