"""Recruitee careers sites: ``https://{company}.recruitee.com/api/offers/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, recruitee
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class RecruiteeSpider(SourceSpider):
    name = kind = "recruitee"

    async def start(self) -> AsyncIterator[Any]:
        yield self.listing_request(api_url(self.source.origin, "/api/offers/"), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from recruitee.parse_offers(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
