"""Real crawls of every source kind against the mock server (one subprocess per module).

Each scenario is its own source in one crawl: paging, empty boards, unknown boards (404), a
429 with Retry-After then success, a 500 then success, 500 forever, 403, malformed bodies,
robots.txt, non-UTF-8 pages, malformed JSON-LD and ``@graph``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mockserver.harness import mockserver, run_crawl  # noqa: F401 - fixture
from mockserver.server import MockServer

pytestmark = pytest.mark.xdist_group("crawler-kinds")


def _sources(base: str) -> str:
    def src(name: str, kind: str, url: str, **keys: Any) -> str:
        lines = [f'name = "{name}"', f'kind = "{kind}"', f'base_url = "{url}"']
        for key, value in keys.items():
            lines.append(f"{key} = {value!r}".replace("'", '"'))
        return "[[source]]\n" + "\n".join(lines) + "\n"

    return "\n".join([
        src("gh-ok", "greenhouse", base, board="acme", country="BE"),
        src("gh-empty", "greenhouse", base, board="empty"),
        src("gh-unknown", "greenhouse", base, board="nope"),
        src("gh-broken", "greenhouse", base, board="broken"),
        src("gh-429", "greenhouse", f"{base}/once429/gh", board="acme"),
        src("gh-429-date", "greenhouse", f"{base}/date429/ghd", board="acme"),
        src("gh-500-once", "greenhouse", f"{base}/once500/gh", board="acme"),
        src("gh-500-forever", "greenhouse", f"{base}/fail500", board="acme"),
        src("gh-403", "greenhouse", f"{base}/forbidden", board="acme"),
        src("gh-refused", "greenhouse", "http://127.0.0.1:9", board="acme", retry_times=1),
        src("gh-timeout", "greenhouse", f"{base}/slow", board="acme", download_timeout=1,
            retry_times=0),
        src("lever-ok", "lever", base, site="globex", page_size=2),
        src("lever-empty", "lever", base, site="empty"),
        src("lever-unknown", "lever", base, site="nope"),
        src("sr-ok", "smartrecruiters", base, company="initech", page_size=2),
        src("sr-empty", "smartrecruiters", base, company="empty"),
        src("recruitee-ok", "recruitee", f"{base}/recruitee/hooli", company="hooli"),
        src("ashby-ok", "ashby", base, board="umbrella"),
        src("workable-ok", "workable", base, account="stark"),
        src("personio-ok", "personio", f"{base}/personio/wayne", company="wayne"),
        src("teamtailor-ok", "teamtailor", f"{base}/teamtailor/cyberdyne", company="cyberdyne"),
        src("jl-sitemap", "jsonld", base, sitemap_urls=[f"{base}/site/sitemap_index.xml"],
            sitemap_follow=["sitemap-(a|b)"], posting_url_pattern="/jobs/"),
        src("jl-listing", "jsonld", base, start_urls=[f"{base}/site/list/page1.html"],
            link_selector="a.job-link"),
    ])


@pytest.fixture(scope="module")
def crawl(mockserver: MockServer, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
          ) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("kinds")
    sources = tmp / "sources.toml"
    sources.write_text(_sources(mockserver.url), encoding="utf-8")
    return run_crawl(sources, tmp / "out.json", "JOBTRENDS_OBSERVED_AT=2026-03-02T09:00:00")


def _items(result: dict[str, Any], kind: str = "JobPostingItem") -> list[dict[str, Any]]:
    return [i for i in result["items"] if i["_type"] == kind]


def _by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["source_job_id"]: i for i in _items(result)}


def test_greenhouse_board(crawl: dict[str, Any]) -> None:
    result = crawl["gh-ok"]
    assert result["finish_reason"] == "finished"
    job = _by_id(result)["4012345"]
    assert job["title"] == "Machine Learning Engineer"
    assert job["url"] == "https://boards.greenhouse.io/acme/jobs/4012345"
    assert "gh_src=linkedin" in job["url_raw"]
    # content is HTML-escaped HTML: unescaped once into HTML, then to text
    assert job["description_html"].startswith("<p><strong>About the role")
    assert "SQL & Spark" in job["description_text"] and "<" not in job["description_text"]
    # first_published, not updated_at, converted to naive UTC
    assert job["date_posted_raw"] == "2026-01-12T09:15:00-05:00"
    assert job["date_posted"] == "2026-01-12T14:15:00"
    assert job["employment_type_raw"] == "Full-time"
    assert job["seniority_raw"] == "Mid-Senior level"
    assert job["company_name"] == "Acme Analytics" and job["country"] == "BE"
    assert "Ghent, Belgium" in _by_id(result)["4012399"]["location_raw"]
    assert "jobtrends/pages_failed" not in result["stats"]


def test_empty_board_finishes_cleanly(crawl: dict[str, Any]) -> None:
    for name in ("gh-empty", "lever-empty", "sr-empty"):
        assert crawl[name]["finish_reason"] == "finished", name
        assert crawl[name]["items"] == []
        assert "jobtrends/pages_failed" not in crawl[name]["stats"]


def test_unknown_board_is_a_failed_listing(crawl: dict[str, Any]) -> None:
    for name in ("gh-unknown", "lever-unknown"):
        result = crawl[name]
        assert result["finish_reason"] == "listing_failed", name
        assert result["stats"]["jobtrends/listing_failed"] == 1
        assert result["items"] == []
        # a 404 is not retried
        assert "retry/count" not in result["stats"]


def test_malformed_json_is_counted_not_crashed(crawl: dict[str, Any]) -> None:
    result = crawl["gh-broken"]
    assert result["finish_reason"] == "listing_failed"
    assert result["stats"]["jobtrends/payload_errors"] == 1
    assert "spider_exceptions/count" not in str(result["stats"])


def test_429_with_retry_after_then_success(crawl: dict[str, Any], mockserver: MockServer  # noqa: F811
                                           ) -> None:
    for name, key in (("gh-429", "once429/gh"), ("gh-429-date", "date429/ghd")):
        result = crawl[name]
        assert result["finish_reason"] == "finished"
        assert len(_items(result)) == 2
        assert result["stats"]["retry/retry_after_honoured"] == 1
        assert result["stats"]["downloader/response_status_count/429"] == 1
        first, second = mockserver.state.times[key][:2]
        # the backoff base is 0.05 s in tests: only Retry-After explains waiting ~1 s
        assert second - first >= 0.8, name


def test_500_then_success(crawl: dict[str, Any]) -> None:
    result = crawl["gh-500-once"]
    assert result["finish_reason"] == "finished"
    assert len(_items(result)) == 2
    assert result["stats"]["retry/count"] == 1
    assert "jobtrends/pages_failed" not in result["stats"]


def test_500_forever_gives_up_and_marks_listing_failed(crawl: dict[str, Any]) -> None:
    result = crawl["gh-500-forever"]
    assert result["finish_reason"] == "listing_failed"
    assert result["stats"]["retry/max_reached"] == 1
    assert result["stats"]["downloader/response_status_count/500"] == 3  # 1 + RETRY_TIMES=2
    assert result["stats"]["jobtrends/pages_failed"] == 1


def test_403_is_not_retried_and_fails_the_listing(crawl: dict[str, Any]) -> None:
    result = crawl["gh-403"]
    assert result["finish_reason"] == "listing_failed"
    assert result["stats"]["downloader/response_status_count/403"] == 1
    assert "retry/count" not in result["stats"]


def test_unreachable_host_and_timeout_fail_the_listing(crawl: dict[str, Any]) -> None:
    refused, slow = crawl["gh-refused"], crawl["gh-timeout"]
    assert refused["finish_reason"] == slow["finish_reason"] == "listing_failed"
    assert refused["stats"]["jobtrends/pages_failed"] == 1
    # connection errors are retried (robots.txt and the listing, once each: retry_times = 1,
    # the source's own setting beating the run-wide RETRY_TIMES=2)
    assert refused["stats"]["retry/count"] == 2
    assert "downloader/response_count" not in refused["stats"]
    assert any("TimeoutError" in key for key in slow["stats"])
    assert slow["stats"]["jobtrends/pages_failed"] == 1


def test_lever_pages_until_a_short_page(crawl: dict[str, Any]) -> None:
    result = crawl["lever-ok"]
    items = _items(result)
    assert len(items) == 5 and len({i["source_job_id"] for i in items}) == 5
    # skip=0,2,4 (the last, short page ends paging) + robots.txt
    assert result["stats"]["downloader/response_count"] == 4
    first = _by_id(result)["5f1c0a3e-0000-4000-8000-000000000000"]
    assert first["date_posted"] == "2026-01-01T10:00:00"  # createdAt 1767261600000 ms
    assert first["salary"] == {"min": 60000.0, "max": 85000.0, "currency": "EUR", "period": "YEAR"}
    assert first["remote"] == "hybrid" and first["employment_type_raw"] == "Full-time"
    assert "lever-source" not in first["url"]
    assert "Docker" in first["description_text"]  # the lists are part of the description
    assert {i["remote"] for i in items} == {"hybrid", "remote", "on-site", None}


def test_smartrecruiters_list_pages_and_details(crawl: dict[str, Any]) -> None:
    result = crawl["sr-ok"]
    items = _items(result)
    assert len(items) == 5
    job = _by_id(result)["7440000000"]
    assert "Python, PyTorch and AWS" in job["description_text"]
    assert job["locations"] == [{"city": "Leuven", "region": None, "country": "BE",
                                 "raw": "Leuven, Belgium"}]
    assert job["seniority_raw"] == "Mid-Senior Level"
    assert job["employment_type_raw"] == "Full-time"
    assert job["url"].startswith("https://jobs.smartrecruiters.com/Initech/7440000000-x")
    assert "utm_medium" not in job["url"] and job["language"] == "en"
    assert _by_id(result)["7440000002"]["remote"] == "remote"


def test_recruitee_offers(crawl: dict[str, Any]) -> None:
    items = _by_id(crawl["recruitee-ok"])
    job = items["1203"]
    assert job["salary"] == {"min": 4000.0, "max": 5500.0, "currency": "EUR", "period": "MONTH"}
    assert job["remote"] == "hybrid" and job["country"] == "NL"
    assert job["url"] == "https://hooli.recruitee.com/o/ml-engineer"
    assert "Kubernetes" in job["description_text"]
    assert items["1207"]["remote"] == "on-site" and items["1207"]["salary"] is None
    assert job["date_posted"] == "2026-01-20T09:00:00"


def test_ashby_skips_unlisted_jobs(crawl: dict[str, Any]) -> None:
    items = _by_id(crawl["ashby-ok"])
    assert len(items) == 2 and "Hidden Role" not in {i["title"] for i in items.values()}
    job = items["7a1e2b3c-1111-4a5b-9c8d-000000000001"]
    assert job["salary"] == {"min": 70000.0, "max": 90000.0, "currency": "EUR", "period": "YEAR"}
    assert job["employment_type_raw"] == "FullTime" and job["remote"] == "hybrid"
    assert [loc["country"] for loc in job["locations"]] == ["BE", "FR"]


def test_workable_account(crawl: dict[str, Any]) -> None:
    items = _by_id(crawl["workable-ok"])
    job = items["A1B2C3D4E5"]
    assert job["company_name"] == "Stark Data" and job["country"] == "LU"
    assert job["seniority_raw"] == "Mid-Senior level"
    assert job["date_posted"] == "2026-01-15T00:00:00"
    assert items["F6G7H8I9J0"]["remote"] == "remote"


def test_personio_feed_native_fields(crawl: dict[str, Any]) -> None:
    items = _by_id(crawl["personio-ok"])
    job = items["1284501"]
    assert job["seniority_raw"] == "experienced"
    assert job["employment_type_raw"] == "permanent, full-time"
    assert job["years_experience_raw"] == "3-5"
    assert job["location_raw"] == "Cologne; Aachen"
    assert "PyTorch & Docker" in job["description_text"]
    assert job["url"] == "https://wayne.jobs.personio.de/job/1284501"
    assert items["1284502"]["date_posted"] == "2026-02-14T07:00:00"


def test_teamtailor_rss(crawl: dict[str, Any]) -> None:
    items = {i["title"]: i for i in _items(crawl["teamtailor-ok"])}
    job = items["AI Engineer"]
    assert job["locations"][0]["city"] == "Antwerpen" and job["country"] == "BE"
    assert job["remote"] == "hybrid" and job["date_posted"] == "2026-01-19T08:30:00"
    assert "LLM" in job["description_text"] and "<" not in job["description_text"]
    assert "utm_campaign" not in job["url"]
    assert items["Data Platform Engineer"]["remote"] == "remote"


def test_jsonld_sitemaps_encodings_and_malformed_blocks(crawl: dict[str, Any]) -> None:
    result = crawl["jl-sitemap"]
    stats = result["stats"]
    assert result["finish_reason"] == "finished"
    by_title = {i["title"]: i for i in _items(result)}
    # sitemap index -> plain and gzipped urlsets; the blog sitemap is not followed
    assert set(by_title) == {"Machine Learning Engineer", "Ingénieur données – Machine Learning",
                             "Data Engineer", "NLP Engineer", "Développeur IA à Liège",
                             "Computer Vision Engineer"}
    ml = by_title["Machine Learning Engineer"]
    assert ml["salary"] == {"min": 55000.0, "max": 75000.0, "currency": "EUR", "period": "YEAR"}
    assert ml["employment_type_raw"] == "FULL_TIME, CONTRACTOR"
    assert ml["locations"][0] == {"city": "Brussels", "region": "Brussels-Capital",
                                  "country": "BE", "raw": "Brussels, Brussels-Capital, BE"}
    assert ml["language"] == "en" and ml["company_name"] == "Vandelay Industries"
    # windows-1252 declared in the header, iso-8859-1 in a <meta>
    assert "60 000 €" in by_title["Ingénieur données – Machine Learning"]["description_text"]
    assert by_title["Ingénieur données – Machine Learning"]["country"] == "BE"
    latin = by_title["Développeur IA à Liège"]
    assert latin["company_name"] == "Société Générale d'Ingénierie"
    # @graph, escaped description, tracking parameters stripped, remote
    graph = by_title["Data Engineer"]
    assert graph["url"].endswith("/site/jobs/103-graph.html")
    assert graph["description_text"] == "Build pipelines with Airflow & dbt."
    assert graph["remote"] == "remote" and graph["location_raw"] == "Belgium"
    assert graph["salary"] == {"min": 4500.0, "max": 4500.0, "currency": "EUR", "period": "MONTH"}
    # malformed JSON-LD: trailing commas and control characters repaired, hopeless one counted
    assert by_title["NLP Engineer"]["locations"][0]["city"] == "Antwerp"
    assert stats["jobtrends/jsonld_parse_errors"] == 1
    assert stats["jobtrends/pages_without_jobposting"] == 1
    # close signals: 404 page, "no longer accepting", validThrough in the past
    gone = {(g["source_job_id"].rsplit("/", 1)[-1], g["reason"]) for g in
            _items(result, "PostingGoneItem")}
    assert gone == {("gone-404.html", "http_gone"), ("closed.html", "not_accepting"),
                    ("106-expired.html", "expired")}
    # robots.txt disallows /private/
    assert stats["robotstxt/forbidden"] == 1
    assert "Secret Job" not in by_title


def test_jsonld_listing_pages_follow_links_and_pagination(crawl: dict[str, Any]) -> None:
    result = crawl["jl-listing"]
    items = _items(result)
    titles = sorted(i["title"] for i in items)
    assert titles == ["Listing Job 201", "Listing Job 202", "Twin Job A", "Twin Job B"]
    twins = {i["title"]: i["source_job_id"] for i in items if i["title"].startswith("Twin")}
    assert twins["Twin Job A"].endswith("203-list.html#A-1")
    assert twins["Twin Job B"].endswith("203-list.html#B-2")
    job201 = next(i for i in items if i["title"] == "Listing Job 201")
    assert job201["source_job_id"].endswith("/site/jobs/201.html")  # ?ref=list stripped


def test_user_agent_names_the_project(crawl: dict[str, Any], mockserver: MockServer  # noqa: F811
                                      ) -> None:
    agents = set(mockserver.state.user_agents)
    assert agents and all(a.startswith("jobtrends/") and "(+http" in a for a in agents)


@pytest.mark.parametrize("throttle", [True, False])
def test_sitemaps_are_read_one_at_a_time_so_memory_stays_flat(
        mockserver: MockServer, tmp_path: Path, throttle: bool  # noqa: F811
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nname = "gen"\nkind = "jsonld"\nsitemap_urls = '
        f'["{mockserver.url}/gen/jsonld/sitemap.xml?n=200&per=20"]\n'
        'posting_url_pattern = "/job/"\n', encoding="utf-8")
    result = run_crawl(sources, tmp_path / "out.json",
                       f"JOBTRENDS_SITEMAP_THROTTLE={str(throttle).lower()}")["gen"]
    assert result["finish_reason"] == "finished" and len(_items(result)) == 200
    peak = result["stats"]["jobtrends/max_outstanding_postings"]
    # throttled: the next sitemap is read once fewer than LOW_WATERMARK (100) postings are
    # outstanding, so at most 100 + one sitemap (20) wait; unthrottled, 8 concurrent sitemap
    # downloads queue 160 at once (and a 100k-posting site queues ~100k requests)
    assert (peak <= 120) if throttle else (peak > 120)
