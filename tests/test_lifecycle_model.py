"""The lifecycle, checked against a reference model on random crawl histories.

Hypothesis draws histories: crawls of three sources (two that list all their postings, one
one-off page that cannot list them again) at increasing times, each listing a random subset of
eight postings (some with an edited description), ending cleanly, with a few failed requests,
interrupted, or with too many failed requests, sometimes carrying explicit close signals, and
stored by one to three crawler processes sharing the run (some postings seen by two). Postings
have random ``datePosted`` and ``validThrough`` values (absent, plausible, too old, in the
future, before the previous crawl), and some jobs are listed by every source under one title
(one role, unless a source lists the job more than 30 days after another's posting of it
closed; the job board's copy does not keep a role open once the first-party postings closed);
K is 1, 2 or 3; often one source is retired after some crawl (its open postings right-censored
at their last sighting, its crawls left out) while the others go on, and sometimes reinstated
later. Each history is
replayed through the real ingest and reconcile (after every crawl, as ``jobtrends crawl``
does), and through :class:`Model`, the rules of
docs/lifecycle.md written out again, plainly, for this test. Every posting's lifecycle columns,
every event (kind, time, crawl), every run verdict, the roles (postings grouped by canonical
posting), the weekly flow of roles and their time to fill (Kaplan–Meier median, 75th
percentile, closed and censored counts) must agree, and a second reconcile must change nothing.

Examples are derandomised (the same ones every run). For a deeper search:
``JOBTRENDS_LIFECYCLE_EXAMPLES=2000 .venv/bin/pytest tests/test_lifecycle_model.py``
(random examples when the variable is set)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from fractions import Fraction
from operator import attrgetter
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from storage import ingest, models
from storage.lifecycle import reconcile
from storage.records import PostingRecord
from storage.retire import reinstate_source, retire_source
from storage.trends import TrendFilter, time_to_fill, weekly_flow

T0 = datetime(2026, 1, 5, 6)
SOURCES = ("ats", "board", "page")
RELISTS = {"ats": True, "board": True, "page": False}  # "page": a one-off page (can_relist)
# the employer's own listings (first_party): the ATS and the company's one-off page; the job
# board's copies do not keep a role open once these closed
FIRST_PARTY = {"ats": True, "board": False, "page": True}
JOBS = tuple("ABCDEFGH")
# how a crawl ends: (finish reason, pages fetched, pages failed). 1 failure in 20 requests is
# under the 10% limit, 1 in 10 is not (the limit is exclusive).
ENDINGS = {
    "clean": ("finished", 3, 0),
    "some errors": ("finished", 19, 1),
    "too many errors": ("finished", 9, 1),
    "interrupted": ("shutdown", 3, 0),
}
SIGNAL_REASONS = (models.CLOSE_HTTP_GONE, models.CLOSE_NOT_ACCEPTING, models.CLOSE_EXPIRED)
# two postings are one role only if neither opened more than this after the other closed
ROLE_GAP = timedelta(days=30)  # docs/lifecycle.md, roles rule 5

_EXAMPLES = os.environ.get("JOBTRENDS_LIFECYCLE_EXAMPLES")
HISTORY_SETTINGS = settings(
    max_examples=int(_EXAMPLES) if _EXAMPLES else 120,
    derandomize=_EXAMPLES is None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@dataclass(frozen=True)
class Crawl:
    source: str
    gap_hours: int  # after the previous crawl of any source
    seen: frozenset[str]
    edited: frozenset[str]  # of those seen, the postings whose description changed
    ending: str  # a key of ENDINGS
    signals: tuple[tuple[str, str], ...]  # (job, reason) close signals the crawl recorded
    # Crawler processes sharing the run (as through Redis), each storing in its own
    # transactions: the process of each posting by its index in JOBS, and the postings a
    # second process sees again. The outcome must not depend on them.
    process_of: tuple[int, ...]
    seen_twice: frozenset[str]
    # shared jobs this crawl's source lists under another title: the posting leaves the role
    # until a crawl lists it under the shared title again
    retitled: frozenset[str] = frozenset()


@dataclass(frozen=True)
class History:
    k: int
    date_posted: dict[tuple[str, str], datetime | None]
    valid_through: dict[tuple[str, str], datetime | None]
    crawls: list[Crawl]
    # jobs every source lists under one title: one role, however many sources list it
    shared: frozenset[str] = frozenset()
    # (source, n, m): the source is retired (`jobtrends sources retire`) after the first n
    # crawls, if it was crawled by then, and reinstated (`--undo`) after the first m (None:
    # never); its crawls in between are left out, since they would be refused
    retire: tuple[str, int, int | None] | None = None

    def schedule(self) -> list[tuple[str, Any]]:
        """What happens in order: ("crawl", Crawl), ("retire", source), ("reinstate", source)."""
        steps: list[tuple[str, Any]] = []
        source, after, back = self.retire or ("", len(self.crawls) + 1, None)
        after = min(after, len(self.crawls))  # after the last crawl at the latest
        retired = False
        crawled: set[str] = set()
        for i, crawl in enumerate(self.crawls):
            if i == after and source in crawled:
                steps.append(("retire", source))
                retired = True
            if retired and i == back:
                steps.append(("reinstate", source))
                retired = False
            if not (retired and crawl.source == source):
                steps.append(("crawl", crawl))
                crawled.add(crawl.source)
        if after == len(self.crawls) and source in crawled:
            steps.append(("retire", source))
        return steps

    @property
    def kept_crawls(self) -> list[Crawl]:
        """The crawls that run (not those of a source while it is retired)."""
        return [crawl for kind, crawl in self.schedule() if kind == "crawl"]


def _hours_from_t0(low: int, high: int) -> st.SearchStrategy[datetime]:
    return st.integers(min_value=low, max_value=high).map(lambda h: T0 + timedelta(hours=h))


# dates around the history's span (up to 12 crawls 14 days apart), far before it, or none
_dates = st.none() | _hours_from_t0(-14 * 24, 170 * 24) | _hours_from_t0(-400 * 24, -14 * 24)
_per_posting = st.fixed_dictionaries({(source, job): _dates for source in SOURCES for job in JOBS})
histories = st.builds(
    History,
    k=st.integers(min_value=1, max_value=3),
    date_posted=_per_posting,
    valid_through=_per_posting,
    shared=st.frozensets(st.sampled_from(JOBS)),
    retire=st.none()
    | st.tuples(
        st.sampled_from(SOURCES),
        st.integers(min_value=1, max_value=8),
        st.none() | st.integers(min_value=1, max_value=3),  # crawls until reinstated
    ).map(lambda r: (r[0], r[1], None if r[2] is None else r[1] + r[2])),
    crawls=st.lists(
        st.builds(
            Crawl,
            source=st.sampled_from(("ats", "ats", *SOURCES)),  # ats most, for long streaks
            gap_hours=st.integers(min_value=1, max_value=14 * 24),
            # a few, or most: drops below half of what was open, and their confirmations
            seen=st.frozensets(st.sampled_from(JOBS), max_size=2)
            | st.frozensets(st.sampled_from(JOBS), min_size=4),
            edited=st.frozensets(st.sampled_from(JOBS), max_size=2),
            ending=st.sampled_from(("clean", "clean", "clean", *ENDINGS)),
            signals=st.lists(
                st.tuples(st.sampled_from(JOBS), st.sampled_from(SIGNAL_REASONS)), max_size=2
            ).map(tuple),
            process_of=st.tuples(*[st.integers(min_value=0, max_value=2)] * len(JOBS)),
            seen_twice=st.frozensets(st.sampled_from(JOBS), max_size=2),
            retitled=st.frozensets(st.sampled_from(JOBS), max_size=1),
        ),
        min_size=1,
        max_size=12,
    ),
)


# ------------------------------------------------------------------------- the reference model


# the postings columns compared (PostingState has the same names)
LIFECYCLE_COLUMNS = (
    "first_seen_at", "last_seen_at", "opened_at", "left_censored", "status", "closed_at",
    "close_reason", "miss_count", "first_missed_at",
)  # fmt: skip
lifecycle = attrgetter(*LIFECYCLE_COLUMNS)


@dataclass
class PostingState:
    first_seen_at: datetime
    last_seen_at: datetime
    opened_at: datetime
    left_censored: bool
    status: str = models.POSTING_OPEN
    closed_at: datetime | None = None
    close_reason: str | None = None
    miss_count: int = 0
    first_missed_at: datetime | None = None
    events: list[tuple[str, datetime, int]] = field(default_factory=list)  # kind, at, crawl


@dataclass
class RunState:
    crawl: int
    source: str
    at: datetime
    clean: bool
    seen: int
    open_before: int
    status: str | None = None


def too_few(seen: int, open_before: int) -> bool:
    """Under half of what was open before (min_seen_share 0.5)."""
    return open_before > 0 and 2 * seen < open_before


class Model:
    """The rules of docs/lifecycle.md for crawls reconciled one by one, in order."""

    def __init__(self, history: History) -> None:
        self.k = history.k
        self.date_posted = history.date_posted
        self.valid_through = history.valid_through
        self.postings: dict[tuple[str, str], PostingState] = {}
        self.titles: dict[tuple[str, str], str] = {}  # as the posting's last sighting gave it
        self.runs: list[RunState] = []
        self.confirmed = 0  # suspect drops confirmed
        self.closes: dict[str, int] = {}  # by reason

    def of(self, source: str) -> list[PostingState]:
        return [p for (s, _), p in self.postings.items() if s == source]

    def crawl(self, index: int, crawl: Crawl, at: datetime) -> None:
        source = crawl.source
        open_before = sum(p.status == models.POSTING_OPEN for p in self.of(source))
        previous = max(
            (r.at for r in self.runs if r.source == source and r.status == models.RUN_COMPLETE),
            default=None,
        )
        for job in crawl.seen:
            posting = self.postings.get((source, job))
            if posting is None:
                opened = opened_at(self.date_posted[source, job], at, previous)
                posting = PostingState(at, at, opened, left_censored=previous is None)
                if previous is not None:
                    posting.events.append((models.EVENT_OPENED, opened, index))
                self.postings[source, job] = posting
                continue
            if posting.status == models.POSTING_CLOSED:
                posting.events.append((models.EVENT_REOPENED, at, index))
                posting.status = models.POSTING_OPEN
                posting.closed_at = posting.close_reason = None
            posting.last_seen_at = at
            posting.miss_count, posting.first_missed_at = 0, None
        reason, fetched, failed = ENDINGS[crawl.ending]
        clean = reason == "finished" and 10 * failed < fetched + failed
        run = RunState(index, source, at, clean, len(crawl.seen), open_before)
        self.runs.append(run)
        self.reconcile(run, crawl.signals)

    def retire(self, source: str) -> None:
        """Tracking of ``source`` ends: its open postings are right-censored at their last
        sighting (closed, reason 'untracked', no event)."""
        for posting in self.of(source):
            if posting.status == models.POSTING_OPEN:
                posting.status = models.POSTING_CLOSED
                posting.closed_at = posting.last_seen_at
                posting.close_reason = models.CLOSE_UNTRACKED

    def reinstate(self, source: str) -> None:
        """Undo :meth:`retire`: the postings it censored are open again, as they were."""
        for posting in self.of(source):
            if posting.close_reason == models.CLOSE_UNTRACKED:
                posting.status = models.POSTING_OPEN
                posting.closed_at = posting.close_reason = None

    def reconcile(self, run: RunState, signals: tuple[tuple[str, str], ...]) -> None:
        for job, reason in signals:
            posting = self.postings.get((run.source, job))
            if posting is None or posting.status != models.POSTING_OPEN:
                continue
            if posting.last_seen_at > run.at:
                continue  # seen after the signal (not with these in-order crawls)
            if reason == models.CLOSE_EXPIRED and RELISTS[run.source]:
                continue
            # at the first crawl of the source after its last sighting that finished cleanly
            # (the first listing that left it out), when there is one before the signal
            left_out = min((r.at for r in self.runs if r.source == run.source and r.clean
                            and posting.last_seen_at < r.at < run.at), default=None)
            at = left_out if left_out is not None and reason != models.CLOSE_EXPIRED else run.at
            self.close(posting, at, reason, run.crawl)
        complete = run.clean and not too_few(run.seen, run.open_before)
        if run.clean and (run.seen > 0 or run.open_before == 0):
            suspect = self.pending_suspect(run)
            if suspect is not None and too_few(run.seen, suspect.open_before):
                suspect.status = models.RUN_COMPLETE
                self.confirmed += 1
                self.count_misses(suspect.source, suspect.at, run.crawl)
                complete = True
        run.status = models.RUN_COMPLETE if complete else models.RUN_INCOMPLETE
        if complete:
            self.count_misses(run.source, run.at, run.crawl)
        if not RELISTS[run.source]:
            self.close_expired(run)

    def close_expired(self, run: RunState) -> None:
        """validThrough passed and not seen by ``run``, complete or not: closed at
        validThrough, or at the last sighting when that was later."""
        for (source, job), posting in self.postings.items():
            valid_through = self.valid_through[source, job]
            if (
                source == run.source
                and posting.status == models.POSTING_OPEN
                and valid_through is not None
                and valid_through < run.at
                and posting.last_seen_at < run.at
            ):
                at = max(valid_through, posting.last_seen_at)
                self.close(posting, at, models.CLOSE_EXPIRED, run.crawl)

    def pending_suspect(self, run: RunState) -> RunState | None:
        """The latest informative run of the source since its latest complete one, when it is
        a suspect drop (a clean crawl that saw too few)."""
        mine = [r for r in self.runs if r.source == run.source and r is not run]
        latest_complete = max((r.at for r in mine if r.status == models.RUN_COMPLETE), default=None)
        for earlier in reversed(mine):
            if latest_complete is not None and earlier.at <= latest_complete:
                return None
            if not (earlier.clean and (earlier.seen > 0 or earlier.open_before == 0)):
                continue
            if earlier.status == models.RUN_INCOMPLETE and too_few(
                earlier.seen, earlier.open_before
            ):
                return earlier
            return None
        return None

    def count_misses(self, source: str, at: datetime, by: int) -> None:
        for posting in self.of(source):
            if posting.status == models.POSTING_OPEN and posting.last_seen_at < at:
                posting.miss_count += 1
                posting.first_missed_at = posting.first_missed_at or at
        for posting in self.of(source):
            if (
                posting.status == models.POSTING_OPEN
                and posting.first_missed_at is not None
                and posting.miss_count >= self.k
            ):
                self.close(posting, posting.first_missed_at, models.CLOSE_UNSEEN, by)

    def close(self, posting: PostingState, at: datetime, reason: str, by: int) -> None:
        self.closes[reason] = self.closes.get(reason, 0) + 1
        posting.status, posting.closed_at, posting.close_reason = models.POSTING_CLOSED, at, reason
        posting.events.append((models.EVENT_CLOSED, at, by))


def opened_at(posted: datetime | None, at: datetime, previous: datetime | None) -> datetime:
    """datePosted when plausible: at most a day ahead of the sighting (then the sighting), at
    most a year old, and not before the source's previous complete crawl; else first seen."""
    if posted is None or posted > at + timedelta(days=1) or posted < at - timedelta(days=365):
        return at
    if previous is not None and posted < previous:
        return at
    return min(posted, at)


# ------------------------------------------------------------------------------ the replay


def replay(engine: Engine, history: History, rules: type[Model] = Model) -> Model:
    """Replay ``history`` through ingest and reconcile; return the model's account of it."""
    model = rules(history)
    variants: dict[tuple[str, str], int] = {}
    at = T0
    index = 0  # crawls run so far
    for kind, step in history.schedule():
        if kind == "retire":
            with Session(engine) as session, session.begin():
                retire_source(session, step, at=at + timedelta(minutes=30))
            model.retire(step)
            continue
        if kind == "reinstate":
            with Session(engine) as session, session.begin():
                reinstate_source(session, step)
            model.reinstate(step)
            continue
        crawl: Crawl = step
        at += timedelta(hours=crawl.gap_hours)
        reason, fetched, failed = ENDINGS[crawl.ending]
        stores: dict[int, list[PostingRecord]] = {}
        for job in sorted(crawl.seen):
            key = (crawl.source, job)
            variants[key] = variants.get(key, 0) + (job in crawl.edited)
            posted = history.date_posted[key]
            through = history.valid_through[key]
            title = f"Engineer {job}" if job in history.shared else f"{crawl.source} {job}"
            if job in crawl.retitled:
                title = f"Lead {title}"
            model.titles[key] = title
            record = PostingRecord(
                source_job_id=job,
                title=title,
                company_name="Acme Analytics",
                description_text=f"Posting {job}, text version {variants[key]}.",
                date_posted=posted,
                date_posted_raw=posted.isoformat() if posted else None,
                valid_through=through,
                valid_through_raw=through.isoformat() if through else None,
            )
            process = crawl.process_of[JOBS.index(job)]
            stores.setdefault(process, []).append(record)
            if job in crawl.seen_twice:
                stores.setdefault((process + 1) % 3, []).append(record)
        with Session(engine) as session, session.begin():
            run_id = ingest.start_crawl_run(
                session,
                crawl.source,
                kind="test",
                observed_at=at,
                can_relist=RELISTS[crawl.source],
                first_party=FIRST_PARTY[crawl.source],
            )
            assert run_id == index + 1
        for process in sorted(stores):
            with Session(engine) as session, session.begin():
                ingest.upsert_postings(session, run_id, stores[process])
        with Session(engine) as session, session.begin():
            for job, signal in crawl.signals:
                ingest.record_close_signal(session, run_id, job, signal)
            ingest.finish_crawl_run(
                session,
                run_id,
                finish_reason=reason,
                pages_fetched=fetched,
                pages_failed=failed,
                finished_at=at + timedelta(minutes=5),
            )
        with Session(engine) as session, session.begin():
            reconcile(session, k=history.k)
        model.crawl(index + 1, crawl, at)
        index += 1
    return model


def stored(engine: Engine) -> tuple[dict[tuple[str, str], tuple[Any, ...]], list[str]]:
    """Every posting's lifecycle columns and events by (source, job); run statuses in order."""
    p, s, e, r = (
        models.Posting.__table__,
        models.Source.__table__,
        models.PostingEvent.__table__,
        models.CrawlRun.__table__,
    )
    with engine.connect() as conn:
        events: dict[int, list[tuple[str, datetime, int]]] = {}
        for posting_id, kind, at, run_id in conn.execute(
            select(e.c.posting_id, e.c.kind, e.c.at, e.c.crawl_run_id).order_by(e.c.id)
        ):
            events.setdefault(posting_id, []).append((kind, at, run_id))
        postings = {
            (row.source, row.source_job_id): (*lifecycle(row), events.get(row.id, []))
            for row in conn.execute(
                select(p, s.c.name.label("source")).join(s, s.c.id == p.c.source_id)
            )
        }
        runs = list(conn.execute(select(r.c.status).order_by(r.c.id)).scalars())
    return postings, runs


def expected(model: Model) -> tuple[dict[tuple[str, str], tuple[Any, ...]], list[str]]:
    postings = {key: (*lifecycle(m), m.events) for key, m in model.postings.items()}
    return postings, [run.status or "" for run in model.runs]


def weeks_stored(engine: Engine, until: date) -> list[tuple[int, int, int]]:
    """``weekly_flow`` from T0's week to ``until``: (opened, closed, complete crawls) a week."""
    with Session(engine) as session:
        flow = weekly_flow(session, TrendFilter(since=T0.date(), until=until))
    return [(w.opened, w.closed, w.complete_crawls) for w in flow.weeks]


def roles_stored(engine: Engine) -> set[frozenset[tuple[str, str]]]:
    """The postings of each role (grouped by canonical posting)."""
    p, s = models.Posting.__table__, models.Source.__table__
    roles: dict[int, set[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for posting_id, canonical_id, source, job in conn.execute(
            select(p.c.id, p.c.canonical_id, s.c.name, p.c.source_job_id).join(
                s, s.c.id == p.c.source_id
            )
        ):
            roles.setdefault(canonical_id or posting_id, set()).add((source, job))
    return {frozenset(role) for role in roles.values()}


def listed_together(a: PostingState, b: PostingState) -> bool:
    """Each opened at most ROLE_GAP after the other closed (an open posting has not; one
    whose source was retired closed, for this rule, at its last sighting)."""
    return all(
        first.closed_at is None or second.opened_at <= first.closed_at + ROLE_GAP
        for first, second in ((a, b), (b, a))
    )


def roles_expected(model: Model, history: History) -> set[frozenset[tuple[str, str]]]:
    """A shared job is one role across the sources that list it under the same title now (same
    company and title, no city nor description to tell them apart), whatever titles they gave
    it before, and that listed it at about the same time: postings chained by
    :func:`listed_together`. Every other posting is a role of its own."""
    same_title: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for source, job in model.postings:
        title = ("*", job, model.titles[source, job]) if job in history.shared else (source, job)
        same_title.setdefault(title, []).append((source, job))
    roles: set[frozenset[tuple[str, str]]] = set()
    for keys in same_title.values():
        unplaced = list(keys)
        while unplaced:
            role = [unplaced.pop()]
            for key in role:  # grows as it goes: the postings chained to the role's
                chained = [
                    other
                    for other in unplaced
                    if listed_together(model.postings[key], model.postings[other])
                ]
                role += chained
                unplaced = [other for other in unplaced if other not in chained]
            roles.add(frozenset(role))
    return roles


def role_closed_at(model: Model, role: frozenset[tuple[str, str]]) -> datetime | None:
    """When a role closed (None while open): at the latest close once all its postings are
    closed, counting only its first-party postings when it has any."""
    own = [key for key in role if FIRST_PARTY[key[0]]] or list(role)
    closes = [model.postings[key].closed_at for key in own]
    return None if None in closes else max(c for c in closes if c is not None)


def role_untracked(model: Model, role: frozenset[tuple[str, str]]) -> bool:
    """A closed role's close is only the end of tracking: none of the postings deciding it
    was seen to close at that time (their source was retired)."""
    closed = role_closed_at(model, role)
    own = [key for key in role if FIRST_PARTY[key[0]]] or list(role)
    return closed is not None and not any(
        model.postings[key].closed_at == closed
        and model.postings[key].close_reason != models.CLOSE_UNTRACKED
        for key in own
    )


def weeks_expected(
    model: Model, roles: set[frozenset[tuple[str, str]]], until: date
) -> list[tuple[int, int, int]]:
    """The model's weekly flow of roles: a role opens at its earliest opening (left-censored
    when a left-censored posting opened then) and closes at :func:`role_closed_at`."""
    counts = [[0, 0, 0] for _ in range((until - T0.date()).days // 7 + 1)]

    def week(at: datetime) -> list[int]:
        return counts[(at.date() - T0.date()).days // 7]

    for role in roles:
        postings = [model.postings[key] for key in role]
        opened = min(p.opened_at for p in postings)
        if not any(p.left_censored for p in postings if p.opened_at == opened):
            week(opened)[0] += 1
        closed = role_closed_at(model, role)
        if closed is not None and not role_untracked(model, role):
            week(closed)[1] += 1
    for run in model.runs:
        if run.status == models.RUN_COMPLETE:
            week(run.at)[2] += 1
    return [(opened, closed, crawls) for opened, closed, crawls in counts]


def fill_stored(engine: Engine, until: date) -> tuple[int | None, int | None, int, int]:
    """``time_to_fill`` from T0 to ``until``: KM median, 75th percentile, closed, censored."""
    with Session(engine) as session:
        fill = time_to_fill(session, TrendFilter(since=T0.date(), until=until))
    return fill.median_days, fill.p75_days, fill.n_closed, fill.n_censored


def fill_expected(
    model: Model, roles: set[frozenset[tuple[str, str]]], until: date
) -> tuple[int | None, int | None, int, int]:
    """Kaplan–Meier over the roles whose opening was seen: days between the calendar dates of
    opening and closing, or until ``until`` (the last crawl) for open roles; events at a day
    come before censorings at it. Exact fractions."""
    durations: list[tuple[int, bool]] = []  # (days, closed)
    for role in roles:
        postings = [model.postings[key] for key in role]
        opened = min(p.opened_at for p in postings)
        if any(p.left_censored for p in postings if p.opened_at == opened):
            continue
        closed = role_closed_at(model, role)
        if closed is not None:  # an untracked role is censored when its tracking ended
            untracked = role_untracked(model, role)
            durations.append(((closed.date() - opened.date()).days, not untracked))
        else:
            durations.append(((until - opened.date()).days, False))
    survival = Fraction(1)
    median = p75 = None
    for day in sorted({days for days, _ in durations}):
        at_risk = sum(days >= day for days, _ in durations)
        events = sum(days == day and closed for days, closed in durations)
        survival *= 1 - Fraction(events, at_risk)
        if events and median is None and survival <= Fraction(1, 2):
            median = day
        if events and p75 is None and survival <= Fraction(1, 4):
            p75 = day
    n_closed = sum(closed for _, closed in durations)
    return median, p75, n_closed, len(durations) - n_closed


def check(engine: Engine, history: History, rules: type[Model] = Model) -> Model:
    """Replay ``history``; storage and the weekly flow must agree with ``rules``, and a second
    reconcile change nothing. Returns the model."""
    model = replay(engine, history, rules)
    got = stored(engine)
    want = expected(model)
    assert got[1] == want[1], "run verdicts differ"
    for key in sorted(want[0].keys() | got[0].keys()):
        assert got[0].get(key) == want[0].get(key), f"posting {key} differs"
    roles = roles_expected(model, history)
    assert roles_stored(engine) == roles, "roles differ"
    until = model.runs[-1].at.date()
    assert weeks_stored(engine, until) == weeks_expected(model, roles, until), "flows differ"
    assert fill_stored(engine, until) == fill_expected(model, roles, until), "time to fill differs"
    with Session(engine) as session, session.begin():
        reconcile(session, k=history.k)
    assert stored(engine) == got, "a second reconcile changed something"
    return model


def note_coverage(model: Model, history: History) -> None:
    """What the history exercised (``pytest --hypothesis-show-statistics`` counts them)."""
    roles = roles_expected(model, history)
    if any(len(role) > 1 for role in roles):
        event("a role listed by several sources")
    if any(crawl.retitled & crawl.seen & history.shared for crawl in history.kept_crawls):
        event("a shared job listed under another title")
    shared_titles = [
        {model.titles[key] for key in role} for role in roles if min(role)[1] in history.shared
    ]
    if any(shared_titles.count(title) > 1 for title in shared_titles):
        event("a shared job listed again after a gap: two roles of one title")
    for role in roles:
        closed = role_closed_at(model, role)
        copies = [model.postings[key].closed_at for key in role if not FIRST_PARTY[key[0]]]
        if closed is not None and len(copies) < len(role) and any(
            copy is None or copy > closed for copy in copies
        ):
            event("a job board copy listed after its role closed")
    if fill_expected(model, roles, model.runs[-1].at.date())[0] is not None:
        event("a time-to-fill median")
    if any(role_untracked(model, role) for role in roles):
        event("a role right-censored by a retired source")
    if "reinstate" in [kind for kind, _ in history.schedule()]:
        event("a source reinstated")
    if any(
        role_untracked(model, role) != any(
            model.postings[key].close_reason == models.CLOSE_UNTRACKED for key in role
        )
        for role in roles
    ):
        event("a role with a retired posting closed by another")
    if model.confirmed:
        event("a suspect drop confirmed")
    if any(run.status == models.RUN_INCOMPLETE for run in model.runs):
        event("an incomplete run")
    for reason in model.closes:
        event(f"a posting closed: {reason}")
    for posting in model.postings.values():
        for kind, at, _ in posting.events:
            if kind == models.EVENT_REOPENED:
                event("a posting reopened")
            elif kind == models.EVENT_OPENED and at != posting.first_seen_at:
                event("opened at a plausible datePosted")
        if posting.left_censored:
            event("a left-censored posting")


# ------------------------------------------------------------------------------- the tests


def empty(engine: Engine) -> None:
    """Delete every row (``migrated_engine`` serves all the examples of a test); ids start at
    1 again."""
    tables = models.Base.metadata.sorted_tables
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:  # SQLite numbers rows from the largest id left (no AUTOINCREMENT table here)
            for table in reversed(tables):
                conn.execute(table.delete())


def _crawl(source: str, gap_hours: int, seen: str) -> Crawl:
    """A clean crawl by one process."""
    one = (0,) * len(JOBS)
    return Crawl(source, gap_hours, frozenset(seen), frozenset(), "clean", (), one, frozenset())


def _shared_a(*crawls: Crawl) -> History:
    """K=1 clean crawls of job A, listed by every source under one title, and of others; no
    ``datePosted`` nor ``validThrough``."""
    return History(
        k=1,
        date_posted={(s, j): None for s in SOURCES for j in JOBS},
        valid_through={(s, j): None for s in SOURCES for j in JOBS},
        shared=frozenset("A"),
        crawls=list(crawls),
    )


# A shared job the ATS and the job board list together and close, then a one-off page lists
# it 40 days later: two roles of one title (random histories rarely reach so long a gap).
RELISTED_AFTER_THE_GAP = _shared_a(
    _crawl("ats", 1, "ABCD"),
    _crawl("board", 1, "A"),
    _crawl("ats", 24, "BCD"),
    _crawl("board", 24, "EF"),
    _crawl("page", 40 * 24, "A"),
)


# The ATS and the job board list a shared job; the ATS closes it and the board keeps its copy
# for two more weeks: the role closes with the ATS posting.
STALE_BOARD_COPY = _shared_a(
    _crawl("ats", 1, "B"),
    _crawl("board", 1, "C"),
    _crawl("ats", 24, "AB"),
    _crawl("board", 1, "AC"),
    _crawl("ats", 7 * 24, "B"),
    _crawl("board", 1, "AC"),
    _crawl("board", 7 * 24, "AC"),
    _crawl("ats", 1, "B"),
)


# The ATS lists a shared job, then only fails (interrupted crawls that see nothing) for over a
# month: the job stays open, and the job board's copy, listed then, joins its role. The ATS is
# retired: its posting is censored at its last sighting, over 30 days before the copy opened,
# so the copy is a role of its own.
_NOTHING_INTERRUPTED = Crawl(
    "ats", 16 * 24, frozenset(), frozenset(), "interrupted", (), (0,) * len(JOBS), frozenset()
)
RETIRED_AFTER_A_SILENT_MONTH = replace(
    _shared_a(
        _crawl("ats", 1, "AB"),
        _crawl("ats", 24, "AB"),
        _NOTHING_INTERRUPTED,
        _NOTHING_INTERRUPTED,
        _crawl("board", 1, "C"),
        _crawl("board", 24, "AC"),
        _crawl("board", 24, "AC"),
    ),
    retire=("ats", 6, None),
)


# The same, but the ATS is reinstated after the board's next crawl: its posting is open again
# and joins the copy's role again; then two ATS crawls miss it and it closes (K=1).
REINSTATED_AFTER_A_SILENT_MONTH = replace(
    RETIRED_AFTER_A_SILENT_MONTH,
    crawls=[*RETIRED_AFTER_A_SILENT_MONTH.crawls, _crawl("ats", 24, "B"), _crawl("ats", 24, "B")],
    retire=("ats", 6, 7),
)


@HISTORY_SETTINGS
@given(history=histories)
@example(history=RELISTED_AFTER_THE_GAP)
@example(history=STALE_BOARD_COPY)
@example(history=RETIRED_AFTER_A_SILENT_MONTH)
@example(history=REINSTATED_AFTER_A_SILENT_MONTH)
def test_random_histories_follow_the_lifecycle_rules(
    migrated_engine: Engine, history: History
) -> None:
    empty(migrated_engine)
    note_coverage(check(migrated_engine, history), history)


def test_the_model_catches_a_wrong_rule(migrated_engine: Engine) -> None:
    """The comparison can fail: a posting missed by two complete crawls closes at K=2, and a
    model that forgot to close it disagrees with storage."""
    one = (0,) * len(JOBS)  # one crawler process
    history = History(
        k=2,
        date_posted={(s, j): None for s in SOURCES for j in JOBS},
        valid_through={(s, j): None for s in SOURCES for j in JOBS},
        crawls=[
            Crawl("ats", 24, frozenset("AB"), frozenset(), "clean", (), one, frozenset()),
            Crawl("ats", 24, frozenset("A"), frozenset(), "clean", (), one, frozenset()),
            Crawl("ats", 24, frozenset("A"), frozenset(), "clean", (), one, frozenset()),
        ],
    )
    check(migrated_engine, history)
    got = stored(migrated_engine)[0]
    assert got["ats", "B"][4] == models.POSTING_CLOSED
    assert got["ats", "B"][5] == T0 + timedelta(hours=48)

    class Forgetful(Model):
        def count_misses(self, source: str, at: datetime, by: int) -> None:
            return None

    empty(migrated_engine)
    with pytest.raises(AssertionError, match="posting \\('ats', 'B'\\) differs"):
        check(migrated_engine, history, Forgetful)
