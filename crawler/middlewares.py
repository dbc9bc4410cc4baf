"""Downloader middlewares: polite retries that honour ``Retry-After``, and the User-Agent.

Scrapy's own RetryMiddleware re-queues a failed request at once. Servers that answer 429/503
ask us to wait (``Retry-After``), and a struggling server deserves an exponential pause: this
middleware waits before handing the retry back, without blocking the reactor (an asyncio sleep
inside the async ``process_response``; other requests keep flowing meanwhile).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.useragent import UserAgentMiddleware
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from crawler.crawlrun import STAT_REVISIT_RESPONSES
from jobtrends import __version__

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry.

    The wait is ``Retry-After`` when the answer carries one (429/503), else
    ``RETRY_BACKOFF_BASE * 2 ** (attempt - 1)`` with ±25% jitter, capped by
    ``RETRY_BACKOFF_MAX``; a ``Retry-After`` longer than ``RETRY_AFTER_MAX`` gives up at once
    (the crawl run is then recorded as incomplete, which is the honest outcome).
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        settings = crawler.settings
        middleware.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        middleware.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        middleware.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 300.0)
        return middleware

    backoff_base: float
    backoff_max: float
    retry_after_max: float

    def backoff_delay(self, attempt: int) -> float:
        """The exponential pause before retry number ``attempt`` (1-based)."""
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return delay * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not crypto

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        assert stats is not None
        retry_after = parse_retry_after(response.headers.get(b"Retry-After"))
        if retry_after is not None and retry_after > self.retry_after_max:
            stats.inc_value("retry/retry_after_too_long")
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        attempt = retry.meta.get("retry_times", 1)
        delay = retry_after if retry_after is not None else self.backoff_delay(attempt)
        if retry_after is not None:
            stats.inc_value("retry/retry_after_honoured")
        if delay > 0:
            await sleep(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Spider | None = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, type(request)) and retry is not request:
            delay = self.backoff_delay(retry.meta.get("retry_times", 1))
            if delay > 0:
                await sleep(delay)
        return retry


class RevisitResponseCounter:
    """Counts the answers to revisits (``request.meta["revisit"]``), each retried one too, so
    that the crawl run's pages leave them out (:class:`crawler.crawlrun.RunFigures`). Placed
    between the retry middleware and the downloader, it sees every answer."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        if request.meta.get("revisit") is not None:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value(STAT_REVISIT_RESPONSES)
        return response


class ContactUserAgentMiddleware(UserAgentMiddleware):
    """Sends ``jobtrends/<version> (+JOBTRENDS_CONTACT_URL)`` unless USER_AGENT is set."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        user_agent = crawler.settings.get("USER_AGENT")
        if not user_agent or user_agent.startswith("Scrapy/"):
            contact = crawler.settings.get("JOBTRENDS_CONTACT_URL")
            middleware.user_agent = f"jobtrends/{__version__} (+{contact})"
        return middleware
