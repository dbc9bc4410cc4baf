"""Who is hiring: top companies and open roles per country (with talent pools)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import FromClause

from storage.models import Company, Posting, TalentPool
from storage.trends.filters import ResolvedFilter
from storage.trends.roles import open_at_end, role_locations
from storage.trends.sqlfuncs import plain_rows


@dataclass(frozen=True)
class CompanyOpenRoles:
    """A company with its roles open at the window's end, and what is known about it."""

    company: str
    normalized_name: str
    country: str | None
    industry: str | None
    founded_year: int | None
    open_roles: int


def top_companies_for(
    session: Session, rf: ResolvedFilter, roles: FromClause, limit: int
) -> tuple[CompanyOpenRoles, ...]:
    """Companies with the most open roles (ties by name); roles without a company are skipped."""
    counts = (
        select(roles.c.company_id, func.count().label("open_roles"))
        .where(open_at_end(roles, rf), roles.c.company_id.is_not(None))
        .group_by(roles.c.company_id)
        .subquery("company_counts")
    )
    rows = session.execute(
        select(
            Company.name,
            Company.normalized_name,
            Company.country,
            Company.industry,
            Company.founded_year,
            counts.c.open_roles,
        )
        .join(counts, counts.c.company_id == Company.id)
        .order_by(counts.c.open_roles.desc(), Company.normalized_name)
        .limit(limit)
    ).all()
    return tuple(
        CompanyOpenRoles(name, norm, country, industry, year, int(n))
        for name, norm, country, industry, year, n in rows
    )


@dataclass(frozen=True)
class CountryOpenRoles:
    """Roles open at the window's end in one country.

    ``people``/``openings_per_person`` come from the talent pool of (country, role family) and are
    only set when the filter names a role family and such a pool is loaded.
    """

    country: str
    open_roles: int
    people: int | None
    openings_per_person: float | None


@dataclass(frozen=True)
class OpenByCountry:
    countries: tuple[CountryOpenRoles, ...]
    open_roles: int  # all open roles in the filter (a role in two countries counts once here)
    unknown: int  # open roles without any known country


def open_by_country_for(session: Session, rf: ResolvedFilter, roles: FromClause) -> OpenByCountry:
    """Open roles per country of any of their postings (main country or a location)."""
    is_open = open_at_end(roles, rf)
    member = aliased(Posting, name="cp")
    # the canonical posting's country is in the role table; linked postings' and locations' not
    linked_countries = (
        select(member.canonical_id.label("role_id"), member.country.label("country"))
        .where(member.canonical_id.in_(select(roles.c.role_id).where(is_open, roles.c.linked > 0)))
        .where(member.country.is_not(None))
    )
    open_roles = plain_rows(session, select(roles.c.role_id, roles.c.country).where(is_open))
    open_ids = set(map(itemgetter(0), open_roles))
    # distinct (role, country) pairs, de-duplicated and counted here (SQLite would sort them for
    # a UNION and again for each aggregate); locations are shared with the city shares. A dict
    # de-duplicates keeping the order read: iterating a set's hash order is much slower.
    candidates = [row for row in open_roles if row[1] is not None]
    candidates += plain_rows(session, linked_countries)
    candidates += map(
        itemgetter(0, 2),
        [
            row
            for row in role_locations(session, roles)
            if row[2] is not None and row[0] in open_ids
        ],
    )
    pairs = list(dict.fromkeys(candidates))
    per_country = Counter(map(itemgetter(1), pairs))
    rows = sorted(per_country.items(), key=lambda kv: (-kv[1], kv[0]))
    with_country = len(set(map(itemgetter(0), pairs)))
    total = len(open_roles)
    pools: dict[str, int] = {}
    if rf.role_family is not None:
        pools = {
            country: people
            for country, people in session.execute(
                select(TalentPool.country, TalentPool.people).where(
                    TalentPool.role_family == rf.role_family
                )
            )
        }
    countries = []
    for country, count in rows:
        people = pools.get(country)
        ratio = int(count) / people if people else None
        countries.append(CountryOpenRoles(country, int(count), people, ratio))
    return OpenByCountry(tuple(countries), int(total), int(total) - int(with_country))
