"""SmartRecruiters: the paged posting list, then each posting's detail for its description."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.endpoints import SMARTRECRUITERS_PAGE_SIZE, smartrecruiters_page
from crawler.items import JobPostingItem
from crawler.parsers import PayloadError, smartrecruiters
from crawler.spiders.base import SourceSpider
from crawler.urls import api_url


class SmartRecruitersSpider(SourceSpider):
    name = kind = "smartrecruiters"

    @property
    def company(self) -> str:
        return str(self.source.option("company"))

    def detail_url(self, posting_id: str) -> str:
        return api_url(self.source.origin,
                       f"/v1/companies/{quote(self.company)}/postings/{quote(posting_id)}")

    def revisit_url(self, source_job_id: str, url: str | None) -> str | None:
        return self.detail_url(source_job_id)  # 404 once the posting is gone

    def page_request(self, offset: int) -> scrapy.Request:
        limit = int(self.source.option("page_size", SMARTRECRUITERS_PAGE_SIZE))
        return self.listing_request(smartrecruiters_page(self.source, offset), self.parse,
                                    offset=offset, limit=limit)

    async def start(self) -> AsyncIterator[Any]:
        yield self.page_request(0)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        try:
            postings, total = smartrecruiters.parse_list(response.body)
        except PayloadError as exc:
            self.payload_error(response.url, exc)
            return
        for post in postings:
            item = smartrecruiters.parse_posting(post, self.ctx, self.company)
            detail = self.detail_url(str(post["id"]))
            # detail pages go first so pending items do not pile up in memory
            yield scrapy.Request(detail, callback=self.parse_detail, errback=self.detail_failed,
                                 cb_kwargs={"item": item}, priority=1)
        offset, limit = response.meta["offset"], response.meta["limit"]
        if postings and offset + limit < total:
            yield self.page_request(offset + limit)

    def parse_detail(self, response: Response, item: JobPostingItem) -> Iterator[JobPostingItem]:
        try:
            yield smartrecruiters.merge_detail(item, response.body, self.ctx, self.company)
        except PayloadError as exc:
            self.payload_error(response.url, exc, listing=False)
            yield item

    def detail_failed(self, failure: Failure) -> Iterator[JobPostingItem]:
        """The posting is listed even if its detail failed: keep it, without description."""
        self.on_error(failure)
        yield failure.request.cb_kwargs["item"]  # type: ignore[attr-defined]
