"""Key learnings: short sentences generated only from the report's numbers.

Each rule states the condition under which its sentence may be said; when the numbers do not meet
it (too few roles, too few tracked weeks, no clear leader) the rule says nothing rather than
something the data cannot support.
"""

from __future__ import annotations

from jobtrends.report.data import (
    MIN_SUPPORT,
    CountriesSection,
    Learning,
    ShareSection,
    SkillsSection,
    TimeToFillSection,
    WeeklyFlowSection,
)

MIN_TREND_WEEKS = 4  # tracked weeks needed to speak of a trend
TREND_CHANGE = 0.15  # relative change of weekly openings that counts as a trend
PEAK_RATIO = 1.5  # a peak must beat the other tracked weeks' mean by this factor
MIN_PEAK_OPENINGS = 5
DOMINANT_LEVEL_SHARE = 0.4
UBIQUITOUS_SKILL_SHARE = 0.9  # a skill nearly every role asks for is the role, not a finding
LEADING_CITY_SHARE = 0.2


def _pct(x: float) -> str:
    return f"{round(100 * x)}%"


def trend_direction(flow: WeeklyFlowSection) -> Learning | None:
    # whole observed weeks only: an unobserved week is no zero, a partial one no full week
    tracked = [w for w in flow.weeks if w.comparable]
    opened = sum(w.opened for w in tracked)
    if len(tracked) < MIN_TREND_WEEKS or opened < MIN_SUPPORT:
        return None
    half = len(tracked) // 2
    early, late = tracked[:half], tracked[-half:]
    early_rate = sum(w.opened for w in early) / len(early)
    late_rate = sum(w.opened for w in late) / len(late)
    rule = (f"{len(tracked)} tracked weeks >= {MIN_TREND_WEEKS}, {opened} openings >= "
            f"{MIN_SUPPORT}; last {half} vs first {half} tracked weeks, +/-{_pct(TREND_CHANGE)}")
    span = f"{late_rate:.1f} roles opened per week in the last {half} tracked weeks"
    if early_rate == 0 or late_rate > early_rate * (1 + TREND_CHANGE):
        text = f"Hiring is picking up: {span}, against {early_rate:.1f} in the first {half}."
    elif late_rate < early_rate * (1 - TREND_CHANGE):
        text = f"Hiring is slowing: {span}, against {early_rate:.1f} in the first {half}."
    else:
        text = f"Hiring is steady: {span}, against {early_rate:.1f} in the first {half}."
    if flow.net:
        direction = "more" if flow.net > 0 else "fewer"
        text += (f" Over the window {flow.opened} roles opened and {flow.closed} closed "
                 f"({abs(flow.net)} {direction} open roles).")
    return Learning("trend", text, rule)


def peak_week(flow: WeeklyFlowSection) -> Learning | None:
    tracked = [w for w in flow.weeks if w.comparable]
    if len(tracked) < 3 or flow.peak_opened is None:
        return None
    peak = next((w for w in tracked if w.week == flow.peak_opened), None)
    if peak is None or peak.opened < MIN_PEAK_OPENINGS:
        return None
    others = [w.opened for w in tracked if w is not peak]
    mean = sum(others) / len(others)
    if peak.opened < PEAK_RATIO * mean:
        return None
    ratio = f"{peak.opened / mean:.1f}x" if mean else "far above"
    return Learning(
        "peak",
        f"Openings peaked in {peak.week} with {peak.opened} new roles, {ratio} the average of "
        f"the other tracked weeks ({mean:.1f}).",
        f"peak >= {MIN_PEAK_OPENINGS} openings and >= {PEAK_RATIO}x the other weeks' mean",
    )


def dominant_city(cities: ShareSection) -> Learning | None:
    if cities.thin or len(cities.rows) < 2:
        return None
    first, second = sorted(cities.rows, key=lambda r: -r.count)[:2]
    if first.share < LEADING_CITY_SHARE or first.count <= second.count:
        return None
    return Learning(
        "city",
        f"{first.label} leads the locations: {_pct(first.share)} of roles with a known city "
        f"({first.count} of {cities.base}), ahead of {second.label} ({_pct(second.share)}).",
        f"base {cities.base} >= {MIN_SUPPORT}, leader >= {_pct(LEADING_CITY_SHARE)} and strictly "
        "ahead of the next city",
    )


def dominant_level(seniority: ShareSection) -> Learning | None:
    top = seniority.top()
    if seniority.thin or top is None or top.share < DOMINANT_LEVEL_SHARE:
        return None
    return Learning(
        "seniority",
        f"Most demand is for {top.label} profiles: {_pct(top.share)} of roles with a known "
        f"level ({top.count} of {seniority.base}).",
        f"base {seniority.base} >= {MIN_SUPPORT}, top level >= {_pct(DOMINANT_LEVEL_SHARE)}",
    )


def median_time_to_fill(ttf: TimeToFillSection) -> Learning | None:
    if ttf.thin:
        return None
    if ttf.median_days is None:
        return Learning(
            "time_to_fill",
            f"Fewer than half of the {ttf.n_roles} tracked roles have closed so far, so the "
            "median time to fill is not known yet.",
            f"{ttf.n_closed} closed roles >= {MIN_SUPPORT}; Kaplan-Meier curve above 50%",
        )
    roles = (f"{ttf.n_closed} closed, {ttf.n_open} still-open and {ttf.n_untracked} no longer "
             "tracked" if ttf.n_untracked else f"{ttf.n_closed} closed and {ttf.n_open} still-open")
    text = (f"Half of the roles are filled within {ttf.median_days} days (Kaplan-Meier median "
            f"over {roles} roles)")
    if ttf.p75_days is not None:
        text += f"; a quarter take more than {ttf.p75_days} days"
    return Learning("time_to_fill", text + ".",
                    f"{ttf.n_closed} closed roles >= {MIN_SUPPORT}; median reached by the curve")


def top_skill(skills: SkillsSection) -> Learning | None:
    """The most requested skill; one that nearly every role asks for (the role itself, such as
    Machine Learning among ML engineers) is named as such, and the next one is the finding."""
    if skills.thin or not skills.rows:
        return None
    top, *others = skills.rows
    condition = f"base {skills.base} >= {MIN_SUPPORT}"
    if top.share < UBIQUITOUS_SKILL_SHARE or not others:
        return Learning(
            "skills",
            f"{top.skill} is the most requested skill, asked for in {_pct(top.share)} of "
            f"roles ({top.roles} of {skills.base}).",
            condition,
        )
    given = [row for row in skills.rows if row.share >= UBIQUITOUS_SKILL_SHARE]
    rest = [row for row in skills.rows if row.share < UBIQUITOUS_SKILL_SHARE]
    names = [row.skill for row in given]
    named = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    text = f"Nearly every role asks for {named}"
    if rest:
        nxt = rest[0]
        text += (f"; beyond that, {nxt.skill} is the most requested skill, in "
                 f"{_pct(nxt.share)} of roles ({nxt.roles} of {skills.base})")
    return Learning(
        "skills",
        text + ".",
        f"{condition}; asked for in >= {_pct(UBIQUITOUS_SKILL_SHARE)} of roles: said as given",
    )


def leading_country(countries: CountriesSection) -> Learning | None:
    rows = sorted(countries.rows, key=lambda r: -r.open_roles)
    if len(rows) < 2 or countries.open_roles < MIN_SUPPORT:
        return None
    if rows[0].open_roles <= rows[1].open_roles:
        return None
    first, second = rows[:2]
    return Learning(
        "countries",
        f"{first.country} has the most open roles ({first.open_roles}), ahead of "
        f"{second.country} ({second.open_roles}).",
        f"{countries.open_roles} open roles >= {MIN_SUPPORT}, strict leader",
    )


def key_learnings(
    flow: WeeklyFlowSection,
    seniority: ShareSection,
    cities: ShareSection,
    ttf: TimeToFillSection,
    skills: SkillsSection,
    countries: CountriesSection,
) -> tuple[Learning, ...]:
    """Every learning whose condition the numbers meet, in reading order."""
    candidates = (
        trend_direction(flow),
        peak_week(flow),
        dominant_city(cities),
        dominant_level(seniority),
        median_time_to_fill(ttf),
        top_skill(skills),
        leading_country(countries),
    )
    return tuple(c for c in candidates if c is not None)
