"""Personio XML feeds: ``https://{company}.jobs.personio.de/xml?language=en``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from crawler.endpoints import first_url
from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, personio
from crawler.spiders.base import SourceSpider


class PersonioSpider(SourceSpider):
    name = kind = "personio"

    async def start(self) -> AsyncIterator[Any]:
        yield self.listing_request(first_url(self.source), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from personio.parse_feed(response.body, self.ctx,
                                           self.source.option("company"))
        except PayloadError as exc:
            self.payload_error(response.url, exc)
