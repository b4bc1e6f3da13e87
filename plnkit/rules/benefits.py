"""Rules for the benefit self-rating in module 01 (plain functions, no widgets).

The seven statements come from :data:`plnkit.content.BENEFITS`. They are derived from the sources, not a
validated scale, and the course says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..content import BENEFITS, Benefit
from ..errors import InputError

_BY_KEY = {b.key: b for b in BENEFITS}


def check_ratings(ratings: Mapping[str, object]) -> dict[str, int]:
    """Every benefit rated with a whole number 1-5, or an InputError naming what is missing or wrong."""
    if not isinstance(ratings, Mapping):
        raise InputError("The ratings could not be read.")
    unknown = set(ratings) - set(_BY_KEY)
    if unknown:
        raise InputError("Those ratings include statements the course doesn't have.")
    clean: dict[str, int] = {}
    missing = []
    for b in BENEFITS:
        value = ratings.get(b.key)
        if value is None:
            missing.append(b.name)
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InputError(f"Ratings are whole numbers from 1 to 5 ({b.name} was {str(value)[:20]!r}).")
        clean[b.key] = value
    if missing:
        raise InputError(f"Please rate every statement first: {', '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} not rated yet.")
    return clean


@dataclass(frozen=True)
class Profile:
    """A plain-words reading of a learner's ratings."""

    ratings: dict[str, int]
    strongest: tuple[Benefit, ...]
    weakest: tuple[Benefit, ...]
    flat: bool  # every rating the same: nothing stands out
    summary: str


def _names(items: tuple[Benefit, ...]) -> str:
    return " and ".join(f"“{b.name.lower()}”" for b in items)


def profile_summary(ratings: Mapping[str, object]) -> Profile:
    """Name the two strongest and two weakest areas (ties keep the seed's order)."""
    clean = check_ratings(ratings)
    order = {b.key: i for i, b in enumerate(BENEFITS)}
    ranked = sorted(BENEFITS, key=lambda b: (-clean[b.key], order[b.key]))
    if len(set(clean.values())) == 1:
        level = clean[BENEFITS[0].key]
        summary = (f"You rated every statement {level}, so no area stands out. Choose the benefit that matters "
                   "most to you right now and grow that one first.")
        return Profile(clean, (), (), True, summary)
    low, high = min(clean.values()), max(clean.values())
    # An area is never both strong and weak: the strongest are above the lowest rating, the weakest below the top.
    strongest = tuple(b for b in ranked if clean[b.key] > low)[:2]
    weakest = tuple(b for b in sorted(BENEFITS, key=lambda b: (clean[b.key], order[b.key])) if clean[b.key] < high)[:2]
    areas = "areas are" if len(strongest) > 1 else "area is"
    summary = (f"Your strongest {areas} {_names(strongest)}. Your network does least for you in "
               f"{_names(weakest)}: that is where a PLN could make the biggest difference.")
    return Profile(clean, strongest, weakest, False, summary)


def changes(before: Mapping[str, int], after: Mapping[str, int]) -> list[str]:
    """Plain sentences for every rating that moved between two rounds (biggest change first)."""
    moved = [(after[b.key] - before[b.key], b) for b in BENEFITS if b.key in before and b.key in after
             and after[b.key] != before[b.key]]
    moved.sort(key=lambda pair: -abs(pair[0]))
    if not moved:
        return ["Your ratings are the same as last time."]
    return [f"{b.name}: {before[b.key]} → {after[b.key]} ({'up' if d > 0 else 'down'} {abs(d)})" for d, b in moved]
