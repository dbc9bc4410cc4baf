"""Run several sources in one Scrapy process, then reconcile the lifecycle.

Each source is its own crawler (spider + crawl run) inside one ``AsyncCrawlerProcess``; up to
``parallel`` crawl at once. A source that fails in any way (DNS, 403, 429, 5xx, timeout,
unknown board, even a crash while starting) is reported and recorded as incomplete; the
others carry on, and reconcile never closes postings on the strength of a broken crawl.
Twisted's reactor cannot restart, so a process runs :func:`crawl_sources` once (the CLI does),
then :func:`reconcile_runs`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from scrapy import signals
from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crawler.crawlrun import finish_reason
from crawler.pipelines import StoragePipeline
from crawler.sources import SourceConfig
from crawler.spiders.base import STAT_GONE
from storage.lifecycle import ReconcileReport, reconcile
from storage.models import RUN_COMPLETE, CrawlRun

logger = logging.getLogger(__name__)


@dataclass
class SourceOutcome:
    """How one source's crawl went."""

    source: str
    kind: str
    finish_reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the crawl could not run at all
    run_id: int | None = None
    status: str | None = None  # crawl run status after reconcile (complete / incomplete)
    status_detail: str | None = None
    handed_off: bool = False  # a shared (Redis) run that another process will record
    # postings the run stored a sighting of (each once), read from its crawl-run row after
    # reconcile: fewer than ``items`` when a batch failed to store or the crawl was stopped
    # with a batch still in memory
    stored: int | None = None

    @property
    def gone(self) -> int:
        """Close signals the crawl found (pages answering 404/410, no longer accepting...)."""
        prefix = f"{STAT_GONE}/"
        return sum(int(v) for k, v in self.stats.items() if k.startswith(prefix))

    @property
    def items(self) -> int:
        """Postings scraped (close signals, which are items too, left out)."""
        return int(self.stats.get("item_scraped_count", 0)) - self.gone

    @property
    def complete(self) -> bool:
        """The crawl ran and reconcile judged its run complete (or, for this process's share of
        a shared run, it finished cleanly and the last process records the run)."""
        if self.error is not None:
            return False
        if self.handed_off:
            return self.finish_reason == "finished"
        return self.status == RUN_COMPLETE


def crawl_settings(*, db_url: str | None = None, observed_at: datetime | None = None,
                   redis_url: str | None = None, store: bool = True,
                   overrides: dict[str, Any] | None = None) -> Settings:
    """The project settings plus what one ``jobtrends crawl`` decides."""
    settings = get_project_settings()
    if settings.get("BOT_NAME") != "jobtrends":  # run from outside the project directory
        settings.setmodule("crawler.settings", priority="project")
    if db_url:
        settings.set("JOBTRENDS_DATABASE_URL", db_url, priority="cmdline")
    if observed_at is not None:
        settings.set("JOBTRENDS_OBSERVED_AT", observed_at.isoformat(), priority="cmdline")
    if redis_url:
        settings.set("JOBTRENDS_REDIS_URL", redis_url, priority="cmdline")
    settings.set("JOBTRENDS_STORE", store, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl_sources(
    sources: Sequence[SourceConfig],
    settings: Settings,
    *,
    parallel: int = 4,
    on_crawler: Callable[[Crawler, SourceConfig], None] | None = None,
    on_done: Callable[[SourceOutcome], None] | None = None,
) -> list[SourceOutcome]:
    """Crawl ``sources`` (blocking; once per process). One outcome per source, in order."""
    process = AsyncCrawlerProcess(settings)
    outcomes = [SourceOutcome(source=s.name, kind=s.kind) for s in sources]
    crawlers: dict[int, Crawler] = {}  # by outcome index, once created
    gate = asyncio.Semaphore(max(1, parallel))

    async def crawl_one(index: int, source: SourceConfig, outcome: SourceOutcome) -> None:
        async with gate:
            try:
                crawler = process.create_crawler(process.spider_loader.load(source.kind))
            except Exception as exc:  # noqa: BLE001
                outcome.error = f"cannot create the {source.kind} crawler: {exc}"
                return
            crawlers[index] = crawler

            def closed(spider: Any, reason: str) -> None:
                assert crawler.stats is not None
                outcome.stats = dict(crawler.stats.get_stats())
                outcome.finish_reason = finish_reason(reason, getattr(
                    spider, "listing_failed", None))

            crawler.signals.connect(closed, signal=signals.spider_closed)
            if on_crawler is not None:
                on_crawler(crawler, source)
            try:
                await process.crawl(crawler, source=source)
            except Exception as exc:  # noqa: BLE001 - one source never aborts the others
                logger.exception("source %s: crawl failed", source.name)
                outcome.error = f"{type(exc).__name__}: {exc}"
            _read_run(crawler, outcome)
            if on_done is not None:
                on_done(outcome)

    async def main() -> None:
        try:
            await asyncio.gather(*(crawl_one(i, s, o) for i, (s, o) in enumerate(
                zip(sources, outcomes, strict=True))))
        finally:
            from twisted.internet import reactor

            with contextlib.suppress(RuntimeError):
                cast(Any, reactor).stop()

    asyncio.get_event_loop().create_task(main())
    process.start(stop_after_crawl=False)
    for index, crawler in crawlers.items():
        outcome = outcomes[index]
        if outcome.finish_reason is None and outcome.error is None:
            # stopped at once (a second Ctrl-C): its spider never closed, so neither the
            # closing signal nor the end of crawl_one read what it did; read it now
            if crawler.stats is not None:
                outcome.stats = dict(crawler.stats.get_stats())
            _read_run(crawler, outcome)
    return outcomes


def _read_run(crawler: Crawler, outcome: SourceOutcome) -> None:
    """Fill ``outcome``'s crawl run (id, and whether another process records it: a spider
    that closed without recording its run; one that never closed left it unfinished)."""
    try:
        pipeline = crawler.get_item_pipeline(StoragePipeline)
    except RuntimeError:  # the crawl failed before its engine (and the pipeline) was made
        pipeline = None
    recorder = getattr(pipeline, "recorder", None)
    outcome.run_id = getattr(recorder, "run_id", None)
    outcome.handed_off = recorder is not None and outcome.run_id is not None and (
        not recorder.recorded) and outcome.finish_reason is not None


def reconcile_runs(engine: Engine, outcomes: Sequence[SourceOutcome], *, k: int = 2
                   ) -> ReconcileReport:
    """Reconcile the lifecycle, then fill each outcome's crawl-run status and its reason."""
    with Session(engine) as session, session.begin():
        report = reconcile(session, k=k)
        run_ids = [o.run_id for o in outcomes if o.run_id is not None]
        rows = session.execute(
            select(CrawlRun.id, CrawlRun.status, CrawlRun.status_detail, CrawlRun.postings_seen)
            .where(CrawlRun.id.in_(run_ids))).all() if run_ids else []
    by_id = {row.id: row for row in rows}
    for outcome in outcomes:
        row = by_id.get(outcome.run_id) if outcome.run_id is not None else None
        if row is not None:
            outcome.status, outcome.status_detail = row.status, row.status_detail
            outcome.stored = row.postings_seen
    return report
