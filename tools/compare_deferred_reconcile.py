"""How often one deferred reconcile ends in the same posting states as reconcile after each crawl.

Random single-source histories (3-10 weekly crawls of up to six postings; a third of the crawls
list two postings or fewer, one in three is interrupted or has too many failed requests), each
replayed twice through the real ingest into fresh SQLite databases: once reconciled after every
crawl, once reconciled only at the end. Prints how many end with every posting in the same
status, closing time and close reason (docs/lifecycle.md, "K missed complete crawls").

    .venv/bin/python tools/compare_deferred_reconcile.py                # 300 histories, k = 2
    .venv/bin/python tools/compare_deferred_reconcile.py --n 1000 --k 3 --seed 7

Compare revisions with ``PYTHONPATH=<other checkout>``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage import ingest, models, schema
from storage.db import make_engine
from storage.lifecycle import reconcile
from storage.records import PostingRecord

T0 = datetime(2026, 1, 5, 6)
JOBS = "ABCDEF"
# finish reason, pages fetched, pages failed
ENDINGS = [("finished", 3, 0)] * 4 + [("shutdown", 3, 0), ("finished", 9, 1)]

Crawl = tuple[frozenset[str], tuple[str, int, int]]


def history(rng: random.Random) -> list[Crawl]:
    crawls = []
    for _ in range(rng.randint(3, 10)):
        size = rng.choice([rng.randint(0, 2), rng.randint(3, len(JOBS))])
        crawls.append((frozenset(rng.sample(JOBS, size)), rng.choice(ENDINGS)))
    return crawls


def replay(engine: Engine, crawls: list[Crawl], k: int, *, deferred: bool) -> None:
    for week, (seen, (reason, fetched, failed)) in enumerate(crawls):
        at = T0 + timedelta(weeks=week)
        with Session(engine) as session, session.begin():
            run = ingest.start_crawl_run(session, "board", kind="test", observed_at=at)
            ingest.upsert_postings(
                session,
                run,
                [PostingRecord(source_job_id=job, title=f"Engineer {job}") for job in sorted(seen)],
            )
            ingest.finish_crawl_run(
                session, run, finish_reason=reason, pages_fetched=fetched, pages_failed=failed
            )
        if not deferred:
            with Session(engine) as session, session.begin():
                reconcile(session, k=k)
    if deferred:
        with Session(engine) as session, session.begin():
            reconcile(session, k=k)


def final_states(engine: Engine) -> dict[str, tuple[Any, ...]]:
    p = models.Posting.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(p.c.source_job_id, p.c.status, p.c.closed_at, p.c.close_reason))
        return {job: tuple(rest) for job, *rest in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="histories (default 300)")
    parser.add_argument("--k", type=int, default=2, help="misses that close (default 2)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as directory:
        template = Path(directory) / "template.db"
        schema.upgrade(f"sqlite:///{template}")
        same = 0
        for i in range(args.n):
            crawls = history(rng)
            states = []
            for deferred in (False, True):
                path = Path(directory) / f"{i}-{deferred}.db"
                shutil.copyfile(template, path)
                engine = make_engine(f"sqlite:///{path}")
                replay(engine, crawls, args.k, deferred=deferred)
                states.append(final_states(engine))
                engine.dispose()
                path.unlink()
            same += states[0] == states[1]
    print(
        f"{same} of {args.n} histories (k = {args.k}, seed {args.seed}) end in the same posting "
        "states with one deferred reconcile as with reconcile after each crawl"
    )


if __name__ == "__main__":
    main()
