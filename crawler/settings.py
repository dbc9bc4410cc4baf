"""Scrapy settings for the jobtrends crawler: polite by default.

Per-source politeness overrides (``download_delay``, ``concurrency``, ...) come from the
sources file and are applied by each spider at creation. Tests lower the delays to ~0.
"""

from __future__ import annotations

import os

BOT_NAME = "jobtrends"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- who we are: the User-Agent is "jobtrends/<version> (+JOBTRENDS_CONTACT_URL)"
JOBTRENDS_CONTACT_URL = "https://github.com/jobtrends/jobtrends#contact"

# --- politeness
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- retries: exponential backoff honouring Retry-After (crawler.middlewares)
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0  # a longer Retry-After gives up instead of stalling the crawl

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.RevisitResponseCounter": 560,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.ContactUserAgentMiddleware": 500,
}

# --- storage: enrich and store what the spiders yield, one crawl run per source
ITEM_PIPELINES = {"crawler.pipelines.StoragePipeline": 300}
JOBTRENDS_STORE = True
JOBTRENDS_DATABASE_URL: str | None = None  # None: storage.db.default_database_url()
JOBTRENDS_OBSERVED_AT: str | None = None  # ISO 8601; None: the crawl's start time
JOBTRENDS_SOURCES_FILE = "sources.toml"
JOBTRENDS_ENRICH = True
JOBTRENDS_STORE_BATCH = 1000
# SQLite page cache of the crawl's connections, in MB (storage.db.DEFAULT_CACHE_MB: 64): storing
# waits on the network anyway, and a 64 MB cache filled by a big database made the crawl's
# memory grow with it (bench/bench_crawl.py --postings 50000: 148 MB peak, 215 MB with 64 MB)
JOBTRENDS_SQLITE_CACHE_MB = 8
JOBTRENDS_ENRICH_BATCH = 256
# once a crawl's listing is stored, the open postings it left out are fetched at their own
# address (kinds that have one: crawler.sources.KindSpec.revisits), at most this many per
# source and crawl, most recently seen first: a 404/410 closes them at the crawl's time, an
# emptied board's included. 0 turns it off; a source's revisit_missing key overrides it
JOBTRENDS_REVISIT_MISSING = 200
# a crawl observed over a day before now is a replay: no revisits (today's answers would be
# dated then), unless what answers serves that time (the demo's simulated market does)
JOBTRENDS_REVISIT_REPLAYS = False

# --- several processes sharing one crawl: set JOBTRENDS_REDIS_URL (crawler.redis.RedisAddon)
JOBTRENDS_REDIS_URL = os.environ.get("JOBTRENDS_REDIS_URL")
ADDONS = {"crawler.redis.RedisAddon": 0}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
