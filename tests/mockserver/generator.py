"""Generated career sites and boards for the benchmark: as many postings as asked for.

``/gen/jsonld/sitemap.xml?n=N[&per=P]`` is a sitemap index of ``/gen/jsonld/sitemap-K.xml``
urlsets (P postings each, default 1,000); ``/gen/jsonld/job/I`` is a posting page with JSON-LD;
``/gen/greenhouse/v1/boards/bench-N/jobs`` a Greenhouse board of N postings, and
``…/bench-N/jobs/I`` its job I (404 from I = N on: the jobs a smaller board dropped).
"""

from __future__ import annotations

import html
import json
import re

PER_SITEMAP = 1000
TITLES = ("Machine Learning Engineer", "Data Scientist", "Data Engineer", "MLOps Engineer",
          "AI Researcher", "Backend Engineer", "Computer Vision Engineer", "NLP Engineer")
CITIES = (("Brussels", "BE"), ("Antwerp", "BE"), ("Ghent", "BE"), ("Amsterdam", "NL"),
          ("Rotterdam", "NL"), ("Cologne", "DE"), ("Paris", "FR"), ("Luxembourg", "LU"))
SKILLS = ("Python", "SQL", "PyTorch", "TensorFlow", "Kubernetes", "Docker", "AWS", "Spark",
          "scikit-learn", "Airflow", "dbt", "Azure")


def _description(i: int) -> str:
    skills = ", ".join(SKILLS[(i + k) % len(SKILLS)] for k in range(4))
    return (f"<p>We are hiring to grow our data team. You will design, build and run "
            f"production systems with {skills}.</p><ul><li>{3 + i % 5}+ years of experience"
            f"</li><li>English; French or Dutch is a plus</li></ul><p>Hybrid work, "
            f"meal vouchers and a training budget.</p>")


def posting(i: int, base: str) -> dict[str, object]:
    city, country = CITIES[i % len(CITIES)]
    return {
        "@context": "https://schema.org", "@type": "JobPosting",
        "title": TITLES[i % len(TITLES)], "description": _description(i),
        "identifier": {"@type": "PropertyValue", "value": str(i)},
        "datePosted": f"2026-0{1 + i % 2}-{1 + i % 28:02d}",
        "employmentType": "FULL_TIME",
        "hiringOrganization": {"@type": "Organization", "name": f"Company {i % 500}"},
        "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
                                                      "addressLocality": city,
                                                      "addressCountry": country}},
        "url": f"{base}/gen/jsonld/job/{i}",
    }


def _greenhouse_job(i: int) -> dict[str, object]:
    return {"id": i, "title": TITLES[i % len(TITLES)],
            "absolute_url": f"https://boards.greenhouse.io/bench/jobs/{i}",
            "location": {"name": "{}, {}".format(*CITIES[i % len(CITIES)])},
            "first_published": "2026-01-05T10:00:00Z", "updated_at": "2026-01-06T10:00:00Z",
            "company_name": f"Company {i % 500}", "content": html.escape(_description(i))}


def generate(path: str, query: dict[str, list[str]], base: str) -> tuple[int, bytes, str]:
    n = int(query.get("n", ["1000"])[0])
    per = int(query.get("per", [str(PER_SITEMAP)])[0])
    if path == "/gen/jsonld/sitemap.xml":
        count = (n + per - 1) // per
        entries = "".join(f"<sitemap><loc>{base}/gen/jsonld/sitemap-{k}.xml?n={n}&amp;per={per}"
                          "</loc></sitemap>" for k in range(count))
        return 200, (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns='
                     f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
                     ).encode(), "application/xml"
    if m := re.fullmatch(r"/gen/jsonld/sitemap-(\d+)\.xml", path):
        start = int(m.group(1)) * per
        urls = "".join(f"<url><loc>{base}/gen/jsonld/job/{i}</loc></url>"
                       for i in range(start, min(n, start + per)))
        return 200, (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
                     f'"http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                     ).encode(), "application/xml"
    if m := re.fullmatch(r"/gen/jsonld/job/(\d+)", path):
        i = int(m.group(1))
        data = json.dumps(posting(i, base))
        title = html.escape(TITLES[i % len(TITLES)])
        page = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
                f"{title}</title><script type=\"application/ld+json\">{data}</script></head>"
                f"<body><header><nav>Careers</nav></header><main><h1>{title}</h1>"
                f"{_description(i)}</main></body></html>")
        return 200, page.encode(), "text/html; charset=utf-8"
    if m := re.fullmatch(r"/gen/greenhouse/v1/boards/bench-(\d+)/jobs/(\d+)", path):
        n, i = int(m.group(1)), int(m.group(2))  # one job: the board's first n, 404 after
        if i >= n:
            return 404, json.dumps({"status": 404, "error": "Job not found"}).encode(), \
                "application/json"
        return 200, json.dumps(_greenhouse_job(i)).encode(), "application/json"
    if m := re.fullmatch(r"/gen/greenhouse/v1/boards/bench-(\d+)/jobs", path):
        n = int(m.group(1))
        jobs = [_greenhouse_job(i) for i in range(n)]
        return 200, json.dumps({"jobs": jobs, "meta": {"total": n}}).encode(), "application/json"
    return 404, b"not found", "text/plain"
