"""CSV imports of what crawls cannot see: company metadata and talent-pool counts.

A file is validated completely before anything is written, and written in one transaction, so a
bad line leaves the database as it was. Errors name the file, the line and the value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobtrends.textfile import NotUTF8Error, decode_utf8
from storage.companies import normalize_company_name
from storage.models import Company, TalentPool

COMPANY_COLUMNS = ("name", "country", "industry", "founded_year", "website")
TALENT_POOL_COLUMNS = ("country", "role_family", "people")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_ROLE_FAMILY = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CSVImportError(ValueError):
    """A CSV file cannot be imported; the message names the file, line and value."""


@dataclass(frozen=True)
class ImportStats:
    created: int
    updated: int

    @property
    def rows(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True)
class CompanyRow:
    line: int
    name: str
    normalized_name: str
    country: str | None
    industry: str | None
    founded_year: int | None
    website: str | None


@dataclass(frozen=True)
class TalentPoolRow:
    line: int
    country: str
    role_family: str
    people: int


def _rows(path: Path, required: tuple[str, ...],
          optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        text = decode_utf8(path.read_bytes())
    except OSError as exc:
        raise CSVImportError(f"{path}: cannot read: {exc.strerror}") from None
    except NotUTF8Error as exc:
        raise CSVImportError(f"{path}:{exc.line}: not UTF-8 text (byte {exc.byte:#04x}); save "
                             "the file as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        raise CSVImportError(f"{path}:1: not valid CSV: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise CSVImportError(
            f"{path}:1: missing column(s) {', '.join(missing)}; the header must be "
            f"{','.join(required + optional)}"
        )
    reader.fieldnames = header
    try:
        for record in reader:
            if None in record:
                raise CSVImportError(
                    f"{path}:{reader.line_num}: more fields than the header's {len(header)}")
            values = {k: (v or "").strip() for k, v in record.items()}
            if any(values.values()):
                yield reader.line_num, values
    except csv.Error as exc:
        raise CSVImportError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None


def _country(path: Path, line: int, value: str, *, required: bool) -> str | None:
    if not value:
        if required:
            raise CSVImportError(f"{path}:{line}: country is empty; use an ISO code like BE")
        return None
    code = value.upper()
    if not _COUNTRY.match(code):
        raise CSVImportError(
            f"{path}:{line}: country {value!r} is not an ISO 3166-1 alpha-2 code (e.g. BE, NL)")
    return code


def read_companies(path: Path) -> list[CompanyRow]:
    """Parse and validate a companies CSV (``name,country,industry,founded_year,website``)."""
    rows: list[CompanyRow] = []
    seen: dict[str, int] = {}
    this_year = datetime.now(UTC).year
    for line, v in _rows(path, ("name",), COMPANY_COLUMNS[1:]):
        name = v.get("name", "")
        normalized = normalize_company_name(name)
        if not normalized:
            raise CSVImportError(f"{path}:{line}: company name {name!r} is empty")
        if normalized in seen:
            raise CSVImportError(
                f"{path}:{line}: company {name!r} is the same company as line {seen[normalized]}")
        seen[normalized] = line
        year: int | None = None
        if v.get("founded_year"):
            try:
                year = int(v["founded_year"])
            except ValueError:
                year = -1
            if not 1600 <= year <= this_year:
                raise CSVImportError(
                    f"{path}:{line}: founded_year {v['founded_year']!r} is not a year between "
                    f"1600 and {this_year}")
        website = v.get("website") or None
        if website:
            parts = urlsplit(website)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise CSVImportError(
                    f"{path}:{line}: website {website!r} is not an http(s) URL")
        rows.append(CompanyRow(line, name, normalized,
                               _country(path, line, v.get("country", ""), required=False),
                               v.get("industry") or None, year, website))
    return rows


def read_talent_pools(path: Path) -> list[TalentPoolRow]:
    """Parse and validate a talent-pool CSV (``country,role_family,people``)."""
    rows: list[TalentPoolRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, v in _rows(path, TALENT_POOL_COLUMNS):
        country = _country(path, line, v["country"], required=True)
        assert country is not None
        family = v["role_family"].lower()
        if not _ROLE_FAMILY.match(family):
            raise CSVImportError(
                f"{path}:{line}: role_family {v['role_family']!r} is not a role-family key "
                "such as ml-engineer")
        try:
            people = int(v["people"].replace("_", "").replace(",", ""))
        except ValueError:
            people = -1
        if people <= 0:
            raise CSVImportError(
                f"{path}:{line}: people {v['people']!r} is not a positive whole number")
        if (country, family) in seen:
            raise CSVImportError(
                f"{path}:{line}: {country}/{family} already given on line {seen[country, family]}")
        seen[country, family] = line
        rows.append(TalentPoolRow(line, country, family, people))
    return rows


def _in_transaction(session: Session, write: Callable[[], ImportStats]) -> ImportStats:
    try:
        stats = write()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return stats


def import_companies(session: Session, path: Path) -> ImportStats:
    """Create or update companies from ``path``, matched on their normalized name."""
    rows = read_companies(path)

    def write() -> ImportStats:
        existing = {
            c.normalized_name: c
            for c in session.scalars(select(Company).where(
                Company.normalized_name.in_([r.normalized_name for r in rows])))
        }
        created = updated = 0
        for r in rows:
            company = existing.get(r.normalized_name)
            if company is None:
                session.add(Company(name=r.name, normalized_name=r.normalized_name,
                                    country=r.country, industry=r.industry,
                                    founded_year=r.founded_year, website=r.website))
                created += 1
                continue
            # a blank cell keeps what is stored: the file adds knowledge, it does not erase it
            company.country = r.country or company.country
            company.industry = r.industry or company.industry
            company.founded_year = r.founded_year or company.founded_year
            company.website = r.website or company.website
            updated += 1
        session.flush()
        return ImportStats(created, updated)

    return _in_transaction(session, write)


def import_talent_pools(session: Session, path: Path) -> ImportStats:
    """Create or replace talent-pool counts from ``path`` (one per country and role family)."""
    rows = read_talent_pools(path)
    as_of = datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def write() -> ImportStats:
        existing = {(p.country, p.role_family): p for p in session.scalars(select(TalentPool))}
        created = updated = 0
        for r in rows:
            pool = existing.get((r.country, r.role_family))
            if pool is None:
                session.add(TalentPool(country=r.country, role_family=r.role_family,
                                       people=r.people, as_of=as_of))
                created += 1
            else:
                pool.people, pool.as_of = r.people, as_of
                updated += 1
        session.flush()
        return ImportStats(created, updated)

    return _in_transaction(session, write)
