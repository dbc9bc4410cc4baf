"""A seeded, deterministic job market: companies, sources and roles that open and close by week.

The market is pure data. :class:`~jobtrends.simulator.server.MarketServer` serves it over HTTP
"as of" a simulated week, and :mod:`jobtrends.simulator.truth` computes what a correct pipeline
must report about it.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING

from crawler.settings import JOBTRENDS_REVISIT_MISSING
from jobtrends.simulator import vocab
from storage.companies import normalize_title

if TYPE_CHECKING:
    from jobtrends.simulator.truth import GroundTruth

KIND_GREENHOUSE = "greenhouse"
KIND_LEVER = "lever"
KIND_JSONLD = "jsonld"

# country -> job board slug (Luxembourg companies advertise on the Belgian board)
BOARD_OF_COUNTRY = {"BE": "jobs-be", "NL": "vacatures-nl", "DE": "stellen-de", "FR": "emploi-fr",
                    "LU": "jobs-be"}
# boards fed to the spider through their sitemap (the others through listing pages)
SITEMAP_BOARDS = frozenset({"jobs-be", "stellen-de"})
# boards publishing datePosted as a bare date rather than a date-time
DATE_ONLY_BOARDS = frozenset({"vacatures-nl"})

CRAWL_HOUR = 9  # every simulated crawl looks at the market on Monday 09:00 UTC


@dataclass(frozen=True)
class MarketConfig:
    """What to simulate. ``postings`` counts roles opened over the whole simulated period."""

    seed: int = 7
    companies: int = 36
    postings: int = 1500
    weeks: int = 12
    start: date = date(2026, 1, 5)  # a Monday: the first crawl's week
    failing_week: int | None = None  # default: the middle week
    cross_post_share: float = 0.1
    # a job board keeps its copy of an ATS role up to this many days after the role closed
    # (a per-copy lag, uniform over 0..copy_linger_days); 0: copies close with their role
    copy_linger_days: int = 21
    median_days: float = 40.0  # median lifetime of a role (log-normal, clipped to 7..120 days)
    lead_in_days: int = 70  # roles open this long before the first crawl (left-censored ones)
    sitemap_page_size: int = 500
    listing_page_size: int = 25

    def __post_init__(self) -> None:
        if self.weeks < 3:
            raise ValueError(f"weeks must be at least 3, got {self.weeks}")
        if self.companies < 4:
            raise ValueError(f"companies must be at least 4, got {self.companies}")
        if self.postings < 1:
            raise ValueError(f"postings must be positive, got {self.postings}")
        if self.start.weekday() != 0:
            raise ValueError(f"start must be a Monday, got {self.start.isoformat()}")
        fw = self.failing_week
        if fw is not None and not 1 <= fw < self.weeks:
            raise ValueError(f"failing_week must be in 1..{self.weeks - 1}, got {fw}")
        if self.copy_linger_days < 0:
            raise ValueError(
                f"copy_linger_days must not be negative, got {self.copy_linger_days}")


@dataclass(frozen=True)
class Company:
    key: str  # slug: the ATS board / site token
    name: str
    country: str
    industry: str
    founded_year: int
    website: str
    kind: str  # where its own postings live: greenhouse, lever or jsonld (a job board)
    weight: float


@dataclass(frozen=True)
class SourceSpec:
    """One crawlable source: an ATS board of one company, or a job board of many."""

    name: str
    kind: str
    key: str  # greenhouse board, lever site or job-board slug
    country: str
    company: str | None = None  # the company key for ATS sources


@dataclass(slots=True)
class Role:
    """One real-world opening, with the ground-truth labels it was generated from."""

    idx: int
    company: int
    family: str
    seniority: str
    employment: str
    language: str
    cities: tuple[str, ...]  # canonical city names (English)
    title: str
    skills: tuple[str, ...]
    years: int
    remote: str
    opened: datetime
    closed: datetime
    seed: int


@dataclass(frozen=True, slots=True)
class Placement:
    """A role as one source lists it, until its role closes and ``linger`` more."""

    role: int
    source: str
    job_id: str
    # how long the listing outlives its role: a job board's copy of an ATS role lingers
    linger: timedelta = timedelta(0)


@dataclass
class Market:
    """A simulated market. Build it with :func:`build_market`."""

    config: MarketConfig
    companies: list[Company]
    sources: list[SourceSpec]
    roles: list[Role]
    placements: dict[str, list[Placement]]  # source name -> its placements, by opening time
    failing_source: str
    failing_week: int
    _visible_cache: dict[tuple[str, int], list[Placement]] = field(default_factory=dict)

    # --- time -------------------------------------------------------------------------------
    def crawl_time(self, week: int) -> datetime:
        """The observation time of simulated week ``week`` (Monday 09:00 UTC)."""
        start = datetime.combine(self.config.start, datetime.min.time())
        return start + timedelta(weeks=week, hours=CRAWL_HOUR)

    @property
    def weeks(self) -> int:
        return self.config.weeks

    @cached_property
    def source_by_name(self) -> dict[str, SourceSpec]:
        return {s.name: s for s in self.sources}

    @cached_property
    def source_by_key(self) -> dict[tuple[str, str], SourceSpec]:
        return {(s.kind, s.key): s for s in self.sources}

    # --- state "as of" a week ------------------------------------------------------------------
    def is_failing(self, source: str, week: int) -> bool:
        return source == self.failing_source and week == self.failing_week

    def visible(self, source: str, week: int) -> list[Placement]:
        """Placements of ``source`` live at week ``week``'s crawl time, in a stable order."""
        cache_key = (source, week)
        cached = self._visible_cache.get(cache_key)
        if cached is not None:
            return cached
        t = self.crawl_time(week)
        roles = self.roles
        placements = self.placements.get(source, [])
        # placements are sorted by opening time: only the prefix opened before t can be live
        live = [p for p in placements if roles[p.role].opened <= t < self.closes_at(p)]
        if len(self._visible_cache) > 256:
            self._visible_cache.clear()
        self._visible_cache[cache_key] = live
        return live

    def is_live(self, placement: Placement, week: int) -> bool:
        """Whether ``placement`` is listed at ``week``'s crawl time (see :meth:`closes_at`)."""
        role = self.roles[placement.role]
        return role.opened <= self.crawl_time(week) < self.closes_at(placement)

    def closes_at(self, placement: Placement) -> datetime:
        """When ``placement`` stops being listed: its role's close, later for a lingering copy."""
        return self.roles[placement.role].closed + placement.linger

    def placement(self, source: str, job_id: str) -> Placement | None:
        return self._placement_index.get((source, job_id))

    @cached_property
    def _placement_index(self) -> dict[tuple[str, str], Placement]:
        return {(p.source, p.job_id): p for ps in self.placements.values() for p in ps}

    def ground_truth(self, *, k: int = 2, min_seen_share: float = 0.5,
                     revisit_limit: int = JOBTRENDS_REVISIT_MISSING) -> GroundTruth:
        """What a report of this market crawled weekly must show: see :mod:`.truth`
        (``revisit_limit``: the crawler's, by default)."""
        from jobtrends.simulator.truth import ground_truth

        return ground_truth(self, k=k, min_seen_share=min_seen_share,
                            revisit_limit=revisit_limit)

    # --- files for the pipeline ----------------------------------------------------------------
    def sources_toml(self, base_url: str) -> str:
        """A ``sources.toml`` (issue 3's format) pointing the real spiders at ``base_url``."""
        base = base_url.rstrip("/")
        lines = ["# generated by jobtrends.simulator for a simulated market", ""]
        for s in self.sources:
            lines.append("[[source]]")
            lines.append(f'name = "{s.name}"')
            lines.append(f'kind = "{s.kind}"')
            if s.company is not None:
                # Lever's API does not name the company: the operator does, per board
                name = next(c.name for c in self.companies if c.key == s.company)
                lines.append(f"company_name = {json.dumps(name, ensure_ascii=False)}")
            if s.kind == KIND_GREENHOUSE:
                lines.append(f'board = "{s.key}"')
                lines.append(f'base_url = "{base}/greenhouse"')
            elif s.kind == KIND_LEVER:
                lines.append(f'site = "{s.key}"')
                lines.append(f'base_url = "{base}/lever"')
            else:
                if s.key in SITEMAP_BOARDS:
                    lines.append(f'start_urls = ["{base}/boards/{s.key}/sitemap.xml"]')
                else:
                    lines.append(f'start_urls = ["{base}/boards/{s.key}/jobs"]')
                    lines.append('link_selector = "a.job-link"')
            lines.append(f'country = "{s.country}"')
            # the simulator runs on this machine: no need to be polite to it
            lines.append("download_delay = 0")
            lines.append("concurrency = 8")
            lines.append("")
        return "\n".join(lines)

    def company_rows(self) -> list[dict[str, str]]:
        """Company metadata as ``jobtrends import companies`` reads it."""
        return [
            {"name": c.name, "country": c.country, "industry": c.industry,
             "founded_year": str(c.founded_year), "website": c.website}
            for c in self.companies
        ]

    def talent_pool_rows(self) -> list[dict[str, str]]:
        """Talent-pool counts (country x role family) as ``jobtrends import talent-pool`` reads."""
        rng = random.Random(self.config.seed * 7919 + 17)
        base = {"BE": 2500, "NL": 6000, "DE": 15000, "FR": 12000, "LU": 600}
        rows = []
        for country, people in base.items():
            for family in vocab.ROLE_FAMILIES:
                rows.append({"country": country, "role_family": family,
                             "people": str(int(people * rng.uniform(0.6, 1.4)))})
        return rows


# --- generation ---------------------------------------------------------------------------------

def _weighted(rng: random.Random, items: tuple[str, ...] | list[str],
              weights: tuple[float, ...] | list[float]) -> str:
    return rng.choices(list(items), weights=list(weights), k=1)[0]


def _company_name(rng: random.Random, country: str, used: set[str]) -> str:
    while True:
        stem = rng.choice(vocab.NAME_HEADS) + rng.choice(vocab.NAME_TAILS)
        if stem not in used:
            used.add(stem)
            break
    if rng.random() < 0.5:
        return f"{stem} {rng.choice(vocab.LEGAL_SUFFIX[country])}"
    return stem


def _make_companies(cfg: MarketConfig, rng: random.Random) -> list[Company]:
    countries = list(vocab.COUNTRY_PROFILES)
    shares = [vocab.COUNTRY_PROFILES[c][0] for c in countries]
    used: set[str] = set()
    companies = []
    for i in range(cfg.companies):
        # every country appears once before shares decide, so small markets still span them
        country = countries[i] if i < len(countries) else _weighted(rng, countries, shares)
        name = _company_name(rng, country, used)
        key = name.split()[0].lower()
        kind = (KIND_GREENHOUSE, KIND_LEVER, KIND_JSONLD)[i % 3]
        companies.append(Company(
            key=key, name=name, country=country, industry=rng.choice(vocab.INDUSTRIES),
            founded_year=rng.randint(1985, 2022), website=f"https://{key}.example.com",
            kind=kind, weight=1.0 / (1 + i) ** 0.5,  # a few big hirers, a long tail
        ))
    return companies


def _make_sources(companies: list[Company]) -> list[SourceSpec]:
    sources = []
    for c in companies:
        if c.kind == KIND_GREENHOUSE:
            sources.append(SourceSpec(f"gh-{c.key}", KIND_GREENHOUSE, c.key, c.country, c.key))
        elif c.kind == KIND_LEVER:
            sources.append(SourceSpec(f"lever-{c.key}", KIND_LEVER, c.key, c.country, c.key))
    for country in ("BE", "NL", "DE", "FR"):
        board = BOARD_OF_COUNTRY[country]
        sources.append(SourceSpec(f"board-{board}", KIND_JSONLD, board, country))
    return sources


def _title(rng: random.Random, family: str, seniority: str, language: str) -> str:
    if seniority == "Internship":
        return vocab.INTERN_TITLES[family][language]
    if seniority in ("Director", "Executive"):
        return vocab.DIRECTOR_TITLES[family][language]
    base = rng.choice(vocab.BASE_TITLES[family][language])
    # half of mid-senior roles carry no marker: their level is in the years of experience
    if seniority == "Mid-Senior level" and rng.random() < 0.5:
        return base
    prefix, suffix = vocab.LEVEL_MARKERS[seniority][language]
    if suffix and base.endswith(")"):  # "Data Engineer (H/F)" -> "Data Engineer Senior (H/F)"
        head, _, tail = base.rpartition(" (")
        return f"{prefix}{head}{suffix} ({tail}"
    if prefix and language == "nl" and base.endswith("(m/v/x)"):
        return f"{prefix}{base}"
    return f"{prefix}{base}{suffix}"


def _opening_times(cfg: MarketConfig, rng: random.Random, n: int) -> list[datetime]:
    """Opening times with a rising trend and one peak week, business hours only."""
    start = datetime.combine(cfg.start, datetime.min.time())
    first = start - timedelta(days=cfg.lead_in_days)
    span_days = cfg.lead_in_days + cfg.weeks * 7
    peak_week = max(2, (cfg.weeks * 2) // 3)
    day_weights = []
    for d in range(span_days):
        day = first + timedelta(days=d)
        w = 1.0 + 0.6 * d / span_days
        if 0 <= (day - start).days // 7 == peak_week:
            w *= 2.0
        if day.weekday() >= 5:
            w *= 0.15
        day_weights.append(w)
    cum = list(accumulate(day_weights))
    times = []
    for _ in range(n):
        d = bisect_right(cum, rng.random() * cum[-1])
        hour = rng.randint(7, 15)
        minute = rng.randint(0, 59)
        times.append(first + timedelta(days=min(d, span_days - 1), hours=hour, minutes=minute))
    times.sort()
    return times


def build_market(config: MarketConfig | None = None) -> Market:
    """Generate the market described by ``config`` (the same config gives the same market)."""
    cfg = config or MarketConfig()
    rng = random.Random(cfg.seed)
    companies = _make_companies(cfg, rng)
    sources = _make_sources(companies)
    by_company = {s.company: s for s in sources if s.company}
    failing_week = cfg.failing_week if cfg.failing_week is not None else cfg.weeks // 2
    failing_source = next(s.name for s in sources if s.kind == KIND_GREENHOUSE)

    weights = list(accumulate(c.weight for c in companies))
    roles: list[Role] = []
    placements: dict[str, list[Placement]] = {s.name: [] for s in sources}
    for idx, opened in enumerate(_opening_times(cfg, rng, cfg.postings)):
        ci = bisect_right(weights, rng.random() * weights[-1])
        ci = min(ci, len(companies) - 1)
        company = companies[ci]
        family = _weighted(rng, vocab.ROLE_FAMILIES, vocab.ROLE_FAMILY_WEIGHTS)
        seniority = _weighted(rng, vocab.SENIORITIES, vocab.SENIORITY_WEIGHTS)
        employment = ("Internship" if seniority == "Internship"
                      else _weighted(rng, vocab.EMPLOYMENT_TYPES, vocab.EMPLOYMENT_WEIGHTS))
        _, city_weights, lang_weights = vocab.COUNTRY_PROFILES[company.country]
        language = _weighted(rng, list(lang_weights), list(lang_weights.values()))
        city = _weighted(rng, list(city_weights), list(city_weights.values()))
        cities: tuple[str, ...] = (city,)
        if len(city_weights) > 1 and rng.random() < 0.06:
            second = _weighted(rng, [c for c in city_weights if c != city],
                               [w for c, w in city_weights.items() if c != city])
            cities = (city, second)
        lo, hi = vocab.YEARS_BY_LEVEL[seniority]
        pool = vocab.SKILLS_BY_FAMILY[family]
        skills = tuple(rng.sample(pool, rng.randint(3, min(6, len(pool)))))
        days = min(120.0, max(7.0, rng.lognormvariate(math.log(cfg.median_days), 0.45)))
        role = Role(
            idx=idx, company=ci, family=family, seniority=seniority, employment=employment,
            language=language, cities=cities, title=_title(rng, family, seniority, language),
            skills=skills, years=rng.randint(lo, hi),
            remote=_weighted(rng, ["hybrid", "on-site", "remote"], [0.6, 0.3, 0.1]),
            opened=opened, closed=opened + timedelta(days=days), seed=rng.getrandbits(32),
        )
        roles.append(role)
        board_source = f"board-{BOARD_OF_COUNTRY[company.country]}"
        if company.kind == KIND_JSONLD:
            placements[board_source].append(Placement(idx, board_source, _board_id(company, idx)))
            continue
        ats = by_company[company.key]
        placements[ats.name].append(Placement(idx, ats.name, _ats_id(cfg, ats.kind, idx)))
    # The same role cross-posted on the country's job board: never from the failing source (its
    # failed week would make the two copies' lifecycles legitimately differ), and only roles
    # whose (company, normalized title) is unique, so the copy can only be matched to its own
    # role even by a matcher that cannot tell cities apart. The board keeps its copy up for a
    # while after the company closed the role: the lags come from a generator of their own, so
    # that they leave every other generated value as it was.
    linger_rng = random.Random(cfg.seed * 7919 + 29)
    titles = {t: normalize_title(t) for t in {r.title for r in roles}}  # a few hundred titles
    keys = Counter((r.company, titles[r.title]) for r in roles)
    for role in roles:
        company = companies[role.company]
        if company.kind == KIND_JSONLD or rng.random() >= cfg.cross_post_share:
            continue
        if by_company[company.key].name == failing_source:
            continue
        if keys[(role.company, titles[role.title])] > 1:
            continue
        board_source = f"board-{BOARD_OF_COUNTRY[company.country]}"
        linger = timedelta(days=linger_rng.randint(0, cfg.copy_linger_days))
        placements[board_source].append(
            Placement(role.idx, board_source, _board_id(company, role.idx), linger))
    for ps in placements.values():
        ps.sort(key=lambda p: (roles[p.role].opened, p.role))
    return Market(cfg, companies, sources, roles, placements, failing_source, failing_week)


def _ats_id(cfg: MarketConfig, kind: str, idx: int) -> str:
    if kind == KIND_GREENHOUSE:
        return str(4_000_000 + idx * 7)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"jobtrends-sim/{cfg.seed}/{idx}"))


def _board_id(company: Company, idx: int) -> str:
    return f"{company.country.lower()}-{idx:07d}"
