"""Run real crawls of configured sources without storage and dump items + stats as JSON.

``python tests/mockserver/crawl.py SOURCES.toml OUT.json [-s KEY=VALUE ...]``: the tests call it
in a subprocess (Twisted's reactor runs once per process) against the mock server.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.runner import crawl_settings, crawl_sources
from crawler.sources import SourceConfig, load_sources

# polite defaults would make the tests slow; the mock server needs no politeness
TEST_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_TIMES": 2,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "WARNING",
    "DOWNLOAD_TIMEOUT": 10,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sources")
    parser.add_argument("out")
    parser.add_argument("-s", "--set", action="append", default=[])
    parser.add_argument("--store", action="store_true")
    args = parser.parse_args()
    overrides = dict(TEST_SETTINGS)
    for pair in args.set:
        key, _, value = pair.partition("=")
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    sources = load_sources(args.sources)
    results: dict[str, dict[str, Any]] = {s.name: {"items": []} for s in sources}

    def attach(crawler: Crawler, source: SourceConfig) -> None:
        def scraped(item: Any, **kwargs: Any) -> None:
            record = dataclasses.asdict(item)
            record["_type"] = type(item).__name__
            results[source.name]["items"].append(record)

        crawler.signals.connect(scraped, signal=signals.item_scraped, weak=False)

    outcomes = crawl_sources(sources, crawl_settings(store=args.store, overrides=overrides),
                             parallel=8, on_crawler=attach)
    for outcome in outcomes:
        results[outcome.source].update(
            stats={k: v for k, v in outcome.stats.items() if not isinstance(v, datetime)},
            finish_reason=outcome.finish_reason, error=outcome.error)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(results, fh, default=_plain, indent=1)


if __name__ == "__main__":
    main()
