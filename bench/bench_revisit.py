"""What revisits cost a crawl: a board that dropped postings, crawled with and without them.

A generated Greenhouse board of ``--postings`` jobs is crawled once (week 1); then the same
source lists ``--dropped`` fewer (week 2, observed now, so a live crawl). Week 2 runs twice
from copies of the week-1 database: with revisits (the dropped jobs' endpoints answer 404:
they close at once) and with ``JOBTRENDS_REVISIT_MISSING=0`` (the baseline, in the same run:
they wait for a second missed crawl). Prints both wall times, what the revisits added per
revisit, and the postings each closed::

    .venv/bin/python bench/bench_revisit.py                       # 5,000 postings, 200 dropped
    .venv/bin/python bench/bench_revisit.py --postings 20000 --dropped 1000

The crawls run without politeness delays (the mock server is local): the figures are the
crawler's own cost. With the default politeness (0.5 s download delay, AutoThrottle, 2
requests at a time per host) each revisit takes about the download delay.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_crawl import BIN, FAST, ROOT, _run


def _sources(path: Path, server: str, board_size: int) -> Path:
    path.write_text(
        f'[[source]]\nname = "bench"\nkind = "greenhouse"\nboard = "bench-{board_size}"\n'
        f'base_url = "{server}/gen/greenhouse"\n',
        encoding="utf-8",
    )
    return path


def _crawl(db: Path, sources: Path, *extra: str) -> float:
    cmd = [str(BIN / "jobtrends"), "--db", f"sqlite:///{db}", "crawl", "--sources",
           str(sources), "--no-enrich", *FAST, *extra]  # fmt: skip
    seconds, _, _ = _run(cmd, db.parent)
    return seconds


def _copy(source: Path, target: Path) -> None:
    """A copy of an SQLite database, what its WAL holds included (a file copy would miss it)."""
    for stale in (target, target.with_name(target.name + "-wal"),
                  target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _closed(db: Path) -> int:
    """Postings closed in the database (week 1 closed none)."""
    with sqlite3.connect(db) as conn:
        closed = conn.execute("SELECT count(*) FROM postings WHERE status = 'closed'").fetchone()
    return int(closed[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=5000)
    parser.add_argument("--dropped", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="week-2 crawls timed per variant")
    args = parser.parse_args()
    if not 0 < args.dropped < args.postings:
        raise SystemExit("--dropped must be between 0 and --postings")
    server_proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/mockserver/server.py")], stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server_proc.stdout is not None
        server = server_proc.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            week1 = work / "week1.db"
            last_week = (datetime.now(UTC) - timedelta(days=7)).replace(tzinfo=None)
            _crawl(week1, _sources(work / "w1.toml", server, args.postings),
                   "--observed-at", last_week.isoformat(timespec="seconds"))
            week2 = _sources(work / "w2.toml", server, args.postings - args.dropped)
            limit = str(args.dropped)
            variants = {
                "with revisits": ("--set", f"JOBTRENDS_REVISIT_MISSING={limit}"),
                "without (baseline)": ("--set", "JOBTRENDS_REVISIT_MISSING=0"),
            }
            best: dict[str, float] = {}
            closed: dict[str, int] = {}
            for _ in range(args.repeat):  # interleaved, so drift hits both alike
                for label, extra in variants.items():
                    db = work / f"{label.split()[0]}.db"
                    _copy(week1, db)
                    began = time.perf_counter()
                    _crawl(db, week2, *extra)
                    seconds = time.perf_counter() - began
                    best[label] = min(best.get(label, seconds), seconds)
                    closed[label] = _closed(db)
    finally:
        server_proc.terminate()
    print(f"Greenhouse board of {args.postings:,} postings; week 2 lists "
          f"{args.postings - args.dropped:,} ({args.dropped:,} dropped, their endpoints answer "
          f"404); best of {args.repeat} live crawls each, no politeness delays")
    for label, seconds in best.items():
        print(f"  {label:<20} {seconds:6.2f} s   {closed[label]:>6,} postings closed")
    added = best["with revisits"] - best["without (baseline)"]
    print(f"  revisits added {added:+.2f} s ({added / args.dropped * 1000:+.1f} ms per revisit), "
          f"ratio {best['with revisits'] / best['without (baseline)']:.2f}x the baseline")


if __name__ == "__main__":
    main()
