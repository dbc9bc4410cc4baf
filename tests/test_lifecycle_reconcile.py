"""Reconcile: run completeness, K-miss closing, explicit signals, reopening, idempotence."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import done_without_waiting
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from storage import ingest, models, schema
from storage.db import make_engine
from storage.lifecycle import ReconcileReport, judge_run, reconcile
from storage.records import PostingRecord

T0 = datetime(2026, 3, 2, 9, 0)
WEEK = timedelta(days=7)


def week(n: int) -> datetime:
    return T0 + n * WEEK


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def crawl(
    engine: Engine,
    observed_at: datetime,
    job_ids: list[str],
    *,
    source: str = "acme",
    finish_reason: str = "finished",
    pages_failed: int = 0,
    can_relist: bool = True,
    signals: dict[str, str] | None = None,
    run_reconcile: bool = True,
    k: int = 2,
    **record_fields: Any,
) -> ReconcileReport | None:
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(
            session, source, kind="greenhouse", observed_at=observed_at, can_relist=can_relist
        )
        ingest.upsert_postings(
            session,
            run_id,
            [
                PostingRecord(source_job_id=j, title=f"Engineer {j}", **record_fields)
                for j in job_ids
            ],
        )
        for job_id, reason in (signals or {}).items():
            ingest.record_close_signal(session, run_id, job_id, reason)
        ingest.finish_crawl_run(
            session,
            run_id,
            finish_reason=finish_reason,
            pages_fetched=100 - pages_failed,
            pages_failed=pages_failed,
        )
    return run(engine, k=k) if run_reconcile else None


def run(engine: Engine, **kwargs: Any) -> ReconcileReport:
    with Session(engine) as session, session.begin():
        return reconcile(session, **kwargs)


def state(engine: Engine) -> dict[str, tuple[str, datetime | None, int]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                models.Posting.source_job_id,
                models.Posting.status,
                models.Posting.closed_at,
                models.Posting.miss_count,
            )
        )
        return {job_id: (status, closed_at, misses) for job_id, status, closed_at, misses in rows}


def events(engine: Engine) -> list[tuple[str, str, datetime, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                models.Posting.source_job_id,
                models.PostingEvent.kind,
                models.PostingEvent.at,
                models.PostingEvent.reason,
            )
            .join(models.Posting)
            .order_by(models.PostingEvent.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


# --------------------------------------------------------------------- completeness rules


@pytest.mark.parametrize(
    ("finish_reason", "fetched", "failed", "seen", "open_before", "complete"),
    [
        ("finished", 91, 9, 50, 100, True),  # 9 of 100 failed: under 10%
        ("finished", 90, 10, 50, 100, False),  # 10 of 100: not under 10%
        ("finished", 100, 0, 50, 100, True),  # saw exactly half of what was open
        ("finished", 100, 0, 49, 100, False),  # saw under half
        ("finished", 100, 0, 0, 0, True),  # nothing open before: no threshold
        ("finished", 0, 0, 0, 0, False),  # no requests at all
        ("shutdown", 100, 0, 100, 100, False),  # interrupted
        ("closespider_errorcount", 100, 0, 100, 100, False),
    ],
)
def test_completeness_boundaries(
    finish_reason: str, fetched: int, failed: int, seen: int, open_before: int, complete: bool
) -> None:
    verdict, detail = judge_run(
        finish_reason=finish_reason,
        pages_fetched=fetched,
        pages_failed=failed,
        postings_seen=seen,
        open_before=open_before,
        max_error_rate=0.10,
        min_seen_share=0.5,
    )
    assert verdict is complete
    assert detail.startswith("complete: " if complete else "incomplete: ")


def test_incomplete_detail_names_every_reason() -> None:
    _, detail = judge_run(
        finish_reason="shutdown",
        pages_fetched=5,
        pages_failed=5,
        postings_seen=1,
        open_before=10,
        max_error_rate=0.1,
        min_seen_share=0.5,
    )
    assert "'shutdown'" in detail and "5 of 10 requests failed" in detail
    assert "saw 1 postings of 10 open before" in detail


# --------------------------------------------------------------------- closing


@pytest.mark.parametrize("k", [1, 2, 3])
def test_closed_after_k_complete_misses_at_first_miss_time(engine: Engine, k: int) -> None:
    crawl(engine, week(0), ["a", "b", "c"])
    for n in range(1, k):
        crawl(engine, week(n), ["a", "b"], k=k)
        assert state(engine)["c"] == ("open", None, n)
    report = crawl(engine, week(k), ["a", "b"], run_reconcile=False)
    assert report is None
    report = run(engine, k=k)
    assert report.closed_unseen == 1 and report.runs_complete == 1
    assert state(engine)["c"] == ("closed", week(1), k)
    assert events(engine)[-1] == ("c", "closed", week(1), "unseen")


def test_a_sighting_resets_the_miss_streak(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b", "c"])
    crawl(engine, week(1), ["a", "b"])
    crawl(engine, week(2), ["a", "b", "c"])
    crawl(engine, week(3), ["a", "b"])
    assert state(engine)["c"] == ("open", None, 1)
    crawl(engine, week(4), ["a", "b"])
    assert state(engine)["c"] == ("closed", week(3), 2)


@pytest.mark.parametrize(
    "bad_crawl",
    [
        {"finish_reason": "shutdown"},
        {"pages_failed": 10},  # 10% of requests failed
        {"job_ids": []},  # a changed layout: zero items
    ],
)
def test_incomplete_crawls_close_nothing_and_count_no_miss(
    engine: Engine, bad_crawl: dict[str, Any]
) -> None:
    crawl(engine, week(0), ["a", "b", "c"])
    crawl(engine, week(1), ["a", "b"])
    fields = {"job_ids": ["a", "b"], **bad_crawl}
    report = crawl(engine, week(2), **fields)
    assert report is not None and report.runs_incomplete == 1 and report.postings_closed == 0
    assert report.verdicts[0].detail.startswith("incomplete")
    assert state(engine)["c"] == ("open", None, 1)
    assert state(engine)["b"][:2] == ("open", None)
    crawl(engine, week(3), ["a", "b"])
    assert state(engine)["c"] == ("closed", week(1), 2)


def test_the_same_crawls_counted_complete_would_close(engine: Engine) -> None:
    """Control for the test above: the threshold is what keeps c and b open."""
    crawl(engine, week(0), ["a", "b", "c"])
    crawl(engine, week(1), ["a", "b"])
    report = crawl(engine, week(2), ["a", "b"], pages_failed=10, run_reconcile=False)
    assert report is None
    report = run(engine, max_error_rate=0.2)
    assert report.runs_complete == 1 and report.closed_unseen == 1
    assert state(engine)["c"] == ("closed", week(1), 2)


def test_reconcile_after_many_crawls_equals_reconcile_after_each(
    engine: Engine, sqlite_url: str
) -> None:
    base = ["x1", "x2", "x3", "x4"]  # always listed: every crawl sees over half of what is open
    history = [base + ids for ids in (["b", "c"], ["b"], [], ["c"], [], [])]
    for n, ids in enumerate(history):
        crawl(engine, week(n), ids, run_reconcile=False)
    report = run(engine)
    assert report.runs_complete == len(history)
    deferred = state(engine)
    other = make_engine(sqlite_url.replace("jobtrends.db", "each.db"))
    schema.upgrade(other)
    for n, ids in enumerate(history):
        crawl(other, week(n), ids)
    assert state(other) == deferred
    assert deferred["b"] == ("closed", week(2), 2)
    assert deferred["c"] == ("closed", week(4), 2)
    other.dispose()


def test_a_late_reconcile_recounts_what_was_open_without_postings_the_run_reopened(
    engine: Engine,
) -> None:
    """Week 3 is reconciled only after week 4 started, so week 4's open count is taken again
    at reconcile time: b1 and b2, closed when week 4 started and reopened by it, are not
    among the postings open before it (5, not 7), and its 3 sightings are over half."""
    rest = ["a", "c", "d", "e", "f"]
    crawl(engine, week(0), ["b1", "b2", *rest])
    crawl(engine, week(1), rest)
    crawl(engine, week(2), rest)  # b1 and b2 close (k = 2)
    crawl(engine, week(3), rest, run_reconcile=False)
    crawl(engine, week(4), ["a", "b1", "b2"], run_reconcile=False)
    report = run(engine)
    assert [v.status for v in report.verdicts] == [models.RUN_COMPLETE] * 2
    assert "saw 3 postings of 5 open before" in report.verdicts[1].detail
    assert state(engine)["b1"] == ("open", None, 0)


def test_reopened_when_seen_again(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b"])
    crawl(engine, week(1), ["a"])
    crawl(engine, week(2), ["a"])
    assert state(engine)["b"] == ("closed", week(1), 2)
    report = crawl(engine, week(3), ["a", "b"])
    assert report is not None and report.reopened == 1
    assert state(engine)["b"] == ("open", None, 0)
    assert [e[:3] for e in events(engine) if e[0] == "b"] == [
        ("b", "closed", week(1)),
        ("b", "reopened", week(3)),
    ]
    with engine.connect() as conn:
        assert conn.execute(select(models.Posting.id)).all().__len__() == 2  # not duplicated


# --------------------------------------------------------------------- explicit signals


def test_explicit_signal_closes_at_its_time_even_in_an_incomplete_crawl(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b", "c"])
    report = crawl(
        engine,
        week(1),
        ["a"],
        finish_reason="shutdown",
        signals={"b": models.CLOSE_HTTP_GONE, "c": models.CLOSE_NOT_ACCEPTING},
    )
    assert report is not None and report.closed_by_signal == 2 and report.signals_applied == 2
    assert state(engine)["b"] == ("closed", week(1), 0)
    assert events(engine) == [
        ("b", "closed", week(1), "http_gone"),
        ("c", "closed", week(1), "not_accepting"),
    ]


@pytest.mark.parametrize("deferred", [False, True], ids=["each", "deferred"])
def test_a_runs_own_signals_leave_its_open_count_as_it_was(engine: Engine, deferred: bool) -> None:
    """Week 1 lists 4 of 10 open postings and its revisits found the other 6 gone: the signals
    close them (at week 1) before the run is judged, and a deferred reconcile, which counts
    what was open before the run again, must still count them (10, not 4): the same suspect
    drop as with reconcile after each crawl."""
    ids = [f"p{n}" for n in range(10)]
    crawl(engine, week(0), ids, run_reconcile=not deferred)
    gone = dict.fromkeys(ids[4:], models.CLOSE_HTTP_GONE)
    crawl(engine, week(1), ids[:4], signals=gone, run_reconcile=not deferred)
    if deferred:
        run(engine)
    (first, _), (second, detail) = run_statuses(engine)
    assert (first, second) == (models.RUN_COMPLETE, models.RUN_INCOMPLETE)
    assert "saw 4 postings of 10 open before" in detail
    assert {job: state(engine)[job][:2] for job in ids[4:]} == dict.fromkeys(
        ids[4:], ("closed", week(1)))


def test_signal_loses_to_a_later_sighting(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b"])
    crawl(engine, week(1), ["a", "b"], signals={"b": models.CLOSE_HTTP_GONE}, run_reconcile=False)
    crawl(engine, week(2), ["a", "b"], run_reconcile=False)  # listed again: the 404 was transient
    report = run(engine)
    assert report.signals_applied == 1 and report.closed_by_signal == 0
    assert state(engine)["b"] == ("open", None, 0)


def test_expired_closes_only_sources_that_cannot_relist(engine: Engine) -> None:
    expired: dict[str, Any] = {"valid_through": week(0) + timedelta(days=2)}
    crawl(engine, week(0), ["a"], source="relists", **expired)
    crawl(engine, week(0), ["a"], source="one-off", can_relist=False, **expired)
    # the next crawls do not fetch the one-off page again; the listing board still lists it
    crawl(engine, week(1), ["a"], source="relists", **expired)
    report = crawl(engine, week(1), [], source="one-off", can_relist=False)
    assert report is not None and report.closed_expired == 1
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Source.name, models.Posting.status, models.Posting.closed_at)
            .join(models.Source)
            .order_by(models.Source.name)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("one-off", "closed", week(0) + timedelta(days=2)),
        ("relists", "open", None),
    ]


def test_expired_signal_is_ignored_for_a_source_that_relists(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b"])
    crawl(engine, week(1), ["a"], signals={"b": models.CLOSE_EXPIRED})
    assert state(engine)["b"] == ("open", None, 1)


# --------------------------------------------------------------------- bookkeeping


def test_reconcile_twice_changes_nothing(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b", "c", "d"])
    crawl(engine, week(1), ["a", "d"], run_reconcile=False)
    crawl(engine, week(2), ["a", "d"], signals={"b": models.CLOSE_HTTP_GONE}, run_reconcile=False)
    first = run(engine)
    assert first.postings_closed == 2
    snapshot = (state(engine), events(engine))
    again = run(engine)
    assert again == ReconcileReport()
    assert (state(engine), events(engine)) == snapshot


def test_run_status_and_detail_are_stored(engine: Engine) -> None:
    crawl(engine, week(0), ["a", "b"])
    crawl(engine, week(1), [], run_reconcile=True)
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.CrawlRun.status, models.CrawlRun.status_detail).order_by(
                models.CrawlRun.observed_at
            )
        ).all()
    assert rows[0][0] == "complete" and rows[1][0] == "incomplete"
    assert "saw 0 postings of 2 open before (under 50%)" in str(rows[1][1])


def test_runs_wait_for_an_unfinished_earlier_run_and_overtaken_runs_are_abandoned(
    engine: Engine,
) -> None:
    crawl(engine, week(0), ["a", "b"])
    with Session(engine) as session, session.begin():
        ingest.start_crawl_run(session, "acme", kind="x", observed_at=week(1))  # never finishes
    crawl(engine, week(1), ["a"], run_reconcile=False)  # same crawl time: waits for its peer
    assert run(engine).verdicts == []
    report = crawl(engine, week(2), ["a"])
    assert report is not None
    statuses = [(v.observed_at, v.status) for v in report.verdicts]
    assert statuses == [(week(1), "incomplete"), (week(1), "complete"), (week(2), "complete")]
    assert "never finished" in report.verdicts[0].detail
    assert state(engine)["b"] == ("closed", week(1), 2)


def test_bad_parameters_are_named(engine: Engine) -> None:
    with Session(engine) as session:
        with pytest.raises(ValueError, match="k must be at least 1"):
            reconcile(session, k=0)
        with pytest.raises(ValueError, match="max_error_rate"):
            reconcile(session, max_error_rate=1.5)
        with pytest.raises(ValueError, match="min_seen_share"):
            reconcile(session, min_seen_share=-0.1)


# --------------------------------------------------------------------- suspect drops

FIVE = ["a", "b", "c", "d", "e"]
FAIL: dict[str, Any] = {"finish_reason": "shutdown"}


@pytest.mark.parametrize(
    ("history", "closed"),
    [
        # a genuine shrink 5 -> 2: week 1 is suspect, week 2 confirms it; c, d, e close at
        # week 1, the first crawl that missed them, exactly as if week 1 had been trusted
        ([FIVE, ["a", "b"], ["a", "b"]], {"c": 1, "d": 1, "e": 1}),
        # a one-week glitch 5 -> 1 -> 5 closes nothing
        ([FIVE, ["a"], FIVE], {}),
        # partial recovery: 3 is not under half of the 5 open before week 1 -> not confirmed;
        # week 2 (3 of 5) is complete on its own: d, e miss once, week 3 closes them at week 2
        ([FIVE, ["a"], ["a", "b", "c"], ["a", "b", "c"]], {"d": 2, "e": 2}),
        # exactly half is no drop: complete at once, c and d close at week 1 after week 2
        ([["a", "b", "c", "d"], ["a", "b"], ["a", "b"]], {"c": 1, "d": 1}),
        # the confirming crawl may list other postings: 2 seen (b and a new f) < 2.5
        ([FIVE, ["a", "b"], ["b", "f"]], {"c": 1, "d": 1, "e": 1}),
        # a failed crawl in between neither confirms nor refutes: the next clean crawl does
        ([FIVE, ["a", "b"], (["a", "b"], FAIL), ["a", "b"]], {"c": 1, "d": 1, "e": 1}),
        # nor does an empty one (a broken layout between them tells nothing)
        ([FIVE, ["a", "b"], [], ["a", "b"]], {"c": 1, "d": 1, "e": 1}),
        # an empty crawl never confirms a drop ...
        ([FIVE, ["a", "b"], []], {}),
        # ... and empty crawls are never confirmed, however many follow
        ([FIVE, [], [], []], {}),
        # a suspect crawl refuted, then a real drop: the later suspect is what gets confirmed
        ([FIVE, ["a"], FIVE, ["a", "b"], ["a", "b"]], {"c": 3, "d": 3, "e": 3}),
        # with k = 2 the suspect's miss counts on top of an earlier one: e closes at week 1
        ([FIVE, ["a", "b", "c", "d"], ["a"], ["a"]], {"b": 2, "c": 2, "d": 2, "e": 1}),
        # week 2 confirms week 1's drop, closing c; week 3 then saw 1 of the 2 still open (a
        # complete crawl, b's second miss), not 1 of the 3 open when it started: deferred, its
        # open count is taken again once the runs before it are reconciled
        ([["a", "b", "c"], ["b"], ["a"], ["a"]], {"c": 1, "b": 2}),
    ],
    ids=[
        "shrink",
        "glitch",
        "recovery",
        "half",
        "new-postings",
        "failed-between",
        "empty-between",
        "empty-never-confirms",
        "empty-never-confirmed",
        "refuted-then-real",
        "streak",
        "open-count-after-closes",
    ],  # fmt: skip
)
@pytest.mark.parametrize("deferred", [False, True], ids=["each", "deferred"])
def test_suspect_drops(
    engine: Engine, history: list[Any], closed: dict[str, int], deferred: bool
) -> None:
    for n, step in enumerate(history):
        ids, fields = step if isinstance(step, tuple) else (step, {})
        crawl(engine, week(n), ids, run_reconcile=not deferred, **fields)
    if deferred:
        run(engine)
    got = {job: at for job, (status, at, _) in state(engine).items() if status == "closed"}
    assert got == {job: week(n) for job, n in closed.items()}
    # idempotent: nothing left to do
    assert run(engine) == ReconcileReport()


def run_statuses(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.CrawlRun.status, models.CrawlRun.status_detail).order_by(
                models.CrawlRun.observed_at
            )
        ).all()
    return [(status, str(detail)) for status, detail in rows]


def test_shrink_is_confirmed_one_crawl_later_with_closes_at_the_first_miss(
    engine: Engine,
) -> None:
    crawl(engine, week(0), FIVE)
    report = crawl(engine, week(1), ["a", "b"])
    assert report is not None and report.runs_incomplete == 1 and report.postings_missed == 0
    assert "suspect drop" in report.verdicts[0].detail
    assert "saw 2 postings of 5 open before" in report.verdicts[0].detail
    assert {job: s[0] for job, s in state(engine).items()} == dict.fromkeys(FIVE, "open")
    report = crawl(engine, week(2), ["a", "b"])
    assert report is not None and report.runs_confirmed == 1 and report.closed_unseen == 3
    assert report.runs_complete == 1 and report.postings_missed == 6
    statuses = run_statuses(engine)
    confirming_id = report.verdicts[-1].run_id
    assert statuses[1][0] == "complete"
    assert f"confirmed by run {confirming_id}" in statuses[1][1]
    assert statuses[2][0] == "complete" and "confirms the drop seen by run" in statuses[2][1]
    assert state(engine) == {
        "a": ("open", None, 0),
        "b": ("open", None, 0),
        "c": ("closed", week(1), 2),
        "d": ("closed", week(1), 2),
        "e": ("closed", week(1), 2),
    }
    assert [e for e in events(engine) if e[1] == "closed"] == [
        (job, "closed", week(1), "unseen") for job in ("c", "d", "e")
    ]


def test_a_glitch_is_recorded_as_not_confirmed(engine: Engine) -> None:
    crawl(engine, week(0), FIVE)
    crawl(engine, week(1), ["a"])
    crawl(engine, week(2), FIVE)
    statuses = run_statuses(engine)
    assert statuses[1][0] == "incomplete" and "not confirmed by run" in statuses[1][1]
    assert statuses[2][0] == "complete"
    assert all(misses == 0 for _, _, misses in state(engine).values())


def test_an_emptied_board_closes_when_the_operator_accepts_empty_crawls(
    engine: Engine, db_url: str
) -> None:
    from typer.testing import CliRunner

    from jobtrends.cli import app

    crawl(engine, week(0), ["a", "b"])
    crawl(engine, week(1), [])
    crawl(engine, week(2), [])
    assert {s[0] for s in state(engine).values()} == {"open"}  # never on its own
    assert run(engine) == ReconcileReport()  # the defaults keep their verdicts
    result = CliRunner().invoke(app, ["--db", db_url, "reconcile", "--min-seen-share", "0"])
    assert result.exit_code == 0, result.output
    assert state(engine) == {"a": ("closed", week(1), 2), "b": ("closed", week(1), 2)}
    assert [s for s, _ in run_statuses(engine)] == ["complete"] * 3
    assert "re-judged with min_seen_share=0" in run_statuses(engine)[1][1]
    assert run(engine) == ReconcileReport()


def test_an_emptied_board_accepted_by_name_closes_while_other_sources_keep_their_verdicts(
    engine: Engine, db_url: str
) -> None:
    """--min-seen-share 0 would accept every source's empty crawls, a broken page's too:
    --accept-empty NAME accepts those of the board the operator knows emptied, and only them."""
    from typer.testing import CliRunner

    from jobtrends.cli import app

    for source in ("emptied", "broken"):
        crawl(engine, week(0), ["a", "b"], source=source)
        crawl(engine, week(1), [], source=source)
        crawl(engine, week(2), [], source=source)
    unknown = CliRunner().invoke(app, ["--db", db_url, "reconcile", "--accept-empty", "nosuch"])
    assert unknown.exit_code == 2
    assert "no stored source named 'nosuch' (stored sources: 'broken', 'emptied')" in " ".join(
        unknown.output.split())
    result = CliRunner().invoke(app, ["--db", db_url, "reconcile", "--accept-empty", "emptied"])
    assert result.exit_code == 0, result.output
    assert "(2 earlier run(s) re-judged complete)" in " ".join(result.output.split())
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Source.name, models.Posting.source_job_id, models.Posting.status,
                   models.Posting.closed_at)
            .join(models.Source, models.Source.id == models.Posting.source_id)
        ).all()
        verdicts = conn.execute(
            select(models.Source.name, models.CrawlRun.status, models.CrawlRun.status_detail)
            .join(models.Source, models.Source.id == models.CrawlRun.source_id)
            .order_by(models.CrawlRun.observed_at, models.CrawlRun.id)
        ).all()
    assert sorted((n, j, st, at) for n, j, st, at in rows) == [
        ("broken", "a", "open", None), ("broken", "b", "open", None),
        ("emptied", "a", "closed", week(1)), ("emptied", "b", "closed", week(1)),
    ]  # fmt: skip
    assert [st for n, st, _ in verdicts if n == "emptied"] == ["complete"] * 3
    assert [st for n, st, _ in verdicts if n == "broken"] == ["complete"] + ["incomplete"] * 2
    assert "re-judged: its board accepted as emptied" in (verdicts[2][2] or "")
    assert run(engine) == ReconcileReport()  # and the defaults change nothing after it


def test_looser_parameters_never_rejudge_runs_before_a_complete_one(engine: Engine) -> None:
    crawl(engine, week(0), FIVE)
    crawl(engine, week(1), ["a"])  # a glitch, refuted by week 2
    crawl(engine, week(2), FIVE)
    report = run(engine, min_seen_share=0.0)
    assert report == ReconcileReport()
    assert all(misses == 0 for _, _, misses in state(engine).values())


@pytest.mark.parametrize(
    ("seen", "open_before", "words"),
    [
        (2, 5, "suspect drop"),
        (0, 5, "never trusted"),
    ],
)
def test_seen_share_details(seen: int, open_before: int, words: str) -> None:
    complete, detail = judge_run(
        finish_reason="finished",
        pages_fetched=10,
        pages_failed=0,
        postings_seen=seen,
        open_before=open_before,
        max_error_rate=0.1,
        min_seen_share=0.5,
    )
    assert not complete and words in detail
    assert f"saw {seen} postings of {open_before} open before (under 50%)" in detail


def test_a_peer_of_a_complete_run_is_not_a_suspect(engine: Engine) -> None:
    """Two crawler processes share the week-1 crawl: the complete one already counted e's
    miss, so its peer that saw little is no drop to confirm (that would miss e twice)."""
    crawl(engine, week(0), FIVE)
    crawl(engine, week(1), ["a", "b", "c", "d"])
    crawl(engine, week(1), ["a", "b"])  # the peer: 2 of 5 open before it
    crawl(engine, week(2), ["a", "b"])
    assert state(engine)["e"] == ("open", None, 1)
    crawl(engine, week(3), ["a", "b"])  # confirms week 2's drop
    got = state(engine)
    assert got["e"] == ("closed", week(1), 2)
    assert got["c"] == got["d"] == ("closed", week(2), 2)


@contextmanager
def statements_run(engine: Engine, wanted: Callable[[str], bool]) -> Iterator[list[Any]]:
    """The single statements (not executemany) run on ``engine`` inside the block that
    ``wanted`` accepts, with their parameters."""
    found: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if wanted(statement) and not args[-1]:
            found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def plan_lines(engine: Engine, statements: list[Any], table: str) -> list[str]:
    """The lines of SQLite's plans of ``statements`` that scan or search ``table``."""
    with engine.connect() as conn:
        return [
            row[-1]
            for statement, parameters in statements
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            if re.match(rf"(SCAN|SEARCH) {table}\b", row[-1])
        ]


def test_a_sources_postings_are_found_by_source_not_among_every_open_posting(
    sqlite_url: str,
) -> None:
    """SQLite plans without statistics (nothing runs ANALYZE). Every statement that a crawl's
    start and reconcile run over one source's postings must search them by source_id: the plan
    that searched ix_postings_status_country by status alone read every open posting of every
    source, once per source and statement, which is quadratic in the number of sources."""
    engine = make_engine(sqlite_url)
    schema.upgrade(engine)
    for n in range(3):  # misses and closes on a board that relists, expiry on one that cannot
        for source, can_relist in (("acme", True), ("globex", True), ("page", False)):
            ids = ["a", "b"] if n == 0 else ["a"]
            crawl(engine, week(n), ids, source=source, can_relist=can_relist,
                  valid_through=week(1))  # fmt: skip
    with statements_run(engine, lambda sql: "postings.source_id = ?" in sql) as statements:
        crawl(engine, week(3), ["a"], source="acme")
        crawl(engine, week(3), [], source="page", can_relist=False)
    searches = plan_lines(engine, statements, "postings")
    engine.dispose()
    # the open count at start, the misses, the closes of the unseen and the expired
    assert len(statements) >= 5, statements
    assert searches and all("source_id=?" in detail for detail in searches), searches


def test_reconcile_reads_pending_signals_without_scanning_applied_ones(sqlite_url: str) -> None:
    """Applied close signals stay in the table for good; reconcile reads the pending ones once
    per run it judges, so that read must search an index of pending signals, not scan them all
    (300,000 old signals made a 500-run reconcile 8 times slower)."""
    engine = make_engine(sqlite_url)
    schema.upgrade(engine)
    crawl(engine, week(0), ["a", "b", "c"])
    crawl(engine, week(1), ["a", "b"], signals={"c": models.CLOSE_HTTP_GONE})

    def pending(sql: str) -> bool:
        return "FROM close_signals" in sql and "applied_at IS NULL" in sql

    with statements_run(engine, pending) as reads:
        report = crawl(engine, week(2), ["a"], signals={"b": models.CLOSE_HTTP_GONE})
    assert report is not None and report.closed_by_signal == 1
    plans = plan_lines(engine, reads, "close_signals")
    engine.dispose()
    assert len(reads) >= 2  # before the run (signals up to it) and after (all the rest)
    assert plans and all("ix_close_signals_pending" in plan for plan in plans), plans


def test_a_reconcile_racing_a_crawl_waits_for_its_batch(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reconcile started while a later crawl stores a batch, right after the batch read which
    of its postings are stored and open: the reconcile waits for the batch. Had it closed B in
    between (B's second miss), the batch would have marked B seen without reopening it: a
    closed posting seen after its close, with no event."""
    crawl(engine, week(0), ["A", "B"])
    crawl(engine, week(1), ["A", "B"])
    crawl(engine, week(2), ["A"])  # B missed once
    crawl(engine, week(3), ["A"], run_reconcile=False)  # B's second miss, not reconciled yet
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=week(4))
    read_stored = ingest._Statements.stored
    attempts: list[bool] = []

    def reconcile_meanwhile(self: Any, conn: Any, job_ids: list[str]) -> Any:
        stored = read_stored(self, conn, job_ids)  # A and B: open
        attempts.append(done_without_waiting(engine, lambda session: reconcile(session, k=2)))
        return stored

    monkeypatch.setattr(ingest._Statements, "stored", reconcile_meanwhile)
    with Session(engine) as session, session.begin():
        ingest.upsert_postings(session, run_id, [
            PostingRecord(source_job_id=j, title=f"Engineer {j}") for j in "AB"
        ])  # fmt: skip
    monkeypatch.undo()
    assert attempts == [False]  # it waited
    report = run(engine, k=2)  # and runs after the batch: B was seen after week 3's crawl
    assert report.closed_unseen == 0
    assert state(engine) == {"A": ("open", None, 0), "B": ("open", None, 0)}
    assert [e[:2] for e in events(engine) if e[1] != "opened"] == []
