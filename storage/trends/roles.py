"""Roles, not rows: the SQL that folds linked postings into one role per canonical posting.

A posting's role is ``coalesce(canonical_id, id)``. The role keeps the canonical posting's
attributes (seniority, company, role family...) and takes its lifecycle from all its postings:
it opens at the earliest opening, stays open while any posting is open and closes at the latest
close once all are closed. It is left-censored when its earliest opening belongs to a posting that
was already live at its source's first crawl: when such a role really opened is unknown.

Trend queries only ever look at roles active in their window, so the roles are computed once per
call into a temporary table holding just those (found through the ``closed_at`` index: a role is
active only if one of its postings is open or closed after the window start), then every trend
query reads that small table.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import FromClause

from storage.models import Posting, PostingLocation
from storage.trends.filters import ResolvedFilter

_names = itertools.count()


def _role_table() -> Table:
    return Table(
        f"trend_roles_{next(_names)}",
        MetaData(),
        Column("role_id", Integer, primary_key=True),
        Column("opened_at", DateTime, nullable=False),
        Column("closed_at", DateTime),
        Column("left_censored", Integer, nullable=False),
        Column("linked", Integer, nullable=False),  # postings linked to the canonical one
        Column("role_family", String(50)),
        Column("seniority", String(30)),
        Column("employment_type", String(30)),
        Column("company_id", Integer),
        Column("country", String(2)),
        prefixes=["TEMPORARY"],
    )


def _has_country(role_id: ColumnElement[int], country: str) -> ColumnElement[bool]:
    """The role has a posting whose main country or any location is ``country``."""
    member = aliased(Posting, name="cm")
    return or_(
        exists().where(PostingLocation.posting_id == role_id, PostingLocation.country == country),
        exists()
        .where(member.canonical_id == role_id)
        .where(
            or_(
                member.country == country,
                exists().where(
                    PostingLocation.posting_id == member.id, PostingLocation.country == country
                ),
            )
        ),
    )


def _active_roles_select(rf: ResolvedFilter) -> Select[tuple[object, ...]]:
    """Lifecycle of the roles active in the window that match the filter."""
    w = rf.window
    # Candidates: a role is active only if one of its postings is open or closed after the start.
    touching = aliased(Posting, name="t")
    candidates = (
        select(func.coalesce(touching.canonical_id, touching.id))
        .where(or_(touching.closed_at.is_(None), touching.closed_at >= w.start))
        .scalar_subquery()
    )
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
        .where(member.canonical_id.in_(candidates))
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
    query = (
        select(
            r.id,
            opened_at,
            closed_at,
            left_censored,
            func.coalesce(groups.c.n, 0),
            r.role_family,
            r.seniority,
            r.employment_type,
            r.company_id,
            r.country,
        )
        .select_from(r)
        .outerjoin(groups, groups.c.role_id == r.id)
        .where(r.id.in_(candidates), r.canonical_id.is_(None))
        # the candidate test is necessary, not sufficient: apply the exact window test
        .where(opened_at < w.end, or_(closed_at.is_(None), closed_at >= w.start))
    )
    if rf.role_family is not None:
        query = query.where(r.role_family == rf.role_family)
    if rf.company_id is not None:
        query = query.where(r.company_id == rf.company_id)
    if rf.country is not None:
        query = query.where(or_(r.country == rf.country, _has_country(r.id.expression, rf.country)))
    return query


@contextmanager
def active_roles(session: Session, rf: ResolvedFilter) -> Iterator[Table]:
    """A temporary table of the roles active in ``rf``'s window that match its filter.

    Active: opened before the window's end and not closed before its start. Dropped on exit.
    """
    table = _role_table()
    connection = session.connection()
    table.create(connection)
    try:
        connection.execute(
            insert(table).from_select(list(table.c.keys()), _active_roles_select(rf))
        )
        yield table
    finally:
        table.drop(connection)


def open_at_end(roles: FromClause, rf: ResolvedFilter) -> ColumnElement[bool]:
    """Roles open when the window ends (open now when the window ends at the latest crawl)."""
    return or_(roles.c.closed_at.is_(None), roles.c.closed_at >= rf.window.end)


def role_members(roles: Table, where: ColumnElement[bool] | None = None) -> FromClause:
    """(role_id, posting_id) for every posting of the roles (matching ``where``), canonical too."""
    member = aliased(Posting, name="mm")
    own = select(roles.c.role_id, roles.c.role_id.label("posting_id"))
    linked = (
        select(roles.c.role_id, member.id.label("posting_id"))
        .join(member, member.canonical_id == roles.c.role_id)
        .where(roles.c.linked > 0)
    )
    if where is not None:
        own, linked = own.where(where), linked.where(where)
    return union_all(own, linked).subquery("members")
