"""Crawl runs: one per source and crawl, started at spider open and finished at close.

The figures reconcile judges completeness by come from the crawler's stats. With a shared
Redis scheduler, every process of one crawl writes into the same run (the first creates it)
and adds its page counts to running totals, so the last to finish records the whole crawl.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from crawler.sources import SourceConfig
from storage.ingest import finish_crawl_run, start_crawl_run

FINISHED = "finished"
LISTING_FAILED = "listing_failed"
# answers to revisits of postings the listing left out (retried ones included), counted by
# crawler.middlewares.RevisitResponseCounter: left out of the run's pages, whose error rate
# judges the listing (a revisit says nothing about it)
STAT_REVISIT_RESPONSES = "jobtrends/revisit/responses"


@dataclass(frozen=True)
class RunFigures:
    """What a crawl did, read from Scrapy's stats.

    ``pages_fetched`` counts responses that were used (retried answers included, as they
    were fetched); a final failure counts once, in ``pages_failed``, however it ended
    (HTTP error after retries, DNS error, timeout, malformed body). Revisits of postings the
    listing left out count in neither.
    """

    pages_fetched: int
    pages_failed: int
    items: int

    @classmethod
    def from_stats(cls, stats: dict[str, Any]) -> RunFigures:
        return cls(
            pages_fetched=max(0, int(stats.get("downloader/response_count", 0))
                              - int(stats.get("jobtrends/failed_responses", 0))
                              - int(stats.get(STAT_REVISIT_RESPONSES, 0))),
            pages_failed=int(stats.get("jobtrends/pages_failed", 0)),
            items=int(stats.get("item_scraped_count", 0)),
        )


def finish_reason(scrapy_reason: str, listing_failed: str | None) -> str:
    """Scrapy's reason, unless a page listing postings failed (then the crawl saw too little)."""
    if scrapy_reason == FINISHED and listing_failed:
        return LISTING_FAILED
    return scrapy_reason


class CrawlRunRecorder:
    """Starts and finishes one source's crawl run (optionally shared through Redis)."""

    def __init__(self, sessions: sessionmaker[Session], source: SourceConfig,
                 observed_at: datetime, redis_url: str | None = None,
                 database: str = "") -> None:
        self.sessions, self.source, self.observed_at = sessions, source, observed_at
        self.redis_url = redis_url
        # processes share a run when they crawl the same source, at the same observation
        # time, into the same database
        self.database_key = hashlib.sha1(database.encode()).hexdigest()[:12]  # noqa: S324
        self.run_id: int | None = None
        # False when other processes sharing the run (Redis) were still crawling at the end:
        # the last of them records the run
        self.recorded = False

    def _create(self) -> int:
        with self.sessions.begin() as session:
            return start_crawl_run(session, self.source.name, kind=self.source.kind,
                                   observed_at=self.observed_at, country=self.source.country,
                                   can_relist=self.source.can_relist,
                                   first_party=self.source.first_party)

    @property
    def _key(self) -> str:
        return (f"jobtrends:{self.source.name}:run:{self.observed_at.isoformat()}:"
                f"{self.database_key}")

    def start(self) -> int:
        if not self.redis_url:
            self.run_id = self._create()
            return self.run_id
        client = self._redis()
        client.incr(self._key + ":active")
        client.expire(self._key + ":active", 86400)
        if client.set(self._key + ":lock", "1", nx=True, ex=86400):
            self.run_id = self._create()
            client.set(self._key, self.run_id, ex=86400)
            return self.run_id
        for _ in range(600):  # another process is creating the run: wait for its id
            value = client.get(self._key)
            if value is not None:
                self.run_id = int(value)
                return self.run_id
            time.sleep(0.05)
        raise RuntimeError(f"source {self.source.name}: no crawl run id appeared in Redis")

    def _redis(self) -> Any:
        import redis

        assert self.redis_url is not None
        return redis.Redis.from_url(self.redis_url)

    def finish(self, reason: str, figures: RunFigures) -> bool:
        """Record the end of the crawl; with Redis only the last process to end writes it.

        Returns whether this call finished the run.
        """
        assert self.run_id is not None
        fetched, failed = figures.pages_fetched, figures.pages_failed
        if self.redis_url:
            client = self._redis()
            pages = self._key + ":pages"
            fetched = int(client.hincrby(pages, "fetched", fetched))
            failed = int(client.hincrby(pages, "failed", failed))
            if reason != FINISHED:
                client.hset(pages, "reason", reason)
            client.expire(pages, 86400)
            if int(client.decr(self._key + ":active")) > 0:
                return False  # others still crawl this run: the last one records it
            worst = client.hget(pages, "reason")
            reason = worst.decode() if worst else reason
            # the crawl is over: a later crawl at the same observation time starts afresh
            client.delete(self._key, self._key + ":lock", self._key + ":active", pages)
        with self.sessions.begin() as session:
            finish_crawl_run(session, self.run_id, finish_reason=reason,
                             pages_fetched=fetched, pages_failed=failed)
        self.recorded = True
        return True
