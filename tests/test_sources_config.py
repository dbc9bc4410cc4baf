"""Source configuration: every mistake is caught before any request, with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.endpoints import first_url
from crawler.sources import SourceConfigError, load_sources, parse_sources, select_sources

ROOT = Path(__file__).resolve().parents[1]
GOOD = '''
[[source]]
name = "acme"
kind = "greenhouse"
board = "acme"
country = "be"
download_delay = 2

[[source]]
name = "globex-eu"
kind = "lever"
site = "globex"
base_url = "https://api.eu.lever.co"
'''


def test_valid_file_loads_with_defaults_and_overrides() -> None:
    acme, globex = parse_sources(GOOD)
    assert (acme.name, acme.kind, acme.options, acme.country) == ("acme", "greenhouse",
                                                                   {"board": "acme"}, "BE")
    assert acme.download_delay == 2.0 and acme.enabled and acme.line == 2
    assert first_url(acme) == "https://boards-api.greenhouse.io/v1/boards/acme/jobs?content=true"
    assert first_url(globex).startswith("https://api.eu.lever.co/v0/postings/globex?mode=json")
    assert globex.line == 9


def test_first_party_defaults_by_kind_and_can_be_set() -> None:
    """ATS boards are the employer's own listing; a schema.org source is a job board unless its
    entry says it is a company's career site."""
    ats, board, site = parse_sources(
        '[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "a"\n\n'
        '[[source]]\nname = "b"\nkind = "jsonld"\nstart_urls = ["https://jobs.example/"]\n\n'
        '[[source]]\nname = "c"\nkind = "jsonld"\nstart_urls = ["https://acme.example/"]\n'
        'first_party = true\n'
    )
    assert (ats.first_party, board.first_party, site.first_party) == (True, False, True)


@pytest.mark.parametrize(
    ("kind", "keys", "url"),
    [
        ("greenhouse", 'board = "b"', "http://h:1/m/v1/boards/b/jobs?content=true"),
        ("lever", 'site = "s"', "http://h:1/m/v0/postings/s?mode=json&skip=0&limit=100"),
        ("ashby", 'board = "b"', "http://h:1/m/posting-api/job-board/b?includeCompensation=true"),
        ("workable", 'account = "a"', "http://h:1/m/api/v1/widget/accounts/a?details=true"),
        ("smartrecruiters", 'company = "c"',
         "http://h:1/m/v1/companies/c/postings?limit=100&offset=0"),
        ("recruitee", 'company = "c"', "http://h:1/m/api/offers/"),
        ("personio", 'company = "c"', "http://h:1/m/xml?language=en"),
        ("teamtailor", 'company = "c"', "http://h:1/m/jobs.rss?per_page=1000"),
    ],
)
def test_base_url_keeps_its_path_prefix(kind: str, keys: str, url: str) -> None:
    (source,) = parse_sources(f'[[source]]\nname = "x"\nkind = "{kind}"\n{keys}\n'
                              'base_url = "http://h:1/m/"\n')
    assert first_url(source) == url


def test_default_origins_use_the_company_host() -> None:
    (source,) = parse_sources('[[source]]\nname = "x"\nkind = "recruitee"\ncompany = "hooli"\n')
    assert first_url(source) == "https://hooli.recruitee.com/api/offers/"


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('[[source]]\nname = "a"\nkind = "greenhose"\nboard = "x"\n', 3,
         "unknown kind 'greenhose'; did you mean 'greenhouse'?"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\n', 3,
         "missing key 'board' (required by kind 'greenhouse')"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nbord = "x"\n', 4,
         "unknown key 'bord' for kind 'greenhouse'; did you mean 'board'?"),
        ('[[source]]\nname = "a"\nkind = "lever"\nsite = "x"\nbase_url = "ftp://x"\n', 5,
         "'base_url' must be an http(s) URL"),
        ('[[source]]\nname = "a"\nkind = "jsonld"\nstart_urls = ["not a url"]\n', 4,
         "'start_urls' must be a list of http(s) URLs; bad value 'not a url'"),
        ('[[source]]\nname = "a"\nkind = "jsonld"\n', 3, "missing key 'start_urls'"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "x"\n\n'
         '[[source]]\nname = "a"\nkind = "lever"\nsite = "y"\n', 6,
         "duplicate name (first defined at line 1)"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "x y"\n', 4, "'board' must be"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "x"\ncountry = "Belgium"\n', 5,
         "ISO 3166-1 alpha-2"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "x"\ndownload_delay = "2"\n', 5,
         "'download_delay' has the wrong type"),
        ('[[source]]\nname = "a"\nkind = "greenhouse"\nboard = "x"\nfirst_party = "yes"\n', 5,
         "'first_party' has the wrong type"),
        ('[[source]]\nkind = "greenhouse"\nboard = "x"\n', 1, "missing or invalid 'name'"),
        ('[[source]]\nname = "a"\nkind = "smartrecruiters"\ncompany = "c"\npage_size = 500\n', 5,
         "at most 100"),
    ],
)
def test_errors_name_file_line_source_and_key(text: str, line: int, needle: str) -> None:
    with pytest.raises(SourceConfigError) as info:
        parse_sources(text, "ops/sources.toml")
    message = str(info.value)
    assert message.startswith(f"ops/sources.toml:{line}: ")
    assert needle in message


def test_syntax_error_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[source]]\nname = "a"\nkind = greenhouse\n', encoding="utf-8")
    with pytest.raises(SourceConfigError, match=r"s\.toml:3: not valid TOML"):
        load_sources(path)


def test_a_file_not_in_utf8_names_the_line_and_a_bom_is_accepted(tmp_path: Path) -> None:
    """A Latin-1 file names the line of its first bad byte (it gave the codec's byte offset);
    a UTF-8 file that a Windows editor began with a byte-order mark loads (it was refused as
    invalid TOML at line 1)."""
    path = tmp_path / "s.toml"
    body = '[[source]]\nname = "acme"\nkind = "greenhouse"\nboard = "acme"  # Café SA\n'
    path.write_bytes(body.encode("latin-1"))
    with pytest.raises(SourceConfigError, match=r"s\.toml:4: not UTF-8 text \(byte 0xe9\)"):
        load_sources(path)
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert [s.name for s in load_sources(path)] == ["acme"]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="file not found"):
        load_sources(tmp_path / "nope.toml")


def test_select_by_name_or_all_enabled() -> None:
    sources = parse_sources(GOOD + '\n[[source]]\nname = "off"\nkind = "ashby"\nboard = "o"\n'
                                   'enabled = false\n')
    assert [s.name for s in select_sources(sources, None, "f")] == ["acme", "globex-eu"]
    assert [s.name for s in select_sources(sources, ["off"], "f")] == ["off"]
    with pytest.raises(SourceConfigError, match="no source named 'acm'; did you mean 'acme'"):
        select_sources(sources, ["acm"], "f")


def test_shipped_sources_file_is_valid() -> None:
    sources = load_sources(ROOT / "sources.toml")
    assert len(sources) >= 10
    assert len({s.kind for s in sources}) == 9  # every kind has an example
