"""Re-enrichment while crawls go on (jobtrends/reenrich.py): a posting whose content a crawl
changed while the batch was being enriched keeps what the crawl wrote."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from enrichment import ENRICHMENT_VERSION
from enrichment.types import Enrichment, SkillMention
from jobtrends.reenrich import reenrich
from storage import ingest, models
from storage.records import PostingRecord, SkillRecord

T0 = datetime(2026, 3, 2, 9)


def store(engine: Engine, at: datetime, records: list[PostingRecord]) -> None:
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=at)
        ingest.upsert_postings(session, run_id, records)


def enrichment_of(engine: Engine) -> dict[str, tuple[str | None, str | None, set[str]]]:
    """(role family, enrichment version, skills) by job id."""
    p, ps, s = models.Posting, models.PostingSkill, models.Skill
    with Session(engine) as session:
        rows = session.execute(select(p.source_job_id, p.role_family, p.enrichment_version))
        found = {job: (family, version, set[str]()) for job, family, version in rows}
        for job, skill in session.execute(
            select(p.source_job_id, s.name).join(ps, ps.posting_id == p.id).join(s)
        ):
            found[job][2].add(skill)
    return found


def mention(name: str) -> SkillMention:
    return SkillMention(name, "ml", name, 0, len(name), "description")


def test_a_posting_a_crawl_changed_meanwhile_keeps_what_the_crawl_wrote(
    migrated_engine: Engine,
) -> None:
    engine = migrated_engine
    store(engine, T0, [
        PostingRecord(source_job_id="a1", title="ML Engineer", description_text="PyTorch"),
        PostingRecord(source_job_id="b1", title="ML Engineer", description_text="PyTorch"),
    ])  # fmt: skip
    crawled = PostingRecord(
        source_job_id="a1", title="Data Engineer", description_text="SQL and dbt",
        role_family="data-engineer", enrichment_version=ENRICHMENT_VERSION,
        skills=[SkillRecord("SQL", "language")],
    )  # fmt: skip

    class CrawlMeanwhile:
        """Enriches from the text it was given, while a crawl stores a1's new content (the
        crawler enriches what it stores)."""

        def enrich_many(self, texts: Any, batch_size: int = 256) -> list[Enrichment]:
            store(engine, T0 + timedelta(days=1), [crawled])
            return [
                Enrichment(language="en", role_family="ml-engineer", skills=[mention("PyTorch")])
                for _ in texts
            ]

    stats = reenrich(engine, enricher=CrawlMeanwhile())  # type: ignore[arg-type]
    assert (stats.postings, stats.changed_meanwhile) == (1, 1)
    assert enrichment_of(engine) == {
        "a1": ("data-engineer", ENRICHMENT_VERSION, {"SQL"}),  # the crawl's, not overwritten
        "b1": ("ml-engineer", ENRICHMENT_VERSION, {"PyTorch"}),
    }
