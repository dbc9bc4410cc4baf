"""SQL views for analysts: stable names and columns, identical on SQLite and PostgreSQL.

These are the *current* view definitions. The database gets them through migrations
(``storage/migrations/versions/0002_analyst_views.py`` and any later one that changes a view,
such as ``0005_posting_descriptions.py`` and ``0009_first_party_sources.py``),
which carry their own copy of the SQL as it was at their revision; :func:`view_definitions`
must always equal what the newest view migration creates (a test checks it). Columns are
documented in ``docs/views.md``.

Only calendar arithmetic differs per dialect (ISO weeks, date differences, string aggregation);
it is computed in the views, never stored.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

# Creation order: a view comes after the views it reads.
VIEW_NAMES: tuple[str, ...] = (
    "v_postings",
    "v_roles",
    "v_weekly_flow",
    "v_skill_counts",
    "v_city_counts",
    "v_open_by_country",
    "v_top_companies",
    "v_crawl_runs",
)

VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "v_postings": (
        "posting_id", "source", "source_job_id", "title", "company", "company_id", "url",
        "description", "language", "seniority", "employment_type", "role_family", "remote",
        "country", "cities", "date_posted", "valid_through", "first_seen_at", "last_seen_at",
        "opened_at", "closed_at", "close_reason", "status", "left_censored",
        "canonical_posting_id", "salary_min", "salary_max", "salary_currency", "salary_period",
        "enrichment_version", "first_party",
    ),
    "v_roles": (
        "role_id", "title", "company", "company_id", "role_family", "seniority",
        "employment_type", "remote", "country", "postings", "opened_at", "closed_at", "status",
        "left_censored", "days_to_fill",
    ),
    "v_weekly_flow": ("week", "week_start", "opened", "closed", "net", "complete_crawls"),
    "v_skill_counts": ("skill", "category", "roles", "open_roles"),
    "v_city_counts": ("city", "country", "roles", "open_roles"),
    "v_open_by_country": (
        "country", "role_family", "open_roles", "people", "openings_per_person",
    ),
    "v_top_companies": (
        "company_id", "company", "normalized_name", "country", "industry", "founded_year",
        "website", "open_roles", "roles",
    ),
    "v_crawl_runs": (
        "run_id", "source", "observed_at", "started_at", "finished_at", "finish_reason",
        "status", "status_detail", "pages", "pages_failed", "seen", "open_before",
    ),
}  # fmt: skip

# Per-dialect snippets; {x} is a timestamp (or date) expression.
_SQLITE = {
    # ISO week: the week's Thursday decides its year; Monday starts it.
    "week": (
        "(strftime('%Y', date({x}, 'weekday 0', '-3 days')) || '-W' || "
        "printf('%02d', (CAST(strftime('%j', date({x}, 'weekday 0', '-3 days')) AS INTEGER)"
        " - 1) / 7 + 1))"
    ),
    "week_start": "date({x}, 'weekday 0', '-6 days')",
    "days": "CAST(julianday(date({b})) - julianday(date({a})) AS INTEGER)",
    "cities": (
        "(SELECT group_concat(city, ', ') FROM (SELECT DISTINCT l.city AS city "
        "FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL "
        "ORDER BY l.city) AS pc)"
    ),
}
_POSTGRESQL = {
    "week": "(to_char({x}, 'IYYY') || '-W' || to_char({x}, 'IW'))",
    "week_start": "CAST(date_trunc('week', {x}) AS DATE)",
    "days": "(CAST({b} AS DATE) - CAST({a} AS DATE))",
    "cities": (
        "(SELECT string_agg(DISTINCT l.city, ', ' ORDER BY l.city) "
        "FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL)"
    ),
}


def _templates() -> dict[str, str]:
    return {
        "v_postings": """
SELECT p.id AS posting_id, s.name AS source, p.source_job_id, p.title,
       COALESCE(c.name, p.company_name_raw) AS company, p.company_id, p.url,
       d.description_text AS description, p.language, p.seniority, p.employment_type,
       p.role_family, p.remote, p.country, {cities} AS cities, p.date_posted, p.valid_through,
       p.first_seen_at, p.last_seen_at, p.opened_at, p.closed_at, p.close_reason, p.status,
       CASE WHEN p.left_censored THEN 1 ELSE 0 END AS left_censored,
       COALESCE(p.canonical_id, p.id) AS canonical_posting_id,
       p.salary_min, p.salary_max, p.salary_currency, p.salary_period, p.enrichment_version,
       CASE WHEN s.first_party THEN 1 ELSE 0 END AS first_party
FROM postings p
JOIN sources s ON s.id = p.source_id
LEFT JOIN companies c ON c.id = p.company_id
LEFT JOIN posting_descriptions d ON d.posting_id = p.id""",
        # One row per role (canonical posting): lifecycle folded over its linked postings; the
        # postings of first-party sources decide the close when the role has any. Its status is
        # 'untracked' (right-censored) when no seen close is as late as that close: it is only
        # the end of tracking of a retired source (lifecycle.md).
        "v_roles": """
SELECT x.role_id, x.title, x.company, x.company_id, x.role_family, x.seniority,
       x.employment_type, x.remote, x.country, x.postings, x.opened_at, x.closed_at,
       CASE WHEN x.closed_at IS NULL THEN 'open'
            WHEN x.seen_closed_at IS NULL OR x.closed_at > x.seen_closed_at THEN 'untracked'
            ELSE 'closed' END AS status,
       x.left_censored,
       CASE WHEN x.seen_closed_at >= x.closed_at AND x.left_censored = 0
            THEN {days_open_close} END AS days_to_fill
FROM (
  SELECT r.id AS role_id, r.title, COALESCE(c.name, r.company_name_raw) AS company,
         r.company_id, r.role_family, r.seniority, r.employment_type, r.remote, r.country,
         1 + COALESCE(g.n, 0) AS postings,
         CASE WHEN g.opened_at < r.opened_at THEN g.opened_at ELSE r.opened_at END AS opened_at,
         CASE WHEN g.role_id IS NULL THEN r.closed_at
              WHEN rs.first_party AND r.closed_at IS NULL THEN NULL
              WHEN g.n_first_party_closed < g.n_first_party THEN NULL
              WHEN rs.first_party AND g.first_party_closed_at > r.closed_at
                THEN g.first_party_closed_at
              WHEN rs.first_party THEN r.closed_at
              WHEN g.n_first_party > 0 THEN g.first_party_closed_at
              WHEN r.closed_at IS NULL THEN NULL
              WHEN g.n_closed < g.n THEN NULL
              WHEN g.closed_at > r.closed_at THEN g.closed_at
              ELSE r.closed_at END AS closed_at,
         CASE WHEN g.role_id IS NULL THEN r.seen_closed_at
              WHEN rs.first_party AND r.seen_closed_at IS NULL THEN g.first_party_seen_closed_at
              WHEN rs.first_party AND (g.first_party_seen_closed_at IS NULL
                                       OR r.seen_closed_at >= g.first_party_seen_closed_at)
                THEN r.seen_closed_at
              WHEN rs.first_party THEN g.first_party_seen_closed_at
              WHEN g.n_first_party > 0 THEN g.first_party_seen_closed_at
              WHEN r.seen_closed_at IS NULL THEN g.seen_closed_at
              WHEN g.seen_closed_at IS NULL OR r.seen_closed_at >= g.seen_closed_at
                THEN r.seen_closed_at
              ELSE g.seen_closed_at END AS seen_closed_at,
         CASE WHEN r.left_censored AND (g.opened_at IS NULL OR g.opened_at >= r.opened_at)
                THEN 1
              WHEN g.censored_opened_at = g.opened_at AND g.censored_opened_at <= r.opened_at
                THEN 1
              ELSE 0 END AS left_censored
  FROM (SELECT p.*, CASE WHEN p.close_reason = 'untracked' THEN NULL
                         ELSE p.closed_at END AS seen_closed_at
        FROM postings p) r
  LEFT JOIN (
    SELECT m.canonical_id AS role_id, COUNT(*) AS n, COUNT(m.closed_at) AS n_closed,
           MIN(m.opened_at) AS opened_at, MAX(m.closed_at) AS closed_at,
           MIN(CASE WHEN m.left_censored THEN m.opened_at END) AS censored_opened_at,
           SUM(CASE WHEN ms.first_party THEN 1 ELSE 0 END) AS n_first_party,
           COUNT(CASE WHEN ms.first_party THEN m.closed_at END) AS n_first_party_closed,
           MAX(CASE WHEN ms.first_party THEN m.closed_at END) AS first_party_closed_at,
           MAX(CASE WHEN m.close_reason <> 'untracked' OR m.close_reason IS NULL
                    THEN m.closed_at END) AS seen_closed_at,
           MAX(CASE WHEN ms.first_party
                     AND (m.close_reason <> 'untracked' OR m.close_reason IS NULL)
                    THEN m.closed_at END) AS first_party_seen_closed_at
    FROM postings m
    JOIN sources ms ON ms.id = m.source_id
    WHERE m.canonical_id IS NOT NULL
    GROUP BY m.canonical_id
  ) g ON g.role_id = r.id
  JOIN sources rs ON rs.id = r.source_id
  LEFT JOIN companies c ON c.id = r.company_id
  WHERE r.canonical_id IS NULL
) x""",
        "v_weekly_flow": """
SELECT e.week, e.week_start, SUM(e.opened) AS opened, SUM(e.closed) AS closed,
       SUM(e.opened) - SUM(e.closed) AS net, SUM(e.crawls) AS complete_crawls
FROM (
  SELECT {week_opened} AS week, {week_start_opened} AS week_start,
         1 AS opened, 0 AS closed, 0 AS crawls
  FROM v_roles WHERE left_censored = 0
  UNION ALL
  SELECT {week_closed}, {week_start_closed}, 0, 1, 0
  FROM v_roles WHERE status = 'closed'
  UNION ALL
  SELECT {week_observed}, {week_start_observed}, 0, 0, 1
  FROM crawl_runs WHERE status = 'complete'
) e
GROUP BY e.week, e.week_start""",
        "v_skill_counts": """
SELECT s.name AS skill, s.category, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, ps.skill_id
  FROM posting_skills ps JOIN postings p ON p.id = ps.posting_id
) rs
JOIN skills s ON s.id = rs.skill_id
JOIN v_roles r ON r.role_id = rs.role_id
GROUP BY s.id, s.name, s.category""",
        "v_city_counts": """
SELECT rc.city, rc.country, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, l.city, l.country
  FROM posting_locations l JOIN postings p ON p.id = l.posting_id
  WHERE l.city IS NOT NULL
) rc
JOIN v_roles r ON r.role_id = rc.role_id
GROUP BY rc.city, rc.country""",
        "v_open_by_country": """
SELECT rc.country, r.role_family, COUNT(*) AS open_roles, tp.people,
       CASE WHEN tp.people > 0
            THEN CAST(COUNT(*) AS DOUBLE PRECISION) / tp.people END AS openings_per_person
FROM (
  SELECT COALESCE(p.canonical_id, p.id) AS role_id, p.country
  FROM postings p WHERE p.country IS NOT NULL
  UNION
  SELECT COALESCE(p.canonical_id, p.id), l.country
  FROM posting_locations l JOIN postings p ON p.id = l.posting_id
  WHERE l.country IS NOT NULL
) rc
JOIN v_roles r ON r.role_id = rc.role_id AND r.status = 'open'
LEFT JOIN talent_pools tp ON tp.country = rc.country AND tp.role_family = r.role_family
GROUP BY rc.country, r.role_family, tp.people""",
        "v_top_companies": """
SELECT c.id AS company_id, c.name AS company, c.normalized_name, c.country, c.industry,
       c.founded_year, c.website,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles, COUNT(*) AS roles
FROM companies c
JOIN v_roles r ON r.company_id = c.id
GROUP BY c.id, c.name, c.normalized_name, c.country, c.industry, c.founded_year, c.website""",
        "v_crawl_runs": """
SELECT cr.id AS run_id, s.name AS source, cr.observed_at, cr.started_at, cr.finished_at,
       cr.finish_reason, cr.status, cr.status_detail, cr.pages_fetched AS pages,
       cr.pages_failed, cr.postings_seen AS seen, cr.open_before
FROM crawl_runs cr
JOIN sources s ON s.id = cr.source_id""",
    }


def view_definitions(dialect: str) -> dict[str, str]:
    """``CREATE VIEW`` statements for ``dialect`` ("sqlite" or "postgresql"), in creation order."""
    if dialect == "sqlite":
        parts = _SQLITE
    elif dialect == "postgresql":
        parts = _POSTGRESQL
    else:
        raise ValueError(f"no view definitions for dialect {dialect!r}: sqlite or postgresql")
    fill = {
        "cities": parts["cities"],
        "days_open_close": parts["days"].format(a="x.opened_at", b="x.closed_at"),
    }
    for what in ("opened", "closed", "observed"):
        column = f"{what}_at"
        fill[f"week_{what}"] = parts["week"].format(x=column)
        fill[f"week_start_{what}"] = parts["week_start"].format(x=column)
    templates = _templates()
    return {name: f"CREATE VIEW {name} AS{templates[name].format(**fill)}" for name in VIEW_NAMES}


def create_views(connection: Connection) -> None:
    """Create every view (for tests and repairs; the database gets them from migrations)."""
    for sql in view_definitions(connection.dialect.name).values():
        connection.execute(text(sql))


def drop_views(connection: Connection) -> None:
    """Drop every view, dependents first (e.g. before a SQLite table rebuild)."""
    for name in reversed(VIEW_NAMES):
        connection.execute(text(f"DROP VIEW IF EXISTS {name}"))
