"""Greenhouse boards: the whole board in one answer, ``content=true`` for descriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, greenhouse
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class GreenhouseSpider(SourceSpider):
    name = kind = "greenhouse"

    async def start(self) -> AsyncIterator[Any]:
        board = quote(self.source.option("board"))
        yield self.listing_request(
            api_url(self.source.origin, f"/v1/boards/{board}/jobs?content=true"), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from greenhouse.parse_jobs(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
