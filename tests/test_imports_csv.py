"""CSV imports: good files land, a bad line names itself and nothing is half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from jobtrends.cli import app
from jobtrends.imports import CSVImportError, import_companies, import_talent_pools
from storage.db import make_engine
from storage.models import Company, TalentPool
from storage.schema import upgrade


@pytest.fixture
def session(db_url: str):
    engine = make_engine(db_url)
    upgrade(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def _write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_companies_match_on_normalized_name(session: Session, tmp_path: Path) -> None:
    session.add(Company(name="Brightlane NV", normalized_name="brightlane"))
    session.commit()
    path = _write(tmp_path, "name,country,industry,founded_year,website\n"
                            "BRIGHTLANE,be,Software Development,2012,https://brightlane.example\n"
                            "Datakern B.V.,NL,Financial Services,,\n")
    stats = import_companies(session, path)
    assert (stats.created, stats.updated) == (1, 1)
    rows = {c.normalized_name: c for c in session.scalars(select(Company))}
    assert rows["brightlane"].name == "Brightlane NV"  # the crawled spelling is kept
    assert (rows["brightlane"].country, rows["brightlane"].founded_year) == ("BE", 2012)
    assert rows["datakern"].industry == "Financial Services"
    assert rows["datakern"].founded_year is None


@pytest.mark.parametrize(("body", "message"), [
    ("Acme,BE,Software,1999,\nBeta,Belgium,Software,1999,\n", ":3: country 'Belgium'"),
    ("Acme,BE,Software,nineteen,\n", ":2: founded_year 'nineteen'"),
    ("Acme,BE,Software,1999,ftp://acme\n", ":2: website 'ftp://acme'"),
    ("Acme,BE,,,\nACME SA,BE,,,\n", ":3: company 'ACME SA' is the same company as line 2"),
    (",BE,,,\n", ":2: company name '' is empty"),
])
def test_bad_company_line_writes_nothing(session: Session, tmp_path: Path, body: str,
                                         message: str) -> None:
    path = _write(tmp_path, "name,country,industry,founded_year,website\n" + body)
    with pytest.raises(CSVImportError, match=message.replace("(", r"\(")):
        import_companies(session, path)
    assert session.scalars(select(Company)).all() == []


@pytest.mark.parametrize(("data", "message"), [
    # a spreadsheet's Latin-1 export: the byte's own line, though the reader decodes ahead
    ("name,country\nAcme,BE\nCafé SA,FR\n".encode("latin-1"), ":3: not UTF-8 text (byte 0xe9)"),
    (b"\xef\xbb\xbfname,country\n\nCaf\xe9 SA,FR\n", ":3: not UTF-8 text (byte 0xe9)"),  # BOM
    (b"\xff\xfen\x00a\x00m\x00e\x00", ":1: not UTF-8 text (byte 0xff)"),  # UTF-16: the header
])
def test_a_file_not_in_utf8_names_its_line_and_writes_nothing(
        session: Session, tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    with pytest.raises(CSVImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_companies(session, path)
    assert session.scalars(select(Company)).all() == []


def test_missing_column_is_named(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "country,people\nBE,10\n")
    with pytest.raises(CSVImportError, match=r"in.csv:1: missing column\(s\) role_family"):
        import_talent_pools(session, path)


def test_talent_pool_create_then_replace(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path, "country,role_family,people\n"
                            "BE,ml-engineer,2500\nNL,ml-engineer,6000\n")
    assert import_talent_pools(session, path).created == 2
    path = _write(tmp_path, "country,role_family,people\nBE,ml-engineer,2600\n")
    stats = import_talent_pools(session, path)
    assert (stats.created, stats.updated) == (0, 1)
    pools = {(p.country, p.role_family): p.people for p in session.scalars(select(TalentPool))}
    assert pools == {("BE", "ml-engineer"): 2600, ("NL", "ml-engineer"): 6000}


@pytest.mark.parametrize(("line", "message"), [
    ("BE,ml-engineer,-5", ":3: people '-5'"),
    ("BE,ML Engineer,5", ":3: role_family 'ML Engineer'"),
    ("BE,data-scientist,5", ":3: BE/data-scientist already given on line 2"),
    ("BE,ml-engineer,5,extra", ":3: more fields"),
])
def test_bad_talent_pool_line_writes_nothing(session: Session, tmp_path: Path, line: str,
                                             message: str) -> None:
    path = _write(tmp_path, f"country,role_family,people\nBE,data-scientist,100\n{line}\n")
    with pytest.raises(CSVImportError, match=message):
        import_talent_pools(session, path)
    assert session.scalars(select(TalentPool)).all() == []


def test_cli_import_exit_codes(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["--db", sqlite_url, "db", "upgrade"]).exit_code == 0
    good = _write(tmp_path, "country,role_family,people\nBE,ml-engineer,2500\n", "good.csv")
    result = runner.invoke(app, ["--db", sqlite_url, "import", "talent-pool", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    bad = _write(tmp_path, "name,country\nAcme,Belgium\n", "bad.csv")
    result = runner.invoke(app, ["--db", sqlite_url, "import", "companies", str(bad)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())  # rich wraps long lines
    assert "bad.csv:2: country 'Belgium'" in output
    assert "nothing was imported" in output
    missing = runner.invoke(app, ["--db", sqlite_url, "import", "companies",
                                  str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
