"""Any site embedding schema.org ``JobPosting`` JSON-LD, fed sitemaps and/or listing pages.

Source keys: ``start_urls`` (listing pages, or sitemaps: URLs ending in ``.xml``/``.xml.gz``
or naming a sitemap), ``sitemap_urls``, ``sitemap_follow`` (regexes a sitemap-index entry
must match), ``posting_url_pattern`` (regex a posting URL must match), ``link_selector``
(CSS of posting links on listing pages), ``next_page_selector`` (CSS of the next listing
page; default ``rel=next`` links) and ``max_pages`` (listing pages per start URL).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.items import JobPostingItem, PostingGoneItem
from crawler.parsers import PayloadError, jsonld
from crawler.spiders.base import GONE_STATUSES, SourceSpider
from crawler.urls import canonical_url
from storage.models import CLOSE_EXPIRED, CLOSE_HTTP_GONE, CLOSE_NOT_ACCEPTING

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from twisted.python.failure import Failure

STAT_PARSE_ERRORS = "jobtrends/jsonld_parse_errors"
STAT_BLOCKS = "jobtrends/jsonld_blocks"
STAT_NO_POSTING = "jobtrends/pages_without_jobposting"
STAT_MAX_OUTSTANDING = "jobtrends/max_outstanding_postings"
DEFAULT_NEXT = "a[rel~=next]::attr(href), link[rel~=next]::attr(href)"
DEFAULT_MAX_PAGES = 1000
MAX_SITEMAP_BYTES = 200 * 1024 * 1024
LOW_WATERMARK = 100  # outstanding posting requests under which the next sitemap is read
_SITEMAP_URL = re.compile(r"(\.xml(\.gz)?$)|sitemap", re.I)

Output = Iterator[JobPostingItem | PostingGoneItem | scrapy.Request]


class JsonLdSpider(SourceSpider):
    name = kind = "jsonld"
    throttle_sitemaps = True

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.release_on_idle, signal=signals.spider_idle)
        spider.throttle_sitemaps = crawler.settings.getbool("JOBTRENDS_SITEMAP_THROTTLE", True)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        # sitemaps of an index are read one after another, each once the postings of the
        # previous one are nearly done: the request queue holds one sitemap's worth at most
        self._pending_sitemaps: deque[str] = deque()
        self._sitemap_in_flight = False
        self._outstanding = 0
        options = self.source.options
        self._posting_pattern = re.compile(options.get("posting_url_pattern") or "")
        self._follow = [re.compile(p) for p in options.get("sitemap_follow") or []]
        for url in options.get("sitemap_urls") or []:
            yield self.listing_request(url, self.parse_sitemap)
        for url in options.get("start_urls") or []:
            if _SITEMAP_URL.search(url.split("?")[0]):
                yield self.listing_request(url, self.parse_sitemap)
            else:
                yield self.listing_request(url, self.parse_listing, cb_kwargs={"page": 1})

    # -- sitemaps (index, urlset, gzip)
    def parse_sitemap(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        if response.meta.get("released"):
            self._sitemap_in_flight = False
        body = _sitemap_body(response)
        if body is None:
            self.payload_error(response.url, PayloadError("jsonld: not a sitemap"))
            return
        sitemap = Sitemap(body)
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                loc = entry.get("loc")
                if loc and (not self._follow or any(p.search(loc) for p in self._follow)):
                    if self.throttle_sitemaps:
                        self._pending_sitemaps.append(loc)
                    else:  # every sitemap at once: faster start, memory grows with the site
                        yield self.listing_request(loc, self.parse_sitemap)
            yield from self.release_sitemap()
        elif sitemap.type == "urlset":
            # built eagerly: Scrapy drains callback output lazily, and the outstanding count
            # must include the whole sitemap before another callback decides to read the next
            requests = [self.posting_request(entry["loc"]) for entry in sitemap
                        if entry.get("loc") and self._posting_pattern.search(entry["loc"])]
            yield from requests
            yield from self.release_sitemap()
        else:
            self.payload_error(response.url, PayloadError("jsonld: not a sitemap"))

    def release_sitemap(self) -> Iterator[scrapy.Request]:
        """The next pending sitemap, once few posting requests are still outstanding."""
        if (self._pending_sitemaps and not self._sitemap_in_flight
                and self._outstanding < LOW_WATERMARK):
            self._sitemap_in_flight = True
            request = self.listing_request(self._pending_sitemaps.popleft(), self.parse_sitemap,
                                           released=True)
            request.errback = self.sitemap_failed
            request.priority = 2  # fetched before the remaining postings: no gap in the flow
            yield request

    def sitemap_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self._sitemap_in_flight = False
        self.on_error(failure)
        yield from self.release_sitemap()

    def release_on_idle(self) -> None:
        """Fallback (requests dropped as duplicates never report back): idle means done."""
        if self._pending_sitemaps:
            self._outstanding = 0
            self._sitemap_in_flight = False
            for request in self.release_sitemap():
                assert self.crawler.engine is not None
                self.crawler.engine.crawl(request)
            raise DontCloseSpider
        if self._sitemap_in_flight:
            # the last sitemap released was dropped (a duplicate): the listing is done, and
            # one more idle round lets the revisits that wait for it start (listing_done)
            self._sitemap_in_flight = False
            raise DontCloseSpider

    # -- listing pages with pagination
    def parse_listing(self, response: Response, page: int = 1) -> Output:
        if not isinstance(response, TextResponse):
            self.payload_error(response.url, PayloadError("jsonld: listing is not a web page"))
            return
        yield from self._postings(response, check_closed=False)
        options = self.source.options
        links: Iterable[str] = ()
        if options.get("link_selector"):
            selector = options["link_selector"]
            if "::attr(" not in selector:
                selector = ", ".join(f"{part.strip()}::attr(href)" for part in selector.split(","))
            links = response.css(selector).getall()
        elif options.get("posting_url_pattern"):
            links = (href for href in response.css("a::attr(href)").getall()
                     if self._posting_pattern.search(response.urljoin(href)))
        for href in links:
            yield self.posting_request(response.urljoin(href))
        max_pages = int(options.get("max_pages", DEFAULT_MAX_PAGES))
        next_href = response.css(options.get("next_page_selector") or DEFAULT_NEXT).get()
        if next_href and page < max_pages:
            yield self.listing_request(response.urljoin(next_href), self.parse_listing,
                                       cb_kwargs={"page": page + 1})

    # -- posting pages
    def posting_request(self, url: str) -> scrapy.Request:
        # postings before more listings: the queue stays short, memory flat
        self._outstanding += 1
        stats = self.crawler.stats
        assert stats is not None
        stats.max_value(STAT_MAX_OUTSTANDING, self._outstanding)
        return scrapy.Request(url, callback=self.parse_posting, errback=self.posting_failed,
                              priority=1, meta={"handle_httpstatus_list": list(GONE_STATUSES),
                                                "posting_url": url})

    def posting_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self._outstanding -= 1
        self.on_error(failure)
        yield from self.release_sitemap()

    def parse_posting(self, response: Response) -> Output:
        self._outstanding -= 1
        yield from self.release_sitemap()
        url = response.meta.get("posting_url", response.url)
        job_id = canonical_url(url) or url
        if response.status in GONE_STATUSES:
            yield self.gone(job_id, url, CLOSE_HTTP_GONE)
            return
        if not isinstance(response, TextResponse):
            self.payload_error(response.url, PayloadError("jsonld: posting is not a web page"),
                               listing=False)
            return
        yield from self._postings(response, check_closed=True, gone_id=job_id)

    def _postings(self, response: TextResponse, *, check_closed: bool,
                  gone_id: str | None = None) -> Output:
        stats = self.crawler.stats
        assert stats is not None
        page = jsonld.parse_page(response.text, response.url, self.ctx, check_closed=check_closed)
        stats.inc_value(STAT_BLOCKS, page.blocks)
        if page.parse_errors:
            stats.inc_value(STAT_PARSE_ERRORS, page.parse_errors)
            self.logger.warning("%s: %d malformed JSON-LD block(s)", response.url,
                                page.parse_errors)
        if page.not_accepting and gone_id:
            yield self.gone(gone_id, response.url, CLOSE_NOT_ACCEPTING)
            return
        if not page.postings and check_closed:
            stats.inc_value(STAT_NO_POSTING)
        for item in page.postings:
            yield item
            if check_closed and item.valid_through and item.valid_through < self.observed_at:
                # storage applies it only where the source cannot list the posting again
                yield self.gone(item.source_job_id, item.url, CLOSE_EXPIRED)

    # -- revisits of postings the sitemaps and listings left out
    def listing_done(self) -> bool:
        return not getattr(self, "_pending_sitemaps", None) and not getattr(
            self, "_sitemap_in_flight", False)

    def revisit_url(self, source_job_id: str, url: str | None) -> str | None:
        """The posting's own page: it answers 404/410 or says it no longer accepts applications
        once the job is gone. Only postings identified by their page's URL: one of several
        postings on a page (``page#…`` ids) cannot be told apart by what the page says."""
        if not source_job_id.startswith(("http://", "https://")) or "#" in source_job_id:
            return None
        return url or source_job_id

    def revisit_page(self, response: Response, source_job_id: str) -> Iterator[PostingGoneItem]:
        """A page that still answers may say the job is over: no longer accepting applications,
        or a ``validThrough`` in the past (which storage applies where the source cannot list
        the posting again). Its postings are not sightings: the listing left them out."""
        if not isinstance(response, TextResponse):
            return
        page = jsonld.parse_page(response.text, response.url, self.ctx, check_closed=True)
        if page.not_accepting and len(page.postings) <= 1:
            reason = CLOSE_NOT_ACCEPTING
        elif any(item.source_job_id == source_job_id and item.valid_through
                 and item.valid_through < self.observed_at for item in page.postings):
            reason = CLOSE_EXPIRED
        else:
            return
        yield self.gone(source_job_id, response.url, reason)


def _sitemap_body(response: Response) -> bytes | None:
    """The sitemap XML of a response (gunzipped when needed), or ``None``."""
    if gzip_magic_number(response):
        try:
            return gunzip(response.body, max_size=MAX_SITEMAP_BYTES)
        except (ValueError, OSError):  # over the size limit, or a corrupt gzip stream
            return None
    if isinstance(response, XmlResponse) or response.body.lstrip()[:5] == b"<?xml":
        return response.body
    if response.url.split("?")[0].endswith((".xml", ".xml.gz")):
        return response.body
    return None
