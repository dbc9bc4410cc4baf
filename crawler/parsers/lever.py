"""Lever postings API: ``GET /v0/postings/{site}?mode=json&skip=N&limit=M``."""

from __future__ import annotations

import json
from typing import Any

from crawler.items import JobPostingItem, Location, Salary
from crawler.normalize import (
    as_dict,
    clean,
    country_code,
    html_to_text,
    parse_datetime,
    remote_status,
    salary_period,
    to_float,
)
from crawler.parsers import ParseContext, PayloadError
from crawler.urls import canonical_url


def parse_page(body: bytes, ctx: ParseContext) -> list[JobPostingItem]:
    """The postings of one page; an ``{"ok": false}`` answer raises :class:`PayloadError`."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"lever: response is not JSON ({exc})") from exc
    if isinstance(data, dict):
        # an unknown site answers {"ok": false, "error": "Document not found"}
        raise PayloadError(f"lever: {data.get('error') or 'unexpected object'}")
    if not isinstance(data, list):
        raise PayloadError("lever: response is not a list of postings")
    return [parse_posting(p, ctx) for p in data
            if isinstance(p, dict) and p.get("id") and clean(p.get("text"))]


def parse_posting(post: dict[str, Any], ctx: ParseContext) -> JobPostingItem:
    categories = as_dict(post.get("categories"))
    all_locations = [clean(x) for x in categories.get("allLocations") or []]
    location_raw = "; ".join(x for x in all_locations if x) or clean(categories.get("location"))
    description_html = _description_html(post)
    country = country_code(post.get("country"))
    salary_range = post.get("salaryRange")
    salary = None
    if isinstance(salary_range, dict):
        salary = Salary(
            min=to_float(salary_range.get("min")),
            max=to_float(salary_range.get("max")),
            currency=(clean(salary_range.get("currency")) or "").upper() or None,
            period=salary_period(salary_range.get("interval")),
        )
    url_raw = clean(post.get("hostedUrl"))
    created = post.get("createdAt")
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(post["id"]),
        title=clean(post["text"]) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=ctx.company,
        description_html=description_html,
        description_text=clean_text(post.get("descriptionPlain"), description_html),
        date_posted_raw=str(created) if created is not None else None,
        date_posted=parse_datetime(created),
        location_raw=location_raw,
        locations=[Location(country=country, raw=location_raw)] if country else [],
        country=country or ctx.country,
        employment_type_raw=clean(categories.get("commitment")),
        salary=salary,
        remote=remote_status(post.get("workplaceType")),
        remote_raw=clean(post.get("workplaceType")),
        language=ctx.language,
    )


def _description_html(post: dict[str, Any]) -> str | None:
    """Lever splits a posting into description, titled lists and an additional section."""
    parts: list[str] = []
    if isinstance(post.get("description"), str):
        parts.append(post["description"])
    for block in post.get("lists") or []:
        if isinstance(block, dict):
            parts.append(f"<h3>{block.get('text') or ''}</h3><ul>{block.get('content') or ''}</ul>")
    if isinstance(post.get("additional"), str):
        parts.append(post["additional"])
    return "\n".join(parts) or None


def clean_text(plain: object, description_html: str | None) -> str | None:
    """Text of the whole description (the lists are only in HTML, so prefer converting it)."""
    return html_to_text(description_html) or (plain.strip() if isinstance(plain, str) else None)
