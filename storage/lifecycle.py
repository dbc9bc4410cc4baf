"""Reconcile: judge finished crawl runs, count misses, close postings, link canonical roles.

It reads only what crawls recorded (``crawl_runs``, ``close_signals`` and the postings' last
sightings), so it works the same whether one process or many did the crawling, and running it
twice changes nothing. The rules are in ``docs/lifecycle.md``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from storage import models
from storage.dedup import link_canonical_postings, linked_among, lock_every_source
from storage.ingest import utcnow
from storage.retire import no_stored_source

postings = cast(Table, models.Posting.__table__)
runs = cast(Table, models.CrawlRun.__table__)
sources = cast(Table, models.Source.__table__)
signals = cast(Table, models.CloseSignal.__table__)
events_table = cast(Table, models.PostingEvent.__table__)

FINISHED = "finished"  # Scrapy's finish reason for a crawl that ran to its end
# Any constant works: it only makes concurrent reconciles on PostgreSQL take turns.
_RECONCILE_LOCK_KEY = 0x6A6F6274


@dataclass(frozen=True)
class RunVerdict:
    """How one crawl run was judged."""

    run_id: int
    source: str
    observed_at: datetime
    status: str  # models.RUN_COMPLETE / models.RUN_INCOMPLETE
    detail: str


@dataclass
class ReconcileReport:
    """What one :func:`reconcile` call did."""

    runs_complete: int = 0
    runs_incomplete: int = 0
    runs_confirmed: int = 0  # suspect drops re-judged complete by their next clean crawl
    runs_rejudged: int = 0  # incomplete runs accepted under looser parameters given now
    postings_missed: int = 0  # miss counts raised by complete runs
    closed_unseen: int = 0  # closed after k complete crawls without them
    closed_by_signal: int = 0  # closed by an explicit 404/410 / "not accepting" signal
    closed_expired: int = 0  # validThrough passed on a source that cannot list them again
    reopened: int = 0  # closed postings seen again by the runs reconciled here
    signals_applied: int = 0
    postings_linked: int = 0  # canonical links set or changed
    verdicts: list[RunVerdict] = field(default_factory=list)
    closed_ids: list[int] = field(default_factory=list, repr=False)  # the postings closed

    @property
    def postings_closed(self) -> int:
        return self.closed_unseen + self.closed_by_signal + self.closed_expired


def clean_finish(
    *, finish_reason: str | None, pages_fetched: int, pages_failed: int, max_error_rate: float
) -> bool:
    """Scrapy finished with reason ``finished``, it made requests, and under ``max_error_rate``
    of them failed: the crawl ran to its end, whatever it saw."""
    requests = pages_fetched + pages_failed
    return (
        finish_reason == FINISHED
        and requests > 0
        and Fraction(pages_failed, requests) < Fraction(str(max_error_rate))
    )


# why a clean crawl that listed nothing while postings were open is incomplete (in its detail)
EMPTY_LISTING = "an empty listing is never trusted on its own"


def sees_too_few(postings_seen: int, open_before: int, min_seen_share: float) -> bool:
    """The seen-share rule fails: under ``min_seen_share`` of ``open_before`` (exact fraction)."""
    return open_before > 0 and postings_seen < Fraction(str(min_seen_share)) * open_before


def judge_run(
    *,
    finish_reason: str | None,
    pages_fetched: int,
    pages_failed: int,
    postings_seen: int,
    open_before: int,
    max_error_rate: float,
    min_seen_share: float,
) -> tuple[bool, str]:
    """Whether a finished crawl is complete on its own, and a sentence saying why (or why not).

    Complete: Scrapy finished with reason ``finished``, fewer than ``max_error_rate`` of its
    requests failed, and it saw at least ``min_seen_share`` of the postings open before it
    (no threshold when none were). Comparisons are exact fractions, so 10 failures in 100
    requests at a 10% threshold is incomplete. A clean crawl that saw some postings, but too
    few, is a *suspect drop*: :func:`reconcile` lets the next clean crawl of the source
    confirm it (see ``docs/lifecycle.md``). A clean crawl that saw nothing of a listing that
    had open postings is never trusted on its own (a changed layout yields zero items).
    """
    problems: list[str] = []
    facts: list[str] = []
    if finish_reason != FINISHED:
        problems.append(f"finish reason {finish_reason!r} is not {FINISHED!r}")
    requests = pages_fetched + pages_failed
    if requests == 0:
        problems.append("it made no requests")
    else:
        rate = Fraction(pages_failed, requests)
        limit = Fraction(str(max_error_rate))
        clause = f"{pages_failed} of {requests} requests failed ({float(rate):.1%}"
        if rate < limit:
            facts.append(f"{clause} < {float(limit):.0%})")
        else:
            problems.append(f"{clause}, not under {float(limit):.0%})")
    if open_before > 0:
        clause = f"saw {postings_seen} postings of {open_before} open before"
        if not sees_too_few(postings_seen, open_before, min_seen_share):
            facts.append(f"{clause} (>= {float(min_seen_share):.0%})")
        elif problems:
            problems.append(f"{clause} (under {float(min_seen_share):.0%})")
        elif postings_seen == 0:
            problems.append(f"{clause} (under {float(min_seen_share):.0%}): {EMPTY_LISTING}")
        else:
            problems.append(
                f"{clause} (under {float(min_seen_share):.0%}): suspect drop, the next clean "
                "crawl confirms or refutes it"
            )
    else:
        facts.append(f"saw {postings_seen} postings, none open before")
    if problems:
        return False, "incomplete: " + "; ".join(problems)
    return True, "complete: " + "; ".join(facts)


class UnknownSourceError(ValueError):
    """``accept_empty`` names a source that is not stored."""


def reconcile(
    session: Session,
    *,
    k: int = 2,
    max_error_rate: float = 0.10,
    min_seen_share: float = 0.5,
    accept_empty: Collection[str] = (),
) -> ReconcileReport:
    """Apply close signals and judge every finished, unreconciled crawl run, oldest first.

    A complete run raises the miss count of each open posting of its source it did not see;
    at ``k`` misses the posting closes at the time of the first complete crawl that missed it.
    An incomplete run closes nothing. A clean run that saw too few (a *suspect drop*) is judged
    incomplete until the next clean, non-empty crawl of its source: if that crawl again sees
    under ``min_seen_share`` of what was open before the suspect run, the drop is confirmed and
    the suspect run is re-judged complete (its misses counted at its own time) before the
    confirming run is applied. Incomplete runs after a source's latest complete run are
    re-judged with the parameters given, so ``min_seen_share=0`` accepts an emptied board;
    ``accept_empty`` names the sources whose runs are judged so, the postings they missed
    closing at once (a board the operator knows emptied); the others keep the parameters.
    Canonical postings are linked again around the postings the runs wrote and the linked
    postings this reconcile closed (a close can end the overlap in time that linked them).
    Writes through the session without committing; idempotent.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1 (complete crawls without a posting), got {k}")
    if not 0 < max_error_rate <= 1:
        raise ValueError(f"max_error_rate must be in (0, 1], got {max_error_rate}")
    if not 0 <= min_seen_share <= 1:
        raise ValueError(f"min_seen_share must be in [0, 1], got {min_seen_share}")
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RECONCILE_LOCK_KEY})
    # the batches being stored are waited for and later ones wait: no batch acts on a posting's
    # state read before this reconcile and writes over it after (nor deadlocks with its linking)
    lock_every_source(conn)
    now = utcnow()
    report = ReconcileReport()
    params = _Params(k, max_error_rate, min_seen_share, _stored(conn, accept_empty))
    abandoned = _abandon_overtaken_runs(conn, now, report)
    _rejudge_trailing_runs(conn, params, report)

    reconciled: list[int] = []
    for run in _runs_ready(conn):
        _apply_close_signals(
            conn, now, report, until=run.observed_at, max_error_rate=max_error_rate
        )
        claimed = conn.execute(
            update(runs)
            .where(runs.c.id == run.id, runs.c.reconciled_at.is_(None))
            .values(reconciled_at=now)
        )
        if claimed.rowcount != 1:
            continue  # another reconcile got there first
        reconciled.append(run.id)
        open_before = run.open_before
        if open_before is None or _reconciled_since_start(conn, run):
            open_before = _open_before(conn, run)
        run_params = params.for_source(run.source)
        complete, detail = judge_run(
            finish_reason=run.finish_reason,
            pages_fetched=run.pages_fetched,
            pages_failed=run.pages_failed,
            postings_seen=run.postings_seen,
            open_before=open_before,
            max_error_rate=max_error_rate,
            min_seen_share=run_params.min_seen_share,
        )
        if _informative(run, open_before, run_params):
            complete, detail = _settle_suspect(
                conn, run, open_before, run_params, report, complete=complete, detail=detail
            )
        status = models.RUN_COMPLETE if complete else models.RUN_INCOMPLETE
        conn.execute(
            update(runs)
            .where(runs.c.id == run.id)
            .values(status=status, status_detail=detail, open_before=open_before)
        )
        report.verdicts.append(RunVerdict(run.id, run.source, run.observed_at, status, detail))
        if complete:
            report.runs_complete += 1
            _count_misses_and_close(
                conn, run.id, run.source_id, run.observed_at, run_params.k, report
            )
        else:
            report.runs_incomplete += 1
        if not run.can_relist:
            _close_expired(conn, run.id, run.source_id, run.observed_at, report)
    _apply_close_signals(conn, now, report, until=None, max_error_rate=max_error_rate)

    if reconciled:
        report.reopened = conn.execute(
            select(func.count())
            .select_from(events_table)
            .where(
                events_table.c.kind == models.EVENT_REOPENED,
                events_table.c.crawl_run_id.in_(reconciled),
            )
        ).scalar_one()
    # the postings a dead process wrote are not written again by the next crawl that sees them
    report.postings_linked = link_canonical_postings(
        conn, reconciled + abandoned, posting_ids=linked_among(conn, report.closed_ids)
    )
    return report


@dataclass(frozen=True)
class _Params:
    k: int
    max_error_rate: float
    min_seen_share: float
    # names of sources whose board the operator says emptied: their runs are judged with a
    # seen share of 0, and the postings they missed close at once (k = 1): the operator's word
    # stands for the confirmation the further misses would give
    accept_empty: frozenset[str] = frozenset()

    def for_source(self, name: str) -> _Params:
        """The parameters the runs of source ``name`` are judged and applied with."""
        return replace(self, min_seen_share=0.0, k=1) if name in self.accept_empty else self


def _stored(conn: Connection, names: Collection[str]) -> frozenset[str]:
    """``names``, each a stored source; raises :class:`UnknownSourceError` otherwise."""
    wanted = frozenset(names)
    if not wanted:
        return wanted
    known = set(conn.execute(select(sources.c.name).where(sources.c.name.in_(wanted))).scalars())
    if unknown := sorted(wanted - known):
        raise UnknownSourceError(no_stored_source(conn, unknown))
    return wanted


_RUN_COLUMNS = (
    runs.c.id,
    runs.c.source_id,
    runs.c.observed_at,
    runs.c.finish_reason,
    runs.c.pages_fetched,
    runs.c.pages_failed,
    runs.c.postings_seen,
    runs.c.open_before,
    runs.c.started_at,
    runs.c.status,
    runs.c.status_detail,
)


def _informative(run: Any, open_before: int | None, params: _Params) -> bool:
    """A clean crawl that listed something (or had nothing to list): it tells what the
    source lists. Failed, interrupted and empty-while-postings-were-open crawls tell nothing."""
    return clean_finish(
        finish_reason=run.finish_reason,
        pages_fetched=run.pages_fetched,
        pages_failed=run.pages_failed,
        max_error_rate=params.max_error_rate,
    ) and (run.postings_seen > 0 or not open_before)


def _pending_suspect(conn: Connection, run: Any, params: _Params) -> Any | None:
    """The suspect drop ``run`` can confirm: the source's latest informative run before it and
    after its latest complete run, when that run is incomplete only because it saw too few."""
    latest_complete = (
        select(func.max(runs.c.observed_at))
        .where(runs.c.source_id == run.source_id, runs.c.status == models.RUN_COMPLETE)
        .scalar_subquery()
    )
    earlier = conn.execute(
        select(*_RUN_COLUMNS)
        .where(
            runs.c.source_id == run.source_id,
            runs.c.observed_at < run.observed_at,
            runs.c.reconciled_at.is_not(None),
            # strictly after: a run sharing its observation time with a complete one is a
            # peer process of the same crawl, whose misses that run already counted
            or_(latest_complete.is_(None), runs.c.observed_at > latest_complete),
        )
        .order_by(runs.c.observed_at.desc(), runs.c.id.desc())
    ).all()
    for previous in earlier:
        if not _informative(previous, previous.open_before, params):
            continue  # a failed or empty crawl between them: look further back
        if previous.status == models.RUN_INCOMPLETE and sees_too_few(
            previous.postings_seen, previous.open_before or 0, params.min_seen_share
        ):
            return previous
        return None
    return None


def _settle_suspect(
    conn: Connection,
    run: Any,
    open_before: int,
    params: _Params,
    report: ReconcileReport,
    *,
    complete: bool,
    detail: str,
) -> tuple[bool, str]:
    """Let an informative ``run`` confirm or refute its source's pending suspect drop.

    Returns the run's verdict: complete when it confirms the drop, else its own verdict.
    """
    suspect = _pending_suspect(conn, run, params)
    if suspect is None:
        return complete, detail
    if not sees_too_few(run.postings_seen, suspect.open_before, params.min_seen_share):
        conn.execute(
            update(runs)
            .where(runs.c.id == suspect.id)
            .values(
                status_detail=f"{suspect.status_detail}; not confirmed by run {run.id} "
                f"(saw {run.postings_seen})"
            )
        )
        return complete, detail
    _confirm_suspect(conn, suspect, run, params, report)
    if complete:
        return complete, detail
    return True, (
        f"complete: confirms the drop seen by run {suspect.id} (saw {run.postings_seen} "
        f"postings, under {float(params.min_seen_share):.0%} of the {suspect.open_before} open "
        f"before it; {open_before} open before this run)"
    )


def _confirm_suspect(
    conn: Connection, suspect: Any, confirming: Any, params: _Params, report: ReconcileReport
) -> None:
    """Re-judge ``suspect`` complete and count its misses at its own time.

    Postings the confirming run saw are already past ``suspect.observed_at``, so only postings
    missed by both runs get the suspect's miss; events name the confirming run.
    """
    share = f"{float(params.min_seen_share):.0%}"
    detail = (
        f"complete: confirmed by run {confirming.id}, which again saw under {share} of the "
        f"{suspect.open_before} open before this run; saw {suspect.postings_seen} postings of "
        f"{suspect.open_before} open before"
    )
    _promote_to_complete(conn, suspect, confirming.source, detail, confirming.id, params, report)
    report.runs_confirmed += 1


def _promote_to_complete(
    conn: Connection,
    run: Any,
    source: str,
    detail: str,
    event_run_id: int,
    params: _Params,
    report: ReconcileReport,
) -> None:
    """Store ``run`` as complete after all, and count its misses at its own time (the events
    name ``event_run_id``: the run whose reconcile decided it)."""
    conn.execute(
        update(runs)
        .where(runs.c.id == run.id)
        .values(status=models.RUN_COMPLETE, status_detail=detail)
    )
    report.verdicts.append(
        RunVerdict(run.id, source, run.observed_at, models.RUN_COMPLETE, detail)
    )
    _count_misses_and_close(conn, event_run_id, run.source_id, run.observed_at, params.k, report)


def _rejudge_trailing_runs(conn: Connection, params: _Params, report: ReconcileReport) -> None:
    """Re-judge, with the parameters given, the incomplete runs after each source's latest
    complete run (oldest first); one judged complete now counts its misses at its own time.

    With the same parameters every verdict stands (they are computed from stored figures), so
    this changes nothing; an operator lowering ``min_seen_share`` (e.g. to 0 for a board that
    really emptied) gets the crawls since the last complete one accepted, in order.
    """
    later = runs.alias("later")
    rows = conn.execute(
        select(*_RUN_COLUMNS, sources.c.name.label("source"))
        .join(sources, sources.c.id == runs.c.source_id)
        .where(
            runs.c.reconciled_at.is_not(None),
            runs.c.status == models.RUN_INCOMPLETE,
            runs.c.finished_at.is_not(None),
            ~select(later.c.id)
            .where(
                later.c.source_id == runs.c.source_id,
                later.c.status == models.RUN_COMPLETE,
                later.c.observed_at >= runs.c.observed_at,
            )
            .exists(),
        )
        .order_by(runs.c.observed_at, runs.c.id)
    ).all()
    for row in rows:
        row_params = params.for_source(row.source)
        complete, detail = judge_run(
            finish_reason=row.finish_reason,
            pages_fetched=row.pages_fetched,
            pages_failed=row.pages_failed,
            postings_seen=row.postings_seen,
            open_before=row.open_before or 0,
            max_error_rate=params.max_error_rate,
            min_seen_share=row_params.min_seen_share,
        )
        if not complete:
            continue
        if row.source in params.accept_empty:
            detail = f"{detail} (re-judged: its board accepted as emptied, by --accept-empty)"
        else:
            detail = (
                f"{detail} (re-judged with min_seen_share={params.min_seen_share:g}, "
                f"max_error_rate={params.max_error_rate:g})"
            )
        _promote_to_complete(conn, row, row.source, detail, row.id, row_params, report)
        report.runs_rejudged += 1


def _abandon_overtaken_runs(conn: Connection, now: datetime, report: ReconcileReport) -> list[int]:
    """A run never finished while a later crawl of its source did: its process died. Returns
    the ids of the runs judged so here."""
    later = runs.alias("later")
    overtaken = conn.execute(
        select(runs.c.id, runs.c.observed_at, sources.c.name)
        .join(sources, sources.c.id == runs.c.source_id)
        .where(
            runs.c.finished_at.is_(None),
            runs.c.reconciled_at.is_(None),
            select(later.c.id)
            .where(
                later.c.source_id == runs.c.source_id,
                later.c.observed_at > runs.c.observed_at,
                later.c.finished_at.is_not(None),
            )
            .exists(),
        )
    ).all()
    abandoned: list[int] = []
    for run_id, observed_at, source in overtaken:
        detail = "incomplete: never finished, and a later crawl of its source did"
        done = conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.reconciled_at.is_(None))
            .values(status=models.RUN_INCOMPLETE, status_detail=detail, reconciled_at=now)
        )
        if done.rowcount == 1:
            abandoned.append(run_id)
            report.runs_incomplete += 1
            report.verdicts.append(
                RunVerdict(run_id, source, observed_at, models.RUN_INCOMPLETE, detail)
            )
    return abandoned


def _runs_ready(conn: Connection) -> list[Any]:
    """Finished, unreconciled runs in observation order; a source's runs wait behind a
    run of it still crawling (its sightings count for the same or later observations)."""
    running = runs.alias("running")
    return list(
        conn.execute(
            select(*_RUN_COLUMNS, sources.c.name.label("source"), sources.c.can_relist)
            .join(sources, sources.c.id == runs.c.source_id)
            .where(
                runs.c.finished_at.is_not(None),
                runs.c.reconciled_at.is_(None),
                ~select(running.c.id)
                .where(
                    running.c.source_id == runs.c.source_id,
                    running.c.finished_at.is_(None),
                    running.c.reconciled_at.is_(None),
                    running.c.observed_at <= runs.c.observed_at,
                )
                .exists(),
            )
            .order_by(runs.c.observed_at, runs.c.id)
        )
    )


def _reconciled_since_start(conn: Connection, run: Any) -> bool:
    """An earlier run of ``run``'s source was reconciled after ``run`` started (reconcile was
    deferred: several crawls stored, then one reconcile). The open count recorded at the start
    then holds postings that reconcile has closed since, as of times before ``run``: counted
    again instead, ``run`` is judged as if reconcile had followed each crawl."""
    earlier = runs.alias("earlier")
    found = conn.execute(
        select(earlier.c.id)
        .where(
            earlier.c.source_id == run.source_id,
            earlier.c.observed_at < run.observed_at,
            earlier.c.reconciled_at >= run.started_at,
        )
        .limit(1)
    ).first()
    return found is not None


def _open_before(conn: Connection, run: Any) -> int:
    """The postings of ``run``'s source open before it: first seen before it, open now and
    not reopened by it (closed when it started), or closed by its own close signals (applied
    before it is judged: open when it started, as the count recorded then says)."""

    def event_of_run(kind: str) -> Any:
        return (
            select(events_table.c.id)
            .where(
                events_table.c.posting_id == postings.c.id,
                events_table.c.kind == kind,
                events_table.c.crawl_run_id == run.id,
            )
            .exists()
        )

    count: int = conn.execute(
        select(func.count())
        .select_from(postings)
        .where(
            postings.c.source_id == run.source_id,
            postings.c.first_seen_at < run.observed_at,
            or_(
                and_(
                    postings.c.status == models.POSTING_OPEN,
                    ~event_of_run(models.EVENT_REOPENED),
                ),
                and_(
                    postings.c.status == models.POSTING_CLOSED,
                    event_of_run(models.EVENT_CLOSED),
                ),
            ),
        )
    ).scalar_one()
    return count


def _close(
    conn: Connection,
    report: ReconcileReport,
    run_id: int,
    where: Any,
    closed_at: Any,
    reason: str,
) -> int:
    """Close the open postings matching ``where`` at ``closed_at``, with one event each; add
    them to ``report.closed_ids`` and return how many."""
    where = and_(postings.c.status == models.POSTING_OPEN, where)
    conn.execute(
        events_table.insert().from_select(
            ["posting_id", "kind", "at", "crawl_run_id", "reason"],
            select(
                postings.c.id,
                literal(models.EVENT_CLOSED),
                closed_at,
                literal(run_id),
                literal(reason),
            ).where(where),
        )
    )
    result = conn.execute(
        update(postings)
        .where(where)
        .values(status=models.POSTING_CLOSED, closed_at=closed_at, close_reason=reason)
        .returning(postings.c.id)
    )
    closed = result.scalars().all()
    report.closed_ids.extend(closed)
    return len(closed)


def _count_misses_and_close(
    conn: Connection,
    run_id: int,
    source_id: int,
    observed_at: datetime,
    k: int,
    report: ReconcileReport,
) -> None:
    # not seen by this run: last seen before its observation time (any later sighting, by
    # this run or a later one, already reset the streak)
    missed = conn.execute(
        update(postings)
        .where(
            postings.c.source_id == source_id,
            postings.c.status == models.POSTING_OPEN,
            postings.c.last_seen_at < observed_at,
        )
        .values(
            miss_count=postings.c.miss_count + 1,
            first_missed_at=func.coalesce(postings.c.first_missed_at, observed_at),
        )
    )
    report.postings_missed += int(missed.rowcount)
    report.closed_unseen += _close(
        conn,
        report,
        run_id,
        # first_missed_at is set with the first miss: the condition lets ix_postings_missed
        # find the few postings in a miss streak instead of scanning every open one
        and_(
            postings.c.source_id == source_id,
            postings.c.first_missed_at.is_not(None),
            postings.c.miss_count >= k,
        ),
        func.coalesce(postings.c.first_missed_at, observed_at),
        models.CLOSE_UNSEEN,
    )


def _close_expired(
    conn: Connection, run_id: int, source_id: int, observed_at: datetime, report: ReconcileReport
) -> None:
    """validThrough passed, on a source that cannot list postings again, and not seen since."""
    report.closed_expired += _close(
        conn,
        report,
        run_id,
        and_(
            postings.c.source_id == source_id,
            postings.c.valid_through < observed_at,
            postings.c.last_seen_at < observed_at,
        ),
        case(
            (postings.c.last_seen_at > postings.c.valid_through, postings.c.last_seen_at),
            else_=postings.c.valid_through,
        ),
        models.CLOSE_EXPIRED,
    )


def _signal_close_time(row: Any, clean_runs: dict[int, list[datetime]]) -> datetime:
    """When a signal closes its posting: at the first crawl of its source after its last
    sighting that finished cleanly (``clean_runs``: their times, by source), the first listing
    that left it out, when that is before the signal (a revisit may find the page gone crawls
    later: after a failed one, or one the limit left it to, or after a board's empty listings,
    whose emptiness the 404 confirms); else at the signal's own time. That is the date the
    K-miss rule gives, or earlier (a complete crawl finished cleanly). ``expired`` keeps its
    own time."""
    if row.reason != models.CLOSE_EXPIRED:
        times = clean_runs.get(row.source_id, [])
        first = bisect_right(times, row.last_seen_at)
        if first < len(times) and times[first] < row.observed_at:
            return times[first]
    return cast(datetime, row.observed_at)


def _clean_run_times(
    conn: Connection, source_ids: Collection[int], max_error_rate: float
) -> dict[int, list[datetime]]:
    """The observation times of the finished crawls of these sources that finished cleanly
    (:func:`clean_finish`: their listings were read), in order, by source."""
    if not source_ids:
        return {}
    found = conn.execute(
        select(runs.c.source_id, runs.c.observed_at, runs.c.finish_reason,
               runs.c.pages_fetched, runs.c.pages_failed)
        .where(runs.c.source_id.in_(sorted(source_ids)), runs.c.finished_at.is_not(None),
               runs.c.finish_reason == FINISHED)
        .order_by(runs.c.observed_at)
    )  # fmt: skip
    times: dict[int, list[datetime]] = {}
    for row in found:
        if clean_finish(finish_reason=row.finish_reason, pages_fetched=row.pages_fetched,
                        pages_failed=row.pages_failed, max_error_rate=max_error_rate):
            times.setdefault(row.source_id, []).append(row.observed_at)
    return times


def _apply_close_signals(
    conn: Connection,
    now: datetime,
    report: ReconcileReport,
    *,
    until: datetime | None,
    max_error_rate: float,
) -> None:
    """Close postings named by explicit signals observed up to ``until``, at the signal's time.

    A signal loses to a later sighting (the posting is listed again), and ``expired`` counts
    only for sources that cannot list postings again. A posting a clean crawl left out before
    closes at the first such crawl (:func:`_signal_close_time`).
    """
    query = (
        select(
            signals.c.id,
            signals.c.reason,
            signals.c.observed_at,
            signals.c.crawl_run_id,
            signals.c.source_id,
            sources.c.can_relist,
            postings.c.id.label("posting_id"),
            postings.c.status,
            postings.c.last_seen_at,
        )
        .join(sources, sources.c.id == signals.c.source_id)
        .outerjoin(
            postings,
            and_(
                postings.c.source_id == signals.c.source_id,
                postings.c.source_job_id == signals.c.source_job_id,
            ),
        )
        .where(signals.c.applied_at.is_(None))
        .order_by(signals.c.observed_at, signals.c.id)
    )
    if until is not None:
        query = query.where(signals.c.observed_at <= until)
    rows = conn.execute(query).all()
    if not rows:
        return
    closes: dict[int, dict[str, Any]] = {}
    clean_runs = _clean_run_times(
        conn, {row.source_id for row in rows if row.reason != models.CLOSE_EXPIRED},
        max_error_rate,
    )  # fmt: skip
    for row in rows:
        if (
            row.posting_id is None
            or row.status != models.POSTING_OPEN
            or row.posting_id in closes
            or row.last_seen_at > row.observed_at
            or (row.reason == models.CLOSE_EXPIRED and row.can_relist)
        ):
            continue
        closes[row.posting_id] = {
            "b_id": row.posting_id,
            "b_at": _signal_close_time(row, clean_runs),
            "b_reason": row.reason,
            "b_run": row.crawl_run_id,
        }
    if closes:
        conn.execute(
            update(postings)
            .where(postings.c.id == bindparam("b_id"))
            .values(
                status=models.POSTING_CLOSED,
                closed_at=bindparam("b_at"),
                close_reason=bindparam("b_reason"),
            ),
            list(closes.values()),
        )
        conn.execute(
            events_table.insert(),
            [
                {"posting_id": c["b_id"], "kind": models.EVENT_CLOSED, "at": c["b_at"],
                 "crawl_run_id": c["b_run"], "reason": c["b_reason"]}
                for c in closes.values()
            ],
        )  # fmt: skip
        report.closed_ids.extend(closes)
        report.closed_by_signal += sum(
            1 for c in closes.values() if c["b_reason"] != models.CLOSE_EXPIRED
        )
        report.closed_expired += sum(
            1 for c in closes.values() if c["b_reason"] == models.CLOSE_EXPIRED
        )
    conn.execute(
        update(signals).where(signals.c.id == bindparam("b_id")).values(applied_at=now),
        [{"b_id": row.id} for row in rows],
    )
    report.signals_applied += len(rows)
