"""Ingest: batched upserts, idempotent re-crawls, opened times, left-censoring, order checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, event, func, literal, select, text
from sqlalchemy.orm import Session

from storage import ingest, models
from storage.records import LocationRecord, PostingRecord, SkillRecord

T0 = datetime(2026, 3, 2, 9, 0)
WEEK = timedelta(days=7)


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def record(job_id: str, **overrides: Any) -> PostingRecord:
    values: dict[str, Any] = {
        "title": f"Machine Learning Engineer {job_id}",
        "company_name": "Canonical Ltd.",
        "description_text": f"Build models for {job_id}.",
        "locations": [LocationRecord("Brussels", country="BE")],
        "skills": [SkillRecord("Python", "language"), SkillRecord("PyTorch", "ml", mentions=2)],
        "enrichment_version": "1",
        "role_family": "ml-engineer",
    }
    values.update(overrides)
    return PostingRecord(source_job_id=job_id, **values)


def crawl(
    engine: Engine, observed_at: datetime, records: list[PostingRecord], source: str = "acme"
) -> tuple[int, ingest.UpsertStats]:
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(
            session, source, kind="greenhouse", observed_at=observed_at, country="be"
        )
        stats = ingest.upsert_postings(session, run_id, records)
        ingest.finish_crawl_run(
            session, run_id, finish_reason="finished", pages_fetched=3, pages_failed=0
        )
    return run_id, stats


def table_rows(engine: Engine, model: type[models.Base], skip: tuple[str, ...] = ()) -> list[tuple]:
    table = model.__table__
    columns = [c for c in table.columns if c.name not in skip]
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*columns).order_by(*columns[:2]))]


def test_recrawl_changes_only_last_seen(engine: Engine) -> None:
    records = [record(str(i)) for i in range(5)]
    first_run, _ = crawl(engine, T0, records)
    second_crawl = [record(str(i)) for i in range(5)]
    crawl(engine, T0 + WEEK, second_crawl)  # a new crawl, same records
    snapshot = {
        model: table_rows(engine, model, skip=("last_seen_at", "last_seen_run_id"))
        for model in (models.Posting, models.PostingLocation, models.PostingSkill,
                      models.PostingEvent, models.Company, models.Skill,
                      models.PostingDescription)
    }  # fmt: skip
    second_run, stats = crawl(engine, T0 + 2 * WEEK, [record(str(i)) for i in range(5)])
    assert (stats.inserted, stats.seen_again, stats.changed, stats.reopened) == (0, 5, 0, 0)
    for model, rows in snapshot.items():
        assert table_rows(engine, model, skip=("last_seen_at", "last_seen_run_id")) == rows
    with engine.connect() as conn:
        seen = conn.execute(select(models.Posting.last_seen_at, models.Posting.last_seen_run_id))
        assert set(seen) == {(T0 + 2 * WEEK, second_run)}
    assert first_run != second_run


def test_changed_content_rewrites_children_only_for_that_posting(engine: Engine) -> None:
    crawl(engine, T0, [record("a"), record("b")])
    locations_before = table_rows(engine, models.PostingLocation)
    changed = record("b", description_text="Now in Ghent.", locations=[LocationRecord("Ghent")])
    _, stats = crawl(engine, T0 + WEEK, [record("a"), changed])
    assert stats.changed == 1
    with engine.connect() as conn:
        cities = conn.execute(
            select(models.Posting.source_job_id, models.PostingLocation.city)
            .join(models.PostingLocation)
            .order_by(models.Posting.source_job_id)
        ).all()
    assert cities == [("a", "Brussels"), ("b", "Ghent")]
    assert table_rows(engine, models.PostingLocation)[0] == locations_before[0]


def test_unenriched_repeat_keeps_enrichment(engine: Engine) -> None:
    crawl(engine, T0, [record("a")])
    bare = record("a", enrichment_version=None, role_family=None, skills=[], locations=[])
    crawl(engine, T0 + WEEK, [bare])
    with Session(engine) as session:
        posting = session.scalars(select(models.Posting)).one()
        assert (posting.role_family, posting.enrichment_version) == ("ml-engineer", "1")
        assert len(posting.locations) == 1
    assert ingest_hashes(engine, ["a", "zzz"]) == {"a": (record("a").content_hash, "1")}


def test_unenriched_repeat_keeps_the_country_and_work_mode_enrichment_completed(
    engine: Engine,
) -> None:
    # enrichment read NL and "hybrid" from the posting itself; the source's own values are a
    # default country and nothing: an unchanged, unenriched repeat must not revert them
    crawl(engine, T0, [record("a", country="NL", remote="hybrid")])
    bare = record("a", country="BE", remote=None, enrichment_version=None, role_family=None)
    crawl(engine, T0 + WEEK, [bare])
    with Session(engine) as session:
        posting = session.scalars(select(models.Posting)).one()
        assert (posting.country, posting.remote) == ("NL", "hybrid")
    # changed content is re-enriched, and then the new values are taken
    moved = record("a", description_text="Now remote.", country="BE", remote="remote")
    crawl(engine, T0 + 2 * WEEK, [moved])
    with Session(engine) as session:
        posting = session.scalars(select(models.Posting)).one()
        assert (posting.country, posting.remote) == ("BE", "remote")


def ingest_hashes(engine: Engine, ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
    with Session(engine) as session:
        return ingest.known_content_hashes(session, "acme", ids)


def count_statements(engine: Engine, records: list[PostingRecord]) -> list[str]:
    statements: list[str] = []

    def count(*args: Any) -> None:  # conn, cursor, statement, parameters, context, executemany
        statements.append(args[2])

    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0)
        event.listen(engine, "before_cursor_execute", count)
        try:
            ingest.upsert_postings(session, run_id, records)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return statements


def posting_upserts(statements: list[str]) -> int:
    return sum(1 for s in statements if s.startswith("INSERT INTO postings") and "ON CONFLICT" in s)


def test_upsert_uses_batched_statements_not_one_per_row(engine: Engine) -> None:
    """2,500 postings (3 batches) with children take a bounded number of statements."""
    statements = count_statements(engine, [record(str(i)) for i in range(2500)])
    assert posting_upserts(statements) == 3  # one prepared statement per batch of 1,000
    # per batch: lookup, company lookup + insert + lookup, upsert, id lookup, descriptions,
    # locations, skills insert + lookup, posting skills, postings_seen; on PostgreSQL also the
    # statistics check (and, as the tables grow, a lock and ANALYZE of up to four tables):
    # never proportional to rows
    analyzed = [s for s in statements if s.startswith(("ANALYZE", "SELECT pg_try_advisory"))]
    assert len(statements) - len(analyzed) <= 3 * 14
    assert len(analyzed) <= 3 * 5
    with engine.connect() as conn:
        assert len(conn.execute(select(models.Posting.id)).all()) == 2500


def test_statement_count_would_catch_per_row_writes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control for the test above: batches of one row make one upsert statement per row."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 1)
    statements = count_statements(engine, [record(str(i)) for i in range(20)])
    assert posting_upserts(statements) == 20
    assert len(statements) > 3 * 14 + 3 * 5


def test_the_upsert_inserts_are_compiled_once_per_engine(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawl stores a batch per call: later calls on the engine reuse the compiled inserts."""
    compiled: list[str] = []
    original = ingest.PreparedInsert.__init__

    def counting(self: ingest.PreparedInsert, conn: Any, table: Any, *args: Any) -> None:
        compiled.append(table.name)
        original(self, conn, table, *args)

    monkeypatch.setattr(ingest.PreparedInsert, "__init__", counting)
    crawl(engine, T0, [record("a")])
    first = len(compiled)
    assert first >= 5  # postings, events, descriptions, locations, posting skills
    crawl(engine, T0 + WEEK, [record("a"), record("b")])
    crawl(engine, T0 + 2 * WEEK, [record("c")], source="other")
    assert len(compiled) == first
    with Session(engine) as session:  # and the inserts still write what they should
        assert session.scalar(select(func.count()).select_from(models.PostingSkill)) == 6


def test_first_crawl_is_left_censored_and_emits_no_opened_event(engine: Engine) -> None:
    _, stats = crawl(engine, T0, [record("a"), record("b")])
    assert stats.left_censored == 2
    _, stats = crawl(engine, T0 + WEEK, [record("a"), record("b"), record("c")])
    assert (stats.inserted, stats.left_censored) == (1, 0)
    with engine.connect() as conn:
        rows = conn.execute(select(models.Posting.source_job_id, models.Posting.left_censored))
        censored = {job_id: flag for job_id, flag in rows}
        opened = conn.execute(
            select(
                models.Posting.source_job_id, models.PostingEvent.kind, models.PostingEvent.at
            ).join(models.Posting)
        ).all()
    assert censored == {"a": True, "b": True, "c": False}
    assert opened == [("c", models.EVENT_OPENED, T0 + WEEK)]


def test_each_source_has_its_own_first_crawl(engine: Engine) -> None:
    crawl(engine, T0, [record("a")], source="acme")
    _, stats = crawl(engine, T0 + WEEK, [record("a")], source="other-board")
    assert stats.left_censored == 1


@pytest.mark.parametrize(
    ("date_posted", "expected"),
    [
        (T0 + WEEK - timedelta(days=3), T0 + WEEK - timedelta(days=3)),  # plausible: kept
        (None, T0 + WEEK),  # missing: first seen
        (T0 + WEEK + timedelta(hours=5), T0 + WEEK),  # a few hours ahead: clamped
        (T0 + WEEK + timedelta(days=3), T0 + WEEK),  # in the future: first seen
        (T0 - timedelta(days=1), T0 + WEEK),  # before the previous crawl, which missed it
        (T0 + WEEK - timedelta(days=400), T0 + WEEK),  # absurdly old
    ],
)
def test_opened_at_is_plausible_date_posted_else_first_seen(
    engine: Engine, date_posted: datetime | None, expected: datetime
) -> None:
    crawl(engine, T0, [record("a")])
    crawl(engine, T0 + WEEK, [record("a"), record("new", date_posted=date_posted)])
    with engine.connect() as conn:
        opened_at = conn.execute(
            select(models.Posting.opened_at).where(models.Posting.source_job_id == "new")
        ).scalar_one()
        event_at = conn.execute(select(models.PostingEvent.at)).scalar_one()
    assert opened_at == expected == event_at


def test_older_observation_is_rejected_with_a_clear_message(engine: Engine) -> None:
    crawl(engine, T0 + WEEK, [record("a")])
    with Session(engine) as session, pytest.raises(ingest.ObservationOrderError) as info:
        ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0)
    message = str(info.value)
    assert "'acme'" in message and "2026-03-02 09:00:00" in message
    assert "2026-03-09 09:00:00" in message
    # same time is fine (several processes sharing a crawl), and other sources are unaffected
    with Session(engine) as session:
        ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0 + WEEK)
        ingest.start_crawl_run(session, "other", kind="x", observed_at=T0)


def test_company_spellings_merge_into_one_company(engine: Engine) -> None:
    crawl(engine, T0, [record("a", company_name="Canonical Ltd."),
                       record("b", company_name="CANONICAL"),
                       record("c", company_name="Canonical Group Limited"),
                       record("d", company_name=None)])  # fmt: skip
    with engine.connect() as conn:
        companies = conn.execute(select(models.Company.normalized_name)).scalars().all()
        linked = (
            conn.execute(select(models.Posting.company_id).order_by(models.Posting.source_job_id))
            .scalars()
            .all()
        )
    assert companies == ["canonical"]
    assert linked[:3] == [linked[0]] * 3 and linked[0] is not None and linked[3] is None


def test_duplicate_ids_in_one_call_are_stored_once(engine: Engine) -> None:
    _, stats = crawl(engine, T0, [record("a", title="old"), record("a", title="new")])
    assert (stats.received, stats.inserted) == (1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(models.Posting.title)).scalars().all() == ["new"]
        assert conn.execute(select(models.CrawlRun.postings_seen)).scalar_one() == 1


def test_postings_seen_counts_each_posting_once_per_run(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0)
        ingest.upsert_postings(session, run_id, [record("a"), record("b")])
        ingest.upsert_postings(session, run_id, [record("b"), record("c")])  # page overlap
        seen = session.execute(
            select(models.CrawlRun.postings_seen).where(models.CrawlRun.id == run_id)
        ).scalar_one()
    assert seen == 3


def test_bad_input_is_named(engine: Engine) -> None:
    with Session(engine) as session:
        run_id = ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0)
        with pytest.raises(ValueError, match="'gone'"):
            ingest.record_close_signal(session, run_id, "a", "gone")
        with pytest.raises(LookupError, match="12345"):
            ingest.upsert_postings(session, 12345, [record("a")])
        with pytest.raises(ValueError, match="pages_failed=-1"):
            ingest.finish_crawl_run(session, run_id, finish_reason="finished",
                                    pages_fetched=1, pages_failed=-1)  # fmt: skip


def test_oversized_or_odd_scraped_values_are_stored_safely(engine: Engine) -> None:
    """Values longer than their column are clipped (PostgreSQL would refuse the whole batch)."""
    odd = record(
        "a",
        country="BEL",  # not alpha-2: unknown, not truncated to a wrong code
        seniority_raw="x" * 1000,
        salary_currency="EURO-PER-MONTH",
        locations=[LocationRecord("C" * 300, country="be")],
    )
    crawl(engine, T0, [odd])
    with Session(engine) as session:
        posting = session.scalars(select(models.Posting)).one()
        assert posting.country is None
        assert posting.seniority_raw == "x" * 200
        assert posting.salary_currency == "EURO-PER-M"
        assert [(loc.city, loc.country) for loc in posting.locations] == [("C" * 200, "BE")]


def test_scraped_text_an_array_would_quote_reads_back_as_written(engine: Engine) -> None:
    """Upserts send a batch's columns to PostgreSQL as arrays: text with the characters an
    array's text form quotes (or reads as NULL) must come back exactly as scraped."""
    odd_texts = ["NULL", '{"a","b"}', "back\\slash \\N", "comma, and \"quote\"", " padded ",
                 "naïve – 東京 🚀", "", "tab\there\nnewline"]  # fmt: skip
    records = [
        record(
            f"odd-{index}",
            title=value,
            company_name=value or None,
            description_text=value,
            location_raw=value,
            salary_currency=value[:10],
            locations=[LocationRecord(value or None, region=value)],
        )
        for index, value in enumerate(odd_texts)
    ]
    crawl(engine, T0, records)
    with Session(engine) as session:
        stored = {p.source_job_id: p for p in session.scalars(select(models.Posting))}
        for index, value in enumerate(odd_texts):
            posting = stored[f"odd-{index}"]
            assert posting.title == value
            assert posting.company_name_raw == (value or None)
            assert posting.location_raw == value
            assert posting.salary_currency == value[:10]
            assert [(loc.city, loc.region) for loc in posting.locations] == [(value or None, value)]
            assert posting.description is not None
            assert posting.description.description_text == value


@pytest.mark.parametrize("job_id", ["", "   ", "u" * 501])
def test_unusable_ids_are_refused_before_anything_is_written(engine: Engine, job_id: str) -> None:
    crawl(engine, T0, [record("kept")])
    with Session(engine) as session:
        run_id = ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0 + WEEK)
        with pytest.raises(ValueError, match="record 1: source_job_id"):
            ingest.upsert_postings(session, run_id, [record("fine"), record(job_id)])
    with engine.connect() as conn:
        assert conn.execute(select(models.Posting.source_job_id)).scalars().all() == ["kept"]


def test_bad_source_country_is_named(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match="'Belgium'"):
        ingest.start_crawl_run(session, "acme", kind="x", observed_at=T0, country="Belgium")


def test_fast_sqlite_datetime_text_matches_sqlalchemy() -> None:
    """The upsert's datetime binding must store exactly what SQLAlchemy would (comparisons)."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    general = sqlite.DATETIME().bind_processor(dialect)
    fast = ingest.DatetimeBinder(dialect)
    assert general is not None
    values = [T0, datetime(2026, 12, 31, 23, 59, 59, 999999), datetime(999, 1, 2, 3, 4, 5, 6),
              T0.date(), datetime(2026, 3, 2, 9, 0, tzinfo=UTC), None]  # fmt: skip
    for value in values * 2:  # twice: computed, then memoised
        assert fast(value) == general(value)


def test_datetimes_written_by_the_upsert_read_back_and_compare_like_sqlalchemys(
    engine: Engine,
) -> None:
    posted = T0 - timedelta(days=2, microseconds=5)
    crawl(engine, T0, [record("a", date_posted=posted, valid_through=T0 + WEEK)])
    with Session(engine) as session:
        posting = session.scalars(select(models.Posting)).one()
        assert (posting.first_seen_at, posting.last_seen_at) == (T0, T0)
        assert (posting.date_posted, posting.opened_at, posting.valid_through) == (
            posted, posted, T0 + WEEK,
        )  # fmt: skip
        # SQL comparisons with values SQLAlchemy binds find the rows the upsert wrote
        found = session.scalars(
            select(models.Posting.source_job_id).where(
                models.Posting.last_seen_at == T0, models.Posting.opened_at < T0
            )
        ).all()
        assert found == ["a"]
        if engine.dialect.name == "sqlite":  # the stored text itself, beside Core's own
            raw = (
                session.connection()
                .exec_driver_sql(
                    "SELECT p.first_seen_at, r.observed_at FROM postings p JOIN crawl_runs r "
                    "ON r.id = p.last_seen_run_id"
                )
                .one()
            )
            assert raw[0] == raw[1] == "2026-03-02 09:00:00.000000"


def test_upsert_rows_carry_every_posting_column() -> None:
    columns = {c.name for c in models.Posting.__table__.columns} - {"id", "canonical_id"}
    assert sorted(ingest._POSTING_KEYS) == sorted(columns)


def test_a_posting_stored_meanwhile_by_another_process_is_upserted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch lookup misses a posting stored since: the insert skips it, the upsert runs."""
    crawl(engine, T0, [record("a"), record("b")])
    stored = ingest._Statements.stored

    def blind_to_a(self: Any, conn: Any, job_ids: list[str]) -> dict[str, Any]:
        return {k: v for k, v in stored(self, conn, job_ids).items() if k != "a"}

    monkeypatch.setattr(ingest._Statements, "stored", blind_to_a)
    crawl(engine, T0 + WEEK, [record("a", title="Renamed"), record("b"), record("c")])
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                models.Posting.source_job_id, models.Posting.title, models.Posting.last_seen_at
            ).order_by(models.Posting.source_job_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("a", "Renamed", T0 + WEEK),
        ("b", "Machine Learning Engineer b", T0 + WEEK),
        ("c", "Machine Learning Engineer c", T0 + WEEK),
    ]
    # its children are rewritten, not doubled
    assert len(table_rows(engine, models.PostingLocation)) == 3
    assert len(table_rows(engine, models.PostingSkill)) == 6


def test_fields_outside_the_content_hash_are_still_refreshed(engine: Engine) -> None:
    crawl(engine, T0, [record("a"), record("b")])
    moved = record("a", url="https://example.com/new", valid_through=T0 + 4 * WEEK)
    crawl(engine, T0 + WEEK, [moved, record("b")])
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                models.Posting.source_job_id, models.Posting.url, models.Posting.valid_through
            ).order_by(models.Posting.source_job_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("a", "https://example.com/new", T0 + 4 * WEEK),
        ("b", None, None),
    ]


def test_an_identical_recrawl_writes_no_posting_rows(engine: Engine) -> None:
    records = [record(str(i)) for i in range(10)]
    crawl(engine, T0, records)
    statements = count_statements(engine, [record(str(i)) for i in range(10)])
    assert posting_upserts(statements) == 0  # only the one last-seen UPDATE for the batch
    assert sum(1 for s in statements if s.startswith("UPDATE postings")) == 1
    statements = count_statements(engine, [record(str(i), title="changed") for i in range(10)])
    assert posting_upserts(statements) == 1


def test_a_recrawl_tells_dates_apart_by_the_instant_they_store(engine: Engine) -> None:
    """The fingerprint reads a datetime as the UTC instant stored: the same instant in another
    zone is an identical observation; a date moved by a microsecond, or a validThrough that
    appears, is a change that is written."""
    posted = datetime(2026, 2, 20, 8, 30)
    crawl(engine, T0, [record("a", date_posted=posted), record("b", date_posted=posted)])
    same_instant = posted.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=1)))
    statements = count_statements(
        engine, [record("a", date_posted=same_instant), record("b", date_posted=posted)]
    )
    assert posting_upserts(statements) == 0
    moved = posted + timedelta(microseconds=1)
    until = T0 + 4 * WEEK
    changed = [record("a", date_posted=moved), record("b", date_posted=posted, valid_through=until)]
    assert posting_upserts(count_statements(engine, changed)) == 1
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                models.Posting.source_job_id,
                models.Posting.date_posted,
                models.Posting.valid_through,
            ).order_by(models.Posting.source_job_id)
        ).all()
    assert [tuple(r) for r in rows] == [("a", moved, None), ("b", posted, until)]


def test_content_hash_is_the_digest_stored_by_earlier_versions() -> None:
    """Stored hashes stay valid: a different digest would re-enrich every stored posting."""
    posting = PostingRecord(
        source_job_id="1",
        title="Ingénieur données",
        description_text="Développer des pipelines\nen Python",
        location_raw="Bruxelles",
        company_name="Acme SA",
    )
    assert posting.content_hash == (
        "7e2b04cd6da50600bd85c6ec55768d037b6f3c0746fd6d4cf37d5cf8ac1db30b"
    )
    assert PostingRecord(source_job_id="2", title="x").content_hash == (
        "50238902996efea71f931d4289019fc42b6a2a3be827984c8fc7bd390948fb76"
    )


def children_by_job_id(engine: Engine) -> dict[str, tuple[list[str | None], list[str]]]:
    """Each posting's cities and skill names, by source_job_id."""
    out: dict[str, tuple[list[str | None], list[str]]] = {}
    with engine.connect() as conn:
        for job_id, posting_id in conn.execute(
            select(models.Posting.source_job_id, models.Posting.id)
        ):
            cities = conn.scalars(
                select(models.PostingLocation.city)
                .where(models.PostingLocation.posting_id == posting_id)
                .order_by(models.PostingLocation.city)
            ).all()
            skills = conn.scalars(
                select(models.Skill.name)
                .join(models.PostingSkill)
                .where(models.PostingSkill.posting_id == posting_id)
                .order_by(models.Skill.name)
            ).all()
            out[job_id] = (list(cities), list(skills))
    return out


@pytest.mark.parametrize("before", ["plain", "newest_deleted", "largest_rowid_taken"])
def test_children_of_new_postings_belong_to_them(engine: Engine, before: str) -> None:
    """New postings' ids come from the insert itself on SQLite when they are certain: with or
    without a gap after the largest id, and when SQLite picks random ids (the largest possible
    id is taken, so the lookup is used instead), every location and skill lands on its own
    posting."""

    def distinct(i: int) -> PostingRecord:
        return record(
            f"p{i}",
            locations=[LocationRecord(f"City {i}")],
            skills=[SkillRecord(f"Skill {i}"), SkillRecord(f"Other {i % 3}")],
        )

    crawl(engine, T0, [distinct(i) for i in range(5)])
    postings = cast(Table, models.Posting.__table__)
    with engine.begin() as conn:
        newest_id = conn.scalars(
            select(models.Posting.id).order_by(models.Posting.id.desc())
        ).first()
        if before == "newest_deleted":
            for model in (models.PostingLocation, models.PostingSkill, models.PostingEvent):
                child_table = cast(Table, model.__table__)
                conn.execute(child_table.delete().where(model.posting_id == newest_id))
            conn.execute(postings.delete().where(postings.c.id == newest_id))
        elif before == "largest_rowid_taken":  # a copy of the newest posting at that id
            largest = 2**63 - 1 if conn.dialect.name == "sqlite" else 2**31 - 1  # INTEGER there
            columns = [c for c in postings.c if c.name not in ("id", "source_job_id")]
            copy = select(literal(largest), literal("taken"), *columns).where(
                postings.c.id == newest_id
            )
            names = ["id", "source_job_id", *(c.name for c in columns)]
            conn.execute(postings.insert().from_select(names, copy))
    crawl(engine, T0 + WEEK, [distinct(i) for i in range(3, 2600)])  # three batches, mostly new
    children = children_by_job_id(engine)
    assert children.pop("taken", ([], [])) == ([], [])
    assert len(children) == 2600
    for i in range(2600):
        assert children[f"p{i}"] == ([f"City {i}"], sorted([f"Other {i % 3}", f"Skill {i}"]))


def descriptions(engine: Engine) -> dict[str, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Posting.source_job_id, models.PostingDescription.description_text)
            .join(models.PostingDescription)
        )
        return {job_id: text for job_id, text in rows}


def test_descriptions_are_written_when_new_or_changed_only(engine: Engine) -> None:
    """A posting's description lives in posting_descriptions: written with a new posting,
    rewritten when it changes, left alone by re-crawls (even when another field changes)."""
    crawl(engine, T0, [record("a"), record("b", description_text=None)])
    assert descriptions(engine) == {"a": "Build models for a.", "b": None}
    written: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "posting_descriptions" in statement and statement.lstrip().startswith("INSERT"):
            written.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        crawl(engine, T0 + WEEK, [record("a", url="https://example.com/a"), record("b")])
        assert len(written) == 1  # b's description is new content; a's url change is not
        assert descriptions(engine) == {"a": "Build models for a.", "b": "Build models for b."}
        written.clear()
        crawl(engine, T0 + 2 * WEEK, [record("a", url="https://example.com/a"), record("b")])
        assert written == []
    finally:
        event.remove(engine, "before_cursor_execute", note)
    crawl(engine, T0 + 3 * WEEK, [record("a", description_text="Now in Ghent."), record("b")])
    assert descriptions(engine) == {"a": "Now in Ghent.", "b": "Build models for b."}
    with Session(engine) as session:
        posting = session.scalars(
            select(models.Posting).where(models.Posting.source_job_id == "a")
        ).one()
        assert posting.description_text == "Now in Ghent."


@pytest.mark.postgres
def test_postgresql_statistics_follow_a_growing_first_crawl(pg_url: str) -> None:
    """Within one transaction that fills an empty table, the upsert re-analyzes the tables as
    they grow: PostgreSQL would otherwise plan the batch lookups from no statistics (as for an
    empty table) and scan every posting of the source for each batch."""
    from storage.db import make_engine
    from storage.schema import upgrade

    upgrade(pg_url)
    engine = make_engine(pg_url)
    tables = {"postings", "posting_locations", "posting_skills", "posting_descriptions"}
    estimate = "SELECT reltuples FROM pg_class WHERE oid = CAST('postings' AS regclass)"
    try:
        with Session(engine) as session, session.begin():
            conn = session.connection()
            assert conn.exec_driver_sql(estimate).scalar_one() < 0  # never analyzed
            assert set(ingest.refresh_planner_statistics(conn)) == tables
            assert ingest.refresh_planner_statistics(conn) == []  # fresh now
            run_id = ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=T0)
            ingest.upsert_postings(session, run_id, [record(f"j{i}") for i in range(6000)])
            # analyzed as the table doubled, this transaction's own rows included
            assert conn.exec_driver_sql(estimate).scalar_one() >= 2000
    finally:
        engine.dispose()


def _look_up_companies(conn: Any, names: list[str]) -> dict[str, int]:
    return ingest._company_ids(conn, [record("a", company_name=name) for name in names], {})


def _look_up_skills(conn: Any, names: list[str]) -> dict[str, int]:
    known: dict[str, int] = {}
    ingest.store_skills(conn, dict.fromkeys(names), known)
    return known


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "look_up"), [("companies", _look_up_companies), ("skills", _look_up_skills)]
)
def test_postgresql_lookups_compare_no_row_with_the_whole_batch(
    pg_url: str, table: str, look_up: Any
) -> None:
    """psycopg prepares a statement on its fifth execution, and PostgreSQL may then plan it once
    for any parameters (a generic plan). For ``name = ANY($1)`` over companies or skills, whose
    statistics no one gathers during a crawl, that plan was a scan comparing every row with
    each name of the batch in turn: about 200 ms per batch of 1,000 names at 5,000 companies,
    a quarter of a first crawl's time. The lookups must not filter rows by the whole array."""
    import psycopg

    from storage.db import make_engine
    from storage.schema import upgrade

    upgrade(pg_url)
    engine = make_engine(pg_url)
    names = [f"Name {i} Ltd." for i in range(2000)]
    try:
        with engine.begin() as conn:
            driver = cast(psycopg.Connection[Any], conn.connection.driver_connection)
            driver.prepare_threshold = 0  # prepare at once
            conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
            created = look_up(conn, names)
            found = look_up(conn, names)
            assert found == created and len(found) == len(names)
            (statement,) = conn.exec_driver_sql(
                "SELECT name FROM pg_prepared_statements WHERE statement LIKE 'SELECT%%' "
                f"AND statement LIKE '%%FROM {table} %%' "  # test constants only
                "AND statement NOT LIKE '%%pg_prepared%%'"
            ).scalars()
            keys = ",".join(f'"{key}"' for key in list(found)[:100])  # plain names
            plan = "\n".join(
                conn.exec_driver_sql(f"EXPLAIN EXECUTE {statement}('{{{keys}}}')").scalars()
            )
        assert table in plan
        assert "ANY" not in plan, plan
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_statistics_refresh_waits_for_no_other_schema(
    pg_url: str, postgres_server_url: str
) -> None:
    """One process at a time refreshes a schema's statistics; another schema's refresh (another
    jobtrends database on the same server, or a parallel test) does not make this one skip."""
    from storage.db import make_engine
    from storage.schema import upgrade

    upgrade(pg_url)
    engine, other = make_engine(pg_url), make_engine(postgres_server_url)
    tables = {"postings", "posting_locations", "posting_skills", "posting_descriptions"}
    lock = (text(ingest._ANALYZE_LOCK_SQL), {"key": ingest._ANALYZE_LOCK_KEY})
    try:
        with other.begin() as elsewhere, engine.begin() as same_schema:
            assert elsewhere.execute(*lock).scalar() is True  # the public schema's refresh
            assert same_schema.execute(*lock).scalar() is True  # a process of this schema
            with Session(engine) as session, session.begin():
                conn = session.connection()
                assert ingest.refresh_planner_statistics(conn) == []  # this schema is busy
            same_schema.rollback()
            with Session(engine) as session, session.begin():
                conn = session.connection()
                assert set(ingest.refresh_planner_statistics(conn)) == tables
    finally:
        engine.dispose()
        other.dispose()


@pytest.mark.postgres
def test_postgresql_statistics_are_left_to_the_owner(pg_url: str) -> None:
    """A crawler role that does not own the tables cannot ANALYZE them: it does not try (which
    would warn once per batch), and its upserts still work."""
    import uuid

    from sqlalchemy import text

    from storage.db import make_engine
    from storage.schema import upgrade

    upgrade(pg_url)
    owner = make_engine(pg_url)
    role = f"jt_writer_{uuid.uuid4().hex[:8]}"
    schema_name = pg_url.rsplit("search_path%3D", 1)[1]
    with owner.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))  # generated names only
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema_name}" TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema_name}" TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema_name}" TO "{role}"'))
    writer = make_engine(pg_url.replace("postgres@", f"{role}@", 1))
    try:
        with Session(writer) as session, session.begin():
            assert ingest.refresh_planner_statistics(session.connection()) == []
            run_id = ingest.start_crawl_run(session, "acme", kind="greenhouse", observed_at=T0)
            stats = ingest.upsert_postings(session, run_id, [record("a"), record("b")])
        assert stats.inserted == 2
        with Session(owner) as session, session.begin():  # the owner does refresh them
            assert "postings" in ingest.refresh_planner_statistics(session.connection())
    finally:
        writer.dispose()
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()
