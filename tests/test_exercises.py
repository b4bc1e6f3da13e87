"""Module 01 and 02 exercises driven in-process: they save, restore on a new page, and never traceback."""

from __future__ import annotations

import gc
import tracemalloc

import matplotlib.pyplot as plt

from plnkit.content import BENEFITS, TIPS
from plnkit.services.store import Store
from plnkit.widgets.exercises import BalancePlanner, BenefitRating, FirstSteps, StageFinder


def rate(widget: BenefitRating, values: list[int]) -> None:
    for b, v in zip(BENEFITS, values, strict=True):
        widget.radios[b.key].value = v


def test_rating_shows_a_chart_a_summary_and_a_choice_and_restores(store: Store) -> None:
    r = BenefitRating()
    rate(r, [2, 5, 3, 1, 4, 2, 3])
    r.submit.click()
    assert r.status.text.startswith("Saved at")
    assert "Your strongest areas are “connected” and “confident”" in r.result.value
    assert 'alt="Bar chart of your seven benefit ratings"' in r.result.value
    assert "Connected 5" in r.result.value  # the text description
    assert r.grow.value == "model" and r.grow_box.layout.display == "flex"
    r.grow.value = "aware"
    r.grow_button.click()
    reopened = BenefitRating()
    assert [reopened.radios[b.key].value for b in BENEFITS] == [2, 5, 3, 1, 4, 2, 3]
    assert "Your strongest areas" in reopened.result.value and reopened.grow.value == "aware"
    assert reopened.status.text.startswith("Last saved ")  # with its date: it may have been another day


def test_re_rating_keeps_both_and_shows_the_change(store: Store) -> None:
    r = BenefitRating()
    rate(r, [2, 2, 3, 1, 4, 2, 3])
    r.submit.click()
    rate(r, [2, 4, 3, 1, 4, 2, 3])
    r.submit.click()
    assert "Connected: 2 → 4 (up 2)" in r.result.value and "(was 2)" in r.result.value
    assert len(store.answer_history(store.learner("local"), BenefitRating.KEY)) == 2
    assert "Since last time" in BenefitRating().result.value  # the before/after survives a reload


def test_an_incomplete_rating_says_what_is_missing_and_saves_nothing(store: Store) -> None:
    r = BenefitRating()
    r.radios["aware"].value = 3
    r.submit.click()
    assert "Please rate every statement first" in r.status.text
    assert store.latest_answer(store.learner("local"), BenefitRating.KEY) is None


def test_resubmitting_does_not_leak_figures_or_memory(store: Store) -> None:
    r = BenefitRating()
    rate(r, [2, 5, 3, 1, 4, 2, 3])
    r.submit.click()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(8):
        rate(r, [1 + (i + k) % 5 for k in range(7)])
        r.submit.click()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert plt.get_fignums() == []
    assert grown < 3_000_000, f"memory grew by {grown:,} bytes over 8 re-submits"


def test_stage_finder_estimates_confirms_and_shows_the_journey(store: Store) -> None:
    s = StageFinder()
    s.answers["late"].value = 1
    s.answers["sleep"].value = 1
    s.hours.value = "14"
    s.estimate_button.click()
    assert "Stage 3: Know it all" in s.estimate.value and "You said you check your networks" in s.estimate.value
    assert s.choice.value == "know-it-all"
    s.choice.value = "evaluation"  # the learner knows better
    s.confirm.click()
    assert s.status.text.endswith("Evaluation.")
    s.choice.value = "perspective"
    s.confirm.click()
    again = StageFinder()
    assert again.answers["late"].value == 1 and again.hours.value == "14"
    assert [k for _, k in again.journey_points()] == ["evaluation", "perspective"]
    assert "You are marked at Perspective" in again.journey.value
    assert "Your journey: Evaluation on" in again.journey.value


def test_absurd_hours_save_nothing(store: Store) -> None:
    s = StageFinder()
    s.hours.value = "200"
    s.estimate_button.click()
    assert s.status.text == "Hours per week can't be more than 168: that's every hour in a week."
    assert store.latest_answer(store.learner("local"), StageFinder.ANSWERS) is None
    s.hours.value = "-3"
    s.estimate_button.click()
    assert "can't be negative" in s.status.text


def test_balance_planner_warns_kindly_and_restores(store: Store) -> None:
    p = BalancePlanner()
    p.names[0].value, p.minutes[0].value = "Mastodon", "700"
    p.late.value = True
    p.check.click()
    assert "Could Mastodon have half its 700 minutes?" in p.result.value
    assert "700 minutes a week (about 11.7 hours)" in p.result.value
    assert p.status.text.startswith("Saved at")
    again = BalancePlanner()
    assert again.names[0].value == "Mastodon" and again.minutes[0].value == "700" and again.late.value
    assert "late at night" in again.result.value
    again.minutes[0].value = "900"
    again.check.click()
    assert "900 minutes a week (about 15 hours)" in again.result.value  # a whole number of hours: no ".0"
    again.minutes[0].value = "-10"
    again.check.click()
    assert "can't be negative" in again.status.text
    saved = store.latest_answer(store.learner("local"), BalancePlanner.KEY)
    assert saved is not None and saved.value["minutes"] == [["Mastodon", 900]]


def test_first_steps_save_as_they_are_ticked(store: Store) -> None:
    f = FirstSteps()
    f.boxes[TIPS[0].key].value = True
    f.boxes[TIPS[2].key].value = True
    assert f.status.text.endswith("2 of 4 commitments.")
    again = FirstSteps()
    assert [again.boxes[t.key].value for t in TIPS] == [True, False, True, False]


def test_number_fields_say_so_when_given_words_and_keep_them(store: Store) -> None:
    s = StageFinder()
    s.hours.value = "ten"
    s.estimate_button.click()
    assert s.status.text == "The hours a week must be a number: “ten” isn't one. Type it in digits, such as 2.5."
    assert s.hours.value == "ten" and store.latest_answer(store.learner("local"), StageFinder.ANSWERS) is None
    s.hours.value, s.spaces.value = "2.5", "3"
    s.estimate_button.click()
    assert s.status.text == "Answers saved. Now confirm your stage."
    p = BalancePlanner()
    p.names[0].value, p.minutes[0].value = "Mastodon", "ten"
    p.check.click()
    assert p.status.text == ("The minutes for Mastodon must be a number: “ten” isn't one. Type it in digits, "
                             "such as 3.")
    assert store.latest_answer(store.learner("local"), BalancePlanner.KEY) is None


def test_restoring_ticked_commitments_saves_nothing_new(store: Store) -> None:
    f = FirstSteps()
    f.boxes[TIPS[1].key].value = True
    FirstSteps()  # loading ticks the box again; that is not a new answer
    assert len(store.answer_history(store.learner("local"), FirstSteps.KEY)) == 1
