"""Module 02's rules: the stage estimate and the balance planner's warnings."""

from __future__ import annotations

import math

import pytest

from plnkit.errors import InputError
from plnkit.rules.stages import check_plan, estimate_stage, plan_warnings


def test_agreeing_with_know_it_all_signs_estimates_know_it_all_with_reasons() -> None:
    e = estimate_stage({"late": 1, "sleep": 1, "calm": -1}, 20, 3)
    assert e.stage.key == "know-it-all" and not e.also
    assert e.reasons == (
        "You said you check your networks late at night or first thing in the morning, which is a sign of Know it all.",
        "You said you lose sleep or time with people to keep up, which is a sign of Know it all.",
        "You spend about 20 hours a week on your networks, which is a sign of Know it all.",
    )


def test_balance_is_found() -> None:
    assert estimate_stage({"own-schedule": 1, "calm": 1}, 3, 2).stage.key == "balance"


def test_many_spaces_point_to_immersion() -> None:
    e = estimate_stage({"joining": 1}, 4, 9)
    assert e.stage.key == "immersion" and "You are active in 9 spaces" in e.reasons[-1]


def test_all_neutral_answers_say_there_is_little_to_go_on() -> None:
    e = estimate_stage({}, 0, 0)
    assert e.stage.key == "immersion" and "little to go on" in e.reasons[0]


def test_contradictory_answers_report_every_stage_they_point_to() -> None:
    e = estimate_stage({"joining": 1, "calm": 1}, 1, 1)
    assert e.stage.key == "immersion" and [s.key for s in e.also] == ["balance"]
    assert e.reasons == (
        "You said you are joining lots of new networks, which is a sign of Immersion.",
        "You said you feel calm about what you haven't read, which is a sign of Balance.",
        "Your answers point as much to Immersion and Balance. That is normal: the stages are not a ladder, and you "
        "can be at different stages for different interests.",
    )


def test_answers_that_point_elsewhere_are_named_after_the_estimate() -> None:
    e = estimate_stage({"late": 1, "sleep": 1, "joining": 1}, 1, 1)
    assert e.stage.key == "know-it-all" and not e.also
    assert len(e.reasons) == 3 and all("Know it all" in r for r in e.reasons[:2])
    assert e.reasons[2] == "Fewer of your answers point to Immersion: you said you are joining lots of new networks."


@pytest.mark.parametrize("hours,words", [(200, "every hour in a week"), (-1, "negative"), (math.nan, "number"),
                                         (math.inf, "number"), ("ten", "number"), (True, "number")])
def test_absurd_hours_get_a_clear_message(hours: object, words: str) -> None:
    with pytest.raises(InputError, match=words):
        estimate_stage({}, hours, 1)


def test_bad_answers_are_refused() -> None:
    with pytest.raises(InputError, match="disagree, not sure or agree"):
        estimate_stage({"late": 5}, 1, 1)
    with pytest.raises(InputError, match="doesn't have"):
        estimate_stage({"made-up": 1}, 1, 1)
    with pytest.raises(InputError, match="between 0 and 500"):
        estimate_stage({}, 1, -3)


def test_a_heavy_plan_gets_kind_warnings_and_a_suggestion() -> None:
    plan = check_plan([("Mastodon", 600), ("Blogs", 120), ("", 0)], late_night=True, boundary="")
    notes = plan_warnings(plan)
    assert plan.total == 720
    assert any("about 12 hours a week" in n and "Could Mastodon have half its 600 minutes?" in n for n in notes)
    assert any("late at night" in n for n in notes)
    assert any("Add one boundary" in n for n in notes)


def test_a_balanced_plan_has_no_warnings() -> None:
    plan = check_plan([("Mastodon", 90), ("Blogs", 60)], late_night=False, boundary="No phone after 8 pm")
    assert plan_warnings(plan) == []


def test_one_platform_and_many_networks_are_flagged() -> None:
    many = check_plan([(f"Space {i}", 20) for i in range(7)], False, "x")
    assert any("could you drop Space 0" in n for n in plan_warnings(many))
    lopsided = check_plan([("Facebook group", 300), ("Blog", 20)], False, "x")
    assert any("Most of your time goes to Facebook group" in n for n in plan_warnings(lopsided))


def test_zero_time_is_a_gentle_nudge() -> None:
    assert plan_warnings(check_plan([], False, "")) == [
        "Your plan has no time in it yet. Even 20 minutes a week, kept up, builds a network."]


@pytest.mark.parametrize("rows,words", [
    ([("Blog", -5)], "can't be negative"), ([("Blog", 20000)], "more than a whole week"),
    ([("", 30)], "Give each"), ([("x" * 81, 10)], "under 80"), ([("Blog", 1.5)], "whole number"),
    ([("A", 6000), ("B", 6000)], "adds up to 12,000"),
])
def test_bad_plans_get_a_clear_message(rows: list[tuple[object, object]], words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_plan(rows, False, "")
