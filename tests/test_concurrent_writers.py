"""Writers in several processes at once, for real: crawls storing batches, reconciles, and a
retirement and reinstatement of a source being crawled. The locks writers take (docs/lifecycle.md,
"Writers take turns") must not deadlock or time out, and must leave no posting open in a retired
source. (The interleavings that once lost a close are pinned down deterministically in
tests/test_retire.py and tests/test_lifecycle_reconcile.py; this checks the locks together.)"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import random
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from storage import ingest
from storage.db import make_engine
from storage.lifecycle import reconcile
from storage.records import PostingRecord
from storage.retire import RetireError, SourceRetiredError, reinstate_source, retire_source

T0 = datetime(2026, 1, 5)
PROCESSES = 3
CRAWLS = 25  # per process
# s3 is retired and reinstated while being crawled, s2 turns first-party and back
SOURCES = ("s0", "s1", "s2", "s3")
BATCH = 50


if TYPE_CHECKING:
    Results = multiprocessing.queues.Queue[tuple[int, int, list[str]]]  # worker, crawls, errors


def crawler(url: str, worker: int, start: float, results: Results) -> None:
    """``CRAWLS`` crawls of random sources, each stored in batches, finished and reconciled;
    worker 0 also retires s3 after every third crawl and reinstates it shortly after."""
    engine = make_engine(url)
    rng = random.Random(worker)
    crawled, errors = 0, []
    for n in range(CRAWLS):
        # one clock for all processes (an hour a second): observations arrive in order
        at = T0 + timedelta(seconds=(time.monotonic() - start) * 3600)
        try:
            source = rng.choice(SOURCES)
            with Session(engine) as session, session.begin():
                run_id = ingest.start_crawl_run(
                    session, source, kind="greenhouse", observed_at=at,
                    # s2 moves between job board and company board: its roles are linked again
                    first_party=source != "s2" or rng.random() < 0.5,
                )  # fmt: skip
            jobs = rng.sample(range(300), 200)
            for i in range(0, len(jobs), BATCH):
                with Session(engine) as session, session.begin():
                    ingest.upsert_postings(session, run_id, [
                        PostingRecord(source_job_id=f"j{j}", title=f"engineer {j % 17}",
                                      company_name=f"Company {j % 7}")
                        for j in jobs[i : i + BATCH]
                    ])  # fmt: skip
            with Session(engine) as session, session.begin():
                ingest.finish_crawl_run(
                    session, run_id, finish_reason="finished", pages_fetched=4, pages_failed=0
                )
            with Session(engine) as session, session.begin():
                reconcile(session)
            crawled += 1
        except (SourceRetiredError, ingest.ObservationOrderError):
            pass  # s3 retired meanwhile; another process's crawl of the source is newer
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(f"{type(error).__name__}: {error}"[:1500])
        if worker == 0 and n % 3 == 0:
            try:
                with Session(engine) as session, session.begin():
                    retire_source(session, "s3", at=at)
                time.sleep(0.05)
                with Session(engine) as session, session.begin():
                    reinstate_source(session, "s3")
            except RetireError:
                pass  # s3 not stored yet, or a finished crawl of it awaits reconcile
            except Exception as error:  # noqa: BLE001
                errors.append(f"{type(error).__name__}: {error}"[:1500])
    engine.dispose()
    results.put((worker, crawled, errors))


def test_writers_in_several_processes_neither_deadlock_nor_leave_postings_open(
    migrated_engine: Engine, db_url: str
) -> None:
    context = multiprocessing.get_context("fork")
    results: Results = context.Queue()
    start = time.monotonic()
    processes = [
        context.Process(target=crawler, args=(db_url, worker, start, results))
        for worker in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcome = sorted(results.get(timeout=300) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    assert [errors for _, _, errors in outcome] == [[]] * PROCESSES
    assert all(crawled >= CRAWLS // 2 for _, crawled, _ in outcome), outcome
    with Session(migrated_engine) as session, session.begin():
        retired = session.execute(
            text("SELECT count(*) FROM sources WHERE retired_at IS NOT NULL")
        ).scalar_one()
        if retired:  # the last retirement stayed: its postings are all censored
            open_in_retired = session.execute(
                text(
                    "SELECT count(*) FROM postings p JOIN sources s ON s.id = p.source_id "
                    "WHERE s.retired_at IS NOT NULL AND p.status = 'open'"
                )
            ).scalar_one()
            assert open_in_retired == 0
        reconcile(session)
        # every crawl was judged, and what is closed closed no earlier than its last sighting
        # unless it was seen again and reopened (then it is open)
        assert session.execute(
            text("SELECT count(*) FROM crawl_runs WHERE reconciled_at IS NULL")
        ).scalar_one() == 0
        assert session.execute(
            text("SELECT count(*) FROM postings WHERE status = 'closed' "
                 "AND close_reason <> 'untracked' AND last_seen_at > closed_at "
                 "AND first_missed_at IS NULL")
        ).scalar_one() == 0  # fmt: skip
