"""Revisits: after a crawl's listing, the open postings it left out are fetched at their own
address, and a 404/410 answer closes them at that crawl (`jobtrends crawl`, a real process).

Week 1 lists both postings of each board (4012345 and 4012399 on Greenhouse, two on Lever and
SmartRecruiters); week 2 crawls a board that lists fewer, or nothing, or fails.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from mockserver.harness import FAST_ARGS, mockserver, run_cli, table_rows  # noqa: F401 - fixture
from mockserver.server import MockServer
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from storage.ingest import finish_crawl_run, start_crawl_run, upsert_postings
from storage.records import PostingRecord
from storage.schema import upgrade

WEEK1, WEEK2, WEEK3 = "2026-03-02T09:00:00", "2026-03-09T09:00:00", "2026-03-16T09:00:00"


def _source(name: str, kind: str, base: str, key: str, *extra: str) -> str:
    option = {"greenhouse": "board", "lever": "site", "smartrecruiters": "company"}[kind]
    return "\n".join([f'[[source]]\nname = "{name}"\nkind = "{kind}"\n{option} = "{key}"\n'
                      f'base_url = "{base}"\ncountry = "BE"', *extra, ""])


def _crawl(db: str, path: Path, observed: str | None, *sources: str, replay: bool = True
           ) -> str:
    """``jobtrends crawl`` of ``sources`` observed at ``observed`` (None: now). Before today it
    is a replay, whose revisits are allowed (the mock server answers the same whatever the
    time) unless not ``replay``."""
    path.write_text("\n".join(sources), encoding="utf-8")
    allow = ("--set", "JOBTRENDS_REVISIT_REPLAYS=true") if replay else ()
    when = ("--observed-at", observed) if observed else ()
    proc = run_cli("--db", db, "crawl", "--sources", str(path), *when, "--no-enrich",
                   *FAST_ARGS, *allow, cwd=path.parent, env={"COLUMNS": "200"})
    assert proc.returncode in (0, 4), proc.stdout + proc.stderr  # 4: some source incomplete
    return proc.stdout + proc.stderr


def _postings(db: str) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(source, job id) -> (status, close reason, closed at)."""
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT s.name, p.source_job_id, p.status, p.close_reason, p.closed_at "
            "FROM postings p JOIN sources s ON s.id = p.source_id")).all()
    engine.dispose()
    return {(r[0], r[1]): (r[2], r[3], str(r[4])[:16] if r[4] else None) for r in rows}


def _per_job_hits(server: MockServer, fragment: str) -> int:
    with server.state.lock:
        return sum(n for key, n in server.state.hits.items() if fragment in key)


def test_a_posting_whose_page_answers_404_closes_at_the_crawl_that_left_it_out(
        mockserver: MockServer, tmp_path: Path, db_url: str) -> None:  # noqa: F811
    base = mockserver.url
    week1 = [_source(name, "greenhouse", base, "acme") for name in ("gone", "partial", "off")]
    _crawl(db_url, tmp_path / "w1.toml", WEEK1, *week1)
    # week 2 lists only 4012345 everywhere; 4012399's own endpoint answers 404 on "acme-one",
    # but 200 on "acme-half" (a partial listing: the job is still up)
    out = _crawl(db_url, tmp_path / "w2.toml", WEEK2,
                 _source("gone", "greenhouse", base, "acme-one"),
                 _source("partial", "greenhouse", base, "acme-half"),
                 _source("off", "greenhouse", base, "acme-one", "revisit_missing = 0"))
    postings = _postings(db_url)
    assert "1 posting(s) closed (0 unseen, 1 gone, 0 expired)" in out
    # the summary counts the one posting each board listed, and the one found gone
    assert [row[:5] for row in table_rows(out, "gone ")] == [
        ["gone", "greenhouse", "1", "1", "1"]], out
    assert [row[:5] for row in table_rows(out, "partial ")] == [
        ["partial", "greenhouse", "1", "1", "0"]], out
    # closed at once (k = 2 would have waited for a second missed crawl), at the crawl's time
    assert postings[("gone", "4012399")] == ("closed", "http_gone", "2026-03-09 09:00")
    # a page that still answers is no signal: the K-miss rule goes on (one miss so far)
    assert postings[("partial", "4012399")] == ("open", None, None)
    # revisits turned off for the source: nothing fetched, the K-miss rule alone
    assert postings[("off", "4012399")] == ("open", None, None)
    assert all(postings[(s, "4012345")][0] == "open" for s in ("gone", "partial", "off"))


@pytest.mark.parametrize(("kind", "full", "job"), [
    ("greenhouse", "acme", "4012399"),
    ("lever", "globex", "5f1c0a3e-0000-4000-8000-000000000001"),
    ("smartrecruiters", "initech", "7440000001"),
])
def test_an_emptied_board_closes_through_its_postings_404(
        mockserver: MockServer,  # noqa: F811
        tmp_path: Path, sqlite_url: str, kind: str, full: str, job: str) -> None:
    """An empty listing is never trusted on its own (the run is incomplete: it may be a broken
    page), but the postings' own endpoints answering 404 say the board really emptied."""
    base = mockserver.url
    _crawl(sqlite_url, tmp_path / "w1.toml", WEEK1, _source("board", kind, base, full))
    listed = [key for key in _postings(sqlite_url) if key[0] == "board"]
    assert ("board", job) in listed and len(listed) >= 2
    out = _crawl(sqlite_url, tmp_path / "w2.toml", WEEK2, _source("board", kind, base, "empty"))
    postings = _postings(sqlite_url)
    assert {postings[key] for key in listed} == {("closed", "http_gone", "2026-03-09 09:00")}
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM crawl_runs ORDER BY id DESC LIMIT 1"))
        assert status.scalar_one() == "incomplete", out  # the empty listing itself is not trusted
    engine.dispose()
    # flagged once all the same (a site whose pages moved looks the same), with what happened
    health = run_cli("--db", sqlite_url, "sources", "status", "--as-of", WEEK2, cwd=tmp_path,
                     env={"COLUMNS": "300"})
    assert health.returncode == 4, health.stdout + health.stderr
    assert "The latest crawl of board listed nothing, and the pages of its open postings " \
        "answered 404/410: they are closed." in health.stdout
    assert "--accept-empty" not in health.stdout


def test_no_revisit_after_a_failed_listing_and_at_most_the_limit(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str) -> None:  # noqa: F811
    base = mockserver.url
    _crawl(sqlite_url, tmp_path / "w1.toml", WEEK1,
           _source("failing", "greenhouse", base, "acme"),
           _source("capped", "greenhouse", base, "acme"))
    before = _per_job_hits(mockserver, "/v1/boards/empty/jobs/")
    _crawl(sqlite_url, tmp_path / "w2.toml", WEEK2,
           # what a failed listing left out is unknown: nothing is revisited
           _source("failing", "greenhouse", f"{base}/fail500", "acme"),
           _source("capped", "greenhouse", base, "empty", "revisit_missing = 1"))
    postings = _postings(sqlite_url)
    assert {postings[("failing", job)] for job in ("4012345", "4012399")} == {
        ("open", None, None)}
    assert _per_job_hits(mockserver, "/fail500/v1/boards/acme/jobs/") == 0
    # one of the two revisited (the limit), the other left to the K-miss rule
    capped = sorted(postings[("capped", job)][0] for job in ("4012345", "4012399"))
    assert capped == ["closed", "open"]
    assert _per_job_hits(mockserver, "/v1/boards/empty/jobs/") - before == 1
    # week 3, empty again: the other is revisited and closes at the first listing that left it
    # out (week 2, whose emptiness its 404 confirms), not when the limit let it be revisited
    _crawl(sqlite_url, tmp_path / "w3.toml", WEEK3,
           _source("capped", "greenhouse", base, "empty", "revisit_missing = 1"))
    assert {_postings(sqlite_url)[("capped", job)] for job in ("4012345", "4012399")} == {
        ("closed", "http_gone", "2026-03-09 09:00")}


def test_a_failed_revisit_is_no_signal_and_no_failed_page(
        mockserver: MockServer, tmp_path: Path, db_url: str) -> None:  # noqa: F811
    base = mockserver.url
    _crawl(db_url, tmp_path / "w1.toml", WEEK1, _source("flaky", "greenhouse", base, "acme"))
    # week 2 lists 4012345; 4012399's own endpoint answers 500, retries included
    out = _crawl(db_url, tmp_path / "w2.toml", WEEK2,
                 _source("flaky", "greenhouse", base, "acme-jobs500"))
    assert "revisiting" in out and "failed" in out  # logged
    assert _postings(db_url)[("flaky", "4012399")] == ("open", None, None)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        run = conn.execute(text("SELECT status, pages_fetched, pages_failed FROM crawl_runs "
                                "ORDER BY id DESC LIMIT 1")).one()
        misses = conn.execute(text("SELECT miss_count FROM postings "
                                   "WHERE source_job_id = '4012399'")).scalar_one()
    engine.dispose()
    # the listing was whole: the run is complete and counts its miss; its pages are robots.txt
    # and the listing (the revisit's 500s, retries included, are neither fetched nor failed)
    assert (run.status, run.pages_fetched, run.pages_failed, misses) == ("complete", 2, 0, 1)
    # week 3: the job's endpoint answers 404: closed at the complete crawl that first missed it
    # (week 2), as the K-miss rule would date it, not when the revisit could tell
    _crawl(db_url, tmp_path / "w3.toml", WEEK3, _source("flaky", "greenhouse", base,
                                                            "acme-one"))
    assert _postings(db_url)[("flaky", "4012399")] == (
        "closed", "http_gone", "2026-03-09 09:00")


def test_a_replay_revisits_nothing_unless_told_a_live_crawl_does(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str) -> None:  # noqa: F811
    """A crawl observed before today replays the past: today's answers would be dated then
    (and an archive's mirror answers 404 for what it never kept)."""
    base = mockserver.url
    _crawl(sqlite_url, tmp_path / "w1.toml", WEEK1, _source("old", "greenhouse", base, "acme"))
    before = _per_job_hits(mockserver, "/v1/boards/acme-one/jobs/4012399")
    _crawl(sqlite_url, tmp_path / "w2.toml", WEEK2,
           _source("old", "greenhouse", base, "acme-one"), replay=False)
    assert _per_job_hits(mockserver, "/v1/boards/acme-one/jobs/4012399") == before
    assert _postings(sqlite_url)[("old", "4012399")] == ("open", None, None)
    # a live crawl (observed now) revisits, untold: the posting closes at its first complete
    # miss (week 2)
    _crawl(sqlite_url, tmp_path / "now.toml", None,
           _source("old", "greenhouse", base, "acme-one"), replay=False)
    assert _per_job_hits(mockserver, "/v1/boards/acme-one/jobs/4012399") == before + 1
    assert _postings(sqlite_url)[("old", "4012399")] == (
        "closed", "http_gone", "2026-03-09 09:00")


def _seed(db: str, source: str, ids: dict[str, str], *, can_relist: bool = True) -> None:
    """Week 1 of ``source`` (a jsonld site) listed these postings (id -> page URL)."""
    engine = create_engine(db)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        run_id = start_crawl_run(session, source, kind="jsonld", can_relist=can_relist,
                                 observed_at=datetime(2026, 3, 2, 9), country="BE")
        upsert_postings(session, run_id, [PostingRecord(job_id, "Engineer", url=url)
                                          for job_id, url in ids.items()])
        finish_crawl_run(session, run_id, finish_reason="finished", pages_fetched=4,
                         pages_failed=0)
    engine.dispose()


def _site(name: str, base: str, sitemap: str, *extra: str) -> str:
    return "\n".join([f'[[source]]\nname = "{name}"\nkind = "jsonld"\ncountry = "BE"\n'
                      f'sitemap_urls = ["{base}/site/{sitemap}"]', *extra, ""])


def test_a_career_site_posting_page_gone_or_no_longer_accepting_closes(
        mockserver: MockServer, tmp_path: Path, sqlite_url: str) -> None:  # noqa: F811
    """jsonld: the revisit fetches the posting's page; 404/410 and "no longer accepting
    applications" close it, a page still showing its JobPosting does not (nor is it a
    sighting: the site's sitemap left it out). A past validThrough closes a posting of a
    source that cannot list it again. One of several postings on a page is not revisited:
    what the page says cannot be told apart."""
    base = mockserver.url
    page = {name: f"{base}/site/jobs/{name}" for name in (
        "101.html", "closed.html", "gone-404-x.html", "106-expired.html", "203-list.html")}
    several = page["203-list.html"] + "#2"
    _seed(sqlite_url, "site", {page[n]: page[n] for n in ("101.html", "closed.html",
                                                          "gone-404-x.html")}
          | {several: page["203-list.html"]})
    _seed(sqlite_url, "oneoff", {page["106-expired.html"]: page["106-expired.html"]},
          can_relist=False)
    out = _crawl(sqlite_url, tmp_path / "w2.toml", WEEK2, _site("site", base, "sitemap-b.xml"),
                 _site("oneoff", base, "sitemap-a.xml", "can_relist = false"))
    postings = _postings(sqlite_url)
    assert postings[("site", page["gone-404-x.html"])] == (
        "closed", "http_gone", "2026-03-09 09:00"), out
    assert postings[("site", page["closed.html"])] == (
        "closed", "not_accepting", "2026-03-09 09:00"), out
    assert postings[("site", page["101.html"])] == ("open", None, None), out
    assert postings[("oneoff", page["106-expired.html"])] == (
        "closed", "expired", "2026-03-09 09:00"), out
    assert postings[("site", several)] == ("open", None, None), out
    assert _per_job_hits(mockserver, "/site/jobs/203-list.html") == 0
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        last_seen = conn.execute(text(
            "SELECT last_seen_at FROM postings p JOIN sources s ON s.id = p.source_id "
            "WHERE s.name = 'site' AND source_job_id = :id"), {"id": page["101.html"]}
        ).scalar_one()
    engine.dispose()
    assert str(last_seen).startswith("2026-03-02")  # the revisit was not a sighting


def test_revisit_missing_is_refused_for_a_kind_without_posting_pages(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "a"\nkind = "ashby"\nboard = "acme"\n'
                    "revisit_missing = 10\n", encoding="utf-8")
    proc = run_cli("sources", "check", "--sources", str(path), cwd=tmp_path,
                   env={"COLUMNS": "300"})
    assert proc.returncode == 2
    assert "sources.toml:5: source 'a': kind 'ashby' has no page per posting" in (
        proc.stdout + proc.stderr)
