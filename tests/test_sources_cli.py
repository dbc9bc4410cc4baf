"""`jobtrends sources list|check [--online]` against the mock server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from mockserver.harness import FAST_ARGS, mockserver, run_cli  # noqa: F401 - fixture
from mockserver.server import MockServer


def test_list_and_check_online(mockserver: MockServer, tmp_path: Path) -> None:  # noqa: F811
    base = mockserver.url
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "acme"\nkind = "greenhouse"\nboard = "acme"\nbase_url = "{base}"\n'
        f'\n[[source]]\nname = "globex"\nkind = "lever"\nsite = "globex"\nbase_url = "{base}"\n'
        'revisit_missing = 3\n'
        f'\n[[source]]\nname = "wayne"\nkind = "personio"\ncompany = "wayne"\n'
        f'base_url = "{base}/personio/wayne"\n'
        f'\n[[source]]\nname = "ghost"\nkind = "greenhouse"\nboard = "nope"\nbase_url = "{base}"\n'
        f'\n[[source]]\nname = "off"\nkind = "ashby"\nboard = "x"\nenabled = false\n'
        f'\n[[source]]\nname = "jobs-be"\nkind = "jsonld"\n'
        f'sitemap_urls = ["{base}/site/sitemap-a.xml"]\n',
        encoding="utf-8")
    listed = run_cli("sources", "list", "--sources", str(sources), cwd=tmp_path,
                     env={"COLUMNS": "200"})
    assert listed.returncode == 0
    rows = {cells[0]: cells[1:] for line in listed.stdout.splitlines()
            if len(cells := [c.strip() for c in line.split("│")[1:-1]]) == 8}
    # name: kind, key, country, enabled, first-party, revisits, origin
    assert rows["acme"][:6] == ["greenhouse", "board=acme", "", "yes", "yes", "up to 200"]
    assert rows["off"][3:6] == ["no", "yes", "no"]  # ashby: no page per posting to revisit
    assert rows["globex"][5] == "up to 3"
    assert rows["jobs-be"][:6] == [
        "jsonld", f"1 URL(s): {base}/site/sitemap-a.xml", "", "yes", "no", "up to 200"]

    offline = run_cli("sources", "check", "--sources", str(sources), cwd=tmp_path,
                      env={"COLUMNS": "200"})
    assert offline.returncode == 0 and "6 source(s) valid (5 enabled)" in offline.stdout

    online = run_cli("sources", "check", "--online", "--sources", str(sources), cwd=tmp_path,
                     env={"COLUMNS": "200"})
    assert online.returncode == 1, online.stdout + online.stderr
    assert "acme (greenhouse): 2 posting(s) on the first page" in online.stdout
    assert "globex (lever): 5 posting(s) on the first page" in online.stdout
    assert "wayne (personio): 2 posting(s) on the first page" in online.stdout
    assert "ghost (greenhouse): HTTP 404" in online.stdout
    assert "off" not in online.stdout
    assert "1 source(s) did not answer as expected" in online.stderr


def test_check_reports_config_errors_with_exit_2(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "a"\nkind = "lever"\n', encoding="utf-8")
    proc = run_cli("sources", "check", "--sources", str(sources), cwd=tmp_path)
    assert proc.returncode == 2
    assert "sources.toml:3: source 'a': missing key 'site'" in proc.stderr.replace("\n", "")


def one_source(tmp_path: Path, name: str, base_url: str) -> tuple[str, Path]:
    """A migrated SQLite database URL, and a sources file of one Greenhouse source ``name``
    at ``base_url``."""
    from storage import schema

    url = f"sqlite:///{tmp_path / 'jobtrends.db'}"
    schema.upgrade(url)
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[source]]\nname = "{name}"\nkind = "greenhouse"\nboard = "acme"\n'
                       f'base_url = "{base_url}"\n', encoding="utf-8")
    return url, sources


def test_crawl_refuses_an_older_observation_before_fetching(mockserver: MockServer,  # noqa: F811
                                                            tmp_path: Path) -> None:
    from datetime import datetime

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from storage.db import make_engine
    from storage.ingest import start_crawl_run
    from storage.models import CrawlRun

    url, sources = one_source(tmp_path, "acme-order", f"{mockserver.url}/fail500/order-check")
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        start_crawl_run(session, "acme-order", kind="greenhouse",
                        observed_at=datetime(2026, 3, 2, 9))

    result = run_cli("--db", url, "crawl", "--sources", str(sources),
                     "--observed-at", "2026-02-23T09:00:00Z", cwd=tmp_path,
                     env={"COLUMNS": "200"})

    assert result.returncode == 2, result.stdout + result.stderr
    assert "source 'acme-order'" in result.stderr and "2026-03-02 09:00:00" in result.stderr
    # refused before any request (the mock server counts every hit under /fail500/), and
    # nothing recorded
    assert not [k for k in mockserver.state.hits if "order-check" in k]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CrawlRun)) == 1
    engine.dispose()


def test_crawl_refuses_an_observation_in_the_future_unless_allowed(
        mockserver: MockServer, tmp_path: Path) -> None:  # noqa: F811
    """A mistyped year (2062 for 2026) stored as an observation time would make every real
    crawl after it look older, and be refused: such a time is refused before any request.
    A day's slack covers a local time given without its zone; --allow-future (the demo's
    simulated weeks) accepts it."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import create_engine, text

    url, sources = one_source(tmp_path, "acme-future", mockserver.url)
    now = datetime.now(UTC).replace(tzinfo=None)

    def crawl(at: datetime, *extra: str) -> subprocess.CompletedProcess[str]:
        return run_cli("--db", url, "crawl", "--sources", str(sources), "--no-enrich", *FAST_ARGS,
                       "--observed-at", at.isoformat(timespec="minutes"), *extra,
                       cwd=tmp_path, env={"COLUMNS": "200"})

    def runs() -> int:
        engine = create_engine(url)
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM crawl_runs")).scalar_one()
        engine.dispose()
        return int(count)

    within = crawl(now + timedelta(hours=12))
    assert within.returncode == 0, within.stdout + within.stderr
    hits = sum(mockserver.state.hits.values())
    refused = crawl(now + timedelta(days=3))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    message = " ".join(refused.stderr.split())
    assert "is in the future" in message and "--allow-future" in message
    assert sum(mockserver.state.hits.values()) == hits and runs() == 1
    allowed = crawl(now + timedelta(days=3), "--allow-future")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert runs() == 2


@pytest.mark.parametrize(("setting", "message"), [
    ("FOO", "--set 'FOO': expected KEY=VALUE"),
    ("JOBTRENDS_STORE_BATCH=abc", "JOBTRENDS_STORE_BATCH is a number (default 1000)"),
    ("DOWNLOAD_DELAY=2s", "DOWNLOAD_DELAY is a number"),
    ("ROBOTSTXT_OBEY=maybe", "ROBOTSTXT_OBEY is true or false (1 or 0)"),
])
def test_a_setting_value_its_setting_cannot_take_exits_2_before_crawling(
        tmp_path: Path, setting: str, message: str) -> None:
    """Checked against the setting's default (the project's, else Scrapy's): the value that
    failed every source's crawl with a traceback is refused up front."""
    from typer.testing import CliRunner

    from jobtrends.cli import app

    url, sources = one_source(tmp_path, "acme-set", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["--db", url, "crawl", "--sources", str(sources),
                                      "--set", setting])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_a_crawl_that_fails_before_it_starts_is_reported_cleanly(
        mockserver: MockServer, tmp_path: Path) -> None:  # noqa: F811
    """A value that passes the check but that Scrapy refuses while building the crawl (an
    integer setting given 1.5): the source is reported failed (exit 4), without the asyncio
    "Task exception was never retrieved" its missing pipeline raised at the end."""
    url, sources = one_source(tmp_path, "acme-early", mockserver.url)
    result = run_cli("--db", url, "crawl", "--sources", str(sources), "--no-enrich",
                     "--set", "JOBTRENDS_STORE_BATCH=1.5", cwd=tmp_path,
                     env={"COLUMNS": "200"})
    assert result.returncode == 4, result.stdout + result.stderr
    assert "✗ acme-early: 0 postings scraped (ValueError" in result.stdout
    assert "never retrieved" not in result.stderr and "get_item_pipeline" not in result.stderr


def test_an_unreachable_source_is_logged_in_lines_not_tracebacks(tmp_path: Path) -> None:
    """Scrapy's robots.txt middleware logged each failed robots.txt download with its chained
    traceback (about 75 lines; an offline crawl of 14 sources wrote 1,000 lines to stderr):
    the lines that name the error stay, the tracebacks go."""
    url, sources = one_source(tmp_path, "acme-refused", "http://127.0.0.1:9")
    result = run_cli("--db", url, "crawl", "--sources", str(sources), "--no-enrich", *FAST_ARGS,
                     cwd=tmp_path, env={"COLUMNS": "200"})
    assert result.returncode == 4, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "[scrapy.downloadermiddlewares.robotstxt] ERROR: Error downloading" in result.stderr
    assert "source acme-refused: listing http://127.0.0.1:9/" in result.stderr
    assert "Connection refused" in result.stderr


def test_only_network_errors_lose_their_traceback() -> None:
    import logging
    import sys

    from crawler.spiders.base import NetworkErrorsOnOneLine

    def record(error: BaseException) -> logging.LogRecord:
        try:
            raise error
        except BaseException:  # noqa: BLE001 - any, to capture its exc_info
            info = sys.exc_info()
        return logging.LogRecord("scrapy", logging.ERROR, __file__, 1, "msg", None, info)

    network, bug = record(ConnectionRefusedError("refused")), record(KeyError("bug"))
    assert NetworkErrorsOnOneLine().filter(network) and network.exc_info is None
    assert NetworkErrorsOnOneLine().filter(bug) and bug.exc_info is not None


def test_crawl_refuses_a_retired_source_before_fetching(mockserver: MockServer,  # noqa: F811
                                                       tmp_path: Path) -> None:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from storage.db import make_engine
    from storage.ingest import start_crawl_run
    from storage.retire import retire_source

    url, sources = one_source(tmp_path, "acme-gone", f"{mockserver.url}/fail500/retired-check")
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        start_crawl_run(session, "acme-gone", kind="greenhouse",
                        observed_at=datetime(2026, 3, 2, 9))
        retire_source(session, "acme-gone", at=datetime(2026, 3, 20, 9))
    engine.dispose()

    result = run_cli("--db", url, "crawl", "--sources", str(sources), cwd=tmp_path,
                     env={"COLUMNS": "200"})

    assert result.returncode == 2, result.stdout + result.stderr
    assert "source 'acme-gone' was retired on 2026-03-20 09:00 UTC" in result.stderr
    assert "jobtrends sources retire acme-gone --undo" in result.stderr
    assert not [k for k in mockserver.state.hits if "retired-check" in k]


def test_paths_and_errors_are_printed_literally(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Square brackets in a path (or any name or scraped text in a message) are not Rich
    markup: `[red]x` printed as markup would lose its brackets."""
    from typer.testing import CliRunner

    from jobtrends.cli import app

    monkeypatch.chdir(tmp_path)
    sources = tmp_path / "[red]sources.toml"
    sources.write_text('[[source]]\nname = "acme"\nkind = "greenhouse"\nboard = "acme"\n',
                       encoding="utf-8")
    runner = CliRunner()
    checked = runner.invoke(app, ["sources", "check", "--sources", sources.name])
    assert checked.exit_code == 0 and "[red]sources.toml: 1 source(s) valid" in checked.output
    listed = runner.invoke(app, ["sources", "list", "--sources", sources.name],
                           env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "[red]sources.toml" in listed.output
    missing = runner.invoke(app, ["crawl", "--sources", "[bold]gone.toml"])
    assert missing.exit_code == 2
    assert "error: [bold]gone.toml: file not found" in " ".join(missing.output.split())
