"""Schema management: Alembic migrations run programmatically, no ``alembic.ini`` needed.

The migration scripts ship inside the package (``storage/migrations``), so an installed
jobtrends can create or upgrade a database with :func:`upgrade`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from storage.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration built in code, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True


def _migrate(
    engine_or_url: Engine | str,
    step: Callable[[Config, str], None],
    revision: str,
    *,
    lock: bool,
) -> str | None:
    """Run the Alembic ``step`` to ``revision`` in one transaction; return the revision reached."""
    engine, owned = _engine(engine_or_url)
    try:
        config = alembic_config()
        with engine.begin() as connection:
            if lock:
                _lock_for_migration(connection)
            config.attributes["connection"] = connection
            step(config, revision)
        return current_revision(engine)
    finally:
        if owned:
            engine.dispose()


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> str | None:
    """Apply migrations up to ``revision`` (default: the newest); return the revision reached.

    Stored rows are kept: every migration must carry existing data forward.
    """
    return _migrate(engine_or_url, command.upgrade, revision, lock=True)


# Any constant: concurrent upgrades of one PostgreSQL database take turns on it.
_MIGRATION_LOCK_KEY = 0x6A6F6275


def _lock_for_migration(connection: Connection) -> None:
    """Make concurrent upgrades (several crawler processes on a fresh database) take turns.

    The second one waits, then finds the schema current and does nothing. On SQLite the
    migration runs in a write transaction taken up front, so its DDL is atomic as well.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def downgrade(engine_or_url: Engine | str, revision: str) -> str | None:
    """Revert migrations down to ``revision`` (``"base"`` drops every table); tests, repairs."""
    return _migrate(engine_or_url, command.downgrade, revision, lock=False)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def revision_id(revision: str) -> str:
    """The full id of ``revision``, which may be given by a unique prefix (``0005``)."""
    script = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    if script is None:
        raise ValueError(f"no revision {revision!r}")
    return script.revision


def head_revision() -> str | None:
    """The newest revision shipped with this version of jobtrends."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
