"""End to end: the demo crawls a simulated market through the real pipeline, and the report's
numbers equal the simulator's ground truth.

Runs ``jobtrends demo`` in a subprocess (the crawl keeps one Twisted reactor per process):
simulator on localhost -> Greenhouse/Lever/JSON-LD spiders -> enrichment -> storage ->
reconcile -> trends -> report.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jobtrends.demo import DemoConfig
from jobtrends.simulator import GroundTruth, build_market, ground_truth
from jobtrends.simulator.vocab import CITIES

pytestmark = pytest.mark.slow

CONFIG = DemoConfig(weeks=6, seed=3, size="tiny", median_days=16)
# every spelling of a simulated city -> its canonical name, to read the enricher's city names
CITY_ALIASES = {spelling.casefold(): canonical for canonical, (_, names) in CITIES.items()
                for spelling in (canonical, *names.values())}
CITY_ALIASES.update({"antwerpen": "Antwerp", "gent": "Ghent", "münchen": "Munich"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo")
    cmd = [sys.executable, "-c", "from jobtrends.cli import main; main()", "demo",
           "--out", str(out), "--weeks", str(CONFIG.weeks), "--seed", str(CONFIG.seed),
           "--size", CONFIG.size, "--median-days", str(CONFIG.median_days)]
    # the environment's database is an operator's own: the demo leaves it alone
    not_used = out / "operator.db"
    env = {**os.environ, "JOBTRENDS_DATABASE_URL": f"sqlite:///{not_used}"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert not not_used.exists() and (out / "jobtrends.db").exists()
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))["report"]
    return {"out": out, "report": report, "stdout": proc.stdout}


@pytest.fixture(scope="module")
def truth() -> GroundTruth:
    return ground_truth(build_market(CONFIG.market_config()))


def test_weekly_flow_is_exact(demo: dict[str, Any], truth: GroundTruth) -> None:
    weeks = {w["week"]: (w["opened"], w["closed"]) for w in demo["report"]["weekly_flow"]["weeks"]}
    expected = {f"{y}-W{n:02d}": (truth.opened_by_week[(y, n)], truth.closed_by_week[(y, n)])
                for (y, n) in truth.iso_weeks()}
    assert weeks == expected
    assert sum(c for _, c in expected.values()) > 10  # the window saw roles close
    assert "weekly opened/closed equal to the simulator's ground truth in 6 of 6" in \
        " ".join(demo["stdout"].split())


def test_time_to_fill_median_within_a_crawl_interval(demo: dict[str, Any],
                                                     truth: GroundTruth) -> None:
    expected = truth.median_time_to_fill()
    got = demo["report"]["time_to_fill"]["median_days"]
    assert expected is not None and got is not None
    assert abs(got - expected) <= 7


def _window(report: dict[str, Any], truth: GroundTruth) -> list[Any]:
    start = datetime.fromisoformat(report["window_start"])
    end = datetime.fromisoformat(report["window_end"]) + timedelta(days=1)
    return truth.active(start, end - timedelta(microseconds=1))


@pytest.mark.parametrize(("section", "attribute"), [
    ("seniority", "seniority"), ("employment_type", "employment"),
    ("cities", "cities")])
def test_shares_within_five_points(demo: dict[str, Any], truth: GroundTruth, section: str,
                                   attribute: str) -> None:
    report = demo["report"]
    want = truth.shares(_window(report, truth), attribute)
    got: dict[str, float] = {}
    for row in report[section]["rows"]:
        label = row["label"]
        if attribute == "cities":
            label = CITY_ALIASES.get(label.casefold(), label)
        got[label] = got.get(label, 0.0) + row["share"]
    for label in set(want) | set(got):
        assert abs(got.get(label, 0.0) - want.get(label, 0.0)) <= 0.05, (label, got, want)


def test_the_demo_says_how_to_query_its_database(demo: dict[str, Any]) -> None:
    """The demo's database is in --out, not where `jobtrends` looks by default: its output
    names it with a command that works as printed."""
    out: Path = demo["out"]
    printed = " ".join(demo["stdout"].split())
    command = re.search(r"query it: (jobtrends --db (\S+) report --country BE)\)", printed)
    assert command, printed[-1000:]
    assert command.group(2) == f"sqlite:///{out / 'jobtrends.db'}"
    proc = subprocess.run(
        [sys.executable, "-c", "from jobtrends.cli import main; main()",
         *command.group(1).split()[1:], "--format", "json", "-o", str(out / "be.json")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert json.loads((out / "be.json").read_text(encoding="utf-8"))["report"]["weekly_flow"]


def test_report_files_and_imported_metadata(demo: dict[str, Any]) -> None:
    out: Path = demo["out"]
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("weekly-flow", "companies", "seniority", "employment-type", "time-to-fill",
                    "locations", "technologies", "countries", "key-learnings"):
        assert re.search(rf'<section id="{section}">.*?<svg', html, re.S) or \
            section == "key-learnings", section
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Hiring trends")
    companies = demo["report"]["companies"]
    assert companies and all(c["industry"] and c["founded_year"] for c in companies)
    assert demo["report"]["countries"]["rows"][0]["people"]  # talent pools were imported
