"""Pure normalisers shared by the parsers: dates, text, salary periods, remote status."""

from __future__ import annotations

import html
import math
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import html_text

from crawler.countries import country_code

__all__ = ["as_dict", "parse_datetime", "html_to_text", "unescape_html", "first_text", "to_float",
           "salary_period", "remote_status", "country_code", "clean"]

_ISO_SPACE_ZONE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(UTC|GMT|Z)?$")


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_datetime(value: object) -> datetime | None:
    """Parse a source's date into naive UTC; ``None`` when it cannot be read.

    Accepts ISO 8601 (date only, ``Z``, offsets, fractions), ``2024-01-15 10:00:00 UTC``,
    RFC 2822 (RSS ``pubDate``) and epoch milliseconds/seconds (Lever's ``createdAt``).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value  # ms since epoch vs seconds
        try:
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return parse_datetime(int(text))
    match = _ISO_SPACE_ZONE.match(text)
    if match:
        text = f"{match.group(1)}T{match.group(2)}" + ("+00:00" if match.group(3) else "")
    try:
        return _naive_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _naive_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return None


def unescape_html(markup: str | None) -> str | None:
    """Undo a layer of HTML escaping when the markup arrives escaped (``&lt;p&gt;``)."""
    if markup is None:
        return None
    if "&lt;" in markup and "<" not in markup.replace("&lt;", ""):
        return html.unescape(markup)
    return markup


def html_to_text(markup: str | None) -> str | None:
    """Readable plain text of an HTML fragment (html-text keeps paragraph breaks)."""
    if not markup:
        return None
    if "<" not in markup:
        return clean(html.unescape(markup))
    return html_text.extract_text(markup, guess_layout=True) or None


def as_dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (sources put odd types anywhere)."""
    return value if isinstance(value, dict) else {}


def clean(value: object) -> str | None:
    """A stripped string, or ``None`` for blanks and non-strings; lists give their first text."""
    if isinstance(value, list):
        return first_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def first_text(values: object) -> str | None:
    if isinstance(values, list):
        for value in values:
            text = clean(value)
            if text:
                return text
        return None
    return clean(values)


def to_float(value: object) -> float | None:
    """A number from ``50000``, ``"50000"``, ``"50,000.50"`` or ``"50.000"``; else ``None``
    (also for NaN and infinities, which Python's JSON parser accepts: they are no amount)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"[^\d.,]", "", value)
    if not text:
        return None
    if "," in text and "." in text:
        text = text.replace(",", "") if text.rfind(".") > text.rfind(",") else (
            text.replace(".", "").replace(",", "."))
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = head.replace(",", "") + ("." + tail if len(tail) != 3 else tail)
    elif text.count(".") > 1 or (text.count(".") == 1 and len(text.rpartition(".")[2]) == 3):
        text = text.replace(".", "")
    try:
        return float(text)
    except ValueError:
        return None


_PERIODS = {
    "year": "YEAR", "yearly": "YEAR", "annual": "YEAR", "annually": "YEAR",
    "per-year-salary": "YEAR",
    "1 year": "YEAR", "month": "MONTH", "monthly": "MONTH", "per-month-salary": "MONTH",
    "1 month": "MONTH", "week": "WEEK", "weekly": "WEEK", "per-week-salary": "WEEK",
    "1 week": "WEEK", "day": "DAY", "daily": "DAY", "per-day-wage": "DAY", "1 day": "DAY",
    "hour": "HOUR", "hourly": "HOUR", "per-hour-wage": "HOUR", "1 hour": "HOUR",
}


def salary_period(value: object) -> str | None:
    """schema.org unitText (YEAR, MONTH, WEEK, DAY, HOUR) from a source's period spelling."""
    text = clean(value)
    if text is None:
        return None
    return _PERIODS.get(text.lower().replace("_", " ")) or (
        text.upper() if text.upper() in {"YEAR", "MONTH", "WEEK", "DAY", "HOUR"} else None
    )


_REMOTE = {
    "remote": "remote", "fully": "remote", "fully remote": "remote", "telecommute": "remote",
    "hybrid": "hybrid",
    "on-site": "on-site", "onsite": "on-site", "on site": "on-site", "office": "on-site",
    "none": "on-site", "in office": "on-site", "in-office": "on-site",
}


def remote_status(value: object) -> str | None:
    """``remote`` / ``hybrid`` / ``on-site`` from a source's workplace value; else ``None``."""
    if value is True:
        return "remote"
    text = clean(value)
    if text is None:
        return None
    return _REMOTE.get(text.lower().replace("_", " ").replace("onsite", "on-site"))
