"""Charts for modules 01 and 02: the benefit profile (with before/after) and the stage schematic.

Each chart is a function that takes data and returns a matplotlib Figure; a ``describe_*`` function beside it
gives the text description screen readers get.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from textwrap import fill
from typing import TYPE_CHECKING

from ..content import BENEFITS, RATING_ANCHORS, STAGES
from ..rules.text import day
from ._figures import BODY, INK, MUTED, PALETTE, PHONE_WIDTH, SMALL, WIDE_WIDTH, new_figure, no_axes

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn (see _figures.new_figure)
    from matplotlib.figure import Figure


def benefit_profile(ratings: Mapping[str, int], before: Mapping[str, int] | None = None, *,
                    narrow: bool = False) -> Figure:
    """Horizontal bars of the seven ratings (1-5); with ``before``, paired bars show the change.

    ``narrow`` draws it for a phone: each benefit's name above its bars instead of beside them.
    """
    fig = new_figure(PHONE_WIDTH, 6.4) if narrow else new_figure(WIDE_WIDTH, 4.6)
    ax = fig.add_subplot()
    names = [b.name for b in BENEFITS][::-1]
    now = [ratings[b.key] for b in BENEFITS][::-1]
    step = 1.5 if narrow else 1.0  # room above each pair of bars for its name on a phone
    y = [i * step for i in range(len(names))]
    if before:
        then = [before.get(b.key, 0) for b in BENEFITS][::-1]
        ax.barh([at + 0.2 for at in y], then, height=0.38, color="#c9d7dc", edgecolor=MUTED, hatch="//", label="Before")
        ax.barh([at - 0.2 for at in y], now, height=0.38, color=PALETTE[0], label="Now")
        fig.legend(loc="outside upper right", ncols=2, frameon=False)  # its own band, never on bars or title
    else:
        ax.barh(y, now, height=0.6, color=PALETTE[0])
    if narrow:
        ax.set_yticks([])
        for name, at in zip(names, y, strict=True):
            ax.annotate(name, (0, at + 0.45), va="bottom", fontsize=BODY, color=INK)
        ax.set_ylim(-0.6, y[-1] + 1.1)
    else:
        ax.set_yticks(y, names, color=INK, fontsize=BODY)
    ax.set_xlim(0, 5)
    ax.set_xticks(range(1, 6), [str(n) for n in range(1, 6)], color=MUTED)
    ends = f"1 = {RATING_ANCHORS[1].lower()}" + ("\n" if narrow else " … ") + f"5 = {RATING_ANCHORS[5].lower()}"
    ax.set_xlabel(ends, color=MUTED, fontsize=SMALL)
    ax.set_title("How much a PLN already does for you", loc="left", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def describe_benefit_profile(ratings: Mapping[str, int], before: Mapping[str, int] | None = None) -> str:
    """The profile chart in words."""
    parts = [f"{b.name} {ratings[b.key]}" + (f" (was {before[b.key]})" if before and b.key in before else "")
             for b in BENEFITS]
    return "Bar chart of your ratings from 1 (not like me) to 5 (very much like me): " + "; ".join(parts) + "."


# --- stages ---------------------------------------------------------------------------------------------

# The course's own drawing: five stations along a path that rises to Know it all and settles at Balance,
# with a roundabout arrow from Balance back to Know it all and a fork after stage 3.
_POSITIONS = {"immersion": (0.0, 0.35), "evaluation": (1.0, 0.65), "know-it-all": (2.0, 0.95),
              "perspective": (3.0, 0.55), "balance": (4.0, 0.4)}


def stage_schematic(history: Sequence[tuple[datetime, str]] = (), *, narrow: bool = False) -> Figure:
    """The five stages as a path, with the learner's confirmed stages marked (latest filled, earlier rings).

    ``narrow`` draws the same path in a narrower, taller figure for a phone.
    """
    fig = new_figure(PHONE_WIDTH, 4.4) if narrow else new_figure(WIDE_WIDTH, 3.4)
    ax = fig.add_subplot()
    xs = [p[0] for p in _POSITIONS.values()]
    ys = [p[1] for p in _POSITIONS.values()]
    ax.plot(xs, ys, color="#9bb3bb", linewidth=3, zorder=1)
    for stage in STAGES:
        x, y = _POSITIONS[stage.key]
        ax.scatter([x], [y], s=380, color="white", edgecolor=INK, linewidth=1.5, zorder=2)
        ax.annotate(f"{stage.number}", (x, y), ha="center", va="center", fontsize=BODY, color=INK, zorder=3)
        ax.annotate(stage.name, (x, y), xytext=(0, -12), textcoords="offset points", ha="center", va="top",
                    fontsize=BODY, color=INK)
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(_POSITIONS["balance"], _POSITIONS["know-it-all"], connectionstyle="arc3,rad=0.45",
                                 arrowstyle="-|>", mutation_scale=14, color=MUTED, linestyle="--"))
    ax.annotate("roundabout", (3.0, 1.0) if narrow else (3.3, 1.22), ha="center", va="bottom", fontsize=SMALL,
                color=MUTED, style="italic")
    ax.annotate("", (2.75, 0.12), (2.5, 0.75), arrowprops={"arrowstyle": "-|>", "color": MUTED, "linestyle": ":"})
    ax.annotate("fork: some\ngive up" if narrow else "fork: some give up", (2.75, 0.1), ha="center", va="top",
                fontsize=SMALL, color=MUTED, style="italic")
    past = list(history[:-1])
    for i, (_when, key) in enumerate(past):
        x, y = _POSITIONS[key]
        ax.scatter([x + 0.12 * (i % 3 - 1)], [y + 0.15], s=70, facecolor="none", edgecolor=PALETTE[1], linewidth=2,
                   zorder=4)
    if past:
        ax.scatter([-0.45], [1.42], s=70, facecolor="none", edgecolor=PALETTE[1], linewidth=2)
        ax.annotate("earlier confirmed stages", (-0.3, 1.42), va="center", fontsize=SMALL, color=MUTED)
    if history:
        x, y = _POSITIONS[history[-1][1]]
        ax.scatter([x], [y + 0.15], s=140, marker="v", color=PALETTE[5], zorder=5)
        ax.annotate("you now", (x, y + 0.22), ha="center", va="bottom", fontsize=BODY, color=PALETTE[5],
                    weight="bold")
    ax.set_xlim(-0.6, 4.6)
    ax.set_ylim(-0.25 if narrow else -0.12, 1.5)
    no_axes(ax)
    title = "Stages of PLN adoption: the course's interpretation of Utecht (2008), not his original graphic"
    ax.set_title(fill(title, 44) if narrow else title, loc="left", fontsize=SMALL, color=MUTED)
    return fig


def describe_stage_schematic(history: Sequence[tuple[datetime, str]] = ()) -> str:
    """The schematic in words."""
    names = {s.key: s.name for s in STAGES}
    text = ("Drawing of the five stages as a path: 1 Immersion, 2 Evaluation, 3 Know it all (the peak), "
            "4 Perspective, 5 Balance. A dashed roundabout arrow leads from Balance back to Know it all, and a "
            "dotted fork after stage 3 shows that some people give up.")
    if history:
        text += f" You are marked at {names[history[-1][1]]}."
        if len(history) > 1:
            journey = ", ".join(f"{names[k]} on {day(w)}" for w, k in history)
            text += f" Your journey: {journey}."
    return text
