"""Dialect-specific SQL expressions the trend queries need, compiled per backend.

Calendar arithmetic differs between SQLite (``julianday``/``date``) and PostgreSQL (date
subtraction); keeping it in two tiny compiled constructs lets every query stay dialect-neutral.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# julianday('1970-01-01'): SQLite day numbers are shifted to the Unix epoch so both backends agree.
_SQLITE_EPOCH_JULIANDAY = 2440587.5


class epoch_day(FunctionElement[int]):  # noqa: N801 - reads like the SQL function it stands for
    """Whole days from 1970-01-01 to the (UTC) calendar date of a timestamp."""

    type = Integer()
    inherit_cache = True
    name = "epoch_day"


@compiles(epoch_day, "sqlite")
def _epoch_day_sqlite(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(julianday(date({arg})) - {_SQLITE_EPOCH_JULIANDAY} AS INTEGER)"


@compiles(epoch_day, "postgresql")
def _epoch_day_postgresql(element: epoch_day, compiler: SQLCompiler, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"(CAST({arg} AS DATE) - DATE '1970-01-01')"


class unindexed(FunctionElement[Any]):  # noqa: N801
    """The same value, hidden from SQLite's index choice (SQLite's documented unary ``+``).

    SQLite plans without statistics; where it would pick an unselective index (``canonical_id
    IS NULL`` matches nearly every posting) this steers it to the selective one. PostgreSQL
    plans from statistics and gets the bare expression.
    """

    inherit_cache = True
    name = "unindexed"

    @property
    def type(self) -> Any:  # type: ignore[override]
        return self.clauses.clauses[0].type


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(unindexed, "postgresql")
def _unindexed_postgresql(element: unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


def plain_rows(session: Session, statement: Executable) -> list[tuple[Any, ...]]:
    """All rows of ``statement`` as the driver returns them, without SQLAlchemy's per-row
    processing: for the large fetches that are counted in Python (ints and strings only, which
    need no result conversion on either backend), building a ``Row`` per row would cost more
    than the query.
    """
    result = session.connection().execute(statement)
    try:
        cursor = result.cursor
        return [] if cursor is None else list(cursor.fetchall())
    finally:
        result.close()
