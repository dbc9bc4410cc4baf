"""Item pipeline: enrich new or changed postings and store everything, in batches.

Per source (one spider): a crawl run starts when the spider opens; postings are buffered and
flushed every ``JOBTRENDS_STORE_BATCH`` items (memory stays flat on a 100k-posting crawl);
only postings whose content hash or enrichment version changed are enriched; close signals
are recorded for reconcile; the run finishes with the spider's finish reason and page counts.
"""

from __future__ import annotations

import gc
import logging
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from crawler.crawlrun import CrawlRunRecorder, RunFigures, finish_reason
from crawler.items import JobPostingItem, PostingGoneItem
from crawler.observed import observed_at, utcnow
from crawler.records import EnrichmentHook, plain_job_id, to_record
from crawler.sources import KINDS
from crawler.spiders.base import STAT_REVISITED, SourceSpider
from storage import schema
from storage.db import default_database_url, make_engine, make_session_factory
from storage.ingest import (
    known_content_hashes,
    record_close_signal,
    unlisted_open_postings,
    upsert_postings,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# a crawl observed longer ago than this is a replay (of archived pages, or a simulated market)
REPLAY_AFTER = timedelta(days=1)


@lru_cache(maxsize=8)
def _engine(url: str, sqlite_cache_mb: int) -> Engine:
    """One engine per database URL per process (several spiders share it).

    A database without any schema yet (``scrapy crawl`` on a fresh SQLite file) gets one;
    one at an older revision is left for ``jobtrends db upgrade``.
    """
    engine = make_engine(url, sqlite_cache_mb=sqlite_cache_mb)
    if schema.current_revision(engine) is None:
        schema.upgrade(engine)
    return engine


class StoragePipeline:
    """Stores one source's postings and close signals under its crawl run."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.batch_size = settings.getint("JOBTRENDS_STORE_BATCH", 1000)
        url = settings.get("JOBTRENDS_DATABASE_URL") or default_database_url()
        self.database_url = url
        cache_mb = settings.getint("JOBTRENDS_SQLITE_CACHE_MB", 8)
        self.sessions: sessionmaker[Session] = make_session_factory(_engine(url, cache_mb))
        self.enrich = EnrichmentHook(settings.getbool("JOBTRENDS_ENRICH", True),
                                     settings.getint("JOBTRENDS_ENRICH_BATCH", 256))
        self.redis_url: str | None = settings.get("JOBTRENDS_REDIS_URL")
        self.postings: dict[str, JobPostingItem] = {}
        self.gone: list[PostingGoneItem] = []
        self.recorder: CrawlRunRecorder | None = None
        self.stored = 0
        self.storage_failed = False
        self.revisit_limit = settings.getint("JOBTRENDS_REVISIT_MISSING", 200)
        self.revisit_replays = settings.getbool("JOBTRENDS_REVISIT_REPLAYS", False)
        self.revisited = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("JOBTRENDS_STORE", True):
            raise NotConfigured("JOBTRENDS_STORE is off")
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.spider_idle, signal=signals.spider_idle)
        return pipeline

    def open_spider(self) -> None:
        # What the process holds now (Scrapy, Twisted, SQLAlchemy, the settings: loaded once,
        # kept to the end) is left out of the cyclic garbage collector, whose full collections
        # walked it again and again as requests and items came and went (see
        # enrichment.enricher._out_of_the_collectors_way, which does the same for the pipelines)
        gc.collect()
        gc.freeze()
        spider = self.crawler.spider
        source = getattr(spider, "source", None)
        if source is None:
            raise NotConfigured("StoragePipeline needs a jobtrends SourceSpider")
        self.recorder = CrawlRunRecorder(self.sessions, source, observed_at(
            self.crawler.settings), self.redis_url, database=self.database_url)
        run_id = self.recorder.start()
        logger.info("source %s: crawl run %d started", source.name, run_id)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, JobPostingItem):
            # the last sighting of an id in a batch wins (storage upserts one row per id)
            self.postings[item.source_job_id] = item
            if len(self.postings) >= self.batch_size:
                self.flush()
        elif isinstance(item, PostingGoneItem):
            self.gone.append(item)
            if len(self.gone) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        """Enrich what changed, upsert the batch, record close signals; one transaction."""
        if self.recorder is None or self.recorder.run_id is None:
            return
        items, self.postings = list(self.postings.values()), {}
        gone, self.gone = self.gone, []
        if not items and not gone:
            return
        stats = self.crawler.stats
        assert stats is not None
        try:
            self._store(items, gone)
        except Exception:
            # lost postings must not look like closed ones: the run is recorded as failed
            logger.exception("source %s: storing %d postings failed",
                             self.recorder.source.name, len(items))
            stats.inc_value("jobtrends/store_errors")
            self.storage_failed = True

    def _store(self, items: list[JobPostingItem], gone: list[PostingGoneItem]) -> None:
        assert self.recorder is not None and self.recorder.run_id is not None
        stats = self.crawler.stats
        assert stats is not None
        with self.sessions.begin() as session:
            if items:
                records = [to_record(item) for item in items]
                known = known_content_hashes(session, self.recorder.source.name,
                                             [r.source_job_id for r in records])
                enriched = self.enrich.apply(records, known)
                stats.inc_value("jobtrends/enriched", enriched)
                result = upsert_postings(session, self.recorder.run_id, records)
                self.stored += len(records)
                stats.inc_value("jobtrends/stored", len(records))
                stats.inc_value("jobtrends/inserted", result.inserted)
            for signal in gone:
                job_id = plain_job_id(signal.source_job_id)
                record_close_signal(session, self.recorder.run_id, job_id, signal.reason)
            stats.inc_value("jobtrends/close_signals", len(gone))

    def spider_idle(self, spider: Spider) -> None:
        """Once the listing is in and stored, fetch the open postings it left out at their own
        address (at most the revisit limit): their 404/410 answers are close signals, so a
        posting taken down closes at this crawl without waiting for more missed crawls, and an
        emptied board's postings close though an empty listing is never trusted on its own.

        Not after a listing that failed (what it left out is unknown), a storage error, or in
        a crawl shared through Redis (another process may still store what this one missed);
        nor in a replay (observed over :data:`REPLAY_AFTER` before now: today's answers would
        be dated then, and an archive's mirror answers 404 for what it never kept), unless
        ``JOBTRENDS_REVISIT_REPLAYS`` says what answers serves that time.
        """
        if self.revisited or not isinstance(spider, SourceSpider) or not spider.listing_done():
            return
        self.revisited = True
        source = spider.source
        limit = KINDS[source.kind].revisit_limit(source.revisit_missing, self.revisit_limit)
        if (limit <= 0 or self.recorder is None or self.recorder.run_id is None
                or spider.listing_failed or self.redis_url):
            return
        if utcnow() - self.recorder.observed_at > REPLAY_AFTER and not self.revisit_replays:
            logger.info("source %s: a replay (observed at %s): postings the listing left out "
                        "are not revisited", source.name, self.recorder.observed_at)
            return
        self.flush()
        if self.storage_failed:
            return
        with self.sessions() as session:
            unlisted = unlisted_open_postings(session, self.recorder.run_id, limit)
        requests = [request for posting in unlisted
                    if (request := spider.revisit_request(posting.source_job_id, posting.url))]
        if not requests:
            return
        stats, engine = self.crawler.stats, self.crawler.engine
        assert stats is not None and engine is not None
        stats.inc_value(STAT_REVISITED, len(requests))
        logger.info("source %s: revisiting %d open posting(s) the listing left out",
                    source.name, len(requests))
        for request in requests:
            engine.crawl(request)
        raise DontCloseSpider

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.recorder is None or self.recorder.run_id is None:
            return
        stats = self.crawler.stats
        assert stats is not None
        final = "storage_error" if self.storage_failed else finish_reason(
            reason, getattr(spider, "listing_failed", None))
        figures = RunFigures.from_stats(stats.get_stats())
        self.recorder.finish(final, figures)
        logger.info("source %s: crawl run %d finished (%s, %d pages, %d failed, %d stored)",
                    self.recorder.source.name, self.recorder.run_id, final,
                    figures.pages_fetched, figures.pages_failed, self.stored)
