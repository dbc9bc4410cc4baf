"""`jobtrends report`: formats, defaults and clear errors for unknown filter values."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import read_only_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobtrends.cli import app
from jobtrends.simulator import MarketConfig, build_market
from jobtrends.simulator.replay import replay
from storage.db import make_engine
from storage.schema import upgrade
from storage.trends import TrendFilter, weekly_flow

MARKET = build_market(MarketConfig(seed=2, postings=250, weeks=5, companies=8))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'jobtrends.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        replay(session, MARKET)
    engine.dispose()
    return url


def test_default_is_html_in_current_directory(db: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["--db", db, "report"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="weekly-flow"' in html


@pytest.mark.parametrize("fmt", ["md", "json"])
def test_formats_and_filters(db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    result = CliRunner().invoke(app, ["--db", db, "report", "--country", "be", "--role",
                                      "data-engineer", "--weeks", "4", "--format", fmt,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        report = json.loads(text)["report"]
        assert report["filter"] == {"country": "BE", "role_family": "data-engineer",
                                    "company": None}
        assert len(report["weekly_flow"]["weeks"]) == 4
    else:
        assert "# Hiring trends: data-engineer in BE" in text


def test_output_dash_writes_the_report_to_stdout(db: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """``-o -`` pipes the report (as enrich-file's ``-`` does), the same one a file gets, with
    nothing else on stdout and no file named ``-`` left behind."""
    monkeypatch.chdir(tmp_path)
    args = ["--db", db, "report", "--country", "be", "-f", "json", "--until", "2026-01-25"]
    piped = CliRunner().invoke(app, [*args, "-o", "-"])
    assert piped.exit_code == 0, piped.output
    assert CliRunner().invoke(app, [*args, "-o", "r.json"]).exit_code == 0
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    got = json.loads(piped.stdout)
    for report in (got, written):
        del report["report"]["generated_at"]
    assert got == written
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "ml-enginer"], "unknown role family 'ml-enginer' (did you mean 'ml-engineer'?)"),
    (["--country", "Belgium"], "country 'Belgium' is not an ISO 3166-1 alpha-2 code"),
    (["--country", "JP"], "unknown country 'JP'"),
    (["--company", "Nobody Inc"], "unknown company 'Nobody Inc'"),
])
def test_unknown_filter_values_exit_2(db: str, tmp_path: Path, args: list[str],
                                      message: str) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["--db", db, "report", *args, "-o", str(out)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not out.exists()


def test_until_renders_the_report_as_it_read_then(db: str, tmp_path: Path) -> None:
    """--until ends the window on an earlier day: the same numbers as the trend functions give
    for that day, and the later weeks left out."""
    out = tmp_path / "then.json"
    result = CliRunner().invoke(app, ["--db", db, "report", "--until", "2026-01-25",
                                      "--weeks", "3", "-f", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    weeks = json.loads(out.read_text(encoding="utf-8"))["report"]["weekly_flow"]["weeks"]
    engine = make_engine(db)
    with Session(engine) as session:
        flow = weekly_flow(session, TrendFilter(until=date(2026, 1, 25)), weeks=3)
    engine.dispose()
    assert [w["week"] for w in weeks] == ["2026-W02", "2026-W03", "2026-W04"]
    assert [(w["opened"], w["closed"]) for w in weeks] == [(w.opened, w.closed) for w in flow.weeks]
    latest = CliRunner().invoke(app, ["--db", db, "report", "--weeks", "3", "-f", "json",
                                      "-o", str(tmp_path / "now.json")])
    assert latest.exit_code == 0, latest.output
    now = json.loads((tmp_path / "now.json").read_text(encoding="utf-8"))["report"]
    assert now["weekly_flow"]["weeks"][-1]["week"] > "2026-W04"
    bad = CliRunner().invoke(app, ["--db", db, "report", "--until", "25/01/2026"])
    assert bad.exit_code == 2 and "--until" in bad.output


def test_bad_format_is_a_usage_error(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "report", "--format", "pdf"])
    assert result.exit_code == 2


def test_one_company(db: str, tmp_path: Path) -> None:
    company = MARKET.companies[0]
    out = tmp_path / "c.json"
    # matched on the normalized name: case and legal form do not matter
    name = company.name.split()[0].upper()
    result = CliRunner().invoke(app, ["--db", db, "report", "--company", name, "-f", "json",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))["report"]
    assert [c["name"] for c in report["companies"]] == [company.name]
    assert report["title"].endswith(f"at {name}")


@pytest.mark.postgres
def test_report_runs_on_a_read_only_postgresql_replica(pg_url: str, tmp_path: Path) -> None:
    """A hot-standby replica (here: every transaction read-only) cannot create the temporary
    role table: the report reads the roles through a CTE instead and gives the same numbers,
    while a command that writes is refused with what to do, not a bare SQL error."""
    engine = make_engine(pg_url)
    upgrade(engine)
    with Session(engine) as session:
        replay(session, MARKET)
    engine.dispose()
    reports = {}
    for name, url in (("primary", pg_url), ("replica", read_only_url(pg_url))):
        out = tmp_path / f"{name}.json"
        result = CliRunner().invoke(app, ["--db", url, "report", "-f", "json", "-o", str(out)])
        assert result.exit_code == 0, result.output
        reports[name] = json.loads(out.read_text(encoding="utf-8"))["report"]
        del reports[name]["generated_at"]
    assert reports["replica"]["weekly_flow"]["weeks"]
    assert reports["replica"] == reports["primary"]
    pools = tmp_path / "talent.csv"
    pools.write_text("country,role_family,people\nBE,ml-engineer,1200\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["--db", read_only_url(pg_url), "import", "talent-pool", str(pools)]
    )
    assert result.exit_code == 3, result.output
    message = " ".join(result.output.split())
    assert "read-only transaction" in message and "connect to the primary" in message
