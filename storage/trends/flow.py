"""Weekly flow of roles (opened / closed per ISO week) and time to fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, case, func, literal, select
from sqlalchemy.orm import Session

from storage.models import RUN_COMPLETE, CrawlRun
from storage.trends.filters import ResolvedFilter
from storage.trends.km import SurvivalPoint, kaplan_meier, km_quantile, weighted_median
from storage.trends.sqlfuncs import epoch_day

_EPOCH = date(1970, 1, 1)
HISTOGRAM_BIN_DAYS = 5


def iso_week_label(day: date) -> str:
    """ISO 8601 week label of ``day``, e.g. ``2026-W09``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekFlow:
    """Roles opened and closed in one ISO week.

    ``complete_crawls`` counts complete crawl runs (any source) observed in the week: a week
    without one was not tracked, and its zeros mean "not looked", not "nothing happened".
    """

    week: str
    week_start: date
    opened: int
    closed: int
    net: int
    complete_crawls: int

    @property
    def tracked(self) -> bool:
        return self.complete_crawls > 0


@dataclass(frozen=True)
class WeeklyFlow:
    weeks: tuple[WeekFlow, ...]

    @property
    def opened(self) -> int:
        return sum(w.opened for w in self.weeks)

    @property
    def closed(self) -> int:
        return sum(w.closed for w in self.weeks)

    @property
    def peak_opened(self) -> WeekFlow | None:
        """The week with the most openings (earliest on ties); None when nothing opened."""
        best = max(self.weeks, key=lambda w: (w.opened, -w.week_start.toordinal()), default=None)
        return best if best is not None and best.opened > 0 else None

    @property
    def peak_closed(self) -> WeekFlow | None:
        best = max(self.weeks, key=lambda w: (w.closed, -w.week_start.toordinal()), default=None)
        return best if best is not None and best.closed > 0 else None


def _week_index(column: ColumnElement[datetime], rf: ResolvedFilter) -> ColumnElement[int]:
    first = (rf.window.first_week_start - _EPOCH).days
    return (epoch_day(column) - first) // 7


def _count_by_week(
    session: Session,
    column: ColumnElement[datetime],
    where: ColumnElement[bool],
    rf: ResolvedFilter,
) -> dict[int, int]:
    week = _week_index(column, rf).label("week")
    rows = session.execute(select(week, func.count()).where(where).group_by(week))
    return {int(w): int(n) for w, n in rows}


def weekly_flow_for(session: Session, rf: ResolvedFilter, roles: Table) -> WeeklyFlow:
    """Weekly flow of the given (filtered) roles over the filter's window."""
    w = rf.window
    opened = _count_by_week(
        session,
        roles.c.opened_at,
        and_(roles.c.opened_at >= w.start, roles.c.opened_at < w.end, roles.c.left_censored == 0),
        rf,
    )
    closed = _count_by_week(
        session,
        roles.c.closed_at,
        and_(roles.c.closed_at >= w.start, roles.c.closed_at < w.end),
        rf,
    )
    crawls = _count_by_week(
        session,
        CrawlRun.observed_at.expression,
        and_(
            CrawlRun.status == RUN_COMPLETE,
            CrawlRun.observed_at >= w.start,
            CrawlRun.observed_at < w.end,
        ),
        rf,
    )
    weeks = []
    for i in range(w.week_count):
        start = w.first_week_start + timedelta(weeks=i)
        o, c = opened.get(i, 0), closed.get(i, 0)
        weeks.append(WeekFlow(iso_week_label(start), start, o, c, o - c, crawls.get(i, 0)))
    return WeeklyFlow(tuple(weeks))


@dataclass(frozen=True)
class HistogramBin:
    """Closed roles whose time to fill is in ``[start_day, end_day)``."""

    start_day: int
    end_day: int
    count: int


@dataclass(frozen=True)
class TimeToFill:
    """Days from a role's opening to its closing (UTC calendar dates).

    ``median_days``/``p75_days`` are Kaplan–Meier estimates over closed roles (events) and roles
    still open at the censor date (right-censored); ``None`` when too few roles have closed for
    the curve to reach that level. ``naive_median_days`` is the biased closed-only median, shown
    for comparison. The cohort is the roles opened in the window; left-censored roles (opening
    unknown) are left out.
    """

    median_days: int | None
    p75_days: int | None
    naive_median_days: float | None
    n_closed: int
    n_censored: int
    curve: tuple[SurvivalPoint, ...]
    histogram: tuple[HistogramBin, ...]
    method: str = "kaplan-meier"


def _histogram(closed: dict[int, int]) -> tuple[HistogramBin, ...]:
    if not closed:
        return ()
    bins = max(closed) // HISTOGRAM_BIN_DAYS + 1
    counts = [0] * bins
    for day, n in closed.items():
        counts[day // HISTOGRAM_BIN_DAYS] += n
    return tuple(
        HistogramBin(i * HISTOGRAM_BIN_DAYS, (i + 1) * HISTOGRAM_BIN_DAYS, n)
        for i, n in enumerate(counts)
    )


def time_to_fill_for(session: Session, rf: ResolvedFilter, roles: Table) -> TimeToFill:
    """Time to fill of the given roles opened in the window (Kaplan–Meier, open ones censored)."""
    w = rf.window
    filled = and_(roles.c.closed_at.is_not(None), roles.c.closed_at < w.end)
    event = case((filled, 1), else_=0).label("event")
    censor_day = (w.censor_date - _EPOCH).days
    end_day = case((filled, epoch_day(roles.c.closed_at)), else_=literal(censor_day))
    days = (end_day - epoch_day(roles.c.opened_at)).label("days")
    scope = and_(roles.c.left_censored == 0, roles.c.opened_at >= w.start)
    rows = session.execute(
        select(days, event, func.count()).where(scope).group_by(days, event)
    ).all()
    closed: dict[int, int] = {}
    censored: dict[int, int] = {}
    for d, e, n in rows:
        target = closed if e else censored
        day = max(int(d), 0)  # an opening dated after the censor date cannot have negative age
        target[day] = target.get(day, 0) + int(n)
    curve = kaplan_meier(
        [(d, n, 0) for d, n in closed.items()] + [(d, 0, n) for d, n in censored.items()]
    )
    return TimeToFill(
        median_days=km_quantile(curve, 0.5),
        p75_days=km_quantile(curve, 0.75),
        naive_median_days=weighted_median(closed.items()),
        n_closed=sum(closed.values()),
        n_censored=sum(censored.values()),
        curve=curve,
        histogram=_histogram(closed),
    )
