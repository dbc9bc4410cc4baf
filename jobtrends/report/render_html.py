"""The HTML report: one self-contained file, inline SVG charts, every scraped string escaped."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from jobtrends.report import svg
from jobtrends.report.data import ReportData, ShareSection


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("jobtrends.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _share_bars(section: ShareSection, limit: int | None = None) -> list[svg.Bar]:
    rows = section.rows[:limit] if limit else section.rows
    bars = []
    for row in rows:
        label = f"{row.label} ({row.country})" if row.country else row.label
        bars.append(svg.Bar(label, row.share, f"{round(100 * row.share)}% ({row.count})",
                            muted=section.thin))
    return bars


def _share_scale(section: ShareSection) -> float:
    """Bars scaled to the largest share (not to 100%), so small shares stay readable."""
    top = max((r.share for r in section.rows), default=0.0)
    return min(1.0, top * 1.15) if top else 1.0


def charts(report: ReportData) -> dict[str, Markup]:
    """Every chart of the report as inline SVG."""
    flow = report.weekly_flow
    top_company = max((c.open_roles for c in report.companies), default=1)
    top_country = max((c.open_roles for c in report.countries.rows), default=1)
    return {
        "weekly": svg.weekly_flow_chart(
            [(w.week + (" (partial)" if w.partial else ""), w.opened, w.closed, w.tracked)
             for w in flow.weeks],
            title="Roles opened and closed per ISO week"),
        "companies": svg.horizontal_bars(
            [svg.Bar(c.name, c.open_roles, str(c.open_roles)) for c in report.companies],
            title="Open roles per company", max_value=top_company),
        "seniority": svg.horizontal_bars(_share_bars(report.seniority), title="Seniority shares",
                                         max_value=_share_scale(report.seniority), width=440,
                                         label_width=130),
        "employment": svg.horizontal_bars(_share_bars(report.employment_type),
                                          title="Employment type shares",
                                          max_value=_share_scale(report.employment_type),
                                          width=440, label_width=130),
        "histogram": svg.histogram_chart(
            [(b.start_day, b.end_day, b.count) for b in report.time_to_fill.histogram],
            title="Time to fill of closed roles, 5-day bins"),
        "cities": svg.horizontal_bars(_share_bars(report.cities, 15), title="City shares",
                                      max_value=_share_scale(report.cities)),
        "skills": svg.horizontal_bars(
            [svg.Bar(s.skill, s.share, f"{round(100 * s.share)}% ({s.roles})",
                     muted=report.skills.thin) for s in report.skills.rows],
            title="Technologies asked for",
            max_value=min(1.0, 1.15 * max((s.share for s in report.skills.rows), default=0.87))),
        "countries": svg.horizontal_bars(
            [svg.Bar(c.country, c.open_roles, str(c.open_roles)) for c in report.countries.rows],
            title="Open roles per country", max_value=top_country),
    }


def render_html(report: ReportData) -> str:
    """The report as one HTML document with no external assets."""
    template = _environment().get_template("report.html.j2")
    return template.render(r=report, charts=charts(report))
