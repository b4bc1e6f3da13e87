"""Rules for module 02: estimate a stage of PLN adoption, and read a weekly balance plan kindly.

Plain functions with unit tests; the widgets only collect answers and show what these return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..content import STAGE_STATEMENTS, STAGES, Stage
from ..errors import InputError

HOURS_IN_A_WEEK = 168
MINUTES_IN_A_WEEK = HOURS_IN_A_WEEK * 60
MANY_HOURS = 10  # a week of networking above this is a "Know it all" sign
MANY_SPACES = 6  # active spaces above this is an Immersion sign
_STAGE = {s.key: s for s in STAGES}


def check_hours(value: object, what: str = "Hours per week") -> float:
    """A number of hours per week: 0-168, or a clear message."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{what} must be a number.")
    if value < 0:
        raise InputError(f"{what} can't be negative.")
    if value > HOURS_IN_A_WEEK:
        raise InputError(f"{what} can't be more than {HOURS_IN_A_WEEK}: that's every hour in a week.")
    return float(value)


def check_count(value: object, what: str, most: int = 500) -> int:
    """A whole number from 0 to ``most``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number.")
    if not 0 <= value <= most:
        raise InputError(f"{what} must be between 0 and {most}.")
    return value


@dataclass(frozen=True)
class Estimate:
    """An estimated stage, the reasons for it, and any other stages that scored as high."""

    stage: Stage
    reasons: tuple[str, ...]
    also: tuple[Stage, ...] = ()
    scores: tuple[tuple[str, float], ...] = ()


def estimate_stage(agreement: Mapping[str, object], hours_per_week: object, active_spaces: object) -> Estimate:
    """Turn answers into an estimated stage, with reasons in plain words.

    ``agreement`` maps statement keys (:data:`plnkit.content.STAGE_STATEMENTS`) to -1 (disagree), 0 (not sure)
    or 1 (agree). Hours above :data:`MANY_HOURS` count towards "Know it all"; more than :data:`MANY_SPACES`
    active spaces towards Immersion. The reasons name every answer that points to a stage: those behind the
    estimate (each tied stage's) first, then "Fewer of your answers point to ..." for the others.
    """
    hours = check_hours(hours_per_week)
    spaces = check_count(active_spaces, "The number of active spaces")
    known = {s.key for s in STAGE_STATEMENTS}
    if set(agreement) - known:
        raise InputError("Those answers include statements the course doesn't have.")
    scores = {s.key: 0.0 for s in STAGES}
    signs: dict[str, list[str]] = {s.key: [] for s in STAGES}  # what the learner said, per stage it points to
    for st in STAGE_STATEMENTS:
        value = agreement.get(st.key, 0)
        if isinstance(value, bool) or value not in (-1, 0, 1):
            raise InputError("Each statement is answered with disagree, not sure or agree.")
        if value == 1:
            scores[st.stage] += 1
            signs[st.stage].append(f"you said you {st.said}")
    if hours > MANY_HOURS:
        scores["know-it-all"] += 1
        signs["know-it-all"].append(f"you spend about {hours:g} hours a week on your networks")
    if spaces > MANY_SPACES:
        scores["immersion"] += 1
        signs["immersion"].append(f"you are active in {spaces} spaces")
    best = max(scores.values())
    ranked = tuple((key, scores[key]) for key in scores)
    if best == 0:
        note = ("You didn't agree with any statement yet, so there is little to go on. Most people begin with "
                "Immersion: joining spaces and meeting people.")
        return Estimate(_STAGE["immersion"], (note,), (), ranked)
    top = [s for s in STAGES if scores[s.key] == best]
    chosen = top[0]  # ties go to the earlier stage; the others are reported
    # Every answer that points somewhere is named: first those behind the estimate (all tied stages), then the
    # rest, so a learner sees why the estimate is what it is and what else their answers show.
    found = [f"{sign[0].upper()}{sign[1:]}, which is a sign of {s.name}." for s in top for sign in signs[s.key]]
    if len(top) > 1:
        names = " and ".join(s.name for s in top)
        found.append(f"Your answers point as much to {names}. That is normal: the stages are not a ladder, "
                     "and you can be at different stages for different interests.")
    found += [f"Fewer of your answers point to {s.name}: {sign}." for s in STAGES if s not in top
              for sign in signs[s.key]]
    return Estimate(chosen, tuple(found), tuple(top[1:]), ranked)


# --- Balance planner ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A weekly plan: minutes per network or activity, late-night checking, and one boundary."""

    minutes: tuple[tuple[str, int], ...]
    late_night: bool
    boundary: str

    @property
    def total(self) -> int:
        return sum(m for _, m in self.minutes)


def check_plan(rows: Sequence[tuple[object, object]], late_night: object, boundary: object) -> Plan:
    """Validate a plan: names are short text, minutes whole numbers 0-10,080, the boundary under 300 characters."""
    clean: list[tuple[str, int]] = []
    for name, minutes in rows:
        label = " ".join(str(name).split()) if isinstance(name, str) else ""
        if not label and minutes in (0, None):
            continue
        if not label:
            raise InputError("Give each network or activity with minutes a name.")
        if len(label) > 80:
            raise InputError("Keep each network or activity name under 80 characters.")
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise InputError(f"Minutes for {label} must be a whole number.")
        if minutes < 0:
            raise InputError(f"Minutes for {label} can't be negative.")
        if minutes > MINUTES_IN_A_WEEK:
            raise InputError(f"{minutes:,} minutes for {label} is more than a whole week ({MINUTES_IN_A_WEEK:,}).")
        clean.append((label, minutes))
    total = sum(m for _, m in clean)
    if total > MINUTES_IN_A_WEEK:
        raise InputError(f"The plan adds up to {total:,} minutes, more than a whole week.")
    if not isinstance(boundary, str) or len(boundary) > 300:
        raise InputError("Keep your boundary under 300 characters.")
    return Plan(tuple(clean), bool(late_night is True), " ".join(boundary.split()))


def plan_warnings(plan: Plan) -> list[str]:
    """Kind warnings when a plan shows "Know it all" signs, each with a suggestion of what to drop."""
    notes: list[str] = []
    if not plan.minutes or plan.total == 0:
        return ["Your plan has no time in it yet. Even 20 minutes a week, kept up, builds a network."]
    ordered = sorted(plan.minutes, key=lambda item: item[1])
    largest, smallest = ordered[-1], ordered[0]
    hours = plan.total / 60
    if hours > MANY_HOURS:
        notes.append(f"That's about {hours:.0f} hours a week, more than many people can keep up without it "
                     f"eating into sleep or family time (a sign of Know it all). Could {largest[0]} have half "
                     f"its {largest[1]} minutes?")
    if plan.late_night:
        notes.append("Checking late at night is one of the clearest Know it all signs. Try a cut-off time, "
                     "and let the network hold things until morning.")
    if len(plan.minutes) > MANY_SPACES:
        notes.append(f"{len(plan.minutes)} networks is a lot to keep up with. Start slowly: could you drop "
                     f"{smallest[0]} for now?")
    if len(plan.minutes) > 1 and largest[1] > plan.total * 0.75 and plan.total >= 120:
        notes.append(f"Most of your time goes to {largest[0]}. If it closed or changed, you would lose most of "
                     "your network: spread a little time elsewhere.")
    if not plan.boundary:
        notes.append("Add one boundary you will keep, such as 'no notifications after 8 pm'.")
    return notes
