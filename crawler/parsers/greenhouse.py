"""Greenhouse job board API: ``GET /v1/boards/{board}/jobs?content=true``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.items import JobPostingItem
from crawler.normalize import clean, html_to_text, parse_datetime, unescape_html
from crawler.parsers import ParseContext, PayloadError
from crawler.urls import canonical_url


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"greenhouse: response is not JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
        raise PayloadError("greenhouse: response has no 'jobs' list")
    return data


def parse_jobs(body: bytes, ctx: ParseContext) -> Iterator[JobPostingItem]:
    """Every posting on the board. ``content`` is HTML that is itself HTML-escaped."""
    for job in load(body)["jobs"]:
        if isinstance(job, dict) and job.get("id") is not None and clean(job.get("title")):
            yield parse_job(job, ctx)


def parse_job(job: dict[str, Any], ctx: ParseContext) -> JobPostingItem:
    description_html = unescape_html(job.get("content") if isinstance(job.get("content"), str)
                                     else None)
    location = job.get("location")
    location_raw = clean(location.get("name")) if isinstance(location, dict) else None
    offices = [clean(o.get("location") or o.get("name")) for o in job.get("offices") or []
               if isinstance(o, dict)]
    office_text = "; ".join(o for o in offices if o and o != location_raw)
    if office_text:
        location_raw = f"{location_raw}; {office_text}" if location_raw else office_text
    # first_published is when the posting went live; updated_at moves on every edit
    date_raw = clean(job.get("first_published")) or clean(job.get("updated_at"))
    url_raw = clean(job.get("absolute_url"))
    meta = _metadata(job)
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(job["id"]),
        title=clean(job["title"]) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=clean(job.get("company_name")) or ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=date_raw,
        date_posted=parse_datetime(date_raw),
        location_raw=location_raw,
        country=ctx.country,
        employment_type_raw=meta.get("employment"),
        seniority_raw=meta.get("seniority"),
        language=clean(job.get("language")) or ctx.language,
    )


def _metadata(job: dict[str, Any]) -> dict[str, str]:
    """Custom fields boards commonly add (``Employment Type``, ``Seniority Level``)."""
    found: dict[str, str] = {}
    for field in job.get("metadata") or []:
        if not isinstance(field, dict):
            continue
        name = (clean(field.get("name")) or "").lower()
        value = field.get("value")
        text = ", ".join(v for v in map(clean, value) if v) if isinstance(value, list) else clean(
            value)
        if not text:
            continue
        if "employment" in name or "contract" in name or "job type" in name:
            found.setdefault("employment", text)
        elif "seniority" in name or "level" in name or "experience" in name:
            found.setdefault("seniority", text)
    return found
