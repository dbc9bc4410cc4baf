"""A source's open postings found by ``ix_postings_source_status`` (source_id, status), which
replaces ``ix_postings_status_country`` (status, country).

A crawl counts its source's open postings when it starts, and reconcile counts, marks and
closes them per run, each with ``source_id = ? AND status = 'open'``. SQLite plans without
statistics (nothing runs ``ANALYZE``), and between the unique (source_id, source_job_id) index
and ``ix_postings_status_country`` it chose the latter: each of those statements read every open
posting of every source. With many small sources (ATS boards) that is quadratic: 500 boards of
40 postings spent about 3.7 ms per statement at 24,000 postings, and more each week. The two
equality columns of this index win the planner's choice, and the count reads the index alone.

No query of jobtrends read ``ix_postings_status_country`` (the trend queries find open and
recent roles through ``ix_postings_window``), and every index costs each posting insert, so the
new index takes its place rather than adding to it.

Revision ID: 0006_source_status_index
Revises: 0005_posting_descriptions
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_source_status_index"
down_revision: str | None = "0005_posting_descriptions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_postings_source_status", "postings", ["source_id", "status"])
    op.drop_index("ix_postings_status_country", table_name="postings")


def downgrade() -> None:
    op.create_index("ix_postings_status_country", "postings", ["status", "country"])
    op.drop_index("ix_postings_source_status", table_name="postings")
