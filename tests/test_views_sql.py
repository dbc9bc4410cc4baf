"""The analyst views, created by migration, on SQLite and PostgreSQL: columns and contents.

Data: the hand-built history of ``test_trends_queries`` (roles R1..R11 explained there).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from test_trends_queries import at, build_history

from storage.db import make_engine
from storage.models import RUN_COMPLETE, CrawlRun
from storage.schema import upgrade
from storage.views import VIEW_COLUMNS, VIEW_NAMES, view_definitions


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    upgrade(db_url)
    eng = make_engine(db_url)
    with Session(eng) as session:
        build_history(session)
    yield eng
    eng.dispose()


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def as_date(value: object) -> date:
    # SQLite returns dates as text, PostgreSQL as date objects
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_view_columns_are_documented(engine: Engine, view: str) -> None:
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {view}"))  # noqa: S608 - fixed names
        assert tuple(result.keys()) == VIEW_COLUMNS[view]
        assert result.fetchall()  # every view has rows on this history


def _documented_names(view: str) -> set[str]:
    """The names written as code in ``view``'s section of docs/views.md."""
    import re
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "views.md").read_text(encoding="utf-8")
    sections = re.split(r"^### ", docs, flags=re.M)
    found = [section for section in sections if section.startswith(f"`{view}`")]
    assert len(found) == 1, f"docs/views.md has no section for {view}"
    return set(re.findall(r"`([a-z_][a-z0-9_]*)`", found[0]))


@pytest.mark.parametrize("view", VIEW_NAMES)
def test_every_view_column_is_explained_in_docs_views_md(view: str) -> None:
    """Analysts read the columns in docs/views.md: a column added to a view must be there."""
    missing = [column for column in VIEW_COLUMNS[view] if column not in _documented_names(view)]
    assert not missing, f"docs/views.md does not explain {view}'s columns {missing}"


def test_v_roles_folds_linked_postings(engine: Engine) -> None:
    got = rows(
        engine,
        "SELECT role_id, postings, status, left_censored, days_to_fill FROM v_roles "
        "ORDER BY role_id",
    )
    assert got == [
        (1, 1, "closed", 1, None),  # left-censored: no time to fill
        (2, 1, "closed", 0, 19),
        (3, 1, "open", 0, None),
        (4, 2, "closed", 0, 14),  # P4 + P5: opens with P5 (02-09), closes with P5 (02-23)
        (6, 2, "open", 0, None),  # P7 closed, P6 open: the role is open
        (9, 2, "closed", 1, None),  # earliest opening is P10's, left-censored
        (11, 1, "open", 1, None),
    ]


def test_v_weekly_flow_matches_weekly_flow(engine: Engine) -> None:
    got = rows(
        engine,
        "SELECT week, week_start, opened, closed, net, complete_crawls FROM v_weekly_flow "
        "ORDER BY week_start",
    )
    assert [(w, as_date(s), o, c, n, k) for w, s, o, c, n, k in got] == [
        ("2026-W06", date(2026, 2, 2), 1, 0, 1, 1),
        ("2026-W07", date(2026, 2, 9), 2, 0, 2, 1),
        ("2026-W08", date(2026, 2, 16), 1, 1, 0, 2),
        ("2026-W09", date(2026, 2, 23), 0, 2, -2, 1),
        ("2026-W10", date(2026, 3, 2), 0, 1, -1, 1),
    ]


def test_iso_weeks_across_year_boundaries(engine: Engine) -> None:
    days = [date(2020, 12, 27) + timedelta(days=i) for i in range(10)]  # 2020 has a W53
    days += [date(2024, 12, 29), date(2024, 12, 30), date(2025, 1, 5), date(2027, 1, 3)]
    with Session(engine) as session:
        for i, day in enumerate(days):
            when = datetime(day.year, day.month, day.day, 23, 59)
            session.add(
                CrawlRun(id=100 + i, source_id=1, observed_at=when, started_at=when,
                         status=RUN_COMPLETE)
            )  # fmt: skip
        session.commit()
    got = {
        (w, as_date(s), k)
        for w, s, k in rows(engine, "SELECT week, week_start, complete_crawls FROM v_weekly_flow")
    }
    expected: dict[tuple[str, date], int] = {}
    for day in days:
        year, week, weekday = day.isocalendar()
        key = (f"{year}-W{week:02d}", day - timedelta(days=weekday - 1))
        expected[key] = expected.get(key, 0) + 1
    assert {(w, s, k) for (w, s), k in expected.items()} <= got
    assert ("2020-W53", date(2020, 12, 28), 7) in got  # Mon 12-28 .. Sun 01-03
    assert ("2025-W01", date(2024, 12, 30), 2) in got  # Mon 12-30 and Sun 01-05


def test_v_postings(engine: Engine) -> None:
    got = rows(
        engine,
        "SELECT posting_id, source, company, cities, status, left_censored, "
        "canonical_posting_id FROM v_postings WHERE posting_id IN (1, 5, 6) ORDER BY posting_id",
    )
    assert got == [
        (1, "a", "Acme", "Brussels", "closed", 1, 1),
        (5, "b", "Beta Ltd.", "Antwerp, Brussels", "closed", 0, 4),
        (6, "a", "Acme", None, "open", 0, 6),
    ]


def test_count_views(engine: Engine) -> None:
    assert rows(
        engine, "SELECT skill, category, roles, open_roles FROM v_skill_counts ORDER BY skill"
    ) == [("Python", "language", 4, 2), ("SQL", "database", 2, 1)]
    assert rows(
        engine, "SELECT city, country, roles, open_roles FROM v_city_counts ORDER BY city"
    ) == [
        ("Amsterdam", "NL", 1, 1),
        ("Antwerp", "BE", 1, 0),
        ("Berlin", "DE", 2, 2),
        ("Brussels", "BE", 3, 0),
        ("Ghent", "BE", 1, 0),
    ]
    by_country = rows(
        engine,
        "SELECT country, role_family, open_roles, people, openings_per_person "
        "FROM v_open_by_country ORDER BY country, role_family",
    )
    assert by_country == [
        ("DE", "data-engineer", 1, None, None),  # R6 through its linked P7
        ("DE", "ml-engineer", 1, 100, pytest.approx(0.01)),  # R3, talent pool of 100
        ("NL", "ml-engineer", 1, None, None),  # R11
    ]
    assert rows(
        engine,
        "SELECT company, country, industry, founded_year, open_roles, roles "
        "FROM v_top_companies ORDER BY open_roles DESC, company",
    ) == [
        ("Acme", "US", "Software", 1999, 2, 4),
        ("Beta Ltd.", "BE", None, None, 1, 2),
        ("Gamma", "NL", "Retail", 1950, 0, 1),
    ]
    runs = rows(engine, "SELECT source, status, seen FROM v_crawl_runs ORDER BY run_id")
    assert len(runs) == 7 and runs[5] == ("a", "incomplete", 0)
    assert at("02-02") == datetime(2026, 2, 2, 6)


def test_live_definitions_equal_the_migrated_views_sqlite(sqlite_url: str) -> None:
    """``storage.views`` must not drift from what migrations create (exact SQL text)."""
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    stored = dict(rows(engine, "SELECT name, sql FROM sqlite_master WHERE type = 'view'"))
    engine.dispose()
    assert stored == view_definitions("sqlite")


@pytest.mark.postgres
def test_live_definitions_equal_the_migrated_views_postgres(pg_url: str) -> None:
    """PostgreSQL normalises stored view SQL, so compare its own rendering of the migrated
    views with its rendering of ``storage.views``' definitions created afresh."""
    upgrade(pg_url)
    engine = make_engine(pg_url)
    query = ("SELECT viewname, pg_get_viewdef(viewname::regclass) FROM pg_views "
             "WHERE schemaname = current_schema()")
    migrated = dict(rows(engine, query))
    with engine.begin() as conn:
        for name in view_definitions("postgresql"):
            conn.exec_driver_sql(f"DROP VIEW IF EXISTS {name} CASCADE")  # our constants
        for sql in view_definitions("postgresql").values():
            conn.exec_driver_sql(sql)
    fresh = dict(rows(engine, query))
    engine.dispose()
    assert set(migrated) == set(view_definitions("postgresql"))
    assert migrated == fresh
