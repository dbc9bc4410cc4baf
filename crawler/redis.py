"""Switch the scheduler and dupefilter to scrapy-redis when ``JOBTRENDS_REDIS_URL`` is set.

Several crawler processes (on several hosts) pointed at the same Redis then share one request
queue and one set of seen fingerprints, so they split a crawl instead of repeating it.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings


class RedisAddon:
    """Scrapy add-on: a no-op unless ``JOBTRENDS_REDIS_URL`` is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("JOBTRENDS_REDIS_URL")
        if not url:
            return
        settings.set("REDIS_URL", url, priority="addon")
        settings.set("SCHEDULER", "scrapy_redis.scheduler.Scheduler", priority="addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter",
                     priority="addon")
        # keys are per source (the spider's name is the source name, see SourceSpider)
        settings.set("SCHEDULER_QUEUE_KEY", "jobtrends:%(spider)s:requests", priority="addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", "jobtrends:%(spider)s:dupefilter",
                     priority="addon")
        # the queue is drained by whichever process is alive; keep it if one stops early
        settings.setdefault("SCHEDULER_PERSIST", False)
        settings.set("SCHEDULER_IDLE_BEFORE_CLOSE", settings.getint(
            "SCHEDULER_IDLE_BEFORE_CLOSE", 2), priority="addon")
