"""Responses shaped like the real sources: Greenhouse and Lever JSON, JSON-LD job-board pages.

Shapes follow the public documentation summarised in ``SOURCES.md``.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from jobtrends.simulator import vocab
from jobtrends.simulator.content import city_names, country_name, description, location_label
from jobtrends.simulator.market import DATE_ONLY_BOARDS, Market, Placement

_CET = timezone(timedelta(hours=1))
_TEAMS = {"ml-engineer": "Machine Learning", "data-scientist": "Data Science",
          "data-engineer": "Data Engineering", "software-engineer": "Engineering"}


def _cet_iso(t: datetime) -> str:
    """A naive-UTC time as an ISO string with the +01:00 offset the companies publish."""
    return t.replace(tzinfo=UTC).astimezone(_CET).isoformat(timespec="seconds")


def greenhouse_job(market: Market, p: Placement, base: str, content: bool) -> dict[str, Any]:
    role = market.roles[p.role]
    company = market.companies[role.company]
    board = market.source_by_name[p.source].key
    updated = role.opened + timedelta(days=(role.seed % 5))
    job: dict[str, Any] = {
        "id": int(p.job_id),
        "internal_job_id": 2_000_000 + role.idx,
        "title": role.title,
        "updated_at": _cet_iso(updated),
        "requisition_id": f"REQ-{role.idx:05d}",
        "location": {"name": location_label(role, company)},
        "absolute_url": f"{base}/greenhouse/boards/{board}/jobs/{p.job_id}",
        "language": role.language,
        "metadata": None,
        "data_compliance": [],
        "company_name": company.name,
        "first_published": _cet_iso(role.opened),
    }
    if content:
        # Greenhouse returns the description HTML itself HTML-escaped
        job["content"] = html.escape(description(role, company).html(), quote=True)
        job["departments"] = [{"id": 100 + vocab.ROLE_FAMILIES.index(role.family),
                               "name": _TEAMS[role.family], "child_ids": [], "parent_id": None}]
        job["offices"] = [
            {"id": 500 + i, "name": city, "location": f"{city}, "
             f"{country_name(vocab.CITIES[c][0], role.language)}", "child_ids": [],
             "parent_id": None}
            for i, (c, city) in enumerate(zip(role.cities, city_names(role), strict=True))
        ]
    return job


def greenhouse_board(market: Market, placements: list[Placement], base: str,
                     content: bool) -> dict[str, Any]:
    jobs = [greenhouse_job(market, p, base, content) for p in placements]
    return {"jobs": jobs, "meta": {"total": len(jobs)}}


def lever_posting(market: Market, p: Placement, base: str) -> dict[str, Any]:
    role = market.roles[p.role]
    company = market.companies[role.company]
    site = market.source_by_name[p.source].key
    desc = description(role, company)
    profile = desc.sections[2]
    hosted = f"{base}/lever/jobs/{site}/{p.job_id}"
    cities = city_names(role)
    return {
        "id": p.job_id,
        "text": role.title,
        "categories": {
            "location": cities[0],
            "commitment": role.employment,
            "team": _TEAMS[role.family],
            "department": "Technology",
            "allLocations": cities,
        },
        "country": vocab.CITIES[role.cities[0]][0],
        "workplaceType": role.remote,
        "tags": [],
        "description": desc.html(),
        "descriptionPlain": desc.plain(),
        "lists": [{"text": profile[0],
                   "content": "".join(f"<li>{html.escape(i)}</li>" for i in profile[2])}],
        "additional": "",
        "additionalPlain": "",
        "hostedUrl": hosted,
        "applyUrl": f"{hosted}/apply",
        "createdAt": int(role.opened.replace(tzinfo=UTC).timestamp() * 1000),
    }


def jobposting_jsonld(market: Market, p: Placement, base: str) -> dict[str, Any]:
    role = market.roles[p.role]
    company = market.companies[role.company]
    board = market.source_by_name[p.source].key
    date_posted = (role.opened.date().isoformat() if board in DATE_ONLY_BOARDS
                   else _cet_iso(role.opened))
    locations = [
        {"@type": "Place", "address": {
            "@type": "PostalAddress", "addressLocality": spelt,
            "addressCountry": vocab.CITIES[canonical][0]}}
        for canonical, spelt in zip(role.cities, city_names(role), strict=True)
    ]
    return {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": role.title,
        "description": description(role, company).html(),
        "identifier": {"@type": "PropertyValue", "name": company.name, "value": p.job_id},
        "datePosted": date_posted,
        "validThrough": (role.opened + timedelta(days=90)).date().isoformat(),
        "employmentType": vocab.SCHEMA_EMPLOYMENT[role.employment],
        "hiringOrganization": {"@type": "Organization", "name": company.name,
                               "sameAs": company.website},
        "jobLocation": locations[0] if len(locations) == 1 else locations,
        "inLanguage": role.language,
        "url": posting_url(market, p, base),
    }


def posting_url(market: Market, p: Placement, base: str) -> str:
    board = market.source_by_name[p.source].key
    return f"{base}/boards/{board}/jobs/{p.job_id}"


def jsonld_page(market: Market, p: Placement, base: str) -> str:
    role = market.roles[p.role]
    company = market.companies[role.company]
    data = jobposting_jsonld(market, p, base)
    board = market.source_by_name[p.source].key
    crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "Jobs", "item": f"{base}/boards/{board}/jobs"},
    ]}
    # one board wraps its JSON-LD in @graph beside the breadcrumbs, as many real sites do
    if board == "stellen-de":
        blocks = [{"@context": "https://schema.org", "@graph": [crumbs, data]}]
    else:
        blocks = [crumbs, data]
    scripts = "\n".join(
        '<script type="application/ld+json">'
        + json.dumps(b, ensure_ascii=False).replace("</", "<\\/")
        + "</script>"
        for b in blocks
    )
    return (
        f'<!DOCTYPE html><html lang="{role.language}"><head><meta charset="utf-8">'
        f"<title>{html.escape(role.title)} - {html.escape(company.name)}</title>{scripts}</head>"
        f"<body><h1>{html.escape(role.title)}</h1><p class=\"company\">"
        f"{html.escape(company.name)}</p>{description(role, company).html()}</body></html>"
    )


def listing_page(market: Market, source: str, placements: list[Placement], page: int,
                 page_size: int, base: str) -> str:
    board = market.source_by_name[source].key
    chunk = placements[(page - 1) * page_size: page * page_size]
    items = "\n".join(
        f'<li><a class="job-link" href="/boards/{board}/jobs/{p.job_id}">'
        f"{html.escape(market.roles[p.role].title)}</a></li>"
        for p in chunk
    )
    nav = ""
    if page * page_size < len(placements):
        nav = f'<a rel="next" class="next" href="/boards/{board}/jobs?page={page + 1}">Next</a>'
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Jobs - {board} - page {page}'
        f'</title></head><body><ul class="jobs">{items}</ul><nav>{nav}</nav></body></html>'
    )


def sitemap_index(board: str, pages: int, base: str) -> str:
    entries = "".join(
        f"<sitemap><loc>{base}/boards/{board}/sitemap-jobs-{i}.xml</loc></sitemap>"
        for i in range(1, pages + 1)
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{entries}</sitemapindex>")


def sitemap_urlset(market: Market, placements: list[Placement], base: str) -> str:
    entries = "".join(
        f"<url><loc>{posting_url(market, p, base)}</loc>"
        f"<lastmod>{market.roles[p.role].opened.date().isoformat()}</lastmod></url>"
        for p in placements
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>')
