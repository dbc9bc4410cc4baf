"""Roles, not rows: the SQL that folds linked postings into one role per canonical posting.

A posting's role is ``coalesce(canonical_id, id)``. The role keeps the canonical posting's
attributes (seniority, company, role family...) and takes its lifecycle from its postings: it
opens at the earliest opening, stays open while any posting is open and closes at the latest
close once all are closed, except that a role with postings from first-party sources (the
employer's own ATS board or career site) closes when those close: job boards keep stale copies
up for weeks. It is left-censored when its earliest opening belongs to a posting that was
already live at its source's first crawl: when such a role really opened is unknown.

Trend queries only ever look at roles active in their window, so the roles are computed once per
call into a temporary table holding just those (found through the ``closed_at`` index: a role is
active only if one of its postings is open or closed after the window start), then every trend
query reads that small table. A read-only PostgreSQL connection (a hot-standby replica, or
``default_transaction_read_only``) cannot create it: there the same rows come from one SELECT,
read once and bound to each trend query as arrays.
"""

from __future__ import annotations

import itertools
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    CompoundSelect,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    Text,
    Update,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy import column as sql_column
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql import FromClause

from storage.models import CLOSE_UNTRACKED, Posting, PostingLocation, Source
from storage.trends.filters import ResolvedFilter
from storage.trends.sqlfuncs import count_joined_ints, joined_ints, plain_rows, unindexed

_names = itertools.count()


def _role_table() -> Table:
    return Table(
        f"trend_roles_{next(_names)}",
        MetaData(),
        # not the primary key: rows arrive in closed_at order, and inserting them into a rowid
        # b-tree in that random key order costs several times the scan; the unique index on
        # role_id is built once the candidates are in (see active_roles)
        Column("role_id", Integer, nullable=False),
        Column("opened_at", DateTime, nullable=False),
        Column("closed_at", DateTime),
        Column("left_censored", Integer, nullable=False),
        Column("right_censored", Integer, nullable=False),  # closed only as tracking ended
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


def _in_country(roles: Any, country: str) -> ColumnElement[bool]:
    """The role row's own country, or any of its postings' countries, is ``country`` (never
    NULL: a NULL country reads as "not this country", not as unknown)."""
    return or_(func.coalesce(roles.country, "") == country, _has_country(roles.role_id, country))


def _touches_window(posting: type[Posting], rf: ResolvedFilter) -> tuple[ColumnElement[bool], ...]:
    """The posting is open, or closed after the window start: two disjoint ranges of the
    ``ix_postings_window`` index, each selected on its own and the two concatenated (UNION ALL),
    so each is one covering range scan (an ``OR`` makes SQLite de-duplicate row ids)."""
    return posting.closed_at.is_(None), posting.closed_at >= rf.window.start


def _is_canonical(posting: type[Posting]) -> ColumnElement[bool]:
    """``canonical_id IS NULL``, written so that SQLite does not answer it from the canonical_id
    index: nearly every posting is canonical, the closed_at index is the selective one."""
    return unindexed(posting.canonical_id).is_(None)


def _attribute_conditions(p: type[Posting], rf: ResolvedFilter) -> list[ColumnElement[bool]]:
    """Filter conditions on a role's own (canonical posting's) attributes."""
    conditions: list[ColumnElement[bool]] = []
    if rf.role_family is not None:
        conditions.append(p.role_family == rf.role_family)
    if rf.company_id is not None:
        conditions.append(p.company_id == rf.company_id)
    return conditions


def _role_row(p: type[Posting], linked: ColumnElement[int]) -> list[Any]:
    """A canonical posting as a role row, before its linked postings are folded in (columns
    named as the role table's)."""
    return [
        p.id.label("role_id"),
        p.opened_at,
        p.closed_at,
        case((p.left_censored, 1), else_=0).label("left_censored"),
        _untracked(p.close_reason, 1, 0).label("right_censored"),
        linked.label("linked"),
        p.role_family,
        p.seniority,
        p.employment_type,
        p.company_id,
        p.country,
    ]


def _canonical_candidates(rf: ResolvedFilter) -> CompoundSelect[Any]:
    """Canonical postings open or closed after the window start (one pass, closed_at index),
    as roles of one posting; the exact window and country tests come after folding links."""
    p = aliased(Posting, name="p")
    return union_all(
        *(
            select(*_role_row(p, literal(0))).where(
                touches, _is_canonical(p), *_attribute_conditions(p, rf)
            )
            for touches in _touches_window(p, rf)
        )
    )


def _mark_linked(roles: Table) -> Update:
    """Flag roles that other postings point to (one pass over the canonical_id index)."""
    member = aliased(Posting, name="lm")
    return (
        update(roles)
        .where(
            roles.c.role_id.in_(select(member.canonical_id).where(member.canonical_id.is_not(None)))
        )
        .values(linked=1)
    )


def _roles_reached_through_links(rf: ResolvedFilter) -> Select[Any]:
    """Roles whose canonical posting closed before the window but a linked posting did not.

    Exactly the roles :func:`_canonical_candidates` leaves out: a canonical posting is a
    candidate when it touches the window itself. Said as ``closed_at < start`` rather than "not
    among the candidates", PostgreSQL looks the few linked roles up by id instead of scanning
    every posting against the candidates (0.64 s -> 0.14 s at 1M postings).
    """
    member = aliased(Posting, name="m")
    r = aliased(Posting, name="r")
    member_roles = union_all(
        *(
            select(member.canonical_id).where(touches, unindexed(member.canonical_id).is_not(None))
            for touches in _touches_window(member, rf)
        )
    )
    return select(*_role_row(r, literal(1))).where(
        r.id.in_(member_roles),
        r.canonical_id.is_(None),
        r.closed_at < rf.window.start,
        *_attribute_conditions(r, rf),
    )


def _untracked(close_reason: Any, then: Any, otherwise: Any) -> ColumnElement[Any]:
    """``then`` for a posting whose close only ended its tracking (its source was retired),
    else ``otherwise``."""
    return case((close_reason == CLOSE_UNTRACKED, then), else_=otherwise)


def _later(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The later of two times, either of which may be NULL (NULL only if both are)."""
    return case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b)


def _folded_lifecycle(t: Any, g: Any) -> dict[str, ColumnElement[Any]]:
    """A role row's lifecycle folded with its linked postings' figures ``g`` (of
    :func:`_group_lifecycles`): the earliest opening; open while any first-party posting is,
    closing at the latest first-party close, when the role has first-party postings, else the
    same over all its postings; left-censored as the module docstring says; right-censored when
    that latest close is only the end of tracking (no seen close is as late)."""
    own = g.own  # the canonical posting is first-party
    own_seen_close = case((t.right_censored == 1, null()), else_=t.closed_at)
    # the latest seen close among the postings that decide the close
    seen_close = case(
        (own, _later(own_seen_close, g.first_party_seen_closed_at)),
        (g.n_first_party > 0, g.first_party_seen_closed_at),
        else_=_later(own_seen_close, g.seen_closed_at),
    )
    closed_at = case(
        (
            own,
            case(
                (t.closed_at.is_(None), null()),
                (g.n_first_party_closed < g.n_first_party, null()),
                (g.first_party_closed_at > t.closed_at, g.first_party_closed_at),
                else_=t.closed_at,
            ),
        ),
        (
            g.n_first_party > 0,
            case(
                (g.n_first_party_closed < g.n_first_party, null()),
                else_=g.first_party_closed_at,
            ),
        ),
        (t.closed_at.is_(None), null()),
        (g.n_closed < g.n, null()),
        (g.closed_at > t.closed_at, g.closed_at),
        else_=t.closed_at,
    )
    return {
        "opened_at": case((g.opened_at < t.opened_at, g.opened_at), else_=t.opened_at),
        "closed_at": closed_at,
        "left_censored": case(
            (and_(t.left_censored == 1, g.opened_at >= t.opened_at), 1),
            (and_(g.censored_opened_at == g.opened_at, g.censored_opened_at <= t.opened_at), 1),
            else_=0,
        ),
        "right_censored": case(
            (closed_at.is_(None), 0),
            (or_(seen_close.is_(None), closed_at > seen_close), 1),
            else_=0,
        ),
        "linked": g.n,
    }


def _fold_linked_postings(roles: Table) -> Update:
    """Give roles with linked postings their group lifecycle (see the module docstring)."""
    g = _group_lifecycles(select(roles.c.role_id).where(roles.c.linked > 0))
    # every right-hand side reads the row as it was before this update
    return (
        update(roles)
        .where(roles.c.role_id == g.c.role_id)
        .values(**_folded_lifecycle(roles.c, g.c))
    )


def _group_lifecycles(role_ids: Select[Any]) -> Subquery:
    """Per role among ``role_ids``, the lifecycle figures of the postings linked to it, and
    ``own``: whether the role's canonical posting is first-party (read once per role here, not
    in each of the fold's expressions that ask it)."""
    member = aliased(Posting, name="m")
    first_party = Source.first_party  # of the member's source, joined below
    figures = (
        select(
            member.canonical_id.label("role_id"),
            func.count().label("n"),
            func.count(member.closed_at).label("n_closed"),
            func.min(member.opened_at).label("opened_at"),
            func.max(member.closed_at).label("closed_at"),
            func.min(case((member.left_censored, member.opened_at))).label("censored_opened_at"),
            func.count(case((first_party, 1))).label("n_first_party"),
            func.count(case((first_party, member.closed_at))).label("n_first_party_closed"),
            func.max(case((first_party, member.closed_at))).label("first_party_closed_at"),
            # the same, over closes that were seen (not the end of tracking)
            func.max(_untracked(member.close_reason, null(), member.closed_at)).label(
                "seen_closed_at"
            ),
            func.max(
                case((first_party, _untracked(member.close_reason, null(), member.closed_at)))
            ).label("first_party_seen_closed_at"),
        )
        .join_from(member, Source, Source.id == member.source_id)
        .where(member.canonical_id.in_(role_ids))
        .group_by(member.canonical_id)
        .subquery("gf")
    )
    canonical = aliased(Posting, name="cp")
    canonical_source = aliased(Source, name="cs")
    return (
        select(figures, canonical_source.first_party.label("own"))
        .join_from(figures, canonical, canonical.id == figures.c.role_id)
        .join(canonical_source, canonical_source.id == canonical.source_id)
        .subquery("g")
    )


def _roles_select(rf: ResolvedFilter) -> Select[Any]:
    """The rows :func:`active_roles` puts in its temporary table, as one SELECT.

    The same steps, in one statement: canonical candidates, plus canonical postings closed
    before the window whose linked postings are still in it; each folded with its linked
    postings' lifecycles (as :func:`_fold_linked_postings` does); then the window and country
    tests. Used where no temporary table can be created (a read-only PostgreSQL connection).
    """
    base = union_all(_canonical_candidates(rf), _roles_reached_through_links(rf)).subquery("base")
    b = base.c
    g = _group_lifecycles(select(b.role_id))
    # a role without linked postings keeps its own row (the join gives it no figures)
    lone = g.c.role_id.is_(None)
    folded_columns = [
        case((lone, b[name]), else_=value).label(name)
        for name, value in _folded_lifecycle(b, g.c).items()
    ]
    folded = (
        select(b.role_id, *folded_columns, b.role_family, b.seniority, b.employment_type,
               b.company_id, b.country)
        .select_from(base.outerjoin(g, g.c.role_id == b.role_id))
        .subquery("folded")
    )  # fmt: skip
    f = folded.c
    keep = [
        f.opened_at < rf.window.end,
        or_(f.closed_at.is_(None), f.closed_at >= rf.window.start),
    ]
    if rf.country is not None:
        keep.append(_in_country(f, rf.country))
    return select(folded).where(*keep)


# Results the trend queries derive from one role set and share (role days, role locations).
_derived: weakref.WeakKeyDictionary[FromClause, dict[str, Any]] = weakref.WeakKeyDictionary()


def derived(roles: FromClause) -> dict[str, Any]:
    """A cache of what is read from ``roles``, kept as long as the role set is."""
    return _derived.setdefault(roles, {})


def _read_only(connection: Connection) -> bool:
    """The connection may not write (PostgreSQL hot standby, read-only transaction)."""
    return bool(
        connection.dialect.name == "postgresql"
        and connection.execute(text("SELECT current_setting('transaction_read_only')")).scalar()
        == "on"
    )


def _array_element(value: Any) -> str:
    """One element of an array's text form: quoted, with backslashes and quotes escaped."""
    if value is None:
        return "NULL"
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _array_literal(values: Iterable[Any]) -> str:
    """PostgreSQL's text form of an array of ``values`` (each element quoted, NULL as NULL)."""
    return "{" + ",".join(map(_array_element, values)) + "}"


def _bound_roles(names: list[str], rows: Sequence[Sequence[Any]]) -> FromClause:
    """Role rows read once (columns ``names``), given back to every later statement as bound
    arrays: PostgreSQL's ``unnest(...) AS trend_roles_N(role_id, ...)``, typed as the role
    table's columns.

    A temporary table cannot be created on a read-only connection, and a CTE would make each
    statement compute the role set again (about ten statements per report). Each array is
    bound as its text form, made once here: the server parses it in C, where binding Python
    lists converts every element again for every statement. The server still parses every
    array of an ``unnest`` each time a statement names it, so the statements that only need
    the role ids read them from a second ``unnest`` of the ids and link counts alone
    (:func:`role_ids`).
    """
    types = {c.name: c.type for c in _role_table().c}
    if sorted(names) != sorted(types):
        raise ValueError(f"role rows have columns {names}, expected {sorted(types)}")
    values = dict(zip(names, zip(*rows, strict=True) if rows else [() for _ in names], strict=True))
    arrays = {
        name: cast_(
            bindparam(f"roles_{name}", _array_literal(column), type_=Text),
            postgresql.ARRAY(types[name]),
        )
        for name, column in values.items()
    }
    label = next(_names)

    def unnest(columns: Sequence[str], prefix: str) -> FromClause:
        return (
            func.unnest(*(arrays[name] for name in columns))
            .table_valued(*(sql_column(name, types[name]) for name in columns))
            .render_derived(name=f"{prefix}_{label}")
        )

    roles = unnest(names, "trend_roles")
    derived(roles)["ids"] = unnest(("role_id", "linked"), "trend_role_ids")
    return roles


def role_ids(roles: FromClause) -> FromClause:
    """The ``role_id`` and ``linked`` columns of ``roles``, from the cheapest source there is
    (``roles`` itself, except for bound role arrays: see :func:`_bound_roles`)."""
    ids: FromClause | None = derived(roles).get("ids")
    return roles if ids is None else ids


@contextmanager
def active_roles(session: Session, rf: ResolvedFilter) -> Iterator[FromClause]:
    """The roles active in ``rf``'s window that match its filter: a temporary table (dropped on
    exit), or on a read-only PostgreSQL connection the same rows bound as arrays.

    Active: opened before the window's end and not closed before its start.
    """
    connection = session.connection()
    if _read_only(connection):
        statement = _roles_select(rf)
        # plain driver rows: their values only become array text (psycopg's datetimes need no
        # conversion by SQLAlchemy either)
        rows = plain_rows(session, statement)
        yield _bound_roles(list(statement.selected_columns.keys()), rows)
        return
    table = _role_table()
    # SQLite: temporary tables and sorts in memory rather than in a temporary file. Changing the
    # setting drops existing temporary tables, so only set it when it differs.
    if (
        connection.dialect.name == "sqlite"
        and connection.exec_driver_sql("PRAGMA temp_store").scalar() != 2
    ):
        connection.exec_driver_sql("PRAGMA temp_store = MEMORY")
    table.create(connection)
    try:
        columns = list(table.c.keys())
        connection.execute(insert(table).from_select(columns, _canonical_candidates(rf)))
        Index(f"{table.name}_role", table.c.role_id, unique=True).create(connection)
        connection.execute(_mark_linked(table))
        connection.execute(insert(table).from_select(columns, _roles_reached_through_links(rf)))
        connection.execute(_fold_linked_postings(table))
        t = table.c
        connection.execute(
            delete(table).where(or_(t.opened_at >= rf.window.end, t.closed_at < rf.window.start))
        )
        if rf.country is not None:
            connection.execute(delete(table).where(~_in_country(t, rf.country)))
        # Statistics let the planner drive joins from this small table instead of probing it
        # from full scans of postings (neither backend gathers them for temporary tables).
        connection.exec_driver_sql(f"ANALYZE {table.name}")  # our own generated identifier
        yield table
    finally:
        table.drop(connection)


def open_at_end(roles: FromClause, rf: ResolvedFilter) -> ColumnElement[bool]:
    """Roles open when the window ends (open now when the window ends at the latest crawl)."""
    return or_(roles.c.closed_at.is_(None), roles.c.closed_at >= rf.window.end)


def _id_selects(
    roles: FromClause, where: ColumnElement[bool] | None
) -> tuple[Select[Any], Select[Any]]:
    """The ids of the roles (meeting ``where``), and of those with linked postings."""
    source = roles if where is not None else role_ids(roles)
    ids = select(source.c.role_id)
    linked_ids = select(source.c.role_id).where(source.c.linked > 0)
    if where is not None:
        ids, linked_ids = ids.where(where), linked_ids.where(where)
    return ids, linked_ids


def role_rows(
    roles: FromClause,
    where: ColumnElement[bool] | None,
    posting_id: InstrumentedAttribute[int],
    *columns: InstrumentedAttribute[Any],
) -> tuple[Select[Any], Select[Any]]:
    """``(role_id, *columns)`` of a posting-keyed table's rows, for every posting of the roles.

    Two selects (the canonical postings' rows, the linked postings' rows) that callers union.
    Both are driven by the small role table through ``IN`` lists, so they probe the
    ``posting_id`` indexes instead of scanning the big tables.
    """
    ids, linked_ids = _id_selects(roles, where)
    member = aliased(Posting, name="mm")
    own = select(posting_id.label("role_id"), *columns).where(posting_id.in_(ids))
    linked = (
        select(member.canonical_id.label("role_id"), *columns)
        .join_from(member, posting_id.class_, posting_id == member.id)
        .where(member.canonical_id.in_(linked_ids))
    )
    return own, linked


@dataclass(frozen=True)
class RoleValueCounts:
    """How many roles have each value tuple, and how many roles have any value at all."""

    counts: dict[tuple[Any, ...], int]
    roles_with_value: int | None  # None when not asked for


def _is_integer(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, Integer)


def _same(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(a == b, and_(a.is_(None), b.is_(None)))


def count_role_values(
    session: Session,
    roles: FromClause,
    where: ColumnElement[bool] | None,
    child: Table,
    values: tuple[str, ...],
    *,
    count_roles: bool = True,
    unique_per_posting: bool = False,
) -> RoleValueCounts:
    """Count roles per distinct ``values`` of ``child`` rows (keyed by ``posting_id``) of any of
    their postings; rows whose first value is NULL are ignored.

    The canonical postings' rows are read straight from the ``posting_id`` index (driven by
    ``IN`` lists over the small role table) and counted here; ``unique_per_posting`` says the values
    are unique per posting (a primary key), so they need no de-duplication. Linked postings add
    only the values their canonical posting lacks, so no role is counted twice for a value.
    """
    pid = child.c.posting_id
    cols = [child.c[v] for v in values]
    known = cols[0].is_not(None)
    ids, linked_ids = _id_selects(roles, where)
    # Counted in Python from one pass over the index: SQLite has no hash aggregation, so a
    # GROUP BY over a few hundred thousand rows sorts them all, which costs more than fetching
    # them; the roles with a value come out of the same rows.
    with_value: set[int] = set()
    if unique_per_posting and not count_roles and len(cols) == 1 and _is_integer(cols[0]):
        # the values alone are enough: one joined text, split and counted in C
        joined = select(joined_ints(cols[0])).where(pid.in_(ids), known)
        counts = Counter(
            {(k,): n for k, n in count_joined_ints(session.execute(joined).scalar()).items()}
        )
    elif unique_per_posting and not count_roles:
        counts = Counter(plain_rows(session, select(*cols).where(pid.in_(ids), known)))
    else:
        own_rows: Iterable[tuple[Any, ...]] = plain_rows(
            session, select(pid, *cols).where(pid.in_(ids), known)
        )
        if not unique_per_posting:  # a posting may repeat a value (two identical locations)
            own_rows = set(own_rows)
        counts = Counter(row[1:] for row in own_rows)
        with_value = {row[0] for row in own_rows}

    member = aliased(Posting, name="vm")
    canonical_row = child.alias("vc")
    extra = (
        select(member.canonical_id.label("role_id"), *cols)
        .join_from(member, child, pid == member.id)
        .where(member.canonical_id.in_(linked_ids), known)
        .where(
            ~exists().where(
                canonical_row.c.posting_id == member.canonical_id,
                *(_same(canonical_row.c[v], child.c[v]) for v in values),
            )
        )
        .distinct()
    )
    extra_rows = plain_rows(session, extra)
    counts.update(row[1:] for row in extra_rows)
    if not count_roles:
        return RoleValueCounts(dict(counts), None)
    # roles with a value only through a linked posting: the own rows found none for them
    extra_roles = {row[0] for row in extra_rows} - with_value
    return RoleValueCounts(dict(counts), len(with_value) + len(extra_roles))


def role_locations(
    session: Session, roles: FromClause
) -> list[tuple[int, str | None, str | None]]:
    """Distinct ``(role_id, city, country)`` of the locations of every posting of the roles
    (rows with neither a city nor a country left out).

    City shares and open roles per country both need them: read once per role set (kept in
    :func:`derived`) through the ``posting_id`` index, de-duplicated here rather than by a sorting
    ``UNION`` in SQLite, in the order read.
    """
    cache = derived(roles)
    cached = cache.get("locations")
    if cached is None:
        own, linked = role_rows(
            roles, None, PostingLocation.posting_id, PostingLocation.city, PostingLocation.country
        )
        known = or_(PostingLocation.city.is_not(None), PostingLocation.country.is_not(None))
        rows = plain_rows(session, union_all(own.where(known), linked.where(known)))
        # de-duplicated keeping the fetch order: iterating rows in the order they were made
        # is several times faster than in a set's hash order (memory locality)
        cached = list(dict.fromkeys(rows))
        cache["locations"] = cached
    return cached
