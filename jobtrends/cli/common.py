"""Shared CLI plumbing: the application state, database access and exit codes.

The CLI modules import SQLAlchemy, Scrapy, spaCy and the storage and report layers inside the
commands that use them, so that ``--help``, ``--version`` and a mistyped option answer at once
and a command loads only what it needs (``tests/test_cli_startup.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from storage.defaults import DATABASE_URL_ENV, default_database_url

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["DATABASE_URL_ENV", "AppState", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE",
           "EXIT_DATABASE", "EXIT_PARTIAL", "fail", "parse_observed_at", "console", "err_console"]

EXIT_OK = 0
EXIT_FAILURE = 1  # the command ran and failed
EXIT_USAGE = 2  # bad arguments or bad input (also Click's own usage errors)
EXIT_DATABASE = 3  # the database is unreachable or its URL is malformed
EXIT_PARTIAL = 4  # done, but some sources did not crawl completely

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    db_url: str | None = None
    db_url_given: bool = False  # --db on the command line (not only the environment variable)
    _engine: Engine | None = None

    @property
    def url(self) -> str:
        return self.db_url or default_database_url()

    def engine(self, *, sqlite_cache_mb: int | None = None) -> Engine:
        """The command's engine, made on first use (``sqlite_cache_mb``: its SQLite page cache,
        else ``storage.db.DEFAULT_CACHE_MB``)."""
        from storage.db import DEFAULT_CACHE_MB, make_engine

        if self._engine is None:
            cache_mb = sqlite_cache_mb or DEFAULT_CACHE_MB
            self._engine = make_engine(self.url, sqlite_cache_mb=cache_mb)
        return self._engine


def fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    """Print ``message`` as an error (literally: it may carry names, paths or scraped text
    with square brackets, which Rich would take for markup) and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True)
    return typer.Exit(code)


def parse_observed_at(value: str | None) -> datetime | None:
    """Parse ``--observed-at`` (ISO 8601; a zone is converted to UTC) into naive UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time; use e.g. 2026-03-02T09:00:00Z or 2026-03-02"
        ) from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
