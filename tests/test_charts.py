"""Charts for modules 01 and 02: what is drawn, not pixels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle

from plnkit.charts.learner import benefit_profile, describe_benefit_profile, describe_stage_schematic, stage_schematic
from plnkit.content import BENEFITS

RATINGS = {b.key: i % 5 + 1 for i, b in enumerate(BENEFITS)}


def bars(fig: object) -> list[Rectangle]:
    ax = fig.axes[0]  # type: ignore[attr-defined]
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_the_profile_draws_seven_bars_with_the_ratings() -> None:
    fig = benefit_profile(RATINGS)
    drawn = sorted((round(b.get_y(), 1), b.get_width()) for b in bars(fig))
    assert [w for _, w in drawn] == [RATINGS[b.key] for b in reversed(BENEFITS)]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [b.name for b in reversed(BENEFITS)]
    assert fig.axes[0].get_legend() is None


def test_before_and_after_draws_pairs_and_a_legend() -> None:
    before = {**RATINGS, "aware": 1}
    fig = benefit_profile(RATINGS, before)
    assert len(bars(fig)) == 14
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["Before", "Now"]  # above the bars, not on them
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "2", "3", "4", "5"]
    assert fig.axes[0].get_xlabel() == "1 = not like me … 5 = very much like me"
    assert "More aware 1 (was 1)" in describe_benefit_profile(RATINGS, before)


def test_the_schematic_marks_the_learner_and_says_it_is_an_interpretation() -> None:
    now = datetime.now(timezone.utc)
    history = [(now - timedelta(days=40), "immersion"), (now, "balance")]
    fig = stage_schematic(history)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert {"Immersion", "Evaluation", "Know it all", "Perspective", "Balance"} <= set(texts)
    assert "you now" in texts and "earlier confirmed stages" in texts
    assert "interpretation" in ax.get_title(loc="left")
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(markers) == 5 + 1 + 1 + 1  # stations, one earlier ring, its legend ring, "you now"
    assert "You are marked at Balance" in describe_stage_schematic(history)


def test_an_empty_schematic_has_no_position() -> None:
    texts = [t.get_text() for t in stage_schematic().axes[0].texts]
    assert "you now" not in texts
