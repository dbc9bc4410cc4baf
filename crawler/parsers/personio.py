"""Personio XML feed: ``GET /xml?language=en`` (``<workzag-jobs><position>...``)."""

from __future__ import annotations

from lxml import etree

from crawler.items import JobPostingItem
from crawler.normalize import clean, html_to_text, parse_datetime
from crawler.parsers import ParseContext, PayloadError
from crawler.parsers.xml import child_text, children, load_xml
from crawler.urls import canonical_url

PUBLIC_URL = "https://{company}.jobs.personio.de/job/{id}"


def parse_feed(body: bytes, ctx: ParseContext, company: str) -> list[JobPostingItem]:
    root = load_xml(body, "personio")
    if etree.QName(root).localname != "workzag-jobs":
        raise PayloadError(f"personio: root element is <{etree.QName(root).localname}>, "
                           "expected <workzag-jobs>")
    items = []
    for position in children(root, "position"):
        job_id, title = clean(child_text(position, "id")), clean(child_text(position, "name"))
        if job_id and title:
            items.append(parse_position(position, job_id, title, ctx, company))
    return items


def parse_position(position: etree._Element, job_id: str, title: str, ctx: ParseContext,
                   company: str) -> JobPostingItem:
    offices = [clean(child_text(position, "office"))]
    for extra in children(position, "additionalOffices"):
        offices.extend(clean(o.text) for o in children(extra, "office"))
    parts = []
    for block in children(position, "jobDescriptions"):
        for desc in children(block, "jobDescription"):
            heading, value = clean(child_text(desc, "name")), child_text(desc, "value")
            if value:
                parts.append(f"<h3>{heading}</h3>\n{value}" if heading else value)
    description_html = "\n".join(parts) or None
    # Personio splits what other sources call employment type into two fields
    employment = [clean(child_text(position, "employmentType")),
                  clean(child_text(position, "schedule"))]
    created = clean(child_text(position, "createdAt"))
    url_raw = PUBLIC_URL.format(company=company, id=job_id)
    return JobPostingItem(
        source=ctx.source,
        source_job_id=job_id,
        title=title,
        url=canonical_url(url_raw),
        url_raw=url_raw,
        company_name=clean(child_text(position, "subcompany")) or ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=created,
        date_posted=parse_datetime(created),
        location_raw="; ".join(o for o in offices if o) or None,
        country=ctx.country,
        employment_type_raw=", ".join(e for e in employment if e) or None,
        seniority_raw=clean(child_text(position, "seniority")),
        years_experience_raw=clean(child_text(position, "yearsOfExperience")),
        language=ctx.language or "en",
    )
