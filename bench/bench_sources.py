"""Many small sources: does a source's weekly crawl cost the same however many sources there are?

    .venv/bin/python bench/bench_sources.py            # 250 and 1,000 boards of 40 postings
    .venv/bin/python bench/bench_sources.py --postgres postgresql://postgres@127.0.0.1:5432/test

An operator who follows company career APIs (an ATS board per company) has many sources of a
few dozen postings each, crawled weekly, and a job board or two that copy some of them. Per
source, a crawl records its run (with the source's open count), stores its postings and
finishes; reconcile then judges every run, counts each source's misses and links the roles
that span sources. All of that should cost per source what it costs with few sources: a
statement that reads every source's open postings to answer for one source makes the week
quadratic.

The benchmark crawls ``--sources`` boards and, in a second database, ``--scale`` times as many,
for ``--weeks`` weeks with 10% of each board's postings replaced every week, and a job board
that lists a copy of a quarter of them (roles across two sources). Before the last
week each board gets ``--old-signals`` close signals that earlier reconciles applied, as a year
of crawls leaves them. It prints the milliseconds per source of the last week's crawl
bookkeeping (run start and finish), storing and reconcile. The ratio of the large to the small
database is the figure: about 1 means each source's cost does not grow with the number of
sources. Record building is not timed.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from bench_upsert import private_schema
from sqlalchemy import text
from sqlalchemy.orm import Session

from storage import ingest, schema
from storage.db import make_engine
from storage.lifecycle import reconcile
from storage.records import LocationRecord, PostingRecord, SkillRecord

T0 = datetime(2026, 1, 5, 9, 0)


@dataclass
class Week:
    """Seconds spent in one week's crawls and reconcile."""

    runs: float = 0.0  # start_crawl_run + finish_crawl_run
    store: float = 0.0  # upsert_postings
    reconcile: float = 0.0
    closed: int = 0
    linked: int = 0


@dataclass
class Boards:
    """Each board's live job ids; every week 10% of them are replaced by new ones."""

    sources: int
    postings: int
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    live: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.live = {s: list(range(self.postings)) for s in range(self.sources)}
        self.next = dict.fromkeys(range(self.sources), self.postings)

    def churn(self) -> None:
        for s, ids in self.live.items():
            kept = [j for j in ids if self.rng.random() >= 0.1]
            while len(kept) < self.postings:
                kept.append(self.next[s])
                self.next[s] += 1
            self.live[s] = kept

    def records(self, s: int) -> list[PostingRecord]:
        return [
            PostingRecord(
                source_job_id=str(j),
                title=f"Engineer {j % 37}",
                company_name=f"Board {s} NV",
                description_text=f"Role {j} at board {s}: build and run data systems. " * 4,
                locations=[LocationRecord("Brussels", country="BE")],
                skills=[SkillRecord("Python", "language"), SkillRecord("SQL", "language")],
                enrichment_version="1",
                role_family="data-engineer",
            )
            for j in self.live[s]
        ]


def crawl_week(url: str, boards: Boards, at: datetime) -> Week:
    engine = make_engine(url)
    week = Week()
    for s in range(boards.sources):
        records = boards.records(s)
        with Session(engine) as session, session.begin():
            t0 = time.perf_counter()
            run_id = ingest.start_crawl_run(
                session, f"board-{s}", kind="greenhouse", observed_at=at
            )
            t1 = time.perf_counter()
            ingest.upsert_postings(session, run_id, records)
            t2 = time.perf_counter()
            ingest.finish_crawl_run(
                session, run_id, finish_reason="finished", pages_fetched=1, pages_failed=0
            )
            t3 = time.perf_counter()
        week.runs += (t1 - t0) + (t3 - t2)
        week.store += t2 - t1
    # a job board copying a quarter of every board's postings: roles that span two sources
    copies = [
        replace(record, source_job_id=f"{s}-{record.source_job_id}")
        for s in range(boards.sources)
        for record in boards.records(s)
        if int(record.source_job_id) % 4 == 0
    ]
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(
            session, "jobboard", kind="jsonld", observed_at=at, first_party=False
        )
        for start in range(0, len(copies), 1000):
            ingest.upsert_postings(session, run_id, copies[start : start + 1000])
        ingest.finish_crawl_run(
            session, run_id, finish_reason="finished", pages_fetched=1, pages_failed=0
        )
    t0 = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = reconcile(session)
    week.reconcile = time.perf_counter() - t0
    week.closed = report.closed_unseen
    week.linked = report.postings_linked
    engine.dispose()
    return week


# close signals that earlier reconciles applied (a posting page's 404, say), recorded a year
# before the first crawl: ``per_board`` for each board (generated values only)
_OLD_SIGNALS_SQL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
INSERT INTO close_signals (source_id, source_job_id, reason, observed_at, applied_at)
SELECT s.id, 'old-' || n.i, 'http_gone', :at, :at FROM n JOIN sources s ON 1 = 1
"""


def add_old_signals(url: str, per_board: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(_OLD_SIGNALS_SQL), {"count": per_board, "at": T0 - timedelta(days=365)})
    engine.dispose()


def measure(url: str, sources: int, postings: int, weeks: int, old_signals: int) -> Week:
    """The last of ``weeks`` weekly crawls of ``sources`` boards, in a new database at ``url``,
    with ``old_signals`` applied close signals a board stored before the last week."""
    schema.upgrade(url)
    boards = Boards(sources, postings)
    week = Week()
    for n in range(weeks):
        if n:
            boards.churn()
        if n == weeks - 1 and old_signals:
            add_old_signals(url, old_signals)
        week = crawl_week(url, boards, T0 + timedelta(weeks=n))
    return week


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=250, help="boards (default 250)")
    parser.add_argument("--scale", type=int, default=4, help="the large run's factor (default 4)")
    parser.add_argument("--postings", type=int, default=40, help="postings a board (default 40)")
    parser.add_argument("--weeks", type=int, default=4, help="weekly crawls (default 4)")
    parser.add_argument(
        "--old-signals",
        type=int,
        default=100,
        help="close signals of earlier weeks, already applied, per board (default 100)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure PostgreSQL instead (in new schemas of this database, dropped afterwards)",
    )
    args = parser.parse_args()
    sizes = (args.sources, args.sources * args.scale)
    results: list[Week] = []
    with ExitStack() as stack:
        for size in sizes:
            if args.postgres:
                url = stack.enter_context(private_schema(args.postgres))
            else:
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                url = f"sqlite:///{folder / 'b.db'}"
            results.append(measure(url, size, args.postings, args.weeks, args.old_signals))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}, boards of {args.postings} postings (10% replaced weekly) and "
          f"{args.old_signals} applied close signals each, week {args.weeks} of weekly crawls; "
          "milliseconds per board")  # fmt: skip
    print(f"  {'boards':>8} {'postings':>9} {'run start+finish':>17} {'store':>8} "
          f"{'reconcile':>10} {'closed':>7} {'linked':>7}")  # fmt: skip
    for size, week in zip(sizes, results, strict=True):
        print(f"  {size:>8,} {size * args.postings:>9,} {week.runs / size * 1000:>17.2f} "
              f"{week.store / size * 1000:>8.2f} {week.reconcile / size * 1000:>10.2f} "
              f"{week.closed:>7,} {week.linked:>7,}")  # fmt: skip
    small, large = results
    ratios = {
        "run start+finish": (large.runs / sizes[1]) / (small.runs / sizes[0]),
        "store": (large.store / sizes[1]) / (small.store / sizes[0]),
        "reconcile": (large.reconcile / sizes[1]) / (small.reconcile / sizes[0]),
    }
    print(
        f"  per-board cost, {sizes[1]:,} boards / {sizes[0]:,} boards: "
        + ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items())
    )
    worst = max(ratios.values())
    verdict = "is flat" if worst < 1.5 else "GROWS with the number of sources"
    print(f"  worst ratio {worst:.2f}: the per-source cost {verdict} (target < 1.5)")


if __name__ == "__main__":
    main()
