"""Source configuration: the operator's TOML file, validated before any request is made.

One ``[[source]]`` table per source::

    [[source]]
    name = "acme-greenhouse"     # unique
    kind = "greenhouse"          # see KINDS
    board = "acme"               # the kind's own key
    country = "BE"               # optional default country (ISO alpha-2)
    download_delay = 1.0         # optional politeness overrides

Errors name the file, the line of the source's table, the source and the key.
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SOURCES_FILE = "sources.toml"


@dataclass(frozen=True)
class KindSpec:
    """What a source kind needs: its required keys, optional keys and the API's origin."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    base_url: str | None = None  # may contain {company}/{board}/... placeholders
    can_relist: bool = True
    first_party: bool = True  # the employer's own listing (ATS board), not a job board's copy
    # an address per posting that answers 404/410 once the job is gone: open postings a crawl's
    # listing left out are revisited there (crawler.pipelines, "revisit_missing")
    revisits: bool = False

    def revisit_limit(self, own: int | None, default: int) -> int:
        """How many unlisted postings a crawl of this kind revisits at most: the source's own
        ``revisit_missing`` (``own``), else the crawl's ``default``; 0 for a kind without a
        page per posting."""
        if not self.revisits:
            return 0
        return default if own is None else own


KINDS: dict[str, KindSpec] = {
    "greenhouse": KindSpec(("board",), base_url="https://boards-api.greenhouse.io",
                           revisits=True),
    "lever": KindSpec(("site",), ("page_size",), base_url="https://api.lever.co", revisits=True),
    "ashby": KindSpec(("board",), base_url="https://api.ashbyhq.com"),
    "workable": KindSpec(("account",), base_url="https://apply.workable.com"),
    "smartrecruiters": KindSpec(("company",), ("page_size",),
                                base_url="https://api.smartrecruiters.com", revisits=True),
    "recruitee": KindSpec(("company",), base_url="https://{company}.recruitee.com"),
    "personio": KindSpec(("company",), base_url="https://{company}.jobs.personio.de"),
    "teamtailor": KindSpec(("company",), ("per_page",), base_url="https://{company}.teamtailor.com"),
    "jsonld": KindSpec(
        (),
        ("start_urls", "sitemap_urls", "sitemap_follow", "posting_url_pattern", "link_selector",
         "next_page_selector", "max_pages"),
        first_party=False,  # job boards, unless the entry says it is a company's career site
        revisits=True,
    ),
}
COMMON_KEYS = ("name", "kind", "enabled", "country", "company_name", "language", "base_url",
               "can_relist", "first_party", "download_delay", "concurrency", "retry_times",
               "download_timeout", "revisit_missing")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class SourceConfigError(ValueError):
    """The sources file is wrong; the message names the file, line, source and key."""

    def __init__(self, path: Path | str, message: str, *, line: int | None = None,
                 source: str | None = None, key: str | None = None) -> None:
        self.path, self.line, self.source, self.key = str(path), line, source, key
        where = f"{path}:{line}" if line else str(path)
        who = f"source {source!r}: " if source else ""
        super().__init__(f"{where}: {who}{message}")


@dataclass(frozen=True)
class SourceConfig:
    """One validated source. ``options`` holds the kind's own keys (board, site, start_urls...)."""

    name: str
    kind: str
    options: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    country: str | None = None
    company_name: str | None = None
    language: str | None = None
    base_url: str | None = None
    can_relist: bool = True
    first_party: bool = True
    download_delay: float | None = None
    concurrency: int | None = None
    retry_times: int | None = None
    download_timeout: float | None = None
    #: open postings the listing left out whose own page is fetched, at most (None: the
    #: crawl's JOBTRENDS_REVISIT_MISSING; 0: none)
    revisit_missing: int | None = None
    line: int | None = None

    @property
    def origin(self) -> str:
        """The API's origin (``base_url`` override, else the kind's documented host)."""
        if self.base_url:
            return self.base_url.rstrip("/")
        template = KINDS[self.kind].base_url or ""
        return template.format(**{k: v for k, v in self.options.items() if isinstance(v, str)})

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


def _table_lines(text: str) -> list[int]:
    """Line numbers (1-based) of each ``[[source]]`` header, in order."""
    return [n for n, line in enumerate(text.splitlines(), 1)
            if re.match(r"^\s*\[\[\s*source\s*\]\]", line)]


def _key_line(text: str, table_line: int | None, key: str) -> int | None:
    """The line of ``key = ...`` inside the table starting at ``table_line``."""
    if table_line is None:
        return None
    lines = text.splitlines()
    for n in range(table_line, len(lines)):
        if re.match(r"^\s*\[", lines[n]):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", lines[n]):
            return n + 1
    return table_line


def load_sources(path: Path | str = DEFAULT_SOURCES_FILE) -> list[SourceConfig]:
    """Read and validate every source of ``path``; raises :class:`SourceConfigError`."""
    path = Path(path)
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)  # as some Windows editors save
    except FileNotFoundError:
        raise SourceConfigError(path, "file not found (pass --sources FILE)") from None
    except OSError as exc:
        raise SourceConfigError(path, f"cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceConfigError(path, f"not UTF-8 text (byte {data[exc.start]:#04x}); TOML "
                                "files are UTF-8", line=line) from None
    return parse_sources(text, path)


def parse_sources(text: str, path: Path | str = "<sources>") -> list[SourceConfig]:
    """Validate the TOML ``text`` of a sources file (``path`` is only used in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))  # Python < 3.14 has no exc.lineno
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise SourceConfigError(path, f"not valid TOML: {exc}", line=line) from exc
    unknown = sorted(set(data) - {"source"})
    if unknown:
        raise SourceConfigError(path, f"unknown top-level key {unknown[0]!r}; sources are "
                                "[[source]] tables")
    tables = data.get("source", [])
    if not isinstance(tables, list):
        raise SourceConfigError(path, "'source' must be an array of tables: write [[source]]")
    header_lines = _table_lines(text)
    sources: list[SourceConfig] = []
    seen: dict[str, int | None] = {}
    for index, table in enumerate(tables):
        line = header_lines[index] if index < len(header_lines) else None
        source = _validate(table, path, text, line)
        if source.name in seen:
            raise SourceConfigError(
                path, f"duplicate name (first defined at line {seen[source.name]})",
                line=line, source=source.name, key="name")
        seen[source.name] = line
        sources.append(source)
    return sources


def _validate(table: dict[str, Any], path: Path | str, text: str, line: int | None
              ) -> SourceConfig:
    name = table.get("name")

    def error(key: str, message: str) -> SourceConfigError:
        return SourceConfigError(path, message, line=_key_line(text, line, key),
                                 source=name if isinstance(name, str) else None, key=key)

    if not isinstance(name, str) or not _NAME.match(name):
        raise SourceConfigError(
            path, "missing or invalid 'name' (letters, digits, '.', '_' or '-', e.g. "
            "name = \"acme-greenhouse\")", line=line, key="name")
    kind = table.get("kind")
    if kind not in KINDS:
        hint = difflib.get_close_matches(str(kind), KINDS, n=1)
        raise error("kind", f"unknown kind {kind!r}" + (f"; did you mean {hint[0]!r}?" if hint
                    else f"; choose one of {', '.join(sorted(KINDS))}"))
    spec = KINDS[kind]
    allowed = set(COMMON_KEYS) | set(spec.required) | set(spec.optional)
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            raise error(key, f"unknown key {key!r} for kind {kind!r}"
                        + (f"; did you mean {hint[0]!r}?" if hint else ""))
    for key in spec.required:
        if key not in table:
            raise error("kind", f"missing key {key!r} (required by kind {kind!r})")
        if not isinstance(table[key], str) or not _TOKEN.match(table[key]):
            raise error(key, f"{key!r} must be the {kind} token as in its URL, e.g. "
                        f"{key} = \"acme\"; got {table[key]!r}")
    options = {k: table[k] for k in (*spec.required, *spec.optional) if k in table}
    if kind == "jsonld":
        _validate_jsonld(options, error)
    for key in ("page_size", "per_page", "max_pages"):
        if key in options and (not isinstance(options[key], int) or options[key] < 1):
            raise error(key, f"{key!r} must be a positive integer; got {options[key]!r}")
    if kind == "smartrecruiters" and options.get("page_size", 100) > 100:
        raise error("page_size", "SmartRecruiters pages hold at most 100 postings")
    base_url = table.get("base_url")
    if base_url is not None and not _is_http_url(base_url):
        raise error("base_url", f"'base_url' must be an http(s) URL; got {base_url!r}")
    country = table.get("country")
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Za-z]{2}",
                                                                                country)):
        raise error("country", f"'country' must be an ISO 3166-1 alpha-2 code like \"BE\"; "
                    f"got {country!r}")
    for key, kinds in (("enabled", bool), ("can_relist", bool), ("first_party", bool),
                       ("download_delay", (int, float)), ("download_timeout", (int, float)),
                       ("concurrency", int), ("retry_times", int), ("revisit_missing", int),
                       ("company_name", str),
                       ("language", str)):
        value = table.get(key)
        if value is not None and (not isinstance(value, kinds) or (
                isinstance(value, bool) and kinds is not bool)):
            raise error(key, f"{key!r} has the wrong type: {value!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise error(key, f"{key!r} must not be negative; got {value!r}")
    if table.get("concurrency") == 0:
        raise error("concurrency", "'concurrency' must be at least 1")
    if table.get("revisit_missing") and not spec.revisits:
        raise error("revisit_missing", f"kind {kind!r} has no page per posting that answers "
                    "404 once the job is gone: its postings close after missed crawls only")
    return SourceConfig(
        name=name, kind=kind, options=options, enabled=table.get("enabled", True),
        country=country.upper() if isinstance(country, str) else None,
        company_name=table.get("company_name"), language=table.get("language"),
        base_url=base_url,
        can_relist=table.get("can_relist", spec.can_relist),
        first_party=table.get("first_party", spec.first_party),
        download_delay=_float(table.get("download_delay")),
        concurrency=table.get("concurrency"), retry_times=table.get("retry_times"),
        download_timeout=_float(table.get("download_timeout")),
        revisit_missing=table.get("revisit_missing"), line=line,
    )


def _validate_jsonld(options: dict[str, Any], error: Any) -> None:
    if not options.get("start_urls") and not options.get("sitemap_urls"):
        raise error("kind", "missing key 'start_urls' (or 'sitemap_urls') required by kind "
                    "'jsonld'")
    for key in ("start_urls", "sitemap_urls"):
        urls = options.get(key, [])
        if isinstance(urls, str):
            urls = options[key] = [urls]
        if not isinstance(urls, list) or not all(_is_http_url(u) for u in urls):
            bad = next((u for u in urls if not _is_http_url(u)), urls) if isinstance(
                urls, list) else urls
            raise error(key, f"{key!r} must be a list of http(s) URLs; bad value {bad!r}")
    follow = options.get("sitemap_follow", [])
    if isinstance(follow, str):
        follow = options["sitemap_follow"] = [follow]
    for pattern in [*follow, options.get("posting_url_pattern", "")]:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise error("posting_url_pattern" if pattern == options.get("posting_url_pattern")
                        else "sitemap_follow", f"bad regular expression {pattern!r}: {exc}"
                        ) from exc
    for key in ("link_selector", "next_page_selector"):
        if key in options and not isinstance(options[key], str):
            raise error(key, f"{key!r} must be a CSS selector string")


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def select_sources(sources: list[SourceConfig], names: list[str] | None, path: Path | str
                   ) -> list[SourceConfig]:
    """The named sources (in the given order), else every enabled one."""
    if not names:
        return [s for s in sources if s.enabled]
    by_name = {s.name: s for s in sources}
    missing = [n for n in names if n not in by_name]
    if missing:
        hint = difflib.get_close_matches(missing[0], by_name, n=1)
        raise SourceConfigError(path, f"no source named {missing[0]!r}"
                                + (f"; did you mean {hint[0]!r}?" if hint else ""))
    return [by_name[n] for n in names]
