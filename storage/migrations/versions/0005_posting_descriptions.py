# ruff: noqa: E501 - view SQL is kept verbatim as it is at this revision
"""Descriptions apart from postings: ``posting_descriptions`` (posting_id, description_text).

Every crawl rewrites the posting rows it sees (last seen, run); a description of several KB in
that row made every re-crawl rewrite nearly every page of ``postings``. Descriptions are now
written only when they change, and postings stay narrow. Every description is carried over;
``v_postings`` reads it from the new table (same columns).

Revision ID: 0005_posting_descriptions
Revises: 0004_window_id_order
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_posting_descriptions"
down_revision: str | None = "0004_window_id_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# v_postings as it is at this revision ({description} from the new table), and as it was before
# (for downgrade); only the list of cities is written differently per dialect
_V_POSTINGS = """CREATE VIEW v_postings AS
SELECT p.id AS posting_id, s.name AS source, p.source_job_id, p.title,
       COALESCE(c.name, p.company_name_raw) AS company, p.company_id, p.url,
       {description} AS description, p.language, p.seniority, p.employment_type,
       p.role_family, p.remote, p.country, {cities} AS cities, p.date_posted, p.valid_through,
       p.first_seen_at, p.last_seen_at, p.opened_at, p.closed_at, p.close_reason, p.status,
       CASE WHEN p.left_censored THEN 1 ELSE 0 END AS left_censored,
       COALESCE(p.canonical_id, p.id) AS canonical_posting_id,
       p.salary_min, p.salary_max, p.salary_currency, p.salary_period, p.enrichment_version
FROM postings p
JOIN sources s ON s.id = p.source_id
LEFT JOIN companies c ON c.id = p.company_id{join}"""
_CITIES = {
    "sqlite": "(SELECT group_concat(city, ', ') FROM (SELECT DISTINCT l.city AS city FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL ORDER BY l.city) AS pc)",
    "postgresql": "(SELECT string_agg(DISTINCT l.city, ', ' ORDER BY l.city) FROM posting_locations l WHERE l.posting_id = p.id AND l.city IS NOT NULL)",
}
V_POSTINGS = {
    dialect: _V_POSTINGS.format(
        description="d.description_text",
        cities=cities,
        join="\nLEFT JOIN posting_descriptions d ON d.posting_id = p.id",
    )
    for dialect, cities in _CITIES.items()
}
OLD_V_POSTINGS = {
    dialect: _V_POSTINGS.format(description="p.description_text", cities=cities, join="")
    for dialect, cities in _CITIES.items()
}


def _require_drop_column() -> None:
    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        raise RuntimeError(
            f"this migration needs SQLite 3.35 or newer (ALTER TABLE DROP COLUMN); Python's "
            f"sqlite3 module uses SQLite {sqlite3.sqlite_version}: upgrade the SQLite library"
        )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _require_drop_column()
    op.create_table(
        "posting_descriptions",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("description_text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_descriptions_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", name=op.f("pk_posting_descriptions")),
    )
    op.execute(
        "INSERT INTO posting_descriptions (posting_id, description_text) "
        "SELECT id, description_text FROM postings WHERE description_text IS NOT NULL"
    )
    op.execute("DROP VIEW v_postings")  # it reads the column (no other view reads v_postings)
    op.execute("ALTER TABLE postings DROP COLUMN description_text")
    op.execute(V_POSTINGS[dialect])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.execute("DROP VIEW v_postings")
    op.execute("ALTER TABLE postings ADD COLUMN description_text TEXT")
    op.execute(
        "UPDATE postings SET description_text = (SELECT d.description_text "
        "FROM posting_descriptions d WHERE d.posting_id = postings.id)"
    )
    op.drop_table("posting_descriptions")
    op.execute(OLD_V_POSTINGS[dialect])
