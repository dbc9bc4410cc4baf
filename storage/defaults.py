"""Where the database is when nobody says: importable without SQLAlchemy (the CLI reads it
before any command runs)."""

from __future__ import annotations

import os
from pathlib import Path

DATABASE_URL_ENV = "JOBTRENDS_DATABASE_URL"
DEFAULT_SQLITE_FILE = "jobtrends.db"


def default_database_url(cwd: Path | None = None) -> str:
    """The URL from ``JOBTRENDS_DATABASE_URL``, else a SQLite file in the current directory."""
    env = os.environ.get(DATABASE_URL_ENV)
    if env:
        return env
    return f"sqlite:///{(cwd or Path.cwd()) / DEFAULT_SQLITE_FILE}"
