"""Benchmark the whole crawl pipeline (spider → enrichment → storage) against a local server.

Prints, from one run on one machine:
- ``scrapy bench`` pages/s (Scrapy's own baseline: a local link-following crawl, no pipeline);
- the ``jsonld`` kind through ``jobtrends crawl`` (sitemap index → posting pages with JSON-LD →
  enrichment → SQLite): pages/s, postings/s and the crawl process's peak RSS;
- the same with ``--no-enrich`` (fetch + parse + store only), to show where the time goes;
- optionally a Greenhouse board of the same size (``--greenhouse``).

Targets: jsonld pages/s >= scrapy bench pages/s; peak RSS < 300 MB at 100,000 postings::

    .venv/bin/python bench/bench_crawl.py                      # quick: 2,000 postings
    .venv/bin/python bench/bench_crawl.py --postings 100000    # the memory figure
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FAST = [
    "--set",
    "DOWNLOAD_DELAY=0",
    "--set",
    "AUTOTHROTTLE_ENABLED=false",
    "--set",
    "CONCURRENT_REQUESTS=32",
    "--set",
    "CONCURRENT_REQUESTS_PER_DOMAIN=32",
    "--set",
    "LOG_LEVEL=ERROR",
]


@dataclass
class Figures:
    label: str
    seconds: float
    pages: int
    postings: int
    peak_rss_mb: float

    def show(self) -> str:
        return (
            f"{self.label:<34} {self.pages / self.seconds:8.1f} pages/s "
            f"{self.postings / self.seconds:8.1f} postings/s  {self.pages:>7} pages "
            f"{self.postings:>7} postings  {self.seconds:7.1f} s  peak RSS "
            f"{self.peak_rss_mb:6.1f} MB"
        )


def _run(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run ``cmd``; wall seconds, the child's peak RSS (MB) and its stderr."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        err.seek(0)
        stderr = err.read()
    if proc.returncode not in (0, 4):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss / 1024, stderr  # ru_maxrss is in KiB on Linux


def scrapy_bench(workdir: Path) -> Figures:
    """``scrapy bench``: pages it crawled over its elapsed time (from its final stats)."""
    seconds, rss, stderr = _run([str(BIN / "scrapy"), "bench", "-s", "LOG_LEVEL=INFO"], workdir)
    pages = int(re.findall(r"'response_received_count': (\d+)", stderr)[-1])
    elapsed = float(re.findall(r"'elapsed_time_seconds': ([\d.]+)", stderr)[-1])
    return Figures("scrapy bench (baseline)", elapsed, pages, 0, rss)


def jobtrends_crawl(
    label: str, server: str, postings: int, workdir: Path, kind: str, enrich: bool
) -> Figures:
    db = workdir / f"{label.split()[0]}-{'e' if enrich else 'n'}-{postings}.db"
    db.unlink(missing_ok=True)
    sources = workdir / f"{kind}.toml"
    if kind == "jsonld":
        sources.write_text(
            f'[[source]]\nname = "bench"\nkind = "jsonld"\nsitemap_urls = '
            f'["{server}/gen/jsonld/sitemap.xml?n={postings}"]\n'
            'posting_url_pattern = "/job/"\n',
            encoding="utf-8",
        )
    else:
        sources.write_text(
            f'[[source]]\nname = "bench"\nkind = "greenhouse"\n'
            f'board = "bench-{postings}"\n'
            f'base_url = "{server}/gen/greenhouse"\n',
            encoding="utf-8",
        )
    cmd = [
        str(BIN / "jobtrends"),
        "--db",
        f"sqlite:///{db}",
        "crawl",
        "--sources",
        str(sources),
        *FAST,
    ]
    if not enrich:
        cmd.append("--no-enrich")
    seconds, rss, _ = _run(cmd, workdir)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM postings").fetchone()[0]
        pages = conn.execute("SELECT pages_fetched FROM crawl_runs").fetchone()[0]
    return Figures(label, seconds, pages, stored, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=2000)
    parser.add_argument("--greenhouse", action="store_true", help="also a Greenhouse board")
    parser.add_argument("--skip-no-enrich", action="store_true")
    parser.add_argument("--skip-enrich", action="store_true")
    args = parser.parse_args()
    server_proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/mockserver/server.py")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server_proc.stdout is not None
        server = server_proc.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            results = [scrapy_bench(workdir)]
            print(results[-1].show(), flush=True)
            if not args.skip_no_enrich:
                results.append(
                    jobtrends_crawl(
                        "jsonld, no enrichment",
                        server,
                        args.postings,
                        workdir,
                        "jsonld",
                        enrich=False,
                    )
                )
                print(results[-1].show(), flush=True)
            if not args.skip_enrich:
                results.append(
                    jobtrends_crawl(
                        "jsonld, whole pipeline",
                        server,
                        args.postings,
                        workdir,
                        "jsonld",
                        enrich=True,
                    )
                )
                print(results[-1].show(), flush=True)
            if args.greenhouse:
                results.append(
                    jobtrends_crawl(
                        "greenhouse, whole pipeline",
                        server,
                        args.postings,
                        workdir,
                        "greenhouse",
                        True,
                    )
                )
                print(results[-1].show(), flush=True)
    finally:
        server_proc.terminate()
    baseline = results[0].pages / results[0].seconds
    print()
    for figures in results[1:]:
        print(
            f"{figures.label}: {figures.pages / figures.seconds / baseline:.2f}x scrapy bench "
            f"pages/s; peak RSS {figures.peak_rss_mb:.0f} MB at {figures.postings} postings"
        )


if __name__ == "__main__":
    main()
