"""The Markdown report: tables for pasting into docs, scraped strings escaped."""

from __future__ import annotations

import re

from jobtrends.report.data import ReportData, ShareSection

_MARKUP = re.compile(r"([\\`*_\[\]|~])")


def md_escape(text: object) -> str:
    """Text safe inside a Markdown table cell: no markup, no HTML, no line breaks."""
    value = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = " ".join(value.split())
    return _MARKUP.sub(r"\\\1", value)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return out


def _shares(title: str, section: ShareSection, limit: int | None = None) -> list[str]:
    rows = section.rows[:limit] if limit else section.rows
    lines = [f"## {title}", ""]
    lines += _table(
        ["value", "roles", "share"],
        [[f"{r.label} ({r.country})" if r.country else r.label, r.count, _pct(r.share)]
         for r in rows],
    )
    lines += ["", f"Base: {section.base} roles with a known value ({section.unknown} unknown)."]
    if section.thin:
        lines.append("**Thin data:** fewer than 20 roles behind these shares.")
    return lines + [""]


def render_markdown(report: ReportData) -> str:
    """The report as GitHub-flavoured Markdown."""
    flow, ttf = report.weekly_flow, report.time_to_fill
    lines = [
        f"# {md_escape(report.title)}",
        "",
        f"{md_escape(report.filter.describe())}; {report.weeks} ISO weeks from "
        f"{report.window_start.isoformat()} to {report.window_end.isoformat()}; generated "
        f"{report.generated_at.isoformat()} UTC.",
        "",
        "## Key learnings",
        "",
    ]
    lines += [f"- {md_escape(lr.text)}" for lr in report.learnings] or [
        "- The numbers are too thin for any statement yet."]
    for warning in report.warnings:  # one blockquote each: adjacent ones would merge
        lines += ["", f"> **Warning:** {md_escape(warning)}"]
    lines += ["", "## Weekly flow", ""]
    lines += _table(
        ["ISO week", "opened", "closed", "net", "complete crawls"],
        [[w.week + (" (peak)" if w.week == flow.peak_opened else "")
          + (f" (partial: to {report.window_end.isoformat()})" if w.partial else ""),
          w.opened, w.closed,
          f"{w.net:+d}", w.complete_crawls if w.tracked else "none: not observed"]
         for w in flow.weeks],
    )
    lines += ["", f"Total: {flow.opened} opened, {flow.closed} closed, net {flow.net:+d}. "
              f"Peak week for openings: {flow.peak_opened or 'none'}; for closings: "
              f"{flow.peak_closed or 'none'}.", "", "## Who is hiring", ""]
    lines += _table(
        ["company", "country", "industry", "founded", "open roles"],
        [[c.name, c.country or "-", c.industry or "-", c.founded_year or "-", c.open_roles]
         for c in report.companies],
    )
    lines += [""]
    lines += _shares("Seniority", report.seniority)
    lines += _shares("Employment type", report.employment_type)
    lines += ["## Time to fill", ""]
    untracked = ["no longer tracked"] if ttf.n_untracked else []
    lines += _table(
        ["median days (Kaplan-Meier)", "75th percentile", "closed roles", "still open",
         *untracked],
        [[ttf.median_days if ttf.median_days is not None else "not reached",
          ttf.p75_days if ttf.p75_days is not None else "not reached", ttf.n_closed,
          ttf.n_open, *([ttf.n_untracked] if untracked else [])]],
    )
    lines += ["", "Roles already open when tracking began are left out: their opening was not "
              "seen.", "", "Histogram of closed roles (5-day bins):", ""]
    lines += _table(["days", "closed roles"],
                    [[f"{b.start_day}-{b.end_day}", b.count] for b in ttf.histogram])
    if ttf.thin:
        lines += ["", f"**{ttf.thin_label}:** {ttf.thin_detail}"]
    lines += [""]
    lines += _shares("Locations", report.cities, 20)
    lines += ["## Technologies", ""]
    lines += _table(["technology", "roles", "share"],
                    [[s.skill, s.roles, _pct(s.share)] for s in report.skills.rows])
    lines += ["", f"Base: {report.skills.base} active roles.", "", "## Across countries", ""]
    lines += _table(
        ["country", "open roles", "talent pool", "openings per 1,000 people"],
        [[c.country, c.open_roles, c.people or "-",
          f"{1000 * c.openings_per_person:.2f}" if c.openings_per_person is not None else "-"]
         for c in report.countries.rows],
    )
    return "\n".join(lines) + "\n"
