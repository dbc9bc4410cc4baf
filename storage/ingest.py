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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any, cast

from sqlalchemy import Connection, Insert, Table, and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import models
from storage.companies import normalize_company_name, normalize_title
from storage.records import LocationRecord, PostingRecord

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
_skills = cast(Table, models.Skill.__table__)
_posting_skills = cast(Table, models.PostingSkill.__table__)
_events = cast(Table, models.PostingEvent.__table__)
_signals = cast(Table, models.CloseSignal.__table__)

UpsertInsert = sqlite.Insert | postgresql.Insert

# Columns an observation overwrites (the source's current view of the posting).
_OBSERVED_COLUMNS = (
    "url", "title", "title_normalized", "company_id", "company_name_raw", "description_text",
    "content_hash", "date_posted_raw", "date_posted", "valid_through_raw", "valid_through",
    "location_raw", "employment_type_raw", "seniority_raw", "salary_min", "salary_max",
    "salary_currency", "salary_period", "country", "remote", "observed_hash",
)  # fmt: skip
# Columns enrichment fills: kept when an unenriched record repeats unchanged content.
_ENRICHMENT_COLUMNS = ("language", "seniority", "employment_type", "role_family")
# What the observation fingerprint covers besides content_hash (title, description, location,
# company name, raw seniority and employment type): every other record field a row is made of.
_FINGERPRINT_FIELDS = (
    "url", "date_posted_raw", "date_posted", "valid_through_raw", "valid_through",
    "salary_min", "salary_max", "salary_currency", "salary_period", "country", "remote",
    *_ENRICHMENT_COLUMNS, "enrichment_version",
)  # fmt: skip
# Bump when the way rows are derived from records changes (normalisation, clipping): every
# posting is then rewritten once instead of being taken as unchanged.
ROW_FORMAT = 1
# Every column an upsert row carries (all but the id and canonical_id, which dedup sets).
_POSTING_KEYS = tuple(
    c.name for c in models.Posting.__table__.columns if c.name not in ("id", "canonical_id")
)


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


def _bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The type's bind processor; for SQLite's default datetime format, a faster equivalent."""
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if (
        process is None
        or not isinstance(impl, sqlite.DATETIME)
        or getattr(impl, "_storage_format", None) != _SQLITE_DATETIME_FORMAT
    ):
        return process
    general = process

    def naive_datetime(value: Any) -> Any:
        # same text as SQLAlchemy's "%Y-%m-%d %H:%M:%S.%f" format, without its dict formatting
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return general(value)

    return naive_datetime


class PreparedInsert:
    """An INSERT compiled once and executed with many parameter sets at driver level.

    SQLAlchemy's per-row parameter handling cost more than SQLite's own insert work, so on
    SQLite the rows go to the driver's ``executemany`` as tuples, through the type's bind
    processors. Other dialects take the ordinary Core ``executemany``.
    """

    def __init__(self, conn: Connection, statement: Insert, keys: Sequence[str]) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        dialect = conn.dialect
        compiled = statement.compile(dialect=dialect, column_keys=list(self.keys))
        order = compiled.positiontup
        self.fast = dialect.name == "sqlite" and order is not None and set(order) == set(keys)
        self.sql = compiled.string
        self.order: tuple[str, ...] = tuple(order or ())
        self.processors: tuple[Callable[[Any], Any] | None, ...] = tuple(
            _bind_processor(compiled.binds[name].type, dialect) for name in self.order
        )

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        if not self.fast:
            conn.execute(self.statement, list(rows))
            return
        values = itemgetter(*self.order)
        converted = [(i, p) for i, p in enumerate(self.processors) if p is not None]
        if len(self.order) == 1:
            params = [(values(row),) for row in rows]
        elif not converted:
            params = [values(row) for row in rows]
        else:
            params = []
            for row in rows:
                param = list(values(row))
                for i, process in converted:
                    param[i] = process(param[i])
                params.append(tuple(param))
        conn.exec_driver_sql(self.sql, params)


# --------------------------------------------------------------------------- crawl runs


def start_crawl_run(
    session: Session,
    source_name: str,
    *,
    kind: str,
    observed_at: datetime,
    country: str | None = None,
    can_relist: bool = True,
) -> int:
    """Record the start of a crawl of ``source_name`` observed at ``observed_at``; return its id.

    The source is created on first use (its kind, country and ``can_relist`` follow the latest
    call). Raises :class:`ObservationOrderError` when ``observed_at`` is older than the source's
    latest crawl run; an equal time is allowed (several processes sharing one crawl).
    """
    observed = as_naive_utc(observed_at)
    assert observed is not None
    conn = session.connection()
    values: dict[str, Any] = {"kind": kind, "can_relist": can_relist}
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
    conn.execute(update(_sources).where(_sources.c.name == source_name).values(**values))
    source_id = conn.execute(
        select(_sources.c.id).where(_sources.c.name == source_name)
    ).scalar_one()
    latest = conn.execute(
        select(func.max(_runs.c.observed_at)).where(_runs.c.source_id == source_id)
    ).scalar_one()
    if latest is not None and observed < latest:
        raise ObservationOrderError(source_name, observed, latest)
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
    run = conn.execute(
        select(_runs.c.source_id, _runs.c.observed_at).where(_runs.c.id == run_id)
    ).one_or_none()
    if run is None:
        raise LookupError(f"no crawl run with id {run_id}")
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
            ).where(_postings.c.source_id == source_id, _postings.c.source_job_id.in_(chunk))
        )
        for job_id, content_hash, version in rows:
            found[job_id] = (content_hash, version)
    return found


# --------------------------------------------------------------------------- postings


def _run_context(conn: Connection, run_id: int) -> _RunContext:
    run = conn.execute(
        select(_runs.c.source_id, _runs.c.observed_at).where(_runs.c.id == run_id)
    ).one_or_none()
    if run is None:
        raise LookupError(f"no crawl run with id {run_id}")
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


def _upsert_statement(conn: Connection) -> UpsertInsert:
    stmt = _insert(conn, _postings)
    excluded = stmt.excluded
    newer = excluded.last_seen_at >= _postings.c.last_seen_at
    # an unenriched record repeating unchanged content keeps the stored enrichment
    keep_enrichment = and_(
        excluded.enrichment_version.is_(None),
        excluded.content_hash == _postings.c.content_hash,
    )
    set_: dict[str, Any] = {name: excluded[name] for name in _OBSERVED_COLUMNS}
    for name in (*_ENRICHMENT_COLUMNS, "enrichment_version"):
        set_[name] = case((keep_enrichment, _postings.c[name]), else_=excluded[name])
    set_.update(
        # concurrent processes may write a slightly older observation last: keep the newest
        last_seen_at=case((newer, excluded.last_seen_at), else_=_postings.c.last_seen_at),
        last_seen_run_id=case(
            (newer, excluded.last_seen_run_id), else_=_postings.c.last_seen_run_id
        ),
        # seen: any miss streak ends, and a closed posting is reopened (the inserted row
        # holds the values of an open, never-missed posting: no per-statement constants)
        miss_count=excluded.miss_count,
        first_missed_at=excluded.first_missed_at,
        status=excluded.status,
        closed_at=excluded.closed_at,
        close_reason=excluded.close_reason,
    )
    return stmt.on_conflict_do_update(index_elements=["source_id", "source_job_id"], set_=set_)


def upsert_postings(session: Session, run_id: int, records: Sequence[PostingRecord]) -> UpsertStats:
    """Store what crawl ``run_id`` saw: insert new postings, refresh known ones, reopen closed ones.

    Batches of :data:`BATCH_SIZE` go through one prepared ``INSERT ... ON CONFLICT DO UPDATE``
    executed with many parameter sets; companies, skills, locations and events are batched too.
    Seeing the same records again changes nothing but ``last_seen_at``/``last_seen_run_id``.
    """
    _check(records)
    conn = session.connection()
    ctx = _run_context(conn, run_id)
    # one row per posting: the last record of a duplicated id wins
    unique = list({record.source_job_id: record for record in records}.values())
    stats = UpsertStats(received=len(unique))
    statements = _Statements(conn)
    for batch in _chunks(unique, BATCH_SIZE):
        _upsert_batch(conn, ctx, statements, batch, stats)
    return stats


class _Statements:
    """The prepared statements of one :func:`upsert_postings` call."""

    def __init__(self, conn: Connection) -> None:
        self.companies: dict[str, int] = {}  # normalised name -> id, for this call
        self.postings = PreparedInsert(conn, _upsert_statement(conn), _POSTING_KEYS)
        self.events = PreparedInsert(
            conn, _events.insert(), ("posting_id", "kind", "at", "crawl_run_id", "reason")
        )
        self.locations = PreparedInsert(
            conn, _locations.insert(), ("posting_id", "city", "region", "country", "raw")
        )
        self.posting_skills = PreparedInsert(
            conn, _posting_skills.insert(), ("posting_id", "skill_id", "mentions")
        )


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

    def lookup(keys: list[str]) -> dict[str, int]:
        rows = conn.execute(
            select(_companies.c.normalized_name, _companies.c.id).where(
                _companies.c.normalized_name.in_(keys)
            )
        )
        return {key: company_id for key, company_id in rows}

    found = lookup(list(names))
    missing = [key for key in names if key not in found]
    if missing:
        # DO NOTHING: another process may create the same company meanwhile
        conn.execute(
            _insert(conn, _companies).on_conflict_do_nothing(index_elements=["normalized_name"]),
            [{"name": names[key], "normalized_name": key} for key in missing],
        )
        found.update(lookup(missing))
    known.update(found)
    return known


def _clip(value: str | None, length: int) -> str | None:
    """Scraped text longer than its column: keep the start (PostgreSQL would refuse it)."""
    return value[:length] if value is not None and len(value) > length else value


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


_field_values = attrgetter(*_FINGERPRINT_FIELDS)


def observation_fingerprint(record: PostingRecord, content_hash: str) -> str:
    """A digest of everything a record writes: equal digests mean an identical observation.

    Pickle is exact for the plain values records hold: different values never give the same
    bytes (identical values may, rarely, differ, which only costs a needless rewrite).
    """
    values = pickle.dumps((ROW_FORMAT, content_hash, _field_values(record)), protocol=5)
    return hashlib.blake2b(values, digest_size=16).hexdigest()


def _posting_row(
    record: PostingRecord,
    ctx: _RunContext,
    company_ids: dict[str, int],
    content_hash: str,
    fingerprint: str,
) -> dict[str, Any]:
    observed = ctx.observed_at
    date_posted = as_naive_utc(record.date_posted)
    company_key = normalize_company_name(record.company_name)[:300]
    return {
        "source_id": ctx.source_id,
        "source_job_id": record.source_job_id,
        "url": record.url,
        "title": record.title,
        "title_normalized": normalize_title(record.title),
        "company_id": company_ids.get(company_key) if company_key else None,
        "company_name_raw": record.company_name,
        "description_text": record.description_text,
        "content_hash": content_hash,
        "date_posted_raw": _clip(record.date_posted_raw, 100),
        "date_posted": date_posted,
        "valid_through_raw": _clip(record.valid_through_raw, 100),
        "valid_through": as_naive_utc(record.valid_through),
        "location_raw": record.location_raw,
        "employment_type_raw": _clip(record.employment_type_raw, 200),
        "seniority_raw": _clip(record.seniority_raw, 200),
        "salary_min": record.salary_min,
        "salary_max": record.salary_max,
        "salary_currency": _clip(record.salary_currency, 10),
        "salary_period": _clip(record.salary_period, 20),
        "country": country_code(record.country),
        "remote": _clip(record.remote, 10),
        "language": _clip(record.language, 5),
        "seniority": _clip(record.seniority, 30),
        "employment_type": _clip(record.employment_type, 30),
        "role_family": _clip(record.role_family, 50),
        "enrichment_version": _clip(record.enrichment_version, 40),
        "first_seen_at": observed,
        "last_seen_at": observed,
        "last_seen_run_id": ctx.run_id,
        "opened_at": plausible_opened_at(date_posted, observed, ctx.previous_crawl_at),
        "closed_at": None,
        "close_reason": None,
        "status": models.POSTING_OPEN,
        "miss_count": 0,
        "first_missed_at": None,
        "left_censored": ctx.baseline,
        "observed_hash": fingerprint,
    }


def _upsert_batch(
    conn: Connection,
    ctx: _RunContext,
    statements: _Statements,
    batch: Sequence[PostingRecord],
    stats: UpsertStats,
) -> None:
    job_ids = [record.source_job_id for record in batch]
    existing = {
        row.source_job_id: row
        for row in conn.execute(
            select(
                _postings.c.id,
                _postings.c.source_job_id,
                _postings.c.content_hash,
                _postings.c.enrichment_version,
                _postings.c.status,
                _postings.c.last_seen_run_id,
                _postings.c.observed_hash,
            ).where(_postings.c.source_id == ctx.source_id, _postings.c.source_job_id.in_(job_ids))
        )
    }
    first_sightings = 0  # postings this run had not seen before (the run's postings_seen)
    # An open posting observed exactly as stored only moves last_seen: one UPDATE for them
    # all, and no row is built for it. The others go through the upsert.
    unchanged: list[int] = []
    writes: list[tuple[PostingRecord, str, str]] = []
    for record in batch:
        content_hash = record.content_hash
        fingerprint = observation_fingerprint(record, content_hash)
        before = existing.get(record.source_job_id)
        if before is not None:
            stats.seen_again += 1
            if before.last_seen_run_id != ctx.run_id:
                first_sightings += 1
            if before.status == models.POSTING_OPEN and before.observed_hash == fingerprint:
                unchanged.append(before.id)
                continue
        writes.append((record, content_hash, fingerprint))
    if unchanged:
        conn.execute(
            update(_postings)
            .where(_postings.c.id.in_(unchanged), _postings.c.last_seen_at <= ctx.observed_at)
            .values(
                last_seen_at=ctx.observed_at,
                last_seen_run_id=ctx.run_id,
                miss_count=0,
                first_missed_at=None,
            )
        )
    if writes:
        first_sightings += _write_postings(conn, ctx, statements, writes, existing, stats)
    if first_sightings:
        conn.execute(
            update(_runs)
            .where(_runs.c.id == ctx.run_id)
            .values(postings_seen=_runs.c.postings_seen + first_sightings)
        )


def _write_postings(
    conn: Connection,
    ctx: _RunContext,
    statements: _Statements,
    writes: Sequence[tuple[PostingRecord, str, str]],
    existing: Mapping[str, Any],
    stats: UpsertStats,
) -> int:
    """Upsert new, changed and closed postings with their events and children.

    Returns how many of them are new (first sightings of this run).
    """
    company_ids = _company_ids(conn, [record for record, _, _ in writes], statements.companies)
    rows = [
        _posting_row(record, ctx, company_ids, content_hash, fingerprint)
        for record, content_hash, fingerprint in writes
    ]
    statements.postings.execute(conn, rows)

    ids = {job_id: row.id for job_id, row in existing.items()}
    new_ids = [row["source_job_id"] for row in rows if row["source_job_id"] not in existing]
    if new_ids:
        found = conn.execute(
            select(_postings.c.source_job_id, _postings.c.id).where(
                _postings.c.source_id == ctx.source_id,
                _postings.c.source_job_id.in_(new_ids),
            )
        )
        ids.update((job_id, posting_id) for job_id, posting_id in found)

    events: list[dict[str, Any]] = []
    changed: list[tuple[int, PostingRecord]] = []
    replaced: list[int] = []  # existing postings whose children are rewritten
    for (record, content_hash, _), row in zip(writes, rows, strict=True):
        before = existing.get(record.source_job_id)
        posting_id = ids[record.source_job_id]
        if before is None:
            stats.inserted += 1
            changed.append((posting_id, record))
            if ctx.baseline:
                stats.left_censored += 1
            else:
                events.append(_event(posting_id, models.EVENT_OPENED, row["opened_at"], ctx))
            continue
        if before.status == models.POSTING_CLOSED:
            stats.reopened += 1
            events.append(_event(posting_id, models.EVENT_REOPENED, ctx.observed_at, ctx))
        enrichment_changed = (
            record.enrichment_version is not None
            and record.enrichment_version != before.enrichment_version
        )
        if before.content_hash != content_hash or enrichment_changed:
            changed.append((posting_id, record))
            replaced.append(posting_id)
    stats.changed += len(changed)
    statements.events.execute(conn, events)
    if changed:
        _replace_children(conn, statements, changed, replaced)
    return len(new_ids)


def _event(posting_id: int, kind: str, at: datetime, ctx: _RunContext) -> dict[str, Any]:
    return {"posting_id": posting_id, "kind": kind, "at": at, "crawl_run_id": ctx.run_id,
            "reason": None}  # fmt: skip


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
        conn.execute(delete(_locations).where(_locations.c.posting_id.in_(replaced)))
        conn.execute(delete(_posting_skills).where(_posting_skills.c.posting_id.in_(replaced)))
    locations = [
        {"posting_id": posting_id, "city": _clip(loc.city, 200), "region": _clip(loc.region, 200),
         "country": country_code(loc.country), "raw": loc.raw}
        for posting_id, record in changed
        for loc in _distinct(record.locations)
    ]  # fmt: skip
    statements.locations.execute(conn, locations)

    categories: dict[str, str | None] = {}
    mentions: dict[tuple[int, str], int] = {}
    for posting_id, record in changed:
        for skill in record.skills:
            categories.setdefault(skill.name, skill.category)
            key = (posting_id, skill.name)
            mentions[key] = mentions.get(key, 0) + max(skill.mentions, 1)
    if not mentions:
        return
    conn.execute(
        _insert(conn, _skills).on_conflict_do_nothing(index_elements=["name"]),
        [{"name": name, "category": _clip(category, 50)} for name, category in categories.items()],
    )
    found = conn.execute(
        select(_skills.c.name, _skills.c.id).where(_skills.c.name.in_(list(categories)))
    )
    skill_ids = {name: skill_id for name, skill_id in found}
    statements.posting_skills.execute(
        conn,
        [
            {"posting_id": posting_id, "skill_id": skill_ids[name], "mentions": count}
            for (posting_id, name), count in mentions.items()
        ],
    )
