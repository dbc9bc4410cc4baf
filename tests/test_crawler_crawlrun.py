"""What a crawl run records from Scrapy's stats (pure)."""

from __future__ import annotations

import pytest

from crawler.crawlrun import RunFigures, finish_reason


@pytest.mark.parametrize(
    ("stats", "fetched", "failed"),
    [
        ({}, 0, 0),
        ({"downloader/response_count": 5}, 5, 0),
        # a 500 retried twice then given up: 3 responses, one final failure
        ({"downloader/response_count": 3, "jobtrends/failed_responses": 1,
          "jobtrends/pages_failed": 1}, 2, 1),
        # DNS/connection failures never produced a response
        ({"jobtrends/pages_failed": 1}, 0, 1),
        ({"downloader/response_count": 1, "jobtrends/failed_responses": 2,
          "jobtrends/pages_failed": 2}, 0, 2),
    ],
)
def test_run_figures(stats: dict[str, int], fetched: int, failed: int) -> None:
    figures = RunFigures.from_stats(stats)
    assert (figures.pages_fetched, figures.pages_failed) == (fetched, failed)


@pytest.mark.parametrize(
    ("scrapy_reason", "listing_failed", "expected"),
    [
        ("finished", None, "finished"),
        ("finished", "HTTP 404", "listing_failed"),
        ("shutdown", "HTTP 500", "shutdown"),  # Scrapy's own abnormal reason wins
        ("closespider_timeout", None, "closespider_timeout"),
    ],
)
def test_finish_reason(scrapy_reason: str, listing_failed: str | None, expected: str) -> None:
    assert finish_reason(scrapy_reason, listing_failed) == expected
