"""Shares of active roles by seniority, employment type and city, and skill counts.

A share is over roles active in the window (opened before its end, not closed before its start),
counted once per role. Roles whose value is unknown are left out of the denominator and reported
as ``unknown``, so "40% Mid-Senior" means 40% of the roles whose level is known.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from storage.models import PostingLocation, PostingSkill, Skill
from storage.trends.filters import ResolvedFilter
from storage.trends.roles import role_members

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
    dimension: str, total: int, base: int, rows: list[tuple[str, str | None, int]]
) -> ShareTable:
    ordered = sorted(rows, key=lambda r: (-r[2], r[0], r[1] or ""))
    shares = tuple(
        Share(value, count, count / base if base else 0.0, country)
        for value, country, count in ordered
    )
    return ShareTable(dimension, total, base, total - base, shares)


def _active_count(session: Session, rf: ResolvedFilter, roles: Table) -> int:
    return int(session.execute(select(func.count()).select_from(roles)).scalar_one())


def attribute_shares(
    session: Session, rf: ResolvedFilter, roles: Table, attribute: str
) -> ShareTable:
    """Shares of active roles by one attribute of their canonical posting."""
    column = roles.c[attribute]
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    known: list[tuple[str, str | None, int]] = [
        (str(v), None, int(n)) for v, n in rows if v is not None
    ]
    total = sum(int(n) for _, n in rows)
    return _table(attribute, total, sum(n for _, _, n in known), known)


def city_shares_for(session: Session, rf: ResolvedFilter, roles: Table) -> ShareTable:
    """Shares of active roles per (city, country) of any of their postings' locations."""
    members = role_members(roles)
    role_cities = (
        select(members.c.role_id, PostingLocation.city, PostingLocation.country)
        .join(PostingLocation, PostingLocation.posting_id == members.c.posting_id)
        .where(PostingLocation.city.is_not(None))
        .distinct()
        .subquery("role_cities")
    )
    rows = session.execute(
        select(role_cities.c.city, role_cities.c.country, func.count()).group_by(
            role_cities.c.city, role_cities.c.country
        )
    ).all()
    base = session.execute(select(func.count(role_cities.c.role_id.distinct()))).scalar_one()
    total = _active_count(session, rf, roles)
    return _table("city", total, int(base), [(str(c), k, int(n)) for c, k, n in rows])


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


def skill_counts_for(session: Session, rf: ResolvedFilter, roles: Table, limit: int) -> SkillCounts:
    """The ``limit`` skills most asked for by active roles (a role counts once per skill)."""
    members = role_members(roles)
    role_skills = (
        select(members.c.role_id, PostingSkill.skill_id)
        .join(PostingSkill, PostingSkill.posting_id == members.c.posting_id)
        .distinct()
        .subquery("role_skills")
    )
    n = func.count().label("n")
    rows = session.execute(
        select(Skill.name, Skill.category, n)
        .join(role_skills, role_skills.c.skill_id == Skill.id)
        .group_by(Skill.id, Skill.name, Skill.category)
        .order_by(n.desc(), Skill.name)
        .limit(limit)
    ).all()
    base = _active_count(session, rf, roles)
    return SkillCounts(
        base,
        tuple(SkillCount(s, c, int(k), int(k) / base if base else 0.0) for s, c, k in rows),
    )
