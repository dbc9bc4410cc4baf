"""Teamtailor career sites: the ``/jobs.rss`` feed (``per_page`` raises its 100-job default)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, teamtailor
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class TeamtailorSpider(SourceSpider):
    name = kind = "teamtailor"

    async def start(self) -> AsyncIterator[Any]:
        per_page = int(self.source.option("per_page", 1000))
        yield self.listing_request(
            api_url(self.source.origin, f"/jobs.rss?per_page={per_page}"), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from teamtailor.parse_feed(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
