"""Recruitee careers site API: ``GET /api/offers/``."""

from __future__ import annotations

import json
from typing import Any

from crawler.items import JobPostingItem, Location, Salary
from crawler.normalize import (
    clean,
    country_code,
    html_to_text,
    parse_datetime,
    salary_period,
    to_float,
)
from crawler.parsers import ParseContext, PayloadError
from crawler.urls import canonical_url


def parse_offers(body: bytes, ctx: ParseContext) -> list[JobPostingItem]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise PayloadError(f"recruitee: response is not JSON ({exc})") from exc
    offers = data.get("offers") if isinstance(data, dict) else None
    if not isinstance(offers, list):
        raise PayloadError("recruitee: response has no 'offers' list")
    return [parse_offer(o, ctx) for o in offers
            if isinstance(o, dict) and o.get("id") is not None and clean(o.get("title"))]


def parse_offer(offer: dict[str, Any], ctx: ParseContext) -> JobPostingItem:
    locations = _locations(offer)
    location_raw = clean(offer.get("location")) or "; ".join(
        x.raw for x in locations if x.raw) or None
    description_html = "\n".join(
        part for part in (offer.get("description"), offer.get("requirements"))
        if isinstance(part, str) and part.strip()
    ) or None
    salary = None
    if isinstance(offer.get("salary"), dict):
        raw = offer["salary"]
        if raw.get("min") is not None or raw.get("max") is not None:
            salary = Salary(min=to_float(raw.get("min")), max=to_float(raw.get("max")),
                            currency=(clean(raw.get("currency")) or "").upper() or None,
                            period=salary_period(raw.get("period")))
    if offer.get("remote") is True:
        remote: str | None = "remote"
    elif offer.get("hybrid") is True:
        remote = "hybrid"
    elif offer.get("on_site") is True:
        remote = "on-site"
    else:
        remote = None
    url_raw = clean(offer.get("careers_url"))
    published = clean(offer.get("published_at")) or clean(offer.get("created_at"))
    country = country_code(offer.get("country_code")) or (
        locations[0].country if locations else None)
    return JobPostingItem(
        source=ctx.source,
        source_job_id=str(offer["id"]),
        title=clean(offer["title"]) or "",
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=clean(offer.get("company_name")) or ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=published,
        date_posted=parse_datetime(published),
        location_raw=location_raw,
        locations=locations,
        country=country or ctx.country,
        employment_type_raw=clean(offer.get("employment_type_code")),
        seniority_raw=clean(offer.get("experience_code")),
        salary=salary,
        remote=remote,
        language=clean(offer.get("lang_code")) or ctx.language,
    )


def _locations(offer: dict[str, Any]) -> list[Location]:
    found = []
    for loc in offer.get("locations") or []:
        if isinstance(loc, dict):
            city = clean(loc.get("city"))
            country = country_code(loc.get("country_code")) or country_code(loc.get("country"))
            region = clean(loc.get("state_name")) or clean(loc.get("state"))
            if city or country:
                raw = ", ".join(x for x in (city, region, clean(loc.get("country"))) if x)
                found.append(Location(city=city, region=region, country=country, raw=raw or None))
    if not found and (clean(offer.get("city")) or offer.get("country_code")):
        city = clean(offer.get("city"))
        found.append(Location(city=city, region=clean(offer.get("state_name")),
                              country=country_code(offer.get("country_code")),
                              raw=clean(offer.get("location"))))
    return found
