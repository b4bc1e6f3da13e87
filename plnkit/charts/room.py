"""The room as HTML, for the facilitator's page and the workshop report: charts, tables and the gallery.

One function draws any shown :class:`~plnkit.rules.room.Aggregate` from its own table, so the chart, its
description and its data table can never disagree. Everything a participant wrote is escaped.
"""

from __future__ import annotations

from datetime import datetime
from textwrap import fill
from typing import TYPE_CHECKING

from ..content import MODULES
from ..records import RecordedPost, RoomSnapshot
from ..rules import room
from ..rules.room import Aggregate
from ..rules.text import clock, day_and_clock, esc, plural
from ._figures import (
    INK,
    MUTED,
    PALETTE,
    date_axis,
    figure_html,
    shorten,
    sized_figure,
    table_html,
    wrap_label,
)
from ._layout import legend_below

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn (see _figures.new_figure)
    from matplotlib.figure import Figure


def aggregate_chart(agg: Aggregate, *, narrow: bool = False) -> Figure:
    """A chart of a shown aggregate: a line over time for growth, paired horizontal bars otherwise.

    ``narrow`` draws it for a phone (shorter labels, the legend below); the data table has every label in full.
    """
    from matplotlib.ticker import MaxNLocator

    rows = agg.rows
    if agg.key == "growth":
        fig = sized_figure(narrow, 3.4, 3.6)
        ax = fig.add_subplot()
        times = [r[0] for r in rows if isinstance(r[0], datetime)]
        counts = [int(r[1]) if isinstance(r[1], int) else 0 for r in rows]
        ax.step(times, counts, where="post", color=PALETTE[0], lw=2)  # type: ignore[arg-type]
        date_axis(ax, narrow)
        ax.set_ylabel("Connections", color=MUTED)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        fig = sized_figure(narrow, 1.2 + 0.45 * len(rows), 1.5 + 0.5 * len(rows))
        ax = fig.add_subplot()
        y = [float(i) for i in range(len(rows))][::-1]
        series = [[float(r[i]) for r in rows] for i in range(1, len(agg.headers))]  # type: ignore[arg-type]
        height = 0.8 / len(series)
        for i, values in enumerate(series):
            offset = (len(series) - 1) / 2 - i
            ax.barh([at + offset * height for at in y], values, height=height * 0.95, color=PALETTE[i],
                    label=agg.headers[i + 1], hatch="//" if i else None, edgecolor="white")
        ax.set_yticks(y, [wrap_label(str(r[0]), 18) if narrow else shorten(str(r[0]), 38) for r in rows], color=INK)
        if agg.key == "ratings":
            ax.set_xlim(0, 5)
        else:  # counts of people: whole numbers only, from 0 (all zero: 0 to 1, not -0.045 to 0.045)
            ax.set_xlim(0, max(1.0, *(v for values in series for v in values)) * 1.05)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(series) > 1:  # below the bars, never on them
            legend_below(fig, narrow)
    ax.set_title(fill(agg.title, 40) if narrow else agg.title, loc="left", color=INK)
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
                          filename=filename or f"room-{agg.key}", table=table, phone=aggregate_chart(agg, narrow=True))
            + "</section>")


def _short(moment: datetime) -> str:
    """``14:02`` today, ``28 Nov 2026, 14:02`` on another day (a room's table stays narrow)."""
    return clock(moment) if moment.astimezone().date() == datetime.now().astimezone().date() else \
        day_and_clock(moment)


def _count(people: list[room.Person]) -> str:
    """How many are in "Who is here": "3 participants", or "3 participants, 2 added and not here yet"."""
    waiting = sum(1 for p in people if not p.arrived)
    here = plural(len(people) - waiting, "participant")
    return f"{here}, {waiting} added and not here yet" if waiting else here


def people_html(people: list[room.Person]) -> str:
    """The "Who is here" table (names escaped; "may be stuck" in words, not only colour)."""
    if not people:
        return '<p class="plnkit-empty">No one has joined yet. Share the course address with the room.</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in (
        "Name", "Joined", "Last active", "Last page opened", *[f"Module {m.number}" for m in MODULES], "May be stuck"))
    rows = []
    for p in people:
        name = esc(p.name) + (" <small>(from a portfolio file)</small>" if p.imported else "") + (
            " <small>(muted)</small>" if p.muted else "")
        cells = [_short(p.joined_at) if p.arrived else f"Added {_short(p.joined_at)}, not here yet",
                 _short(p.last_active) if p.last_active else "—", p.where, *p.modules]
        stuck = f'<td class="plnkit-stuck">⚠ {esc(p.stuck)}</td>' if p.stuck else "<td>—</td>"
        rows.append(f'<tr><th scope="row">{name}</th>' + "".join(f"<td>{esc(c)}</td>" for c in cells) + stuck
                    + "</tr>")
    return (f'<div class="plnkit-scroll"><table class="plnkit-table"><caption>Who is here '
            f"({_count(people)}; “may be stuck”: {room.STUCK_MINUTES} minutes or more on one "
            f"page with nothing saved)</caption><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>")


def shared_html(snapshot: RoomSnapshot) -> str:
    groups = room.shared_by_prompt(snapshot)
    if not groups:
        return ('<p class="plnkit-empty">No shared reflections yet. Participants can tick “Share with the room” '
                "under any reflection.</p>")
    out = []
    for question, answers in groups:
        cards = "".join(f'<blockquote class="plnkit-shared"><p class="plnkit-post-meta"><strong>{esc(name)}'
                        f"</strong> · {esc(day_and_clock(at))}</p><p>{esc(text)}</p></blockquote>"
                        for name, text, at in answers)
        out.append(f'<section class="plnkit-gallery"><h3>{esc(question)}</h3>{cards}</section>')
    return "".join(out)


def record_html(record: list[RecordedPost]) -> str:
    from ..rules.room import RECORD_HEADERS, record_rows

    if not record:
        return '<p class="plnkit-empty">No posts yet.</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in RECORD_HEADERS)
    rows = "".join("<tr>" + "".join(f"<td>{esc(day_and_clock(c) if isinstance(c, datetime) else c)}</td>"
                                    for c in row) + "</tr>" for row in reversed(record_rows(record)))
    return (f'<div class="plnkit-scroll"><table class="plnkit-table"><caption>The backchannel record, newest '
            f"first, hidden and deleted posts included</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>"
            "</table></div>")
