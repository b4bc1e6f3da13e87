"""Every chart as a reader sees it: text big enough on a phone, no label on another, nothing cut off,
emoji dropped cleanly, dates that read as dates, and a description and data table beside each chart.

Column widths are measured in Chromium on the course's pages: a 390 px phone gives a chart 320 px; a 761 px
screen (the narrowest that gets the wide figure) 691 px; a 1366 px laptop 922 px.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from plnkit.charts import _figures, network_tables
from plnkit.charts import network as netcharts
from plnkit.charts import room as roomcharts
from plnkit.charts._layout import placed_texts
from plnkit.charts._map import map_labels
from plnkit.charts.learner import benefit_profile, stage_schematic
from plnkit.content import BENEFITS, STAGES
from plnkit.rules import network, room
from plnkit.services.store import NetworkEvent

PHONE_COLUMN, NARROWEST_WIDE_COLUMN, LAPTOP_COLUMN = 320, 691, 922
MIN_PX = 11
START = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
NAMES = ["Ana López", "Cult of Pedagogy", "Edutopia", "Wakelet", "Mr. Kim's class blog", "Dr. Catlin Tucker"]
PLATFORMS = ["Bluesky", "Mastodon", "Facebook", "a blog", "in person", "Discord", "Reddit", "LinkedIn", "YouTube",
             "Slack", "Threads", "a newsletter"]


def events(n: int, minutes: int = 7) -> list[NetworkEvent]:
    out = []
    for i in range(n):
        kind = network.TYPES[i % 4]
        label = "#EduSky 🦋" if i == 0 else f"{NAMES[i % len(NAMES)]} {i}"
        node = network.make_node(kind, label, platform=PLATFORMS[i % len(PLATFORMS)], ring=1 + i % 3,
                                 direction=("consume", "both")[i % 2])
        data = node.to_json()
        for k in ("key", "added_at", "removed_at"):
            data.pop(k)
        out.append(NetworkEvent(i, START + timedelta(minutes=minutes * i), "add", node.key, data))
    return out


EVENTS = events(36)
NET = network.replay(EVENTS)
RATINGS = {b.key: i % 5 + 1 for i, b in enumerate(BENEFITS)}
BEFORE = {b.key: (i + 2) % 5 + 1 for i, b in enumerate(BENEFITS)}
# Know it all confirmed twice within ten minutes: the user's "two Know it all labels overlap".
STAGE_HISTORY = [(START, "immersion"), (START + timedelta(minutes=30), "know-it-all"),
                 (START + timedelta(minutes=40), "know-it-all"), (START + timedelta(minutes=50), "perspective"),
                 (START + timedelta(hours=2), "balance")]
AGGREGATES = [
    room.Aggregate("stages", "Stages confirmed", ("Stage", "First confirmed", "Now"),
                   tuple((s.name, 2, 3) for s in STAGES), "", 5),
    room.Aggregate("ratings", "Benefit ratings", ("Benefit", "Average first rating", "Average now"),
                   tuple((b.name, 2.5, 3.4) for b in BENEFITS), "", 5),
    room.Aggregate("growth", "The room's network", ("Time", "Connections in the room"),
                   tuple((START + timedelta(minutes=9 * i), 3 * i) for i in range(12)), "", 5),
    room.Aggregate("tools", "Tools and communities", ("Tool or community", "Use it", "Will try it"),
                   tuple((p, 3, 1) for p in PLATFORMS[:8]), "", 5),
    room.Aggregate("reflections", "Reflections written", ("Prompt", "Participants who wrote it"),
                   tuple((room.prompt_label(k), 4) for k in room.COUNTED), "", 5),
]

CHARTS: dict[str, Callable[[bool], Figure]] = {
    "benefit profile": lambda narrow: benefit_profile(RATINGS, narrow=narrow),
    "benefit profile, before and after": lambda narrow: benefit_profile(RATINGS, BEFORE, narrow=narrow),
    "stage schematic": lambda narrow: stage_schematic(STAGE_HISTORY, narrow=narrow),
    "network map": lambda narrow: netcharts.network_map(NET, narrow=narrow),
    "network map, 60 connections": lambda narrow: netcharts.network_map(network.replay(events(60)), narrow=narrow),
    "growth": lambda narrow: netcharts.growth_chart(EVENTS, STAGE_HISTORY, narrow=narrow),
    "balance": lambda narrow: netcharts.balance_chart(NET, narrow=narrow),
    "then and now": lambda narrow: netcharts.then_and_now(EVENTS, narrow=narrow),
    **{f"room {a.key}": functools.partial(lambda agg, narrow: roomcharts.aggregate_chart(agg, narrow=narrow), a)
       for a in AGGREGATES},
}


def drawn_texts(fig: Figure) -> list[Text]:
    """The texts a reader sees: visible, not empty, and (for tick labels) on a tick inside the axis."""
    fig.canvas.draw()  # type: ignore[attr-defined]
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = sorted(limits)
            for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False):
                if not ax.axison or not low - 1e-9 <= loc <= high + 1e-9:
                    hidden.add(id(label))
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden
            and t.get_alpha() != 0]


def smallest_on_screen(fig: Figure, column: int, dpi: float) -> float:
    """The smallest text in CSS pixels when the PNG (``dpi``) is shown in a ``column`` px wide page."""
    image = fig.get_figwidth() * dpi
    shown = min(image, column)  # the stylesheet's max-width: 100%; never enlarged
    return min(t.get_fontsize() for t in drawn_texts(fig)) * dpi / 72 * shown / image


@pytest.mark.parametrize("name", CHARTS)
def test_text_is_at_least_11_px_on_a_phone_a_tablet_and_a_laptop(name: str) -> None:
    phone = CHARTS[name](True)
    assert phone.get_figwidth() == _figures.PHONE_WIDTH
    assert smallest_on_screen(phone, PHONE_COLUMN, _figures.PHONE_DPI) >= MIN_PX
    wide = CHARTS[name](False)
    assert wide.get_figwidth() * _figures.PNG_DPI <= 880  # shown at its own size on a laptop
    assert smallest_on_screen(wide, NARROWEST_WIDE_COLUMN, _figures.PNG_DPI) >= MIN_PX
    assert smallest_on_screen(wide, LAPTOP_COLUMN, _figures.PNG_DPI) >= MIN_PX


def overlapping(boxes: list[tuple[str, Bbox]]) -> list[tuple[str, str]]:
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
@pytest.mark.parametrize("name", CHARTS)
def test_no_label_overlaps_another_or_is_cut_off(name: str, narrow: bool) -> None:
    fig = CHARTS[name](narrow)
    texts = drawn_texts(fig)
    boxes = [(t.get_text(), t.get_window_extent()) for t in texts]
    assert overlapping(boxes) == []
    page = fig.bbox
    cut = [text for text, box in boxes if box.x0 < page.x0 - 1 or box.x1 > page.x1 + 1 or box.y0 < page.y0 - 1
           or box.y1 > page.y1 + 1]
    assert cut == []
    legends = [leg.get_window_extent() for leg in fig.legends]
    assert all(page.x0 - 1 <= b.x0 and b.x1 <= page.x1 + 1 for b in legends)


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_map_labels_are_drawn_where_they_were_placed_and_nodes_are_dots(narrow: bool) -> None:
    """One artist draws a map's labels and ring names: every pixel it draws (a label's white box and its text)
    lies on a box it placed, so text never lands beside its box or on another node; and the markers drawn
    without ``scatter`` are dots, not the map filled with colour."""
    import io

    from PIL import Image, ImageChops, ImageDraw, ImageStat

    def drawn(labels: bool) -> tuple[Image.Image, list[Bbox], Bbox]:
        fig = netcharts.network_map(NET, narrow=narrow)
        ax = fig.axes[0]
        boxes = [box for _text, box in map_labels(ax)]
        for layer in ax.artists:
            layer.set_visible(labels or layer.get_gid() not in ("labels", "rings"))
        dpi = _figures.PHONE_DPI if narrow else _figures.PNG_DPI
        return Image.open(io.BytesIO(_figures.render(fig, "png", dpi))).convert("L"), boxes, ax.get_window_extent()

    with_labels, boxes, inside = drawn(True)
    without, _boxes, _inside = drawn(False)
    assert len(boxes) >= 12
    changed = ImageChops.difference(with_labels, without).point(lambda p: 255 if p else 0)
    assert changed.getbbox() is not None  # the labels are drawn
    placed = Image.new("L", changed.size, 0)
    height = changed.height
    for box in boxes:  # a box's padding (a tenth of the font size) and anti-aliasing: 3 pixels
        ImageDraw.Draw(placed).rectangle((box.x0 - 3, height - box.y1 - 3, box.x1 + 3, height - box.y0 + 3), fill=255)
    assert ImageChops.subtract(changed, placed).getbbox() is None
    area = without.crop((int(inside.x0), int(height - inside.y1), int(inside.x1), int(height - inside.y0)))
    assert ImageStat.Stat(area).mean[0] > 200  # mostly white: dots, rings and spokes


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_map_labels_and_ring_names_never_cover_a_node(narrow: bool) -> None:
    fig = netcharts.network_map(NET, narrow=narrow)
    ax = fig.axes[0]
    fig.canvas.draw()  # type: ignore[attr-defined]
    labels = map_labels(ax)
    markers = [_figures.marker_box(ax, x, y, netcharts.NODE_SIZE) for c in ax.collections
               if isinstance(c, PathCollection) for x, y in c.get_offsets()]
    assert [t.get_text() for t, box in labels if any(box.overlaps(m) for m in markers)] == []
    rings = {t.get_text() for t, _box in labels if (t.get_gid() or "").startswith("ring:")}
    assert rings == {"inner", "middle", "outer"}
    assert len(labels) >= (12 if narrow else 20)  # most connections named even on a phone


def test_growth_bands_merge_repeats_and_name_each_stage_once() -> None:
    fig = netcharts.growth_chart(EVENTS, STAGE_HISTORY)
    bands = [t.get_text() for t, _box in placed_texts(fig.axes[0], "bands")]
    assert bands == ["Immersion", "Know it all", "Perspective", "Balance"]
    text = netcharts.describe_growth(EVENTS, STAGE_HISTORY)
    assert "Know it all from 29 Nov 2026, Perspective" in text and text.count("Know it all") == 1


def tick_texts(fig: Figure) -> tuple[list[str], str]:
    texts = drawn_texts(fig)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t in texts]
    return ticks, ax.xaxis.get_offset_text().get_text()


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_time_axes_read_as_times_or_days_never_day_and_time_run_together(narrow: bool) -> None:
    within_a_day, offset = tick_texts(netcharts.growth_chart(EVENTS, narrow=narrow))
    assert within_a_day and all(re.fullmatch(r"\d\d:\d\d", t) for t in within_a_day), within_a_day
    local = START.astimezone()
    assert offset == f"{local.day} {local:%b %Y}"
    in_one_sitting, offset = tick_texts(netcharts.growth_chart(events(12, minutes=0), narrow=narrow))
    assert in_one_sitting and all(re.fullmatch(r"\d\d:\d\d", t) for t in in_one_sitting), in_one_sitting
    assert offset == f"{local.day} {local:%b %Y}"  # a workshop's network: minutes of the clock, never seconds
    over_weeks, _ = tick_texts(netcharts.growth_chart(events(20, minutes=60 * 24 * 2), narrow=narrow))
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}|[A-Z][a-z]{2}|\d{4}", t) for t in over_weeks), over_weeks
    room_ticks, _ = tick_texts(roomcharts.aggregate_chart(AGGREGATES[2], narrow=narrow))
    assert all(re.fullmatch(r"\d\d:\d\d", t) for t in room_ticks), room_ticks


def test_emoji_and_missing_glyphs_are_dropped_from_chart_text() -> None:
    assert _figures.drawable("#EduSky 🦋") == "#EduSky"
    assert _figures.drawable("👩🏽‍🏫 Ms. Kim") == "Ms. Kim"  # skin tone and joiner go with the emoji
    assert _figures.drawable("🇫🇷 Profs") == "Profs"  # a flag
    assert _figures.drawable("Ana🦋López") == "Ana López"
    assert _figures.drawable("1️⃣ step") == "1 step"
    assert _figures.drawable("🦋", "(no name)") == "(no name)"
    assert _figures.shorten("Cult of Pedagogy 🍎 podcast", 18) == "Cult of Pedagogy…"
    assert _figures.wrap_label("Other (3 platforms)", 16) == "Other (3\nplatforms)"
    assert _figures.wrap_label("🐘", 16) == "(no name)"


def test_a_network_with_emoji_draws_no_empty_boxes_and_its_table_keeps_the_name() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" before drawing a box
        for narrow in (False, True):
            fig = netcharts.network_map(network.replay(events(4)), narrow=narrow)
            _figures.render(fig)
            assert "#EduSky" in [t.get_text() for t, _box in map_labels(fig.axes[0])]
            _figures.render(netcharts.balance_chart(network.replay(events(3)), narrow=narrow))
    assert ["#EduSky 🦋"] == [row[0] for row in netcharts.map_table(NET) if str(row[0]).startswith("#EduSky")]


def test_the_balance_chart_and_its_description_show_the_same_bars() -> None:
    fig = netcharts.balance_chart(NET)
    drawn = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert drawn[-1] == "Other (4 platforms)"  # 12 platforms: the top 8 and the rest
    phone = netcharts.balance_chart(NET, narrow=True)
    assert phone.axes[1].get_yticklabels()[-1].get_text() == "Other (4\nplatforms)"  # wrapped, not cut
    text = netcharts.describe_balance(NET)
    assert "Other (4 platforms) 12" in text
    assert all(label in text for label in drawn)
    table = network_tables.balance_table(NET)
    assert sum(1 for row in table if row[0] == "By platform") == 12  # the table lists every platform


def test_figure_html_offers_a_phone_picture_and_keeps_its_old_form() -> None:
    html = _figures.figure_html(benefit_profile(RATINGS), alt="Chart", description="Words", filename="f",
                                table="<table></table>", phone=benefit_profile(RATINGS, narrow=True))
    assert html.count("<picture>") == 1
    assert f'<source media="(max-width: {_figures.PHONE_MAX_PX}px)" srcset="data:image/png;base64,' in html
    assert 'alt="Chart"' in html and "<table></table>" in html
    plain = _figures.figure_html(stage_schematic(), alt="Chart", description="Words", filename="f")
    assert "<picture>" not in plain and '<img src="data:image/png;base64,' in plain


def test_text_from_the_cache_is_drawn_as_matplotlib_draws_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts keep each string's measure and bitmap for the process: a redraw gives the same picture as the first
    draw, and matplotlib's own renderer places the same labels at the same spots, the pictures differing only by
    the sub-pixel placement of glyph edges (and a pixel or two where a label is aligned by its width)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image, ImageChops, ImageStat

    from plnkit.charts import _render

    def labels(fig: Figure) -> list[tuple[str, object, object]]:
        return [(t.get_text(), t.xy, t.offset, t.ha, t.va) for t, _box in map_labels(fig.axes[0])]

    _render.clear_caches()
    ours = netcharts.network_map(NET)
    first = _figures.render(ours)
    assert _figures.render(netcharts.network_map(NET)) == first  # drawn again from the caches
    monkeypatch.setattr(_render, "canvas_class", lambda: FigureCanvasAgg)  # matplotlib's own canvas throughout
    stock = netcharts.network_map(NET)
    assert type(stock.canvas) is FigureCanvasAgg
    theirs = _figures.render(stock)
    assert labels(ours) == labels(stock) and len(labels(ours)) > 20
    one, two = (Image.open(io.BytesIO(png)).convert("L") for png in (first, theirs))
    assert one.size == two.size
    # Of 255. A map's labels measure the text as drawn (its glyphs) on our canvas and as matplotlib lays it out
    # on the stock one: a label aligned right or centred may sit a pixel or two apart.
    assert ImageStat.Stat(ImageChops.difference(one, two)).mean[0] < 3.5


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_a_room_count_chart_with_nothing_counted_yet_reads_from_0_never_below(narrow: bool) -> None:
    # The facilitator's "Reflections written" before anyone wrote: the axis read -0.045 ... 0.045 (a trial saw it).
    nothing = room.Aggregate("reflections", "Reflections written", ("Prompt", "Participants who wrote it"),
                             tuple((room.prompt_label(k), 0) for k in room.COUNTED), "", 5)
    ticks, _ = tick_texts(roomcharts.aggregate_chart(nothing, narrow=narrow))
    assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks
    assert ticks[0] == "0"
