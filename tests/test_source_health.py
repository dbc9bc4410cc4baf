"""Crawl health per source (`jobtrends sources status`): which sources are no longer tracked."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import read_only_url
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobtrends.cli import app
from storage import ingest
from storage.db import make_engine
from storage.health import SourceHealth, source_health
from storage.lifecycle import reconcile
from storage.records import PostingRecord
from storage.schema import upgrade

T0 = datetime(2026, 3, 2, 9, 0)
WEEK = timedelta(days=7)
runner = CliRunner()


def crawl(
    engine: Engine, source: str, at: datetime, ids: list[str], finish: str = "finished"
) -> None:
    """One crawl of ``source`` seeing ``ids``, then reconcile (which judges it)."""
    with Session(engine) as session, session.begin():
        run_id = ingest.start_crawl_run(session, source, kind="greenhouse", observed_at=at)
        ingest.upsert_postings(session, run_id, [PostingRecord(i, f"Job {i}") for i in ids])
        ingest.finish_crawl_run(
            session, run_id, finish_reason=finish, pages_fetched=2, pages_failed=0
        )
    with Session(engine) as session, session.begin():
        reconcile(session)


@pytest.fixture
def history(migrated_engine: Engine) -> Engine:
    """steady: complete weekly crawls; broken: its latest crawl failed; dead: never complete;
    running: a crawl started and not finished."""
    for week, ids in enumerate((["s1", "s2", "s3"], ["s1", "s2"], ["s1", "s2"])):
        crawl(migrated_engine, "steady", T0 + week * WEEK, ids)
    crawl(migrated_engine, "broken", T0 + WEEK, ["b1", "b2"])
    crawl(migrated_engine, "broken", T0 + 2 * WEEK, ["b1"], finish="shutdown")
    crawl(migrated_engine, "dead", T0 + WEEK, [], finish="listing_failed")
    with Session(migrated_engine) as session, session.begin():
        ingest.start_crawl_run(session, "running", kind="lever", observed_at=T0 + 2 * WEEK)
    return migrated_engine


def by_name(engine: Engine) -> dict[str, SourceHealth]:
    with Session(engine) as session:
        return {s.name: s for s in source_health(session)}


def test_each_source_gets_its_latest_and_last_complete_crawl(history: Engine) -> None:
    health = by_name(history)
    assert list(health) == ["broken", "dead", "running", "steady"]  # by name
    steady, broken, dead, running = (health[n] for n in ("steady", "broken", "dead", "running"))
    assert (steady.runs, steady.last_observed_at, steady.last_status) == (
        3, T0 + 2 * WEEK, "complete")
    assert steady.last_complete_at == T0 + 2 * WEEK
    assert steady.open_postings == 2  # K=2: s3, missed by two complete crawls, closed
    assert (broken.runs, broken.last_status, broken.last_complete_at) == (
        2, "incomplete", T0 + WEEK)
    assert broken.why_incomplete is not None
    assert broken.why_incomplete.startswith("finish reason 'shutdown' is not 'finished'")
    assert steady.why_incomplete is None and running.why_incomplete is None
    assert running.running and not steady.running
    assert broken.open_postings == 2  # an incomplete crawl closes nothing
    assert (dead.runs, dead.last_complete_at, dead.open_postings) == (1, None, 0)
    assert (running.runs, running.last_status, running.last_complete_at) == (1, "running", None)
    assert running.kind == "lever"


def test_a_source_needs_attention_when_stale_or_its_latest_crawl_failed(history: Engine) -> None:
    health = by_name(history)
    now, week_and_a_day = T0 + 2 * WEEK + timedelta(hours=1), timedelta(days=8)
    problems = {name: s.problem(now, week_and_a_day) for name, s in health.items()}
    assert problems == {
        "steady": None,
        "broken": "latest crawl incomplete",
        "dead": "never crawled completely",
        "running": "never crawled completely",
    }
    later = T0 + 2 * WEEK + timedelta(days=10)
    assert health["steady"].problem(later, week_and_a_day) == "no complete crawl for 10 days"
    assert health["broken"].problem(later, week_and_a_day) == "no complete crawl for 17 days"


def test_a_source_without_any_crawl_is_named_as_such() -> None:
    never = SourceHealth("new", "lever", 0, None, None, None, None, 0)
    assert never.problem(T0, WEEK) == "never crawled"


def invoke(engine: Engine, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", engine.url.render_as_string(hide_password=False),
                                 "sources", "status", *args])
    return result.exit_code, " ".join(result.output.split())


def test_status_lists_sources_and_exits_4_naming_those_that_need_attention(
    history: Engine,
) -> None:
    code, output = invoke(history, "--as-of", "2026-03-16T10:00:00Z")
    assert code == 4, output
    assert "3 of 4 source(s) need attention: broken: latest crawl incomplete (finish reason " \
        "'shutdown' is not 'finished'" in output
    assert "dead: never crawled completely (finish reason 'listing_failed'" in output
    assert "running: never crawled completely" in output
    assert "steady:" not in output
    assert output.endswith("A source that is no longer crawled keeps its postings open: "
                           "`jobtrends sources retire NAME` right-censors them and stops "
                           "flagging it.")


def test_status_says_how_to_accept_a_board_that_listed_nothing(migrated_engine: Engine) -> None:
    """A clean crawl that listed nothing while postings were open is never trusted on its own:
    the status names such sources and the command that accepts an emptied board, and after it
    (the board's postings closed) the source is fine again."""
    crawl(migrated_engine, "emptied", T0, ["e1", "e2"])
    crawl(migrated_engine, "emptied", T0 + WEEK, [])
    crawl(migrated_engine, "broken", T0, ["b1"])
    crawl(migrated_engine, "broken", T0 + WEEK, [], finish="listing_failed")
    health = by_name(migrated_engine)
    assert health["emptied"].listed_nothing and not health["broken"].listed_nothing
    code, output = invoke(migrated_engine, "--as-of", "2026-03-10")
    assert code == 4, output
    assert "The latest crawl of emptied listed nothing." in output  # not broken: it failed
    assert "`jobtrends reconcile --accept-empty NAME` closes its postings" in output
    url = migrated_engine.url.render_as_string(hide_password=False)
    accepted = runner.invoke(app, ["--db", url, "reconcile", "--accept-empty", "emptied"])
    assert accepted.exit_code == 0, accepted.output
    crawl(migrated_engine, "emptied", T0 + 2 * WEEK, [])  # nothing open now: complete
    code, output = invoke(migrated_engine, "--as-of", "2026-03-17")
    assert "emptied:" not in output and "listed nothing" not in output, output


def test_status_exits_0_when_every_source_is_tracked(migrated_engine: Engine) -> None:
    crawl(migrated_engine, "steady", T0, ["s1"])
    code, output = invoke(migrated_engine, "--as-of", "2026-03-05")
    assert code == 0, output
    assert "need attention" not in output and "ok" in output
    code, output = invoke(migrated_engine, "--as-of", "2026-03-05", "--stale-after", "1")
    assert code == 4 and "1 of 1 source(s) need attention: steady: no complete crawl for 2 days" \
        in output


def test_status_on_an_empty_database_says_so(migrated_engine: Engine) -> None:
    code, output = invoke(migrated_engine)
    assert (code, output) == (0, "no source crawled yet: `jobtrends crawl` records them")


def test_status_prints_source_names_literally(migrated_engine: Engine) -> None:
    crawl(migrated_engine, "[red]acme[/red]", T0, ["a"])
    code, output = invoke(migrated_engine, "--as-of", "2026-03-03")
    assert code == 0 and "[red]acme[/red]" in output


def test_status_refuses_a_missing_database_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'none.db'}", "sources", "status"])
    assert result.exit_code == 3
    assert not (tmp_path / "none.db").exists()


def test_quiet_status_prints_only_what_needs_attention(history: Engine) -> None:
    code, output = invoke(history, "--quiet", "--as-of", "2026-03-16T10:00:00Z")
    assert code == 4
    assert output.startswith("3 of 4 source(s) need attention: broken: latest crawl incomplete")
    assert "┃" not in output  # no table
    assert "steady" not in output


def test_quiet_status_is_silent_when_all_sources_are_tracked(migrated_engine: Engine) -> None:
    crawl(migrated_engine, "steady", T0, ["s1"])
    assert invoke(migrated_engine, "-q", "--as-of", "2026-03-05") == (0, "")


@pytest.mark.postgres
def test_status_runs_on_a_read_only_postgresql_replica(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    crawl(engine, "steady", T0, ["s1"])
    crawl(engine, "broken", T0, ["b1"], finish="shutdown")
    engine.dispose()
    outputs = []
    for url in (pg_url, read_only_url(pg_url)):
        result = runner.invoke(app, ["--db", url, "sources", "status", "--as-of", "2026-03-03"])
        assert result.exit_code == 4, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert "broken: never crawled completely" in outputs[1]


def retire_cli(engine: Engine, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", engine.url.render_as_string(hide_password=False),
                                 "sources", "retire", *args])
    return result.exit_code, " ".join(result.output.split())


def test_retire_censors_the_open_postings_and_ends_the_attention(history: Engine) -> None:
    """`broken` is no longer crawled: retiring it right-censors its two open postings, and it
    no longer needs attention (nor does `running`, whose unfinished crawl is abandoned)."""
    code, output = retire_cli(history, "broken")
    assert code == 0, output
    assert output == ("retired broken: 2 open posting(s) right-censored at their last sighting "
                      "(last complete crawl 2026-03-09)")
    code, output = retire_cli(history, "running")
    assert code == 0 and output.endswith("(never crawled completely); 1 unfinished crawl "
                                         "run(s) judged incomplete"), output
    health = by_name(history)
    assert (health["broken"].open_postings, health["broken"].retired_at is not None) == (0, True)
    code, output = invoke(history, "--as-of", "2026-03-16T10:00:00Z")
    assert code == 4 and "1 of 4 source(s) need attention: dead:" in output, output
    assert "retired 20" in output  # the status column of the two retired sources
    retire_cli(history, "dead")
    code, output = invoke(history, "--as-of", "2026-03-16T10:00:00Z")
    assert code == 0 and "need attention" not in output, output
    # a latest crawl that failed is no sign of a source no longer crawled: no retire hint
    retire_cli(history, "broken", "--undo")
    code, output = invoke(history, "--as-of", "2026-03-16T10:00:00Z")
    assert code == 4 and "1 of 4 source(s) need attention: broken:" in output, output
    assert "sources retire" not in output
    retire_cli(history, "broken")

    code, output = retire_cli(history, "broken", "--undo")
    assert (code, output) == (0, "reinstated broken: 2 posting(s) open again (last complete "
                                 "crawl 2026-03-09); its next crawl resumes tracking")
    assert by_name(history)["broken"].open_postings == 2


def test_retire_refusals_exit_2_and_print_names_literally(history: Engine) -> None:
    code, output = retire_cli(history, "[b]steady[/b]")
    assert code == 2
    assert "no stored source named '[b]steady[/b]' (stored sources: 'broken', 'dead'" in output
    assert retire_cli(history, "steady", "--undo")[0] == 2
    assert retire_cli(history, "steady")[0] == 0
    code, output = retire_cli(history, "steady")
    assert code == 2 and "'steady' is already retired" in output
