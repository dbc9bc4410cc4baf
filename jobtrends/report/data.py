"""The report as plain data: every number each renderer shows, and nothing a renderer computes.

Strings that came from scraped pages (company names, cities, skills) stay raw here; every renderer
escapes them for its own format.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

MIN_SUPPORT = 20  # fewer roles than this behind a share or a median: flagged as thin


def count_roles(count: int, kind: str = "") -> str:
    """``"1 closed role"``, ``"3 closed roles"`` (``kind``: a word before "role", and a space)."""
    return f"{count} {kind}role{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class ReportFilter:
    country: str | None = None
    role_family: str | None = None
    company: str | None = None

    def describe(self) -> str:
        parts = [
            self.role_family or "all roles",
            f"in {self.country}" if self.country else "in all countries",
        ]
        if self.company:
            parts.append(f"at {self.company}")
        return " ".join(parts)


@dataclass(frozen=True)
class WeekRow:
    week: str  # ISO label, e.g. 2026-W09
    week_start: date
    opened: int
    closed: int
    net: int
    complete_crawls: int
    partial: bool = False  # the window ends inside this week: only its first days are counted

    @property
    def tracked(self) -> bool:
        """False when no complete crawl looked at the market that week: its zeros mean nothing."""
        return self.complete_crawls > 0

    @property
    def comparable(self) -> bool:
        """A whole, observed week: fit to compare with other weeks."""
        return self.tracked and not self.partial


@dataclass(frozen=True)
class WeeklyFlowSection:
    weeks: tuple[WeekRow, ...]
    opened: int
    closed: int
    net: int
    peak_opened: str | None  # week label
    peak_closed: str | None
    untracked_weeks: tuple[str, ...]


@dataclass(frozen=True)
class CompanyRow:
    name: str
    country: str | None
    industry: str | None
    founded_year: int | None
    open_roles: int


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: int
    share: float  # 0..1 of the section's base
    country: str | None = None


@dataclass(frozen=True)
class ShareSection:
    """Shares of roles active in the window. ``base`` roles (known value) stand behind them."""

    dimension: str
    total: int
    base: int
    unknown: int
    rows: tuple[ShareRow, ...]

    @property
    def thin(self) -> bool:
        return self.base < MIN_SUPPORT

    def top(self) -> ShareRow | None:
        return max(self.rows, key=lambda r: r.count, default=None)


@dataclass(frozen=True)
class HistogramRow:
    start_day: int
    end_day: int
    count: int


@dataclass(frozen=True)
class TimeToFillSection:
    median_days: int | None
    p75_days: int | None
    naive_median_days: float | None
    n_closed: int
    n_censored: int
    histogram: tuple[HistogramRow, ...]
    method: str = "kaplan-meier"
    n_untracked: int = 0  # of n_censored: censored when their source was retired

    @property
    def n_roles(self) -> int:
        return self.n_closed + self.n_censored

    @property
    def n_open(self) -> int:
        """Censored roles that are still open (the others' tracking ended)."""
        return self.n_censored - self.n_untracked

    @property
    def thin(self) -> bool:
        return self.n_closed < MIN_SUPPORT

    @property
    def thin_label(self) -> str:
        """The warning's label when :attr:`thin`: "No data" or "Thin data"."""
        return "No data" if self.n_closed == 0 else "Thin data"

    @property
    def thin_detail(self) -> str:
        """What the warning says when :attr:`thin` ("only 1 closed role.")."""
        if self.n_closed == 0:
            return "no role has closed yet."
        return f"only {count_roles(self.n_closed, 'closed ')}."


@dataclass(frozen=True)
class SkillRow:
    skill: str
    category: str | None
    roles: int
    share: float


@dataclass(frozen=True)
class SkillsSection:
    base: int
    rows: tuple[SkillRow, ...]

    @property
    def thin(self) -> bool:
        return self.base < MIN_SUPPORT


@dataclass(frozen=True)
class CountryRow:
    country: str
    open_roles: int
    people: int | None = None  # talent pool (summed over the role families that have one)
    openings_per_person: float | None = None
    pool_open_roles: int | None = None  # open roles of the families the pool covers


@dataclass(frozen=True)
class CountriesSection:
    rows: tuple[CountryRow, ...]
    open_roles: int
    unknown: int

    @property
    def has_talent_pool(self) -> bool:
        return any(r.people for r in self.rows)


@dataclass(frozen=True)
class Learning:
    """A sentence generated from the numbers, with the rule that allowed it."""

    kind: str
    text: str
    rule: str


@dataclass(frozen=True)
class ReportData:
    title: str
    generated_at: datetime
    filter: ReportFilter
    window_start: date
    window_end: date  # inclusive: the date of the latest observation (or the filter's until)
    weeks: int
    weekly_flow: WeeklyFlowSection
    companies: tuple[CompanyRow, ...]
    seniority: ShareSection
    employment_type: ShareSection
    time_to_fill: TimeToFillSection
    cities: ShareSection
    skills: SkillsSection
    countries: CountriesSection
    learnings: tuple[Learning, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """Every number as JSON-ready values (dates as ISO strings)."""
        return _plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportData:
        """Inverse of :meth:`to_dict`."""
        return typing.cast(ReportData, _build(cls, data))


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _build(tp: Any, value: Any) -> Any:
    """Rebuild a value of type ``tp`` from :func:`_plain`'s output."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(inner[0], value)
    if origin is tuple:
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_build(inner, v) for v in value)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _build(hints[f.name], value[f.name])
                     for f in dataclasses.fields(tp) if f.name in value})
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value
