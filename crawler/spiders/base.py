"""The base of every source spider: loads its source, applies politeness, reports failures.

``scrapy crawl <kind> -a source=NAME [-a sources_file=FILE]`` loads the source from the
sources file; :mod:`crawler.runner` passes the validated :class:`SourceConfig` directly.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import PostingGoneItem
from crawler.observed import observed_at, utcnow
from crawler.parsers import ParseContext
from crawler.sources import SourceConfig, SourceConfigError, load_sources
from storage.models import CLOSE_HTTP_GONE

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STAT_PAGES_FAILED = "jobtrends/pages_failed"
STAT_LISTING_FAILED = "jobtrends/listing_failed"
STAT_PAYLOAD_ERRORS = "jobtrends/payload_errors"
# failures that did arrive as a response (an HTTP error, a malformed body): the run's
# "pages fetched" leaves them out, they are counted as failed instead
STAT_FAILED_RESPONSES = "jobtrends/failed_responses"
LISTING_FAILED_REASON = "listing_failed"
# revisits of open postings the listing left out (crawler.pipelines): asked, answered gone,
# failed (never counted as failed pages: a revisit says nothing about what the listing held)
STAT_REVISITED = "jobtrends/revisit/requested"
STAT_REVISIT_GONE = "jobtrends/revisit/gone"
STAT_REVISIT_FAILED = "jobtrends/revisit/failed"
# close signals scraped, per reason: jobtrends/gone/<reason> (they are items, not postings)
STAT_GONE = "jobtrends/gone"
GONE_STATUSES = (404, 410)


class SourceSpider(scrapy.Spider):
    """A spider bound to one configured source of its kind (``name`` is the kind)."""

    kind: ClassVar[str]  # the spider's class name (``scrapy list``); instances take the source's
    source: SourceConfig
    ctx: ParseContext
    observed_at: datetime
    #: set when a page that lists postings could not be read: the run is then incomplete
    listing_failed: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        source = kwargs.pop("source", None)
        if source is None:
            raise SourceConfigError(
                kwargs.get("sources_file") or crawler.settings.get("JOBTRENDS_SOURCES_FILE"),
                f"the {cls.name} spider needs a source: scrapy crawl {cls.name} -a source=NAME")
        if not isinstance(source, SourceConfig):
            path = kwargs.pop("sources_file", None) or crawler.settings.get(
                "JOBTRENDS_SOURCES_FILE")
            matches = [s for s in load_sources(path) if s.name == source]
            if not matches:
                raise SourceConfigError(path, f"no source named {source!r}")
            source = matches[0]
        kwargs.pop("sources_file", None)
        if source.kind != cls.kind:
            raise SourceConfigError(
                crawler.settings.get("JOBTRENDS_SOURCES_FILE"),
                f"is of kind {source.kind!r}; run it with: scrapy crawl {source.kind} "
                f"-a source={source.name}", source=source.name, key="kind")
        _apply_politeness(crawler, source)
        _log_network_errors_on_one_line()
        if not crawler.settings.get("JOBTRENDS_OBSERVED_AT"):
            # one observation time for the whole crawl, read by spider and pipeline alike
            crawler.settings.set("JOBTRENDS_OBSERVED_AT", utcnow().isoformat(), priority="spider")
        spider = super().from_crawler(crawler, *args, source=source, **kwargs)
        spider.observed_at = observed_at(crawler.settings)
        crawler.signals.connect(spider.count_gone, signal=signals.item_scraped)
        return spider

    def __init__(self, *args: Any, source: SourceConfig, **kwargs: Any) -> None:
        # the instance is named after its source: logs, stats and Redis keys stay per source
        kwargs["name"] = source.name
        super().__init__(*args, **kwargs)
        self.source = source
        self.ctx = ParseContext(source=source.name, country=source.country,
                                company=source.company_name, language=source.language)

    # -- requests
    def listing_request(self, url: str, callback: Any, *, cb_kwargs: dict[str, Any] | None = None,
                        **meta: Any) -> scrapy.Request:
        """A request for a page that lists postings: its failure makes the run incomplete."""
        return scrapy.Request(url, callback=callback, errback=self.on_error,
                              cb_kwargs=cb_kwargs, meta={"listing": True, **meta})

    # -- revisits: the pages of open postings the listing no longer holds
    def revisit_url(self, source_job_id: str, url: str | None) -> str | None:
        """Where posting ``source_job_id`` answers 404/410 once it is gone: the API's own
        endpoint for one posting (a page that answers 200 whatever happened to the job, or
        redirects, gives no signal). ``None``: this kind has no such address."""
        return None

    def listing_done(self) -> bool:
        """Whether every posting the listing holds has been yielded (revisits wait for it)."""
        return True

    def revisit_request(self, source_job_id: str, url: str | None) -> scrapy.Request | None:
        """The request that checks whether an unlisted posting is gone, if this kind can."""
        target = self.revisit_url(source_job_id, url)
        if target is None:
            return None
        return scrapy.Request(target, callback=self.parse_revisit, errback=self.revisit_failed,
                              dont_filter=True,
                              meta={"handle_httpstatus_list": list(GONE_STATUSES),
                                    "revisit": source_job_id})

    def parse_revisit(self, response: Response) -> Iterator[PostingGoneItem]:
        """A 404/410 is a close signal; any other answer leaves the posting to the K-miss rule
        (:meth:`revisit_page` may still find one in the page)."""
        job_id = response.meta["revisit"]
        stats = self.crawler.stats
        assert stats is not None
        if response.status in GONE_STATUSES:
            stats.inc_value(STAT_REVISIT_GONE)
            yield self.gone(job_id, response.url, CLOSE_HTTP_GONE)
            return
        for item in self.revisit_page(response, job_id):
            stats.inc_value(STAT_REVISIT_GONE)
            yield item

    def revisit_page(self, response: Response, source_job_id: str) -> Iterator[PostingGoneItem]:
        """Close signals in a revisited posting's answer other than 404/410 (none by default:
        an API that still serves the posting says nothing of when the listing dropped it)."""
        return iter(())

    def gone(self, job_id: str, url: str | None, reason: str) -> PostingGoneItem:
        """A close signal for posting ``job_id`` (``reason``: one of storage's CLOSE_*)."""
        logger.info("source %s: %s gone (%s)", self.source.name, url or job_id, reason)
        return PostingGoneItem(self.source.name, job_id, url, reason)

    def count_gone(self, item: Any) -> None:
        """Count a close signal once scraped (Scrapy's ``item_scraped_count`` counts it too, as
        an item: :attr:`crawler.runner.SourceOutcome.items` leaves these out)."""
        if isinstance(item, PostingGoneItem):
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value(f"{STAT_GONE}/{item.reason}")

    def revisit_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            logger.debug("source %s: %s not revisited: %s", self.source.name, request.url,
                         failure.value)  # robots.txt forbids it: not a failure
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(STAT_REVISIT_FAILED)
        logger.warning("source %s: revisiting %s failed: %r", self.source.name, request.url,
                       failure.value)

    def on_error(self, failure: Failure) -> None:
        """Count a request that failed for good (after retries) and log what it said."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # dropped on purpose (robots.txt, offsite): not fetched, and not a failure either
            logger.debug("source %s: %s not fetched: %s", self.source.name, request.url,
                         failure.value)
            return
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(STAT_PAGES_FAILED)
        detail = repr(failure.value)
        response = getattr(failure.value, "response", None)
        if failure.check(HttpError) and response is not None:
            stats.inc_value(STAT_FAILED_RESPONSES)
            detail = f"HTTP {response.status}: {response.text[:200]!r}" if hasattr(
                response, "text") else f"HTTP {response.status}"
        if request.meta.get("listing"):
            stats.inc_value(STAT_LISTING_FAILED)
            self.listing_failed = self.listing_failed or detail
            logger.error("source %s: listing %s failed: %s", self.source.name, request.url,
                         detail)
        else:
            logger.warning("source %s: %s failed: %s", self.source.name, request.url, detail)

    def payload_error(self, url: str, error: Exception, *, listing: bool = True) -> None:
        """A page arrived but is not the documented shape (malformed JSON, API error)."""
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(STAT_PAYLOAD_ERRORS)
        stats.inc_value(STAT_PAGES_FAILED)
        stats.inc_value(STAT_FAILED_RESPONSES)
        if listing:
            stats.inc_value(STAT_LISTING_FAILED)
            self.listing_failed = self.listing_failed or str(error)
        logger.error("source %s: %s: %s", self.source.name, url, error)


# above "cmdline" (40): what the sources file says about one source beats run-wide --set values
SOURCE_PRIORITY = 50

# Scrapy's robots.txt middleware logs a failed robots.txt download with the exception's whole
# traceback, twice chained (about 75 lines), though its message already names the error: an
# offline crawl of 14 sources wrote 1,000 lines to stderr, which cron mails
ROBOTSTXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class NetworkErrorsOnOneLine(logging.Filter):
    """Drops the traceback of a record whose exception is a network failure (Twisted's or
    Scrapy's download errors, an OS error): the message keeps the error. Others keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and _network_failure(error):
            record.exc_info = None
            record.exc_text = None
        return True


def _network_failure(error: BaseException) -> bool:
    module = type(error).__module__
    return isinstance(error, OSError) or module.startswith(("twisted.", "scrapy.exceptions"))


def _log_network_errors_on_one_line() -> None:
    robotstxt = logging.getLogger(ROBOTSTXT_LOGGER)
    if not any(isinstance(f, NetworkErrorsOnOneLine) for f in robotstxt.filters):
        robotstxt.addFilter(NetworkErrorsOnOneLine())


def _apply_politeness(crawler: Crawler, source: SourceConfig) -> None:
    """The source's overrides (settings are frozen only after the spider is created)."""
    settings, priority = crawler.settings, SOURCE_PRIORITY
    if source.download_delay is not None:
        settings.set("DOWNLOAD_DELAY", source.download_delay, priority=priority)
        settings.set("AUTOTHROTTLE_START_DELAY", source.download_delay, priority=priority)
    if source.concurrency is not None:
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", source.concurrency, priority=priority)
    if source.retry_times is not None:
        settings.set("RETRY_TIMES", source.retry_times, priority=priority)
    if source.download_timeout is not None:
        settings.set("DOWNLOAD_TIMEOUT", source.download_timeout, priority=priority)
