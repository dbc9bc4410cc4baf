"""Cheaper first crawls: the window index in posting-id order, no index on opened_at alone.

A posting insert costs one B-tree insertion per index. ``ix_postings_window`` led with
``(closed_at, opened_at)``: new postings are open (NULL ``closed_at``) with scattered
``opened_at``, so every insert landed on a random page of a large index and each commit
rewrote most of it. With ``id`` second, new open postings go to the end of the open range
(ids grow), a few hot pages. The trend queries read the open range and the range closed after
the window start whole, testing ``opened_at`` on each entry, so they read the same entries.

``ix_postings_opened_at`` had the same scattered inserts and no query reads an ``opened_at``
range without ``closed_at``.

At 1M postings (``bench/bench_upsert.py``) the two changes take the first crawl from about
47 s to about 36 s on the development machine.

Revision ID: 0004_window_id_order
Revises: 0003_trend_indexes
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_window_id_order"
down_revision: str | None = "0003_trend_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ATTRIBUTES = [
    "canonical_id",
    "left_censored",
    "role_family",
    "seniority",
    "employment_type",
    "company_id",
    "country",
]


def upgrade() -> None:
    op.drop_index("ix_postings_window", table_name="postings")
    op.create_index("ix_postings_window", "postings", ["closed_at", "id", "opened_at", *ATTRIBUTES])
    op.drop_index("ix_postings_opened_at", table_name="postings")


def downgrade() -> None:
    op.create_index("ix_postings_opened_at", "postings", ["opened_at"])
    op.drop_index("ix_postings_window", table_name="postings")
    op.create_index("ix_postings_window", "postings", ["closed_at", "opened_at", *ATTRIBUTES])
