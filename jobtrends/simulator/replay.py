"""Feed a simulated market straight into storage, week by week, with its true labels.

This skips HTTP, spiders and enrichment: what storage receives is exactly what a perfect crawler
and a perfect enricher would hand it. Tests use it to check the lifecycle and trend layers against
the ground truth alone, and benchmarks to fill a database with a large market quickly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from crawler.settings import JOBTRENDS_REVISIT_MISSING
from crawler.sources import KINDS
from jobtrends.simulator.content import description, location_label
from jobtrends.simulator.market import Market, Placement
from jobtrends.simulator.truth import claimed_opening
from jobtrends.simulator.vocab import CITIES, skill_label
from storage.ingest import (
    finish_crawl_run,
    record_close_signal,
    start_crawl_run,
    unlisted_open_postings,
    upsert_postings,
)
from storage.lifecycle import reconcile
from storage.models import CLOSE_HTTP_GONE
from storage.records import LocationRecord, PostingRecord, SkillRecord

REPLAY_ENRICHMENT_VERSION = "simulator-labels"


def posting_record(market: Market, p: Placement) -> PostingRecord:
    """The record a perfect crawler and enricher would produce for ``p``."""
    role = market.roles[p.role]
    company = market.companies[role.company]
    claimed = claimed_opening(market, role, p.source)
    return PostingRecord(
        source_job_id=p.job_id,
        title=role.title,
        url=f"sim://{p.source}/{p.job_id}",
        company_name=company.name,
        description_text=description(role, company).plain(),
        date_posted_raw=claimed.isoformat(),
        date_posted=claimed,
        location_raw=location_label(role, company),
        employment_type_raw=role.employment,
        country=CITIES[role.cities[0]][0],
        remote=role.remote,
        language=role.language,
        seniority=role.seniority,
        employment_type=role.employment,
        role_family=role.family,
        enrichment_version=REPLAY_ENRICHMENT_VERSION,
        locations=[LocationRecord(city=c, country=CITIES[c][0], raw=c) for c in role.cities],
        skills=[SkillRecord(name=skill_label(s)) for s in role.skills],
    )


def replay_week(session: Session, market: Market, week: int,
                revisit_limit: int = JOBTRENDS_REVISIT_MISSING) -> None:
    """Record one crawl per source at ``week``'s crawl time, then reconcile.

    As the crawler does after a listing that did not fail, the open postings it left out are
    revisited (at most ``revisit_limit`` per source): those no longer live get a 404 signal.
    """
    observed_at: datetime = market.crawl_time(week)
    for spec in market.sources:
        # as a crawl of the market's sources file records it: job boards are not first-party
        run_id = start_crawl_run(session, spec.name, kind=spec.kind, observed_at=observed_at,
                                 country=spec.country, first_party=KINDS[spec.kind].first_party)
        if market.is_failing(spec.name, week):
            finish_crawl_run(session, run_id, finish_reason="finished", pages_fetched=0,
                             pages_failed=3, finished_at=observed_at)
            continue
        records = [posting_record(market, p) for p in market.visible(spec.name, week)]
        if records:
            upsert_postings(session, run_id, records)
        if limit := KINDS[spec.kind].revisit_limit(None, revisit_limit):
            for unlisted in unlisted_open_postings(session, run_id, limit):
                placement = market.placement(spec.name, unlisted.source_job_id)
                if placement is None or not market.is_live(placement, week):
                    record_close_signal(session, run_id, unlisted.source_job_id,
                                        CLOSE_HTTP_GONE)
        finish_crawl_run(session, run_id, finish_reason="finished",
                         pages_fetched=1 + len(records), pages_failed=0, finished_at=observed_at)
    reconcile(session)
    session.commit()


def replay(session: Session, market: Market,
           progress: Callable[[int], None] | None = None,
           revisit_limit: int = JOBTRENDS_REVISIT_MISSING) -> None:
    """Replay every simulated week into storage (see :func:`replay_week`)."""
    for week in range(market.weeks):
        replay_week(session, market, week, revisit_limit)
        if progress is not None:
            progress(week)
