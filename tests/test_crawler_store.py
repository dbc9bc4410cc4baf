"""End to end: `jobtrends crawl` (a real process) → enrichment → SQLite/PostgreSQL → views.

Also: one failing source never aborts the others nor closes its postings, and two processes
sharing a Redis scheduler split one crawl.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from mockserver.harness import FAST, FAST_ARGS, mockserver, run_cli, table_rows  # noqa: F401 - fixture
from mockserver.server import MockServer
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from storage.ingest import finish_crawl_run, start_crawl_run, upsert_postings
from storage.records import PostingRecord


def _write(path: Path, *tables: str) -> Path:
    path.write_text("\n".join(tables), encoding="utf-8")
    return path


def _greenhouse(name: str, base: str, board: str) -> str:
    return (f'[[source]]\nname = "{name}"\nkind = "greenhouse"\nboard = "{board}"\n'
            f'base_url = "{base}"\ncountry = "BE"\n')


def _crawl(db: str, sources: Path, observed: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("--db", db, "crawl", "--sources", str(sources), "--observed-at", observed,
                   *FAST_ARGS, *extra, cwd=sources.parent)


def test_crawl_stores_postings_queryable_through_v_postings(
        mockserver: MockServer, tmp_path: Path, db_url: str) -> None:  # noqa: F811
    base = mockserver.url
    sources = _write(
        tmp_path / "sources.toml", _greenhouse("acme", base, "acme"),
        f'[[source]]\nname = "vandelay"\nkind = "jsonld"\n'
        f'sitemap_urls = ["{base}/site/sitemap-a.xml"]\nposting_url_pattern = "/jobs/"\n')
    proc = _crawl(db_url, sources, "2026-03-02T09:00:00Z")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    engine = create_engine(db_url.replace("postgresql+psycopg", "postgresql+psycopg"))
    with engine.connect() as conn:
        rows = {r.source_job_id: r for r in conn.execute(text(
            "SELECT * FROM v_postings WHERE source = 'acme'"))}
        job = rows["4012345"]
        assert job.title == "Machine Learning Engineer"
        assert job.company == "Acme Analytics"
        assert job.url == "https://boards.greenhouse.io/acme/jobs/4012345"
        assert "PyTorch" in job.description and job.country == "BE"
        assert str(job.date_posted).startswith("2026-01-12 14:15")
        # enrichment filled what the source did not say
        assert job.language == "en" and job.role_family is not None
        assert job.enrichment_version is not None and job.status == "open"
        assert job.left_censored == 1  # live at the source's first crawl
        skills = {r[0] for r in conn.execute(text(
            "SELECT s.name FROM posting_skills ps JOIN skills s ON s.id = ps.skill_id "
            "JOIN postings p ON p.id = ps.posting_id WHERE p.source_job_id = '4012345'"))}
        assert {"Python", "PyTorch"} <= skills
        runs = conn.execute(text(
            "SELECT s.name, r.status, r.finish_reason, r.pages_fetched, r.pages_failed, "
            "r.postings_seen FROM crawl_runs r JOIN sources s ON s.id = r.source_id "
            "ORDER BY s.name")).all()
        assert [(r.name, r.status, r.finish_reason) for r in runs] == [
            ("acme", "complete", "finished"), ("vandelay", "complete", "finished")]
        assert runs[0].postings_seen == 2 and runs[0].pages_fetched >= 1
        # the ATS board is the employer's own listing; the schema.org site is taken for a board
        first_party = conn.execute(text(
            "SELECT DISTINCT source, first_party FROM v_postings ORDER BY source"))
        assert [tuple(row) for row in first_party] == [("acme", 1), ("vandelay", 0)]
        signals = {(r.source_job_id.rsplit("/", 1)[-1], r.reason) for r in conn.execute(text(
            "SELECT source_job_id, reason FROM close_signals"))}
        assert signals == {("gone-404.html", "http_gone"), ("closed.html", "not_accepting")}
        cp1252 = conn.execute(text("SELECT title, cities FROM v_postings WHERE "
                                   "source_job_id LIKE '%102-cp1252.html'")).one()
        assert cp1252.title == "Ingénieur données – Machine Learning"
        assert cp1252.cities == "Liège"
    engine.dispose()


def test_failing_source_never_aborts_others_nor_closes_postings(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str) -> None:  # noqa: F811
    base = mockserver.url
    first = _write(tmp_path / "first.toml", _greenhouse("good", base, "acme"),
                   _greenhouse("flaky", base, "acme"), _greenhouse("shrinking", base, "acme"))
    # enrichment plays no part here: --no-enrich keeps the test fast
    assert _crawl(sqlite_url, first, "2026-03-02T09:00:00", "--k", "1", "--no-enrich"
                  ).returncode == 0
    # next week: "flaky" answers 500 forever; "shrinking" lists one of its two postings
    second = _write(tmp_path / "second.toml", _greenhouse("good", base, "acme"),
                    _greenhouse("flaky", f"{base}/fail500", "acme"),
                    _greenhouse("shrinking", base, "acme-one"))
    proc = _crawl(sqlite_url, second, "2026-03-09T09:00:00", "--k", "1", "--no-enrich")
    assert proc.returncode == 4, proc.stdout + proc.stderr  # EXIT_PARTIAL
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        runs = {r.name: r for r in conn.execute(text(
            "SELECT s.name, r.status, r.finish_reason, r.pages_failed FROM crawl_runs r "
            "JOIN sources s ON s.id = r.source_id WHERE r.observed_at > '2026-03-05'"))}
        assert runs["good"].status == "complete"
        assert runs["flaky"].status == "incomplete"
        assert runs["flaky"].finish_reason == "listing_failed" and runs["flaky"].pages_failed == 1
        status = {(r.source, r.source_job_id): r.status for r in conn.execute(text(
            "SELECT source, source_job_id, status FROM v_postings"))}
        # the broken crawl closed nothing, even with k=1 ...
        assert status[("flaky", "4012345")] == status[("flaky", "4012399")] == "open"
        assert status[("good", "4012399")] == "open"
        # ... while a complete crawl missing a posting does close it with k=1
        assert status[("shrinking", "4012399")] == "closed"
        assert status[("shrinking", "4012345")] == "open"
    engine.dispose()


def test_crawl_first_reconciles_a_run_an_earlier_crawl_left_unreconciled(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str) -> None:  # noqa: F811
    """A crawl process stopped between finishing its run and reconciling it must not cost the
    lifecycle its events: the next crawl reconciles that run before its own sightings land."""
    sources = _write(tmp_path / "sources.toml",
                     _greenhouse("shrinking", mockserver.url, "acme"))
    assert _crawl(sqlite_url, sources, "2026-03-02T09:00:00", "--k", "1", "--no-enrich"
                  ).returncode == 0
    # week 2: a complete crawl saw one of the two postings, and its process stopped before
    # reconcile (the run is finished, not reconciled)
    engine = create_engine(sqlite_url)
    with Session(engine) as session, session.begin():
        run_id = start_crawl_run(session, "shrinking", kind="greenhouse",
                                 observed_at=datetime(2026, 3, 9, 9), country="BE")
        upsert_postings(session, run_id, [PostingRecord("4012345", "Machine Learning Engineer")])
        finish_crawl_run(session, run_id, finish_reason="finished", pages_fetched=1,
                         pages_failed=0)
    # week 3 lists both again
    proc = _crawl(sqlite_url, sources, "2026-03-16T09:00:00", "--k", "1", "--no-enrich")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "reconciled 1 earlier crawl run(s) first: 1 posting(s) closed" in proc.stdout
    with engine.connect() as conn:
        events = conn.execute(text(
            "SELECT e.kind, e.at FROM posting_events e JOIN postings p ON p.id = e.posting_id "
            "WHERE p.source_job_id = '4012399' ORDER BY e.at")).all()
        status = conn.execute(text(
            "SELECT status FROM postings WHERE source_job_id = '4012399'")).scalar_one()
    engine.dispose()
    # missed by the week-2 crawl (k = 1): closed then, reopened when week 3 saw it again
    assert [(kind, str(at)[:10]) for kind, at in events] == [
        ("closed", "2026-03-09"), ("reopened", "2026-03-16")]
    assert status == "open"


def test_config_error_exits_2_naming_the_line(tmp_path: Path, sqlite_url: str) -> None:
    sources = _write(tmp_path / "bad.toml", '[[source]]\nname = "x"\nkind = "greenhouse"\n'
                     'bord = "acme"\n')
    proc = run_cli("--db", sqlite_url, "crawl", "--sources", str(sources), cwd=tmp_path,
                   env={"COLUMNS": "300"})
    assert proc.returncode == 2
    assert "bad.toml:4" in proc.stderr and "'bord'" in proc.stderr and "'board'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.redis
def test_two_processes_split_one_crawl_through_redis(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str, redis_url: str  # noqa: F811
) -> None:
    import redis

    n = 240
    name = f"shared-{uuid.uuid4().hex[:12]}"
    sources = _write(tmp_path / "sources.toml",
                     f'[[source]]\nname = "{name}"\nkind = "jsonld"\n'
                     f'sitemap_urls = ["{mockserver.url}/gen/jsonld/sitemap.xml?n={n}"]\n'
                     'posting_url_pattern = "/job/"\n')
    client = redis.Redis.from_url(redis_url)
    args = ["--db", sqlite_url, "crawl", "--sources", str(sources), "--observed-at",
            "2026-03-02T09:00:00", "--redis-url", redis_url, "--no-enrich",
            "--set", "DOWNLOAD_DELAY=0.02", "--set", "AUTOTHROTTLE_ENABLED=false",
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    from mockserver.harness import JOBTRENDS, _env

    procs = [subprocess.Popen([str(JOBTRENDS), *args], cwd=tmp_path,
                              env=_env({"COLUMNS": "250"}),  # the summary table unwrapped
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    seen_keys: set[str] = set()
    while any(p.poll() is None for p in procs):
        seen_keys.update(k.decode() for k in client.scan_iter(f"jobtrends:{name}:*"))
        time.sleep(0.05)
    outputs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    # each summary counts the postings its process scraped; the process that recorded the run
    # also says what the whole run stored, the other that it handed the run over
    rows = [row for out, _ in outputs for row in table_rows(out, name)]
    assert sum(int(row[2]) for row in rows) == n, outputs
    assert sorted(row[3] for row in rows) == sorted([str(n), "-"]), outputs
    assert sum("shared run: recorded by the last process" in out for out, _ in outputs) == 1
    # the scheduler queue and the dupefilter lived in Redis
    assert f"jobtrends:{name}:requests" in seen_keys
    assert f"jobtrends:{name}:dupefilter" in seen_keys
    job_hits = {path: count for path, count in mockserver.state.hits.items()
                if path.startswith("/gen/jsonld/job/")}
    # every posting page fetched exactly once between the two processes
    assert len(job_hits) == n and set(job_hits.values()) == {1}
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM postings")).scalar_one() == n
        runs = conn.execute(text("SELECT status, pages_fetched FROM crawl_runs")).all()
        assert len(runs) == 1 and runs[0].status == "complete"  # one shared run
        assert runs[0].pages_fetched >= n
    engine.dispose()


def test_scrapy_crawl_and_scrapy_list_work_as_scrapy_users_expect(
        mockserver: MockServer, tmp_path: Path) -> None:  # noqa: F811
    from mockserver.harness import ROOT, _env

    sources = _write(tmp_path / "sources.toml", _greenhouse("acme", mockserver.url, "acme"))
    scrapy = str(Path(__import__("sys").executable).parent / "scrapy")
    listed = subprocess.run([scrapy, "list"], cwd=ROOT, capture_output=True, text=True,
                            env=_env(), timeout=60)
    assert listed.stdout.split() == ["ashby", "greenhouse", "jsonld", "lever", "personio",
                                     "recruitee", "smartrecruiters", "teamtailor", "workable"]
    db = tmp_path / "scrapy.db"
    proc = subprocess.run(
        [scrapy, "crawl", "greenhouse", "-a", "source=acme", "-a", f"sources_file={sources}",
         "-s", "JOBTRENDS_ENRICH=false", "-s", "LOG_LEVEL=INFO", *(
             arg for setting in FAST for arg in ("-s", setting))],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=_env({"JOBTRENDS_DATABASE_URL": f"sqlite:///{db}"}))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "'item_scraped_count': 2" in proc.stderr
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        run = conn.execute(text("SELECT finish_reason, pages_fetched FROM crawl_runs")).one()
        assert run.finish_reason == "finished" and run.pages_fetched == 2
        assert conn.execute(text("SELECT count(*) FROM postings")).scalar_one() == 2
    engine.dispose()


def test_opening_the_pipeline_leaves_what_is_loaded_out_of_garbage_collection(
    tmp_path: Path, freeze_calls: list[int]
) -> None:
    """What the crawl process holds when a spider opens lives to the end: it is frozen out of
    the cyclic collector (whose full collections walked it again and again as requests came
    and went: bench_crawl without enrichment, 10,000 postings, about 300 -> 434 postings/s)."""
    import gc
    from types import SimpleNamespace

    from scrapy.exceptions import NotConfigured
    from scrapy.settings import Settings

    import crawler.settings as crawl_settings
    from crawler.pipelines import StoragePipeline

    settings = Settings()
    settings.setmodule(crawl_settings)
    settings.set("JOBTRENDS_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    held: list[list[int]] = [[]]  # a container the collector tracks, alive as the spider opens
    crawler: Any = SimpleNamespace(settings=settings, spider=SimpleNamespace())  # no source
    with pytest.raises(NotConfigured):  # a spider without a source: nothing else happens
        StoragePipeline(crawler).open_spider()
    assert freeze_calls == [1]
    assert not any(obj is held for obj in gc.get_objects())
