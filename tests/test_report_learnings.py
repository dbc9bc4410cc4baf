"""Key learnings are said only when the numbers support them (boundaries table-driven)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jobtrends.report import learnings
from jobtrends.report.data import (
    CountriesSection,
    CountryRow,
    ShareRow,
    ShareSection,
    SkillRow,
    SkillsSection,
    TimeToFillSection,
    WeeklyFlowSection,
    WeekRow,
)
from jobtrends.report.sample import sample_report


def _flow(opened: list[int], untracked: tuple[int, ...] = ()) -> WeeklyFlowSection:
    weeks = []
    for i, o in enumerate(opened):
        d = date(2026, 1, 5) + timedelta(weeks=i)
        weeks.append(WeekRow(f"2026-W{i + 2:02d}", d, o, 0, o, 0 if i in untracked else 2))
    peak = max(weeks, key=lambda w: w.opened)
    return WeeklyFlowSection(tuple(weeks), sum(opened), 0, sum(opened),
                             peak.week if peak.opened else None, None,
                             tuple(w.week for w in weeks if not w.tracked))


def _shares(counts: list[int]) -> ShareSection:
    base = sum(counts)
    rows = tuple(ShareRow(f"v{i}", c, c / base) for i, c in enumerate(counts))
    return ShareSection("x", base, base, 0, rows)


@pytest.mark.parametrize(("opened", "untracked", "expected"), [
    ([5, 5, 5], (), None),                        # 3 tracked weeks: too short for a trend
    ([5, 5, 10, 10], (), "picking up"),
    ([10, 10, 5, 5], (), "slowing"),
    ([10, 10, 10, 11], (), "steady"),
    ([2, 2, 4, 4], (), None),                     # 12 openings: too few
    ([5, 5, 0, 10, 10], (2,), "picking up"),      # the untracked week is skipped, not a zero
    ([10, 10, 0, 10, 10], (2,), "steady"),
])
def test_trend_direction(opened: list[int], untracked: tuple[int, ...],
                         expected: str | None) -> None:
    result = learnings.trend_direction(_flow(opened, untracked))
    if expected is None:
        assert result is None
    else:
        assert result is not None and expected in result.text


@pytest.mark.parametrize(("opened", "expected"), [
    ([10, 10, 10, 14], False),   # 14 < 1.5 x 10
    ([10, 10, 10, 15], True),    # 15 = 1.5 x 10
    ([2, 2, 2, 4], False),       # 4 openings: below the minimum for a peak
])
def test_peak_week(opened: list[int], expected: bool) -> None:
    result = learnings.peak_week(_flow(opened))
    assert (result is not None) is expected
    if result:
        assert "2026-W05" in result.text


def test_peak_in_untracked_week_is_never_claimed() -> None:
    flow = _flow([10, 10, 10, 30], untracked=(3,))
    assert learnings.peak_week(flow) is None


@pytest.mark.parametrize(("counts", "expected"), [
    ([10, 5, 4], False),        # 19 roles: thin
    ([11, 5, 4], True),         # 20 roles
    ([10, 10, 5], False),       # a tie is no leader
    ([5, 4, 4, 4, 4, 4], True),      # 5/25 = 20%: just enough
    ([5, 4, 4, 4, 4, 4, 4], False),  # 5/29 = 17%: ahead, but too small a share to lead
])
def test_dominant_city(counts: list[int], expected: bool) -> None:
    assert (learnings.dominant_city(_shares(counts)) is not None) is expected


@pytest.mark.parametrize(("counts", "expected"), [
    ([39, 31, 30], False),   # 39% < 40%
    ([40, 30, 30], True),
    ([8, 6, 5], False),      # thin
])
def test_dominant_level(counts: list[int], expected: bool) -> None:
    result = learnings.dominant_level(_shares(counts))
    assert (result is not None) is expected


@pytest.mark.parametrize(("median", "closed", "expected"), [
    (30, 19, None),
    (30, 20, "within 30 days"),
    (None, 25, "not known yet"),
])
def test_time_to_fill(median: int | None, closed: int, expected: str | None) -> None:
    ttf = TimeToFillSection(median, None, None, closed, 10, ())
    result = learnings.median_time_to_fill(ttf)
    if expected is None:
        assert result is None
    else:
        assert result is not None and expected in result.text


def test_time_to_fill_names_roles_no_longer_tracked_apart() -> None:
    ttf = TimeToFillSection(30, None, None, 20, 10, (), n_untracked=4)
    result = learnings.median_time_to_fill(ttf)
    assert result is not None
    assert "(Kaplan-Meier median over 20 closed, 6 still-open and 4 no longer tracked roles)" \
        in result.text


def test_leading_country_needs_a_strict_leader() -> None:
    tie = CountriesSection((CountryRow("BE", 15), CountryRow("NL", 15)), 30, 0)
    assert learnings.leading_country(tie) is None
    lead = CountriesSection((CountryRow("BE", 16), CountryRow("NL", 14)), 30, 0)
    result = learnings.leading_country(lead)
    assert result is not None and result.text.startswith("BE has the most open roles (16)")


def test_every_learning_carries_its_rule_and_thin_data_says_nothing() -> None:
    full = sample_report()
    assert {lr.kind for lr in full.learnings} == {
        "trend", "peak", "city", "seniority", "time_to_fill", "skills", "countries"}
    assert all(lr.rule for lr in full.learnings)
    assert sample_report(scale=0).learnings == ()


def test_partial_last_week_is_not_compared() -> None:
    flow = _flow([10, 10, 10, 10, 2])
    weeks = list(flow.weeks)
    weeks[-1] = WeekRow(weeks[-1].week, weeks[-1].week_start, 2, 0, 2, 2, partial=True)
    partial = WeekRow(weeks[-1].week, weeks[-1].week_start, 40, 0, 40, 2, partial=True)
    # with the partial week counted as a whole one, hiring would look like it collapses...
    assert "slowing" in (learnings.trend_direction(_flow([10, 10, 10, 10, 2, 2])) or
                         learnings.Learning("", "", "")).text
    # ...but a partial week is left out of the trend, and never named the peak
    flow = WeeklyFlowSection(tuple(weeks), 42, 0, 42, None, None, ())
    result = learnings.trend_direction(flow)
    assert result is not None and "steady" in result.text
    peaked = WeeklyFlowSection((*weeks[:-1], partial), 80, 0, 80, partial.week, None, ())
    assert learnings.peak_week(peaked) is None


def _skills(shares: list[tuple[str, int]], base: int = 40) -> SkillsSection:
    rows = tuple(SkillRow(name, None, roles, roles / base) for name, roles in shares)
    return SkillsSection(base, rows)


@pytest.mark.parametrize(("shares", "expected"), [
    ([("Python", 30), ("SQL", 20)], "Python is the most requested skill, asked for in 75%"),
    # asked for by nearly every role: the role itself; the next skill is the finding
    ([("Machine Learning", 40), ("Python", 31)],
     "Nearly every role asks for Machine Learning; beyond that, Python is the most requested "
     "skill, in 78% of roles (31 of 40)."),
    ([("Machine Learning", 39), ("Python", 36), ("SQL", 36), ("Docker", 10)],
     "Nearly every role asks for Machine Learning, Python and SQL; beyond that, Docker"),
    ([("Machine Learning", 40), ("Python", 38)], "Nearly every role asks for Machine Learning "
     "and Python."),
    ([("Machine Learning", 40)], "Machine Learning is the most requested skill, asked for in "
     "100%"),
])
def test_top_skill(shares: list[tuple[str, int]], expected: str) -> None:
    result = learnings.top_skill(_skills(shares))
    assert result is not None and expected in result.text, result


def test_top_skill_needs_support() -> None:
    assert learnings.top_skill(_skills([("Python", 3)], base=5)) is None
