"""A hand-made :class:`ReportData` for renderer previews and tests (no database needed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from jobtrends.report.data import (
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
)
from jobtrends.report.learnings import key_learnings

HOSTILE = "<script>alert(1)</script>"


def _section(dimension: str, counts: dict[str, int], unknown: int = 0,
             countries: dict[str, str] | None = None) -> ShareSection:
    base = sum(counts.values())
    rows = tuple(ShareRow(k, v, v / base if base else 0.0, (countries or {}).get(k))
                 for k, v in counts.items())
    return ShareSection(dimension, base + unknown, base, unknown, rows)


def sample_report(*, scale: int = 1, hostile: bool = False,
                  untracked_week: int | None = 5) -> ReportData:
    """A plausible twelve-week report; ``scale`` multiplies the counts (0 gives an empty one).

    ``hostile`` puts markup in scraped strings (company, city, skill); ``untracked_week`` is the
    index of a week with no complete crawl.
    """
    start = date(2026, 1, 5)
    opened = [12, 14, 13, 15, 18, 0, 17, 19, 40, 21, 22, 24]
    closed = [3, 8, 10, 9, 12, 0, 14, 13, 15, 16, 12, 18]
    weeks = []
    for i in range(12):
        tracked = i != untracked_week
        o, c = (opened[i] * scale, closed[i] * scale) if tracked else (0, 0)
        d = start + timedelta(weeks=i)
        iso = d.isocalendar()
        weeks.append(WeekRow(f"{iso.year}-W{iso.week:02d}", d, o, c, o - c,
                             3 if tracked else 0))
    flow = WeeklyFlowSection(
        weeks=tuple(weeks),
        opened=sum(w.opened for w in weeks),
        closed=sum(w.closed for w in weeks),
        net=sum(w.net for w in weeks),
        peak_opened=max(weeks, key=lambda w: w.opened).week if scale else None,
        peak_closed=max(weeks, key=lambda w: w.closed).week if scale else None,
        untracked_weeks=tuple(w.week for w in weeks if not w.tracked),
    )
    company = HOSTILE if hostile else "Brightlane NV"
    city = HOSTILE if hostile else "Brussels"
    skill = HOSTILE if hostile else "Python"
    seniority = _section("seniority", {
        "Internship": 8 * scale, "Entry level": 18 * scale, "Associate": 15 * scale,
        "Mid-Senior level": 52 * scale, "Director": 5 * scale, "Executive": 0}, unknown=2 * scale)
    employment = _section("employment_type", {
        "Full-time": 80 * scale, "Part-time": 5 * scale, "Contract": 9 * scale,
        "Temporary": 4 * scale, "Internship": 8 * scale})
    cities = _section("city", {city: 30 * scale, "Antwerp": 16 * scale, "Gent": 12 * scale,
                               "Amsterdam": 20 * scale, "Berlin": 10 * scale},
                      countries={city: "BE", "Antwerp": "BE", "Gent": "BE",
                                 "Amsterdam": "NL", "Berlin": "DE"})
    base = 100 * scale
    skills = SkillsSection(base, tuple(
        SkillRow(name, cat, n * scale, n / 100)
        for name, cat, n in ((skill, "language", 64), ("SQL", "language", 51),
                             ("PyTorch", "framework", 30), ("Kubernetes", "platform", 22))
    ) if scale else ())
    ttf = TimeToFillSection(
        median_days=34 if scale else None, p75_days=52 if scale else None,
        naive_median_days=29.5 if scale else None, n_closed=60 * scale,
        n_censored=45 * scale,
        histogram=tuple(HistogramRow(5 * i, 5 * i + 5, n * scale)
                        for i, n in enumerate([0, 2, 5, 8, 10, 9, 8, 7, 5, 3, 2, 1])),
    )
    countries = CountriesSection(
        (CountryRow("BE", 40 * scale, 2500, 40 * scale / 2500, 40 * scale),
         CountryRow("NL", 25 * scale, 6000, 25 * scale / 6000, 25 * scale),
         CountryRow("DE", 12 * scale)),
        open_roles=77 * scale, unknown=0)
    companies = tuple(
        CompanyRow(name, country, industry, year, n * scale)
        for name, country, industry, year, n in (
            (company, "BE", HOSTILE if hostile else "Software Development", 2012, 14),
            ("Datakern B.V.", "NL", "Financial Services", 2004, 9),
            ("Nordwave GmbH", "DE", None, None, 6),
        )
    ) if scale else ()
    return ReportData(
        title="Hiring trends: all roles in all countries",
        generated_at=datetime(2026, 3, 30, 10, 0),
        filter=ReportFilter(),
        window_start=start,
        window_end=start + timedelta(weeks=12) - timedelta(days=1),
        weeks=12,
        weekly_flow=flow,
        companies=companies,
        seniority=seniority,
        employment_type=employment,
        time_to_fill=ttf,
        cities=cities,
        skills=skills,
        countries=countries,
        learnings=key_learnings(flow, seniority, cities, ttf, skills, countries),
        warnings=tuple(f"No complete crawl in {w}." for w in flow.untracked_weeks),
    )
