"""Migrations: they build exactly the models' schema, and an upgrade keeps every stored row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import cast

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, func, insert, inspect, select, text

from storage import models, schema
from storage.db import make_engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, models.Base.metadata))


def test_upgrade_builds_exactly_the_models(engine: Engine) -> None:
    assert schema.current_revision(engine) is None
    reached = schema.upgrade(engine)
    assert reached == schema.head_revision()
    assert schema.current_revision(engine) == reached
    assert _diff(engine) == []


def test_comparison_can_fail(engine: Engine) -> None:
    """The no-difference check above is real: a schema one revision short differs."""
    schema.upgrade(engine)
    schema.downgrade(engine, "base")
    assert schema.current_revision(engine) is None
    assert "postings" not in inspect(engine).get_table_names()
    assert _diff(engine) != []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    schema.upgrade(engine)
    assert schema.upgrade(engine) == schema.head_revision()


def test_upgrade_accepts_a_url(db_url: str) -> None:
    assert schema.upgrade(db_url) == schema.head_revision()


DESCRIPTIONS = ["Build pipelines in Python.", "Données et modèles à Bruxelles.", None]


def _seed(engine: Engine) -> dict[str, int]:
    runs = cast(Table, models.CrawlRun.__table__)
    # sources and postings as they are at 0001 (no first_party; a description column)
    sources = Table("sources", MetaData(), autoload_with=engine)
    postings = Table("postings", MetaData(), autoload_with=engine)
    now = datetime(2026, 3, 2, 9, 0)
    with engine.begin() as conn:
        source_id = conn.execute(
            insert(sources).returning(sources.c.id),
            {"name": "acme", "kind": "greenhouse", "can_relist": True, "created_at": now},
        ).scalar_one()
        conn.execute(
            insert(sources),
            {"name": "jobs-be", "kind": "jsonld", "can_relist": True, "created_at": now},
        )
        run_id = conn.execute(
            insert(runs).returning(runs.c.id),
            {
                "source_id": source_id,
                "observed_at": now,
                "started_at": now,
                "pages_fetched": 1,
                "pages_failed": 0,
                "postings_seen": 3,
                "status": "running",
            },
        ).scalar_one()
        conn.execute(
            insert(postings),
            [
                {
                    "source_id": source_id,
                    "source_job_id": f"job-{i}",
                    "title": f"Engineer {i}",
                    "title_normalized": f"engineer {i}",
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "last_seen_run_id": run_id,
                    "opened_at": now,
                    "status": "open",
                    "miss_count": 0,
                    "left_censored": True,
                    "description_text": DESCRIPTIONS[i],
                }
                for i in range(3)
            ],
        )
    counts: dict[str, int] = {}
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            if table.name in existing:
                query = select(func.count()).select_from(table)
                counts[table.name] = conn.execute(query).scalar_one()
    return counts


def test_newer_schema_over_older_database_keeps_every_row(engine: Engine) -> None:
    """Data written at 0001_initial survives the upgrade to head, row for row."""
    assert schema.upgrade(engine, "0001_initial") == "0001_initial"
    before = _seed(engine)
    assert before["postings"] == 3
    schema.upgrade(engine)
    with engine.connect() as conn:
        for name, count in before.items():
            table = models.Base.metadata.tables[name]
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == count
        titles = conn.execute(select(models.Posting.title).order_by(models.Posting.id)).scalars()
        assert list(titles) == ["Engineer 0", "Engineer 1", "Engineer 2"]
        # 0005 moved the descriptions to their own table, each to its posting
        moved = conn.execute(
            select(models.Posting.title, models.PostingDescription.description_text)
            .join(models.PostingDescription)
            .order_by(models.Posting.id)
        ).all()
        assert moved == [("Engineer 0", DESCRIPTIONS[0]), ("Engineer 1", DESCRIPTIONS[1])]
        shown = conn.execute(text("SELECT title, description FROM v_postings ORDER BY title"))
        assert [tuple(row) for row in shown] == [
            ("Engineer 0", DESCRIPTIONS[0]), ("Engineer 1", DESCRIPTIONS[1]), ("Engineer 2", None)
        ]
        # 0009: an ATS board is the employer's own listing, a schema.org source is taken for a
        # job board until its sources entry says otherwise
        first_party = conn.execute(
            select(models.Source.name, models.Source.first_party).order_by(models.Source.name)
        ).all()
        assert [tuple(row) for row in first_party] == [("acme", True), ("jobs-be", False)]


def test_0009_points_roles_at_their_first_party_posting(engine: Engine) -> None:
    """Roles whose canonical posting is a job board's copy get their employer's own posting as
    canonical (the earliest-opened first-party one); roles seen only on boards keep theirs."""
    schema.upgrade(engine, "0008_changed_run")
    meta = MetaData()
    sources, runs, postings = (Table(name, meta, autoload_with=engine)
                               for name in ("sources", "crawl_runs", "postings"))  # fmt: skip
    day = datetime(2026, 3, 2, 9, 0)
    with engine.begin() as conn:
        source_ids = {
            name: conn.execute(
                insert(sources).returning(sources.c.id),
                {"name": name, "kind": kind, "can_relist": True, "created_at": day},
            ).scalar_one()
            for name, kind in (("acme", "greenhouse"), ("acme-eu", "lever"),
                               ("jobs-be", "jsonld"), ("jobs-nl", "jsonld"))
        }  # fmt: skip
        run_id = conn.execute(
            insert(runs).returning(runs.c.id),
            {"source_id": source_ids["acme"], "observed_at": day, "started_at": day,
             "pages_fetched": 1, "pages_failed": 0, "postings_seen": 0, "status": "complete"},
        ).scalar_one()  # fmt: skip

        def add(source: str, job: str, opened_day: int, canonical: int | None = None) -> int:
            return int(conn.execute(
                insert(postings).returning(postings.c.id),
                {"source_id": source_ids[source], "source_job_id": job, "title": "Engineer",
                 "title_normalized": "engineer", "first_seen_at": day, "last_seen_at": day,
                 "last_seen_run_id": run_id, "opened_at": day.replace(day=opened_day),
                 "status": "open", "miss_count": 0, "left_censored": False,
                 "canonical_id": canonical},
            ).scalar_one())  # fmt: skip

        b1 = add("jobs-be", "b1", 1)  # a board's copy, canonical as the earliest opened
        add("jobs-nl", "n1", 2, b1)
        add("acme-eu", "e1", 4, b1)
        add("acme", "a1", 3, b1)  # the earliest-opened first-party posting
        b2 = add("jobs-be", "b2", 1)  # a role seen on job boards only
        add("jobs-nl", "n2", 2, b2)
    schema.upgrade(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(postings.c.id, postings.c.source_job_id,
                                   postings.c.canonical_id)).all()  # fmt: skip
    job = {posting_id: name for posting_id, name, _ in rows}
    assert {name: job.get(canonical) for _, name, canonical in rows} == {
        "a1": None, "b1": "a1", "n1": "a1", "e1": "a1", "b2": None, "n2": "b2",
    }


def test_downgrade_below_0005_puts_descriptions_back(engine: Engine) -> None:
    schema.upgrade(engine, "0001_initial")
    _seed(engine)
    schema.upgrade(engine)
    schema.downgrade(engine, "0004_window_id_order")
    postings = Table("postings", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        rows = conn.execute(
            select(postings.c.title, postings.c.description_text).order_by(postings.c.id)
        ).all()
        shown = conn.execute(text("SELECT description FROM v_postings ORDER BY title")).all()
    assert [d for _, d in rows] == DESCRIPTIONS
    assert [d for (d,) in shown] == DESCRIPTIONS
    assert "posting_descriptions" not in inspect(engine).get_table_names()
    assert schema.upgrade(engine) == schema.head_revision()
    assert _diff(engine) == []


def test_concurrent_upgrades_of_a_fresh_database_take_turns(db_url: str) -> None:
    """Several crawler processes starting on a fresh database all upgrade it at once."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(4)

    def upgrade_once(_: int) -> str | None:
        engine = make_engine(db_url)
        try:
            barrier.wait()
            return schema.upgrade(engine)
        finally:
            engine.dispose()

    with ThreadPoolExecutor(4) as pool:
        reached = list(pool.map(upgrade_once, range(4)))
    assert reached == [schema.head_revision()] * 4
    engine = make_engine(db_url)
    assert _diff(engine) == []
    engine.dispose()
