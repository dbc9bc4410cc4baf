"""Initial schema: sources, crawl runs, companies, postings and their lifecycle tables.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("normalized_name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("industry", sa.String(length=200), nullable=True),
        sa.Column("founded_year", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("normalized_name", name=op.f("uq_companies_normalized_name")),
    )
    op.create_table(
        "skills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skills")),
        sa.UniqueConstraint("name", name=op.f("uq_skills_name")),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("can_relist", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
        sa.UniqueConstraint("name", name=op.f("uq_sources_name")),
    )
    op.create_table(
        "talent_pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("role_family", sa.String(length=50), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_pools")),
        sa.UniqueConstraint("country", "role_family", name="uq_talent_pool"),
    )
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("finish_reason", sa.String(length=100), nullable=True),
        sa.Column("pages_fetched", sa.Integer(), nullable=False),
        sa.Column("pages_failed", sa.Integer(), nullable=False),
        sa.Column("postings_seen", sa.Integer(), nullable=False),
        sa.Column("open_before", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.Column("reconciled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_crawl_runs_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(op.f("ix_crawl_runs_observed_at"), "crawl_runs", ["observed_at"])
    op.create_index(op.f("ix_crawl_runs_source_id"), "crawl_runs", ["source_id"])

    op.create_table(
        "close_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_job_id", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_close_signals_crawl_run_id_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_close_signals_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_close_signals")),
    )
    op.create_table(
        "postings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("source_job_id", sa.String(length=500), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_normalized", sa.String(length=500), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("company_name_raw", sa.Text(), nullable=True),
        sa.Column("description_text", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("observed_hash", sa.String(length=32), nullable=True),
        sa.Column("date_posted_raw", sa.String(length=100), nullable=True),
        sa.Column("date_posted", sa.DateTime(), nullable=True),
        sa.Column("valid_through_raw", sa.String(length=100), nullable=True),
        sa.Column("valid_through", sa.DateTime(), nullable=True),
        sa.Column("location_raw", sa.Text(), nullable=True),
        sa.Column("employment_type_raw", sa.String(length=200), nullable=True),
        sa.Column("seniority_raw", sa.String(length=200), nullable=True),
        sa.Column("salary_min", sa.Float(), nullable=True),
        sa.Column("salary_max", sa.Float(), nullable=True),
        sa.Column("salary_currency", sa.String(length=10), nullable=True),
        sa.Column("salary_period", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_run_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_reason", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("miss_count", sa.Integer(), nullable=False),
        sa.Column("first_missed_at", sa.DateTime(), nullable=True),
        sa.Column("left_censored", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("seniority", sa.String(length=30), nullable=True),
        sa.Column("employment_type", sa.String(length=30), nullable=True),
        sa.Column("remote", sa.String(length=10), nullable=True),
        sa.Column("role_family", sa.String(length=50), nullable=True),
        sa.Column("enrichment_version", sa.String(length=40), nullable=True),
        sa.Column("canonical_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["canonical_id"], ["postings.id"], name=op.f("fk_postings_canonical_id_postings")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_postings_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["last_seen_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_postings_last_seen_run_id_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_postings_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postings")),
        sa.UniqueConstraint("source_id", "source_job_id", name="uq_postings_source_job"),
    )
    op.create_index(
        "ix_postings_canonical",
        "postings",
        ["canonical_id"],
        sqlite_where=sa.text("canonical_id IS NOT NULL"),
        postgresql_where=sa.text("canonical_id IS NOT NULL"),
    )
    op.create_index(
        "ix_postings_closed_at",
        "postings",
        ["closed_at"],
        sqlite_where=sa.text("closed_at IS NOT NULL"),
        postgresql_where=sa.text("closed_at IS NOT NULL"),
    )
    op.create_index(
        "ix_postings_dedup", "postings", ["company_id", "title_normalized", "source_id"]
    )
    op.create_index(
        "ix_postings_missed",
        "postings",
        ["source_id", "status"],
        sqlite_where=sa.text("first_missed_at IS NOT NULL"),
        postgresql_where=sa.text("first_missed_at IS NOT NULL"),
    )
    op.create_index("ix_postings_opened_at", "postings", ["opened_at"])
    op.create_index(op.f("ix_postings_role_family"), "postings", ["role_family"])
    op.create_index("ix_postings_status_country", "postings", ["status", "country"])

    op.create_table(
        "posting_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("crawl_run_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["crawl_run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_posting_events_crawl_run_id_crawl_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_events_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_events")),
    )
    op.create_index("ix_posting_events_kind_at", "posting_events", ["kind", "at"])
    op.create_index("ix_posting_events_posting", "posting_events", ["posting_id"])

    op.create_table(
        "posting_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("city", sa.String(length=200), nullable=True),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_locations_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posting_locations")),
    )
    op.create_index("ix_posting_locations_posting", "posting_locations", ["posting_id"])

    op.create_table(
        "posting_skills",
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name=op.f("fk_posting_skills_posting_id_postings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_posting_skills_skill_id_skills")
        ),
        sa.PrimaryKeyConstraint("posting_id", "skill_id", name=op.f("pk_posting_skills")),
    )
    op.create_index("ix_posting_skills_skill", "posting_skills", ["skill_id"])


def downgrade() -> None:
    op.drop_index("ix_posting_skills_skill", table_name="posting_skills")

    op.drop_table("posting_skills")
    op.drop_index("ix_posting_locations_posting", table_name="posting_locations")

    op.drop_table("posting_locations")
    op.drop_index("ix_posting_events_posting", table_name="posting_events")
    op.drop_index("ix_posting_events_kind_at", table_name="posting_events")

    op.drop_table("posting_events")
    op.drop_index("ix_postings_status_country", table_name="postings")
    op.drop_index(op.f("ix_postings_role_family"), table_name="postings")
    op.drop_index("ix_postings_opened_at", table_name="postings")
    op.drop_index("ix_postings_missed", table_name="postings")
    op.drop_index("ix_postings_dedup", table_name="postings")
    op.drop_index("ix_postings_closed_at", table_name="postings")
    op.drop_index("ix_postings_canonical", table_name="postings")

    op.drop_table("postings")
    op.drop_table("close_signals")
    op.drop_index(op.f("ix_crawl_runs_source_id"), table_name="crawl_runs")
    op.drop_index(op.f("ix_crawl_runs_observed_at"), table_name="crawl_runs")

    op.drop_table("crawl_runs")
    op.drop_table("talent_pools")
    op.drop_table("sources")
    op.drop_table("skills")
    op.drop_table("companies")
