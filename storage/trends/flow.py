"""Weekly flow of roles (opened / closed per ISO week) and time to fill."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from storage.models import RUN_COMPLETE, CrawlRun, Posting
from storage.trends.filters import ResolvedFilter
from storage.trends.km import SurvivalPoint, kaplan_meier, km_quantile, weighted_median
from storage.trends.roles import derived
from storage.trends.sqlfuncs import epoch_day, plain_rows

_EPOCH = date(1970, 1, 1)
HISTOGRAM_BIN_DAYS = 5


def iso_week_label(day: date) -> str:
    """ISO 8601 week label of ``day``, e.g. ``2026-W09``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeekFlow:
    """Roles opened and closed in one ISO week.

    ``complete_crawls`` counts complete crawl runs observed in the week: of any source, or with
    a company filter, of the sources that have listed the company. A week without one was not
    tracked, and its zeros mean "not looked", not "nothing happened".
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


def role_days(session: Session, roles: FromClause) -> list[tuple[int, int | None, int, int]]:
    """``(opened day, closed day or None, left_censored, right_censored)`` of every role, days
    since 1970-01-01 (a right-censored role's closed day is when its tracking ended).

    Weekly flow and time to fill both count these in Python from one read of the role set
    (kept in :func:`derived`): SQLite would sort the roles for each of their GROUP BYs. The window
    bounds are midnights, so comparing days is comparing the timestamps.
    """
    cache = derived(roles)
    cached = cache.get("days")
    if cached is None:
        cached = plain_rows(
            session,
            select(
                epoch_day(roles.c.opened_at),
                epoch_day(roles.c.closed_at),
                roles.c.left_censored,
                roles.c.right_censored,
            ),
        )
        cache["days"] = cached
    return cached


def _day(moment: datetime) -> int:
    return (moment.date() - _EPOCH).days


def weekly_flow_for(session: Session, rf: ResolvedFilter, roles: FromClause) -> WeeklyFlow:
    """Weekly flow of the given (filtered) roles over the filter's window."""
    w = rf.window
    lo, hi, first = _day(w.start), _day(w.end), (w.first_week_start - _EPOCH).days
    opened: Counter[int] = Counter()
    closed: Counter[int] = Counter()
    for opened_day, closed_day, left_censored, right_censored in role_days(session, roles):
        if lo <= opened_day < hi and not left_censored:
            opened[(opened_day - first) // 7] += 1
        # a right-censored role was not seen to close: its tracking ended (source retired)
        if closed_day is not None and not right_censored and lo <= closed_day < hi:
            closed[(closed_day - first) // 7] += 1
    complete = and_(
        CrawlRun.status == RUN_COMPLETE,
        CrawlRun.observed_at >= w.start,
        CrawlRun.observed_at < w.end,
    )
    if rf.company_id is not None:
        # a company's weeks are tracked by the sources that list it: another board's complete
        # crawl did not look at them (the company's columns of ix_postings_dedup answer this)
        listing = select(Posting.source_id).where(Posting.company_id == rf.company_id)
        complete = and_(complete, CrawlRun.source_id.in_(listing))
    crawls = _count_by_week(session, CrawlRun.observed_at.expression, complete, rf)
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
    still open at the censor date, or whose source was retired while they were open
    (right-censored); ``None`` when too few roles have closed for the curve to reach that level.
    ``naive_median_days`` is the biased closed-only median, shown for comparison. The cohort is
    the roles opened in the window; left-censored roles (opening unknown) are left out.
    """

    median_days: int | None
    p75_days: int | None
    naive_median_days: float | None
    n_closed: int
    n_censored: int
    curve: tuple[SurvivalPoint, ...]
    histogram: tuple[HistogramBin, ...]
    method: str = "kaplan-meier"
    # of the censored roles, those censored when their tracking ended (source retired), not
    # because they are still open
    n_untracked: int = 0


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


def time_to_fill_for(session: Session, rf: ResolvedFilter, roles: FromClause) -> TimeToFill:
    """Time to fill of the given roles opened in the window (Kaplan–Meier, open ones censored)."""
    w = rf.window
    lo, hi = _day(w.start), _day(w.end)
    censor_day = (w.censor_date - _EPOCH).days
    closed: dict[int, int] = {}
    censored: dict[int, int] = {}
    untracked = 0
    for opened_day, closed_day, left_censored, right_censored in role_days(session, roles):
        if left_censored or opened_day < lo:  # the cohort: roles opened in the window
            continue
        if closed_day is not None and closed_day < hi:
            # at risk up to its close, or up to the end of its tracking (source retired)
            target, end_day = (censored if right_censored else closed), closed_day
            untracked += bool(right_censored)
        else:
            target, end_day = censored, censor_day
        day = max(end_day - opened_day, 0)  # an opening after the censor date has no negative age
        target[day] = target.get(day, 0) + 1
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
        n_untracked=untracked,
    )
