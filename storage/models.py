"""Typed SQLAlchemy 2.0 models: the stored shape of sources, crawls and posting lifecycles.

Storage keeps changes, not snapshots: one row per posting with its first/last seen and
opened/closed times, plus a :class:`PostingEvent` per lifecycle change.
All datetimes are stored as naive UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Lifecycle vocabularies, stored as plain strings so SQLite and PostgreSQL agree.
POSTING_OPEN = "open"
POSTING_CLOSED = "closed"

EVENT_OPENED = "opened"
EVENT_CLOSED = "closed"
EVENT_REOPENED = "reopened"

RUN_RUNNING = "running"
RUN_COMPLETE = "complete"
RUN_INCOMPLETE = "incomplete"

CLOSE_UNSEEN = "unseen"  # missing from K consecutive complete crawls
CLOSE_HTTP_GONE = "http_gone"  # the posting's page answered 404/410
CLOSE_NOT_ACCEPTING = "not_accepting"  # the page says it no longer accepts applications
CLOSE_EXPIRED = "expired"  # validThrough passed and the source cannot list it again
# not a close: its source was retired (no longer crawled), so the posting is right-censored at
# its last sighting; what became of it after that is unknown (docs/lifecycle.md, "Retiring")
CLOSE_UNTRACKED = "untracked"


# Named constraints, so later migrations can alter them (SQLite batch mode needs names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A configured place postings come from (one ATS board, one job board...)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    country: Mapped[str | None] = mapped_column(String(2))
    # whether the source lists all its open postings (ATS boards, sitemaps); a source that cannot
    # list them again (a one-off page) only closes postings through explicit signals / validThrough
    can_relist: Mapped[bool] = mapped_column(Boolean, default=True)
    # whether the source is the employer's own listing (its ATS board, its career site) rather
    # than a job board copying it: a role's own postings decide when it closes (lifecycle.md)
    first_party: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # set by `jobtrends sources retire`: no longer crawled; its postings open then were
    # right-censored, and a crawl of it is refused
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    crawl_runs: Mapped[list[CrawlRun]] = relationship(back_populates="source")


class CrawlRun(Base):
    """One crawl of one source, with the figures that decide whether it was complete."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    # the observation time: when the crawl is deemed to have looked at the source
    observed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    postings_seen: Mapped[int] = mapped_column(Integer, default=0)
    # open postings of the source before this run: the denominator of the "seen enough" rule
    open_before: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=RUN_RUNNING)
    status_detail: Mapped[str | None] = mapped_column(Text)
    reconciled_at: Mapped[datetime | None] = mapped_column(DateTime)

    source: Mapped[Source] = relationship(back_populates="crawl_runs")


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    normalized_name: Mapped[str] = mapped_column(String(300), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    industry: Mapped[str | None] = mapped_column(String(200))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    website: Mapped[str | None] = mapped_column(String(500))


class Posting(Base):
    """A posting as one source lists it, identified by (source, the source's own id)."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("source_id", "source_job_id", name="uq_postings_source_job"),
        # a source's open postings (a crawl's open count, reconcile's misses and closes). It
        # replaced (status, country): SQLite, which plans without statistics, chose that one
        # and read every open posting of every source, once per source and statement
        Index("ix_postings_source_status", "source_id", "status"),
        # covering, for the trend queries: the roles active in a window ("closed_at IS NULL OR
        # closed_at >= ?") and every attribute of a role row come from this index alone; it
        # also serves "closed_at >= ?" lookups (its leading column). id second: a new (open)
        # posting's entry goes to the end of the open range, not to a random page
        Index(
            "ix_postings_window",
            "closed_at",
            "id",
            "opened_at",
            "canonical_id",
            "left_censored",
            # a close that is only the end of tracking ('untracked'): right-censored
            "close_reason",
            "role_family",
            "seniority",
            "employment_type",
            "company_id",
            "country",
        ),
        # partial: most postings are canonical (NULL here), and an index they are not in costs
        # them nothing at upsert time; "canonical_id = ?" uses it, and the lifecycle columns,
        # country and source (first-party or not) let the trend queries fold linked postings
        # into roles from the index alone
        Index(
            "ix_postings_canonical",
            "canonical_id",
            "opened_at",
            "closed_at",
            "left_censored",
            "close_reason",
            "country",
            "source_id",
            sqlite_where=text("canonical_id IS NOT NULL"),
            postgresql_where=text("canonical_id IS NOT NULL"),
        ),
        # also serves lookups by company_id alone (its leading column); source_id makes it
        # cover dedup's "listed by several sources" grouping
        Index("ix_postings_dedup", "company_id", "title_normalized", "source_id"),
        # the postings a run wrote: where reconcile looks for roles to re-link. Run ids grow,
        # so a crawl's inserts append to the end of the index
        Index("ix_postings_changed_run", "changed_run_id"),
        # the postings in a miss streak: few, so reconcile finds those to close at once
        Index(
            "ix_postings_missed",
            "source_id",
            "status",
            sqlite_where=text("first_missed_at IS NOT NULL"),
            postgresql_where=text("first_missed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    # the source's own job id, or the canonical URL when the source has none
    source_job_id: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    title_normalized: Mapped[str] = mapped_column(String(500))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    company_name_raw: Mapped[str | None] = mapped_column(Text)
    # the description text lives in posting_descriptions (PostingDescription)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # fingerprint of every field the last observation wrote: a re-observation with the same
    # fingerprint only moves last_seen (no row rewrite, no index churn)
    observed_hash: Mapped[str | None] = mapped_column(String(32))
    # raw values as the source gave them, beside the normalised ones
    date_posted_raw: Mapped[str | None] = mapped_column(String(100))
    date_posted: Mapped[datetime | None] = mapped_column(DateTime)
    valid_through_raw: Mapped[str | None] = mapped_column(String(100))
    valid_through: Mapped[datetime | None] = mapped_column(DateTime)
    location_raw: Mapped[str | None] = mapped_column(Text)
    employment_type_raw: Mapped[str | None] = mapped_column(String(200))
    seniority_raw: Mapped[str | None] = mapped_column(String(200))
    salary_min: Mapped[float | None] = mapped_column(Float)
    salary_max: Mapped[float | None] = mapped_column(Float)
    salary_currency: Mapped[str | None] = mapped_column(String(10))
    salary_period: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    # lifecycle
    first_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    # the crawl run that last wrote the row (new, changed or reopened; not one that only saw it
    # again): reconcile re-links roles around these alone. No foreign key: nothing but that
    # lookup reads it, and the check would cost every insert
    changed_run_id: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    close_reason: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10), default=POSTING_OPEN)
    miss_count: Mapped[int] = mapped_column(Integer, default=0)
    # observation time of the first complete crawl that missed it (since last seen): the
    # closed_at of a posting closed for being unseen (LinkUp's convention)
    first_missed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # live at its source's first crawl: opened before tracking began, so counted as opened in
    # no week and kept out of time to fill. Such postings get no "opened" event (docs/lifecycle.md)
    left_censored: Mapped[bool] = mapped_column(Boolean, default=False)
    # enrichment
    language: Mapped[str | None] = mapped_column(String(5))
    seniority: Mapped[str | None] = mapped_column(String(30))
    employment_type: Mapped[str | None] = mapped_column(String(30))
    remote: Mapped[str | None] = mapped_column(String(10))
    role_family: Mapped[str | None] = mapped_column(String(50), index=True)
    enrichment_version: Mapped[str | None] = mapped_column(String(40))
    # roles, not rows: the canonical posting of the role this row belongs to (NULL: itself)
    canonical_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))

    locations: Mapped[list[PostingLocation]] = relationship(
        back_populates="posting", cascade="all, delete-orphan"
    )
    company: Mapped[Company | None] = relationship()
    description: Mapped[PostingDescription | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def description_text(self) -> str | None:
        """The posting's description text (stored in ``posting_descriptions``)."""
        return self.description.description_text if self.description is not None else None

    @description_text.setter
    def description_text(self, value: str | None) -> None:
        if self.description is None:
            self.description = PostingDescription(description_text=value)
        else:
            self.description.description_text = value


class PostingDescription(Base):
    """A posting's description text, apart from its row in ``postings``.

    Every crawl rewrites the posting rows it sees (last seen); descriptions run to several KB
    and change rarely, so here they are written only when they change, and postings stay narrow
    (re-crawls and scans of postings touch a fraction of the pages).
    """

    __tablename__ = "posting_descriptions"

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    description_text: Mapped[str | None] = mapped_column(Text)


class PostingLocation(Base):
    __tablename__ = "posting_locations"
    # covering: city shares and countries per role read (posting_id, city, country) from it
    __table_args__ = (Index("ix_posting_locations_posting", "posting_id", "city", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    city: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    raw: Mapped[str | None] = mapped_column(Text)

    posting: Mapped[Posting] = relationship(back_populates="locations")


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    category: Mapped[str | None] = mapped_column(String(50))


class PostingSkill(Base):
    __tablename__ = "posting_skills"
    __table_args__ = (Index("ix_posting_skills_skill", "skill_id"),)

    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer, default=1)


class PostingEvent(Base):
    """A lifecycle change: opened, closed or reopened, at a time, by a crawl run (if any)."""

    __tablename__ = "posting_events"
    __table_args__ = (
        Index("ix_posting_events_posting", "posting_id"),
        Index("ix_posting_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[datetime] = mapped_column(DateTime)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    reason: Mapped[str | None] = mapped_column(String(50))


class CloseSignal(Base):
    """An explicit close signal (404/410, "no longer accepting"), applied by reconcile."""

    __tablename__ = "close_signals"
    __table_args__ = (
        # the signals not applied yet: few, and reconcile reads them once per run it judges;
        # every signal ever recorded stays in the table (it was scanned whole each time)
        Index(
            "ix_close_signals_pending",
            "observed_at",
            "id",
            sqlite_where=text("applied_at IS NULL"),
            postgresql_where=text("applied_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    source_job_id: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(50))
    observed_at: Mapped[datetime] = mapped_column(DateTime)
    crawl_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime)


class TalentPool(Base):
    """Analyst-imported count of people in a talent pool (country x role family)."""

    __tablename__ = "talent_pools"
    __table_args__ = (UniqueConstraint("country", "role_family", name="uq_talent_pool"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    role_family: Mapped[str] = mapped_column(String(50))
    people: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime | None] = mapped_column(DateTime)
