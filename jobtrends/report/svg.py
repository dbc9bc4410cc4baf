"""Inline SVG bar charts: no script, no external asset, every label escaped.

Each function returns :class:`markupsafe.Markup`, so a Jinja2 template with autoescape inserts the
chart as is while labels (which may come from scraped pages) are escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

OPENED = "#2563eb"
CLOSED = "#f97316"
BAR = "#0f766e"
MUTED = "#9ca3af"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    note: str = ""  # text after the bar (e.g. "42% (120)")
    muted: bool = False


def _nice_max(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _open_svg(width: int, height: int, title: str) -> list[str]:
    """The opening tag and accessible title every chart starts with."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT}>',
        f"<title>{escape(title)}</title>",
    ]


def _gridlines(left: int, right: int, top: int, plot_h: float, top_value: float) -> list[str]:
    """Horizontal lines at 0, half and the top of the value axis, each labelled."""
    lines = []
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        lines.append(
            f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(format(top_value * frac, 'g'))}</text>"
        )
    return lines


def horizontal_bars(bars: Sequence[Bar], *, title: str, max_value: float | None = None,
                    width: int = 640, label_width: int = 170) -> Markup:
    """One bar per row, the label on the left and a note on the right."""
    row_h, top = 22, 8
    height = top + row_h * max(len(bars), 1) + 8
    scale_max = max_value or max((b.value for b in bars), default=1.0) or 1.0
    plot_w = width - label_width - 110
    parts = [
        *_open_svg(width, height, title),
    ]
    if not bars:
        parts.append(f'<text x="8" y="{top + 14}" fill="{MUTED}">no data</text>')
    for i, bar in enumerate(bars):
        y = top + i * row_h
        w = max(0.0, bar.value / scale_max) * plot_w
        colour = MUTED if bar.muted else BAR
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(bar.label)}'
            "</text>"
            f'<rect x="{label_width}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + w + 6:.1f}" y="{y + 15}">{escape(bar.note)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def weekly_flow_chart(weeks: Sequence[tuple[str, int, int, bool]], *, title: str,
                      width: int = 720, height: int = 240) -> Markup:
    """Grouped bars of (week label, opened, closed, tracked); untracked weeks are greyed out.

    A label may carry a note in parentheses ("2026-W13 (partial)"), shown under the week.
    """
    left, bottom, top = 36, 34, 22
    plot_h = height - top - bottom
    plot_w = width - left - 10
    top_value = _nice_max(max((max(o, c) for _, o, c, _ in weeks), default=1))
    slot = plot_w / max(len(weeks), 1)
    bar_w = max(2.0, slot * 0.36)
    parts = [
        *_open_svg(width, height, title),
        f'<rect x="{left}" y="6" width="10" height="10" fill="{OPENED}"/>'
        f'<text x="{left + 14}" y="15">opened</text>'
        f'<rect x="{left + 70}" y="6" width="10" height="10" fill="{CLOSED}"/>'
        f'<text x="{left + 84}" y="15">closed</text>',
    ]
    parts.extend(_gridlines(left, width - 10, top, plot_h, top_value))
    for i, (label, opened, closed, tracked) in enumerate(weeks):
        x = left + i * slot + slot * 0.14
        for j, (value, colour) in enumerate(((opened, OPENED), (closed, CLOSED))):
            h = plot_h * value / top_value
            fill = colour if tracked else MUTED
            parts.append(
                f'<rect x="{x + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{fill}"><title>{escape(label)}: {escape(str(value))} '
                f'{"opened" if j == 0 else "closed"}</title></rect>'
            )
        week, _, note = label.partition(" (")
        parts.append(
            f'<text x="{x + bar_w:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
            f"{escape(week.split('-')[-1])}</text>"
        )
        note = "no crawl" if not tracked else note.rstrip(")")
        if note:
            parts.append(
                f'<text x="{x + bar_w:.1f}" y="{height - bottom + 26}" text-anchor="middle" '
                f'fill="{MUTED}">{escape(note)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def histogram_chart(bins: Sequence[tuple[int, int, int]], *, title: str,
                    width: int = 720, height: int = 220) -> Markup:
    """Vertical bars of (start day, end day, count)."""
    left, bottom, top = 36, 30, 10
    plot_h = height - top - bottom
    plot_w = width - left - 10
    top_value = _nice_max(max((c for _, _, c in bins), default=1))
    slot = plot_w / max(len(bins), 1)
    parts = [
        *_open_svg(width, height, title),
    ]
    if not bins:
        parts.append(f'<text x="{left}" y="{top + 20}" fill="{MUTED}">no closed roles yet</text>')
    parts.extend(_gridlines(left, width - 10, top, plot_h, top_value))
    for i, (start, end, count) in enumerate(bins):
        h = plot_h * count / top_value
        x = left + i * slot + 1
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{max(1.0, slot - 2):.1f}" '
            f'height="{h:.1f}" fill="{BAR}"><title>{start}-{end} days: {count}</title></rect>'
        )
        if len(bins) <= 16 or i % 2 == 0:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" '
                f'text-anchor="middle">{start}</text>'
            )
    parts.append(
        f'<text x="{width - 10}" y="{height - 2}" text-anchor="end" fill="{MUTED}">'
        "days from opening to closing (5-day bins)</text></svg>"
    )
    return Markup("".join(parts))
