"""Covering indexes for the trend queries (plain CREATE/DROP INDEX: no table rebuild, views kept).

* ``ix_postings_window`` (replaces the partial ``ix_postings_closed_at``, whose leading column it
  keeps): the roles active in a window are read from it alone, open postings (NULL
  ``closed_at``) included, with every attribute a role row needs.
* ``ix_postings_canonical`` gains the lifecycle columns and the country, so folding linked
  postings into their role and finding their countries read only the index.
* ``ix_posting_locations_posting`` gains city and country, so city shares and countries per role
  read only the index.

Revision ID: 0003_trend_indexes
Revises: 0002_analyst_views
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_trend_indexes"
down_revision: str | None = "0002_analyst_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WINDOW_COLUMNS = [
    "closed_at",
    "opened_at",
    "canonical_id",
    "left_censored",
    "role_family",
    "seniority",
    "employment_type",
    "company_id",
    "country",
]
CANONICAL_COLUMNS = ["canonical_id", "opened_at", "closed_at", "left_censored", "country"]


def upgrade() -> None:
    op.drop_index("ix_postings_closed_at", table_name="postings")
    op.create_index("ix_postings_window", "postings", WINDOW_COLUMNS)
    op.drop_index("ix_postings_canonical", table_name="postings")
    op.create_index(
        "ix_postings_canonical",
        "postings",
        CANONICAL_COLUMNS,
        sqlite_where=sa.text("canonical_id IS NOT NULL"),
        postgresql_where=sa.text("canonical_id IS NOT NULL"),
    )
    op.drop_index("ix_posting_locations_posting", table_name="posting_locations")
    op.create_index(
        "ix_posting_locations_posting", "posting_locations", ["posting_id", "city", "country"]
    )


def downgrade() -> None:
    op.drop_index("ix_posting_locations_posting", table_name="posting_locations")
    op.create_index("ix_posting_locations_posting", "posting_locations", ["posting_id"])
    op.drop_index("ix_postings_canonical", table_name="postings")
    op.create_index(
        "ix_postings_canonical",
        "postings",
        ["canonical_id"],
        sqlite_where=sa.text("canonical_id IS NOT NULL"),
        postgresql_where=sa.text("canonical_id IS NOT NULL"),
    )
    op.drop_index("ix_postings_window", table_name="postings")
    op.create_index(
        "ix_postings_closed_at",
        "postings",
        ["closed_at"],
        sqlite_where=sa.text("closed_at IS NOT NULL"),
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
