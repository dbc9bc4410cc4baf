"""Recruitee careers sites: ``https://{company}.recruitee.com/api/offers/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Response

from crawler.endpoints import first_url
from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, recruitee
from crawler.spiders.base import SourceSpider


class RecruiteeSpider(SourceSpider):
    name = kind = "recruitee"

    async def start(self) -> AsyncIterator[Any]:
        yield self.listing_request(first_url(self.source), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from recruitee.parse_offers(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
