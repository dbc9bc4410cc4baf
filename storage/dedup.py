"""Roles, not rows: link the same job listed on several sources to one canonical posting.

Two postings of different sources are the same role when they share the normalised company
and normalised title, their cities overlap, their descriptions are near-duplicates, and they
were listed at about the same time (neither opened more than :data:`ROLE_GAP` after the other
closed).
A group never holds two postings of one source (that source lists two roles).
The employer's own posting (of a first-party source; the earliest-opened of them) is the
canonical posting of a linked group (``canonical_id`` NULL), else the earliest-opened posting;
the others point to it, and the role takes the canonical posting's attributes. Candidates come
from the ``(company_id, title_normalized)`` index, never from all pairs.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    bindparam,
    exists,
    func,
    or_,
    select,
    tuple_,
    update,
)

from storage import models
from storage.companies import fold
from storage.db import hold_write_lock

# Share of the shorter description's word 3-grams found in the other one. Containment rather
# than Jaccard: job boards often carry a truncated or trimmed copy of the ATS text.
DESCRIPTION_CONTAINMENT = 0.6
SHINGLE_WORDS = 3
# Fewer words than this is no description to compare: the company/title/city match decides.
MIN_DESCRIPTION_WORDS = 8
# A posting opened more than this long after another one closed is a new hiring, not a copy of
# it: a job board re-listing a role months later joins the company's new posting of it, not the
# long-closed one (which would then stay open until the copy closes, stretching time to fill).
# Job boards copy late and drop late, so their copy may open a little after the original closed.
ROLE_GAP = timedelta(days=30)
_CHUNK = 500

postings = cast(Table, models.Posting.__table__)
locations = cast(Table, models.PostingLocation.__table__)
descriptions = cast(Table, models.PostingDescription.__table__)
sources = cast(Table, models.Source.__table__)
_WORD = re.compile(r"\w+")
T = TypeVar("T")


@dataclass
class _Candidate:
    id: int
    source_id: int
    opened_at: datetime
    closed_at: datetime | None
    country: str | None
    canonical_id: int | None
    description: str | None
    cities: frozenset[str]

    @cached_property
    def shingles(self) -> frozenset[int] | None:
        """Taken when a posting of another source in the same place is compared with it: most
        candidates (a source's earlier postings of the same title) never are."""
        return shingles(self.description)


def shingles(text: str | None) -> frozenset[int] | None:
    """Hashed word 3-grams of a description, or None when it is too short to compare."""
    words = _WORD.findall(fold(text)) if text else []
    if len(words) < MIN_DESCRIPTION_WORDS:
        return None
    return frozenset(
        hash(tuple(words[i : i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1)
    )


def near_duplicate(a: frozenset[int] | None, b: frozenset[int] | None) -> bool:
    """Descriptions agree: containment above the threshold, or one of them is missing."""
    if a is None or b is None:
        return True
    return len(a & b) >= DESCRIPTION_CONTAINMENT * min(len(a), len(b))


def same_place(a: _Candidate, b: _Candidate) -> bool:
    """Cities overlap; a posting listing no city matches on country (or an unknown one)."""
    if a.cities and b.cities:
        return bool(a.cities & b.cities)
    return a.country is None or b.country is None or a.country == b.country


def time_apart(a: _Candidate, b: _Candidate) -> timedelta:
    """How long after one posting closed the other opened; zero when both were open at once
    (an open posting has not closed)."""
    gaps = [
        second.opened_at - first.closed_at
        for first, second in ((a, b), (b, a))
        if first.closed_at is not None
    ]
    return max([timedelta(0), *gaps])


def same_time(a: _Candidate, b: _Candidate) -> bool:
    """Each opened at most :data:`ROLE_GAP` after the other closed."""
    return time_apart(a, b) <= ROLE_GAP


def same_role(a: _Candidate, b: _Candidate) -> bool:
    return (
        a.source_id != b.source_id
        and same_time(a, b)
        and same_place(a, b)
        and near_duplicate(a.shingles, b.shingles)
    )


_KEY = (postings.c.company_id, postings.c.title_normalized)
# every key listed by more than one source: an index-only grouping of ix_postings_dedup
_MULTI_SOURCE = (
    select(*_KEY)
    .where(postings.c.company_id.is_not(None), postings.c.title_normalized != "")
    .group_by(*_KEY)
    .having(func.count(func.distinct(postings.c.source_id)) > 1)
)
# the keys of up to this many written postings are checked a chunk of keys at a time; those
# of more (a first crawl), against one pass over all keys
_PROBED_POSTINGS = 20_000


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _pairs(rows: Iterable[Any]) -> set[tuple[int, str]]:
    """(company_id, title_normalized) of each row."""
    return {(company, title) for company, title in rows}


def _candidate_keys(
    conn: Connection, run_ids: Sequence[int] | None, posting_ids: Sequence[int] | None = None
) -> set[tuple[int, str]]:
    """(company, title) keys whose roles may need linking again.

    With neither ``run_ids`` nor ``posting_ids``: every key listed by more than one source (an
    index-only grouping of ``ix_postings_dedup``). Otherwise the keys of the postings those runs
    wrote (``changed_run_id``: new, changed or reopened, not merely seen again) and of the
    given postings, and of the postings linked to or from them (one may have left their key); among
    those, the keys listed by several sources or holding a link to clear.
    """
    if run_ids is None and posting_ids is None:
        return _pairs(conn.execute(_MULTI_SOURCE))
    written = [postings.c.changed_run_id.in_(chunk) for chunk in _chunks(list(run_ids or ()))]
    written += [postings.c.id.in_(chunk) for chunk in _chunks(list(posting_ids or ()))]
    written_count = sum(
        conn.execute(select(func.count()).select_from(postings).where(where)).scalar_one()
        for where in written
    )
    every: set[tuple[int, str]] | None = None
    if written_count > _PROBED_POSTINGS:  # one pass over the index, not a probe per key
        linked_keys = select(*_KEY).where(postings.c.canonical_id.is_not(None)).distinct()
        every = _pairs(conn.execute(_MULTI_SOURCE)) | _pairs(conn.execute(linked_keys))
        if not every:
            return set()  # one source so far, nothing linked: no role spans sources
    linked = postings.alias("linked")
    touched: set[tuple[int, str]] = set()
    for where in written:
        touched.update(_pairs(conn.execute(select(*_KEY).where(where).distinct())))
        # the keys of the postings linked to them, and of their canonical postings: a retitled
        # copy still points to its old role, whose other postings may have been one role only
        # through it
        for related in (
            linked.c.canonical_id.in_(select(postings.c.id).where(where)),
            linked.c.id.in_(select(postings.c.canonical_id).where(where)),
        ):
            keys = select(linked.c.company_id, linked.c.title_normalized).where(related)
            touched.update(_pairs(conn.execute(keys.distinct())))
    touched = {(company, title) for company, title in touched if company is not None and title}
    if every is not None:
        return touched & every
    found: set[tuple[int, str]] = set()
    for chunk in _chunks(sorted(touched)):
        found.update(
            _pairs(
                conn.execute(
                    select(*_KEY)
                    .where(tuple_(*_KEY).in_(chunk))
                    .group_by(*_KEY)
                    .having(
                        or_(
                            func.count(func.distinct(postings.c.source_id)) > 1,
                            func.count(postings.c.canonical_id) > 0,
                        )
                    )
                )
            )
        )
    return found


def _is_linked() -> ColumnElement[bool]:
    """The posting is linked to another posting, or another one to it."""
    member = postings.alias("member")
    return or_(
        postings.c.canonical_id.is_not(None),
        exists().where(member.c.canonical_id == postings.c.id),
    )


def linked_among(conn: Connection, posting_ids: Sequence[int]) -> list[int]:
    """Those of ``posting_ids`` that are linked to or from another posting."""
    found: list[int] = []
    for chunk in _chunks(posting_ids):
        linked = select(postings.c.id).where(postings.c.id.in_(chunk), _is_linked())
        found.extend(conn.execute(linked).scalars())
    return found


def _load_groups(conn: Connection, keys: set[tuple[int, str]]) -> list[list[_Candidate]]:
    rows_by_key: dict[tuple[int, str], list[_Candidate]] = defaultdict(list)
    # by (company, title): by company alone, every posting a company ever listed (and its
    # description) was read to compare the few keys in question
    for key_chunk in _chunks(sorted(keys)):
        for row in conn.execute(
            select(
                postings.c.id,
                postings.c.source_id,
                postings.c.company_id,
                postings.c.title_normalized,
                postings.c.opened_at,
                postings.c.closed_at,
                postings.c.country,
                postings.c.canonical_id,
                descriptions.c.description_text,
            )
            .select_from(
                postings.outerjoin(descriptions, descriptions.c.posting_id == postings.c.id)
            )
            .where(tuple_(*_KEY).in_(key_chunk))
        ):
            rows_by_key[row.company_id, row.title_normalized].append(
                _Candidate(row.id, row.source_id, row.opened_at, row.closed_at, row.country,
                           row.canonical_id, row.description_text, frozenset())
            )  # fmt: skip
    by_id = {c.id: c for group in rows_by_key.values() for c in group}
    cities: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(by_id)):
        for posting_id, city in conn.execute(
            select(locations.c.posting_id, locations.c.city).where(
                locations.c.posting_id.in_(chunk), locations.c.city.is_not(None)
            )
        ):
            if folded := fold(city):
                cities[posting_id].add(folded)
    for posting_id, names in cities.items():
        by_id[posting_id].cities = frozenset(names)
    return list(rows_by_key.values())


def _match_strength(a: _Candidate, b: _Candidate) -> tuple[float, int, float]:
    """How strongly two matching postings agree: description containment (0 when either has
    none to compare), then whether they share a city rather than only a country, then how
    close in time they were listed (minus :func:`time_apart`, in seconds)."""
    if a.shingles is None or b.shingles is None:
        containment = 0.0
    else:
        containment = len(a.shingles & b.shingles) / min(len(a.shingles), len(b.shingles))
    return containment, int(bool(a.cities & b.cities)), -time_apart(a, b).total_seconds()


def _canonical_ids(
    group: list[_Candidate], first_party: Collection[int] = frozenset()
) -> dict[int, int | None]:
    """posting id -> the canonical id it should point to (None: it is canonical or alone).

    Matches are joined strongest first, and two clusters are joined only when no source has a
    posting in both: a source listing two postings lists two roles, so a job-board copy that
    matches both (same title, no city) joins one of them, never merges them. The order is
    fixed (strength, then earliest opening, then ids), so re-linking gives the same groups.
    In each group, the posting of a ``first_party`` source (ids) opened first is canonical, else
    the posting opened first.
    """
    parent = {c.id: c.id for c in group}
    source_sets = {c.id: {c.source_id} for c in group}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    ordered = sorted(group, key=lambda c: (c.opened_at, c.id))
    pairs: list[tuple[tuple[float, int, float], int, int, _Candidate, _Candidate]] = []
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if same_role(a, b):
                pairs.append((_match_strength(a, b), i, j, a, b))
    pairs.sort(key=lambda p: (-p[0][0], -p[0][1], -p[0][2], p[1], p[2]))
    for _, _, _, a, b in pairs:
        ra, rb = root(a.id), root(b.id)
        if ra == rb or source_sets[ra] & source_sets[rb]:
            continue
        parent[ra] = rb
        source_sets[rb] |= source_sets.pop(ra)
    clusters: dict[int, list[_Candidate]] = defaultdict(list)
    for c in group:
        clusters[root(c.id)].append(c)
    wanted: dict[int, int | None] = {}
    for members in clusters.values():
        first = min(members, key=lambda c: (c.source_id not in first_party, c.opened_at, c.id))
        for c in members:
            wanted[c.id] = None if c is first else first.id
    return wanted


def lock_every_source(conn: Connection) -> None:
    """Lock every source until the transaction ends: on PostgreSQL each source's row (in id
    order, ``FOR NO KEY UPDATE``, so foreign-key checks go on), on SQLite the database's write
    lock (``storage.db.hold_write_lock``), which holds them all.

    Taken by writers that link roles (reconcile, retiring a source): linking updates postings of
    any source. A batch being stored holds its own source's row (``storage.ingest._live_run``)
    and updates that source's postings: such a writer waits for the batches being stored, and
    later ones wait for it, instead of the two updating the same postings in turn and
    deadlocking (docs/lifecycle.md, "Writers take turns").
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(sources.c.id).order_by(sources.c.id).with_for_update(key_share=True)
        ).all()
    hold_write_lock(conn)


def relink_source(conn: Connection, source_id: int) -> int:
    """Link again the roles that hold linked postings of ``source_id`` (its ``first_party`` flag
    changed: their canonical posting may change with it). Returns what
    :func:`link_canonical_postings` does."""
    linked = select(postings.c.id).where(postings.c.source_id == source_id, _is_linked())
    ids = list(conn.execute(linked).scalars())
    return link_canonical_postings(conn, posting_ids=ids) if ids else 0


def link_canonical_postings(
    conn: Connection,
    run_ids: Sequence[int] | None = None,
    *,
    posting_ids: Sequence[int] | None = None,
) -> int:
    """Link cross-source duplicates around the postings ``run_ids`` wrote and around
    ``posting_ids`` (re-enriched or closed, say); with neither, among all postings.

    Returns how many postings had their ``canonical_id`` set, changed or cleared.
    """
    keys = _candidate_keys(conn, run_ids, posting_ids)
    if not keys:
        return 0
    changes: list[dict[str, int | None]] = []
    first_party = set(conn.execute(select(sources.c.id).where(sources.c.first_party)).scalars())
    for group in _load_groups(conn, keys):
        wanted = _canonical_ids(group, first_party)
        changes.extend(
            {"b_id": c.id, "b_canonical": wanted[c.id]}
            for c in group
            if c.canonical_id != wanted[c.id]
        )
    if changes:
        conn.execute(
            update(postings)
            .where(postings.c.id == bindparam("b_id"))
            .values(canonical_id=bindparam("b_canonical")),
            changes,
        )
    return len(changes)
