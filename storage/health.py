"""Crawl health per source: is each source still tracked, or has its crawling silently stopped?

An operator who schedules crawls wants to know, without reading logs, which sources have not
been crawled completely lately: their postings are neither opened nor closed while that lasts
(an incomplete crawl closes nothing), so their weeks drop out of the trends. Read-only: works on
a replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from storage.lifecycle import EMPTY_LISTING
from storage.models import (
    POSTING_OPEN,
    RUN_COMPLETE,
    RUN_INCOMPLETE,
    RUN_RUNNING,
    CrawlRun,
    Posting,
    Source,
)


@dataclass(frozen=True)
class SourceHealth:
    """What the crawl records say about one source."""

    name: str
    kind: str
    runs: int
    last_observed_at: datetime | None  # the latest crawl run (None: never crawled)
    last_status: str | None  # running / complete / incomplete
    last_detail: str | None  # reconcile's verdict on it ("incomplete: ..." says why)
    last_complete_at: datetime | None  # the latest complete crawl
    open_postings: int
    retired_at: datetime | None = None  # `jobtrends sources retire`: no longer tracked

    @property
    def running(self) -> bool:
        return self.last_status == RUN_RUNNING

    @property
    def why_incomplete(self) -> str | None:
        """Why the latest crawl was not complete, as reconcile recorded it (None if it was)."""
        if self.last_status == RUN_COMPLETE or not self.last_detail:
            return None
        return self.last_detail.removeprefix(f"{RUN_INCOMPLETE}: ")

    @property
    def listed_nothing(self) -> bool:
        """The latest crawl finished cleanly but listed nothing while postings were open: an
        emptied board, or a broken page (``reconcile --accept-empty`` tells them apart, and so
        do the postings' own pages, which the crawler revisits where it can)."""
        return self.last_status == RUN_INCOMPLETE and EMPTY_LISTING in (self.last_detail or "")

    def stale(self, as_of: datetime, max_age: timedelta) -> bool:
        """Not retired, and no complete crawl in the last ``max_age`` (or ever)."""
        return self.retired_at is None and (
            self.last_complete_at is None or self.last_complete_at < as_of - max_age
        )

    def problem(self, as_of: datetime, max_age: timedelta) -> str | None:
        """Why the source needs attention at ``as_of``, or None: it has no complete crawl in
        the last ``max_age``, or its latest crawl was incomplete. A retired source needs none:
        it is not crawled on purpose."""
        if self.retired_at is not None:
            return None
        if self.stale(as_of, max_age):
            if self.last_complete_at is None:
                return "never crawled completely" if self.runs else "never crawled"
            days = (as_of - self.last_complete_at).days
            return f"no complete crawl for {days} day{'s' if days != 1 else ''}"
        if self.last_status == RUN_INCOMPLETE:
            return "latest crawl incomplete"
        return None


def source_health(session: Session) -> list[SourceHealth]:
    """Every stored source with its crawl record, by name."""
    latest = (
        select(
            CrawlRun.source_id,
            CrawlRun.observed_at,
            CrawlRun.status,
            CrawlRun.status_detail,
            func.row_number()
            .over(
                partition_by=CrawlRun.source_id,
                order_by=(CrawlRun.observed_at.desc(), CrawlRun.id.desc()),
            )
            .label("recency"),
        )
    ).subquery("latest")
    runs = (
        select(
            CrawlRun.source_id,
            func.count().label("runs"),
            func.max(
                case((CrawlRun.status == RUN_COMPLETE, CrawlRun.observed_at))
            ).label("last_complete_at"),
        )
        .group_by(CrawlRun.source_id)
        .subquery("runs")
    )
    open_postings = (
        select(Posting.source_id, func.count().label("open"))
        .where(Posting.status == POSTING_OPEN)
        .group_by(Posting.source_id)
        .subquery("open_postings")
    )
    rows = session.execute(
        select(
            Source.name,
            Source.kind,
            func.coalesce(runs.c.runs, 0),
            latest.c.observed_at,
            latest.c.status,
            latest.c.status_detail,
            runs.c.last_complete_at,
            func.coalesce(open_postings.c.open, 0),
            Source.retired_at,
        )
        .outerjoin(latest, (latest.c.source_id == Source.id) & (latest.c.recency == 1))
        .outerjoin(runs, runs.c.source_id == Source.id)
        .outerjoin(open_postings, open_postings.c.source_id == Source.id)
        .order_by(Source.name)
    )
    return [SourceHealth(*row) for row in rows]
