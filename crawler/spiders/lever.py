"""Lever postings: paged with ``skip``/``limit`` until a short page; EU sites via ``base_url``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import scrapy
from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, lever
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url

DEFAULT_PAGE_SIZE = 100


class LeverSpider(SourceSpider):
    name = kind = "lever"

    def page_request(self, skip: int) -> scrapy.Request:
        site = quote(self.source.option("site"))
        limit = int(self.source.option("page_size", DEFAULT_PAGE_SIZE))
        url = api_url(self.source.origin,
                      f"/v0/postings/{site}?mode=json&skip={skip}&limit={limit}")
        return self.listing_request(url, self.parse, skip=skip, limit=limit)

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
