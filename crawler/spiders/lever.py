"""Lever postings: paged with ``skip``/``limit`` until a short page; EU sites via ``base_url``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import scrapy
from scrapy.http import Response

from crawler.endpoints import LEVER_PAGE_SIZE, lever_page
from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, lever
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class LeverSpider(SourceSpider):
    name = kind = "lever"

    def page_request(self, skip: int) -> scrapy.Request:
        limit = int(self.source.option("page_size", LEVER_PAGE_SIZE))
        return self.listing_request(lever_page(self.source, skip), self.parse, skip=skip,
                                    limit=limit)

    def revisit_url(self, source_job_id: str, url: str | None) -> str | None:
        # one posting: 404 {"ok": false, "error": "Document not found"} once it is gone
        return api_url(self.source.origin, f"/v0/postings/{quote(self.source.option('site'))}"
                                           f"/{quote(source_job_id)}")

    async def start(self) -> AsyncIterator[Any]:
        yield self.page_request(0)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem | scrapy.Request]:
        try:
            postings = lever.parse_page(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
            return
        yield from postings
        # a full page may have a successor; a short (or empty) one is the last
        limit = response.meta["limit"]
        if len(postings) >= limit:
            yield self.page_request(response.meta["skip"] + limit)
