"""schema.org ``JobPosting`` in JSON-LD: find every posting on a page, however it is nested.

Works on the decoded page text (Scrapy has already applied the page's declared encoding).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from crawler.items import JobPostingItem, Location, Salary
from crawler.normalize import (
    clean,
    country_code,
    first_text,
    html_to_text,
    parse_datetime,
    salary_period,
    to_float,
    unescape_html,
)
from crawler.parsers import ParseContext
from crawler.parsers.lenient_json import LenientJSONError, loads_all
from crawler.urls import canonical_url

_SCRIPT = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[^>]*>(.*?)</script\s*>", re.I | re.S)
_ANY_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
# Phrases a posting page shows once it stops hiring (English, French, Dutch, German).
NOT_ACCEPTING = re.compile(
    r"no longer accepting applications|(?:job|position|vacancy|posting) (?:is|has been) "
    r"(?:closed|filled|no longer available)|this job has expired|"
    r"n'accepte plus de candidatures|offre n'est plus disponible|"
    r"vacature is (?:gesloten|niet langer beschikbaar)|solliciteren is niet meer mogelijk|"
    r"stelle ist (?:bereits besetzt|nicht mehr verfügbar)|keine bewerbungen mehr",
    re.I,
)
MAX_DEPTH = 12


@dataclass
class PageParse:
    """What one page holds: its postings, how many JSON-LD blocks failed, closing words."""

    postings: list[JobPostingItem] = field(default_factory=list)
    blocks: int = 0
    parse_errors: int = 0
    not_accepting: bool = False


def parse_page(text: str, page_url: str, ctx: ParseContext, *, check_closed: bool = True
               ) -> PageParse:
    """Every ``JobPosting`` in the page's JSON-LD blocks (also in ``@graph`` and lists)."""
    result = PageParse()
    raw_postings: list[dict[str, Any]] = []
    for match in _SCRIPT.finditer(text):
        block = match.group(1).strip()
        if not block:
            continue
        result.blocks += 1
        try:
            values = loads_all(block)
        except LenientJSONError:
            result.parse_errors += 1
            continue
        for value in values:
            raw_postings.extend(find_job_postings(value))
    for index, raw in enumerate(raw_postings):
        item = parse_job_posting(raw, ctx, page_url, index=index, count=len(raw_postings))
        if item is not None:
            result.postings.append(item)
    if check_closed:
        result.not_accepting = bool(NOT_ACCEPTING.search(_ANY_SCRIPT.sub(" ", text)))
    return result


def _is_job_posting(value: dict[str, Any]) -> bool:
    kinds = value.get("@type")
    for kind in kinds if isinstance(kinds, list) else [kinds]:
        if isinstance(kind, str) and re.split(r"[/:#]", kind)[-1] == "JobPosting":
            return True
    return False


def find_job_postings(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """JobPosting objects anywhere in a JSON-LD value: top level, ``@graph``, lists, ItemLists."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for entry in value:
            yield from find_job_postings(entry, depth + 1)
    elif isinstance(value, dict):
        if _is_job_posting(value):
            yield value
            return
        for entry in value.values():
            if isinstance(entry, (dict, list)):
                yield from find_job_postings(entry, depth + 1)


def parse_job_posting(raw: dict[str, Any], ctx: ParseContext, page_url: str, *, index: int = 0,
                      count: int = 1) -> JobPostingItem | None:
    """An item from one JobPosting; ``None`` when it has no title."""
    title = first_text(raw.get("title")) or first_text(raw.get("name"))
    if not title:
        return None
    url_raw = first_text(raw.get("url"))
    url_raw = urljoin(page_url, url_raw) if url_raw else None
    identifier = _identifier(raw.get("identifier"))
    # the posting's URL identifies it across visits, even when its page later answers 404
    if url_raw:
        job_id = canonical_url(url_raw) or url_raw
    elif count == 1:
        job_id = canonical_url(page_url) or page_url
    else:
        job_id = f"{canonical_url(page_url)}#{identifier or index}"
    description = raw.get("description")
    description_html = unescape_html(first_text(description) if isinstance(description, list)
                                     else description if isinstance(description, str) else None)
    locations = list(_locations(raw.get("jobLocation")))
    location_raw = "; ".join(loc.raw for loc in locations if loc.raw) or None
    remote_raw = first_text(raw.get("jobLocationType"))
    remote = "remote" if remote_raw and remote_raw.upper() == "TELECOMMUTE" else None
    if remote and not location_raw:
        location_raw = _applicant_locations(raw.get("applicantLocationRequirements")) or "Remote"
    date_raw = first_text(raw.get("datePosted"))
    valid_raw = first_text(raw.get("validThrough"))
    experience = raw.get("experienceRequirements")
    months = to_float(experience.get("monthsOfExperience")) if isinstance(experience,
                                                                          dict) else None
    country = next((loc.country for loc in locations if loc.country), None)
    return JobPostingItem(
        source=ctx.source,
        source_job_id=job_id,
        title=title,
        url=canonical_url(url_raw or page_url),
        url_raw=url_raw or page_url,
        company_name=_organization(raw.get("hiringOrganization")) or ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=date_raw,
        date_posted=parse_datetime(date_raw),
        valid_through_raw=valid_raw,
        valid_through=parse_datetime(valid_raw),
        location_raw=location_raw,
        locations=[loc for loc in locations if loc.city or loc.country],
        country=country or ctx.country,
        employment_type_raw=_joined(raw.get("employmentType")),
        seniority_raw=first_text(experience) if isinstance(experience, (str, list)) else None,
        years_experience_raw=str(round(months / 12, 1)) if months is not None else None,
        salary=_salary(raw.get("baseSalary") or raw.get("estimatedSalary")),
        remote=remote,
        remote_raw=remote_raw,
        language=_language(raw.get("inLanguage")) or ctx.language,
    )


def _identifier(value: object) -> str | None:
    if isinstance(value, dict):
        return clean(value.get("value")) or clean(value.get("name"))
    return first_text(value)


def _organization(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return first_text(value.get("name")) or first_text(value.get("legalName"))
    return first_text(value)


def _joined(value: object) -> str | None:
    if isinstance(value, list):
        return ", ".join(t for t in (clean(v) for v in value) if t) or None
    return clean(value)


def _language(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("alternateName") or value.get("name")
    text = first_text(value)
    return text.split("-")[0].lower() if text and len(text) <= 5 else None


def _country(value: object) -> tuple[str | None, str | None]:
    """(ISO code, raw text) from ``"BE"``, ``"Belgium"`` or ``{"@type": "Country", ...}``."""
    if isinstance(value, dict):
        value = value.get("name") or value.get("identifier")
    text = first_text(value)
    return country_code(text), text


def _locations(value: object) -> Iterator[Location]:
    places = value if isinstance(value, list) else [value]
    for place in places:
        if isinstance(place, str):
            yield Location(raw=clean(place))
            continue
        if not isinstance(place, dict):
            continue
        address = place.get("address")
        if isinstance(address, list):
            address = address[0] if address else None
        if isinstance(address, str):
            yield Location(raw=clean(address))
            continue
        if not isinstance(address, dict):
            name = first_text(place.get("name"))
            if name:
                yield Location(raw=name)
            continue
        city = first_text(address.get("addressLocality"))
        region = first_text(address.get("addressRegion"))
        code, country_raw = _country(address.get("addressCountry"))
        raw = ", ".join(x for x in (city, region, country_raw) if x) or first_text(
            place.get("name"))
        yield Location(city=city, region=region, country=code, raw=raw)


def _applicant_locations(value: object) -> str | None:
    entries = value if isinstance(value, list) else [value]
    names = [first_text(e.get("name")) if isinstance(e, dict) else first_text(e) for e in entries]
    return "; ".join(n for n in names if n) or None


def _salary(value: object) -> Salary | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return None
    amount = value.get("value")
    currency = (first_text(value.get("currency")) or "").upper() or None
    if isinstance(amount, dict):
        low = to_float(amount.get("minValue"))
        high = to_float(amount.get("maxValue"))
        single = to_float(amount.get("value"))
        period = salary_period(amount.get("unitText")) or salary_period(value.get("unitText"))
    else:
        low = high = single = None
        period = salary_period(value.get("unitText"))
        single = to_float(amount)
    if low is None and high is None and single is None:
        return None
    return Salary(min=low if low is not None else single,
                  max=high if high is not None else single, currency=currency, period=period)
