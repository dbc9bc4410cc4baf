"""SmartRecruiters Posting API: paged list ``/v1/companies/{company}/postings`` + detail."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from crawler.items import JobPostingItem, Location
from crawler.normalize import as_dict, clean, country_code, html_to_text, parse_datetime
from crawler.parsers import ParseContext, PayloadError
from crawler.urls import canonical_url

PUBLIC_URL = "https://jobs.smartrecruiters.com/{company}/{id}"
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")


def _load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"smartrecruiters: response is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise PayloadError("smartrecruiters: response is not an object")
    return data


def parse_list(body: bytes) -> tuple[list[dict[str, Any]], int]:
    """The page's postings (raw) and ``totalFound``."""
    data = _load(body)
    content = data.get("content")
    if not isinstance(content, list):
        raise PayloadError("smartrecruiters: list response has no 'content' list")
    total = data.get("totalFound")
    postings = [p for p in content if isinstance(p, dict) and p.get("id")]
    return postings, total if isinstance(total, int) else len(postings)


def parse_posting(post: dict[str, Any], ctx: ParseContext, company: str) -> JobPostingItem:
    """An item from a list entry or a detail answer (the detail adds ``jobAd`` sections)."""
    loc = as_dict(post.get("location"))
    country = country_code(loc.get("country"))
    city, region = clean(loc.get("city")), clean(loc.get("region"))
    location_raw = clean(loc.get("fullLocation")) or ", ".join(
        x for x in (city, region, clean(loc.get("country"))) if x) or None
    remote = "remote" if loc.get("remote") is True else (
        "hybrid" if loc.get("hybrid") is True else None)
    description_html = _job_ad_html(post)
    url_raw = clean(post.get("postingUrl")) or PUBLIC_URL.format(company=company, id=post["id"])
    org = as_dict(post.get("company"))
    language = post.get("language")
    released = clean(post.get("releasedDate"))
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(post["id"]),
        title=clean(post.get("name")) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=clean(org.get("name")) or ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=released,
        date_posted=parse_datetime(released),
        location_raw=location_raw,
        locations=[Location(city=city, region=region, country=country, raw=location_raw)]
        if (city or country) else [],
        country=country or ctx.country,
        employment_type_raw=_label(post.get("typeOfEmployment")),
        seniority_raw=_label(post.get("experienceLevel")),
        remote=remote,
        remote_raw="remote" if loc.get("remote") is True else None,
        language=clean(language.get("code")) if isinstance(language, dict) else ctx.language,
    )


def merge_detail(item: JobPostingItem, body: bytes, ctx: ParseContext, company: str
                 ) -> JobPostingItem:
    """The list item completed with the detail answer's description."""
    detail = parse_posting(_load(body) | {"id": item.source_job_id}, ctx, company)
    return replace(item, description_html=detail.description_html,
                   description_text=detail.description_text,
                   url=detail.url if detail.url_raw != item.url_raw else item.url,
                   url_raw=detail.url_raw or item.url_raw)


def _label(value: object) -> str | None:
    return clean(value.get("label")) if isinstance(value, dict) else clean(value)


def _job_ad_html(post: dict[str, Any]) -> str | None:
    job_ad = post.get("jobAd")
    sections = job_ad.get("sections") if isinstance(job_ad, dict) else None
    if not isinstance(sections, dict):
        return None
    parts = []
    for key in SECTIONS:
        section = sections.get(key)
        if isinstance(section, dict) and isinstance(section.get("text"), str):
            title = section.get("title") or ""
            parts.append(f"<h2>{title}</h2>{section['text']}" if title else section["text"])
    return "\n".join(parts) or None
