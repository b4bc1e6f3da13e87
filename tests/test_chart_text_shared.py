"""The course's chart text shared between a server's kernels (charts/_render): what a new kernel reads, what it
never writes (a learner's own words), and a damaged or foreign file that changes nothing but speed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from plnkit.charts import _figures, _render
from plnkit.charts import network as netcharts
from plnkit.rules import network
from plnkit.services.store import NetworkEvent

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
#: A learner's own words: node labels and platforms no course string contains.
SECRETS = ("Zebulon Quartermaine", "Yolanda Pristbury", "Xanthe's reading circle", "Quillmoor")


def learner_events() -> list[NetworkEvent]:
    out = []
    for i, label in enumerate([*SECRETS[:3], *(f"Colleague {i}" for i in range(12))]):
        node = network.make_node(network.TYPES[i % len(network.TYPES)], label, platform=SECRETS[3] if i % 2 else "",
                                 ring=1 + i % 3)
        data = node.to_json()
        for k in ("key", "added_at", "removed_at"):
            data.pop(k)
        out.append(NetworkEvent(i, START + timedelta(hours=i), "add", node.key, data))
    return out


def draw_all(events: list[NetworkEvent]) -> list[bytes]:
    """The four charts, wide and narrow, as PNG (what a page draws)."""
    net = network.replay(events)
    stages = [(events[0].at, "immersion")]
    pngs = []
    for narrow in (False, True):
        for fig in (netcharts.network_map(net, narrow=narrow), netcharts.growth_chart(events, stages, narrow=narrow),
                    netcharts.balance_chart(net, narrow=narrow), netcharts.then_and_now(events, narrow=narrow)):
            pngs.append(_figures.render(fig))
    return pngs


@pytest.fixture
def shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cache" / "chart-text.bin"
    monkeypatch.setenv(_render.SHARED_ENV, str(path))
    _render.clear_caches()
    yield path
    _render.clear_caches()


def test_a_new_kernel_draws_the_course_s_text_from_the_file_and_the_same_pictures(shared: Path) -> None:
    first = draw_all(learner_events())  # the server's first kernel to draw
    assert shared.exists()
    # A new kernel: its own process, the file there. It draws exactly the same pictures, measuring and drawing
    # anew only what the file may not hold.
    code = ("import hashlib\nfrom tests.test_chart_text_shared import draw_all, learner_events\n"
            "from plnkit.charts import _render\n_render.load_shared()\nprint(len(_render._bitmaps))\n"
            "print(hashlib.sha256(b''.join(draw_all(learner_events()))).hexdigest())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True,
                         cwd=ROOT, env={**os.environ, _render.SHARED_ENV: str(shared), "PYTHONPATH": str(ROOT)})
    read, drawn = out.stdout.split()
    assert int(read) > 20  # before its first chart
    assert drawn == hashlib.sha256(b"".join(first)).hexdigest()
    _render.clear_caches()
    _render.load_shared()
    held = {key[0] for key in _render._bitmaps}
    assert {"Connections", "By kind"} <= held  # the course's strings are shared
    assert not any(secret in text for text in held for secret in SECRETS)


def test_a_learner_s_own_words_never_reach_the_file(shared: Path) -> None:
    draw_all(learner_events())
    raw = shared.read_bytes()
    for secret in SECRETS:
        for form in (secret, json.dumps(secret)[1:-1], secret[:8]):
            assert form.encode() not in raw, f"{form!r} was written to the shared file"
    # Nor what their network says about them: then-and-now's first day and counts.
    assert b"Then: " not in raw and b"Now (" not in raw
    assert shared.stat().st_mode & 0o777 == 0o600 and shared.parent.stat().st_mode & 0o777 == 0o700


def test_a_damaged_or_foreign_file_is_ignored_said_once_and_replaced(shared: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    expected = draw_all(learner_events())
    for bad in (_render._MAGIC + b"\xff" * 40, b"not a chart text file at all",
                shared.read_bytes().replace(b'"matplotlib": "', b'"matplotlib": "0.0-')):
        shared.write_bytes(bad)
        _render.clear_caches()
        with caplog.at_level(logging.WARNING, logger="plnkit.charts._render"):
            assert draw_all(learner_events()) == expected
        said = [r.getMessage() for r in caplog.records if "shared text file" in r.getMessage()]
        assert len(said) == 1 and "drawing without it" in said[0]
        caplog.clear()
        assert shared.read_bytes().startswith(_render._MAGIC) and shared.read_bytes() != bad  # rewritten
        _render.clear_caches()
        _render.load_shared()
        assert len(_render._bitmaps) > 20


def test_without_the_setting_nothing_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_render.SHARED_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    _render.clear_caches()
    draw_all(learner_events())
    assert _render.shared_file() is None and not list(tmp_path.rglob("*"))


def test_a_file_that_cannot_be_written_leaves_the_charts_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a file, not a folder"
    blocker.write_text("x")
    monkeypatch.setenv(_render.SHARED_ENV, str(blocker / "chart-text.bin"))
    _render.clear_caches()
    with caplog.at_level(logging.WARNING, logger="plnkit.charts._render"):
        pngs = draw_all(learner_events())
    assert len(pngs) == 8 and all(png.startswith(b"\x89PNG") for png in pngs)
    assert sum("could not write" in r.getMessage() for r in caplog.records) == 1
    _render.clear_caches()
