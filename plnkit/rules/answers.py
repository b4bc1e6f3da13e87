"""One rule per answer key: what each exercise may save, and what a restored portfolio may bring back.

Every exercise saves its answer through :func:`check_answer`, a portfolio restore checks every answer with the
same function, and every exercise reads its stored answer through :func:`stored_answer`, which gives ``None``
(an empty exercise, with the reason in the operator's log) for a value that does not fit. So a damaged or
hand-edited file can never break a page.

Answer shapes (JSON values)::

    reflection keys (content.PROMPTS)  str, at most MAX_REFLECTION_CHARS characters
    why-pln/benefit-ratings            {benefit key: int 1-5} for all seven benefits
    why-pln/grow-first                 a benefit key
    stages/finder                      {"agreement": {statement key: -1|0|1}, "hours": 0-168, "spaces": 0-500}
    stages/confirmed                   {"stage": stage key, "estimated": stage key or null}
    stages/balance-plan                {"minutes": [[name, minutes], ...], "late_night": bool, "boundary": str}
    stages/first-steps                 [tip key, ...]
    tools/identity                     [[service, username], ...]
    tools/communities                  {"<medium key>:<tool>": "use"|"try"}
    backchannel/name                   str, the name shown on the learner's posts
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import InputError

log = logging.getLogger("plnkit.rules.answers")

Rule = Callable[[Any], Any]


MAX_REFLECTION_CHARS = 10_000


def check_reflection(text: object, *, max_chars: int = MAX_REFLECTION_CHARS) -> str:
    """Accept a reflection's text or say exactly why not (never truncates)."""
    if not isinstance(text, str):
        raise InputError("Not saved: a reflection must be text.")
    if len(text) > max_chars:
        over = len(text) - max_chars
        raise InputError(
            f"Not saved: your answer is {len(text):,} characters, over the {max_chars:,} limit. "
            f"Shorten it by {over:,} and it will save. Nothing you typed was cut."
        )
    return text


def _reflection(value: Any) -> str:
    return check_reflection(value)


def _benefit_key(value: Any) -> str:
    from ..content import BENEFITS

    if not isinstance(value, str) or value not in {b.key for b in BENEFITS}:
        raise InputError("That is not one of the seven benefits.")
    return str(value)


def _ratings(value: Any) -> dict[str, int]:
    from .benefits import check_ratings

    return check_ratings(value)


def _dict(value: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict) or not set(value) <= keys:
        raise InputError("That answer is not in the form this exercise saves.")
    return value


def _finder(value: Any) -> dict[str, Any]:
    from .stages import estimate_stage

    doc = _dict(value, {"agreement", "hours", "spaces"})
    agreement = doc.get("agreement", {})
    if not isinstance(agreement, dict):
        raise InputError("That answer is not in the form this exercise saves.")
    hours, spaces = doc.get("hours", 0), doc.get("spaces", 0)
    estimate_stage(agreement, hours, spaces)  # raises InputError for anything out of range
    return {"agreement": dict(agreement), "hours": hours, "spaces": spaces}


def _confirmed(value: Any) -> dict[str, Any]:
    from ..content import STAGES

    doc = _dict(value, {"stage", "estimated"})
    keys = {s.key for s in STAGES}
    stage, estimated = doc.get("stage"), doc.get("estimated")
    if not isinstance(stage, str) or stage not in keys or not (estimated is None or (isinstance(estimated, str)
                                                               and estimated in keys)):
        raise InputError("That is not one of the five stages.")
    return {"stage": doc["stage"], "estimated": doc.get("estimated")}


def _plan(value: Any) -> dict[str, Any]:
    from .stages import check_plan

    doc = _dict(value, {"minutes", "late_night", "boundary"})
    rows = doc.get("minutes", [])
    if not isinstance(rows, list) or len(rows) > 20 or not all(isinstance(r, list) and len(r) == 2 for r in rows):
        raise InputError("That plan is not in the form this exercise saves.")
    if not isinstance(doc.get("late_night", False), bool):
        raise InputError("That plan is not in the form this exercise saves.")
    plan = check_plan([(r[0], r[1]) for r in rows], doc.get("late_night", False), doc.get("boundary", ""))
    return {"minutes": [list(item) for item in plan.minutes], "late_night": plan.late_night,
            "boundary": plan.boundary}


def _first_steps(value: Any) -> list[str]:
    from ..content import TIPS

    keys = [t.key for t in TIPS]
    if not isinstance(value, list) or not all(isinstance(k, str) and k in keys for k in value):
        raise InputError("Those commitments are not ones the course offers.")
    return [k for k in keys if k in value]


def _identity(value: Any) -> list[list[str]]:
    from .identity import check_presences

    if not isinstance(value, list) or not all(isinstance(r, list) and len(r) == 2 for r in value):
        raise InputError("That list of presences is not in the form this exercise saves.")
    return [[p.service, p.username] for p in check_presences([(r[0], r[1]) for r in value])]


def _communities(value: Any) -> dict[str, str]:
    from ..content import MEDIUMS

    known = {f"{m.key}:{tool}" for m in MEDIUMS for tool in m.today}
    if not isinstance(value, dict) or not all(k in known and v in ("use", "try") for k, v in value.items()):
        raise InputError("Those choices are not ones the course offers.")
    return dict(value)


def _author(value: Any) -> str:
    from .names import MAX_NAME, clean_name

    return clean_name(value, most=MAX_NAME)


def _rules() -> dict[str, Rule]:
    from ..content import PROMPTS

    rules: dict[str, Rule] = {key: _reflection for key in PROMPTS}
    rules.update({
        "why-pln/benefit-ratings": _ratings,
        "why-pln/grow-first": _benefit_key,
        "stages/finder": _finder,
        "stages/confirmed": _confirmed,
        "stages/balance-plan": _plan,
        "stages/first-steps": _first_steps,
        "tools/identity": _identity,
        "tools/communities": _communities,
        "backchannel/name": _author,
    })
    return rules


#: Every answer key the course saves, with the rule its values must pass.
RULES: dict[str, Rule] = _rules()


def check_answer(key: object, value: Any) -> Any:
    """The value to store for ``key``, checked by that exercise's rule.

    Raises :class:`InputError` for a key the course does not have or a value its exercise would not save.
    """
    rule = RULES.get(key) if isinstance(key, str) else None
    if rule is None:
        raise InputError("That answer belongs to no exercise in this course.")
    return rule(value)


def stored_answer(key: str, value: Any) -> Any:
    """A stored value made safe to show: the checked value, or ``None`` (logged) when it does not fit its rule."""
    if value is None:
        return None
    try:
        return check_answer(key, value)
    except InputError as exc:
        log.warning("stored answer %r ignored: %s (value %.200r)", key, exc, value)
        return None
