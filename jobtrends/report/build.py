"""Assemble a :class:`ReportData` from the trend queries of :mod:`storage.trends`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from jobtrends.report.data import (
    MIN_SUPPORT,
    CompanyRow,
    CountriesSection,
    CountryRow,
    HistogramRow,
    ReportData,
    ReportFilter,
    ShareRow,
    ShareSection,
    SkillRow,
    SkillsSection,
    TimeToFillSection,
    WeeklyFlowSection,
    WeekRow,
    count_roles,
)
from jobtrends.report.learnings import key_learnings
from storage import trends
from storage.models import TalentPool

# LinkedIn's levels and the employment types, in reading order; every one is shown, even at 0%
SENIORITY_ORDER = ("Internship", "Entry level", "Associate", "Mid-Senior level", "Director",
                   "Executive")
EMPLOYMENT_ORDER = ("Full-time", "Part-time", "Contract", "Temporary", "Internship")


def _weekly(flow: trends.WeeklyFlow, last_day: date) -> WeeklyFlowSection:
    weeks = tuple(
        WeekRow(w.week, w.week_start, w.opened, w.closed, w.net, w.complete_crawls,
                partial=w.week_start + timedelta(days=6) > last_day)
        for w in flow.weeks
    )
    peak_opened, peak_closed = flow.peak_opened, flow.peak_closed
    return WeeklyFlowSection(
        weeks=weeks,
        opened=flow.opened,
        closed=flow.closed,
        net=flow.opened - flow.closed,
        peak_opened=peak_opened.week if peak_opened else None,
        peak_closed=peak_closed.week if peak_closed else None,
        untracked_weeks=tuple(w.week for w in weeks if not w.tracked),
    )


def _shares(table: trends.ShareTable, order: tuple[str, ...] = ()) -> ShareSection:
    rows = [ShareRow(s.value, s.count, s.share, s.country) for s in table.shares]
    if order:
        present = {r.label for r in rows}
        rows += [ShareRow(label, 0, 0.0) for label in order if label not in present]
        rank = {label: i for i, label in enumerate(order)}
        rows.sort(key=lambda r: (rank.get(r.label, len(order)), -r.count, r.label))
    return ShareSection(table.dimension, table.total, table.base, table.unknown, tuple(rows))


def _time_to_fill(ttf: trends.TimeToFill) -> TimeToFillSection:
    return TimeToFillSection(
        median_days=ttf.median_days,
        p75_days=ttf.p75_days,
        naive_median_days=ttf.naive_median_days,
        n_closed=ttf.n_closed,
        n_censored=ttf.n_censored,
        histogram=tuple(HistogramRow(b.start_day, b.end_day, b.count) for b in ttf.histogram),
        method=ttf.method,
        n_untracked=ttf.n_untracked,
    )


def _countries(session: Session, flt: trends.TrendFilter, weeks: int,
               summary: trends.OpenByCountry) -> CountriesSection:
    """Open roles per country, with openings per person where talent pools are loaded.

    With a role family in the filter the trend query pairs it with its pool. Without one, a
    country's pool is the sum over the role families that have a pool there, compared with the
    open roles of those same families only.
    """
    rows = {c.country: CountryRow(c.country, c.open_roles, c.people, c.openings_per_person,
                                  c.open_roles if c.people else None)
            for c in summary.countries}
    if flt.role_family is None:
        pools: dict[str, tuple[int, int]] = {}
        families = {f for (f,) in session.query(TalentPool.role_family).distinct()}
        for family in sorted(families):
            try:
                per_family = trends.open_by_country(
                    session, trends.TrendFilter(flt.country, family, flt.company, flt.since,
                                                flt.until), weeks)
            except trends.InvalidFilterError:
                continue  # a pool for a family no stored posting has
            for c in per_family.countries:
                if c.people:
                    people, open_roles = pools.get(c.country, (0, 0))
                    pools[c.country] = (people + c.people, open_roles + c.open_roles)
        for country, (people, open_roles) in pools.items():
            row = rows.get(country)
            if row is not None:
                rows[country] = CountryRow(country, row.open_roles, people, open_roles / people,
                                           open_roles)
    ordered = sorted(rows.values(), key=lambda r: (-r.open_roles, r.country))
    return CountriesSection(tuple(ordered), summary.open_roles, summary.unknown)


def _warnings(data_weekly: WeeklyFlowSection, sections: dict[str, int],
              ttf: TimeToFillSection) -> tuple[str, ...]:
    out = []
    if data_weekly.untracked_weeks:
        out.append("No complete crawl in " + ", ".join(data_weekly.untracked_weeks)
                   + ": those weeks were not observed, their zeros are not measurements.")
    for name, base in sections.items():
        if base == 0:
            out.append(f"No data: no role stands behind the {name} shares.")
        elif base < MIN_SUPPORT:
            out.append(f"Thin data: only {count_roles(base)} stand{'s' if base == 1 else ''} "
                       f"behind the {name} shares.")
    if ttf.thin:
        out.append("No data: no role has closed yet, so time to fill is not measured."
                   if ttf.n_closed == 0 else
                   f"Thin data: time to fill rests on {ttf.thin_detail}")
    return tuple(out)


def build_report(session: Session, flt: trends.TrendFilter, weeks: int = 12,
                 *, title: str | None = None, now: datetime | None = None) -> ReportData:
    """Every report section for ``flt`` over ``weeks`` ISO weeks up to the latest observation.

    Raises :class:`storage.trends.InvalidFilterError` for unknown filter values.
    """
    summary = trends.trend_summary(session, flt, weeks, skills_limit=15, companies_limit=10)
    window = summary.window
    last_day = window.end.date() - timedelta(days=1)
    weekly = _weekly(summary.weekly_flow, last_day)
    seniority = _shares(summary.seniority, SENIORITY_ORDER)
    employment = _shares(summary.employment_type, EMPLOYMENT_ORDER)
    cities = _shares(summary.cities)
    skills = SkillsSection(summary.skills.base, tuple(
        SkillRow(s.skill, s.category, s.roles, s.share) for s in summary.skills.skills))
    ttf = _time_to_fill(summary.time_to_fill)
    countries = _countries(session, flt, weeks, summary.open_by_country)
    companies = tuple(
        CompanyRow(c.company, c.country, c.industry, c.founded_year, c.open_roles)
        for c in summary.top_companies
    )
    # shown as the trend queries matched them ("be" is BE)
    rfilter = ReportFilter(flt.country.strip().upper() if flt.country else None,
                           flt.role_family.strip().lower() if flt.role_family else None,
                           flt.company)
    return ReportData(
        title=title or f"Hiring trends: {rfilter.describe()}",
        generated_at=(now or datetime.now(UTC).replace(tzinfo=None)).replace(microsecond=0),
        filter=rfilter,
        window_start=window.first_week_start,
        window_end=last_day,
        weeks=window.week_count,
        weekly_flow=weekly,
        companies=companies,
        seniority=seniority,
        employment_type=employment,
        time_to_fill=ttf,
        cities=cities,
        skills=skills,
        countries=countries,
        learnings=key_learnings(weekly, seniority, cities, ttf, skills, countries),
        warnings=_warnings(weekly, {"seniority": seniority.base,
                                    "employment type": employment.base,
                                    "city": cities.base, "technology": skills.base}, ttf),
    )
