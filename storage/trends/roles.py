"""Roles, not rows: the SQL that folds linked postings into one role per canonical posting.

A posting's role is ``coalesce(canonical_id, id)``. The role keeps the canonical posting's
attributes (seniority, company, role family...) and takes its lifecycle from all its postings:
it opens at the earliest opening, stays open while any posting is open and closes at the latest
close once all are closed. It is left-censored when its earliest opening belongs to a posting that
was already live at its source's first crawl: when such a role really opened is unknown.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql import FromClause

from storage.models import Posting, PostingLocation
from storage.trends.filters import ResolvedFilter


def role_key(posting: type[Posting] | FromClause) -> ColumnElement[int]:
    """The role a posting belongs to."""
    cols = posting.c if isinstance(posting, FromClause) else posting
    return func.coalesce(cols.canonical_id, cols.id)


def _role_lifecycle() -> Select[tuple[object, ...]]:
    """One row per canonical posting with its role's lifecycle (no filter)."""
    member = aliased(Posting, name="m")
    groups = (
        select(
            member.canonical_id.label("role_id"),
            func.count().label("n"),
            func.count(member.closed_at).label("n_closed"),
            func.min(member.opened_at).label("opened_at"),
            func.max(member.closed_at).label("closed_at"),
            func.min(case((member.left_censored, member.opened_at))).label("censored_opened_at"),
        )
        .where(member.canonical_id.is_not(None))
        .group_by(member.canonical_id)
        .subquery("g")
    )
    r = aliased(Posting, name="r")
    # NULL comparisons are false, so a role without linked postings keeps the canonical's values.
    opened_at = case((groups.c.opened_at < r.opened_at, groups.c.opened_at), else_=r.opened_at)
    closed_at = case(
        (r.closed_at.is_(None), None),
        (groups.c.role_id.is_(None), r.closed_at),
        (groups.c.n_closed < groups.c.n, None),
        (groups.c.closed_at > r.closed_at, groups.c.closed_at),
        else_=r.closed_at,
    )
    left_censored = case(
        (
            and_(
                r.left_censored,
                or_(groups.c.opened_at.is_(None), groups.c.opened_at >= r.opened_at),
            ),
            1,
        ),
        (
            and_(
                groups.c.censored_opened_at == groups.c.opened_at,
                groups.c.censored_opened_at <= r.opened_at,
            ),
            1,
        ),
        else_=0,
    )
    return (
        select(
            r.id.label("role_id"),
            opened_at.label("opened_at"),
            closed_at.label("closed_at"),
            left_censored.label("left_censored"),
            r.role_family,
            r.seniority,
            r.employment_type,
            r.company_id,
            r.country,
        )
        .select_from(r)
        .outerjoin(groups, groups.c.role_id == r.id)
        .where(r.canonical_id.is_(None))
    )


def roles_in_country(country: str) -> Select[tuple[int]]:
    """Role ids with a posting whose main country or any location is ``country``."""
    loc_posting = aliased(Posting, name="lp")
    return select(
        union(
            select(role_key(Posting).label("role_id")).where(Posting.country == country),
            select(role_key(loc_posting).label("role_id"))
            .select_from(PostingLocation)
            .join(loc_posting, loc_posting.id == PostingLocation.posting_id)
            .where(PostingLocation.country == country),
        ).subquery("in_country")
    )


def filtered_roles(rf: ResolvedFilter) -> FromClause:
    """Roles matching the filter's country / role family / company (not its window)."""
    query = _role_lifecycle()
    r = query.selected_columns
    if rf.role_family is not None:
        query = query.where(r.role_family == rf.role_family)
    if rf.company_id is not None:
        query = query.where(r.company_id == rf.company_id)
    if rf.country is not None:
        query = query.where(r.role_id.in_(roles_in_country(rf.country)))
    return query.subquery("roles")


def active_in(roles: FromClause, rf: ResolvedFilter) -> ColumnElement[bool]:
    """Roles active in the window: opened before its end and not closed before its start."""
    w = rf.window
    return and_(
        roles.c.opened_at < w.end,
        or_(roles.c.closed_at.is_(None), roles.c.closed_at >= w.start),
    )


def open_at_end(roles: FromClause, rf: ResolvedFilter) -> ColumnElement[bool]:
    """Roles open when the window ends (open now when the window ends at the latest crawl)."""
    w = rf.window
    return and_(
        roles.c.opened_at < w.end,
        or_(roles.c.closed_at.is_(None), roles.c.closed_at >= w.end),
    )


def role_members(roles: FromClause) -> FromClause:
    """(role_id, posting_id) for every posting of the given roles, the canonical one included."""
    member = aliased(Posting, name="mm")
    return union(
        select(roles.c.role_id, roles.c.role_id.label("posting_id")),
        select(roles.c.role_id, member.id.label("posting_id")).join(
            member, member.canonical_id == roles.c.role_id
        ),
    ).subquery("members")


__all__ = [
    "active_in",
    "filtered_roles",
    "open_at_end",
    "role_key",
    "role_members",
    "roles_in_country",
]
