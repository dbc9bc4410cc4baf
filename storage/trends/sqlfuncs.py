"""Dialect-specific SQL expressions the trend queries need, compiled per backend.

Calendar arithmetic differs between SQLite (``julianday``/``date``) and PostgreSQL (date
subtraction); keeping it in two tiny compiled constructs lets every query stay dialect-neutral.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Executable, Integer, String
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


class joined_ints(FunctionElement[str]):  # noqa: N801
    """An aggregate: the integer column's values over the rows as one comma-joined text (NULL
    when there are none). Counting a few hundred thousand small integers from one string split
    in C is cheaper than fetching them as rows (and SQLite would sort them for a GROUP BY)."""

    type = String()
    inherit_cache = True
    name = "joined_ints"


@compiles(joined_ints, "sqlite")
def _joined_ints_sqlite(element: joined_ints, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(joined_ints, "postgresql")
def _joined_ints_postgresql(element: joined_ints, compiler: SQLCompiler, **kw: Any) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


def count_joined_ints(text: str | None) -> Counter[int]:
    """How often each integer occurs in a :class:`joined_ints` result."""
    if not text:
        return Counter()
    return Counter({int(value): n for value, n in Counter(text.split(",")).items()})
