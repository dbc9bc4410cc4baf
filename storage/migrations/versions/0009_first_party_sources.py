# ruff: noqa: E501 - view SQL is kept verbatim as it is at this revision
"""``sources.first_party``: the employer's own listing or a copy; ``v_roles`` closes a role
when its first-party postings close, ``v_postings`` shows it; ``ix_postings_canonical`` also
holds ``source_id``.

Job boards keep copies of a posting up for days or weeks after the company took its own posting
down. A role open while *any* of its postings was open stayed open for as long as a stale copy
did: its time to fill grew by the board's delay, and its close moved to a later week. A role with
postings from the employer's own sources (its ATS board, its career site) now closes when those
close; a role seen only on job boards keeps the rule of all its postings (docs/lifecycle.md).

Existing sources are first-party unless they are of kind ``jsonld`` (job boards and career sites
read through schema.org markup; set ``first_party = true`` in the sources file for a career
site, and the next crawl records it). A role's canonical posting (whose attributes the role
takes) is now its first-party posting when it has one: roles whose canonical posting is a job
board's copy are re-pointed to their earliest-opened first-party posting.

Revision ID: 0009_first_party_sources
Revises: 0008_changed_run
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_first_party_sources"
down_revision: str | None = "0008_changed_run"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Per-dialect parts of the views below, as at 0002/0005
_DAYS = {
    "sqlite": "CAST(julianday(date(x.closed_at)) - julianday(date(x.opened_at)) AS INTEGER)",
    "postgresql": "(CAST(x.closed_at AS DATE) - CAST(x.opened_at AS DATE))",
}
_CITIES = {
    "sqlite": "(SELECT group_concat(city, ', ') FROM (SELECT DISTINCT l.city AS city FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL ORDER BY l.city) AS pc)",
    "postgresql": "(SELECT string_agg(DISTINCT l.city, ', ' ORDER BY l.city) FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL)",
}

# v_postings as it is at this revision ({first_party}: a column at the end), and as
# 0005_posting_descriptions created it (for downgrade)
_V_POSTINGS = """CREATE VIEW v_postings AS
SELECT p.id AS posting_id, s.name AS source, p.source_job_id, p.title,
       COALESCE(c.name, p.company_name_raw) AS company, p.company_id, p.url,
       d.description_text AS description, p.language, p.seniority, p.employment_type,
       p.role_family, p.remote, p.country, {cities} AS cities, p.date_posted, p.valid_through,
       p.first_seen_at, p.last_seen_at, p.opened_at, p.closed_at, p.close_reason, p.status,
       CASE WHEN p.left_censored THEN 1 ELSE 0 END AS left_censored,
       COALESCE(p.canonical_id, p.id) AS canonical_posting_id,
       p.salary_min, p.salary_max, p.salary_currency, p.salary_period, p.enrichment_version{first_party}
FROM postings p
JOIN sources s ON s.id = p.source_id
LEFT JOIN companies c ON c.id = p.company_id
LEFT JOIN posting_descriptions d ON d.posting_id = p.id"""
_FIRST_PARTY = ",\n       CASE WHEN s.first_party THEN 1 ELSE 0 END AS first_party"
V_POSTINGS = {
    dialect: _V_POSTINGS.format(cities=cities, first_party=_FIRST_PARTY)
    for dialect, cities in _CITIES.items()
}
OLD_V_POSTINGS = {
    dialect: _V_POSTINGS.format(cities=cities, first_party="") for dialect, cities in _CITIES.items()
}

# ix_postings_canonical (partial, linked postings only) as 0003_trend_indexes made it
CANONICAL_COLUMNS = ["canonical_id", "opened_at", "closed_at", "left_censored", "country"]

# v_roles as it is at this revision, and as 0002_analyst_views created it (for downgrade)
_V_ROLES = """CREATE VIEW v_roles AS
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
) x"""
V_ROLES = {dialect: _V_ROLES.format(days=days) for dialect, days in _DAYS.items()}
OLD_V_ROLES = {dialect: _OLD_V_ROLES.format(days=days) for dialect, days in _DAYS.items()}


def _replace_view(name: str, definitions: dict[str, str]) -> None:
    """SQLite resolves views when they are read: drop and create. PostgreSQL keeps the views
    that read one bound to it: replace it in place (same columns, or more at the end; going
    back, it is dropped and created again, as it cannot lose a column in place)."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP VIEW {name}")  # our own view names
        op.execute(definitions[dialect])
    else:
        op.execute(definitions[dialect].replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))


def _canonical_index(columns: list[str]) -> None:
    op.drop_index("ix_postings_canonical", table_name="postings")
    op.create_index(
        "ix_postings_canonical",
        "postings",
        columns,
        sqlite_where=sa.text("canonical_id IS NOT NULL"),
        postgresql_where=sa.text("canonical_id IS NOT NULL"),
    )


# A role's canonical posting is now its employer's own (first-party) posting when it has one:
# roles whose canonical posting is a job board's copy are re-pointed to their earliest-opened
# first-party posting, as the linking would choose it.
_REPOINT = (
    """CREATE TEMPORARY TABLE first_party_repoint AS
SELECT c.id AS old_id,
       (SELECT m.id FROM postings m JOIN sources s ON s.id = m.source_id
        WHERE m.canonical_id = c.id AND s.first_party
        ORDER BY m.opened_at, m.id LIMIT 1) AS new_id
FROM postings c JOIN sources cs ON cs.id = c.source_id
WHERE c.canonical_id IS NULL AND NOT cs.first_party
  AND EXISTS (SELECT 1 FROM postings m JOIN sources s ON s.id = m.source_id
              WHERE m.canonical_id = c.id AND s.first_party)""",
    # looked up once per re-pointed row below (without it: 11 s a statement at 1M postings)
    "CREATE UNIQUE INDEX first_party_repoint_old ON first_party_repoint (old_id)",
    # the members (the new canonical posting among them, pointing to itself for a moment)
    """UPDATE postings SET canonical_id = (SELECT r.new_id FROM first_party_repoint r
                                     WHERE r.old_id = postings.canonical_id)
WHERE canonical_id IN (SELECT old_id FROM first_party_repoint)""",
    """UPDATE postings SET canonical_id = (SELECT r.new_id FROM first_party_repoint r
                                     WHERE r.old_id = postings.id)
WHERE id IN (SELECT old_id FROM first_party_repoint)""",
    "UPDATE postings SET canonical_id = NULL WHERE id IN (SELECT new_id FROM first_party_repoint)",
    "DROP TABLE first_party_repoint",
)


def upgrade() -> None:
    op.add_column(
        "sources",
        sa.Column("first_party", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute("UPDATE sources SET first_party = (kind <> 'jsonld')")
    for statement in _REPOINT:
        op.execute(statement)
    _replace_view("v_roles", V_ROLES)
    _replace_view("v_postings", V_POSTINGS)
    # folding a role's linked postings now reads their source: still from the index alone
    _canonical_index(CANONICAL_COLUMNS + ["source_id"])


def downgrade() -> None:
    _canonical_index(CANONICAL_COLUMNS)
    _replace_view("v_roles", OLD_V_ROLES)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW v_postings")  # no view reads it
        op.execute(OLD_V_POSTINGS["postgresql"])
    else:
        _replace_view("v_postings", OLD_V_POSTINGS)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place (Alembic would rebuild the table under its views)
        op.execute("ALTER TABLE sources DROP COLUMN first_party")
    else:
        op.drop_column("sources", "first_party")
