"""Acceptance test of issue 2: a scripted 12-week history, replayed through the real ingest and
reconcile, checked against hand-computed weekly flows and Kaplan–Meier time to fill.

Source "acme-ats" is crawled every Monday 06:00 UTC, 2026-01-05 (c1, ISO W02) to 2026-03-23
(c12, W13); K = 2. Two crawls are bad and must count for nothing:
  c5 (02-02, W06) stopped with finish reason "shutdown" (it still saw B, G, H and D);
  c8 (02-23, W09) finished cleanly with an empty page: 0 seen of 7 open -> incomplete by the
  seen-share rule. (A clean crawl that saw some but too few would be a suspect drop, confirmed
  by the next clean crawl; an empty one is never confirmed, so c8 still counts for nothing:
  tests/test_lifecycle_reconcile.py covers suspect drops.)
Source "jobboard" carries D again (same company, title, city, description): one role.
It is crawled at c1 (empty: nothing was open, so complete; it starts tracking), c4, c9..c12.

Postings of acme-ats and the crawls listing them (c5/c8 never count as misses):
  A  c1-c2            left-censored; misses c3, c4      -> closed at c3 01-19 (W04)
  B  every crawl      left-censored; open
  C  c2-c3            datePosted 01-09 (plausible)     -> opened 01-09 (W02);
                      misses c4, c6                     -> closed at c4 01-26 (W05): 17 days
  F  c2-c4            no datePosted                    -> opened c2 01-12 (W03);
                      misses c6, c7                     -> closed at c6 02-09 (W07): 28 days
  H  c3-c5, c9-c12    opened c3 01-19 (W04); misses c6, c7 -> closed, then seen at c9:
                      reopened (one posting, its close withdrawn): open
  G  c4-c7            opened 01-26 (W05); misses c9, c10 -> closed at c9 03-02 (W10): 35 days
  D  c4-c7            opened 01-26 (W05); misses c9, c10: closed on acme-ats, but its jobboard
                      copy is still listed -> the role D stays open
  I  c6-c12           datePosted 2025-06-01 is before the previous complete crawl: not
                      plausible -> opened c6 02-09 (W07); open
  J  c6-c7            datePosted 02-05 (after c4, the previous complete crawl) -> opened 02-05
                      (W06); misses c9, c10 -> closed at c9 03-02 (W10): 25 days
  L  c7, c9           opened 02-16 (W08); misses c10, c11 -> closed at c10 03-09 (W11): 21 days
  M  c9-c10           datePosted Sun 03-01 (after c7) -> opened 03-01 (W09);
                      misses c11, c12 -> closed at c11 03-16 (W12): 15 days
  K  c10-c12          datePosted 03-20 is 11 days in the future: not plausible -> opened c10
                      03-09 (W11); open
  N  c11-c12          opened 03-16 (W12); open
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.ingest import finish_crawl_run, start_crawl_run, upsert_postings
from storage.lifecycle import reconcile
from storage.records import LocationRecord, PostingRecord
from storage.schema import upgrade
from storage.trends import TrendFilter, time_to_fill, weekly_flow

CRAWLS = [datetime(2026, 1, 5, 6) + timedelta(weeks=i) for i in range(12)]  # c1..c12
FAILED, EMPTY = 5, 8
# which acme-ats crawls (1-based) list each posting
ATS_SIGHTINGS: dict[str, set[int]] = {
    "A": {1, 2},
    "B": set(range(1, 13)) - {EMPTY},
    "C": {2, 3},
    "F": {2, 3, 4},
    "H": {3, 4, 5, 9, 10, 11, 12},
    "G": {4, 5, 6, 7},
    "D": {4, 5, 6, 7},
    "I": {6, 7, 9, 10, 11, 12},
    "J": {6, 7},
    "L": {7, 9},
    "M": {9, 10},
    "K": {10, 11, 12},
    "N": {11, 12},
}
BOARD_CRAWLS = {1: set(), 4: {"D"}, 9: {"D"}, 10: {"D"}, 11: {"D"}, 12: {"D"}}
DATE_POSTED = {
    "C": datetime(2026, 1, 9),
    "I": datetime(2025, 6, 1),
    "J": datetime(2026, 2, 5),
    "M": datetime(2026, 3, 1),
    "K": datetime(2026, 3, 20),
}


def record(name: str, board: bool = False, other_text: bool = False) -> PostingRecord:
    words = " ".join(f"{'other' if other_text else 'duty'}{name}{i}" for i in range(30))
    return PostingRecord(
        source_job_id=f"{'board' if board else 'ats'}-{name}",
        title=f"Data Engineer {name}",
        company_name="Acme Analytics NV" if not board else "ACME ANALYTICS",
        description_text=f"Build pipelines for team {name}. {words}",
        date_posted=DATE_POSTED.get(name),
        date_posted_raw=str(DATE_POSTED[name].date()) if name in DATE_POSTED else None,
        country="BE",
        locations=[LocationRecord("Brussels", country="BE")],
        role_family="data-engineer",
    )


def crawl(
    session: Session,
    source: str,
    when: datetime,
    names: set[str],
    *,
    finish: str,
    board: bool,
    other_text: bool = False,
) -> None:
    run = start_crawl_run(session, source, kind="board" if board else "ats", observed_at=when)
    upsert_postings(session, run, [record(n, board, other_text) for n in sorted(names)])
    finish_crawl_run(
        session,
        run,
        finish_reason=finish,
        pages_fetched=1 + len(names),
        pages_failed=0,
        finished_at=when + timedelta(minutes=30),
    )
    session.commit()


def replay(
    db_url: str,
    *,
    failed_finish: str = "shutdown",
    min_seen_share: float = 0.5,
    board_text_differs: bool = False,
) -> Session:
    """Replay the history; the keyword arguments exist to switch a rule off."""
    session = Session(make_engine(db_url))
    for i, when in enumerate(CRAWLS, start=1):
        seen = {name for name, crawls in ATS_SIGHTINGS.items() if i in crawls}
        finish = failed_finish if i == FAILED else "finished"
        crawl(session, "acme-ats", when, seen, finish=finish, board=False)
        if i in BOARD_CRAWLS:
            crawl(
                session,
                "jobboard",
                when,
                BOARD_CRAWLS[i],
                finish="finished",
                board=True,
                other_text=board_text_differs,
            )
        reconcile(session, k=2, min_seen_share=min_seen_share)
        session.commit()
    return session


@pytest.fixture
def history(trend_urls: tuple[str, str]) -> Iterator[Session]:
    """The replayed history, read back (on PostgreSQL also as a read-only replica)."""
    write_url, read_url = trend_urls
    upgrade(write_url)
    replay(write_url).close()
    engine = make_engine(read_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def flows(session: Session) -> list[tuple[str, int, int, int, int]]:
    flow = weekly_flow(session, TrendFilter())  # default: 12 weeks ending at the last crawl
    return [(w.week, w.opened, w.closed, w.net, w.complete_crawls) for w in flow.weeks]


EXPECTED_FLOW = [
    # week       opened closed net complete crawls
    ("2026-W02", 1, 0, 1, 2),  # C (datePosted 01-09); A, B left-censored: no first-week spike;
    #                            crawls: acme-ats c1 + jobboard's empty first crawl
    ("2026-W03", 1, 0, 1, 1),  # F
    ("2026-W04", 1, 1, 0, 1),  # H opens; A closes at its first miss (c3)
    ("2026-W05", 2, 1, 1, 2),  # G and D (D on two sources: once); C closes at c4
    ("2026-W06", 1, 0, 1, 0),  # J (datePosted 02-05); c5 failed: not tracked, closes nothing
    ("2026-W07", 1, 1, 0, 1),  # I (implausible datePosted -> first seen); F closes at c6
    ("2026-W08", 1, 0, 1, 1),  # L; H's close at c6 was withdrawn when it reappeared
    ("2026-W09", 1, 0, 1, 0),  # M (datePosted Sun 03-01); the empty crawl c8 closes nothing
    ("2026-W10", 0, 2, -2, 2),  # G, J close at c9 (D's acme-ats copy too, but not the role)
    ("2026-W11", 1, 1, 0, 2),  # K (future datePosted -> first seen); L closes
    ("2026-W12", 1, 1, 0, 2),  # N; M closes
    ("2026-W13", 0, 0, 0, 2),
]


def test_weekly_flow_matches_hand_computed_truth(history: Session) -> None:
    assert flows(history) == EXPECTED_FLOW


def test_time_to_fill_matches_hand_computed_kaplan_meier(history: Session) -> None:
    ttf = time_to_fill(history, TrendFilter())
    # closed (days): M 15, C 17, L 21, J 25, F 28, G 35
    # open at 03-23 (censored): N 7, K 14, I 42, D 56, H 63; A and B are left-censored: out
    # KM: 7c 14c | 15: 9 at risk -> 8/9 | 17: 8 -> 7/9 | 21: 7 -> 6/9 | 25: 6 -> 5/9
    #     | 28: 5 at risk -> 4/9 = 0.444 <= 0.5: median 28 | 35: 4 -> 3/9; never <= 0.25
    assert (ttf.n_closed, ttf.n_censored) == (6, 5)
    assert ttf.median_days == 28
    assert ttf.p75_days is None
    assert ttf.naive_median_days == 23.0  # (21 + 25) / 2, biased low
    survival = {p.day: p.survival for p in ttf.curve if p.events}
    assert survival == pytest.approx(
        {15: 8 / 9, 17: 7 / 9, 21: 6 / 9, 25: 5 / 9, 28: 4 / 9, 35: 3 / 9}
    )
    # 5-day bins: [15,20): 15, 17 | [20,25): 21 | [25,30): 25, 28 | [35,40): 35
    assert [b.count for b in ttf.histogram] == [0, 0, 0, 2, 1, 2, 0, 1]
    assert [(b.start_day, b.count) for b in ttf.histogram if b.count] == [
        (15, 2),
        (20, 1),
        (25, 2),
        (35, 1),
    ]


def test_failed_crawl_rule_is_what_keeps_the_numbers_right(db_url: str) -> None:
    """Had c5 (shutdown) counted as complete, F would close a week early at c5 (W06)."""
    upgrade(db_url)
    session = replay(db_url, failed_finish="finished")
    try:
        got = flows(session)
        assert got[4] == ("2026-W06", 1, 1, 0, 1)  # F closes in W06 ...
        assert got[5] == ("2026-W07", 1, 0, 1, 1)  # ... not in W07
        assert got != EXPECTED_FLOW
        # F takes 21 days instead of 28: the median drops to 25
        assert time_to_fill(session, TrendFilter()).median_days == 25
    finally:
        session.close()


def test_seen_share_rule_is_what_keeps_the_numbers_right(db_url: str) -> None:
    """Had the empty crawl c8 counted, G and J would close at c8 (W09) instead of c9 (W10)."""
    upgrade(db_url)
    session = replay(db_url, min_seen_share=0.0)
    try:
        got = flows(session)
        assert got[7] == ("2026-W09", 1, 2, -1, 1)
        assert got[8] == ("2026-W10", 0, 0, 0, 2)
    finally:
        session.close()


def test_cross_source_duplicate_is_what_keeps_d_counted_once(db_url: str) -> None:
    """With a different description the jobboard copy of D is another role: W05 opens 3."""
    upgrade(db_url)
    session = replay(db_url, board_text_differs=True)
    try:
        assert flows(session)[3] == ("2026-W05", 3, 1, 2, 2)
    finally:
        session.close()
