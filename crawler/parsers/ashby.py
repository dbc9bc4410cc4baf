"""Ashby posting API: ``GET /posting-api/job-board/{board}?includeCompensation=true``."""

from __future__ import annotations

import json
from typing import Any

from crawler.items import JobPostingItem, Location, Salary
from crawler.normalize import (
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


def parse_board(body: bytes, ctx: ParseContext) -> list[JobPostingItem]:
    """Listed jobs of the board (``isListed: false`` ones are hidden and skipped)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"ashby: response is not JSON ({exc})") from exc
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list):
        raise PayloadError("ashby: response has no 'jobs' list")
    return [parse_job(j, ctx) for j in jobs
            if isinstance(j, dict) and j.get("id") and clean(j.get("title"))
            and j.get("isListed", True) is not False]


def parse_job(job: dict[str, Any], ctx: ParseContext) -> JobPostingItem:
    names = [clean(job.get("location"))] + [
        clean(s.get("location")) for s in job.get("secondaryLocations") or []
        if isinstance(s, dict)]
    location_raw = "; ".join(n for n in names if n) or None
    locations = [loc for loc in (_address(job), *(_address(s) for s in
                 job.get("secondaryLocations") or [] if isinstance(s, dict))) if loc]
    description_html = job.get("descriptionHtml") if isinstance(job.get("descriptionHtml"),
                                                                 str) else None
    remote = remote_status(job.get("workplaceType")) or ("remote" if job.get("isRemote") is True
                                                         else None)
    url_raw = clean(job.get("jobUrl"))
    published = clean(job.get("publishedAt"))
    country = locations[0].country if locations else None
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(job["id"]),
        title=clean(job["title"]) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html) or clean(job.get("descriptionPlain")),
        date_posted_raw=published,
        date_posted=parse_datetime(published),
        location_raw=location_raw,
        locations=locations,
        country=country or ctx.country,
        employment_type_raw=clean(job.get("employmentType")),
        salary=_salary(job.get("compensation")),
        remote=remote,
        remote_raw=clean(job.get("workplaceType")),
        language=ctx.language,
    )


def _address(holder: dict[str, Any]) -> Location | None:
    address = holder.get("address")
    postal = address.get("postalAddress") if isinstance(address, dict) else None
    if not isinstance(postal, dict):
        return None
    city = clean(postal.get("addressLocality"))
    country = country_code(postal.get("addressCountry"))
    if not (city or country):
        return None
    return Location(city=city, region=clean(postal.get("addressRegion")), country=country,
                    raw=clean(holder.get("location")))


def _salary(compensation: object) -> Salary | None:
    if not isinstance(compensation, dict):
        return None
    for component in compensation.get("summaryComponents") or []:
        if isinstance(component, dict) and component.get("compensationType") == "Salary":
            return Salary(min=to_float(component.get("minValue")),
                          max=to_float(component.get("maxValue")),
                          currency=clean(component.get("currencyCode")),
                          period=salary_period(component.get("interval")))
    return None
