"""Time the full set of trend queries on a large SQLite database (1M postings / 5M events).

    .venv/bin/python bench/bench_trends.py                 # 1,000,000 postings, 5,000,000 events
    .venv/bin/python bench/bench_trends.py --postings 100000
    .venv/bin/python bench/bench_trends.py --postgres postgresql://postgres@127.0.0.1:5432/test

The database is generated once (the migrations create the schema, rows are written with
executemany in one transaction without journal or fsync, the indexes are built after the load)
and cached under /tmp keyed by size and schema revision; a cached database of an older revision
is upgraded in place by the migrations instead of rebuilt. The baseline, measured in the same
run, is a full index scan (``BASELINE_SQL``). Printed: each query's best wall and CPU time (on
one role table, as ``trend_summary`` runs them), then the whole ``trend_summary``, unfiltered
and filtered, with the machine's load average (the machine may be shared: CPU time is the
steadier figure). Target: ``trend_summary`` under 2 s at 1M postings / 5M events.

``--postgres URL`` copies the same rows into a new schema of that database (dropped afterwards;
descriptions are left out, no trend query reads them) and times them there, then once more
through a read-only connection (as on a hot-standby replica, where the role set is read once
and bound to each query as arrays), with each query's time.
The copy turns off foreign-key triggers while it loads (``session_replication_role``), which
needs a superuser.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from bench_upsert import private_schema
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause

from storage.db import make_engine
from storage.models import Base
from storage.schema import head_revision, upgrade
from storage.trends import TrendFilter, trend_summary
from storage.trends.filters import ResolvedFilter, resolve_filter
from storage.trends.flow import time_to_fill_for, weekly_flow_for
from storage.trends.market import open_by_country_for, top_companies_for
from storage.trends.roles import active_roles
from storage.trends.shares import attribute_shares, city_shares_for, skill_counts_for

DATA_VERSION = 2
BASELINE_SQL = "SELECT count(*) FROM postings WHERE opened_at IS NOT NULL"
END = datetime(2026, 3, 2, 6, 0)
WEEKS = 104
SOURCES = 50
COMPANIES = 20_000
COUNTRIES = ["BE", "DE", "NL", "FR", "GB", "ES", "IT", "PL"]
FAMILIES = [f"family-{i}" for i in range(9)] + ["ml-engineer"]
SENIORITY = ["Internship", "Entry level", "Associate", "Mid-Senior level", "Director", None]
EMPLOYMENT = ["Full-time", "Part-time", "Contract", "Temporary", "Internship", None]
CITIES = [(f"City {i}", COUNTRIES[i % len(COUNTRIES)]) for i in range(60)]
SKILLS = 200
DESCRIPTION = "We are looking for an engineer to join our team. " * 20  # ~1 kB of text


def ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.000000")


def _chunks(rows: Iterator[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(path: Path, postings: int, events: int) -> None:
    """Create the schema with the migrations, then fill it with a synthetic market."""
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    upgrade(f"sqlite:///{tmp}")
    rng = random.Random(42)
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    # indexes are built once after the load (sorted) instead of updated row by row during it
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        con.execute(f"DROP INDEX {name}")
    con.execute("BEGIN")
    start = END - timedelta(weeks=WEEKS - 1)
    con.executemany(
        "INSERT INTO sources (id, name, kind, country, can_relist, created_at) "
        "VALUES (?, ?, 'ats', ?, 1, ?)",
        [
            (i, f"source-{i}", COUNTRIES[i % len(COUNTRIES)], ts(start))
            for i in range(1, SOURCES + 1)
        ],
    )
    con.executemany(
        "INSERT INTO crawl_runs (id, source_id, observed_at, started_at, finished_at, "
        "finish_reason, pages_fetched, pages_failed, postings_seen, status) "
        "VALUES (?, ?, ?, ?, ?, 'finished', 100, 0, 100, ?)",
        [
            (w * SOURCES + s, s, ts(start + timedelta(weeks=w)), ts(start + timedelta(weeks=w)),
             ts(start + timedelta(weeks=w, hours=1)), "complete" if rng.random() > 0.05
             else "incomplete")
            for w in range(WEEKS) for s in range(1, SOURCES + 1)
        ],
    )  # fmt: skip
    con.executemany(
        "INSERT INTO companies (id, name, normalized_name, country, industry, founded_year) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (i, f"Company {i}", f"company {i}", rng.choice(COUNTRIES),
             rng.choice(["Software", "Retail", None]), rng.choice([None, 1990 + i % 30]))
            for i in range(1, COMPANIES + 1)
        ],
    )  # fmt: skip
    con.executemany(
        "INSERT INTO skills (id, name, category) VALUES (?, ?, ?)",
        [(i, f"Skill {i}", "language" if i % 3 else "framework") for i in range(1, SKILLS + 1)],
    )
    span = (END - start).total_seconds()

    def posting_rows() -> Iterator[tuple]:
        roots: list[int] = []  # canonical postings: links always point at one (no chains)
        for pid in range(1, postings + 1):
            left = rng.random() < 0.05
            opened = start if left else start + timedelta(seconds=rng.random() * span)
            closed = opened + timedelta(days=rng.expovariate(1 / 35))
            closed_at = ts(closed) if closed < END else None
            # 10% of postings are the same role on another source, linked to a nearby posting
            canonical = rng.choice(roots[-500:]) if roots and rng.random() < 0.1 else None
            if canonical is None:
                roots.append(pid)
            country = rng.choice(COUNTRIES)
            yield (
                pid, rng.randint(1, SOURCES), f"job-{pid}", f"https://example.test/{pid}",
                f"Engineer {pid % 997}", f"engineer {pid % 997}", rng.randint(1, COMPANIES),
                country, ts(opened), ts(closed if closed_at else END), ts(opened),
                closed_at, "unseen" if closed_at else None, "closed" if closed_at else "open",
                int(left), rng.choice(SENIORITY), rng.choice(EMPLOYMENT), rng.choice(FAMILIES),
                canonical,
            )  # fmt: skip

    sql = (
        "INSERT INTO postings (id, source_id, source_job_id, url, title, title_normalized, "
        "company_id, country, first_seen_at, last_seen_at, opened_at, "
        "closed_at, close_reason, status, miss_count, left_censored, seniority, employment_type, "
        "role_family, canonical_id) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)"
    )
    for batch in _chunks(posting_rows()):
        con.executemany(sql, batch)
    for batch in _chunks((pid, DESCRIPTION) for pid in range(1, postings + 1)):
        con.executemany(
            "INSERT INTO posting_descriptions (posting_id, description_text) VALUES (?, ?)", batch
        )

    def location_rows() -> Iterator[tuple]:
        for pid in range(1, postings + 1):
            for city, country in rng.sample(CITIES, 1 if rng.random() < 0.8 else 2):
                yield (pid, city, country)

    for batch in _chunks(location_rows()):
        con.executemany(
            "INSERT INTO posting_locations (posting_id, city, country) VALUES (?, ?, ?)", batch
        )

    def skill_rows() -> Iterator[tuple]:
        for pid in range(1, postings + 1):
            for skill in rng.sample(range(1, SKILLS + 1), 3):
                yield (pid, skill)

    for batch in _chunks(skill_rows()):
        con.executemany(
            "INSERT INTO posting_skills (posting_id, skill_id, mentions) VALUES (?, ?, 1)", batch
        )
    kinds = ("opened", "closed", "reopened", "closed", "reopened")

    def event_rows() -> Iterator[tuple]:
        per = events // postings
        for eid in range(events):
            pid = eid // per + 1 if eid // per < postings else rng.randint(1, postings)
            yield (
                eid + 1,
                pid,
                kinds[eid % per % len(kinds)],
                ts(start + timedelta(hours=eid % 17000)),
            )

    for batch in _chunks(event_rows()):
        con.executemany(
            "INSERT INTO posting_events (id, posting_id, kind, at) VALUES (?, ?, ?, ?)", batch
        )
    con.commit()
    for _, index_sql in indexes:
        con.execute(index_sql)
    con.close()
    tmp.rename(path)


# Indexes an earlier version of this benchmark could add by hand: dropped from an older cached
# database before the migrations upgrade it. (It also added ix_postings_window, before migration
# 0003 created it; no longer dropped, since 0010 rebuilds that index and needs it there.)
_EXPERIMENTAL_INDEXES = (
    "ix_postings_canonical_lifecycle",
    "ix_posting_locations_cover",
)


def cached_database(postings: int, events: int) -> Path:
    """The benchmark database at the head revision: built once, or upgraded in place from a
    database of an older revision built with the same data (the migrations keep every row)."""
    stem = f"/tmp/jobtrends_bench_trends_{postings}_{events}"
    path = Path(f"{stem}_{head_revision()}_v{DATA_VERSION}.db")
    if path.exists():
        return path
    older = sorted(Path("/tmp").glob(f"{Path(stem).name}_*_v{DATA_VERSION}.db"))
    if older:
        print(f"upgrading {older[-1]} to {head_revision()}...", flush=True)
        con = sqlite3.connect(older[-1])
        for name in _EXPERIMENTAL_INDEXES:
            con.execute(f"DROP INDEX IF EXISTS {name}")
        con.close()
        began = time.perf_counter()
        upgrade(f"sqlite:///{older[-1]}")
        older[-1].rename(path)
        print(f"  upgraded in {time.perf_counter() - began:.1f} s", flush=True)
        return path
    print(f"building {path} ({postings:,} postings, {events:,} events)...", flush=True)
    print(f"  built in {timed(lambda: build(path, postings, events)):.1f} s", flush=True)
    return path


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def cpu_timed(fn: Callable[[], object]) -> float:
    began = time.process_time()
    fn()
    return time.process_time() - began


def _queries(
    session: Session, rf: ResolvedFilter, roles: FromClause
) -> dict[str, Callable[[], object]]:
    """Every query of ``trend_summary``, on one role table (as it runs them)."""
    return {
        "seniority+employment_type": lambda: attribute_shares(
            session, rf, roles, "seniority", "employment_type"
        ),
        "weekly_flow": lambda: weekly_flow_for(session, rf, roles),
        "time_to_fill": lambda: time_to_fill_for(session, rf, roles),
        "city_shares": lambda: city_shares_for(session, rf, roles),
        "skill_counts": lambda: skill_counts_for(session, rf, roles, 25),
        "top_companies": lambda: top_companies_for(session, rf, roles, 10),
        "open_by_country": lambda: open_by_country_for(session, rf, roles),
    }


def per_query(session: Session, flt: TrendFilter, repeat: int) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) seconds of building the role table and of each query on it."""
    best: dict[str, tuple[float, float]] = {}

    def keep(name: str, wall: float, cpu: float) -> None:
        old = best.get(name, (float("inf"), float("inf")))
        best[name] = (min(old[0], wall), min(old[1], cpu))

    gc.disable()  # as trend_summary does while it counts
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        rf = resolve_filter(session, flt)
        with active_roles(session, rf) as roles:
            keep("resolve filter + role table", time.perf_counter() - wall,
                 time.process_time() - cpu)  # fmt: skip
            for name, query in _queries(session, rf, roles).items():
                wall, cpu = time.perf_counter(), time.process_time()
                query()
                keep(name, time.perf_counter() - wall, time.process_time() - cpu)
    gc.enable()
    return best


def copy_to_postgres(path: Path, url: str) -> float:
    """Copy the SQLite benchmark database into the (empty) PostgreSQL schema of ``url``, migrated
    first; the seconds the copy took."""
    upgrade(url)
    began = time.perf_counter()
    source = sqlite3.connect(path)
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        target = raw.driver_connection
        assert target is not None
        with target.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            for table in Base.metadata.sorted_tables:
                if table.name == "posting_descriptions":
                    continue
                columns = ", ".join(column.name for column in table.columns)
                # our own table and column names, from the models
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for row in source.execute(f"SELECT {columns} FROM {table.name}"):
                        copy.write_row(row)
            cursor.execute("SET session_replication_role = DEFAULT")
        target.commit()
        with target.cursor() as cursor:
            for table in Base.metadata.sorted_tables:  # this schema's only, not the database's
                cursor.execute(f"ANALYZE {table.name}")
        target.commit()
    finally:
        raw.close()
        engine.dispose()
        source.close()
    return time.perf_counter() - began


def measure(
    engine: Engine, repeat: int
) -> tuple[float, dict[str, tuple[list[float], float, dict[str, tuple[float, float]]]]]:
    """The baseline's best seconds, and per filter: trend_summary's times, best CPU time and
    the best times of its parts."""
    filtered = TrendFilter(country="DE", role_family="ml-engineer")
    with Session(engine) as session:
        # a real full scan: a bare count(*) only sums b-tree page counts (about 1 ms)
        count = partial(session.connection().exec_driver_sql, BASELINE_SQL)
        baseline = min(timed(count) for _ in range(repeat))
        results = {}
        for label, flt in (
            ("unfiltered", TrendFilter()),
            ("country=DE role=ml-engineer", filtered),
        ):
            run = partial(trend_summary, session, flt)
            times = [timed(run) for _ in range(repeat)]
            cpu = min(cpu_timed(run) for _ in range(repeat))
            results[label] = (times, cpu, per_query(session, flt, repeat))
    return baseline, results


def report(
    baseline: float,
    results: dict[str, tuple[list[float], float, dict[str, tuple[float, float]]]],
    repeat: int,
) -> None:
    print(f"baseline {BASELINE_SQL}: {baseline:.3f} s")
    for label, (times, cpu, parts) in results.items():
        print(f"{label}: per query, best of {repeat} (wall / CPU seconds)")
        for name, (wall, cpu_part) in parts.items():
            print(f"  {name:<28} {wall:7.3f} {cpu_part:7.3f}")
        total_wall = sum(w for w, _ in parts.values())
        total_cpu = sum(c for _, c in parts.values())
        print(f"  {'sum':<28} {total_wall:7.3f} {total_cpu:7.3f}")
        best = min(times)
        print(
            f"trend_summary {label}: first {times[0]:.3f} s, best {best:.3f} s wall, "
            f"{cpu:.3f} s CPU ({best / baseline:.0f}x baseline) -> target < 2 s: "
            f"{'OK' if best < 2 else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--events-per-posting", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="time PostgreSQL instead (the same rows copied into a new schema of this database, "
        "dropped afterwards), e.g. postgresql://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    events = args.postings * args.events_per_posting
    path = cached_database(args.postings, events)
    load_before = os.getloadavg()[0]
    if not args.postgres:
        engine = make_engine(f"sqlite:///{path}")
        baseline, results = measure(engine, args.repeat)
        engine.dispose()
        backend = f"SQLite {sqlite3.sqlite_version}"
        read_only = None
    else:
        with private_schema(args.postgres) as url:
            print(f"copied to PostgreSQL in {copy_to_postgres(path, url):.1f} s", flush=True)
            engine = make_engine(url)
            baseline, results = measure(engine, args.repeat)
            with engine.connect() as conn:
                backend = "PostgreSQL " + str(conn.exec_driver_sql("SHOW server_version").scalar())
            engine.dispose()
            replica = make_engine(f"{url}%20-cdefault_transaction_read_only%3Don")
            read_only = measure(replica, args.repeat)
            replica.dispose()
    load_after = os.getloadavg()[0]
    print(
        f"postings={args.postings:,} events={events:,} ({backend}, "
        f"schema {head_revision()}; {os.cpu_count()} CPUs, 1-min load average "
        f"{load_before:.2f} before, {load_after:.2f} after)"
    )
    report(baseline, results, args.repeat)
    if read_only is not None:
        print("read-only connection (hot-standby replica): the role set is bound as arrays")
        report(*read_only, args.repeat)


if __name__ == "__main__":
    main()
