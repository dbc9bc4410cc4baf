"""Shares of active roles by seniority, employment type and city, and skill counts.

A share is over roles active in the window (opened before its end, not closed before its start),
counted once per role. Roles whose value is unknown are left out of the denominator and reported
as ``unknown``, so "40% Mid-Senior" means 40% of the roles whose level is known.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from storage.models import PostingSkill, Skill
from storage.trends.filters import ResolvedFilter
from storage.trends.roles import count_role_values, role_ids, role_locations
from storage.trends.sqlfuncs import plain_rows

_posting_skills = cast(Table, PostingSkill.__table__)

MIN_SUPPORT = 20  # below this many roles behind a share, reports flag it as thin


@dataclass(frozen=True)
class Share:
    """``count`` roles out of the table's ``base`` have ``value`` (``country`` for cities)."""

    value: str
    count: int
    share: float
    country: str | None = None


@dataclass(frozen=True)
class ShareTable:
    """Shares of one dimension. ``base`` roles stand behind every share (``unknown`` excluded).

    For cities a role counts once per distinct city, so shares may sum past 1.0.
    """

    dimension: str
    total: int  # active roles in the filter's window
    base: int  # roles with a known value: the denominator
    unknown: int
    shares: tuple[Share, ...]

    @property
    def low_support(self) -> bool:
        """Fewer than :data:`MIN_SUPPORT` roles stand behind the shares."""
        return self.base < MIN_SUPPORT


def _table(
    dimension: str, total: int, base: int, rows: Sequence[tuple[str, str | None, int]]
) -> ShareTable:
    ordered = sorted(rows, key=lambda r: (-r[2], r[0], r[1] or ""))
    shares = tuple(
        Share(value, count, count / base if base else 0.0, country)
        for value, country, count in ordered
    )
    return ShareTable(dimension, total, base, total - base, shares)


def _active_count(session: Session, rf: ResolvedFilter, roles: FromClause) -> int:
    return int(session.execute(select(func.count()).select_from(role_ids(roles))).scalar_one())


def attribute_shares(
    session: Session, rf: ResolvedFilter, roles: FromClause, *attributes: str
) -> tuple[ShareTable, ...]:
    """Shares of active roles by attributes of their canonical posting (one table each).

    One pass counts all the attributes together (in Python: cheaper than SQLite's sorting
    GROUP BY over every active role); each table is a margin of it.
    """
    columns = [roles.c[a] for a in attributes]
    combos = Counter(plain_rows(session, select(*columns)))
    rows = [(*combo, n) for combo, n in combos.items()]
    total = sum(int(row[-1]) for row in rows)
    tables = []
    for i, attribute in enumerate(attributes):
        margin: dict[str, int] = {}
        for row in rows:
            if row[i] is not None:
                margin[str(row[i])] = margin.get(str(row[i]), 0) + int(row[-1])
        known = [(value, None, n) for value, n in margin.items()]
        tables.append(_table(attribute, total, sum(margin.values()), known))
    return tuple(tables)


def city_shares_for(session: Session, rf: ResolvedFilter, roles: FromClause) -> ShareTable:
    """Shares of active roles per (city, country) of any of their postings' locations."""
    # distinct (role, city, country): a role counts once per city whichever postings list it
    with_city = [row for row in role_locations(session, roles) if row[1] is not None]
    counts = Counter(map(itemgetter(1, 2), with_city))
    rows = [(str(city), country, n) for (city, country), n in counts.items()]
    base = len(set(map(itemgetter(0), with_city)))
    return _table("city", _active_count(session, rf, roles), base, rows)


@dataclass(frozen=True)
class SkillCount:
    """``roles`` active roles ask for ``skill``: ``share`` of all active roles."""

    skill: str
    category: str | None
    roles: int
    share: float


@dataclass(frozen=True)
class SkillCounts:
    base: int  # active roles in the window
    skills: tuple[SkillCount, ...]

    @property
    def low_support(self) -> bool:
        return self.base < MIN_SUPPORT


def skill_counts_for(
    session: Session, rf: ResolvedFilter, roles: FromClause, limit: int
) -> SkillCounts:
    """The ``limit`` skills most asked for by active roles (a role counts once per skill)."""
    counts = count_role_values(
        session,
        roles,
        None,
        _posting_skills,
        ("skill_id",),
        count_roles=False,
        unique_per_posting=True,  # (posting_id, skill_id) is the primary key
    ).counts
    names = {
        skill_id: (name, category)
        for skill_id, name, category in session.execute(
            select(Skill.id, Skill.name, Skill.category).where(Skill.id.in_([k[0] for k in counts]))
        )
    }
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0][0]][0]))[:limit]
    base = _active_count(session, rf, roles)
    return SkillCounts(
        base,
        tuple(SkillCount(*names[key[0]], n, n / base if base else 0.0) for key, n in ranked),
    )
