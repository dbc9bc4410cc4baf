"""What a correct pipeline must report about a simulated market crawled once per week.

The market knows when each role really opened and closed, but a weekly crawler only sees
snapshots, so the truth is computed by replaying the lifecycle rules of DESIGN.md over those
snapshots:

- a crawl of a source is *complete* unless it failed (the failing source's week) or saw fewer
  than ``min_seen_share`` of the postings open for that source before it;
- a crawl that saw too few but not nothing is a suspect drop: when the source's next crawl
  that neither failed nor saw nothing again sees under ``min_seen_share`` of what was open
  before the suspect one, the drop is confirmed and both count (the suspect one at its own
  time); a crawl that saw nothing of an open listing never counts;
- a posting missed by ``k`` consecutive complete crawls closes at the time of the first of them;
- unless it closes sooner: after a crawl whose listing did not fail, the crawler revisits the
  open postings it left out (at most ``revisit_limit`` per source), and one whose page answers
  404 (in the simulated market: every posting no longer listed) closes at that crawl's time,
  whatever the crawl's verdict (an emptied board's postings included);
- postings live at their source's first crawl are left-censored (opened in no week, kept out of
  time to fill);
- a role cross-posted on several sources counts once, and closes when the postings of its
  company's own ATS source close: a job board keeps its copy up for a while after the company
  took the role down (a role seen only on a job board closes with its postings there);
- the opening time is the posting's own date (``datePosted``, a bare date on some boards).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from crawler.settings import JOBTRENDS_REVISIT_MISSING
from crawler.sources import KINDS
from jobtrends.simulator.market import DATE_ONLY_BOARDS, Market, Role


@dataclass
class RoleOutcome:
    """One observed role as the lifecycle rules see it."""

    role: Role
    opened_at: datetime
    first_seen: datetime
    left_censored: bool
    closed_at: datetime | None


@dataclass
class GroundTruth:
    """The expected report numbers. Weeks are ISO ``(year, week)`` pairs."""

    crawl_times: list[datetime]
    outcomes: list[RoleOutcome]
    opened_by_week: Counter[tuple[int, int]] = field(default_factory=Counter)
    closed_by_week: Counter[tuple[int, int]] = field(default_factory=Counter)
    incomplete_runs: list[tuple[str, int]] = field(default_factory=list)

    @property
    def last_crawl(self) -> datetime:
        return self.crawl_times[-1]

    def iso_weeks(self) -> list[tuple[int, int]]:
        """The ISO weeks the crawls cover, oldest first."""
        weeks = []
        for t in self.crawl_times:
            iso = t.isocalendar()
            weeks.append((iso.year, iso.week))
        return weeks

    def time_to_fill_days(self) -> list[tuple[float, bool]]:
        """(days, closed) per non-censored role; open roles are censored at the last crawl.

        Days are between UTC calendar dates, as the trend queries count them.
        """
        out: list[tuple[float, bool]] = []
        for o in self.outcomes:
            if o.left_censored:
                continue
            end = o.closed_at or self.last_crawl
            out.append(((end.date() - o.opened_at.date()).days, o.closed_at is not None))
        return out

    def median_time_to_fill(self) -> float | None:
        return kaplan_meier_quantile(self.time_to_fill_days(), 0.5)

    def active(self, since: datetime | None = None,
               until: datetime | None = None) -> list[RoleOutcome]:
        """Roles open at some point of [since, until] (default: the whole observed period)."""
        lo = since or datetime.min
        hi = until or datetime.max
        return [o for o in self.outcomes
                if o.opened_at <= hi and (o.closed_at is None or o.closed_at >= lo)]

    @staticmethod
    def shares(outcomes: list[RoleOutcome], attribute: str) -> dict[str, float]:
        """Share of ``outcomes`` per value of a role attribute (``cities`` counts each city)."""
        counts: Counter[str] = Counter()
        for o in outcomes:
            value = getattr(o.role, attribute)
            if isinstance(value, tuple):
                counts.update(value)
            else:
                counts[value] += 1
        n = len(outcomes)
        return {k: v / n for k, v in counts.items()} if n else {}

    def open_at_end(self) -> list[RoleOutcome]:
        return [o for o in self.outcomes if o.closed_at is None]


def kaplan_meier_quantile(samples: list[tuple[float, bool]], q: float) -> float | None:
    """The time at which the Kaplan–Meier survival curve first drops to ``1 - q`` or below.

    ``samples`` are (duration, event observed). None when the curve never gets that low.
    """
    at_risk = len(samples)
    survival = 1.0
    for duration, event in sorted(samples, key=lambda s: (s[0], not s[1])):
        if event:
            survival *= 1.0 - 1.0 / at_risk
            if survival <= 1.0 - q + 1e-12:
                return duration
        at_risk -= 1
    return None


def claimed_opening(market: Market, role: Role, source: str) -> datetime:
    """The opening a source publishes: a bare date (midnight UTC) on some boards."""
    if market.source_by_name[source].key in DATE_ONLY_BOARDS:
        return datetime.combine(role.opened.date(), datetime.min.time())
    return role.opened.replace(second=0, microsecond=0)


def plausible_opening(claimed: datetime, first_seen: datetime,
                      previous_complete: datetime | None) -> datetime:
    """Storage's rule: a claimed date before the source's previous complete crawl (which did
    not list the posting) or over a day after the first sighting is not believed."""
    if claimed > first_seen + timedelta(days=1) or claimed < first_seen - timedelta(days=365):
        return first_seen
    if previous_complete is not None and claimed < previous_complete:
        return first_seen
    return min(claimed, first_seen)


def ground_truth(market: Market, *, k: int = 2, min_seen_share: float = 0.5,
                 revisit_limit: int = JOBTRENDS_REVISIT_MISSING) -> GroundTruth:
    """Replay weekly crawls of ``market`` under the lifecycle rules (see the module doc).

    ``revisit_limit`` is the crawler's (0: no revisits). Which postings a crawl revisits when
    it left out more than that depends on storage's row order, which the market cannot know:
    such a market is refused (:class:`ValueError`).
    """
    times = [market.crawl_time(w) for w in range(market.weeks)]
    first_seen: dict[tuple[str, str], datetime] = {}
    opened_at: dict[tuple[str, str], datetime] = {}
    censored: dict[tuple[str, str], bool] = {}
    closed: dict[tuple[str, str], datetime] = {}
    role_of: dict[tuple[str, str], int] = {}
    incomplete: list[tuple[str, int]] = []
    for spec in market.sources:
        source = spec.name
        revisits = KINDS[spec.kind].revisit_limit(None, revisit_limit)
        misses: dict[str, int] = {}
        first_miss: dict[str, datetime] = {}
        open_ids: set[str] = set()
        previous_complete: datetime | None = None
        # the source's latest clean crawl that saw too few, awaiting confirmation:
        # (week, its time, what it saw, how many were open before it)
        suspect: tuple[int, datetime, set[str], int] | None = None
        for w, t in enumerate(times):
            if market.is_failing(source, w):
                incomplete.append((source, w))  # failed: neither confirms nor refutes a drop
                continue
            seen = market.visible(source, w)
            seen_ids = {p.job_id for p in seen}
            open_before = len(open_ids)
            too_few = open_before > 0 and len(seen_ids) < min_seen_share * open_before
            for p in seen:
                key = (source, p.job_id)
                if key not in first_seen:
                    first_seen[key] = t
                    censored[key] = previous_complete is None
                    role_of[key] = p.role
                    claimed = claimed_opening(market, market.roles[p.role], source)
                    opened_at[key] = plausible_opening(claimed, t, previous_complete)
                open_ids.add(p.job_id)
                misses[p.job_id] = 0
                first_miss.pop(p.job_id, None)
            if revisits:
                gone = open_ids - seen_ids  # their pages answer 404: closed at this crawl
                if len(gone) > revisits:
                    raise ValueError(
                        f"source {source} drops {len(gone)} postings at week {w}, more than "
                        f"the {revisits} a crawl revisits: which close then is not modelled")
                for job_id in gone:
                    closed[(source, job_id)] = t
                    open_ids.discard(job_id)
            if too_few and not seen_ids:
                incomplete.append((source, w))  # an empty listing is never trusted
                continue
            complete = not too_few
            if suspect is not None:
                s_week, s_time, s_seen, s_open = suspect
                suspect = None
                if len(seen_ids) < min_seen_share * s_open:
                    # the drop is confirmed: the suspect crawl counts, at its own time, for
                    # what neither crawl saw; then this crawl counts too
                    incomplete.remove((source, s_week))
                    for job_id in _missed(open_ids - s_seen - seen_ids, s_time, k, misses,
                                          first_miss):
                        closed[(source, job_id)] = first_miss[job_id]
                        open_ids.discard(job_id)
                    complete = True
            if not complete:
                incomplete.append((source, w))
                suspect = (w, t, seen_ids, open_before)
                continue
            previous_complete = t
            for job_id in _missed(open_ids - seen_ids, t, k, misses, first_miss):
                closed[(source, job_id)] = first_miss[job_id]
                open_ids.discard(job_id)

    # roles, not rows: group a role's placements
    by_role: dict[int, list[tuple[str, str]]] = {}
    for key, role_idx in role_of.items():
        by_role.setdefault(role_idx, []).append(key)
    outcomes = []
    for role_idx in sorted(by_role):
        keys = by_role[role_idx]
        role = market.roles[role_idx]
        own = [key for key in keys
               if market.source_by_name[key[0]].company == market.companies[role.company].key]
        closes = [closed.get(key) for key in own or keys]
        earliest = min(opened_at[key] for key in keys)
        outcomes.append(RoleOutcome(
            role=role,
            opened_at=earliest,
            first_seen=min(first_seen[key] for key in keys),
            # the role's opening is unknown when its earliest claim is a left-censored posting's
            left_censored=any(censored[key] and opened_at[key] == earliest for key in keys),
            # the role is closed when its company closed it (every posting of its own ATS
            # source), or, seen on no such source, when every copy of it is
            closed_at=None if any(c is None for c in closes) else max(c for c in closes if c),
        ))
    truth = GroundTruth(times, outcomes, incomplete_runs=incomplete)
    for o in outcomes:
        if o.closed_at is not None:
            truth.closed_by_week[_iso(o.closed_at.date())] += 1
        if not o.left_censored:
            truth.opened_by_week[_iso(o.opened_at.date())] += 1
    return truth


def _missed(
    job_ids: set[str],
    at: datetime,
    k: int,
    misses: dict[str, int],
    first_miss: dict[str, datetime],
) -> list[str]:
    """Count a complete crawl at ``at`` that missed ``job_ids``; return those reaching ``k``."""
    reached = []
    for job_id in sorted(job_ids):
        misses[job_id] = misses.get(job_id, 0) + 1
        first_miss.setdefault(job_id, at)
        if misses[job_id] >= k:
            reached.append(job_id)
    return reached


def _iso(d: date) -> tuple[int, int]:
    iso = d.isocalendar()
    return (iso.year, iso.week)


def week_start(year: int, week: int) -> datetime:
    """Monday 00:00 of ISO week (year, week)."""
    return datetime.combine(date.fromisocalendar(year, week, 1), datetime.min.time())


__all__ = ["GroundTruth", "RoleOutcome", "ground_truth", "kaplan_meier_quantile", "week_start"]
