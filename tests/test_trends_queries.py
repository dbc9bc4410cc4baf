"""Trend functions on a small hand-built history, on SQLite and PostgreSQL (also read-only).

Rows are inserted directly with the models (no crawl, no reconcile) so each number below can be
traced to the table in :data:`POSTINGS`. Dates are 2026; crawls run Mondays 06:00.

Roles (postings linked by canonical_id fold into one role):
  R1 = P1            opened 02-02 (left-censored), closed 02-16
  R2 = P2            opened 02-04 (datePosted), closed 02-23            -> filled in 19 days
  R3 = P3            opened 02-09, open                                 -> censored at 21 days
  R4 = P4 + P5       opened 02-09 (P5 is earlier than P4), closed 02-23 (P5 closes last)
                     -> filled in 14 days (not P4's own 6)
  R6 = P6 + P7       opened 02-16, open (P6 still open although P7 closed) -> censored at 14
  R9 = P9 + P10      earliest opening 02-02 is P10's, left-censored -> role left-censored
  R11 = P11          opened 02-02 left-censored, open
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.models import (
    CLOSE_UNTRACKED,
    RUN_COMPLETE,
    RUN_INCOMPLETE,
    Company,
    CrawlRun,
    Posting,
    PostingLocation,
    PostingSkill,
    Skill,
    Source,
    TalentPool,
)
from storage.schema import upgrade
from storage.trends import (
    InvalidFilterError,
    TrendFilter,
    city_shares,
    employment_type_shares,
    known_values,
    open_by_country,
    seniority_shares,
    skill_counts,
    time_to_fill,
    top_companies,
    trend_summary,
    weekly_flow,
)
from storage.trends.roles import _array_literal

ALL = TrendFilter()


def at(day: str, hour: int = 6) -> datetime:
    return datetime.fromisoformat(f"2026-{day}").replace(hour=hour)


# id, source, canonical, opened, closed, left-censored, seniority, employment, family, company,
# country, locations (city, country), skills
POSTINGS = [
    (1, "a", None, at("02-02"), at("02-16"), True, "Mid-Senior level", "Full-time",
     "data-engineer", "Acme", "BE", [("Brussels", "BE")], []),
    (2, "a", None, at("02-04", 0), at("02-23"), False, "Mid-Senior level", "Full-time",
     "ml-engineer", "Acme", "BE", [("Brussels", "BE"), ("Ghent", "BE")], ["Python"]),
    (3, "a", None, at("02-09"), None, False, "Entry level", "Contract",
     "ml-engineer", "Acme", "DE", [("Berlin", "DE")], ["Python", "SQL"]),
    (4, "a", None, at("02-10", 0), at("02-16"), False, None, "Full-time",
     "ml-engineer", "Beta", "BE", [("Brussels", "BE")], ["SQL"]),
    (5, "b", 4, at("02-09"), at("02-23"), False, "Internship", "Part-time",
     "data-engineer", "Beta", "BE", [("Antwerp", "BE"), ("Brussels", "BE")], ["SQL", "Python"]),
    (6, "a", None, at("02-16"), None, False, "Mid-Senior level", "Full-time",
     "data-engineer", "Acme", None, [], []),
    (7, "b", 6, at("02-16"), at("02-23"), False, None, None,
     None, "Acme", "DE", [("Berlin", "DE")], []),
    (9, "a", None, at("02-09"), at("03-02"), False, "Director", "Full-time",
     "data-engineer", "Gamma", "NL", [], []),
    (10, "b", 9, at("02-02"), at("02-23"), True, None, None,
     None, "Gamma", "NL", [], []),
    (11, "a", None, at("02-02"), None, True, "Associate", "Full-time",
     "ml-engineer", "Beta", "NL", [("Amsterdam", "NL")], ["Python"]),
]  # fmt: skip

COMPANIES = [
    (1, "Acme", "acme", "US", "Software", 1999),
    (2, "Beta Ltd.", "beta", "BE", None, None),
    (3, "Gamma", "gamma", "NL", "Retail", 1950),
]


def build_history(session: Session) -> None:
    session.add_all(
        [
            Source(id=1, name="a", kind="ats", created_at=at("02-01")),
            Source(id=2, name="b", kind="board", created_at=at("02-01")),
        ]
    )
    runs = [(1, d, RUN_COMPLETE) for d in ("02-02", "02-09", "02-16", "02-23", "03-02")]
    runs += [(1, "02-25", RUN_INCOMPLETE), (2, "02-16", RUN_COMPLETE)]
    for i, (sid, day, status) in enumerate(runs, start=1):
        session.add(
            CrawlRun(id=i, source_id=sid, observed_at=at(day), started_at=at(day), status=status)
        )
    for cid, name, norm, company_country, industry, year in COMPANIES:
        session.add(Company(id=cid, name=name, normalized_name=norm, country=company_country,
                            industry=industry, founded_year=year))  # fmt: skip
    skills = {"Python": Skill(id=1, name="Python", category="language"),
              "SQL": Skill(id=2, name="SQL", category="database")}  # fmt: skip
    session.add_all(skills.values())
    company_ids = {norm: cid for cid, _, norm, *_ in COMPANIES}
    session.flush()
    for (pid, source, _canonical, opened, closed, lc, sen, emp, fam, company, country, locs,
         skill_names) in POSTINGS:  # fmt: skip
        session.add(
            Posting(
                id=pid, source_id=1 if source == "a" else 2, source_job_id=f"job-{pid}",
                title=f"Job {pid}", title_normalized=f"job {pid}",
                company_id=company_ids[company.lower()], first_seen_at=opened,
                last_seen_at=closed or at("03-02"), opened_at=opened, closed_at=closed,
                status="closed" if closed else "open", left_censored=lc, seniority=sen,
                employment_type=emp, role_family=fam, country=country,
            )
        )  # fmt: skip
        session.flush()
        for city, ccountry in locs:
            session.add(PostingLocation(posting_id=pid, city=city, country=ccountry))
        for name in skill_names:
            session.add(PostingSkill(posting_id=pid, skill_id=skills[name].id))
    for pid, _, canonical, *_ in POSTINGS:
        if canonical is not None:
            session.get_one(Posting, pid).canonical_id = canonical
    session.add(TalentPool(country="DE", role_family="ml-engineer", people=100))
    session.commit()


@pytest.fixture
def session(trend_urls: tuple[str, str]) -> Iterator[Session]:
    """A session reading the history (on PostgreSQL also as a read-only replica); writes go
    through ``session.info["writer"]``."""
    write_url, read_url = trend_urls
    upgrade(write_url)
    engine = make_engine(write_url)
    reader = make_engine(read_url)
    with Session(engine) as writer, Session(reader) as s:
        build_history(writer)
        s.info["writer"] = writer
        yield s
    reader.dispose()
    engine.dispose()


def flow_table(flt: TrendFilter, session: Session, weeks: int = 5) -> list[tuple]:
    flow = weekly_flow(session, flt, weeks=weeks)
    return [(w.week, w.opened, w.closed, w.net, w.complete_crawls) for w in flow.weeks]


def test_weekly_flow_counts_roles_not_rows(session: Session) -> None:
    assert flow_table(ALL, session) == [
        # week      opened closed net crawls
        ("2026-W06", 1, 0, 1, 1),  # R2 (datePosted 02-04); R1/R9/R11 left-censored: no spike
        ("2026-W07", 2, 0, 2, 1),  # R3, R4 (R4 opens with P5 on 02-09, not P4 on 02-10)
        ("2026-W08", 1, 1, 0, 2),  # R6 opens; R1 closes (P4 closes but its role R4 does not);
        #                            2 complete crawls (a and b)
        ("2026-W09", 0, 2, -2, 1),  # R2, R4 close; P7/P10 close but their roles stay open;
        #                             the incomplete crawl of 02-25 is not counted
        ("2026-W10", 0, 1, -1, 1),  # R9 (left-censored roles still close)
    ]
    flow = weekly_flow(session, ALL, weeks=5)
    assert flow.peak_opened is not None and flow.peak_opened.week == "2026-W07"
    assert flow.peak_closed is not None and flow.peak_closed.week == "2026-W09"
    assert [w.week_start for w in flow.weeks][0] == date(2026, 2, 2)


def test_weekly_flow_default_is_twelve_weeks_to_latest_crawl(session: Session) -> None:
    flow = weekly_flow(session, ALL)
    assert len(flow.weeks) == 12
    assert flow.weeks[-1].week == "2026-W10"
    assert flow.weeks[0].week == "2025-W51"
    assert not flow.weeks[0].tracked and flow.weeks[-1].tracked
    assert (flow.opened, flow.closed) == (4, 4)


def test_weekly_flow_since_until(session: Session) -> None:
    flt = TrendFilter(since=date(2026, 2, 10), until=date(2026, 2, 22))
    # W07 counts from Tue 02-10 only: R3/R4 opened on Mon 02-09 fall before the window
    assert flow_table(flt, session) == [("2026-W07", 0, 0, 0, 0), ("2026-W08", 1, 1, 0, 2)]


def test_weekly_flow_filters(session: Session) -> None:
    de = flow_table(TrendFilter(country="de"), session)
    # R3 (P3 in DE) and R6 (its linked P7 is in Berlin): roles match through any posting
    assert [(w, o, c) for w, o, c, _, _ in de if o or c] == [("2026-W07", 1, 0), ("2026-W08", 1, 0)]
    ml = flow_table(TrendFilter(role_family="ml-engineer"), session)
    # R2, R3, R4 (P5's own family is ignored: a role takes its canonical posting's attributes)
    assert [(w, o, c) for w, o, c, _, _ in ml if o or c] == [
        ("2026-W06", 1, 0),
        ("2026-W07", 2, 0),
        ("2026-W09", 0, 2),
    ]
    beta = flow_table(TrendFilter(company="BETA Limited"), session)  # normalized match
    assert [(w, o, c) for w, o, c, _, _ in beta if o or c] == [
        ("2026-W07", 1, 0),  # R4 (R11 is left-censored)
        ("2026-W09", 0, 1),
    ]


def test_time_to_fill_kaplan_meier(session: Session) -> None:
    ttf = time_to_fill(session, ALL)
    # closed: R4 14 days, R2 19 days; still open at 03-02: R6 14 days, R3 21 days.
    # KM: day 14 -> 4 at risk, 1 event: S = 3/4 (R6 censored after); day 19 -> 2 at risk,
    # 1 event: S = 3/8 <= 1/2 -> median 19. S never reaches 1/4 -> no 75th percentile.
    assert (ttf.n_closed, ttf.n_censored) == (2, 2)
    assert ttf.median_days == 19
    assert ttf.p75_days is None
    assert ttf.naive_median_days == 16.5  # (14 + 19) / 2: biased low, for comparison
    assert [(p.day, p.at_risk, p.events, p.censored) for p in ttf.curve] == [
        (14, 4, 1, 1),
        (19, 2, 1, 0),
        (21, 1, 0, 1),
    ]
    assert [p.survival for p in ttf.curve] == pytest.approx([0.75, 0.375, 0.375])
    assert [(b.start_day, b.end_day, b.count) for b in ttf.histogram] == [
        (0, 5, 0),
        (5, 10, 0),
        (10, 15, 1),
        (15, 20, 1),
    ]


def test_time_to_fill_as_of_until(session: Session) -> None:
    # On 02-20 nothing had closed yet among non-censored roles: all four are censored then.
    ttf = time_to_fill(session, TrendFilter(until=date(2026, 2, 20)))
    assert (ttf.n_closed, ttf.n_censored, ttf.median_days) == (0, 4, None)
    assert sorted((p.day, p.censored) for p in ttf.curve) == [(4, 1), (11, 2), (16, 1)]


def test_seniority_and_employment_shares(session: Session) -> None:
    sen = seniority_shares(session, ALL, weeks=5)
    # all 7 roles are active in W06-W10; R4's canonical P4 has no level -> unknown
    assert (sen.total, sen.base, sen.unknown) == (7, 6, 1)
    assert [(s.value, s.count) for s in sen.shares] == [
        ("Mid-Senior level", 3),  # R1, R2, R6 (P5's "Internship" does not count: not canonical)
        ("Associate", 1),
        ("Director", 1),
        ("Entry level", 1),
    ]
    assert sen.shares[0].share == pytest.approx(0.5)
    assert sen.low_support  # 6 < 20 roles behind the shares
    emp = employment_type_shares(session, ALL, weeks=5)
    assert [(s.value, s.count) for s in emp.shares] == [("Full-time", 6), ("Contract", 1)]
    later = seniority_shares(session, TrendFilter(since=date(2026, 2, 17)))
    # R1 closed 02-16, before the window starts; R4 stays although its canonical P4 closed
    # 02-16 too: the role closed with P5 on 02-23 (found through the linked posting)
    assert later.total == 6


def test_city_shares_count_each_city_of_a_role(session: Session) -> None:
    cities = city_shares(session, ALL, weeks=5)
    assert (cities.total, cities.base, cities.unknown) == (7, 6, 1)  # R9 has no location
    assert [(s.value, s.country, s.count) for s in cities.shares] == [
        ("Brussels", "BE", 3),  # R1, R2, R4 (R4 through P4 and P5: once)
        ("Berlin", "DE", 2),  # R3, R6 (through P7)
        ("Amsterdam", "NL", 1),
        ("Antwerp", "BE", 1),  # R4 through its linked P5
        ("Ghent", "BE", 1),
    ]
    assert sum(s.share for s in cities.shares) > 1.0


def test_skill_counts(session: Session) -> None:
    skills = skill_counts(session, ALL, weeks=5)
    assert skills.base == 7
    # Python: R2, R3, R4 (via P5), R11; SQL: R3, R4 (P4 and P5 both ask: once)
    assert [(s.skill, s.category, s.roles) for s in skills.skills] == [
        ("Python", "language", 4),
        ("SQL", "database", 2),
    ]
    assert [s.skill for s in skill_counts(session, ALL, limit=1).skills] == ["Python"]


def test_top_companies_and_open_by_country(session: Session) -> None:
    top = top_companies(session, ALL)
    # open at the end of 03-02: R3, R6 (Acme), R11 (Beta)
    assert [(c.company, c.country, c.industry, c.founded_year, c.open_roles) for c in top] == [
        ("Acme", "US", "Software", 1999, 2),
        ("Beta Ltd.", "BE", None, None, 1),
    ]
    by_country = open_by_country(session, ALL)
    assert [(c.country, c.open_roles, c.people) for c in by_country.countries] == [
        ("DE", 2, None),  # R3, R6 (P6 has no country; its linked P7 is in DE)
        ("NL", 1, None),
    ]
    assert (by_country.open_roles, by_country.unknown) == (3, 0)
    ml = open_by_country(session, TrendFilter(role_family="ml-engineer"))
    assert [(c.country, c.open_roles, c.people, c.openings_per_person) for c in ml.countries] == [
        ("DE", 1, 100, pytest.approx(0.01)),  # talent pool (DE, ml-engineer) = 100 people
        ("NL", 1, None, None),
    ]


def test_trend_summary_matches_the_single_functions(session: Session) -> None:
    flt = TrendFilter(country="BE")
    summary = trend_summary(session, flt, weeks=5)
    assert summary.weekly_flow == weekly_flow(session, flt, weeks=5)
    assert summary.time_to_fill == time_to_fill(session, flt, weeks=5)
    assert summary.cities == city_shares(session, flt, weeks=5)
    assert summary.skills == skill_counts(session, flt, weeks=5)
    assert summary.open_by_country.open_roles == 0  # R1, R2, R4 are all closed


def test_garbage_collector_state_is_restored(session: Session) -> None:
    """Trend calls pause the cyclic collector while they count, and put it back as it was."""
    assert gc.isenabled()
    trend_summary(session, ALL, weeks=5)
    assert gc.isenabled()
    gc.disable()
    try:
        weekly_flow(session, ALL, weeks=5)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_known_values(session: Session) -> None:
    known = known_values(session)
    assert known.countries == ("BE", "DE", "NL")
    assert known.role_families == ("data-engineer", "ml-engineer")
    assert known.companies == ("Acme", "Beta Ltd.", "Gamma")


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        (TrendFilter(country="Belgium"), "'Belgium' is not an ISO 3166-1 alpha-2 code"),
        (TrendFilter(country="FR"), "unknown country 'FR'; known: BE, DE, NL"),
        (
            TrendFilter(role_family="ml-enginer"),
            "unknown role family 'ml-enginer' (did you mean 'ml-engineer'?); "
            "known: data-engineer, ml-engineer",
        ),
        (
            TrendFilter(company="Initech"),
            "unknown company 'Initech'; known: Acme, Beta Ltd., Gamma",
        ),
        (
            TrendFilter(since=date(2026, 3, 1), until=date(2026, 2, 1)),
            "since 2026-03-01 is after until 2026-02-01",
        ),
    ],
)
def test_invalid_filters_name_the_bad_value(
    session: Session, flt: TrendFilter, message: str
) -> None:
    with pytest.raises(InvalidFilterError) as info:
        weekly_flow(session, flt)
    assert message in str(info.value)


def test_temporary_role_tables_are_dropped(session: Session) -> None:
    trend_summary(session, TrendFilter(country="DE"))
    with pytest.raises(InvalidFilterError):
        weekly_flow(session, TrendFilter(role_family="nope"))
    if session.get_bind().dialect.name == "sqlite":
        sql = "SELECT count(*) FROM sqlite_temp_master WHERE name LIKE 'trend_roles_%'"
    else:
        sql = "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'trend_roles_%'"
    assert session.execute(text(sql)).scalar() == 0


def test_company_weeks_are_tracked_by_the_sources_that_list_it(session: Session) -> None:
    """Delta is listed by source b only, whose one complete crawl is on 02-16: source a's
    complete crawls of the other weeks did not look at Delta's roles."""
    writer = session.info["writer"]
    writer.add(Company(id=4, name="Delta", normalized_name="delta"))
    writer.add(
        Posting(
            id=12, source_id=2, source_job_id="job-12", title="Job 12", title_normalized="job 12",
            company_id=4, first_seen_at=at("02-16"), last_seen_at=at("02-16"),
            opened_at=at("02-16"), status="open", left_censored=False,
        )
    )  # fmt: skip
    writer.commit()
    assert flow_table(TrendFilter(company="Delta"), session) == [
        ("2026-W06", 0, 0, 0, 0),
        ("2026-W07", 0, 0, 0, 0),
        ("2026-W08", 1, 0, 1, 1),
        ("2026-W09", 0, 0, 0, 0),
        ("2026-W10", 0, 0, 0, 0),
    ]
    # Acme is listed by both sources: every week is tracked, as without a filter
    acme_crawls = [crawls for *_, crawls in flow_table(TrendFilter(company="Acme"), session)]
    assert acme_crawls == [crawls for *_, crawls in flow_table(ALL, session)] == [1, 1, 2, 1, 1]


def only_first_party(session: Session, source: str) -> None:
    """Make ``source`` the one first-party source (the other a job board's copies)."""
    writer = session.info["writer"]
    for row in writer.query(Source):
        row.first_party = row.name == source
    writer.commit()


def role_closes(session: Session) -> dict[int, str | None]:
    """Each role's close date as ``v_roles`` shows it (read through the writer)."""
    rows = session.info["writer"].execute(text("SELECT role_id, closed_at FROM v_roles"))
    return {role: closed and str(closed)[5:10] for role, closed in rows}


def test_a_job_board_copy_listed_longer_does_not_keep_the_role_open(session: Session) -> None:
    """Source a is the employers' own ATS, b a job board: R4's copy P5 stays listed a week
    after P4 closed, and R4 closes with P4 (02-16), not with the copy (02-23)."""
    only_first_party(session, "a")
    assert role_closes(session) == {
        1: "02-16", 2: "02-23", 3: None, 4: "02-16", 6: None, 9: "03-02", 11: None,
    }
    assert flow_table(ALL, session) == [
        ("2026-W06", 1, 0, 1, 1),
        ("2026-W07", 2, 0, 2, 1),
        ("2026-W08", 1, 2, -1, 2),  # R6 opens; R1 and now R4 close
        ("2026-W09", 0, 1, -1, 1),  # R2 only
        ("2026-W10", 0, 1, -1, 1),
    ]
    ttf = time_to_fill(session, ALL)
    # R4 opened with its copy on 02-09 (the earliest opening still counts): filled in 7 days
    assert [(p.day, p.at_risk, p.events, p.censored) for p in ttf.curve] == [
        (7, 4, 1, 0), (14, 3, 0, 1), (19, 2, 1, 0), (21, 1, 0, 1),
    ]
    assert ttf.median_days == 19


def test_a_role_closes_with_its_first_party_posting_when_the_copy_is_canonical(
    session: Session,
) -> None:
    """Now b is the employers' own source and a the job board, whose postings are the
    canonical ones: R6 closes with P7 although the copy P6 is still listed, and R9 with P10."""
    only_first_party(session, "b")
    assert role_closes(session) == {
        1: "02-16", 2: "02-23", 3: None, 4: "02-23", 6: "02-23", 9: "02-23", 11: None,
    }
    assert flow_table(ALL, session) == [
        ("2026-W06", 1, 0, 1, 1),
        ("2026-W07", 2, 0, 2, 1),
        ("2026-W08", 1, 1, 0, 2),
        ("2026-W09", 0, 4, -4, 1),  # R2, R4, R6, R9
        ("2026-W10", 0, 0, 0, 1),
    ]
    ttf = time_to_fill(session, ALL)
    assert [(p.day, p.events, p.censored) for p in ttf.curve] == [
        (7, 1, 0), (14, 1, 0), (19, 1, 0), (21, 0, 1),
    ]
    assert ttf.median_days == 14
    assert [c.open_roles for c in top_companies(session, ALL)] == [1, 1]  # R3 (Acme), R11


@pytest.mark.postgres
def test_role_arrays_carry_any_text_and_null_unchanged(pg_url: str) -> None:
    """A read-only connection binds the role rows as array text: quotes, backslashes, commas,
    braces, the word NULL, spaces and real NULLs all come back as they went in."""
    tricky = ['a"b', "c\\d", None, "e,f", "{g}", "NULL", " h ", "", "x\\\"y"]
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        back = conn.execute(
            text("SELECT unnest(CAST(:values AS text[]))"), {"values": _array_literal(tricky)}
        ).scalars().all()
        stamps = [datetime(2026, 3, 2, 9, 0), None, datetime(2026, 3, 2, 9, 0, 0, 1234)]
        stamps_back = conn.execute(
            text("SELECT unnest(CAST(:values AS timestamp[]))"),
            {"values": _array_literal(stamps)},
        ).scalars().all()
    engine.dispose()
    assert back == tricky
    assert stamps_back == stamps


def untracked(session: Session, *posting_ids: int) -> None:
    """Make the closes of ``posting_ids`` ends of tracking (their source retired), not seen
    closes."""
    writer = session.info["writer"]
    for pid in posting_ids:
        writer.get_one(Posting, pid).close_reason = CLOSE_UNTRACKED
    writer.commit()


def role_statuses(session: Session) -> dict[int, tuple[str, int | None]]:
    """Each role's status and days to fill as ``v_roles`` shows them."""
    rows = session.info["writer"].execute(text("SELECT role_id, status, days_to_fill FROM v_roles"))
    return {role: (status, days) for role, status, days in rows}


def test_a_role_whose_latest_close_ended_its_tracking_is_right_censored(session: Session) -> None:
    """Both sources first-party. P2 (R2) and P9 (R9's canonical posting) were open when their
    source was retired; R4's P5 too, and R4's other posting P4 closed before it, seen: each of
    these roles ends with the end of tracking, so none counts as closed in any week, and time
    to fill holds R2 and R4 as unfilled when tracking ended."""
    untracked(session, 2, 5, 9)
    assert role_statuses(session) == {
        1: ("closed", None), 2: ("untracked", None), 3: ("open", None), 4: ("untracked", None),
        6: ("open", None), 9: ("untracked", None), 11: ("open", None),
    }  # fmt: skip
    assert flow_table(ALL, session) == [
        ("2026-W06", 1, 0, 1, 1),
        ("2026-W07", 2, 0, 2, 1),
        ("2026-W08", 1, 1, 0, 2),  # R1 closes
        ("2026-W09", 0, 0, 0, 1),  # R2 and R4 were closing here: now untracked
        ("2026-W10", 0, 0, 0, 1),  # R9 likewise
    ]
    view = session.info["writer"].execute(
        text("SELECT week, closed FROM v_weekly_flow WHERE closed > 0")
    )
    assert [tuple(row) for row in view] == [("2026-W08", 1)]
    ttf = time_to_fill(session, ALL)
    # R4 14 days and R2 19 days, censored like the open R6 (14) and R3 (21): nothing filled
    assert (ttf.n_closed, ttf.n_censored, ttf.n_untracked, ttf.median_days) == (0, 4, 2, None)
    assert [(p.day, p.at_risk, p.events, p.censored) for p in ttf.curve] == [
        (14, 4, 0, 2), (19, 2, 0, 1), (21, 1, 0, 1),
    ]
    # untracked roles are not open: open roles stay R3, R6 (Acme) and R11 (Beta)
    assert [c.open_roles for c in top_companies(session, ALL)] == [2, 1]
    assert open_by_country(session, ALL).open_roles == 3


def test_only_the_postings_that_decide_a_close_can_make_it_untracked(session: Session) -> None:
    """b is the employers' own source. R9's deciding posting P10 (b) ended with its tracking:
    R9 is untracked. R4's P4 (a, a job board's copy) did too, but R4's own posting P5 was seen
    to close on 02-23: R4 closed then, as before."""
    only_first_party(session, "b")
    untracked(session, 4, 10)
    statuses = role_statuses(session)
    assert statuses[9] == ("untracked", None)
    assert statuses[4] == ("closed", 14)
    assert role_closes(session) == {
        1: "02-16", 2: "02-23", 3: None, 4: "02-23", 6: "02-23", 9: "02-23", 11: None,
    }
    assert flow_table(ALL, session) == [
        ("2026-W06", 1, 0, 1, 1),
        ("2026-W07", 2, 0, 2, 1),
        ("2026-W08", 1, 1, 0, 2),
        ("2026-W09", 0, 3, -3, 1),  # R2, R4, R6; not R9
        ("2026-W10", 0, 0, 0, 1),
    ]
    ttf = time_to_fill(session, ALL)  # R9 is left-censored: not in the cohort either way
    assert [(p.day, p.events, p.censored) for p in ttf.curve] == [
        (7, 1, 0), (14, 1, 0), (19, 1, 0), (21, 0, 1),
    ]
