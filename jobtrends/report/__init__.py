"""The hiring-trends report: data assembled from the trend queries, rendered as HTML/Markdown/JSON.

>>> data = build_report(session, TrendFilter(country="BE"), weeks=12)
>>> html = render(data, "html")
"""

from __future__ import annotations

from collections.abc import Callable

from jobtrends.report.build import build_report
from jobtrends.report.data import ReportData
from jobtrends.report.render_html import render_html
from jobtrends.report.render_json import render_json
from jobtrends.report.render_markdown import render_markdown

RENDERERS: dict[str, Callable[[ReportData], str]] = {
    "html": render_html,
    "md": render_markdown,
    "json": render_json,
}


def render(report: ReportData, fmt: str) -> str:
    """Render ``report`` as ``html``, ``md`` or ``json``."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown report format {fmt!r}; use one of {', '.join(RENDERERS)}"
        ) from None
    return renderer(report)


__all__ = ["RENDERERS", "ReportData", "build_report", "render", "render_html", "render_json",
           "render_markdown"]
