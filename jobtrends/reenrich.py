"""Re-enrich stored postings whose enrichment version is not the current one.

Reads postings with the storage models in id order (keyset batches), runs the enricher, and
rewrites each batch's enrichment columns, ``posting_locations`` and ``posting_skills``, and
links the batch's roles across sources again (its cities may have changed), in one
transaction per batch, so an interrupted run loses at most the batch in flight and a re-run
continues where it stopped (finished postings carry the new version).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from enrichment import ENRICHMENT_VERSION, Enricher, Enrichment, PostingText, get_enricher
from storage.dedup import link_canonical_postings, lock_every_source
from storage.ingest import store_skills
from storage.models import Posting, PostingDescription, PostingLocation, PostingSkill


@dataclass
class ReenrichStats:
    postings: int = 0  # postings re-enriched
    batches: int = 0
    linked: int = 0  # postings whose canonical posting changed (their cities may have)
    # postings a crawl changed while their batch was being enriched: left as the crawl wrote
    # them (the crawler enriches what it stores)
    changed_meanwhile: int = 0


def _stale(version: str, everything: bool) -> ColumnElement[bool]:
    if everything:
        return Posting.id.is_not(None)
    return or_(Posting.enrichment_version.is_(None), Posting.enrichment_version != version)


def count_stale(session: Session, *, version: str = ENRICHMENT_VERSION,
                everything: bool = False) -> int:
    """How many postings a re-enrichment would touch."""
    from sqlalchemy import func

    return session.scalar(select(func.count(Posting.id)).where(_stale(version, everything))) or 0


def reenrich(
    engine: Engine,
    *,
    enricher: Enricher | None = None,
    version: str = ENRICHMENT_VERSION,
    everything: bool = False,
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> ReenrichStats:
    """Re-enrich stale postings (or all with ``everything``); return what was done."""
    enricher = enricher or get_enricher()
    stats = ReenrichStats()
    last_id = 0
    while True:
        with Session(engine) as session, session.begin():
            rows = session.execute(
                select(Posting.id, Posting.content_hash, Posting.title,
                       PostingDescription.description_text,
                       Posting.location_raw, Posting.employment_type_raw, Posting.seniority_raw,
                       Posting.language, Posting.company_name_raw, Posting.country,
                       Posting.remote)
                .outerjoin(PostingDescription, PostingDescription.posting_id == Posting.id)
                .where(_stale(version, everything), Posting.id > last_id)
                .order_by(Posting.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            texts = [PostingText(title=r.title, description=r.description_text or "",
                                 location=r.location_raw, employment_type=r.employment_type_raw,
                                 seniority=r.seniority_raw, language=r.language,
                                 company=r.company_name_raw, country=r.country) for r in rows]
            found = enricher.enrich_many(texts)
            last_id = rows[-1].id
            # Crawls went on while the batch was enriched (nothing was locked): take the locks
            # a crawl's batch takes (linking touches postings of any source), then write only
            # the postings whose content is still what was enriched.
            conn = session.connection()
            lock_every_source(conn)
            current = {posting_id: content_hash for posting_id, content_hash in session.execute(
                select(Posting.id, Posting.content_hash)
                .where(Posting.id.in_([row.id for row in rows]))
            )}
            kept = [(row, result) for row, result in zip(rows, found, strict=True)
                    if row.id in current and current[row.id] == row.content_hash]
            if kept:
                _write_batch(session, [row for row, _ in kept], [result for _, result in kept],
                             version)
                # the cities and country that decide whether two sources list one role may
                # have changed: reconcile only re-links around what crawls write
                stats.linked += link_canonical_postings(
                    conn, posting_ids=[row.id for row, _ in kept]
                )
        stats.postings += len(kept)
        stats.changed_meanwhile += len(rows) - len(kept)
        stats.batches += 1
        if progress:
            progress(len(rows))
    return stats


def _write_batch(session: Session, rows: Sequence[Any], found: Sequence[Enrichment],
                 version: str) -> None:
    ids = [r.id for r in rows]
    located = [(r, f) for r, f in zip(rows, found, strict=True) if f.locations]
    updates = []
    for row, result in zip(rows, found, strict=True):
        country = next((loc.country for loc in result.locations if loc.country), None)
        updates.append({
            "id": row.id,
            "language": result.language,
            "seniority": result.seniority,
            "employment_type": result.employment_type,
            "remote": result.remote or row.remote,
            "role_family": result.role_family,
            "country": country or row.country,
            "enrichment_version": version,
        })
    session.execute(update(Posting), updates)
    # locations: replaced where enrichment found some; a posting it found nothing for keeps
    # what the source said
    if located:
        session.execute(delete(PostingLocation).where(
            PostingLocation.posting_id.in_([r.id for r, _ in located])))
        session.execute(insert(PostingLocation), [
            {"posting_id": r.id, "city": loc.city, "region": loc.region, "country": loc.country,
             "raw": loc.raw}
            for r, f in located for loc in f.locations
        ])
    session.execute(delete(PostingSkill).where(PostingSkill.posting_id.in_(ids)))
    skill_ids: dict[str, int] = {}
    store_skills(session.connection(),
                 {s.name: s.category for result in found for s in result.skills}, skill_ids)
    links = []
    for row, result in zip(rows, found, strict=True):
        for name, mentions in Counter(s.name for s in result.skills).items():
            links.append({"posting_id": row.id, "skill_id": skill_ids[name], "mentions": mentions})
    if links:
        session.execute(insert(PostingSkill), links)
