# ruff: noqa: E501 - view SQL is kept verbatim as it is at this revision
"""Retired sources: ``sources.retired_at``; ``v_roles`` tells right-censored roles apart
(``status`` 'untracked'), and ``v_weekly_flow`` counts only seen closes;
``ix_postings_window`` and ``ix_postings_canonical`` hold ``close_reason``.

A source that is no longer crawled (removed from the sources file, a company that moved to
another ATS) kept its postings open forever: counted in every later week's open roles, and as
ever longer searches in time to fill. ``jobtrends sources retire NAME`` now right-censors them at
their last sighting: ``closed_at`` = ``last_seen_at``, ``close_reason`` = 'untracked', no
``closed`` event. Such a close is the end of tracking, not a seen close: a role whose latest
deciding close is one is right-censored, counted as closed in no week and censored (not filled)
in time to fill (docs/lifecycle.md, "Retiring a source"). The trend queries fold roles from
the two indexes alone, hence ``close_reason`` in them.

Downgrading keeps the censored postings as they are (closed, reason 'untracked'); the older
views then count their closes as seen ones.

Revision ID: 0010_retired_sources
Revises: 0009_first_party_sources
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_retired_sources"
down_revision: str | None = "0009_first_party_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per-dialect parts of the views below, as at 0002/0009 ({x}: a timestamp column)
_DAYS = {
    "sqlite": "CAST(julianday(date(x.closed_at)) - julianday(date(x.opened_at)) AS INTEGER)",
    "postgresql": "(CAST(x.closed_at AS DATE) - CAST(x.opened_at AS DATE))",
}
_WEEK = {
    "sqlite": "(strftime('%Y', date({x}, 'weekday 0', '-3 days')) || '-W' || printf('%02d', (CAST(strftime('%j', date({x}, 'weekday 0', '-3 days')) AS INTEGER) - 1) / 7 + 1))",
    "postgresql": "(to_char({x}, 'IYYY') || '-W' || to_char({x}, 'IW'))",
}
_WEEK_START = {
    "sqlite": "date({x}, 'weekday 0', '-6 days')",
    "postgresql": "CAST(date_trunc('week', {x}) AS DATE)",
}

# v_roles as it is at this revision, and as 0009_first_party_sources created it (for downgrade)
_V_ROLES = """CREATE VIEW v_roles AS
SELECT x.role_id, x.title, x.company, x.company_id, x.role_family, x.seniority,
       x.employment_type, x.remote, x.country, x.postings, x.opened_at, x.closed_at,
       CASE WHEN x.closed_at IS NULL THEN 'open'
            WHEN x.seen_closed_at IS NULL OR x.closed_at > x.seen_closed_at THEN 'untracked'
            ELSE 'closed' END AS status,
       x.left_censored,
       CASE WHEN x.seen_closed_at >= x.closed_at AND x.left_censored = 0
            THEN {days} END AS days_to_fill
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
) x"""
_OLD_V_ROLES = """CREATE VIEW v_roles AS
SELECT x.role_id, x.title, x.company, x.company_id, x.role_family, x.seniority,
       x.employment_type, x.remote, x.country, x.postings, x.opened_at, x.closed_at,
       CASE WHEN x.closed_at IS NULL THEN 'open' ELSE 'closed' END AS status,
       x.left_censored,
       CASE WHEN x.closed_at IS NOT NULL AND x.left_censored = 0
            THEN {days} END AS days_to_fill
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
         CASE WHEN r.left_censored AND (g.opened_at IS NULL OR g.opened_at >= r.opened_at)
                THEN 1
              WHEN g.censored_opened_at = g.opened_at AND g.censored_opened_at <= r.opened_at
                THEN 1
              ELSE 0 END AS left_censored
  FROM postings r
  LEFT JOIN (
    SELECT m.canonical_id AS role_id, COUNT(*) AS n, COUNT(m.closed_at) AS n_closed,
           MIN(m.opened_at) AS opened_at, MAX(m.closed_at) AS closed_at,
           MIN(CASE WHEN m.left_censored THEN m.opened_at END) AS censored_opened_at,
           SUM(CASE WHEN ms.first_party THEN 1 ELSE 0 END) AS n_first_party,
           COUNT(CASE WHEN ms.first_party THEN m.closed_at END) AS n_first_party_closed,
           MAX(CASE WHEN ms.first_party THEN m.closed_at END) AS first_party_closed_at
    FROM postings m
    JOIN sources ms ON ms.id = m.source_id
    WHERE m.canonical_id IS NOT NULL
    GROUP BY m.canonical_id
  ) g ON g.role_id = r.id
  JOIN sources rs ON rs.id = r.source_id
  LEFT JOIN companies c ON c.id = r.company_id
  WHERE r.canonical_id IS NULL
) x"""
V_ROLES = {dialect: _V_ROLES.format(days=days) for dialect, days in _DAYS.items()}
OLD_V_ROLES = {dialect: _OLD_V_ROLES.format(days=days) for dialect, days in _DAYS.items()}

# v_weekly_flow as it is at this revision (closes: seen ones only), and as 0002 created it
_V_WEEKLY_FLOW = """CREATE VIEW v_weekly_flow AS
SELECT e.week, e.week_start, SUM(e.opened) AS opened, SUM(e.closed) AS closed,
       SUM(e.opened) - SUM(e.closed) AS net, SUM(e.crawls) AS complete_crawls
FROM (
  SELECT {week_opened} AS week, {week_start_opened} AS week_start,
         1 AS opened, 0 AS closed, 0 AS crawls
  FROM v_roles WHERE left_censored = 0
  UNION ALL
  SELECT {week_closed}, {week_start_closed}, 0, 1, 0
  FROM v_roles WHERE {closed}
  UNION ALL
  SELECT {week_observed}, {week_start_observed}, 0, 0, 1
  FROM crawl_runs WHERE status = 'complete'
) e
GROUP BY e.week, e.week_start"""


def _weekly_flow(dialect: str, closed: str) -> str:
    parts = {}
    for what in ("opened", "closed", "observed"):
        parts[f"week_{what}"] = _WEEK[dialect].format(x=f"{what}_at")
        parts[f"week_start_{what}"] = _WEEK_START[dialect].format(x=f"{what}_at")
    return _V_WEEKLY_FLOW.format(closed=closed, **parts)


V_WEEKLY_FLOW = {dialect: _weekly_flow(dialect, "status = 'closed'") for dialect in _DAYS}
OLD_V_WEEKLY_FLOW = {dialect: _weekly_flow(dialect, "closed_at IS NOT NULL") for dialect in _DAYS}

# the two indexes the trend queries fold roles from, before this revision (0004, 0009)
WINDOW_COLUMNS = ["closed_at", "id", "opened_at", "canonical_id", "left_censored", "role_family",
                  "seniority", "employment_type", "company_id", "country"]
CANONICAL_COLUMNS = ["canonical_id", "opened_at", "closed_at", "left_censored", "country",
                     "source_id"]


def _with_close_reason(columns: list[str]) -> list[str]:
    at = columns.index("left_censored") + 1
    return [*columns[:at], "close_reason", *columns[at:]]


def _replace_view(name: str, definitions: dict[str, str]) -> None:
    """SQLite resolves views when they are read: drop and create. PostgreSQL keeps the views
    that read one bound to it: replace it in place (same columns)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP VIEW {name}")  # our own view names
        op.execute(definitions[dialect])
    else:
        op.execute(definitions[dialect].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))


def _indexes(window: list[str], canonical: list[str]) -> None:
    op.drop_index("ix_postings_window", table_name="postings")
    op.create_index("ix_postings_window", "postings", window)
    op.drop_index("ix_postings_canonical", table_name="postings")
    op.create_index(
        "ix_postings_canonical",
        "postings",
        canonical,
        sqlite_where=sa.text("canonical_id IS NOT NULL"),
        postgresql_where=sa.text("canonical_id IS NOT NULL"),
    )


def upgrade() -> None:
    op.add_column("sources", sa.Column("retired_at", sa.DateTime(), nullable=True))
    _indexes(_with_close_reason(WINDOW_COLUMNS), _with_close_reason(CANONICAL_COLUMNS))
    _replace_view("v_roles", V_ROLES)
    _replace_view("v_weekly_flow", V_WEEKLY_FLOW)


def downgrade() -> None:
    _replace_view("v_weekly_flow", OLD_V_WEEKLY_FLOW)
    _replace_view("v_roles", OLD_V_ROLES)
    _indexes(WINDOW_COLUMNS, CANONICAL_COLUMNS)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE sources DROP COLUMN retired_at")  # in place (SQLite 3.35+)
    else:
        op.drop_column("sources", "retired_at")
