"""The crawl's observation time: ``JOBTRENDS_OBSERVED_AT`` (ISO 8601) or now, naive UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.settings import BaseSettings


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_observed(value: str) -> datetime:
    """Naive UTC from an ISO 8601 string (a zone is converted; ``Z`` accepted)."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def observed_at(settings: BaseSettings) -> datetime:
    value = settings.get("JOBTRENDS_OBSERVED_AT")
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return parse_observed(value) if value else utcnow()
