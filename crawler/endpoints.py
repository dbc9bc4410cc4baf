"""The first URL each source kind fetches (spiders page on from it; ``sources check`` uses it)."""

from __future__ import annotations

from urllib.parse import quote

from crawler.sources import SourceConfig
from crawler.urls import api_url

LEVER_PAGE_SIZE = 100
SMARTRECRUITERS_PAGE_SIZE = 100  # the API's maximum
TEAMTAILOR_PER_PAGE = 1000


def lever_page(source: SourceConfig, skip: int) -> str:
    limit = int(source.option("page_size", LEVER_PAGE_SIZE))
    return api_url(source.origin, f"/v0/postings/{quote(source.option('site'))}"
                                  f"?mode=json&skip={skip}&limit={limit}")


def smartrecruiters_page(source: SourceConfig, offset: int) -> str:
    limit = int(source.option("page_size", SMARTRECRUITERS_PAGE_SIZE))
    return api_url(source.origin, f"/v1/companies/{quote(source.option('company'))}/postings"
                                  f"?limit={limit}&offset={offset}")


def first_url(source: SourceConfig) -> str:
    """The source's listing URL (first page), under its ``base_url`` when one is set."""
    origin, options = source.origin, source.options
    if source.kind == "greenhouse":
        return api_url(origin, f"/v1/boards/{quote(options['board'])}/jobs?content=true")
    if source.kind == "lever":
        return lever_page(source, 0)
    if source.kind == "smartrecruiters":
        return smartrecruiters_page(source, 0)
    if source.kind == "ashby":
        return api_url(origin, f"/posting-api/job-board/{quote(options['board'])}"
                               "?includeCompensation=true")
    if source.kind == "workable":
        return api_url(origin, f"/api/v1/widget/accounts/{quote(options['account'])}"
                               "?details=true")
    if source.kind == "recruitee":
        return api_url(origin, "/api/offers/")
    if source.kind == "personio":
        return api_url(origin, f"/xml?language={quote(source.language or 'en')}")
    if source.kind == "teamtailor":
        per_page = int(options.get("per_page", TEAMTAILOR_PER_PAGE))
        return api_url(origin, f"/jobs.rss?per_page={per_page}")
    if source.kind == "jsonld":
        urls = options.get("sitemap_urls") or options.get("start_urls") or [""]
        return str(urls[0])
    raise ValueError(f"unknown kind {source.kind!r}")
