"""Any site embedding schema.org ``JobPosting`` JSON-LD, fed sitemaps and/or listing pages.

Source keys: ``start_urls`` (listing pages, or sitemaps: URLs ending in ``.xml``/``.xml.gz``
or naming a sitemap), ``sitemap_urls``, ``sitemap_follow`` (regexes a sitemap-index entry
must match), ``posting_url_pattern`` (regex a posting URL must match), ``link_selector``
(CSS of posting links on listing pages), ``next_page_selector`` (CSS of the next listing
page; default ``rel=next`` links) and ``max_pages`` (listing pages per start URL).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap

from crawler.items import JobPostingItem, PostingGoneItem
from crawler.parsers import PayloadError, jsonld
from crawler.spiders.base import SourceSpider
from crawler.urls import canonical_url
from storage.models import CLOSE_EXPIRED, CLOSE_HTTP_GONE, CLOSE_NOT_ACCEPTING

STAT_PARSE_ERRORS = "jobtrends/jsonld_parse_errors"
STAT_BLOCKS = "jobtrends/jsonld_blocks"
STAT_NO_POSTING = "jobtrends/pages_without_jobposting"
DEFAULT_NEXT = "a[rel~=next]::attr(href), link[rel~=next]::attr(href)"
DEFAULT_MAX_PAGES = 1000
MAX_SITEMAP_BYTES = 200 * 1024 * 1024
_SITEMAP_URL = re.compile(r"(\.xml(\.gz)?$)|sitemap", re.I)

Output = Iterator[JobPostingItem | PostingGoneItem | scrapy.Request]


class JsonLdSpider(SourceSpider):
    name = kind = "jsonld"

    async def start(self) -> AsyncIterator[Any]:
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
        body = _sitemap_body(response)
        if body is None:
            self.payload_error(response.url, PayloadError("jsonld: not a sitemap"))
            return
        sitemap = Sitemap(body)
        if sitemap.type == "sitemapindex":
            for entry in sitemap:
                loc = entry.get("loc")
                if loc and (not self._follow or any(p.search(loc) for p in self._follow)):
                    yield self.listing_request(loc, self.parse_sitemap)
        elif sitemap.type == "urlset":
            for entry in sitemap:
                loc = entry.get("loc")
                if loc and self._posting_pattern.search(loc):
                    yield self.posting_request(loc)
        else:
            self.payload_error(response.url, PayloadError("jsonld: not a sitemap"))

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
        return scrapy.Request(url, callback=self.parse_posting, errback=self.on_error,
                              priority=1, meta={"handle_httpstatus_list": [404, 410],
                                                "posting_url": url})

    def parse_posting(self, response: Response) -> Output:
        url = response.meta.get("posting_url", response.url)
        job_id = canonical_url(url) or url
        if response.status in (404, 410):
            self._gone(job_id, url, CLOSE_HTTP_GONE)
            yield PostingGoneItem(self.source.name, job_id, url, CLOSE_HTTP_GONE)
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
            self._gone(gone_id, response.url, CLOSE_NOT_ACCEPTING)
            yield PostingGoneItem(self.source.name, gone_id, response.url, CLOSE_NOT_ACCEPTING)
            return
        if not page.postings and check_closed:
            stats.inc_value(STAT_NO_POSTING)
        for item in page.postings:
            yield item
            if check_closed and item.valid_through and item.valid_through < self.observed_at:
                # storage applies it only where the source cannot list the posting again
                self._gone(item.source_job_id, item.url, CLOSE_EXPIRED)
                yield PostingGoneItem(self.source.name, item.source_job_id, item.url,
                                      CLOSE_EXPIRED)

    def _gone(self, job_id: str, url: str | None, reason: str) -> None:
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value(f"jobtrends/gone/{reason}")
        self.logger.info("%s: posting gone (%s)", url or job_id, reason)


def _sitemap_body(response: Response) -> bytes | None:
    """The sitemap XML of a response (gunzipped when needed), or ``None``."""
    if gzip_magic_number(response):
        try:
            return gunzip(response.body, max_size=MAX_SITEMAP_BYTES)
        except _DecompressionMaxSizeExceeded:
            return None
    if isinstance(response, XmlResponse) or response.body.lstrip()[:5] == b"<?xml":
        return response.body
    if response.url.split("?")[0].endswith((".xml", ".xml.gz")):
        return response.body
    return None
