"""Greenhouse boards: the whole board in one answer, ``content=true`` for descriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawler.endpoints import first_url
from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, greenhouse
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class GreenhouseSpider(SourceSpider):
    name = kind = "greenhouse"

    async def start(self) -> AsyncIterator[Any]:
        yield self.listing_request(first_url(self.source), self.parse)

    def revisit_url(self, source_job_id: str, url: str | None) -> str | None:
        # the Job Board API's one job: 404 {"status": 404, "error": "Job not found"} once gone
        return api_url(self.source.origin, f"/v1/boards/{quote(self.source.option('board'))}"
                                           f"/jobs/{quote(source_job_id)}")

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPostingItem]:
        try:
            yield from greenhouse.parse_jobs(response.body, self.ctx)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
