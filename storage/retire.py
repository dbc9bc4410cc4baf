"""Retiring a source: it is no longer crawled, so its open postings are right-censored.

A source removed from the sources file, or a company that moved to another ATS, is simply not
crawled again. Without more, its open postings would stay open forever: counted in every later
week's open roles, and in time to fill as roles still unfilled at an ever later date. Yet nothing
was seen to close them either, so closing them would invent closes. Retiring says what is known:
each open posting was open at its last sighting and is not tracked after it. It gets
``closed_at`` = its ``last_seen_at`` and ``close_reason`` = ``'untracked'`` (status ``closed``)
and no ``closed`` event; the trend queries count such a close in no week and treat it as a
censoring in time to fill (docs/lifecycle.md, "Retiring a source").

A retired source refuses new crawl runs (:class:`SourceRetiredError`) until it is reinstated,
which undoes the censoring exactly (a retired source was not crawled in between).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from storage import models
from storage.dedup import link_canonical_postings, lock_every_source
from storage.models import CrawlRun, Posting, Source


class SourceRetiredError(ValueError):
    """A crawl of a source that was retired."""

    def __init__(self, source_name: str, retired_at: datetime) -> None:
        self.source_name = source_name
        self.retired_at = retired_at
        super().__init__(
            f"source {source_name!r} was retired on {retired_at:%Y-%m-%d %H:%M} UTC and is not "
            "crawled any more: disable or remove it in the sources file, or reinstate it with "
            f"`jobtrends sources retire {source_name} --undo`"
        )


class RetireError(ValueError):
    """A retirement that cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class RetireReport:
    """What :func:`retire_source` or :func:`reinstate_source` did."""

    source: str
    postings: int  # postings right-censored (retire) or open again (reinstate)
    # the latest complete crawl of the source: its trends are tracked up to here
    last_complete_at: datetime | None
    runs_abandoned: int = 0  # unfinished runs judged incomplete by the retirement
    links_changed: int = 0  # postings whose role changed (see _relink)


def check_not_retired(session: Session, source_names: Sequence[str]) -> None:
    """Raise :class:`SourceRetiredError` for the first of ``source_names`` that is retired."""
    rows = session.execute(
        select(Source.name, Source.retired_at).where(Source.name.in_(list(source_names)))
    )
    retired = {name: at for name, at in rows if at is not None}
    for name in source_names:
        if name in retired:
            raise SourceRetiredError(name, retired[name])


def _source(session: Session, name: str) -> Source:
    """The source named ``name``, every source locked first until the transaction ends: the
    batches being stored are waited for (retiring then censors what they stored) and later ones
    wait, and linking roles again touches postings of any source (``lock_every_source``)."""
    lock_every_source(session.connection())
    source = session.execute(select(Source).where(Source.name == name)).scalar_one_or_none()
    if source is None:
        raise RetireError(no_stored_source(session.connection(), [name]))
    return source


def no_stored_source(conn: Connection, names: Sequence[str]) -> str:
    """The message for ``names``, none of them a stored source: it lists the stored ones (the
    first 20), to pick from."""
    known = conn.execute(select(Source.name).order_by(Source.name)).scalars().all()
    listed = ", ".join(repr(n) for n in known[:20]) or "none yet"
    return f"no stored source named {', '.join(map(repr, names))} (stored sources: {listed})"


def _last_complete_at(session: Session, source_id: int) -> datetime | None:
    return session.execute(
        select(func.max(CrawlRun.observed_at)).where(
            CrawlRun.source_id == source_id, CrawlRun.status == models.RUN_COMPLETE
        )
    ).scalar_one()


def retire_source(session: Session, name: str, *, at: datetime) -> RetireReport:
    """Stop tracking source ``name`` (recorded as retired at ``at``, wall-clock time): its open
    postings are right-censored at their last sighting. Does not commit.

    Refused (:class:`RetireError`) for an unknown or already retired source, and while a
    finished crawl of it waits for ``reconcile``: its misses must be counted first. A crawl that
    never finished is judged incomplete ("never finished"), as reconcile would judge it once a
    later crawl finished.
    """
    source = _source(session, name)
    if source.retired_at is not None:
        raise RetireError(f"source {name!r} is already retired (on {source.retired_at:%Y-%m-%d})")
    waiting = session.execute(
        select(func.count()).where(
            CrawlRun.source_id == source.id,
            CrawlRun.reconciled_at.is_(None),
            CrawlRun.finished_at.is_not(None),
        )
    ).scalar_one()
    if waiting:
        raise RetireError(
            f"source {name!r} has {waiting} finished crawl run(s) not reconciled yet: run "
            "`jobtrends reconcile` first, so that the postings they missed are counted"
        )
    conn = session.connection()
    abandoned = conn.execute(
        update(CrawlRun)
        .where(CrawlRun.source_id == source.id, CrawlRun.status == models.RUN_RUNNING)
        .values(
            status=models.RUN_INCOMPLETE,
            status_detail=f"{models.RUN_INCOMPLETE}: never finished (source retired)",
            reconciled_at=at,
        )
    ).rowcount
    censor = (
        update(Posting)
        .where(Posting.source_id == source.id, Posting.status == models.POSTING_OPEN)
        .values(
            status=models.POSTING_CLOSED,
            closed_at=Posting.last_seen_at,
            close_reason=models.CLOSE_UNTRACKED,
        )
        .returning(Posting.id)
    )
    censored = list(conn.execute(censor).scalars())
    source.retired_at = at
    session.flush()
    return RetireReport(
        name,
        len(censored),
        _last_complete_at(session, source.id),
        abandoned,
        _relink(session, censored),
    )


def _relink(session: Session, posting_ids: Sequence[int]) -> int:
    """Link the roles around postings whose ``closed_at`` the retirement set or cleared again:
    two postings are one role only if neither opened more than ``ROLE_GAP`` after the other
    closed (docs/lifecycle.md, rule 5), so a role may split, or join again, with it. Roles are
    then what linking the current postings gives, as after any reconcile."""
    if not posting_ids:
        return 0
    return link_canonical_postings(session.connection(), posting_ids=posting_ids)


def reinstate_source(session: Session, name: str) -> RetireReport:
    """Undo :func:`retire_source`: the postings it right-censored are open again, as they were,
    and the source may be crawled again. Does not commit."""
    source = _source(session, name)
    if source.retired_at is None:
        raise RetireError(f"source {name!r} is not retired")
    reopen = (
        update(Posting)
        .where(Posting.source_id == source.id, Posting.close_reason == models.CLOSE_UNTRACKED)
        .values(status=models.POSTING_OPEN, closed_at=None, close_reason=None)
        .returning(Posting.id)
    )
    reopened = list(session.connection().execute(reopen).scalars())
    source.retired_at = None
    session.flush()
    return RetireReport(
        name, len(reopened), _last_complete_at(session, source.id), 0, _relink(session, reopened)
    )
