"""Teamtailor RSS feed: ``GET /jobs.rss`` with the ``tt:`` location namespace."""

from __future__ import annotations

from lxml import etree

from crawler.items import JobPostingItem, Location
from crawler.normalize import (
    clean,
    country_code,
    html_to_text,
    parse_datetime,
    remote_status,
    unescape_html,
)
from crawler.parsers import ParseContext, PayloadError
from crawler.parsers.xml import child_text, children, load_xml
from crawler.urls import canonical_url


def parse_feed(body: bytes, ctx: ParseContext) -> list[JobPostingItem]:
    root = load_xml(body, "teamtailor")
    channel = children(root, "channel")
    if etree.QName(root).localname != "rss" or not channel:
        raise PayloadError("teamtailor: response is not an RSS feed")
    items = []
    for entry in children(channel[0], "item"):
        title = clean(child_text(entry, "title"))
        link = clean(child_text(entry, "link"))
        job_id = clean(child_text(entry, "guid")) or link
        if title and job_id:
            items.append(parse_item(entry, job_id, title, link, ctx))
    return items


def parse_item(entry: etree._Element, job_id: str, title: str, link: str | None,
               ctx: ParseContext) -> JobPostingItem:
    locations = []
    for block in children(entry, "locations"):
        for loc in children(block, "location"):
            city = clean(child_text(loc, "city"))
            country_raw = clean(child_text(loc, "country"))
            raw = clean(child_text(loc, "name")) or ", ".join(
                x for x in (city, country_raw) if x) or None
            locations.append(Location(city=city, country=country_code(country_raw), raw=raw))
    description_html = unescape_html(child_text(entry, "description"))
    published = clean(child_text(entry, "pubDate"))
    remote_raw = clean(child_text(entry, "remoteStatus"))
    country = next((loc.country for loc in locations if loc.country), None)
    return JobPostingItem(
        source=ctx.source,
        source_job_id=job_id,
        title=title,
        url=canonical_url(link),
        url_raw=link,
        company_name=ctx.company,
        description_html=description_html,
        description_text=html_to_text(description_html),
        date_posted_raw=published,
        date_posted=parse_datetime(published),
        location_raw="; ".join(x.raw for x in locations if x.raw) or None,
        locations=locations,
        country=country or ctx.country,
        remote=remote_status(remote_raw),
        remote_raw=remote_raw,
        language=ctx.language,
    )
