"""`jobtrends enrich-file`, `enrich-evaluate` and `enrich --stale` through the real CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from enrichment import ENRICHMENT_VERSION
from jobtrends.cli import app
from storage import schema
from storage.db import make_engine
from storage.models import Posting, PostingLocation, PostingSkill, Skill, Source

runner = CliRunner()
T0 = datetime(2026, 3, 2, 9, 0)

POSTINGS = [
    {"title": "Senior Machine Learning Engineer", "company": "Acme",
     "description": "<p>Python, PyTorch and <b>k8s</b>. CDI, 5+ years of experience.</p>",
     "location": "Bruxelles", "employment_type": "FULL_TIME"},
    {"title": "Stagiair Data Engineer",
     "description": "Stage van zes maanden bij ons team in Gent. Je werkt met SQL en Python."},
]


def test_enrich_file_round_trip(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("".join(json.dumps(p) + "\n" for p in POSTINGS), encoding="utf-8")
    result = runner.invoke(app, ["enrich-file", str(source), str(out)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2
    first, second = rows
    assert first["title"] == POSTINGS[0]["title"] and first["company"] == "Acme"
    assert first["employment_type"] == "Full-time" and first["employment_type_raw"] == "FULL_TIME"
    assert first["seniority"] == "Mid-Senior level"
    assert first["role_family"] == "ml-engineer"
    assert first["locations"] == [{"city": "Brussels", "region": "Brussels-Capital Region",
                                   "country": "BE", "raw": "Bruxelles"}]
    k8s = next(s for s in first["skills"] if s["name"] == "Kubernetes")
    assert set(k8s) == {"name", "category", "text", "start", "end",
                        "field"}
    assert (k8s["text"], k8s["field"]) == ("k8s", "description")
    assert second["language"] == "nl"
    assert (second["seniority"], second["employment_type"]) == ("Internship", "Internship")
    assert second["locations"][0]["city"] == "Ghent"


def test_enrich_file_stdin_to_stdout() -> None:
    result = runner.invoke(app, ["enrich-file", "-", "-"], input=json.dumps(POSTINGS[1]) + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["role_family"] == "data-engineer"


def test_input_not_in_utf8_names_its_line_and_writes_nothing(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 (a Latin-1 file): refused naming the line, from a file and from
    stdin alike (stdin's own decoding passed them on, and spaCy raised a traceback)."""
    data = b'{"title": "Data Engineer"}\n{"title": "Caf\xe9"}\n'
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(data)
    from_file = runner.invoke(app, ["enrich-file", str(source), str(out)])
    from_stdin = runner.invoke(app, ["enrich-file", "-", "-"], input=data)
    assert from_file.exit_code == from_stdin.exit_code == 2
    # (the file's path, as long as the temporary directory's, may wrap in the terminal)
    file_message = " ".join(from_file.output.split())
    assert "in.jsonl" in file_message and ": line 2: not UTF-8 text (byte 0xe9)" in file_message
    assert "stdin: line 2: not UTF-8 text (byte 0xe9)" in " ".join(from_stdin.output.split())
    assert not out.exists() and "Data Engineer" not in from_stdin.stdout
    # a byte-order mark (as some Windows editors begin a UTF-8 file with) is not a bad byte
    source.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\xe9", b"\xc3\xa9"))
    assert runner.invoke(app, ["enrich-file", str(source), str(out)]).exit_code == 0
    assert [json.loads(line)["title"] for line in out.read_text("utf-8").splitlines()] == \
        ["Data Engineer", "Café"]


def test_broken_surrogate_escapes_come_out_as_replacement_characters() -> None:
    """A lone "\\ud83d" escape is valid JSON but no UTF-8 text: the output line, which carries
    the input's values (unknown keys too), has U+FFFD in its place."""
    line = ('{"title": "Data Engineer \\ud83d", "description": "Python \\udce9", '
            '"tags": ["\\ud800"]}')
    result = runner.invoke(app, ["enrich-file", "-", "-"], input=line + "\n")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout_bytes.decode("utf-8"))  # strictly: no surrogate escaped
    assert (row["title"], row["tags"]) == ("Data Engineer \ufffd", ["\ufffd"])
    assert [s["name"] for s in row["skills"]] == ["Python"]


def test_bad_line_names_its_number_and_writes_nothing(tmp_path: Path) -> None:
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps(POSTINGS[0]) + "\n\n{not json}\n", encoding="utf-8")
    result = runner.invoke(app, ["enrich-file", str(source), str(out)])
    assert result.exit_code == 2
    assert "line 3" in result.output and "not valid JSON" in result.output
    assert not out.exists()
    source.write_text(json.dumps({"description": "no title"}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["enrich-file", str(source), str(out)])
    assert result.exit_code == 2 and "line 1: 'title'" in result.output
    source.write_text(json.dumps({"title": "x", "location": ["Gent"]}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["enrich-file", str(source), str(out)])
    assert result.exit_code == 2 and "'location' must be a string" in result.output
    result = runner.invoke(app, ["enrich-file", str(tmp_path / "missing.jsonl"), str(out)])
    assert result.exit_code == 2 and "cannot read" in result.output


def test_enrich_evaluate_prints_the_table() -> None:
    result = runner.invoke(app, ["enrich-evaluate"])
    assert result.exit_code == 0, result.output
    for metric in ("skills precision", "skills recall", "seniority accuracy", "holdout"):
        assert metric in result.output


def _posting(source: Source, job_id: str, **kw: object) -> Posting:
    return Posting(source_id=source.id, source_job_id=job_id,
                   title_normalized=str(kw["title"]).lower(), first_seen_at=T0,
                   last_seen_at=T0, opened_at=T0, **kw)


def test_enrich_stale_rewrites_only_stale_postings(db_url: str) -> None:
    engine = make_engine(db_url)
    schema.upgrade(engine)
    with Session(engine) as session, session.begin():
        source = Source(name="board", kind="greenhouse", created_at=T0)
        old_skill = Skill(name="COBOL", category="language")
        session.add_all([source, old_skill])
        session.flush()
        stale = _posting(source, "1", title="Data Engineer",
                         description_text="Spark, Airflow and SQL. Vast contract.",
                         location_raw="Antwerpen", enrichment_version="0-old",
                         seniority="Director")
        never = _posting(source, "2", title="Junior Data Analyst",
                         description_text="Power BI en Excel.", location_raw="Gent")
        current = _posting(source, "3", title="Senior Go Developer",
                           description_text="Go and Rust.", enrichment_version=ENRICHMENT_VERSION,
                           seniority="Executive")  # deliberately wrong: must stay untouched
        session.add_all([stale, never, current])
        session.flush()
        stale.locations.append(PostingLocation(city="Nowhere", raw="Antwerpen"))
        session.add(PostingSkill(posting_id=stale.id, skill_id=old_skill.id))
    result = runner.invoke(app, ["--db", db_url, "enrich", "--stale", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "enriched 2 postings in 2 batches" in " ".join(result.output.split())
    with Session(engine) as session:
        rows = {p.source_job_id: p for p in session.scalars(select(Posting))}
        assert rows["1"].enrichment_version == ENRICHMENT_VERSION
        assert (rows["1"].seniority, rows["1"].employment_type, rows["1"].role_family) == \
            (None, "Full-time", "data-engineer")
        assert [loc.city for loc in rows["1"].locations] == ["Antwerp"]
        assert rows["1"].country == "BE"
        skills = set(session.scalars(select(Skill.name).join(PostingSkill).where(
            PostingSkill.posting_id == rows["1"].id)))
        assert skills == {"Apache Spark", "Apache Airflow", "SQL"}
        assert rows["2"].seniority == "Entry level" and rows["2"].enrichment_version
        assert rows["3"].seniority == "Executive"  # already current: not re-enriched
    again = runner.invoke(app, ["--db", db_url, "enrich", "--stale"])
    assert again.exit_code == 0 and "0 postings to enrich" in again.output


def test_enrich_needs_a_selection(sqlite_url: str) -> None:
    result = runner.invoke(app, ["--db", sqlite_url, "enrich"])
    assert result.exit_code == 2 and "--stale" in result.output
