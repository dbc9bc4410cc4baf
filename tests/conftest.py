"""Shared fixtures: real SQLite and real PostgreSQL databases, one fresh schema per test.

PostgreSQL tests skip when the server is unreachable, except when
``JOBTRENDS_REQUIRE_SERVICES=1`` (set by ``.ci/run``): then they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from storage import schema
from storage.db import make_engine

POSTGRES_URL = os.environ.get(
    "JOBTRENDS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("JOBTRENDS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("JOBTRENDS_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} unreachable: {exc}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (JOBTRENDS_REQUIRE_SERVICES=1 makes it mandatory)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        _unavailable("PostgreSQL", exc)
    return POSTGRES_URL


@pytest.fixture
def pg_url(postgres_server_url: str) -> Iterator[str]:
    """A URL whose connections use a fresh, private schema (dropped afterwards)."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_server_url else "?"
    yield f"{postgres_server_url}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'jobtrends.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Both backends: every test using it runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def read_only_url(pg_url: str) -> str:
    """``pg_url`` with every transaction read-only, as on a hot-standby replica."""
    return f"{pg_url}%20-cdefault_transaction_read_only%3Don"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres-read-only", marks=pytest.mark.postgres),
    ]
)
def trend_urls(request: pytest.FixtureRequest) -> tuple[str, str]:
    """``(URL that writes the data, URL the trend queries read through)`` on each backend, and
    on PostgreSQL read as a replica would be (no temporary table can be created there)."""
    if request.param == "sqlite":
        url = str(request.getfixturevalue("sqlite_url"))
        return url, url
    url = str(request.getfixturevalue("pg_url"))
    return url, read_only_url(url) if request.param == "postgres-read-only" else url


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated once per session; each test gets a copy (fast setup)."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    schema.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def migrated_engine(db_url: str, migrated_sqlite_file: Path) -> Iterator[Engine]:
    """An engine on a fully migrated database of each backend (see ``db_url``)."""
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite_file, db_url.removeprefix("sqlite:///"))
        eng = make_engine(db_url)
    else:
        eng = make_engine(db_url)
        schema.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def freeze_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per ``gc.freeze()`` call while the test runs (the real freeze still happens).

    Counted by call, not read from ``gc.get_freeze_count()``: frozen objects freed meanwhile (by
    reference counting, as they still are) make that count go down."""
    import gc

    calls: list[int] = []
    real_freeze = gc.freeze

    def counted_freeze() -> None:
        calls.append(1)
        real_freeze()

    monkeypatch.setattr(gc, "freeze", counted_freeze)
    return calls


@contextmanager
def impatient_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction gives up after waiting 300 ms for another's lock (PostgreSQL:
    a row lock, ``lock timeout``; SQLite: the database's write lock, ``database is locked``),
    to show a writer waits for another without a second thread."""
    with Session(engine) as session:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            session.connection().exec_driver_sql("PRAGMA busy_timeout = 300")
        else:
            session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        try:
            yield session
        finally:
            session.rollback()
            if sqlite:  # the pooled connection's own setting again
                session.connection().exec_driver_sql("PRAGMA busy_timeout = 30000")
                session.rollback()


def waited_for_a_lock(error: OperationalError) -> bool:
    """The error an :func:`impatient_session` raises when it gave up waiting."""
    return "lock timeout" in str(error) or "database is locked" in str(error)


def done_without_waiting(engine: Engine, write: Callable[[Session], object]) -> bool:
    """Run ``write`` in an :func:`impatient_session` and commit: True; False when another
    transaction's lock kept it waiting (any other error is raised)."""
    with impatient_session(engine) as session:
        try:
            write(session)
            session.commit()
        except OperationalError as error:
            assert waited_for_a_lock(error), error
            return False
        return True
