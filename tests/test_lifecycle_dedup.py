"""Roles, not rows: cross-source duplicates link to the earliest-opened posting."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from storage import dedup, ingest, models
from storage.companies import normalize_company_name, normalize_title
from storage.lifecycle import reconcile
from storage.records import LocationRecord, PostingRecord

T0 = datetime(2026, 3, 2, 9, 0)
WEEK = timedelta(days=7)
DESCRIPTION = (
    "We are looking for a machine learning engineer to design, train and ship models that "
    "rank millions of job postings every day. You will work with Python, PyTorch and SQL, "
    "own the training pipeline and mentor two junior engineers in our Brussels office."
)


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def posting(job_id: str, **overrides: Any) -> PostingRecord:
    values: dict[str, Any] = {
        "title": "Machine Learning Engineer (m/f/d)",
        "company_name": "Canonical Ltd.",
        "description_text": DESCRIPTION,
        "locations": [LocationRecord("Brussels", country="BE")],
        "country": "BE",
    }
    values.update(overrides)
    return PostingRecord(source_job_id=job_id, **values)


def store(
    engine: Engine,
    source: str,
    observed_at: datetime,
    records: list[PostingRecord],
    gone: tuple[str, ...] = (),
    first_party: bool = True,
) -> None:
    """A finished crawl of ``source`` that lists ``records`` and answers 410 for ``gone``."""
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(
            session, source, kind="x", observed_at=observed_at, first_party=first_party
        )
        ingest.upsert_postings(session, run_id, records)
        for job_id in gone:
            ingest.record_close_signal(session, run_id, job_id, models.CLOSE_HTTP_GONE)
        ingest.finish_crawl_run(
            session, run_id, finish_reason="finished", pages_fetched=1, pages_failed=0
        )
        reconcile(session)


def links(engine: Engine) -> dict[tuple[str, str], tuple[str, str] | None]:
    """(source, job id) -> (source, job id) of its canonical posting, None when canonical."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Posting.id, models.Source.name, models.Posting.source_job_id,
                   models.Posting.canonical_id).join(models.Source)
        ).all()  # fmt: skip
    key = {row.id: (row.name, row.source_job_id) for row in rows}
    return {
        (row.name, row.source_job_id): key[row.canonical_id] if row.canonical_id else None
        for row in rows
    }


def test_same_role_on_two_sources_links_to_the_earliest_opened(engine: Engine) -> None:
    store(engine, "board", T0, [posting("b1", date_posted=T0 - timedelta(days=2),
                                        company_name="CANONICAL",
                                        description_text=DESCRIPTION[:200])])  # fmt: skip
    store(engine, "ats", T0, [posting("a1", date_posted=T0 - timedelta(days=5))])
    assert links(engine) == {("ats", "a1"): None, ("board", "b1"): ("ats", "a1")}


@pytest.mark.parametrize(("board_first_party", "canonical"), [(True, "b1"), (False, "a1")])
def test_the_employers_own_posting_is_canonical_though_a_copy_opened_first(
    engine: Engine, board_first_party: bool, canonical: str
) -> None:
    """A job board's copy claims an earlier opening than the company's ATS posting: the role
    takes the ATS posting's attributes (it is canonical), and still opens with the copy."""
    store(engine, "board", T0, [posting("b1", date_posted=T0 - timedelta(days=9),
                                        title="ML Engineer", seniority="Entry level")],
          first_party=board_first_party)  # fmt: skip
    store(engine, "ats", T0, [posting("a1", date_posted=T0 - timedelta(days=5),
                                      title="ML engineer", seniority="Mid-Senior level")])
    other = "a1" if canonical == "b1" else "b1"
    sources = {"a1": "ats", "b1": "board"}
    assert links(engine) == {
        (sources[canonical], canonical): None,
        (sources[other], other): (sources[canonical], canonical),
    }
    with engine.connect() as conn:
        role = conn.execute(text("SELECT title, seniority, opened_at FROM v_roles")).one()
    title, seniority = ("ML Engineer", "Entry level") if canonical == "b1" else (
        "ML engineer", "Mid-Senior level")
    assert (role.title, role.seniority) == (title, seniority)
    assert str(role.opened_at).startswith(str((T0 - timedelta(days=9)).date()))


def test_a_source_marked_as_a_job_board_hands_its_roles_to_the_employers_postings(
    engine: Engine,
) -> None:
    """The board's sources entry gains ``first_party = false``: its next crawl, which writes
    nothing (the copy is unchanged), re-points the role to the ATS posting."""
    store(engine, "board", T0, [posting("b1", date_posted=T0 - timedelta(days=9))])
    store(engine, "ats", T0, [posting("a1", date_posted=T0 - timedelta(days=5))])
    assert links(engine)[("ats", "a1")] == ("board", "b1")
    store(engine, "board", T0 + timedelta(days=7),
          [posting("b1", date_posted=T0 - timedelta(days=9))], first_party=False)  # fmt: skip
    assert links(engine) == {("ats", "a1"): None, ("board", "b1"): ("ats", "a1")}


@pytest.mark.parametrize(
    "other",
    [
        {"locations": [LocationRecord("Ghent", country="BE")]},  # another city
        {"description_text": "Sales manager for our retail stores. " * 10},  # another job
        {"title": "Data Engineer"},  # another title
        {"company_name": "Ubuntu Foundation"},  # another company
    ],
)
def test_different_roles_stay_apart(engine: Engine, other: dict[str, Any]) -> None:
    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0, [posting("b1", **other)])
    assert set(links(engine).values()) == {None}


def test_missing_description_matches_on_company_title_and_city(engine: Engine) -> None:
    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0 + timedelta(days=1), [posting("b1", description_text=None)])
    assert links(engine)[("board", "b1")] == ("ats", "a1")


def test_two_postings_of_one_source_are_not_merged(engine: Engine) -> None:
    store(engine, "ats", T0, [posting("a1"), posting("a2")])
    assert set(links(engine).values()) == {None}


def test_linking_is_idempotent_and_follows_a_new_earliest(engine: Engine) -> None:
    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0 + timedelta(days=1), [posting("b1")])
    with Session(engine) as session, session.begin():
        assert dedup.link_canonical_postings(session.connection()) == 0  # nothing left to do
    # a third source lists it with an earlier datePosted: it becomes the canonical one
    store(engine, "jobsite", T0 + timedelta(days=2),
          [posting("j1", date_posted=T0 - timedelta(days=30))])  # fmt: skip
    assert links(engine) == {
        ("jobsite", "j1"): None,
        ("ats", "a1"): ("jobsite", "j1"),
        ("board", "b1"): ("jobsite", "j1"),
    }


def test_near_duplicate_threshold_can_fail() -> None:
    full = dedup.shingles(DESCRIPTION)
    assert dedup.near_duplicate(full, dedup.shingles(DESCRIPTION[:150]))  # truncated copy
    other = dedup.shingles("Sales manager for our retail stores in Antwerp and Ghent. " * 3)
    assert not dedup.near_duplicate(full, other)
    assert dedup.shingles("too short") is None


def test_normalisation_keys() -> None:
    names = ["Canonical Ltd.", "CANONICAL", "Canonical Group Limited", "canonical  ltd"]
    assert {normalize_company_name(n) for n in names} == {"canonical"}
    assert normalize_company_name("Société Générale S.A.") == "societe generale"
    assert normalize_company_name("Foo GmbH & Co. KG") == "foo"
    assert normalize_company_name("Ørsted A/S") == "ørsted"
    assert normalize_company_name("Ltd") == "ltd"  # never normalised to nothing
    assert normalize_company_name(None) == ""
    assert normalize_title("Senior ML Engineer (m/w/d)") == "senior ml engineer"
    assert normalize_title("Développeur Python (H/F)") == "developpeur python"


def groups(engine: Engine) -> list[set[tuple[str, str]]]:
    """Linked groups of (source, job id), singletons included."""
    by_root: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for key, canonical in links(engine).items():
        by_root.setdefault(canonical or key, set()).add(key)
    return list(by_root.values())


def assert_one_posting_per_source(engine: Engine) -> None:
    for group in groups(engine):
        sources = [source for source, _ in group]
        assert len(sources) == len(set(sources)), group


BRUSSELS = (
    DESCRIPTION + " The role is based in Brussels, close to the central station and the park."
)
GHENT = DESCRIPTION + " The role is based in Ghent, in the harbour district near the old docks."


@pytest.mark.parametrize(
    ("board_copy", "joins"),
    [
        # a board copy listing both cities and carrying the Ghent text: it is the Ghent role
        ({"locations": [LocationRecord("Brussels", country="BE"),
                        LocationRecord("Ghent", country="BE")],
          "description_text": GHENT}, "a2"),
        # no city, Brussels text
        ({"locations": [], "description_text": BRUSSELS}, "a1"),
        # no city, no description: it matches both equally, joins one (the earliest), never both
        ({"locations": [], "description_text": None}, "a1"),
    ],
    ids=["two-cities", "no-city", "no-city-no-text"],
)  # fmt: skip
def test_a_shared_copy_never_merges_two_roles_of_one_source(
    engine: Engine, board_copy: dict[str, Any], joins: str
) -> None:
    store(engine, "ats", T0, [
        posting("a1", description_text=BRUSSELS),
        posting("a2", description_text=GHENT, locations=[LocationRecord("Ghent", country="BE")]),
    ])  # fmt: skip
    store(engine, "board", T0 + timedelta(days=1), [posting("b1", **board_copy)])
    # the copy matches each ATS posting on its own: a transitive grouping would merge all three
    a1, a2, b1 = candidates(engine, ["a1", "a2", "b1"])
    assert dedup.same_role(a1, b1) and dedup.same_role(a2, b1)
    assert_one_posting_per_source(engine)
    assert links(engine) == {
        ("ats", "a1"): None,
        ("ats", "a2"): None,
        ("board", "b1"): ("ats", joins),
    }


def test_three_sources_two_roles_each_stay_two_roles(engine: Engine) -> None:
    ghent = [LocationRecord("Ghent", country="BE")]
    store(
        engine,
        "ats",
        T0,
        [
            posting("a1", description_text=BRUSSELS),
            posting("a2", description_text=GHENT, locations=ghent),
        ],
    )
    store(
        engine,
        "board",
        T0 + timedelta(days=1),
        [
            posting("b1", description_text=BRUSSELS, locations=[]),
            posting("b2", description_text=GHENT, locations=[]),
        ],
    )
    store(engine, "jobsite", T0 + timedelta(days=2),
          [posting("j2", description_text=GHENT, locations=ghent)])  # fmt: skip
    assert_one_posting_per_source(engine)
    assert sorted(map(sorted, groups(engine))) == [
        [("ats", "a1"), ("board", "b1")],
        [("ats", "a2"), ("board", "b2"), ("jobsite", "j2")],
    ]
    with Session(engine) as session, session.begin():
        assert dedup.link_canonical_postings(session.connection()) == 0  # stable


def candidates(engine: Engine, job_ids: list[str]) -> list[Any]:
    """The dedup candidates of the given postings, as link_canonical_postings loads them."""
    with engine.connect() as conn:
        keys = dedup._candidate_keys(conn, None)
        loaded = {c.id: c for group in dedup._load_groups(conn, keys) for c in group}
        rows = conn.execute(select(models.Posting.id, models.Posting.source_job_id)).all()
    by_job = {job: loaded[pid] for pid, job in rows}
    return [by_job[j] for j in job_ids]


def test_reconcile_reloads_roles_only_around_postings_a_run_wrote(engine: Engine) -> None:
    """A re-crawl that sees every posting unchanged writes none: reconcile then has no role to
    compare again. (It reloaded and compared every cross-source group a run merely saw, each
    week, whatever the size of the database.) An edited description does bring its role back."""
    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0, [posting("b1")])
    reads: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "posting_descriptions" in statement and statement.lstrip().startswith("SELECT"):
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    store(engine, "ats", T0 + WEEK, [posting("a1")])
    store(engine, "board", T0 + WEEK, [posting("b1")])
    unchanged = len(reads)
    store(engine, "board", T0 + 2 * WEEK, [posting("b1", description_text=DESCRIPTION + " Now.")])
    event.remove(engine, "before_cursor_execute", capture)
    assert unchanged == 0
    assert len(reads) > 0
    assert links(engine) == {("ats", "a1"): None, ("board", "b1"): ("ats", "a1")}


def test_a_posting_retitled_away_from_its_role_is_unlinked(engine: Engine) -> None:
    """The job board renames its copy: it is no longer the ATS posting's role, even though no
    other source lists its new title (a key of one source was never looked at)."""
    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0, [posting("b1")])
    assert links(engine)[("board", "b1")] == ("ats", "a1")
    store(engine, "board", T0 + WEEK, [posting("b1", title="Head of Machine Learning")])
    assert links(engine) == {("ats", "a1"): None, ("board", "b1"): None}


def test_a_copy_that_bridged_two_postings_leaves_them_apart_when_retitled(engine: Engine) -> None:
    """The ATS posting closed; the board's copy, listed two weeks later, joined it, and a one-off
    page listed six weeks after the close joined through the copy (open with it). When the board
    retitles its copy, nothing links the page to the long-closed ATS posting any more: two
    roles. (Found by the random model test: the copy pointed to the ATS posting, whose key
    nobody looked at again.)"""
    store(engine, "ats", T0, [posting("a1"), *FILLERS])
    store(engine, "ats", T0 + WEEK, FILLERS, gone=("a1",))
    store(engine, "board", T0 + 3 * WEEK, [posting("b1")])
    store(engine, "page", T0 + 7 * WEEK, [posting("p1")])
    assert links(engine)[("page", "p1")] == ("ats", "a1")
    store(engine, "board", T0 + 8 * WEEK, [posting("b1", title="Head of Machine Learning")])
    assert links(engine) == {
        ("ats", "a1"): None,
        ("board", "b1"): None,
        ("page", "p1"): None,
        **{("ats", f"f{i}"): None for i in range(3)},
    }


def test_re_enrichment_links_postings_whose_cities_now_match(engine: Engine) -> None:
    """Re-enrichment rewrites cities, which decide whether two sources list one role; it
    re-links what it rewrote (reconcile only looks at what crawls write)."""
    from enrichment.types import Enrichment, LocationMatch
    from jobtrends.reenrich import reenrich

    store(engine, "ats", T0, [posting("a1")])
    store(engine, "board", T0, [posting("b1", locations=[LocationRecord("Ghent", country="BE")])])
    assert links(engine)[("board", "b1")] is None

    class Brussels:  # every posting is in Brussels, says this enricher
        def enrich_many(self, texts: Any, batch_size: int = 256) -> list[Enrichment]:
            return [
                Enrichment(language="en", locations=[LocationMatch("Brussels", None, "BE", "x")])
                for _ in texts
            ]

    stats = reenrich(engine, enricher=Brussels(), everything=True)  # type: ignore[arg-type]
    assert stats.postings == 2 and stats.linked == 1
    assert links(engine)[("board", "b1")] == ("ats", "a1")


def test_postings_a_dead_crawl_wrote_are_linked_once_it_is_abandoned(engine: Engine) -> None:
    """A crawl process dies after storing a posting; the next crawl sees it unchanged and does
    not write it again, so reconcile links it when it gives up on the dead run."""
    store(engine, "ats", T0, [posting("a1")])
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "board", kind="x", observed_at=T0)
        ingest.upsert_postings(session, run_id, [posting("b1")])  # and then the process dies
    store(engine, "board", T0 + WEEK, [posting("b1")])
    assert links(engine) == {("ats", "a1"): None, ("board", "b1"): ("ats", "a1")}


FILLERS = [posting(f"f{i}", title=f"Sales Manager {i}") for i in range(3)]  # other roles


@pytest.mark.parametrize("days", [dedup.ROLE_GAP.days, dedup.ROLE_GAP.days + 1])
def test_a_copy_listed_after_the_role_closed_joins_it_only_within_the_gap(
    engine: Engine, days: int
) -> None:
    """Job boards copy late: a copy first listed up to ROLE_GAP after the company's posting
    closed is still that role; one listed later is a new hiring."""
    store(engine, "ats", T0, [posting("a1"), *FILLERS])
    store(engine, "ats", T0 + WEEK, FILLERS, gone=("a1",))
    store(engine, "board", T0 + WEEK + timedelta(days=days), [posting("b1")])
    linked = days <= dedup.ROLE_GAP.days
    assert links(engine)[("board", "b1")] == (("ats", "a1") if linked else None)


def test_a_role_listed_again_months_later_is_a_new_role_with_its_copies(engine: Engine) -> None:
    """The company posts the same text again in the autumn and a job board copies it. The copy
    matches both company postings equally; it belongs to the new one, and the spring role stays
    closed (joining the spring one would keep that role open for months)."""
    store(engine, "ats", T0, [posting("a1"), *FILLERS])
    store(engine, "ats", T0 + WEEK, FILLERS, gone=("a1",))
    autumn = T0 + 26 * WEEK
    store(engine, "ats", autumn, [posting("a2"), *FILLERS])
    store(engine, "board", autumn + timedelta(days=2), [posting("b1")])
    assert links(engine) == {
        ("ats", "a1"): None,
        ("ats", "a2"): None,
        ("board", "b1"): ("ats", "a2"),
        **{("ats", f"f{i}"): None for i in range(3)},
    }


def test_a_close_that_ends_the_overlap_in_time_unlinks_the_copy(engine: Engine) -> None:
    """The company's posting is missed once, then its board goes uncrawled for two months; a
    copy listed then joins the still-open posting. When the board is crawled again, the posting
    closes at its first miss, two months before the copy opened: the copy is a role of its own
    (no crawl wrote either posting, so only the close can tell reconcile to look again)."""
    store(engine, "ats", T0, [posting("a1"), *FILLERS])
    store(engine, "ats", T0 + WEEK, FILLERS)  # a1 missed once (k=2)
    store(engine, "board", T0 + 9 * WEEK, [posting("b1")])
    assert links(engine)[("board", "b1")] == ("ats", "a1")
    store(engine, "ats", T0 + 10 * WEEK, FILLERS)  # a1 closes at T0 + WEEK
    assert links(engine)[("board", "b1")] is None


def test_a_copy_joins_the_posting_open_with_it_rather_than_one_closed_days_before(
    engine: Engine,
) -> None:
    """The company closes its posting and posts the same text again two days later; a job
    board copies it the day after. The copy matches both within the gap and equally well by
    text and city: it joins the posting open with it, so that the closed one's role closes."""
    store(engine, "ats", T0, [posting("a1"), *FILLERS])
    store(engine, "ats", T0 + WEEK, FILLERS, gone=("a1",))
    store(engine, "ats", T0 + WEEK + timedelta(days=2), [posting("a2"), *FILLERS])
    store(engine, "board", T0 + WEEK + timedelta(days=3), [posting("b1")])
    assert links(engine)[("board", "b1")] == ("ats", "a2")
    assert links(engine)[("ats", "a1")] is None
