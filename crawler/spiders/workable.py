"""Workable accounts: the widget API lists every job, ``details=true`` adds descriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, workable
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class WorkableSpider(SourceSpider):
    name = kind = "workable"

    async def start(self) -> AsyncIterator[Any]:
        account = quote(self.source.option("account"))
        yield self.listing_request(api_url(
            self.source.origin, f"/api/v1/widget/accounts/{account}?details=true"), self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from workable.parse_account(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
