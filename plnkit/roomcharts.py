"""Charts of the room's aggregates (:mod:`plnkit.room`) for the facilitator's page and the workshop report.

One function draws any shown :class:`~plnkit.room.Aggregate` from its own table, so the chart, its
description and its data table can never disagree.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

from ._figures import INK, MUTED, PALETTE, figure_html, new_figure, table_html
from ._ui import clock, esc
from .room import Aggregate


def _label(text: object, most: int = 38) -> str:
    text = str(text)
    return text if len(text) <= most else text[: most - 1] + "…"


def aggregate_chart(agg: Aggregate) -> Figure:
    """A chart of a shown aggregate: a line over time for growth, paired horizontal bars otherwise."""
    rows = agg.rows
    if agg.key == "growth":
        fig = new_figure(7.5, 3.2)
        ax = fig.add_subplot()
        times = [r[0] for r in rows if isinstance(r[0], datetime)]
        counts = [int(r[1]) if isinstance(r[1], int) else 0 for r in rows]
        ax.step([t.astimezone() for t in times], counts, where="post", color=PALETTE[0], lw=2)  # type: ignore[arg-type]
        ax.xaxis.set_major_formatter(DateFormatter("%H:%M", tz=times[0].astimezone().tzinfo if times else None))
        ax.set_ylabel("Connections", color=MUTED)
        ax.set_ylim(bottom=0)
    else:
        fig = new_figure(7.5, 0.9 + 0.42 * len(rows))
        ax = fig.add_subplot()
        y = np.arange(len(rows))[::-1]
        series = [[float(r[i]) for r in rows] for i in range(1, len(agg.headers))]  # type: ignore[arg-type]
        height = 0.8 / len(series)
        for i, values in enumerate(series):
            offset = (len(series) - 1) / 2 - i
            ax.barh(y + offset * height, values, height=height * 0.95, color=PALETTE[i],
                    label=agg.headers[i + 1], hatch="//" if i else None, edgecolor="white")
        ax.set_yticks(y, [_label(r[0]) for r in rows], color=INK, fontsize=8)
        if agg.key == "ratings":
            ax.set_xlim(0, 5)
        if len(series) > 1:
            ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_title(agg.title, loc="left", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def table_rows(agg: Aggregate) -> list[list[object]]:
    """The aggregate's table with times shown as wall-clock times."""
    return [[clock(c) if isinstance(c, datetime) else c for c in row] for row in agg.rows]


def aggregate_html(agg: Aggregate, filename: str | None = None) -> str:
    """An aggregate as the page shows it: heading, chart, description and data table, or why it is withheld."""
    if not agg.shown:
        return (f'<section class="plnkit-aggregate"><h3>{esc(agg.title)}</h3>'
                f'<p class="plnkit-empty">{esc(agg.description)}</p></section>')
    table = table_html(agg.headers, table_rows(agg), agg.title)
    return (f'<section class="plnkit-aggregate"><h3>{esc(agg.title)}</h3>'
            + figure_html(aggregate_chart(agg), alt=f"Chart: {agg.title}", description=agg.description,
                          filename=filename or f"room-{agg.key}", table=table) + "</section>")
