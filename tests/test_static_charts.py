"""The charts shipped already drawn (a fresh learner's empty network charts and stage schematic) are what the
chart functions draw now, and a fresh learner's widgets show them."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops, ImageStat

from plnkit.charts import _static
from plnkit.charts._figures import figure_html
from plnkit.charts.network import describe_map, network_map
from plnkit.rules.network import Network
from plnkit.services.store import Store
from plnkit.widgets.exercises import StageFinder
from plnkit.widgets.mynetwork import MyNetwork

URI = re.compile(r"base64,[A-Za-z0-9+/=]+")


def pixels_differ(a: bytes, b: bytes) -> float:
    """The mean difference of two PNGs per channel (0 to 255); infinite when their sizes differ."""
    one, two = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    if one.size != two.size:
        return float("inf")
    return max(ImageStat.Stat(ImageChops.difference(one, two)).mean)


@pytest.mark.parametrize("name", sorted(_static.DRAWERS))
def test_a_shipped_chart_is_what_its_function_draws(name: str) -> None:
    png, svg, phone = _static.draw(name)
    shipped_png, shipped_svg, shipped_phone = _static.shipped(name)
    stale = ("drawn differently now: run python -m plnkit.charts._static and commit "
             "plnkit/data/voila/templates/plnkit/static/charts/")
    assert pixels_differ(png, shipped_png) <= 0.5, stale
    assert pixels_differ(phone, shipped_phone) <= 0.5, stale
    assert shipped_svg.startswith(b"<?xml") and b"<svg" in shipped_svg and len(shipped_svg) > 1000


def test_the_shipped_map_makes_the_same_figure_as_drawing_it() -> None:
    drawn = figure_html(network_map(Network()), alt="Map of your network", description=describe_map(Network()),
                        filename="my-pln-map", phone=network_map(Network(), narrow=True))
    shipped = _static.empty_network_html("map")
    assert URI.sub("base64,", shipped) == URI.sub("base64,", drawn)


def test_a_fresh_learner_sees_the_shipped_charts(store: Store) -> None:
    view = MyNetwork("all").view.value
    assert view == _static.empty_network_html("all")
    assert view.count("<figure") == 4 and "empty so far" in view
    journey = StageFinder().journey.value
    assert _static.drawn_html("stage-schematic", alt="Schematic of the five stages with your position",
                              description="", filename="my-pln-stage").split("<figcaption")[0] in journey


def test_confirmed_stages_before_any_connection_still_get_their_table(store: Store) -> None:
    learner = store.learner("local")
    store.save_answer(learner, "stages/confirmed", {"stage": "evaluation", "estimated": "evaluation"})
    view = MyNetwork("all").view.value
    assert "Your network, day by day" in view and "Evaluation" in view


def test_in_a_voila_kernel_the_shipped_charts_are_addresses_below_the_servers_base_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_BASE_URL", "/user/ana/")  # a JupyterHub user's server
    html = _static.empty_network_html("all")
    assert "data:" not in html
    for name in ("network-map", "growth", "balance", "then-and-now"):
        folder = "/user/ana/voila/templates/plnkit/static/charts/"
        assert f'<img src="{folder}chart-{name}.png"' in html
        assert f'srcset="{folder}chart-{name}-phone.png"' in html
        assert f'download="my-pln-{name}.svg" href="{folder}chart-{name}.svg" aria-label="SVG: '.replace(
            "my-pln-network-map", "my-pln-map") in html
    monkeypatch.setenv("VOILA_BASE_URL", "/")  # plnkit serve
    assert '<img src="/voila/templates/plnkit/static/charts/chart-network-map.png"' in _static.empty_network_html("map")
    monkeypatch.delenv("VOILA_BASE_URL")  # a notebook outside Voila: the pictures travel inside the page
    assert _static.empty_network_html("map").count("data:image/png;base64,") == 3
