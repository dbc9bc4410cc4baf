"""The offline demo: a simulated market on localhost, crawled weekly by the real pipeline.

For each simulated week the market server is moved to that week and a fresh process runs the
real crawl (spiders -> enrichment -> storage -> reconcile) with ``--observed-at`` set to the
week's crawl time: Twisted's reactor cannot restart, so one process per crawl. Then company
metadata and talent pools are imported and the report is written in every format, beside the
simulator's ground truth.

By default every week is crawled in this one process (one reactor, one warm enricher), which
is why the demo runs once per process; ``process_per_week`` runs ``jobtrends crawl`` once per
week instead, as cron would.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from jobtrends.imports import import_companies, import_talent_pools
from jobtrends.report import build_report, render
from jobtrends.report.data import ReportData
from jobtrends.simulator import GroundTruth, Market, MarketConfig, MarketServer, build_market
from jobtrends.simulator import ground_truth as compute_truth
from storage.db import make_engine, shown_url
from storage.models import CrawlRun, Posting, Source
from storage.schema import current_revision, upgrade
from storage.trends import TrendFilter

SIZES: dict[str, dict[str, int]] = {
    "tiny": {"companies": 10, "postings": 260},
    "small": {"companies": 30, "postings": 900},
    "medium": {"companies": 48, "postings": 3000},
}
CRAWL_TIMEOUT = 240  # seconds for one week's crawl of every source
DATABASE_FILE = "jobtrends.db"  # the demo's own SQLite database, in its --out directory


class DemoError(RuntimeError):
    """The demo could not complete (a crawl process failed); the message says where."""


@dataclass(frozen=True)
class DemoConfig:
    out: Path = Path("reports")
    weeks: int = 12
    seed: int = 7
    size: str = "small"
    db_url: str | None = None  # default: a fresh SQLite file in ``out``
    median_days: float = 40.0
    lead_in_days: int = 70
    # one `jobtrends crawl` process per week (as an operator runs it) instead of one reactor
    # for all weeks: faithful to cron, but pays the start-up and enricher warm-up every week
    process_per_week: bool = False

    def market_config(self) -> MarketConfig:
        if self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r}; use one of {', '.join(SIZES)}")
        size = SIZES[self.size]
        return MarketConfig(seed=self.seed, weeks=self.weeks, median_days=self.median_days,
                            lead_in_days=self.lead_in_days, companies=size["companies"],
                            postings=size["postings"])


@dataclass
class WeekResult:
    week: int
    observed_at: datetime
    seconds: float
    sources: int
    incomplete: list[str]
    items: int


@dataclass
class DemoResult:
    db_url: str
    files: dict[str, Path]
    weeks: list[WeekResult] = field(default_factory=list)
    seconds: float = 0.0
    report: ReportData | None = None
    truth: GroundTruth | None = None


Progress = Callable[[str, dict[str, Any]], None]


def _quiet(_event: str, _info: dict[str, Any]) -> None:
    pass


def _write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def crawl_command(db_url: str, sources: Path, observed_at: datetime) -> list[str]:
    """``jobtrends crawl`` of every source in ``sources``, observed at ``observed_at``."""
    return [sys.executable, "-c", "from jobtrends.cli import main; main()", "--db", db_url,
            "crawl", "--sources", str(sources), "--observed-at", observed_at.isoformat(),
            "--allow-future",  # a simulated market's weeks may run past today
            # the simulated market answers for the week replayed: revisits see that week too
            "--set", "JOBTRENDS_REVISIT_REPLAYS=true"]


def _crawl_week(db_url: str, sources: Path, observed_at: datetime, log: Path) -> None:
    cmd = crawl_command(db_url, sources, observed_at)
    env = dict(os.environ, COLUMNS="160")
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {' '.join(cmd)}\n")
        handle.flush()
        proc = subprocess.run(cmd, stdout=handle, stderr=handle, text=True,
                              timeout=CRAWL_TIMEOUT, env=env, check=False)
    # exit 4 means "done, some sources incomplete": expected in the failing source's week
    if proc.returncode not in (0, 4):
        raise DemoError(f"crawl observed at {observed_at.isoformat()} exited with "
                        f"{proc.returncode}; see {log}")


def _require_empty(engine: Engine, db_url: str) -> None:
    """Refuse a database that already holds crawls: the demo's simulated postings would mix
    with them (and its replayed weeks are older than what is stored)."""
    with engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(CrawlRun)).scalar_one()
        postings = conn.execute(select(func.count()).select_from(Posting)).scalar_one()
    if runs or postings:
        raise ValueError(
            f"database {shown_url(db_url)} already holds {postings} postings and {runs} crawl "
            "runs: the demo fills an empty database (leave out --db for a fresh SQLite file in "
            "--out)"
        )


def run_demo(config: DemoConfig, progress: Progress = _quiet) -> DemoResult:
    """Simulate, crawl every week, import metadata and write the reports into ``config.out``."""
    started = time.perf_counter()
    out = config.out
    out.mkdir(parents=True, exist_ok=True)
    market = build_market(config.market_config())
    db_url = config.db_url
    if db_url is None:
        db_file = out / DATABASE_FILE
        for stale in (db_file, out / f"{DATABASE_FILE}-wal", out / f"{DATABASE_FILE}-shm"):
            stale.unlink(missing_ok=True)  # a fresh database: the demo replays from week 0
        db_url = f"sqlite:///{db_file.resolve()}"
    engine = make_engine(db_url)
    if config.db_url is not None and current_revision(engine) is not None:
        _require_empty(engine, db_url)  # before any migration touches someone's database
    upgrade(engine)
    progress("market", {"companies": len(market.companies), "sources": len(market.sources),
                        "roles": len(market.roles), "weeks": market.weeks})
    result = DemoResult(db_url=db_url, files={})
    log = out / "crawl.log"
    log.write_text("", encoding="utf-8")
    with MarketServer(market) as server:
        sources = out / "sources.toml"
        sources.write_text(market.sources_toml(server.base_url), encoding="utf-8")
        result.files["sources"] = sources

        def week_done(week: int, seconds: float) -> None:
            observed_at = market.crawl_time(week)
            crawled, incomplete, seen = week_summary(db_url, observed_at)
            week_result = WeekResult(week, observed_at, seconds, crawled, incomplete, seen)
            result.weeks.append(week_result)
            progress("week", {"result": week_result, "requests": server.requests})

        if config.process_per_week:
            for week in range(market.weeks):
                server.set_week(week)
                t0 = time.perf_counter()
                _crawl_week(db_url, sources, market.crawl_time(week), log)
                week_done(week, time.perf_counter() - t0)
        else:
            crawl_weeks_in_process(market, server, db_url, sources, week_done, log)
    with Session(engine) as session:
        companies_csv = _write_csv(out / "companies.csv", market.company_rows())
        pools_csv = _write_csv(out / "talent_pools.csv", market.talent_pool_rows())
        import_companies(session, companies_csv)
        import_talent_pools(session, pools_csv)
        progress("imported", {"companies": len(market.companies)})
        report = build_report(session, TrendFilter(), weeks=min(market.weeks, 12))
    for fmt in ("html", "md", "json"):
        path = out / f"report.{fmt}"
        path.write_text(render(report, fmt), encoding="utf-8")
        result.files[fmt] = path
    truth = compute_truth(market)
    result.files["truth"] = write_truth(out / "ground_truth.json", market, truth)
    engine.dispose()
    result.report, result.truth = report, truth
    result.seconds = time.perf_counter() - started
    progress("done", {"result": result})
    return result


def write_truth(path: Path, market: Market, truth: GroundTruth) -> Path:
    """The numbers the report should show, as the simulator knows them."""
    data = {
        "weekly": [
            {"week": f"{y}-W{w:02d}", "opened": truth.opened_by_week[(y, w)],
             "closed": truth.closed_by_week[(y, w)]}
            for (y, w) in truth.iso_weeks()
        ],
        "median_time_to_fill_days": truth.median_time_to_fill(),
        "incomplete_runs": [{"source": s, "week": w} for s, w in truth.incomplete_runs],
        "failing_source": market.failing_source,
        "failing_week": market.failing_week,
        "roles_observed": len(truth.outcomes),
        "roles_open_at_end": len(truth.open_at_end()),
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


# --- crawling ----------------------------------------------------------------------------------

def crawl_weeks_in_process(market: Market, server: MarketServer, db_url: str, sources_file: Path,
                           on_week: Callable[[int, float], None],
                           log_file: Path | None = None) -> None:
    """Crawl every simulated week in this process: one reactor, many rounds of crawlers.

    Twisted's reactor cannot restart, so instead of one ``jobtrends crawl`` per week this keeps
    one reactor and one warm enricher, and starts a fresh Scrapy crawler per source and week,
    each with the week's observation time in its own settings. Once per process.
    """
    import asyncio
    import contextlib

    from scrapy.crawler import AsyncCrawlerProcess, Crawler

    from crawler.runner import crawl_settings
    from crawler.sources import load_sources
    from storage.lifecycle import reconcile

    sources = load_sources(sources_file)
    # the simulated market answers for the week replayed: revisits see that week too
    quiet: dict[str, Any] = {"LOG_LEVEL": "WARNING", "LOGSTATS_INTERVAL": 0,
                             "JOBTRENDS_REVISIT_REPLAYS": True}
    if log_file is not None:
        quiet["LOG_FILE"] = str(log_file)  # the crawl's warnings go to the log, not the screen
    process = AsyncCrawlerProcess(crawl_settings(db_url=db_url, overrides=quiet))
    engine = make_engine(db_url)
    failure: list[BaseException] = []

    async def crawl_one(source: Any, settings: Any) -> None:
        crawler = Crawler(process.spider_loader.load(source.kind), settings)
        await process.crawl(crawler, source=source)

    async def main() -> None:
        try:
            for week in range(market.weeks):
                server.set_week(week)
                t0 = time.perf_counter()
                settings = crawl_settings(db_url=db_url, observed_at=market.crawl_time(week),
                                          overrides=quiet)
                await asyncio.gather(*(crawl_one(s, settings) for s in sources))
                with Session(engine) as session:
                    reconcile(session)
                    session.commit()
                on_week(week, time.perf_counter() - t0)
        except BaseException as exc:  # noqa: BLE001 - reported after the reactor stops
            failure.append(exc)
        finally:
            from twisted.internet import reactor

            with contextlib.suppress(RuntimeError):
                reactor.stop()  # type: ignore[misc]

    asyncio.get_event_loop().create_task(main())
    process.start(stop_after_crawl=False)
    engine.dispose()
    if failure:
        raise DemoError(f"crawl failed: {failure[0]!r}") from failure[0]


def week_summary(db_url: str, observed_at: datetime) -> tuple[int, list[str], int]:
    """(sources crawled, incomplete sources, postings seen) of the crawl at ``observed_at``."""
    from sqlalchemy import select


    engine = make_engine(db_url)
    with Session(engine) as session:
        rows = session.execute(
            select(Source.name, CrawlRun.status, CrawlRun.postings_seen)
            .join(Source, Source.id == CrawlRun.source_id)
            .where(CrawlRun.observed_at == observed_at)
        ).all()
    engine.dispose()
    incomplete = sorted(name for name, status, _ in rows if status != "complete")
    return len(rows), incomplete, sum(seen or 0 for _, _, seen in rows)
