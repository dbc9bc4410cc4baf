"""Personio XML feeds: ``https://{company}.jobs.personio.de/xml?language=en``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, personio
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class PersonioSpider(SourceSpider):
    name = kind = "personio"

    async def start(self) -> AsyncIterator[Any]:
        language = quote(self.source.language or "en")
        yield self.listing_request(api_url(self.source.origin, f"/xml?language={language}"),
                                   self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from personio.parse_feed(response.body, self.ctx,
                                           self.source.option("company"))
        except PayloadError as exc:
            self.payload_error(response.url, exc)
