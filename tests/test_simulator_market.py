"""The simulated market: deterministic, realistic in shape, and served like the real APIs."""

from __future__ import annotations

import html
import json
import re
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from jobtrends.simulator import MarketConfig, MarketServer, build_market
from jobtrends.simulator.content import description
from jobtrends.simulator.market import KIND_JSONLD, Company, Market, Placement, Role, SourceSpec

CONFIG = MarketConfig(seed=3, postings=400, weeks=6, companies=12)


@pytest.fixture(scope="module")
def market() -> Market:
    return build_market(CONFIG)


@pytest.fixture(scope="module")
def server(market: Market) -> Iterator[MarketServer]:
    with MarketServer(market) as srv:
        yield srv


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_same_seed_same_market_other_seed_other_market() -> None:
    a, b = build_market(CONFIG), build_market(CONFIG)
    assert [(r.title, r.opened, r.closed, r.cities) for r in a.roles] == \
        [(r.title, r.opened, r.closed, r.cities) for r in b.roles]
    assert description(a.roles[5], a.companies[a.roles[5].company]).html() == \
        description(b.roles[5], b.companies[b.roles[5].company]).html()
    c = build_market(MarketConfig(seed=4, postings=400, weeks=6, companies=12))
    assert [r.title for r in c.roles] != [r.title for r in a.roles]


def test_market_has_the_promised_variety(market: Market) -> None:
    assert {c.country for c in market.companies} == {"BE", "NL", "DE", "FR", "LU"}
    assert {s.kind for s in market.sources} == {"greenhouse", "lever", "jsonld"}
    assert {r.language for r in market.roles} == {"en", "fr", "nl"}
    titles = {r.title for r in market.roles}
    assert any(t.startswith("Stagiaire") for t in titles)
    assert any("(m/v/x)" in t for t in titles)
    # cross-posted roles: one role on an ATS and on a job board
    roles_on: dict[int, list[str]] = {}
    for name, ps in market.placements.items():
        for p in ps:
            roles_on.setdefault(p.role, []).append(name)
    assert any(len(v) == 2 for v in roles_on.values())
    # live before the first crawl (left-censored) and opened during the window
    t0 = market.crawl_time(0)
    assert any(r.opened < t0 < r.closed for r in market.roles)
    assert any(t0 < r.opened for r in market.roles)
    lifetimes = sorted((r.closed - r.opened).days for r in market.roles)
    assert lifetimes[0] >= 7 and lifetimes[-1] <= 120


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="weeks"):
        MarketConfig(weeks=2)
    with pytest.raises(ValueError, match="Monday"):
        MarketConfig(start=datetime(2026, 1, 6).date())
    with pytest.raises(ValueError, match="copy_linger_days must not be negative, got -1"):
        MarketConfig(copy_linger_days=-1)
    assert MarketConfig(copy_linger_days=0).copy_linger_days == 0


def _copies(market: Market) -> list[Placement]:
    """Job-board placements of roles of companies with an ATS board."""
    return [p for ps in market.placements.values() for p in ps
            if market.source_by_name[p.source].kind == KIND_JSONLD
            and market.companies[market.roles[p.role].company].kind != KIND_JSONLD]


def test_board_copies_of_ats_roles_linger_after_the_role_closed(market: Market) -> None:
    copies = _copies(market)
    assert len(copies) > 5
    assert all(timedelta(0) <= p.linger <= timedelta(days=CONFIG.copy_linger_days)
               for p in copies)
    assert len({p.linger for p in copies}) > 3  # a lag per copy, not one for all
    # the company's own ATS postings and the job-only boards' postings close with their role
    copied = set(copies)
    others = [p for ps in market.placements.values() for p in ps if p not in copied]
    assert others and all(p.linger == timedelta(0) for p in others)
    assert all(market.closes_at(p) == market.roles[p.role].closed for p in others)
    # some copies are still listed by a crawl after their role closed, and gone after the lag
    late = [(p, w) for p in copies for w in range(market.weeks)
            if market.roles[p.role].closed <= market.crawl_time(w) < market.closes_at(p)]
    assert late
    for p, w in late:
        assert p in market.visible(p.source, w) and market.is_live(p, w)
    for p in copies:
        for w in range(market.weeks):
            t = market.crawl_time(w)
            listed = market.roles[p.role].opened <= t < market.closes_at(p)
            assert (p in market.visible(p.source, w)) == market.is_live(p, w) == listed
    # the lags come from their own generator: the same seed gives the same ones, and every
    # other generated value is what it is without lingering copies
    again = build_market(CONFIG)
    assert [p.linger for p in _copies(again)] == [p.linger for p in copies]
    still = build_market(MarketConfig(seed=3, postings=400, weeks=6, companies=12,
                                      copy_linger_days=0))
    assert [(r.title, r.opened, r.closed, r.seed) for r in still.roles] == \
        [(r.title, r.opened, r.closed, r.seed) for r in market.roles]
    assert {n: [(p.role, p.job_id) for p in ps] for n, ps in still.placements.items()} == \
        {n: [(p.role, p.job_id) for p in ps] for n, ps in market.placements.items()}


def test_copy_linger_days_zero_lists_every_placement_while_its_role_is_open() -> None:
    market = build_market(MarketConfig(seed=3, postings=400, weeks=6, companies=12,
                                       copy_linger_days=0))
    assert _copies(market)
    for source, ps in market.placements.items():
        assert all(p.linger == timedelta(0) for p in ps)
        for w in range(market.weeks):
            t = market.crawl_time(w)
            live = [p for p in ps if market.roles[p.role].opened <= t < market.roles[p.role].closed]
            assert market.visible(source, w) == live
            assert all(market.is_live(p, w) == (p in live) for p in ps)


def _lingering_market(lag: timedelta) -> Market:
    """Acme (Greenhouse) and Beta (job board only) each open a role on 2026-01-07 and close it
    on 2026-01-14, between the crawls of weeks 1 and 2; the board copies Acme's with ``lag``."""
    acme = Company("acme", "Acme", "BE", "Software Development", 2001,
                   "https://acme.example.com", "greenhouse", 1.0)
    beta = Company("beta", "Beta", "BE", "Software Development", 2005,
                   "https://beta.example.com", "jsonld", 1.0)
    sources = [SourceSpec("gh-acme", "greenhouse", "acme", "BE", "acme"),
               SourceSpec("board-jobs-be", "jsonld", "jobs-be", "BE")]
    roles = [
        Role(idx=i, company=i, family="ml-engineer", seniority="Mid-Senior level",
             employment="Full-time", language="en", cities=("Brussels",),
             title=f"ML Engineer {i}", skills=("Python",), years=5, remote="hybrid",
             opened=datetime(2026, 1, 7, 10), closed=datetime(2026, 1, 14, 10), seed=i)
        for i in (0, 1)
    ]
    placements = {
        "gh-acme": [Placement(0, "gh-acme", "4000000")],
        "board-jobs-be": [Placement(0, "board-jobs-be", "be-0000000", lag),
                          Placement(1, "board-jobs-be", "be-0000001")],
    }
    cfg = MarketConfig(weeks=6, companies=4, postings=2)
    return Market(cfg, [acme, beta], sources, roles, placements, "gh-acme", 5)


@pytest.mark.parametrize(
    ("lag", "listed_in_week_2"),
    [
        (timedelta(0), False),
        (timedelta(days=4, hours=23), False),  # gone at the very time of week 2's crawl
        (timedelta(days=5), True),  # gone an hour after it
        (timedelta(days=10), True),
    ],
)
def test_a_copy_is_listed_until_its_role_closed_plus_its_lag(lag: timedelta,
                                                            listed_in_week_2: bool) -> None:
    market = _lingering_market(lag)
    ats, copy = market.placements["gh-acme"][0], market.placements["board-jobs-be"][0]
    board_only = market.placements["board-jobs-be"][1]
    assert market.closes_at(copy) == datetime(2026, 1, 14, 10) + lag
    assert market.visible("board-jobs-be", 1) == [copy, board_only]
    assert market.visible("gh-acme", 1) == [ats]
    # week 2 (2026-01-19 09:00): the role closed five days ago
    assert market.visible("board-jobs-be", 2) == ([copy] if listed_in_week_2 else [])
    assert market.is_live(copy, 2) is listed_in_week_2
    assert market.visible("gh-acme", 2) == [] and not market.is_live(ats, 2)
    assert not market.is_live(board_only, 2)
    # week 3 (2026-01-26 09:00): every lag here is over
    assert market.visible("board-jobs-be", 3) == [] and not market.is_live(copy, 3)


def test_the_board_serves_a_lingering_copy_until_its_lag_is_over() -> None:
    market = _lingering_market(timedelta(days=10))
    with MarketServer(market) as srv:
        base = srv.base_url
        page = f"{base}/boards/jobs-be/jobs/be-0000000"
        srv.set_week(2)  # Acme closed the role; the board still lists its copy
        assert json.loads(_get(f"{base}/greenhouse/v1/boards/acme/jobs")[1])["jobs"] == []
        listing = _get(f"{base}/boards/jobs-be/jobs")[1].decode()
        assert re.findall(r'href="/boards/jobs-be/jobs/([^"?]+)"', listing) == ["be-0000000"]
        assert _get(page)[0] == 200
        assert _get(f"{base}/boards/jobs-be/jobs/be-0000001")[0] == 404
        srv.set_week(3)
        assert _get(page)[0] == 404
        assert "be-0000000" not in _get(f"{base}/boards/jobs-be/jobs")[1].decode()


def test_greenhouse_shape(market: Market, server: MarketServer) -> None:
    server.set_week(2)
    spec = next(s for s in market.sources if s.kind == "greenhouse")
    status, body = _get(f"{server.base_url}/greenhouse/v1/boards/{spec.key}/jobs?content=true")
    assert status == 200
    data = json.loads(body)
    assert data["meta"]["total"] == len(data["jobs"]) == len(market.visible(spec.name, 2))
    job = data["jobs"][0]
    for key in ("id", "internal_job_id", "title", "absolute_url", "company_name", "location",
                "offices", "departments", "first_published", "updated_at", "content"):
        assert key in job
    assert isinstance(job["id"], int) and "name" in job["location"]
    assert job["content"].startswith("&lt;p&gt;")  # HTML, itself escaped
    assert "<p>" in html.unescape(job["content"])
    datetime.fromisoformat(job["first_published"])
    _, body = _get(f"{server.base_url}/greenhouse/v1/boards/{spec.key}/jobs")
    assert "content" not in json.loads(body)["jobs"][0]
    assert _get(f"{server.base_url}/greenhouse/v1/boards/nope/jobs")[0] == 404


def test_lever_shape_and_paging(market: Market, server: MarketServer) -> None:
    server.set_week(3)
    spec = max((s for s in market.sources if s.kind == "lever"),
               key=lambda s: len(market.visible(s.name, 3)))
    live = len(market.visible(spec.name, 3))
    url = f"{server.base_url}/lever/v0/postings/{spec.key}?mode=json"
    pages = [json.loads(_get(f"{url}&skip={skip}&limit=3")[1]) for skip in range(0, live + 3, 3)]
    ids = [p["id"] for page in pages for p in page]
    assert len(ids) == len(set(ids)) == live
    posting = pages[0][0]
    assert set(posting["categories"]) >= {"location", "commitment", "team", "allLocations"}
    assert isinstance(posting["createdAt"], int) and posting["createdAt"] > 1_600_000_000_000
    assert posting["workplaceType"] in {"on-site", "remote", "hybrid"}
    assert posting["descriptionPlain"] and posting["hostedUrl"].startswith(server.base_url)
    status, body = _get(f"{server.base_url}/lever/v0/postings/nope?mode=json")
    assert status == 404 and json.loads(body) == {"ok": False, "error": "Document not found"}


def test_jsonld_board_listing_sitemap_and_pages(market: Market, server: MarketServer) -> None:
    server.set_week(1)
    base = server.base_url
    spec = max((s for s in market.sources if s.kind == "jsonld"),
               key=lambda s: len(market.visible(s.name, 1)))
    live = {p.job_id for p in market.visible(spec.name, 1)}
    # listing pages, followed by their rel=next link
    found: set[str] = set()
    url: str | None = f"{base}/boards/{spec.key}/jobs"
    while url:
        page = _get(url)[1].decode()
        found |= set(re.findall(rf'href="/boards/{spec.key}/jobs/([^"?]+)"', page))
        nxt = re.search(r'rel="next"[^>]*href="([^"]+)"', page)
        url = f"{base}{nxt.group(1)}" if nxt else None
    assert found == live
    # the sitemap index points at url sets listing the same postings
    index = _get(f"{base}/boards/{spec.key}/sitemap.xml")[1].decode()
    parts = re.findall(r"<loc>([^<]+)</loc>", index)
    urls = [u for part in parts for u in re.findall(r"<loc>([^<]+)</loc>", _get(part)[1].decode())]
    assert {u.rsplit("/", 1)[1] for u in urls} == live
    # a posting page embeds a JobPosting
    status, body = _get(urls[0])
    assert status == 200
    blocks = [json.loads(b) for b in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', body.decode(), re.S)]
    postings = [b for blk in blocks for b in blk.get("@graph", [blk])
                if b.get("@type") == "JobPosting"]
    assert len(postings) == 1
    jp = postings[0]
    for key in ("title", "description", "datePosted", "validThrough", "employmentType",
                "hiringOrganization", "jobLocation"):
        assert key in jp
    # a closed posting's page is gone
    gone = next(p for p in market.placements[spec.name] if not market.is_live(p, 1))
    assert _get(f"{base}/boards/{spec.key}/jobs/{gone.job_id}")[0] == 404
    assert b"Allow: /" in _get(f"{base}/robots.txt")[1]


def test_failing_source_answers_503_only_in_its_week(market: Market,
                                                    server: MarketServer) -> None:
    spec = market.source_by_name[market.failing_source]
    url = f"{server.base_url}/greenhouse/v1/boards/{spec.key}/jobs?content=true"
    server.set_week(market.failing_week)
    assert _get(url)[0] == 503
    server.set_week(market.failing_week - 1)
    assert _get(url)[0] == 200
    with pytest.raises(ValueError):
        server.set_week(market.weeks)


def test_sources_toml_points_at_the_server(market: Market) -> None:
    parsed = tomllib.loads(market.sources_toml("http://127.0.0.1:9/"))
    sources = parsed["source"]
    assert [s["name"] for s in sources] == [s.name for s in market.sources]
    gh = next(s for s in sources if s["kind"] == "greenhouse")
    assert gh["base_url"] == "http://127.0.0.1:9/greenhouse" and gh["board"]
    jl = next(s for s in sources if s["kind"] == "jsonld")
    assert jl["start_urls"][0].startswith("http://127.0.0.1:9/boards/")
    assert all(s["country"] in {"BE", "NL", "DE", "FR", "LU"} for s in sources)
