"""Workable widget API: ``GET /api/v1/widget/accounts/{account}?details=true``."""

from __future__ import annotations

import json
from typing import Any

from crawler.items import JobPostingItem, Location
from crawler.normalize import clean, country_code, html_to_text, parse_datetime
from crawler.parsers import ParseContext, PayloadError
from crawler.urls import canonical_url


def parse_account(body: bytes, ctx: ParseContext) -> list[JobPostingItem]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"workable: response is not JSON ({exc})") from exc
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list):
        raise PayloadError("workable: response has no 'jobs' list")
    company = clean(data.get("name")) or ctx.company
    return [parse_job(j, ctx, company) for j in jobs
            if isinstance(j, dict) and j.get("shortcode") and clean(j.get("title"))]


def parse_job(job: dict[str, Any], ctx: ParseContext, company: str | None) -> JobPostingItem:
    locations = []
    for loc in job.get("locations") or [{"city": job.get("city"), "region": job.get("state"),
                                         "country": job.get("country")}]:
        if not isinstance(loc, dict) or loc.get("hidden") is True:
            continue
        city = clean(loc.get("city"))
        country = country_code(loc.get("countryCode")) or country_code(loc.get("country"))
        region = clean(loc.get("region"))
        raw = ", ".join(x for x in (city, region, clean(loc.get("country"))) if x) or None
        if city or country:
            locations.append(Location(city=city, region=region, country=country, raw=raw))
    description_html = job.get("description") if isinstance(job.get("description"), str) else None
    url_raw = clean(job.get("url")) or clean(job.get("shortlink"))
    published = clean(job.get("published_on")) or clean(job.get("created_at"))
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(job["shortcode"]),
        title=clean(job["title"]) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=published,
        date_posted=parse_datetime(published),
        location_raw="; ".join(x.raw for x in locations if x.raw) or None,
        locations=locations,
        country=(locations[0].country if locations else None) or ctx.country,
        employment_type_raw=clean(job.get("employment_type")),
        seniority_raw=clean(job.get("experience")),
        remote="remote" if job.get("telecommuting") is True else None,
        remote_raw="telecommuting" if job.get("telecommuting") is True else None,
        language=ctx.language,
    )
