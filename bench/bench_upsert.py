"""Posting upsert throughput on SQLite, against a plain INSERT baseline measured in the same run.

    .venv/bin/python bench/bench_upsert.py            # 1,000,000 postings (target >= 50,000/s)
    .venv/bin/python bench/bench_upsert.py --quick    # 50,000 postings, a few seconds
    .venv/bin/python bench/bench_upsert.py --n 100000 --postgres postgresql://postgres@127.0.0.1:5432/test

Two timed passes over the same postings, through ``storage.ingest.upsert_postings`` called as
the crawler calls it (``--per-call`` records a call, each call committed; by default the crawler's
``JOBTRENDS_STORE_BATCH``, 1,000):
  first crawl   every posting is new (insert path, with company, location and skills)
  re-crawl      the same postings seen again (update path: only last-seen changes)
then ``reconcile`` of both runs (timed, for scale), and the baseline: the same posting rows,
and their descriptions, ready-made, through the raw sqlite3 cursor's executemany (1,000 rows a
statement, committed like the crawl calls) into bare tables of the same columns with no key,
constraint or index (the floor an upsert cannot beat).
Record generation is not timed. ``--no-children`` leaves out locations and skills;
``--description-chars`` sets the description length (real ones run to several KB).
``--stages`` also splits the first crawl's time into SQLite statements (per table), commits and
the rest (Python: fingerprints, row building, lookups' own overhead), and prints the rate the
writes alone would allow if everything else took no time. Each timed pass ends with a WAL
checkpoint, so that no write the checkpoint interval defers goes untimed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, Text, event
from sqlalchemy.orm import Session

from crawler.settings import JOBTRENDS_STORE_BATCH
from storage import ingest, models, schema
from storage.db import make_engine
from storage.lifecycle import reconcile
from storage.records import LocationRecord, PostingRecord, SkillRecord

CITIES = ["Brussels", "Antwerp", "Ghent", "Berlin", "Munich", "Amsterdam", "Paris", "Lyon"]
SKILLS = ["Python", "SQL", "PyTorch", "Kubernetes", "AWS", "Java", "Go", "Spark", "dbt", "React"]
T0 = datetime(2026, 3, 2, 9, 0)


@dataclass(frozen=True)
class Shape:
    """What each generated posting carries."""

    children: bool = True  # one location and two skills
    description_chars: int = 180  # about this long (real descriptions run to several KB)


def records(start: int, stop: int, shape: Shape) -> list[PostingRecord]:
    out = []
    children = shape.children
    for i in range(start, stop):
        city = CITIES[i % len(CITIES)]
        sentence = f"Posting {i}: build data products in {city}. "
        out.append(
            PostingRecord(
                source_job_id=f"job-{i}",
                title=f"Senior Engineer {i % 997}",
                url=f"https://boards.example.com/acme/jobs/{i}",
                company_name=f"Company {i % 5000} Ltd.",
                description_text=sentence * max(1, round(shape.description_chars / len(sentence))),
                date_posted=T0 - timedelta(days=i % 30),
                date_posted_raw=(T0 - timedelta(days=i % 30)).date().isoformat(),
                location_raw=city,
                country="BE",
                seniority="Mid-Senior level",
                employment_type="Full-time",
                role_family="software-engineer",
                enrichment_version="1",
                locations=[LocationRecord(city, country="BE")] if children else [],
                skills=[SkillRecord(SKILLS[i % 10]), SkillRecord(SKILLS[(i * 7 + 3) % 10])]
                if children
                else [],
            )
        )
    return out


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, n, size):
        yield start, min(start + size, n)


# writes back what the WAL still holds: timed at the end of each SQLite pass, so that work the
# checkpoint interval defers past the pass's last commit is counted too
CHECKPOINT_SQL = "PRAGMA wal_checkpoint(TRUNCATE)"


def checkpoint(conn: Connection) -> None:
    """:data:`CHECKPOINT_SQL` on SQLite (PostgreSQL has nothing to write back)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(CHECKPOINT_SQL)


def timed_crawl(
    engine: Engine,
    n: int,
    per_call: int,
    shape: Shape,
    observed_at: datetime,
    stages: dict[str, float] | None = None,
) -> float:
    """Seconds the crawl's upserts, commits and final checkpoint took (the checkpoint's also
    added to ``stages``)."""
    elapsed = 0.0
    with Session(engine) as session:
        run_id = ingest.start_crawl_run(session, "bench", kind="bench", observed_at=observed_at)
        session.commit()
        for start, stop in chunks(n, per_call):
            batch = records(start, stop, shape)
            began = time.perf_counter()
            ingest.upsert_postings(session, run_id, batch)
            session.commit()
            elapsed += time.perf_counter() - began
        began = time.perf_counter()
        checkpoint(session.connection())
        seconds = time.perf_counter() - began
        elapsed += seconds
        if stages is not None:
            stages["final checkpoint"] = seconds
        ingest.finish_crawl_run(
            session, run_id, finish_reason="finished", pages_fetched=n // 100 + 1, pages_failed=0
        )
        session.commit()
    return elapsed


class StageClock:
    """Seconds spent in each prepared insert (by table) and in commits, while installed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._restore: list[Callable[[], None]] = []

    def _wrap(self, owner: type, name: str, label: Callable[[object], str]) -> None:
        original = getattr(owner, name)
        seconds = self.seconds

        def timed(this: object, *args: object) -> object:
            began = time.perf_counter()
            try:
                return original(this, *args)
            finally:
                key = label(this)
                seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - began

        setattr(owner, name, timed)
        self._restore.append(lambda: setattr(owner, name, original))

    def __enter__(self) -> StageClock:
        def table(statement: object) -> str:
            assert isinstance(statement, ingest.PreparedInsert)
            return f"insert {statement.statement.table.name}"

        self._wrap(ingest.PreparedInsert, "execute", table)
        self._wrap(Session, "commit", lambda _: "commit")
        return self

    def __exit__(self, *_: object) -> None:
        for restore in reversed(self._restore):
            restore()


def timed_reconcile(engine: Engine) -> tuple[float, str]:
    with Session(engine) as session:
        began = time.perf_counter()
        report = reconcile(session)
        session.commit()
        elapsed = time.perf_counter() - began
    return elapsed, f"{report.runs_complete} complete runs, {report.postings_missed} misses"


def baseline_rows(batch: list[PostingRecord]) -> list[tuple[object, ...]]:
    """The posting rows the upsert writes for ``batch``: same columns, values as the driver gets."""
    when = T0.isoformat(" ", "microseconds")
    rows: list[tuple[object, ...]] = []
    for r in batch:
        posted = r.date_posted.isoformat(" ", "microseconds") if r.date_posted else None
        rows.append((
            1, r.source_job_id, r.url, r.title, r.title.lower(), 1, r.company_name, r.content_hash,
            "0" * 32, r.date_posted_raw, posted, None, None, r.location_raw, None, None, None,
            None, None, None, r.country, when, when, 1, 1, posted,
            None, None, "open", 0, None, 1, r.language, r.seniority, r.employment_type, r.remote,
            r.role_family, r.enrichment_version,
        ))  # fmt: skip
    return rows


# the posting columns an upsert writes (all but id and canonical_id), in baseline_rows order
BASELINE_COLUMNS = [
    c.name for c in models.Posting.__table__.columns if c.name not in ("id", "canonical_id")
]
_DescriptionRow = tuple[int, str | None]


def baseline_calls(
    n: int, per_call: int, shape: Shape
) -> Iterator[list[tuple[list[tuple[object, ...]], list[_DescriptionRow]]]]:
    """Per crawl call, its batches of ``BATCH_SIZE``: (posting rows, description rows)."""
    for start, stop in chunks(n, per_call):
        batch = records(start, stop, shape)
        rows = baseline_rows(batch)
        assert len(rows[0]) == len(BASELINE_COLUMNS)
        texts = [(start + i, r.description_text) for i, r in enumerate(batch)]
        size = ingest.BATCH_SIZE
        yield [(rows[i : i + size], texts[i : i + size]) for i in range(0, len(rows), size)]


def timed_baseline(engine: Engine, n: int, per_call: int, shape: Shape) -> float:
    """The floor: the same posting rows and descriptions, ready-made, through the raw sqlite3
    cursor's executemany (1,000 per call, a commit per crawl call) into bare tables of the same
    columns with no key, constraint or index."""
    columns = ", ".join(BASELINE_COLUMNS)
    sql = f"INSERT INTO bare_postings ({columns}) VALUES ({', '.join('?' * len(BASELINE_COLUMNS))})"
    texts_sql = "INSERT INTO bare_descriptions (posting_id, description_text) VALUES (?, ?)"
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute(f"CREATE TABLE bare_postings ({columns})")
        driver.execute("CREATE TABLE bare_descriptions (posting_id, description_text)")
        driver.commit()
        elapsed = 0.0
        for call in baseline_calls(n, per_call, shape):
            began = time.perf_counter()
            cursor = driver.cursor()
            for rows, texts in call:
                cursor.executemany(sql, rows)
                cursor.executemany(texts_sql, texts)
            driver.commit()
            elapsed += time.perf_counter() - began
        began = time.perf_counter()
        driver.execute(CHECKPOINT_SQL)
        elapsed += time.perf_counter() - began
    finally:
        raw.close()
    return elapsed


def timed_baseline_postgres(engine: Engine, n: int, per_call: int, shape: Shape) -> float:
    """The PostgreSQL floor: the same posting rows and descriptions through SQLAlchemy Core's
    executemany (psycopg pipelines it), 1,000 per call, into bare tables without constraints."""
    meta = MetaData()
    bare = Table("bare_postings", meta, *(Column(name, Text) for name in BASELINE_COLUMNS))
    bare_texts = Table(
        "bare_descriptions", meta, Column("posting_id", Integer), Column("description_text", Text)
    )
    meta.create_all(engine)
    elapsed = 0.0
    with engine.connect() as conn:
        for call in baseline_calls(n, per_call, shape):
            batches = [
                (
                    [{name: None if value is None else str(value)
                      for name, value in zip(BASELINE_COLUMNS, row, strict=True)} for row in rows],
                    [{"posting_id": pid, "description_text": text} for pid, text in texts],
                )
                for rows, texts in call
            ]  # fmt: skip
            began = time.perf_counter()
            for rows_, texts_ in batches:
                conn.execute(bare.insert(), rows_)
                conn.execute(bare_texts.insert(), texts_)
            conn.commit()
            elapsed += time.perf_counter() - began
    return elapsed


@contextmanager
def private_schema(server_url: str) -> Iterator[str]:
    """A URL of ``server_url`` whose connections use a new schema, dropped afterwards."""
    admin = make_engine(server_url)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')  # generated name
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="postings (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="50,000 postings")
    parser.add_argument(
        "--per-call",
        type=int,
        default=JOBTRENDS_STORE_BATCH,
        help="records per upsert call, each committed (default: as the crawler stores them,"
        f" {JOBTRENDS_STORE_BATCH:,})",
    )
    parser.add_argument(
        "--no-children", action="store_true", help="postings without locations and skills"
    )
    parser.add_argument(
        "--description-chars",
        type=int,
        default=Shape.description_chars,
        help=f"description length (default {Shape.description_chars})",
    )
    parser.add_argument(
        "--stages", action="store_true", help="split the first crawl's time by statement"
    )
    parser.add_argument(
        "--cache-mb",
        type=int,
        default=0,
        help="set SQLite's page cache to this many MB (default: the engine's setting)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="measure PostgreSQL instead (in a new schema of this database, dropped afterwards),"
        " e.g. postgresql://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    n = 50_000 if args.quick else args.n
    shape = Shape(children=not args.no_children, description_chars=args.description_chars)
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(private_schema(args.postgres))
        else:
            url = f"sqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'b.db'}"
        engine = make_engine(url)
        if args.cache_mb and not args.postgres:
            pragma = f"PRAGMA cache_size=-{args.cache_mb * 1024}"
            event.listen(engine, "connect", lambda dbapi, _: dbapi.execute(pragma))
        schema.upgrade(engine)
        with StageClock() as clock:
            first = timed_crawl(engine, n, args.per_call, shape, T0, clock.seconds)
        again = timed_crawl(engine, n, args.per_call, shape, T0 + timedelta(days=7))
        reconciled, summary = timed_reconcile(engine)
        measure_baseline = timed_baseline_postgres if args.postgres else timed_baseline
        baseline = measure_baseline(engine, n, args.per_call, shape)
        engine.dispose()
    cache = f", {args.cache_mb} MB page cache" if args.cache_mb and not args.postgres else ""
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}{cache}, {n:,} postings, {args.per_call:,} per call and commit "
          f"(statements of {ingest.BATCH_SIZE:,} rows), "
          f"{'1 location + 2 skills each' if shape.children else 'no locations/skills'}, "
          f"descriptions of about {shape.description_chars:,} characters")  # fmt: skip
    print(f"  first crawl (insert path): {n / first:>10,.0f} upserts/s  ({first:.1f} s)")
    if args.stages:
        for stage, seconds in sorted(clock.seconds.items(), key=lambda kv: -kv[1]):
            print(f"      {stage:<30} {seconds:6.1f} s")
        written = sum(clock.seconds.values())
        print(f"      {'the rest (Python)':<30} {first - written:6.1f} s")
        # what the schema's own writes allow: the rate with every other step taking no time
        print(f"      the writes alone (inserts, commits, checkpoint) cap the first crawl at "
              f"{n / written:,.0f} upserts/s")
    print(f"  re-crawl    (update path): {n / again:>10,.0f} upserts/s  ({again:.1f} s)")
    print(f"  baseline bare executemany: {n / baseline:>10,.0f} rows/s     ({baseline:.1f} s)")
    print(f"  reconcile both runs      : {reconciled:.1f} s ({summary})")
    ratios = f"first {baseline / first:.2f}, re-crawl {baseline / again:.2f}"
    print(f"  ratio upserts/s / rows/s : {ratios}")
    print(f"  load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    slowest = n / max(first, again)
    if args.postgres:
        print(f"  slowest pass {slowest:,.0f} upserts/s (the 50,000/s target is for SQLite)")
        return
    verdict = "meets" if slowest >= 50_000 else "MISSES"
    print(f"  slowest pass {slowest:,.0f} upserts/s {verdict} the 50,000/s target")


if __name__ == "__main__":
    main()
