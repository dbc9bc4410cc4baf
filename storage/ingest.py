"""Ingest: record crawl runs and upsert what they saw, in batches of one prepared statement.

A crawl calls :func:`start_crawl_run`, then :func:`upsert_postings` (any number of times, from
any number of processes sharing the run id), :func:`record_close_signal` for explicit signals,
and :func:`finish_crawl_run`. Closing postings is not done here: :func:`storage.lifecycle.reconcile`
does it later, from these records alone.

The functions write through the session's connection and never commit: the caller owns the
unit of work (commit after each batch in a long crawl). Datetimes are naive UTC; aware ones
are converted. The rules are in ``docs/lifecycle.md``.
"""

from __future__ import annotations

import hashlib
import pickle
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Dialect,
    Float,
    Insert,
    Table,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import cast as cast_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from storage import models
from storage.companies import normalize_company_name, normalize_title
from storage.db import hold_write_lock
from storage.dedup import lock_every_source, relink_source
from storage.records import LocationRecord, PostingRecord
from storage.retire import SourceRetiredError

BATCH_SIZE = 1000
# A datePosted further back than this is a recycled or default date, not an opening time.
MAX_POSTED_AGE = timedelta(days=365)
# Sources stamp dates in their own zone: a date up to a day "ahead" of the crawl is accepted
# (and clamped to the observation time); further ahead it is not plausible.
POSTED_FUTURE_TOLERANCE = timedelta(days=1)
EXPLICIT_CLOSE_REASONS = (
    models.CLOSE_HTTP_GONE,
    models.CLOSE_NOT_ACCEPTING,
    models.CLOSE_EXPIRED,
)

_postings = cast(Table, models.Posting.__table__)
_runs = cast(Table, models.CrawlRun.__table__)
_sources = cast(Table, models.Source.__table__)
_companies = cast(Table, models.Company.__table__)
_locations = cast(Table, models.PostingLocation.__table__)
_descriptions = cast(Table, models.PostingDescription.__table__)
_skills = cast(Table, models.Skill.__table__)
_posting_skills = cast(Table, models.PostingSkill.__table__)
_events = cast(Table, models.PostingEvent.__table__)
_signals = cast(Table, models.CloseSignal.__table__)

UpsertInsert = sqlite.Insert | postgresql.Insert

# Columns an observation overwrites (the source's current view of the posting; the description
# goes to posting_descriptions, written only when the content changes).
_OBSERVED_COLUMNS = (
    "url", "title", "title_normalized", "company_id", "company_name_raw", "content_hash",
    "date_posted_raw", "date_posted", "valid_through_raw", "valid_through", "location_raw",
    "employment_type_raw", "seniority_raw", "salary_min", "salary_max", "salary_currency",
    "salary_period", "observed_hash",
)  # fmt: skip
# Columns enrichment fills: kept when an unenriched record repeats unchanged content.
_ENRICHMENT_COLUMNS = ("language", "seniority", "employment_type", "role_family")
# Columns the source gives but enrichment may complete (a country read from the posting's own
# city, a work mode read from its text): kept, like the enrichment, in that case too.
_COMPLETED_COLUMNS = ("country", "remote")
# What the observation fingerprint covers: every record field a posting row is made of. The
# fields of the content hash are taken as they are, so an unchanged posting is recognised
# without hashing its description.
_FINGERPRINT_FIELDS = (
    "title", "description_text", "location_raw", "employment_type_raw", "seniority_raw",
    "company_name", "url", "date_posted_raw", "date_posted", "valid_through_raw",
    "valid_through", "salary_min", "salary_max", "salary_currency", "salary_period", "country",
    "remote", *_ENRICHMENT_COLUMNS, "enrichment_version",
)  # fmt: skip
# Bump when the way rows are derived from records changes (normalisation, clipping, the
# fingerprint): every posting is then rewritten once instead of being taken as unchanged.
# 2: the fingerprint covers the content fields themselves, not their hash.
# 3: datetimes enter the fingerprint as their UTC text.
ROW_FORMAT = 3
# Every column an upsert row carries, in the order of the tuples _Statements.posting_row builds
# (all but the id and canonical_id, which dedup sets).
_POSTING_KEYS = (
    "source_id", "source_job_id", "url", "title", "title_normalized", "company_id",
    "company_name_raw", "content_hash", "observed_hash", "date_posted_raw", "date_posted",
    "valid_through_raw", "valid_through", "location_raw", "employment_type_raw",
    "seniority_raw", "salary_min", "salary_max", "salary_currency", "salary_period", "country",
    "first_seen_at", "last_seen_at", "last_seen_run_id", "changed_run_id", "opened_at",
    "closed_at", "close_reason", "status", "miss_count", "first_missed_at", "left_censored",
    "language", "seniority", "employment_type", "remote", "role_family", "enrichment_version",
)  # fmt: skip
_OPENED_AT = _POSTING_KEYS.index("opened_at")
_JOB_ID = _POSTING_KEYS.index("source_job_id")


class ObservationOrderError(ValueError):
    """An observation older than what is already stored for its source."""

    def __init__(self, source_name: str, observed_at: datetime, latest: datetime) -> None:
        self.source_name = source_name
        self.observed_at = observed_at
        self.latest = latest
        super().__init__(
            f"source {source_name!r}: observation time {observed_at.isoformat(sep=' ')} is older "
            f"than its latest stored crawl at {latest.isoformat(sep=' ')}; replay archived "
            "snapshots in time order (or pass a later --observed-at)"
        )


def check_observation_order(
    session: Session, source_names: Sequence[str], observed_at: datetime
) -> None:
    """Raise :class:`ObservationOrderError` for the first of ``source_names`` whose latest
    crawl run is newer than ``observed_at`` (unknown sources pass)."""
    observed = as_naive_utc(observed_at)
    assert observed is not None
    rows = session.connection().execute(
        select(_sources.c.name, func.max(_runs.c.observed_at))
        .join(_runs, _runs.c.source_id == _sources.c.id)
        .where(_sources.c.name.in_(list(source_names)))
        .group_by(_sources.c.name)
    )
    latest = dict(rows.all())
    for name in source_names:
        if name in latest and observed < latest[name]:
            raise ObservationOrderError(name, observed, latest[name])


@dataclass
class UpsertStats:
    """What one :func:`upsert_postings` call did."""

    received: int = 0  # records given (duplicates within the call counted once)
    inserted: int = 0  # postings new to storage
    seen_again: int = 0  # already stored postings seen by this observation
    reopened: int = 0  # closed postings seen again, hence reopened
    changed: int = 0  # new or content/enrichment changed: locations and skills (re)written
    left_censored: int = 0  # new postings live at the source's first tracked crawl


@dataclass(frozen=True)
class _RunContext:
    run_id: int
    source_id: int
    observed_at: datetime
    # no earlier crawl tracks the source: whatever is new now was live before tracking began
    baseline: bool
    # the latest earlier crawl that listed the source: a new posting's datePosted before it is a
    # stale date (that crawl would have seen the posting), so first-seen is used instead
    previous_crawl_at: datetime | None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def as_naive_utc(value: datetime | None) -> datetime | None:
    """Naive UTC for storage: aware datetimes are converted, naive ones taken as UTC."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _insert(conn: Connection, table: Table) -> UpsertInsert:
    """The dialect's INSERT, which knows ``ON CONFLICT`` (SQLite and PostgreSQL spell it alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _chunks(items: Sequence[Any], size: int = BATCH_SIZE) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_SQLITE_DATETIME_FORMAT = sqlite.DATETIME()._storage_format  # the default storage format


class DatetimeBinder:
    """Datetimes in the form the rows built here carry to the driver.

    On SQLite: the text SQLAlchemy's ``DateTime`` stores (its default storage format,
    ``YYYY-MM-DD HH:MM:SS.ffffff``), so ORM reads parse it back and SQL compares it as text
    exactly like values SQLAlchemy wrote; memoised, since a crawl repeats few distinct times.
    Elsewhere: the datetime itself (Core binds it).
    """

    def __init__(self, dialect: Dialect) -> None:
        self.text = dialect.name == "sqlite"
        general = sqlite.DATETIME().bind_processor(dialect) if self.text else None
        self._general: Callable[[Any], Any] = general or (lambda value: value)
        self._memo: dict[datetime, str] = {}

    def __call__(self, value: date | None) -> Any:
        if value is None or not self.text:
            return value
        if type(value) is not datetime or value.tzinfo is not None:
            return self._general(value)  # subclasses, dates, aware values: SQLAlchemy's own text
        text = self._memo.get(value)
        if text is None:
            # the same text as SQLAlchemy's "%Y-%m-%d %H:%M:%S.%f" format (tested)
            text = value.isoformat(" ", "microseconds")
            if len(self._memo) < 65536:
                self._memo[value] = text
        return text


def _to_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _as_is(value: Any) -> Any:
    return value


def _check_driver_form(type_: Any, dialect: Dialect) -> None:
    """Refuse a column whose bind processing the row builders do not reproduce (SQLite path)."""
    impl = type_.dialect_impl(dialect)
    if impl.bind_processor(dialect) is None or isinstance(impl, (Boolean, Float)):
        return  # sqlite3 binds bool as 0/1; floats are converted by the row builders
    if isinstance(impl, sqlite.DATETIME) and impl._storage_format == _SQLITE_DATETIME_FORMAT:
        return  # DatetimeBinder
    raise TypeError(f"column type {type_!r} needs SQLAlchemy's bind processing on {dialect.name}")


class PreparedInsert:
    """An INSERT (or upsert) into ``table`` compiled once and executed for many rows per call.

    Rows are tuples in ``keys`` order, their datetimes already bound by :class:`DatetimeBinder`;
    ``conflict`` adds the ``ON CONFLICT`` clause to the dialect's insert. On SQLite the rows go
    straight to the driver's ``executemany``: SQLAlchemy's per-row parameter handling cost more
    than SQLite's own insert work. On PostgreSQL they go as one array per column into
    ``INSERT ... SELECT * FROM unnest(...)``: one statement and one round trip for all rows,
    planned once (executemany sent a statement per row), with an exact row count.
    """

    def __init__(
        self,
        conn: Connection,
        table: Table,
        keys: Sequence[str],
        conflict: Callable[[UpsertInsert], Insert] | None = None,
    ) -> None:
        self.keys = tuple(keys)
        dialect = conn.dialect
        self.raw = dialect.name == "sqlite"
        self.sql = ""
        self.reorder: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None
        base = _insert(conn, table)
        if not self.raw:
            arrays = [
                cast_(bindparam(f"bulk_{key}"), postgresql.ARRAY(table.c[key].type))
                for key in self.keys
            ]
            rows = func.unnest(*arrays).table_valued(*self.keys).render_derived(name="bulk")
            bulk = base.from_select(list(self.keys), select(*rows.c))
            self.statement: Insert = conflict(bulk) if conflict else bulk
            return
        statement = conflict(base) if conflict else base
        self.statement = statement
        compiled = statement.compile(dialect=dialect, column_keys=list(self.keys))
        order = tuple(compiled.positiontup or ())
        if sorted(order) != sorted(self.keys):
            raise ValueError(f"statement parameters {order} are not the row keys {self.keys}")
        for name in order:
            _check_driver_form(compiled.binds[name].type, dialect)
        self.sql = compiled.string
        if order != self.keys and len(order) > 1:
            self.reorder = itemgetter(*(self.keys.index(name) for name in order))

    def execute(self, conn: Connection, rows: list[tuple[Any, ...]]) -> int:
        """Execute once for all ``rows``; the number of rows written."""
        if not rows:
            return 0
        if not self.raw:
            columns = zip(*rows, strict=True)
            arrays = {
                f"bulk_{key}": list(column)
                for key, column in zip(self.keys, columns, strict=True)
            }
            return conn.execute(self.statement, arrays).rowcount
        params = rows if self.reorder is None else [self.reorder(row) for row in rows]
        return conn.exec_driver_sql(self.sql, params).rowcount


# the columns of a stored-state row (_Statements.stored), by position
_S_ID, _S_JOB_ID, _S_HASH, _S_VERSION, _S_STATUS, _S_LAST_RUN, _S_OBSERVED = range(7)


def _all_rows(result: CursorResult[Any], raw: bool) -> Sequence[Sequence[Any]]:
    """All rows of a query; when ``raw``, the driver's plain tuples (no Row objects built)."""
    if not raw:
        return result.fetchall()
    rows = result.cursor.fetchall()
    result.close()
    return rows


def _among(conn: Connection, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``column = ANY(array)``: one bound array instead
    of a parameter per value, so the statement text is the same whatever the list's length and
    psycopg prepares it once (a 100,000-posting re-crawl: 20.8k -> 29.8k upserts/s)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def _among_rows(conn: Connection, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as a semi-join over ``unnest(array)``, for lookups in
    tables whose statistics no one gathers during a crawl (companies, skills): once psycopg
    prepares such a lookup (its fifth execution), PostgreSQL's generic plan for ``= ANY(array)``
    compared every row with each value in turn: 200 ms a batch of 1,000 names at 5,000
    companies, a quarter of a first crawl's time (tests/test_storage_ingest.py)."""
    if conn.dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column.in_(select(func.unnest(array)))
    return column.in_(values)


@lru_cache(maxsize=16)
def _marks(count: int) -> str:
    """``?, ?, ...``: the placeholders of an IN list of ``count`` bind parameters."""
    return ", ".join(["?"] * count)


# --------------------------------------------------------------------------- crawl runs


def start_crawl_run(
    session: Session,
    source_name: str,
    *,
    kind: str,
    observed_at: datetime,
    country: str | None = None,
    can_relist: bool = True,
    first_party: bool = True,
) -> int:
    """Record the start of a crawl of ``source_name`` observed at ``observed_at``; return its id.

    The source is created on first use (its kind, country, ``can_relist`` and ``first_party``
    follow the latest call; a changed ``first_party`` re-links the source's roles, whose canonical
    posting may change with it). Raises :class:`~storage.retire.SourceRetiredError` for a retired
    source, and :class:`ObservationOrderError` when ``observed_at`` is older
    than the source's latest crawl run; an equal time is allowed (several processes sharing one
    crawl).
    """
    observed = as_naive_utc(observed_at)
    assert observed is not None
    conn = session.connection()
    values: dict[str, Any] = {"kind": kind, "can_relist": can_relist, "first_party": first_party}
    if country is not None:
        values["country"] = country_code(country)
        if values["country"] is None:
            raise ValueError(
                f"source {source_name!r}: country {country!r} is not an ISO 3166-1 alpha-2 code "
                "(e.g. 'BE')"
            )
    conn.execute(
        _insert(conn, _sources)
        .values(name=source_name, created_at=utcnow(), **values)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    stored_first_party = conn.execute(
        select(_sources.c.first_party).where(_sources.c.name == source_name)
    ).scalar_one()
    if stored_first_party != first_party:
        lock_every_source(conn)  # linking roles again (below) updates postings of any source
    # locked until the run is recorded, as by a batch (_live_run): a retirement waits for it,
    # then abandons it (FOR NO KEY UPDATE, the lock the UPDATE below takes: two processes
    # starting crawls of one source, each holding a shared lock and waiting to update, deadlocked)
    source_id, was_first_party, retired_at = conn.execute(
        select(_sources.c.id, _sources.c.first_party, _sources.c.retired_at)
        .where(_sources.c.name == source_name)
        .with_for_update(key_share=True)
    ).one()
    if retired_at is not None:
        raise SourceRetiredError(source_name, retired_at)
    conn.execute(update(_sources).where(_sources.c.id == source_id).values(**values))
    if was_first_party != first_party:
        relink_source(conn, source_id)
    check_observation_order(session, [source_name], observed)
    open_before = conn.execute(
        select(func.count())
        .select_from(_postings)
        .where(_postings.c.source_id == source_id, _postings.c.status == models.POSTING_OPEN)
    ).scalar_one()
    run_id: int = conn.execute(
        _runs.insert()
        .values(
            source_id=source_id,
            observed_at=observed,
            started_at=utcnow(),
            pages_fetched=0,
            pages_failed=0,
            postings_seen=0,
            open_before=open_before,
            status=models.RUN_RUNNING,
        )
        .returning(_runs.c.id)
    ).scalar_one()
    return run_id


def finish_crawl_run(
    session: Session,
    run_id: int,
    *,
    finish_reason: str,
    pages_fetched: int,
    pages_failed: int,
    finished_at: datetime | None = None,
) -> None:
    """Record how the crawl ended (Scrapy's finish reason and request figures).

    Completeness is judged later, by :func:`storage.lifecycle.reconcile`.
    """
    if pages_fetched < 0 or pages_failed < 0:
        raise ValueError(
            f"crawl run {run_id}: page counts must be >= 0, got pages_fetched={pages_fetched}, "
            f"pages_failed={pages_failed}"
        )
    result = session.connection().execute(
        update(_runs)
        .where(_runs.c.id == run_id)
        .values(
            finished_at=as_naive_utc(finished_at) or utcnow(),
            finish_reason=finish_reason,
            pages_fetched=pages_fetched,
            pages_failed=pages_failed,
        )
    )
    if result.rowcount != 1:
        raise LookupError(f"no crawl run with id {run_id}")


def record_close_signal(session: Session, run_id: int, source_job_id: str, reason: str) -> None:
    """Record an explicit close signal seen by crawl ``run_id`` (applied by ``reconcile``).

    ``reason``: ``models.CLOSE_HTTP_GONE`` (404/410), ``CLOSE_NOT_ACCEPTING`` or ``CLOSE_EXPIRED``.
    """
    if reason not in EXPLICIT_CLOSE_REASONS:
        raise ValueError(
            f"unknown close reason {reason!r}: expected one of {', '.join(EXPLICIT_CLOSE_REASONS)}"
        )
    conn = session.connection()
    run = _live_run(conn, run_id)
    conn.execute(
        _signals.insert().values(
            source_id=run.source_id,
            source_job_id=source_job_id,
            reason=reason,
            observed_at=run.observed_at,
            crawl_run_id=run_id,
        )
    )


def known_content_hashes(
    session: Session, source_name: str, source_job_ids: Iterable[str]
) -> dict[str, tuple[str | None, str | None]]:
    """``source_job_id -> (content_hash, enrichment_version)`` for the ids already stored.

    Lets a crawl enrich only new or changed postings.
    """
    conn = session.connection()
    source_id = conn.execute(
        select(_sources.c.id).where(_sources.c.name == source_name)
    ).scalar_one_or_none()
    if source_id is None:
        return {}
    found: dict[str, tuple[str | None, str | None]] = {}
    for chunk in _chunks(list(dict.fromkeys(source_job_ids))):
        rows = conn.execute(
            select(
                _postings.c.source_job_id,
                _postings.c.content_hash,
                _postings.c.enrichment_version,
            ).where(
                _postings.c.source_id == source_id,
                _among(conn, _postings.c.source_job_id, chunk),
            )
        )
        for job_id, content_hash, version in rows:
            found[job_id] = (content_hash, version)
    return found


@dataclass(frozen=True)
class UnlistedPosting:
    """An open posting its source's crawl has not listed (a candidate for a revisit)."""

    source_job_id: str
    url: str | None


def unlisted_open_postings(session: Session, run_id: int, limit: int) -> list[UnlistedPosting]:
    """Up to ``limit`` open postings of crawl run ``run_id``'s source that the run has not seen
    (stored before its observation time, not seen at it), most recently seen first.

    Read when the run's listing is done and stored: a crawler may fetch these postings' own
    pages, whose 404/410 answers are close signals
    (``crawler.pipelines.StoragePipeline.spider_idle``).
    """
    conn = session.connection()
    run = conn.execute(
        select(_runs.c.source_id, _runs.c.observed_at).where(_runs.c.id == run_id)
    ).one_or_none()
    if run is None:
        raise LookupError(f"no crawl run with id {run_id}")
    rows = conn.execute(
        select(_postings.c.source_job_id, _postings.c.url)
        .where(
            _postings.c.source_id == run.source_id,
            _postings.c.status == models.POSTING_OPEN,
            _postings.c.last_seen_at < run.observed_at,
        )
        .order_by(_postings.c.last_seen_at.desc(), _postings.c.id)
        .limit(limit)
    )
    return [UnlistedPosting(job_id, url) for job_id, url in rows]


# --------------------------------------------------------------------------- postings


def _live_run(conn: Connection, run_id: int) -> Any:
    """``(source_id, observed_at)`` of crawl run ``run_id``; :class:`LookupError` if there is
    none, :class:`~storage.retire.SourceRetiredError` if its source was retired meanwhile (what
    the run saw is not kept).

    What the run then stores is stored under a lock taken here and held until the caller's
    transaction ends, so that nothing changes what the batch reads before it writes (a
    retirement, a reconcile; docs/lifecycle.md, "Writers take turns"): on SQLite the database's
    write lock (:func:`storage.db.hold_write_lock`); on PostgreSQL the source's row, ``FOR NO
    KEY UPDATE``. Batches of one source thus take turns (two crawls of it updating the same
    postings in different orders deadlocked under a shared lock), batches of different sources
    do not wait for each other, and foreign-key checks on the row go on.
    """
    hold_write_lock(conn)
    run = conn.execute(
        select(_runs.c.source_id, _runs.c.observed_at, _sources.c.name, _sources.c.retired_at)
        .join_from(_runs, _sources, _sources.c.id == _runs.c.source_id)
        .where(_runs.c.id == run_id)
        .with_for_update(key_share=True, of=_sources)
    ).one_or_none()
    if run is None:
        raise LookupError(f"no crawl run with id {run_id}")
    if run.retired_at is not None:
        raise SourceRetiredError(run.name, run.retired_at)
    return run


def _run_context(conn: Connection, run_id: int) -> _RunContext:
    run = _live_run(conn, run_id)
    # An earlier crawl tracks the source if it was complete, or is not judged yet but stored
    # postings (judged optimistically; reconcile normally runs right after each crawl).
    previous = conn.execute(
        select(func.max(_runs.c.observed_at)).where(
            _runs.c.source_id == run.source_id,
            _runs.c.observed_at < run.observed_at,
            or_(
                _runs.c.status == models.RUN_COMPLETE,
                and_(_runs.c.reconciled_at.is_(None), _runs.c.postings_seen > 0),
            ),
        )
    ).scalar_one()
    return _RunContext(run_id, run.source_id, run.observed_at, previous is None, previous)


def plausible_opened_at(
    date_posted: datetime | None, observed_at: datetime, previous_crawl_at: datetime | None
) -> datetime:
    """When a posting first seen at ``observed_at`` opened: its datePosted if plausible.

    Plausible: not more than a day after the observation (clamped to it), not more than
    :data:`MAX_POSTED_AGE` before it, and not before the previous crawl of the source (which
    did not list it). Otherwise the first-seen time.
    """
    if date_posted is None:
        return observed_at
    if date_posted > observed_at + POSTED_FUTURE_TOLERANCE:
        return observed_at
    if date_posted < observed_at - MAX_POSTED_AGE:
        return observed_at
    if previous_crawl_at is not None and date_posted < previous_crawl_at:
        return observed_at
    return min(date_posted, observed_at)


def _upsert_conflict(stmt: UpsertInsert) -> Insert:
    """The posting upsert's ``ON CONFLICT (source_id, source_job_id) DO UPDATE`` on ``stmt``."""
    excluded = stmt.excluded
    newer = excluded.last_seen_at >= _postings.c.last_seen_at
    # an unenriched record repeating unchanged content keeps the stored enrichment
    keep_enrichment = and_(
        excluded.enrichment_version.is_(None),
        excluded.content_hash == _postings.c.content_hash,
    )
    set_: dict[str, Any] = {name: excluded[name] for name in _OBSERVED_COLUMNS}
    for name in (*_ENRICHMENT_COLUMNS, *_COMPLETED_COLUMNS, "enrichment_version"):
        set_[name] = case((keep_enrichment, _postings.c[name]), else_=excluded[name])
    set_.update(
        # concurrent processes may write a slightly older observation last: keep the newest
        last_seen_at=case((newer, excluded.last_seen_at), else_=_postings.c.last_seen_at),
        last_seen_run_id=case(
            (newer, excluded.last_seen_run_id), else_=_postings.c.last_seen_run_id
        ),
        # seen: any miss streak ends, and a closed posting is reopened (the inserted row
        # holds the values of an open, never-missed posting: no per-statement constants)
        changed_run_id=excluded.changed_run_id,
        miss_count=excluded.miss_count,
        first_missed_at=excluded.first_missed_at,
        status=excluded.status,
        closed_at=excluded.closed_at,
        close_reason=excluded.close_reason,
    )
    return stmt.on_conflict_do_update(index_elements=["source_id", "source_job_id"], set_=set_)


def upsert_postings(session: Session, run_id: int, records: Sequence[PostingRecord]) -> UpsertStats:
    """Store what crawl ``run_id`` saw: insert new postings, refresh known ones, reopen closed ones.

    Batches of :data:`BATCH_SIZE` go through one prepared ``INSERT ... ON CONFLICT`` executed
    with many parameter sets; companies, skills, locations and events are batched too.
    Seeing the same records again changes nothing but ``last_seen_at``/``last_seen_run_id``.
    """
    _check(records)
    conn = session.connection()
    ctx = _run_context(conn, run_id)
    # one row per posting: the last record of a duplicated id wins
    unique = list({record.source_job_id: record for record in records}.values())
    stats = UpsertStats(received=len(unique))
    statements = _Statements(conn, ctx)
    first_sightings = 0  # postings this run had not seen before (the run's postings_seen)
    postgres = conn.dialect.name == "postgresql"
    for batch in _chunks(unique, BATCH_SIZE):
        if postgres:
            refresh_planner_statistics(conn)
        first_sightings += _upsert_batch(conn, statements, batch, stats)
    if first_sightings:
        conn.execute(
            update(_runs)
            .where(_runs.c.id == ctx.run_id)
            .values(postings_seen=_runs.c.postings_seen + first_sightings)
        )
    return stats


# The tables the batch lookups and writes of an upsert read. Their statistics are stale when they
# were never gathered, or the table has grown past twice its size then (and this many pages).
_PLANNED_TABLES = ("postings", "posting_locations", "posting_skills", "posting_descriptions")
_STALE_MIN_PAGES = 64
_STALE_GROWTH = 2.0
# One process at a time refreshes the tables of a schema (the others go on with the old
# statistics): an advisory lock keyed by this constant and the schema, so that jobtrends
# databases kept in other schemas of the same server database do not skip their own refresh.
_ANALYZE_LOCK_KEY = 0x6A6F6276
_ANALYZE_LOCK_SQL = "SELECT pg_try_advisory_xact_lock(:key, hashtext(current_schema()))"


def refresh_planner_statistics(conn: Connection) -> list[str]:
    """On PostgreSQL, ``ANALYZE`` the upsert's tables whose statistics are stale; their names.

    The batch lookups are planned from table statistics, which autovacuum gathers when it runs
    (it may be off), a minute or so after rows are committed. Without them a first crawl that
    fills an empty table is planned as if the table were tiny: each batch lookup then scanned
    every row of the source, and a 100,000-posting crawl ran at about 600 postings/s. Growth is
    read from the table's size on disk, which counts this transaction's own rows (ANALYZE
    samples them too), so a long first crawl is re-analyzed as it doubles, not only after a
    commit. One catalog query per batch; one process at a time analyzes a schema's tables,
    without waiting.
    """
    stale = [
        name
        for (name,) in conn.execute(
            text(
                "SELECT relname FROM pg_class WHERE oid = ANY(CAST(:tables AS regclass[])) "
                "AND (reltuples < 0 OR pg_relation_size(oid) / current_setting('block_size')::int"
                " > greatest(:min_pages, relpages * :growth))"
                # only its owner (or a superuser) may analyze a table: others would get a
                # warning per batch and no statistics
                " AND pg_has_role(relowner, 'USAGE')"
            ),
            {"tables": list(_PLANNED_TABLES), "min_pages": _STALE_MIN_PAGES,
             "growth": _STALE_GROWTH},
        )
    ]  # fmt: skip
    if not stale:
        return []
    locked = conn.execute(
        text(_ANALYZE_LOCK_SQL), {"key": _ANALYZE_LOCK_KEY}
    ).scalar()
    if not locked:
        return []
    for name in stale:
        if name in _PLANNED_TABLES:  # our own constant names, never input
            conn.exec_driver_sql(f"ANALYZE {name}")
    return stale


class _PreparedInserts:
    """The inserts of an upsert, compiled once per dialect (that is, per engine) and shared by
    every :func:`upsert_postings` call on it: a crawl stores a batch of 1,000 postings per call,
    and compiling them each time took about a tenth of the call."""

    _cache: weakref.WeakKeyDictionary[Dialect, _PreparedInserts] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, conn: Connection) -> _PreparedInserts:
        found = cls._cache.get(conn.dialect)
        if found is None:
            found = cls._cache[conn.dialect] = cls(conn)
        return found

    def __init__(self, conn: Connection) -> None:
        sqlite = conn.dialect.name == "sqlite"
        self.postings = PreparedInsert(conn, _postings, _POSTING_KEYS, _upsert_conflict)
        # Postings the batch lookup did not find are inserted with DO NOTHING on SQLite: with
        # foreign keys on, the DO UPDATE form makes each insert look up the tables that refer
        # to postings, which roughly halved the insert rate. A posting another process stored
        # in between is left out by it, noticed by the row count, and upserted after all.
        # (PostgreSQL upserts them all: its DO UPDATE counts updated rows too, so the count
        # could not tell a race.)
        self.new_postings = (
            PreparedInsert(
                conn,
                _postings,
                _POSTING_KEYS,
                lambda stmt: stmt.on_conflict_do_nothing(
                    index_elements=["source_id", "source_job_id"]
                ),
            )
            if sqlite
            else None
        )
        self.events = PreparedInsert(
            conn, _events, ("posting_id", "kind", "at", "crawl_run_id", "reason")
        )
        # written for new postings and changed content only (a re-crawl leaves them alone)
        self.descriptions = PreparedInsert(
            conn,
            _descriptions,
            ("posting_id", "description_text"),
            lambda stmt: stmt.on_conflict_do_update(
                index_elements=["posting_id"],
                set_={"description_text": stmt.excluded.description_text},
            ),
        )
        self.locations = PreparedInsert(
            conn, _locations, ("posting_id", "city", "region", "country", "raw")
        )
        self.posting_skills = PreparedInsert(
            conn, _posting_skills, ("posting_id", "skill_id", "mentions")
        )


class _Statements:
    """The prepared statements, caches and row builders of one :func:`upsert_postings` call.

    On SQLite the per-batch lookups by id lists are plain SQL with one placeholder per id
    (SQLAlchemy's expanding ``IN`` re-renders the statement for every execution); other
    dialects take the same queries through Core.
    """

    def __init__(self, conn: Connection, ctx: _RunContext) -> None:
        self.ctx = ctx
        self.sqlite = conn.dialect.name == "sqlite"
        self.dt = DatetimeBinder(conn.dialect)
        self.real: Callable[[Any], Any] = _to_float if self.sqlite else _as_is
        self.observed = self.dt(ctx.observed_at)  # first and last seen of every row written
        self.companies: dict[str, int] = {}  # normalised name -> id (companies are not deleted)
        self.skills: dict[str, int] = {}  # name -> id (skills are not deleted)
        self.inserts = _PreparedInserts.of(conn)

    def stored(self, conn: Connection, job_ids: list[str]) -> dict[str, Any]:
        """The stored state of the postings among ``job_ids``, by source_job_id."""
        if self.sqlite:
            result = conn.exec_driver_sql(
                "SELECT id, source_job_id, content_hash, enrichment_version, status, "
                "last_seen_run_id, observed_hash FROM postings "
                f"WHERE source_id = ? AND source_job_id IN ({_marks(len(job_ids))})",
                (self.ctx.source_id, *job_ids),
            )
        else:
            result = conn.execute(
                select(
                    _postings.c.id,
                    _postings.c.source_job_id,
                    _postings.c.content_hash,
                    _postings.c.enrichment_version,
                    _postings.c.status,
                    _postings.c.last_seen_run_id,
                    _postings.c.observed_hash,
                ).where(
                    _postings.c.source_id == self.ctx.source_id,
                    _among(conn, _postings.c.source_job_id, job_ids),
                )
            )
        return {row[_S_JOB_ID]: row for row in _all_rows(result, self.sqlite)}

    def ids(self, conn: Connection, job_ids: list[str]) -> list[tuple[str, int]]:
        """``(source_job_id, id)`` of the stored postings among ``job_ids``."""
        if self.sqlite:
            result = conn.exec_driver_sql(
                "SELECT source_job_id, id FROM postings "
                f"WHERE source_id = ? AND source_job_id IN ({_marks(len(job_ids))})",
                (self.ctx.source_id, *job_ids),
            )
        else:
            result = conn.execute(
                select(_postings.c.source_job_id, _postings.c.id).where(
                    _postings.c.source_id == self.ctx.source_id,
                    _among(conn, _postings.c.source_job_id, job_ids),
                )
            )
        return [(job_id, posting_id) for job_id, posting_id in _all_rows(result, self.sqlite)]

    def mark_seen(self, conn: Connection, posting_ids: list[int]) -> None:
        """Move last_seen of postings observed unchanged (and end any miss streak)."""
        ctx = self.ctx
        if self.sqlite:
            conn.exec_driver_sql(
                "UPDATE postings SET last_seen_at = ?, last_seen_run_id = ?, miss_count = 0, "
                f"first_missed_at = NULL WHERE id IN ({_marks(len(posting_ids))}) "
                "AND last_seen_at <= ?",
                (self.observed, ctx.run_id, *posting_ids, self.observed),
            )
            return
        conn.execute(
            update(_postings)
            .where(
                _among(conn, _postings.c.id, posting_ids),
                _postings.c.last_seen_at <= ctx.observed_at,
            )
            .values(
                last_seen_at=ctx.observed_at,
                last_seen_run_id=ctx.run_id,
                miss_count=0,
                first_missed_at=None,
            )
        )

    def write(
        self, conn: Connection, new: list[tuple[Any, ...]], old: list[tuple[Any, ...]]
    ) -> tuple[bool, Sequence[int] | None]:
        """Upsert posting rows: ``new`` ones the batch lookup did not find, ``old`` ones it did.

        Returns ``(raced, new_ids)``. ``raced`` is true when some ``new`` posting may have been
        stored already (by another process since the lookup), so that its children may exist
        too: on SQLite when the insert skipped rows, elsewhere always (the count is not known).
        ``new_ids`` are the ids of the ``new`` rows in order when the insert itself tells them,
        else None (look them up).
        """
        if self.inserts.new_postings is None:
            self.inserts.postings.execute(conn, new + old)
            return bool(new), None
        new_ids: Sequence[int] | None = None
        if new:
            before = conn.exec_driver_sql("SELECT max(id) FROM postings").scalar() or 0
            raced = self.inserts.new_postings.execute(conn, new) != len(new)
            if raced:
                self.inserts.postings.execute(conn, new)
            else:
                new_ids = _inserted_ids(conn, before, len(new))
        else:
            raced = False
        self.inserts.postings.execute(conn, old)
        return raced, new_ids

    def posting_row(
        self,
        record: PostingRecord,
        company_ids: dict[str, int],
        content_hash: str,
        fingerprint: str,
    ) -> tuple[Any, ...]:
        """The upsert row of ``record``: values in :data:`_POSTING_KEYS` order, driver form."""
        ctx = self.ctx
        dt = self.dt
        real = self.real
        observed = self.observed
        date_posted = as_naive_utc(record.date_posted)
        company_key = normalize_company_name(record.company_name)[:300]
        opened_at = plausible_opened_at(date_posted, ctx.observed_at, ctx.previous_crawl_at)
        return (
            ctx.source_id,
            record.source_job_id,
            record.url,
            record.title,
            normalize_title(record.title),
            company_ids.get(company_key) if company_key else None,
            record.company_name,
            content_hash,
            fingerprint,
            _clip(record.date_posted_raw, 100),
            dt(date_posted),
            _clip(record.valid_through_raw, 100),
            dt(as_naive_utc(record.valid_through)),
            record.location_raw,
            _clip(record.employment_type_raw, 200),
            _clip(record.seniority_raw, 200),
            real(record.salary_min),
            real(record.salary_max),
            _clip(record.salary_currency, 10),
            _clip(record.salary_period, 20),
            country_code(record.country),
            observed,  # first_seen_at (an update keeps the stored one)
            observed,  # last_seen_at
            ctx.run_id,  # last_seen_run_id
            ctx.run_id,  # changed_run_id: this run writes the row
            dt(opened_at),
            None,  # closed_at: seen, hence open (a closed posting is reopened)
            None,  # close_reason
            models.POSTING_OPEN,
            0,  # miss_count: any miss streak ends
            None,  # first_missed_at
            ctx.baseline,  # left_censored (an update keeps the stored one)
            _clip(record.language, 5),
            _clip(record.seniority, 30),
            _clip(record.employment_type, 30),
            _clip(record.remote, 10),
            _clip(record.role_family, 50),
            _clip(record.enrichment_version, 40),
        )


def _inserted_ids(conn: Connection, before: int, count: int) -> Sequence[int] | None:
    """On SQLite, the ids of the ``count`` rows just inserted into postings by one executemany,
    when they are certainly ``before + 1 ... before + count`` (``before``: the largest id read
    just before the insert); else None.

    SQLite gives a new row the largest rowid plus one, and the insert holds the write lock from
    its first row to the commit, so the rows of one executemany get consecutive ids. Their last
    id equals ``before + count`` only when nothing was inserted between the read and the insert
    and no rowid was picked at random (which SQLite does once the largest rowid is taken).
    """
    last = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar()
    if last != before + count:
        return None
    return range(before + 1, last + 1)


def _company_ids(
    conn: Connection, batch: Sequence[PostingRecord], known: dict[str, int]
) -> dict[str, int]:
    """Company ids by normalised name, creating the companies not stored yet.

    ``known`` caches ids across the batches of one call (one transaction; companies are never
    deleted), so a board of one company looks it up once.
    """
    names: dict[str, str] = {}
    for record in batch:
        key = normalize_company_name(record.company_name)[:300]
        if key and record.company_name and key not in known:
            names.setdefault(key, record.company_name.strip()[:300])
    if not names:
        return known

    sqlite = conn.dialect.name == "sqlite"

    def lookup(keys: list[str]) -> dict[str, int]:
        if sqlite:  # plain SQL, as in _Statements.stored
            result = conn.exec_driver_sql(
                "SELECT normalized_name, id FROM companies "
                f"WHERE normalized_name IN ({_marks(len(keys))})",
                tuple(keys),
            )
        else:
            result = conn.execute(
                select(_companies.c.normalized_name, _companies.c.id).where(
                    _among_rows(conn, _companies.c.normalized_name, keys)
                )
            )
        return {key: company_id for key, company_id in _all_rows(result, sqlite)}

    found = lookup(list(names))
    # in one order for every process: batches of two sources inserting the same new companies
    # in different orders wait for each other's (PostgreSQL: deadlock)
    missing = sorted(key for key in names if key not in found)
    if missing:
        # DO NOTHING: another process may create the same company meanwhile
        conn.execute(
            _insert(conn, _companies).on_conflict_do_nothing(index_elements=["normalized_name"]),
            [{"name": names[key], "normalized_name": key} for key in missing],
        )
        found.update(lookup(missing))
    known.update(found)
    return known


def store_skills(
    conn: Connection, categories: Mapping[str, str | None], known: dict[str, int]
) -> None:
    """Add to ``known`` the ids of the skills named in ``categories`` (name -> category),
    creating those not stored yet (crawls, and ``jobtrends enrich --stale``)."""
    missing = sorted(name for name in categories if name not in known)  # see _company_ids
    if not missing:
        return
    # DO NOTHING: the first category a skill was stored with stays (another process may race)
    conn.execute(
        _insert(conn, _skills).on_conflict_do_nothing(index_elements=["name"]),
        [{"name": name, "category": _clip(categories[name], 50)} for name in missing],
    )
    found = conn.execute(
        select(_skills.c.name, _skills.c.id).where(_among_rows(conn, _skills.c.name, missing))
    )
    known.update((name, skill_id) for name, skill_id in found)


def _clip(value: str | None, length: int) -> str | None:
    """Scraped text longer than its column: keep the start (PostgreSQL would refuse it)."""
    return value[:length] if value is not None and len(value) > length else value


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code, upper case; anything else is unknown (None), not truncated."""
    if value is None:
        return None
    code = value.strip().upper()
    return code if len(code) == 2 and code.isalpha() else None


def _check(records: Sequence[PostingRecord]) -> None:
    """Refuse records storage cannot keep faithfully, naming the first bad one."""
    for index, record in enumerate(records):
        job_id = record.source_job_id
        if not isinstance(job_id, str) or not job_id.strip() or len(job_id) > 500:
            raise ValueError(
                f"record {index}: source_job_id must be a non-empty string of at most 500 "
                f"characters, got {job_id!r:.80}"
            )
        if not isinstance(record.title, str):
            raise ValueError(f"record {index} ({job_id!r:.80}): title must be a string")
        for skill in record.skills:
            if not skill.name or len(skill.name) > 200:
                raise ValueError(
                    f"record {index} ({job_id!r:.80}): skill name must be 1-200 characters, "
                    f"got {skill.name!r:.80}"
                )


# Datetimes pickle through their __reduce__, slowly (about half of a fingerprint's time for
# one field): they enter as their UTC text instead, memoised (a crawl repeats few dates).
_FINGERPRINT_DATETIMES = ("date_posted", "valid_through")
_plain_values = attrgetter(
    *(name for name in _FINGERPRINT_FIELDS if name not in _FINGERPRINT_DATETIMES)
)


@lru_cache(maxsize=65536)
def _utc_text(value: datetime) -> str:
    """The naive UTC instant a stored datetime will hold, as text (equal instants, equal text)."""
    return cast(datetime, as_naive_utc(value)).isoformat()


def observation_fingerprint(record: PostingRecord) -> str:
    """A digest of everything a record writes: equal digests mean an identical observation.

    Pickle is exact for the plain values records hold: different values never give the same
    bytes (identical values may, rarely, differ, which only costs a needless rewrite). A
    datetime counts as the UTC instant it is stored as.
    """
    posted, through = record.date_posted, record.valid_through
    values = (
        ROW_FORMAT,
        _plain_values(record),
        None if posted is None else _utc_text(posted),
        None if through is None else _utc_text(through),
    )
    return hashlib.blake2b(pickle.dumps(values, protocol=5), digest_size=16).hexdigest()


def _upsert_batch(
    conn: Connection, statements: _Statements, batch: Sequence[PostingRecord], stats: UpsertStats
) -> int:
    """Store one batch; return how many of its postings this run had not seen before."""
    run_id = statements.ctx.run_id
    existing = statements.stored(conn, [record.source_job_id for record in batch])
    first_sightings = 0
    # An open posting observed exactly as stored only moves last_seen: one UPDATE for them
    # all, and no row is built for it. The others go through the upsert.
    unchanged: list[int] = []
    writes: list[tuple[PostingRecord, str]] = []
    for record in batch:
        fingerprint = observation_fingerprint(record)
        before = existing.get(record.source_job_id)
        if before is not None:
            if before[_S_LAST_RUN] != run_id:
                first_sightings += 1
            if before[_S_STATUS] == models.POSTING_OPEN and before[_S_OBSERVED] == fingerprint:
                unchanged.append(before[_S_ID])
                continue
        writes.append((record, fingerprint))
    stats.seen_again += len(existing)
    if unchanged:
        statements.mark_seen(conn, unchanged)
    if writes:
        first_sightings += _write_postings(conn, statements, writes, existing, stats)
    return first_sightings


def _write_postings(
    conn: Connection,
    statements: _Statements,
    writes: Sequence[tuple[PostingRecord, str]],
    existing: Mapping[str, Any],
    stats: UpsertStats,
) -> int:
    """Upsert new, changed and closed postings with their events and children.

    Returns how many of them are new (first sightings of this run).
    """
    ctx = statements.ctx
    company_ids = _company_ids(conn, [record for record, _ in writes], statements.companies)
    new_rows: list[tuple[Any, ...]] = []
    old_rows: list[tuple[Any, ...]] = []
    hashes: list[str] = []
    for record, fingerprint in writes:
        content_hash = record.content_hash
        hashes.append(content_hash)
        row = statements.posting_row(record, company_ids, content_hash, fingerprint)
        (old_rows if record.source_job_id in existing else new_rows).append(row)
    raced, new_ids = statements.write(conn, new_rows, old_rows)

    ids = {job_id: row[_S_ID] for job_id, row in existing.items()}
    if new_ids is not None:
        ids.update(zip([row[_JOB_ID] for row in new_rows], new_ids, strict=True))
    elif new_rows:
        ids.update(statements.ids(conn, [row[_JOB_ID] for row in new_rows]))
    opened_at = {row[_JOB_ID]: row[_OPENED_AT] for row in new_rows} if not ctx.baseline else {}

    events: list[tuple[Any, ...]] = []
    texts: list[tuple[int, str | None]] = []  # descriptions of new postings and changed content
    changed: list[tuple[int, PostingRecord]] = []
    replaced: list[int] = []  # existing postings whose children are rewritten
    observed = statements.observed
    for (record, _), content_hash in zip(writes, hashes, strict=True):
        before = existing.get(record.source_job_id)
        posting_id = ids[record.source_job_id]
        if before is None:
            stats.inserted += 1
            texts.append((posting_id, record.description_text))
            changed.append((posting_id, record))
            if raced:  # it may have children already
                replaced.append(posting_id)
            if ctx.baseline:
                stats.left_censored += 1
            else:
                at = opened_at[record.source_job_id]
                events.append((posting_id, models.EVENT_OPENED, at, ctx.run_id, None))
            continue
        if before[_S_STATUS] == models.POSTING_CLOSED:
            stats.reopened += 1
            events.append((posting_id, models.EVENT_REOPENED, observed, ctx.run_id, None))
        enrichment_changed = (
            record.enrichment_version is not None
            and record.enrichment_version != before[_S_VERSION]
        )
        content_changed = before[_S_HASH] != content_hash
        if content_changed:
            texts.append((posting_id, record.description_text))
        if content_changed or enrichment_changed:
            changed.append((posting_id, record))
            replaced.append(posting_id)
    stats.changed += len(changed)
    statements.inserts.descriptions.execute(conn, texts)
    statements.inserts.events.execute(conn, events)
    if changed:
        _replace_children(conn, statements, changed, replaced)
    return len(new_rows)


def _distinct(items: list[LocationRecord]) -> Iterable[LocationRecord]:
    return dict.fromkeys(items) if len(items) > 1 else items


def _replace_children(
    conn: Connection,
    statements: _Statements,
    changed: Sequence[tuple[int, PostingRecord]],
    replaced: Sequence[int],
) -> None:
    """Rewrite locations and skills of new or changed postings (nothing else is touched)."""
    if replaced:
        conn.execute(delete(_locations).where(_among(conn, _locations.c.posting_id, replaced)))
        conn.execute(
            delete(_posting_skills).where(_among(conn, _posting_skills.c.posting_id, replaced))
        )
    statements.inserts.locations.execute(
        conn,
        [
            (posting_id, _clip(loc.city, 200), _clip(loc.region, 200), country_code(loc.country),
             loc.raw)
            for posting_id, record in changed
            for loc in _distinct(record.locations)
        ],
    )  # fmt: skip

    categories: dict[str, str | None] = {}
    mentions: dict[tuple[int, str], int] = {}
    for posting_id, record in changed:
        for skill in record.skills:
            categories.setdefault(skill.name, skill.category)
            key = (posting_id, skill.name)
            mentions[key] = mentions.get(key, 0) + max(skill.mentions, 1)
    if not mentions:
        return
    skill_ids = statements.skills
    store_skills(conn, categories, skill_ids)
    statements.inserts.posting_skills.execute(
        conn,
        [(posting_id, skill_ids[name], count) for (posting_id, name), count in mentions.items()],
    )
