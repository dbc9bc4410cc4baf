"""Demo plumbing that needs no crawl: configuration, the crawl command, the truth file."""

from __future__ import annotations

import json
import sqlite3
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobtrends.cli import app
from jobtrends.demo import DemoConfig, crawl_command, write_truth
from jobtrends.simulator import build_market, ground_truth


def test_sizes_and_bad_size() -> None:
    small = DemoConfig(size="small").market_config()
    medium = DemoConfig(size="medium").market_config()
    assert small.postings < medium.postings and small.weeks == 12
    with pytest.raises(ValueError, match="unknown size 'huge'"):
        DemoConfig(size="huge").market_config()


def test_cli_rejects_bad_options(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--size", "huge"])
    assert result.exit_code == 2
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--weeks", "2"])
    assert result.exit_code == 2
    assert not (tmp_path / "jobtrends.db").exists()


def test_crawl_command_uses_the_observed_time(tmp_path: Path) -> None:
    cmd = crawl_command("sqlite:///x.db", tmp_path / "s.toml", datetime(2026, 1, 5, 9))
    assert cmd[cmd.index("--observed-at") + 1] == "2026-01-05T09:00:00"
    assert cmd[cmd.index("--db") + 1] == "sqlite:///x.db"
    assert "--allow-future" in cmd  # --weeks up to 52 from 2026-01-05 run past today


def test_generated_sources_file_is_accepted_by_the_crawler() -> None:
    from crawler.sources import parse_sources

    market = build_market(DemoConfig(size="tiny", weeks=4).market_config())
    text = market.sources_toml("http://127.0.0.1:8080")
    sources = parse_sources(text)
    assert [s.name for s in sources] == [s.name for s in market.sources]
    lever = next(t for t in tomllib.loads(text)["source"] if t["kind"] == "lever")
    assert lever["company_name"]  # Lever's API does not name the company


def test_truth_file(tmp_path: Path) -> None:
    market = build_market(DemoConfig(size="tiny", weeks=4).market_config())
    truth = ground_truth(market)
    data = json.loads(write_truth(tmp_path / "t.json", market, truth).read_text())
    assert [w["week"] for w in data["weekly"]] == ["2026-W02", "2026-W03", "2026-W04",
                                                  "2026-W05"]
    assert sum(w["opened"] for w in data["weekly"]) == sum(truth.opened_by_week.values())
    assert data["failing_week"] == market.failing_week


def _database_with_a_crawl(path: Path) -> str:
    from sqlalchemy.orm import Session

    from storage import ingest
    from storage.db import make_engine
    from storage.schema import upgrade

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=datetime(2026, 3, 2))
    engine.dispose()
    return url


@pytest.mark.parametrize("where", ["global", "own"])
def test_demo_fills_the_database_given_on_the_command_line_only_if_empty(
    tmp_path: Path, where: str
) -> None:
    """`jobtrends --db URL demo` and `jobtrends demo --db URL` both use URL, and refuse it when
    it already holds crawls (the simulated market would mix with them)."""
    url = _database_with_a_crawl(tmp_path / "kept.db")
    args = ["--db", url, "demo"] if where == "global" else ["demo", "--db", url]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--size", "tiny"])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "already holds 0 postings and 1 crawl runs" in message
    assert str(tmp_path / "kept.db") in "".join(message.split())  # folded at any width
    assert not (tmp_path / "out" / "jobtrends.db").exists()  # no fresh file was used instead
    with sqlite3.connect(tmp_path / "kept.db") as conn:
        assert conn.execute("SELECT count(*) FROM crawl_runs").fetchone() == (1,)


def test_demo_refuses_a_database_with_crawls_before_migrating_it(tmp_path: Path) -> None:
    """A database at an older schema that holds crawls is refused as it is: the demo's
    migrations never run on someone's data."""
    from storage.db import make_engine
    from storage.schema import current_revision, downgrade

    url = _database_with_a_crawl(tmp_path / "old.db")
    downgrade(url, "0004_window_id_order")
    result = CliRunner().invoke(app, ["demo", "--db", url, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    engine = make_engine(url)
    assert current_revision(engine) == "0004_window_id_order"
    engine.dispose()
