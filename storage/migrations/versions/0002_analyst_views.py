# ruff: noqa: E501 - view SQL is kept verbatim as it is at this revision
"""Analyst SQL views (v_postings, v_roles, v_weekly_flow, ...), same names on both backends.

The view SQL is copied here as it is at this revision (not imported from ``storage.views``), so
a later change of a view goes through a new migration. ISO weeks and date differences are
computed per dialect inside the views, never stored.

Revision ID: 0002_analyst_views
Revises: 0001_initial
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_analyst_views"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Creation order: a view comes after the views it reads.
VIEW_NAMES = (
    "v_postings",
    "v_roles",
    "v_weekly_flow",
    "v_skill_counts",
    "v_city_counts",
    "v_open_by_country",
    "v_top_companies",
    "v_crawl_runs",
)

SQLITE_VIEWS = {
    "v_postings": """CREATE VIEW v_postings AS
SELECT p.id AS posting_id, s.name AS source, p.source_job_id, p.title,
       COALESCE(c.name, p.company_name_raw) AS company, p.company_id, p.url,
       p.description_text AS description, p.language, p.seniority, p.employment_type,
       p.role_family, p.remote, p.country, (SELECT group_concat(city, ', ') FROM (SELECT DISTINCT l.city AS city FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL ORDER BY l.city) AS pc) AS cities, p.date_posted, p.valid_through,
       p.first_seen_at, p.last_seen_at, p.opened_at, p.closed_at, p.close_reason, p.status,
       CASE WHEN p.left_censored THEN 1 ELSE 0 END AS left_censored,
       COALESCE(p.canonical_id, p.id) AS canonical_posting_id,
       p.salary_min, p.salary_max, p.salary_currency, p.salary_period, p.enrichment_version
FROM postings p
JOIN sources s ON s.id = p.source_id
LEFT JOIN companies c ON c.id = p.company_id""",
    "v_roles": """CREATE VIEW v_roles AS
SELECT x.role_id, x.title, x.company, x.company_id, x.role_family, x.seniority,
       x.employment_type, x.remote, x.country, x.postings, x.opened_at, x.closed_at,
       CASE WHEN x.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
       x.left_censored,
       CASE WHEN x.closed_at IS NOT NULL AND x.left_censored = 0
            THEN CAST(julianday(date(x.closed_at)) - julianday(date(x.opened_at)) AS INTEGER) END AS days_to_fill
FROM (
  SELECT r.id AS role_id, r.title, COALESCE(c.name, r.company_name_raw) AS company,
         r.company_id, r.role_family, r.seniority, r.employment_type, r.remote, r.country,
         1 + COALESCE(g.n, 0) AS postings,
         CASE WHEN g.opened_at < r.opened_at THEN g.opened_at ELSE r.opened_at END AS opened_at,
         CASE WHEN r.closed_at IS NULL THEN NULL
              WHEN g.role_id IS NULL THEN r.closed_at
              WHEN g.n_closed < g.n THEN NULL
              WHEN g.closed_at > r.closed_at THEN g.closed_at
              ELSE r.closed_at END AS closed_at,
         CASE WHEN r.left_censored AND (g.opened_at IS NULL OR g.opened_at >= r.opened_at)
                THEN 1
              WHEN g.censored_opened_at = g.opened_at AND g.censored_opened_at <= r.opened_at
                THEN 1
              ELSE 0 END AS left_censored
  FROM postings r
  LEFT JOIN (
    SELECT m.canonical_id AS role_id, COUNT(*) AS n, COUNT(m.closed_at) AS n_closed,
           MIN(m.opened_at) AS opened_at, MAX(m.closed_at) AS closed_at,
           MIN(CASE WHEN m.left_censored THEN m.opened_at END) AS censored_opened_at
    FROM postings m
    WHERE m.canonical_id IS NOT NULL
    GROUP BY m.canonical_id
  ) g ON g.role_id = r.id
  LEFT JOIN companies c ON c.id = r.company_id
  WHERE r.canonical_id IS NULL
) x""",
    "v_weekly_flow": """CREATE VIEW v_weekly_flow AS
SELECT e.week, e.week_start, SUM(e.opened) AS opened, SUM(e.closed) AS closed,
       SUM(e.opened) - SUM(e.closed) AS net, SUM(e.crawls) AS complete_crawls
FROM (
  SELECT (strftime('%Y', date(opened_at, 'weekday 0', '-3 days')) || '-W' || printf('%02d', (CAST(strftime('%j', date(opened_at, 'weekday 0', '-3 days')) AS INTEGER) - 1) / 7 + 1)) AS week, date(opened_at, 'weekday 0', '-6 days') AS week_start,
         1 AS opened, 0 AS closed, 0 AS crawls
  FROM v_roles WHERE left_censored = 0
  UNION ALL
  SELECT (strftime('%Y', date(closed_at, 'weekday 0', '-3 days')) || '-W' || printf('%02d', (CAST(strftime('%j', date(closed_at, 'weekday 0', '-3 days')) AS INTEGER) - 1) / 7 + 1)), date(closed_at, 'weekday 0', '-6 days'), 0, 1, 0
  FROM v_roles WHERE closed_at IS NOT NULL
  UNION ALL
  SELECT (strftime('%Y', date(observed_at, 'weekday 0', '-3 days')) || '-W' || printf('%02d', (CAST(strftime('%j', date(observed_at, 'weekday 0', '-3 days')) AS INTEGER) - 1) / 7 + 1)), date(observed_at, 'weekday 0', '-6 days'), 0, 0, 1
  FROM crawl_runs WHERE status = 'complete'
) e
GROUP BY e.week, e.week_start""",
    "v_skill_counts": """CREATE VIEW v_skill_counts AS
SELECT s.name AS skill, s.category, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, ps.skill_id
  FROM posting_skills ps JOIN postings p ON p.id = ps.posting_id
) rs
JOIN skills s ON s.id = rs.skill_id
JOIN v_roles r ON r.role_id = rs.role_id
GROUP BY s.id, s.name, s.category""",
    "v_city_counts": """CREATE VIEW v_city_counts AS
SELECT rc.city, rc.country, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, l.city, l.country
  FROM posting_locations l JOIN postings p ON p.id = l.posting_id
  WHERE l.city IS NOT NULL
) rc
JOIN v_roles r ON r.role_id = rc.role_id
GROUP BY rc.city, rc.country""",
    "v_open_by_country": """CREATE VIEW v_open_by_country AS
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
    "v_top_companies": """CREATE VIEW v_top_companies AS
SELECT c.id AS company_id, c.name AS company, c.normalized_name, c.country, c.industry,
       c.founded_year, c.website,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles, COUNT(*) AS roles
FROM companies c
JOIN v_roles r ON r.company_id = c.id
GROUP BY c.id, c.name, c.normalized_name, c.country, c.industry, c.founded_year, c.website""",
    "v_crawl_runs": """CREATE VIEW v_crawl_runs AS
SELECT cr.id AS run_id, s.name AS source, cr.observed_at, cr.started_at, cr.finished_at,
       cr.finish_reason, cr.status, cr.status_detail, cr.pages_fetched AS pages,
       cr.pages_failed, cr.postings_seen AS seen, cr.open_before
FROM crawl_runs cr
JOIN sources s ON s.id = cr.source_id""",
}

POSTGRESQL_VIEWS = {
    "v_postings": """CREATE VIEW v_postings AS
SELECT p.id AS posting_id, s.name AS source, p.source_job_id, p.title,
       COALESCE(c.name, p.company_name_raw) AS company, p.company_id, p.url,
       p.description_text AS description, p.language, p.seniority, p.employment_type,
       p.role_family, p.remote, p.country, (SELECT string_agg(DISTINCT l.city, ', ' ORDER BY l.city) FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL) AS cities, p.date_posted, p.valid_through,
       p.first_seen_at, p.last_seen_at, p.opened_at, p.closed_at, p.close_reason, p.status,
       CASE WHEN p.left_censored THEN 1 ELSE 0 END AS left_censored,
       COALESCE(p.canonical_id, p.id) AS canonical_posting_id,
       p.salary_min, p.salary_max, p.salary_currency, p.salary_period, p.enrichment_version
FROM postings p
JOIN sources s ON s.id = p.source_id
LEFT JOIN companies c ON c.id = p.company_id""",
    "v_roles": """CREATE VIEW v_roles AS
SELECT x.role_id, x.title, x.company, x.company_id, x.role_family, x.seniority,
       x.employment_type, x.remote, x.country, x.postings, x.opened_at, x.closed_at,
       CASE WHEN x.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
       x.left_censored,
       CASE WHEN x.closed_at IS NOT NULL AND x.left_censored = 0
            THEN (CAST(x.closed_at AS DATE) - CAST(x.opened_at AS DATE)) END AS days_to_fill
FROM (
  SELECT r.id AS role_id, r.title, COALESCE(c.name, r.company_name_raw) AS company,
         r.company_id, r.role_family, r.seniority, r.employment_type, r.remote, r.country,
         1 + COALESCE(g.n, 0) AS postings,
         CASE WHEN g.opened_at < r.opened_at THEN g.opened_at ELSE r.opened_at END AS opened_at,
         CASE WHEN r.closed_at IS NULL THEN NULL
              WHEN g.role_id IS NULL THEN r.closed_at
              WHEN g.n_closed < g.n THEN NULL
              WHEN g.closed_at > r.closed_at THEN g.closed_at
              ELSE r.closed_at END AS closed_at,
         CASE WHEN r.left_censored AND (g.opened_at IS NULL OR g.opened_at >= r.opened_at)
                THEN 1
              WHEN g.censored_opened_at = g.opened_at AND g.censored_opened_at <= r.opened_at
                THEN 1
              ELSE 0 END AS left_censored
  FROM postings r
  LEFT JOIN (
    SELECT m.canonical_id AS role_id, COUNT(*) AS n, COUNT(m.closed_at) AS n_closed,
           MIN(m.opened_at) AS opened_at, MAX(m.closed_at) AS closed_at,
           MIN(CASE WHEN m.left_censored THEN m.opened_at END) AS censored_opened_at
    FROM postings m
    WHERE m.canonical_id IS NOT NULL
    GROUP BY m.canonical_id
  ) g ON g.role_id = r.id
  LEFT JOIN companies c ON c.id = r.company_id
  WHERE r.canonical_id IS NULL
) x""",
    "v_weekly_flow": """CREATE VIEW v_weekly_flow AS
SELECT e.week, e.week_start, SUM(e.opened) AS opened, SUM(e.closed) AS closed,
       SUM(e.opened) - SUM(e.closed) AS net, SUM(e.crawls) AS complete_crawls
FROM (
  SELECT (to_char(opened_at, 'IYYY') || '-W' || to_char(opened_at, 'IW')) AS week, CAST(date_trunc('week', opened_at) AS DATE) AS week_start,
         1 AS opened, 0 AS closed, 0 AS crawls
  FROM v_roles WHERE left_censored = 0
  UNION ALL
  SELECT (to_char(closed_at, 'IYYY') || '-W' || to_char(closed_at, 'IW')), CAST(date_trunc('week', closed_at) AS DATE), 0, 1, 0
  FROM v_roles WHERE closed_at IS NOT NULL
  UNION ALL
  SELECT (to_char(observed_at, 'IYYY') || '-W' || to_char(observed_at, 'IW')), CAST(date_trunc('week', observed_at) AS DATE), 0, 0, 1
  FROM crawl_runs WHERE status = 'complete'
) e
GROUP BY e.week, e.week_start""",
    "v_skill_counts": """CREATE VIEW v_skill_counts AS
SELECT s.name AS skill, s.category, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, ps.skill_id
  FROM posting_skills ps JOIN postings p ON p.id = ps.posting_id
) rs
JOIN skills s ON s.id = rs.skill_id
JOIN v_roles r ON r.role_id = rs.role_id
GROUP BY s.id, s.name, s.category""",
    "v_city_counts": """CREATE VIEW v_city_counts AS
SELECT rc.city, rc.country, COUNT(*) AS roles,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles
FROM (
  SELECT DISTINCT COALESCE(p.canonical_id, p.id) AS role_id, l.city, l.country
  FROM posting_locations l JOIN postings p ON p.id = l.posting_id
  WHERE l.city IS NOT NULL
) rc
JOIN v_roles r ON r.role_id = rc.role_id
GROUP BY rc.city, rc.country""",
    "v_open_by_country": """CREATE VIEW v_open_by_country AS
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
    "v_top_companies": """CREATE VIEW v_top_companies AS
SELECT c.id AS company_id, c.name AS company, c.normalized_name, c.country, c.industry,
       c.founded_year, c.website,
       SUM(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END) AS open_roles, COUNT(*) AS roles
FROM companies c
JOIN v_roles r ON r.company_id = c.id
GROUP BY c.id, c.name, c.normalized_name, c.country, c.industry, c.founded_year, c.website""",
    "v_crawl_runs": """CREATE VIEW v_crawl_runs AS
SELECT cr.id AS run_id, s.name AS source, cr.observed_at, cr.started_at, cr.finished_at,
       cr.finish_reason, cr.status, cr.status_detail, cr.pages_fetched AS pages,
       cr.pages_failed, cr.postings_seen AS seen, cr.open_before
FROM crawl_runs cr
JOIN sources s ON s.id = cr.source_id""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    views = SQLITE_VIEWS if dialect == "sqlite" else POSTGRESQL_VIEWS
    for name in VIEW_NAMES:
        op.execute(views[name])


def downgrade() -> None:
    for name in reversed(VIEW_NAMES):
        op.execute(f"DROP VIEW IF EXISTS {name}")
