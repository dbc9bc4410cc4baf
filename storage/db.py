"""Engine and session construction: one engine per database URL, SQLite by default."""

from __future__ import annotations

import sqlite3
import time
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from storage.defaults import DATABASE_URL_ENV, DEFAULT_SQLITE_FILE, default_database_url

__all__ = ["DATABASE_URL_ENV", "DEFAULT_SQLITE_FILE", "DatabaseURLError", "default_database_url",
           "make_engine", "make_session_factory", "normalize_url", "shown_url", "sqlite_file"]


class DatabaseURLError(ValueError):
    """The database URL cannot be used; the message says why and shows a working example."""


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and route it to psycopg 3; reject URLs SQLAlchemy cannot parse."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(
            f"malformed database URL {url!r}: expected e.g. 'sqlite:///jobtrends.db' or "
            "'postgresql://user@127.0.0.1:5432/jobtrends'"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"unsupported database {parsed.get_backend_name()!r} in {url!r}: "
            "jobtrends runs on SQLite ('sqlite:///jobtrends.db') or PostgreSQL "
            "('postgresql://user@host:5432/dbname')"
        )
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """``url`` as messages show it: the password hidden (as given when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_file(url: str | URL) -> Path | None:
    """The file of an on-disk SQLite URL (None for other databases, memory, ``file:`` URIs and
    URLs that do not parse)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(database)


# how long a connection waits for another one's lock (busy_timeout), in seconds
_SQLITE_BUSY_SECONDS = 30


def _set_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the database to write-ahead logging (a no-op once it is).

    Processes opening a new database at once all try to switch it; SQLite refuses the losers
    "database is locked" at once instead of waiting (the busy handler is skipped where waiting
    could deadlock), so they retry until the winner is done.
    """
    deadline = time.monotonic() + _SQLITE_BUSY_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


# SQLite's page size for new databases. A crawl's commit writes every page it dirtied to the
# write-ahead log, one frame each, and the inserts of 1,000 postings dirty pages all over the
# indexes with random keys: with 16 KB pages instead of 4 KB, fewer and larger frames. At 1M
# postings (bench/bench_upsert.py, one after the other) a first crawl took 43.4 s instead of
# 50.0 s (commits 9.3 s instead of 12.8 s) and a re-crawl 9.2 s instead of 9.8 s; the trend
# queries (bench/bench_trends.py) took 1.41 s instead of 1.46 s. An existing database keeps
# its page size (changing it takes a VACUUM).
_PAGE_SIZE = 16384
_WAL_CHECKPOINT_BYTES = 64 * 1024 * 1024  # see _sqlite_pragmas


# SQLite's page cache per connection (SQLite's own default is 2 MB): at a million postings the
# indexes an upsert touches no longer fit in 2 MB. Pages are allocated as used, not up front, so
# a big database fills it: the crawler, whose storing waits on the network anyway, asks for
# less (crawler.settings.JOBTRENDS_SQLITE_CACHE_MB), keeping a crawl's memory flat.
DEFAULT_CACHE_MB = 64


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, cache_mb: int = DEFAULT_CACHE_MB) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 16 KB pages for a new database (no effect on an existing one): see _PAGE_SIZE
    cursor.execute(f"PRAGMA page_size={_PAGE_SIZE}")
    _set_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the write-ahead log at 64 MB instead of SQLite's 4 MB. A crawl commits every
    # 1,000 postings; each commit dirties pages all over the indexes with random keys, and a
    # checkpoint after every commit copied those same pages back each time. At a million
    # postings this cut the first crawl's commit time by a third (bench/bench_upsert.py).
    page_size = cursor.execute("PRAGMA page_size").fetchone()[0]
    cursor.execute(f"PRAGMA wal_autocheckpoint={_WAL_CHECKPOINT_BYTES // page_size}")
    cursor.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")  # see DEFAULT_CACHE_MB
    cursor.execute("PRAGMA temp_store=MEMORY")  # sorts and temporary indexes of big queries
    cursor.close()


def make_engine(
    url: str | None = None, *, echo: bool = False, sqlite_cache_mb: int = DEFAULT_CACHE_MB
) -> Engine:
    """Build the engine for ``url`` (default: :func:`default_database_url`); on SQLite, each
    connection's page cache holds up to ``sqlite_cache_mb`` MB."""
    if sqlite_cache_mb < 1:
        raise ValueError(f"the SQLite page cache must be at least 1 MB, got {sqlite_cache_mb}")
    final_url = normalize_url(url or default_database_url())
    if final_url.startswith("sqlite"):
        engine = create_engine(final_url, echo=echo)
        event.listen(engine, "connect", partial(_sqlite_pragmas, cache_mb=sqlite_cache_mb))
    else:
        engine = create_engine(final_url, echo=echo, pool_pre_ping=True)
        if engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", _psycopg_binary_lists)
    return engine


def _psycopg_binary_lists(dbapi_connection: Any, _record: Any) -> None:
    """Send Python lists to PostgreSQL as binary arrays instead of psycopg's default text form.

    Upserts send each column of a batch as one array (``storage.ingest.PreparedInsert``), and
    psycopg writes a text array in Python, quoting element by element with regular expressions:
    12 ms for the 38 columns of 1,000 posting rows, against 3 ms in binary. A first crawl of
    100,000 postings (``bench/bench_upsert.py --n 100000 --postgres URL``) stored 10.3-11.7k
    postings/s instead of 8.1-8.8k. Elements keep their Python type (int, str, float, datetime,
    bool); each array's type is its elements' type.
    """
    from psycopg.types.array import ListBinaryDumper

    dbapi_connection.adapters.register_dumper(list, ListBinaryDumper)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def hold_write_lock(conn: Connection) -> None:
    """On SQLite, take the database's write lock now (``BEGIN IMMEDIATE``), unless the
    connection's transaction holds it already (it has written); elsewhere nothing.

    sqlite3 begins a transaction only at the first write, so the reads before it each see the
    latest commit, and another process may commit between them and the writes that act on them.
    A crawl's batch reads which of its postings are stored, open and unchanged, then writes
    accordingly: a reconcile closing one of them in between left it closed yet marked seen, and
    a retirement in between left postings open in a retired source. With the lock taken before
    the reads, writers run one after the other, each on what it read (``reconcile`` and the
    batches of ``storage.ingest`` take it); the others wait for it (busy_timeout) as they waited
    for its writes anyway. PostgreSQL's writers lock the rows of their sources instead.
    """
    if conn.dialect.name != "sqlite":
        return
    driver = conn.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
