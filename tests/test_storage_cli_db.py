"""`jobtrends db upgrade|current` and `jobtrends reconcile` through the real CLI."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobtrends.cli import app
from storage import ingest, schema
from storage.db import make_engine
from storage.records import PostingRecord

runner = CliRunner()
T0 = datetime(2026, 3, 2, 9, 0)


class Outcome:
    def __init__(self, exit_code: int, output: str) -> None:
        self.exit_code = exit_code
        self.output = " ".join(output.split())  # rich wraps long lines


def invoke(db_url: str, *args: str) -> Outcome:
    result = runner.invoke(app, ["--db", db_url, *args])
    return Outcome(result.exit_code, result.output)


def test_upgrade_then_current(db_url: str) -> None:
    result = invoke(db_url, "db", "current")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("none")
    result = invoke(db_url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    head = schema.head_revision()
    assert f"at revision {head}" in result.output
    result = invoke(db_url, "db", "current")
    assert result.exit_code == 0 and f"{head} (up to date)" in result.output
    # an older target (a deploy script's pinned revision, by its prefix) changes nothing, and
    # says so instead of reporting the newer revision as if it had been asked for
    result = invoke(db_url, "db", "upgrade", "--revision", "0005")
    assert result.exit_code == 0, result.output
    assert f"at revision {head}, past 0005: `db upgrade` never downgrades" in " ".join(
        result.output.split())
    assert "past" not in invoke(db_url, "db", "upgrade", "--revision", str(head)).output


def test_reconcile_prints_a_summary(db_url: str) -> None:
    assert invoke(db_url, "db", "upgrade").exit_code == 0
    engine = make_engine(db_url)
    for n, ids in enumerate((["a", "b"], ["a"], ["a"])):
        with Session(engine) as session, session.begin():
            run_id = ingest.start_crawl_run(
                session, "acme", kind="greenhouse", observed_at=T0 + timedelta(days=7 * n)
            )
            ingest.upsert_postings(session, run_id, [PostingRecord(j, f"Job {j}") for j in ids])
            ingest.finish_crawl_run(
                session, run_id, finish_reason="finished", pages_fetched=1, pages_failed=0
            )
    engine.dispose()
    result = invoke(db_url, "reconcile", "--k", "2")
    assert result.exit_code == 0, result.output
    assert "runs: 3 complete, 0 incomplete; closed: 1 (1 unseen" in result.output
    result = invoke(db_url, "reconcile")
    assert "runs: 0 complete, 0 incomplete; closed: 0" in result.output


def test_reconcile_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    (tmp_path / "new.db").touch()  # an empty SQLite file: a database without schema
    result = invoke(f"sqlite:///{tmp_path / 'new.db'}", "reconcile")
    assert result.exit_code == 3
    assert "run `jobtrends db upgrade` first" in result.output


def test_commands_that_read_do_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    """`jobtrends report` in the wrong directory says there is no database there; it used to
    leave an empty jobtrends.db behind."""
    missing = tmp_path / "jobtrends.db"
    companies = tmp_path / "companies.csv"
    companies.write_text("name,country\nAcme,BE\n", encoding="utf-8")
    for args in (
        ["report", "-o", str(tmp_path / "r.html")],
        ["reconcile"],
        ["enrich", "--stale"],
        ["import", "companies", str(companies)],
    ):
        result = invoke(f"sqlite:///{missing}", *args)
        assert result.exit_code == 3, (args, result.output)
        assert "no database at" in result.output, result.output
        assert str(missing) in result.output.replace(" ", "")  # rich may fold the path
        assert not missing.exists(), args
    result = invoke(f"sqlite:///{missing}", "db", "current")
    assert result.exit_code == 0 and result.output.startswith("none (no database at")
    assert not missing.exists()


def test_malformed_url_exits_3_without_traceback() -> None:
    result = invoke("not a url", "db", "upgrade")
    assert result.exit_code == 3
    assert "malformed database URL 'not a url'" in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_exits_3(tmp_path: Path) -> None:
    for url in (
        "postgresql://nobody@127.0.0.1:1/nowhere",
        f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}",
    ):
        result = invoke(url, "db", "current")
        assert result.exit_code == 3, result.output
        assert "cannot use database" in result.output
        assert "Traceback" not in result.output


def test_bad_option_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(f"sqlite:///{tmp_path / 'x.db'}", "reconcile", "--k", "0")
    assert result.exit_code == 2


def test_unknown_revision_exits_3(tmp_path: Path) -> None:
    result = invoke(f"sqlite:///{tmp_path / 'x.db'}", "db", "upgrade", "--revision", "9999_future")
    assert result.exit_code == 3, result.output
    assert "9999_future" in result.output and "Traceback" not in result.output


def test_a_connection_waits_while_another_switches_a_new_database_to_wal(tmp_path: Path) -> None:
    """Processes starting on a new SQLite file race to switch it to WAL: SQLite refuses the
    losers at once rather than waiting, so opening a connection retries instead of failing."""
    path = tmp_path / "new.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")  # a write lock, as while another process sets it up
    release = threading.Timer(0.3, holder.execute, ["COMMIT"])
    release.start()
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        release.join()
        engine.dispose()
        holder.close()


def test_sqlite_connections_use_wal_with_a_64_mb_checkpoint_interval(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragma = conn.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            pages = pragma("PRAGMA wal_autocheckpoint").scalar_one()
            page_size = pragma("PRAGMA page_size").scalar_one()
            assert pages * page_size == 64 * 1024 * 1024
            assert pragma("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_new_sqlite_databases_get_16_kb_pages_and_old_ones_keep_theirs(tmp_path: Path) -> None:
    """The page size applies to a database created by the engine; one made with 4 KB pages keeps
    them (changing it would need a VACUUM), and its checkpoint interval is still 64 MB."""
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as made:
        made.execute("CREATE TABLE t (x)")
    for path, size in ((tmp_path / "new.db", 16384), (old, 4096)):
        engine = make_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as conn:
                pragma = conn.exec_driver_sql
                pragma("CREATE TABLE IF NOT EXISTS u (y)")
                assert pragma("PRAGMA page_size").scalar_one() == size
                assert pragma("PRAGMA wal_autocheckpoint").scalar_one() * size == 64 * 1024 * 1024
        finally:
            engine.dispose()


def test_the_sqlite_page_cache_is_64_mb_except_in_the_crawler(tmp_path: Path) -> None:
    """Bulk work keeps a 64 MB page cache; the crawl's connections ask for
    JOBTRENDS_SQLITE_CACHE_MB (8 by default), so its memory does not grow with the database."""
    from types import SimpleNamespace
    from typing import Any

    from scrapy.settings import Settings

    import crawler.settings as crawl_settings
    from crawler.pipelines import StoragePipeline

    url = f"sqlite:///{tmp_path / 'x.db'}"

    def cache_kb(engine: Engine) -> int:
        with engine.connect() as conn:
            return -int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())

    for engine, kb in ((make_engine(url), 64 * 1024), (make_engine(url, sqlite_cache_mb=3), 3072)):
        try:
            assert cache_kb(engine) == kb
        finally:
            engine.dispose()
    with pytest.raises(ValueError, match="at least 1 MB, got 0"):
        make_engine(url, sqlite_cache_mb=0)
    for override, kb in (({}, 8 * 1024), ({"JOBTRENDS_SQLITE_CACHE_MB": "16"}, 16 * 1024)):
        settings = Settings()
        settings.setmodule(crawl_settings)
        settings.setdict({"JOBTRENDS_DATABASE_URL": url, **override})
        crawler: Any = SimpleNamespace(settings=settings)  # all the pipeline reads at creation
        assert cache_kb(StoragePipeline(crawler).sessions.kw["bind"]) == kb


@pytest.mark.postgres
def test_postgresql_connections_send_lists_as_binary_arrays(pg_url: str) -> None:
    """Upserts send each column of a batch as one array; psycopg's text form of an array is
    quoted element by element in Python, four times the binary form's cost."""
    from psycopg import pq
    from psycopg.adapt import PyFormat

    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            driver = conn.connection.driver_connection
            assert driver is not None
            dumper = driver.adapters.get_dumper(list, PyFormat.AUTO)
            assert dumper.format == pq.Format.BINARY
            row = conn.exec_driver_sql(
                "SELECT pg_typeof(%(ids)s)::text, %(ids)s, %(names)s",
                {"ids": [1, None, 70000], "names": ["NULL", None, '{"a"}']},
            ).one()
            assert tuple(row) == ("integer[]", [1, None, 70000], ["NULL", None, '{"a"}'])
    finally:
        engine.dispose()
