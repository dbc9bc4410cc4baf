"""Trend filters: what an analyst may ask for, validated against the stored data.

A filter value that matches nothing is almost always a typo ("ml-enginer"), so unknown values are
rejected with :class:`InvalidFilterError` listing the values that do exist, instead of silently
reporting an empty market.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select, union
from sqlalchemy.orm import Session

from storage.models import Company, CrawlRun, Posting, PostingLocation

DEFAULT_WEEKS = 12
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_LISTED = 30  # how many known values an error message lists before eliding the rest


class InvalidFilterError(ValueError):
    """A filter value is malformed or matches nothing stored; the message lists valid values."""


@dataclass(frozen=True)
class TrendFilter:
    """Which slice of the market a trend query looks at; ``None`` means "all".

    ``country`` is an ISO 3166-1 alpha-2 code matched against a posting's main country and every
    one of its locations; ``company`` is matched by normalized name ("Canonical Ltd." finds
    "CANONICAL"); ``since``/``until`` bound the window (inclusive dates, UTC).
    """

    country: str | None = None
    role_family: str | None = None
    company: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class KnownValues:
    """Filter values that match stored data, sorted."""

    countries: tuple[str, ...]
    role_families: tuple[str, ...]
    companies: tuple[str, ...]  # display names


@dataclass(frozen=True)
class Window:
    """The resolved time window of a trend query (naive UTC datetimes, ``end`` exclusive).

    ``start`` is the Monday 00:00 of the first ISO week shown (or ``since`` when given), ``end``
    the midnight after ``until`` (default: the date of the latest observation), and
    ``censor_date`` the date of the latest observation not after ``until``: roles still open then
    are right-censored at it in time to fill.
    """

    start: datetime
    end: datetime
    until: date
    first_week_start: date
    week_count: int
    censor_date: date


@dataclass(frozen=True)
class ResolvedFilter:
    """A validated filter with its values mapped to stored keys, plus its window."""

    filter: TrendFilter
    country: str | None
    role_family: str | None
    company_id: int | None
    window: Window


def known_values(session: Session) -> KnownValues:
    """Countries, role families and companies that at least one stored posting has."""
    countries = union(
        select(Posting.country).where(Posting.country.is_not(None)),
        select(PostingLocation.country).where(PostingLocation.country.is_not(None)),
    ).subquery()
    country_rows = session.execute(select(countries.c[0]).distinct()).scalars()
    families = session.execute(
        select(Posting.role_family).where(Posting.role_family.is_not(None)).distinct()
    ).scalars()
    companies = session.execute(
        select(Company.name).where(Company.id.in_(select(Posting.company_id)))
    ).scalars()
    return KnownValues(
        countries=tuple(sorted({c for c in country_rows if c is not None})),
        role_families=tuple(sorted({f for f in families if f is not None})),
        companies=tuple(sorted(set(companies), key=str.casefold)),
    )


def _listing(values: tuple[str, ...]) -> str:
    if not values:
        return "none stored yet"
    shown = ", ".join(values[:_LISTED])
    return shown + (f", ... ({len(values) - _LISTED} more)" if len(values) > _LISTED else "")


def _unknown(kind: str, value: str, known: tuple[str, ...]) -> InvalidFilterError:
    close = difflib.get_close_matches(value, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return InvalidFilterError(f"unknown {kind} {value!r}{hint}; known: {_listing(known)}")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def resolve_window(session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS) -> Window:
    """The window trend queries use for ``flt``: see :class:`Window`."""
    if weeks < 1:
        raise InvalidFilterError(f"weeks must be at least 1, got {weeks}")
    latest = session.execute(select(func.max(CrawlRun.observed_at))).scalar()
    if latest is None:
        latest = session.execute(select(func.max(Posting.last_seen_at))).scalar()
    until = flt.until or (latest.date() if latest is not None else date.today())
    end = _as_datetime(until + timedelta(days=1))
    if flt.since is not None:
        if flt.since > until:
            raise InvalidFilterError(f"since {flt.since} is after until {until}")
        first_week = _monday(flt.since)
        start = _as_datetime(flt.since)
    else:
        first_week = _monday(until) - timedelta(weeks=weeks - 1)
        start = _as_datetime(first_week)
    week_count = (_monday(until) - first_week).days // 7 + 1
    censor_date = until if latest is None else min(until, latest.date())
    return Window(start, end, until, first_week, week_count, censor_date)


def resolve_filter(
    session: Session, flt: TrendFilter, weeks: int = DEFAULT_WEEKS
) -> ResolvedFilter:
    """Validate ``flt`` against the stored data; raise :class:`InvalidFilterError` if it is bad."""
    known: KnownValues | None = None

    def lazily_known() -> KnownValues:
        nonlocal known
        if known is None:
            known = known_values(session)
        return known

    country = None
    if flt.country is not None:
        country = flt.country.strip().upper()
        if not _COUNTRY_CODE.match(country):
            raise InvalidFilterError(
                f"country {flt.country!r} is not an ISO 3166-1 alpha-2 code (e.g. 'BE', 'DE'); "
                f"known: {_listing(lazily_known().countries)}"
            )
        stored = session.execute(
            select(
                exists().where(Posting.country == country)
                | exists().where(PostingLocation.country == country)
            )
        ).scalar()
        if not stored:
            raise _unknown("country", country, lazily_known().countries)
    role_family = None
    if flt.role_family is not None:
        role_family = flt.role_family.strip().lower()
        stored = session.execute(
            select(exists().where(Posting.role_family == role_family))
        ).scalar()
        if not stored:
            raise _unknown("role family", flt.role_family, lazily_known().role_families)
    company_id = None
    if flt.company is not None:
        from storage.companies import normalize_company_name

        company_id = session.execute(
            select(Company.id).where(Company.normalized_name == normalize_company_name(flt.company))
        ).scalar()
        if company_id is None:
            raise _unknown("company", flt.company, lazily_known().companies)
    return ResolvedFilter(
        flt, country, role_family, company_id, resolve_window(session, flt, weeks)
    )
