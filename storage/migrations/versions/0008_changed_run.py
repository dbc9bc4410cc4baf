"""``postings.changed_run_id``: the crawl run that last wrote the row, and its index.

Reconcile re-links the roles (canonical postings) around what its runs saw. It took every
posting a run *saw*: each week it reloaded and compared every cross-source group of every
posting still listed, though almost none had changed (60,000 postings on two sources: 2.1 s
of every reconcile, growing with the database). A run writes a posting's row only when the
posting is new, changed or reopened, so the groups to look at are those of the postings a run
wrote. Rows stored before this revision have no run: they were linked when they were written.

Revision ID: 0008_changed_run
Revises: 0007_pending_signals_index
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_changed_run"
down_revision: str | None = "0007_pending_signals_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("postings", sa.Column("changed_run_id", sa.Integer(), nullable=True))
    op.create_index("ix_postings_changed_run", "postings", ["changed_run_id"])


def downgrade() -> None:
    op.drop_index("ix_postings_changed_run", table_name="postings")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place (Alembic would rebuild the table under its views)
        op.execute("ALTER TABLE postings DROP COLUMN changed_run_id")
    else:
        op.drop_column("postings", "changed_run_id")
