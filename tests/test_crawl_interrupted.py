"""End to end: a `jobtrends crawl` stopped half-way, by Ctrl-C, by a second Ctrl-C or by
`kill -9`, loses nothing stored, closes nothing, and the next complete crawl closes exactly what
it no longer lists; one whose database refuses a batch is recorded as failed and closes nothing
either.

Real processes against the mock server's generated schema.org board (one page per posting,
fetched slowly enough to be stopped in the middle), storing in small batches so that part of
each stopped crawl is committed before it stops.
"""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mockserver.harness import (  # noqa: F401 - fixture
    FAST,
    JOBTRENDS,
    _env,
    mockserver,
    run_cli,
    table_rows,
)
from mockserver.server import MockServer
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.slow

WEEKS = [datetime(2026, 3, 2, 9), datetime(2026, 3, 9, 9), datetime(2026, 3, 16, 9),
         datetime(2026, 3, 23, 9)]  # fmt: skip
LISTED = 80  # postings the board lists in weeks 1-3
LISTED_LAST = 60  # week 4 lists the first 60 only
# stopped once this many sightings are committed: over the seen-share threshold (half the open
# postings), so that only the way the crawl ended tells that it is incomplete
STOP_AT = 50


def _sources(path: Path, base: str, n: int) -> Path:
    path.write_text(
        '[[source]]\nname = "board"\nkind = "jsonld"\n'
        f'sitemap_urls = ["{base}/gen/jsonld/sitemap.xml?n={n}"]\n'
        'posting_url_pattern = "/job/"\n',
        encoding="utf-8",
    )
    return path


def _args(db: str, sources: Path, week: datetime, *settings: str) -> list[str]:
    args = ["--db", db, "crawl", "--sources", str(sources), "--observed-at", week.isoformat(),
            "--k", "1", "--no-enrich", "--set", "JOBTRENDS_STORE_BATCH=10"]  # fmt: skip
    for setting in (*FAST, *settings):
        args += ["--set", setting]
    return args


def _scalar(db: str, sql: str, **params: Any) -> Any:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _summary_row(stdout: str) -> list[str]:
    """The cells of the ``board`` row of the crawl's summary table."""
    rows = table_rows(stdout, "board ")
    assert len(rows) == 1, stdout
    return rows[0]


def _stop_half_way(
    db: str, sources: Path, week: datetime, *how: signal.Signals
) -> subprocess.CompletedProcess[str]:
    """Start a slow crawl of ``week``, send the signals ``how`` (0.3 s apart) once
    :data:`STOP_AT` of its sightings are committed, and return the finished process."""
    args = [str(JOBTRENDS), *_args(db, sources, week, "DOWNLOAD_DELAY=0.1",
                                   "CONCURRENT_REQUESTS_PER_DOMAIN=1")]  # fmt: skip
    proc = subprocess.Popen(
        args, cwd=sources.parent, env=_env({"COLUMNS": "250"}),  # the summary table unwrapped
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    seen = 0
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _scalar(db, "SELECT count(*) FROM postings WHERE last_seen_at >= :week",
                       week=week)  # fmt: skip
        if seen >= STOP_AT:
            break
        time.sleep(0.1)
    assert proc.poll() is None, f"the crawl ended before it could be stopped ({seen} seen)"
    assert seen < LISTED, "the crawl was not slow enough to be stopped half-way"
    for index, signum in enumerate(how):
        if index:
            time.sleep(0.3)
        proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr[-3000:]
    return subprocess.CompletedProcess(args, proc.returncode, stdout, stderr)


def test_a_crawl_stopped_half_way_closes_nothing_and_loses_nothing(
    mockserver: MockServer,  # noqa: F811 - the fixture
    tmp_path: Path,
    db_url: str,
) -> None:
    sources = _sources(tmp_path / "sources.toml", mockserver.url, LISTED)
    week1 = run_cli(*_args(db_url, sources, WEEKS[0]), cwd=tmp_path)
    assert week1.returncode == 0, week1.stdout + week1.stderr
    assert _scalar(db_url, "SELECT count(*) FROM postings WHERE status = 'open'") == LISTED

    # week 2: Ctrl-C. Scrapy stops gracefully: what was fetched is stored, the run is
    # recorded as interrupted (incomplete), and even with k = 1 nothing unseen is closed
    assert _stop_half_way(db_url, sources, WEEKS[1], signal.SIGINT).returncode == 4  # PARTIAL
    # week 3: kill -9. The process dies with a batch in memory and its run unfinished
    killed = _stop_half_way(db_url, sources, WEEKS[2], signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert _scalar(db_url, "SELECT count(*) FROM postings WHERE status = 'open'") == LISTED
    seen_week3 = _scalar(db_url, "SELECT count(*) FROM postings WHERE last_seen_at >= :w",
                         w=WEEKS[2])  # fmt: skip
    assert STOP_AT <= seen_week3 < LISTED

    # week 4: a complete crawl of a board listing fewer postings; its reconcile first judges
    # the killed run (never finished), then closes what this crawl no longer lists
    _sources(sources, mockserver.url, LISTED_LAST)
    week4 = run_cli(*_args(db_url, sources, WEEKS[3]), cwd=tmp_path)
    assert week4.returncode == 0, week4.stdout + week4.stderr

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(
                text("SELECT status, finish_reason, observed_at FROM crawl_runs ORDER BY id")
            ).all()
            assert [(r.status, r.finish_reason) for r in runs] == [
                ("complete", "finished"),
                ("incomplete", "shutdown"),
                ("incomplete", None),  # killed: never finished, judged so by week 4's reconcile
                ("complete", "finished"),
            ]
            postings = conn.execute(
                text("SELECT source_job_id, status, closed_at, last_seen_at FROM postings")
            ).all()
            assert len(postings) == LISTED  # nothing lost, nothing stored twice
            closed = {p.source_job_id.rsplit("/", 1)[-1]: p for p in postings
                      if p.status == "closed"}  # fmt: skip
            assert sorted(map(int, closed)) == list(range(LISTED_LAST, LISTED))
            # closed at the first complete crawl that missed them: week 4, not a stopped week
            assert {str(p.closed_at)[:10] for p in closed.values()} == {"2026-03-23"}
            assert all(str(p.last_seen_at)[:10] == "2026-03-23"
                       for p in postings if p.status == "open")  # fmt: skip
            events = conn.execute(text("SELECT kind, count(*) FROM posting_events GROUP BY kind"))
            assert dict(events.all()) == {"closed": LISTED - LISTED_LAST}
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        engine.dispose()


_REFUSE_JOB_7 = {
    "sqlite": [
        "CREATE TRIGGER refuse_job_7 BEFORE UPDATE ON postings "
        "WHEN NEW.source_job_id LIKE '%/job/7' "
        "BEGIN SELECT RAISE(ABORT, 'the disk refuses job 7'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_job_7() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.source_job_id LIKE '%/job/7' THEN RAISE EXCEPTION 'the disk refuses job 7'; "
        "END IF; RETURN NEW; END $$",
        "CREATE TRIGGER refuse_job_7 BEFORE UPDATE ON postings "
        "FOR EACH ROW EXECUTE FUNCTION refuse_job_7()",
    ],
}


def test_a_crawl_whose_storing_fails_is_recorded_as_failed_and_closes_nothing(
    mockserver: MockServer,  # noqa: F811 - the fixture
    tmp_path: Path,
    db_url: str,
) -> None:
    """A batch the database refuses (here: a trigger standing in for a full disk or a broken
    connection) is logged and the crawl goes on, but its postings were not stored as seen: the
    run is recorded with finish reason ``storage_error``, so that even with k = 1 they are not
    taken for closed ones."""
    sources = _sources(tmp_path / "sources.toml", mockserver.url, 30)
    assert run_cli(*_args(db_url, sources, WEEKS[0]), cwd=tmp_path).returncode == 0
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            for statement in _REFUSE_JOB_7[conn.dialect.name]:
                conn.execute(text(statement))
        week2 = run_cli(*_args(db_url, sources, WEEKS[1]), cwd=tmp_path, env={"COLUMNS": "250"})
        assert week2.returncode == 4, week2.stdout + week2.stderr  # EXIT_PARTIAL
        assert "the disk refuses job 7" in week2.stderr
        # the summary tells the 30 postings scraped from the 20 stored
        assert _summary_row(week2.stdout)[:4] == ["board", "jsonld", "30", "20"], week2.stdout
        with engine.connect() as conn:
            run = conn.execute(
                text("SELECT status, finish_reason FROM crawl_runs ORDER BY id DESC")
            ).first()
            assert run is not None and tuple(run) == ("incomplete", "storage_error")
            by_status: dict[str, int] = dict(
                conn.execute(text("SELECT status, count(*) FROM postings GROUP BY status")).all()
            )
            assert by_status == {"open": 30}
            # the batches before and after the refused one were stored as seen
            seen = conn.execute(
                text("SELECT count(*) FROM postings WHERE last_seen_at >= :w"), {"w": WEEKS[1]}
            ).scalar()
            assert seen == 20  # three batches of 10: the one holding job 7 was rolled back
    finally:
        engine.dispose()


def test_a_crawl_stopped_at_once_says_its_run_is_unfinished(
    mockserver: MockServer,  # noqa: F811 - the fixture
    tmp_path: Path,
    sqlite_url: str,
) -> None:
    """A second Ctrl-C stops the crawl at once: the spider never closes, so the run is never
    finished. The summary says so (it said "not recorded", though the run and the batches
    stored before are in the database), and the run closes nothing."""
    sources = _sources(tmp_path / "sources.toml", mockserver.url, LISTED)
    assert run_cli(*_args(sqlite_url, sources, WEEKS[0]), cwd=tmp_path).returncode == 0
    proc = _stop_half_way(sqlite_url, sources, WEEKS[1], signal.SIGINT, signal.SIGINT)
    stdout, stderr = proc.stdout, proc.stderr
    assert proc.returncode == 4, stdout + stderr  # EXIT_PARTIAL
    printed = " ".join(stdout.split())
    assert "stopped" in printed and "what it stored stays, it closes nothing" in printed, printed
    assert "not recorded" not in printed
    # what it did is read from the crawler and the run's row, though its spider never closed
    # (the row said 0 postings and 0 pages): scraped and pages count what was fetched, stored
    # what the committed batches hold (the batch in memory is lost)
    row = _summary_row(stdout)
    scraped, stored, pages = int(row[2]), int(row[3]), int(row[5])  # row[4]: gone
    committed = _scalar(sqlite_url, "SELECT postings_seen FROM crawl_runs ORDER BY id DESC")
    assert stored == committed >= STOP_AT
    assert scraped >= stored and pages > scraped  # the sitemap, robots.txt and each posting
    assert _scalar(sqlite_url, "SELECT status FROM crawl_runs ORDER BY id DESC") == "running"
    assert _scalar(sqlite_url, "SELECT count(*) FROM postings WHERE status = 'open'") == LISTED
