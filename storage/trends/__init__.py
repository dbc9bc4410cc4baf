"""Trend queries over stored posting lifecycles: what the report and analysts ask.

Every function takes ``(session, flt: TrendFilter, ...)``, validates the filter against the
stored data (:class:`InvalidFilterError` on unknown values), counts *roles* (postings linked to
one canonical posting count once) and returns frozen dataclasses of plain values. The same code
runs on SQLite and PostgreSQL; all values reach SQL as bound parameters. Semantics are documented
in ``docs/views.md``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from storage.trends.filters import (
    DEFAULT_WEEKS,
    InvalidFilterError,
    KnownValues,
    ResolvedFilter,
    TrendFilter,
    Window,
    known_values,
    resolve_filter,
)
from storage.trends.flow import (
    HistogramBin,
    TimeToFill,
    WeekFlow,
    WeeklyFlow,
    iso_week_label,
    time_to_fill_for,
    weekly_flow_for,
)
from storage.trends.km import SurvivalPoint
from storage.trends.market import (
    CompanyOpenRoles,
    CountryOpenRoles,
    OpenByCountry,
    open_by_country_for,
    top_companies_for,
)
from storage.trends.roles import active_roles
from storage.trends.shares import (
    MIN_SUPPORT,
    Share,
    ShareTable,
    SkillCount,
    SkillCounts,
    attribute_shares,
    city_shares_for,
    skill_counts_for,
)

_T = TypeVar("_T")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one trend call.

    The counting reads hundreds of thousands of row tuples (no reference cycles among them);
    each allocation burst would otherwise trigger collections that re-scan them all, about a
    seventh of the run time at 1M postings. The previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(
    session: Session,
    flt: TrendFilter,
    weeks: int,
    query: Callable[[ResolvedFilter, FromClause], _T],
) -> _T:
    with _collector_paused():
        rf = resolve_filter(session, flt, weeks)
        with active_roles(session, rf) as roles:
            return query(rf, roles)


def weekly_flow(session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS) -> WeeklyFlow:
    """Roles opened / closed per ISO week: ``weeks`` weeks up to ``until`` (or from ``since``)."""
    return _run(session, flt, weeks, lambda rf, roles: weekly_flow_for(session, rf, roles))


def time_to_fill(session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS) -> TimeToFill:
    """Kaplan–Meier time to fill of the roles opened in the window (open ones censored)."""
    return _run(session, flt, weeks, lambda rf, roles: time_to_fill_for(session, rf, roles))


def seniority_shares(session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS) -> ShareTable:
    """Shares of roles active in the window per seniority level."""
    return _run(
        session, flt, weeks, lambda rf, roles: attribute_shares(session, rf, roles, "seniority")[0]
    )


def employment_type_shares(
    session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS
) -> ShareTable:
    """Shares of roles active in the window per employment type."""
    return _run(
        session,
        flt,
        weeks,
        lambda rf, roles: attribute_shares(session, rf, roles, "employment_type")[0],
    )


def city_shares(session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS) -> ShareTable:
    """Shares of roles active in the window per city (a role counts for each of its cities)."""
    return _run(session, flt, weeks, lambda rf, roles: city_shares_for(session, rf, roles))


def skill_counts(
    session: Session, flt: TrendFilter, limit: int = 25, weeks: int = DEFAULT_WEEKS
) -> SkillCounts:
    """The ``limit`` skills most asked for by roles active in the window."""
    return _run(session, flt, weeks, lambda rf, roles: skill_counts_for(session, rf, roles, limit))


def top_companies(
    session: Session, flt: TrendFilter, limit: int = 10, weeks: int = DEFAULT_WEEKS
) -> tuple[CompanyOpenRoles, ...]:
    """Companies with the most roles open at the window's end."""
    return _run(session, flt, weeks, lambda rf, roles: top_companies_for(session, rf, roles, limit))


def open_by_country(
    session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS
) -> OpenByCountry:
    """Roles open at the window's end per country, with talent pools when a role family is set."""
    return _run(session, flt, weeks, lambda rf, roles: open_by_country_for(session, rf, roles))


@dataclass(frozen=True)
class TrendSummary:
    """Every trend of one filter and window: what a report renders."""

    filter: TrendFilter
    window: Window
    weekly_flow: WeeklyFlow
    time_to_fill: TimeToFill
    seniority: ShareTable
    employment_type: ShareTable
    cities: ShareTable
    skills: SkillCounts
    top_companies: tuple[CompanyOpenRoles, ...]
    open_by_country: OpenByCountry


def trend_summary(
    session: Session,
    flt: TrendFilter,
    weeks: int = DEFAULT_WEEKS,
    *,
    skills_limit: int = 25,
    companies_limit: int = 10,
) -> TrendSummary:
    """All trends for ``flt`` with one validation and one window."""
    with _collector_paused():
        rf = resolve_filter(session, flt, weeks)
        with active_roles(session, rf) as roles:
            return _summary(session, rf, roles, skills_limit, companies_limit)


def _summary(
    session: Session, rf: ResolvedFilter, roles: FromClause, skills_limit: int, companies_limit: int
) -> TrendSummary:
    seniority, employment_type = attribute_shares(
        session, rf, roles, "seniority", "employment_type"
    )
    return TrendSummary(
        filter=rf.filter,
        window=rf.window,
        weekly_flow=weekly_flow_for(session, rf, roles),
        time_to_fill=time_to_fill_for(session, rf, roles),
        seniority=seniority,
        employment_type=employment_type,
        cities=city_shares_for(session, rf, roles),
        skills=skill_counts_for(session, rf, roles, skills_limit),
        top_companies=top_companies_for(session, rf, roles, companies_limit),
        open_by_country=open_by_country_for(session, rf, roles),
    )


__all__ = [
    "MIN_SUPPORT",
    "CompanyOpenRoles",
    "CountryOpenRoles",
    "HistogramBin",
    "InvalidFilterError",
    "KnownValues",
    "OpenByCountry",
    "ResolvedFilter",
    "Share",
    "ShareTable",
    "SkillCount",
    "SkillCounts",
    "SurvivalPoint",
    "TimeToFill",
    "TrendFilter",
    "TrendSummary",
    "WeekFlow",
    "WeeklyFlow",
    "Window",
    "city_shares",
    "employment_type_shares",
    "iso_week_label",
    "known_values",
    "open_by_country",
    "seniority_shares",
    "skill_counts",
    "time_to_fill",
    "top_companies",
    "trend_summary",
    "weekly_flow",
]
