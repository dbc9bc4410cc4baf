"""Ashby job boards: every listed job in one answer, compensation included."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, ashby
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class AshbySpider(SourceSpider):
    name = kind = "ashby"

    async def start(self) -> AsyncIterator[Any]:
        board = quote(self.source.option("board"))
        yield self.listing_request(api_url(
            self.source.origin, f"/posting-api/job-board/{board}?includeCompensation=true"),
            self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from ashby.parse_board(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
