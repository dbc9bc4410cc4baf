"""Retiring a source: its open postings are right-censored at their last sighting, exactly
undone by reinstating it, and its crawls are refused meanwhile (storage/retire.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from conftest import done_without_waiting
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from storage import ingest, models
from storage.lifecycle import reconcile
from storage.records import PostingRecord
from storage.retire import (
    RetireError,
    SourceRetiredError,
    check_not_retired,
    reinstate_source,
    retire_source,
)
from storage.trends import TrendFilter, time_to_fill, weekly_flow

T0 = datetime(2026, 3, 2, 6)  # a Monday
WEEK = timedelta(days=7)
RETIRED_AT = datetime(2026, 4, 1, 12)


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def crawl(engine: Engine, source: str, at: datetime, jobs: str, *, finish: bool = True,
          reconciled: bool = True, gone: str = "") -> int:  # fmt: skip
    """A clean crawl of ``source`` at ``at`` listing ``jobs`` (one letter each), answering 410
    for ``gone``; finished and reconciled unless told otherwise. Returns its run id."""
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, source, kind="greenhouse", observed_at=at)
        ingest.upsert_postings(
            session,
            run_id,
            [PostingRecord(source_job_id=j, title=f"{source} engineer {j}") for j in jobs],
        )
        for job in gone:
            ingest.record_close_signal(session, run_id, job, models.CLOSE_HTTP_GONE)
        if finish:
            ingest.finish_crawl_run(
                session, run_id, finish_reason="finished", pages_fetched=1, pages_failed=0
            )
    if finish and reconciled:
        with Session(engine) as session, session.begin():
            reconcile(session, k=2)
    return run_id


def postings(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every posting's lifecycle columns by source_job_id."""
    p = models.Posting
    with Session(engine) as session:
        rows = session.execute(
            select(p.source_job_id, p.status, p.closed_at, p.close_reason, p.last_seen_at,
                   p.miss_count, p.first_missed_at)  # fmt: skip
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def events(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.source_job_id, e.kind FROM posting_events e "
                "JOIN postings p ON p.id = e.posting_id ORDER BY e.id"
            )
        )
        return [(job, kind) for job, kind in rows]


def history(engine: Engine) -> None:
    """acme: A, B, C, D live at its first crawl (left-censored); E opens in week 2; D answers
    410 in week 2; B is missed in week 3 (one miss, still open at K=2). beta: X, one crawl."""
    crawl(engine, "acme", T0, "ABCD")
    crawl(engine, "acme", T0 + WEEK, "ABCE", gone="D")
    crawl(engine, "acme", T0 + 2 * WEEK, "ACE")
    crawl(engine, "beta", T0 + 2 * WEEK, "X")


def retire(engine: Engine, name: str) -> Any:
    with Session(engine) as session, session.begin():
        return retire_source(session, name, at=RETIRED_AT)


def test_open_postings_are_censored_at_their_last_sighting(engine: Engine) -> None:
    history(engine)
    before = postings(engine)
    events_before = events(engine)
    report = retire(engine, "acme")
    assert (report.source, report.postings, report.runs_abandoned) == ("acme", 4, 0)
    assert report.last_complete_at == T0 + 2 * WEEK
    after = postings(engine)
    closed, untracked = models.POSTING_CLOSED, models.CLOSE_UNTRACKED
    week3, week2 = T0 + 2 * WEEK, T0 + WEEK
    assert after == {
        "A": (closed, week3, untracked, week3, 0, None),
        # missed once by week 3: known open until its last sighting in week 2
        "B": (closed, week2, untracked, week2, 1, week3),
        "C": (closed, week3, untracked, week3, 0, None),
        "D": before["D"],  # closed by its 410 before: unchanged
        "E": (closed, week3, untracked, week3, 0, None),
        "X": before["X"],  # another source
    }
    assert events(engine) == events_before  # no close was seen: no event
    with Session(engine) as session:
        retired_at = session.execute(
            select(models.Source.retired_at).where(models.Source.name == "acme")
        ).scalar_one()
        assert retired_at == RETIRED_AT
        # E opened in week 2 and is filled in no week: censored after 7 days, not an event
        flow = weekly_flow(session, TrendFilter(since=T0.date(), until=date(2026, 3, 22)))
        assert [(w.opened, w.closed) for w in flow.weeks] == [(0, 0), (1, 1), (0, 0)]  # D closes
        fill = time_to_fill(session, TrendFilter(since=T0.date(), until=date(2026, 3, 22)))
        assert (fill.n_closed, fill.n_censored, fill.n_untracked) == (0, 1, 1)
        assert [(p.day, p.events, p.censored) for p in fill.curve] == [(7, 0, 1)]
        rows = session.execute(
            text("SELECT p.source_job_id, r.status FROM v_roles r "
                 "JOIN postings p ON p.id = r.role_id")  # fmt: skip
        )
        statuses = {job: status for job, status in rows}
    assert statuses == {"A": "untracked", "B": "untracked", "C": "untracked",
                        "D": "closed", "E": "untracked", "X": "open"}  # fmt: skip


def test_reinstating_undoes_the_retirement_exactly(engine: Engine) -> None:
    history(engine)
    before = postings(engine)
    retire(engine, "acme")
    with Session(engine) as session, session.begin():
        report = reinstate_source(session, "acme")
    assert report.postings == 4
    assert postings(engine) == before
    # and the source is tracked again: its next crawl counts its misses (B's second: closed)
    crawl(engine, "acme", T0 + 3 * WEEK, "ACE")
    assert postings(engine)["B"][:3] == (
        models.POSTING_CLOSED, T0 + 2 * WEEK, models.CLOSE_UNSEEN,
    )  # fmt: skip


def test_a_retired_source_refuses_crawls(engine: Engine) -> None:
    history(engine)
    retire(engine, "acme")
    with Session(engine) as session:
        with pytest.raises(SourceRetiredError, match="'acme' was retired on 2026-04-01 12:00"):
            ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=T0 + 9 * WEEK)
        session.rollback()
        with pytest.raises(SourceRetiredError, match="sources retire acme --undo"):
            check_not_retired(session, ["beta", "acme"])
        check_not_retired(session, ["beta", "never-crawled"])  # passes
    assert postings(engine)["A"][0] == models.POSTING_CLOSED  # nothing was written


def test_an_unfinished_crawl_is_abandoned_and_its_late_sightings_refused(engine: Engine) -> None:
    history(engine)
    run_id = crawl(engine, "acme", T0 + 3 * WEEK, "A", finish=False)
    report = retire(engine, "acme")
    assert report.runs_abandoned == 1
    with Session(engine) as session:
        status, detail = session.execute(
            select(models.CrawlRun.status, models.CrawlRun.status_detail).where(
                models.CrawlRun.id == run_id
            )
        ).one()
        assert (status, detail) == ("incomplete", "incomplete: never finished (source retired)")
        with pytest.raises(SourceRetiredError, match="'acme' was retired"):
            ingest.upsert_postings(session, run_id, [PostingRecord(source_job_id="Z", title="z")])
        with pytest.raises(SourceRetiredError, match="'acme' was retired"):
            ingest.record_close_signal(session, run_id, "A", models.CLOSE_HTTP_GONE)


def test_refusals_name_what_is_wrong(engine: Engine) -> None:
    history(engine)
    with pytest.raises(RetireError, match=r"no stored source named 'acmee' \(stored sources: "
                       r"'acme', 'beta'\)"):  # fmt: skip
        retire(engine, "acmee")
    with Session(engine) as session, pytest.raises(RetireError, match="'acme' is not retired"):
        reinstate_source(session, "acme")
    crawl(engine, "acme", T0 + 3 * WEEK, "A", reconciled=False)
    before = postings(engine)
    with pytest.raises(RetireError, match="1 finished crawl run.* `jobtrends reconcile` first"):
        retire(engine, "acme")
    assert postings(engine) == before
    with Session(engine) as session, session.begin():
        reconcile(session, k=2)
    retire(engine, "acme")
    with pytest.raises(RetireError, match="'acme' is already retired \\(on 2026-04-01\\)"):
        retire(engine, "acme")


def linked_to(engine: Engine) -> dict[tuple[str, str], int | None]:
    """Each posting's canonical posting id by (source, job)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.name, p.source_job_id, p.canonical_id FROM postings p "
                "JOIN sources s ON s.id = p.source_id"
            )
        )
        return {(source, job): canonical for source, job, canonical in rows}


def test_retiring_and_reinstating_link_roles_again(engine: Engine) -> None:
    """The board's copy of the ATS's job joined its role while the ATS posting was open, 40
    days after that posting's last sighting (the ATS crawls failed meanwhile). Retired, the ATS
    posting closed at that sighting: over 30 days before the copy opened, so the two are roles
    of their own. Reinstated, it is open again and the copy joins it again."""

    def listing(source: str, at: datetime, jobs: str, reason: str = "finished") -> None:
        with Session(engine) as session, session.begin():
            run_id = ingest.start_crawl_run(session, source, kind="x", observed_at=at)
            ingest.upsert_postings(
                session,
                run_id,
                [PostingRecord(source_job_id=j, title=f"Data Engineer {j}", company_name="Acme")
                 for j in jobs],
            )  # fmt: skip
            ingest.finish_crawl_run(
                session, run_id, finish_reason=reason, pages_fetched=1, pages_failed=0
            )
        with Session(engine) as session, session.begin():
            reconcile(session, k=2)

    listing("ats", T0, "AB")
    listing("ats", T0 + 40 * timedelta(days=1), "", reason="shutdown")  # nothing closes
    listing("board", T0 + 40 * timedelta(days=1), "C")
    listing("board", T0 + 41 * timedelta(days=1), "AC")
    ats_a = linked_to(engine)
    assert ats_a["board", "A"] is not None and ats_a["ats", "A"] is None  # one role
    report = retire(engine, "ats")
    assert (report.postings, report.links_changed) == (2, 1)
    assert linked_to(engine)["board", "A"] is None  # a role of its own
    with Session(engine) as session, session.begin():
        assert reinstate_source(session, "ats").links_changed == 1
    assert linked_to(engine) == ats_a


def retire_unless_kept_waiting(engine: Engine, name: str) -> bool:
    """Retire ``name``; False if another transaction's lock kept it waiting (for 300 ms)."""
    return done_without_waiting(engine, lambda session: retire_source(session, name,
                                                                      at=RETIRED_AT))


def test_a_retirement_racing_a_crawl_leaves_no_open_posting(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator retires a source while a crawl of it is storing a batch, right after the
    batch's check that the source is live: the retirement waits for the batch (on both backends)
    and then censors its postings with the rest. Never is a posting left open, or one written
    after the retirement, in a retired source."""
    history(engine)
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "acme", kind="greenhouse",
                                         observed_at=T0 + 3 * WEEK)  # fmt: skip
    checked = ingest._run_context
    attempts: list[bool] = []

    def retire_meanwhile(conn: Any, run: int) -> Any:
        context = checked(conn, run)  # the source is live
        attempts.append(retire_unless_kept_waiting(engine, "acme"))
        return context

    monkeypatch.setattr(ingest, "_run_context", retire_meanwhile)
    with Session(engine) as session, session.begin():
        ingest.upsert_postings(session, run_id, [
            PostingRecord(source_job_id="A", title="acme engineer A"),  # stored, open
            PostingRecord(source_job_id="F", title="acme engineer F"),  # new
        ])  # fmt: skip
    monkeypatch.undo()
    assert attempts == [False]  # the retirement had to wait for the batch's lock
    assert retire_unless_kept_waiting(engine, "acme")  # and goes through after it
    after = postings(engine)
    assert {job for job, row in after.items() if row[0] == models.POSTING_OPEN} == {"X"}
    assert after["F"][:3] == (models.POSTING_CLOSED, T0 + 3 * WEEK, models.CLOSE_UNTRACKED)
    assert after["A"][:3] == (models.POSTING_CLOSED, T0 + 3 * WEEK, models.CLOSE_UNTRACKED)
    # and a batch stored after the retirement is refused
    with Session(engine) as session, pytest.raises(SourceRetiredError):
        ingest.upsert_postings(session, run_id, [PostingRecord(source_job_id="G", title="g")])
