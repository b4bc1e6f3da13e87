"""Voila's page scripts joined into one file (``plnkit/services/_chunks.py``): built only when it is exactly what
a page would fetch one by one. Served over HTTP in ``test_server.py``; used by a real page in ``test_browser.py``."""

from __future__ import annotations

import gzip
import logging
from pathlib import Path

import pytest

from plnkit.services._chunks import CHUNK_START, CHUNKS, VOILA_VERSION, build_bundle


def voila_static_folders() -> list[str]:
    """Voila's own static folders, where the Voila app finds ``voila.js`` and its chunks."""
    from voila.paths import collect_static_paths

    return collect_static_paths(["voila", "nbconvert"], "lab")


def test_the_bundle_is_every_chunk_a_page_asks_for_in_one_file() -> None:
    import voila

    assert voila.__version__ == VOILA_VERSION, "pyproject.toml pins the Voila whose chunk numbers CHUNKS lists"
    bundle = build_bundle(voila_static_folders(), VOILA_VERSION)
    assert bundle is not None
    position = 0
    for number in CHUNKS:  # each chunk's file, whole and in order, registering itself in webpack's array
        chunk = next(Path(f, f"{number}.voila.js") for f in voila_static_folders()
                     if Path(f, f"{number}.voila.js").is_file()).read_bytes()
        found = bundle.body.index(chunk, position)
        assert found == position or bundle.body[position:found] == b"\n"
        position = found + len(chunk)
    assert bundle.body.count(CHUNK_START) == len(CHUNKS) == 56
    assert gzip.decompress(bundle.gzipped) == bundle.body and len(bundle.gzipped) < len(bundle.body) / 3
    assert bundle.path == f"plnkit/voila-chunks.js?v={bundle.version}" and len(bundle.version) == 16


def test_another_voila_gets_no_bundle(caplog: pytest.LogCaptureFixture) -> None:
    """Chunk numbers mean other code in another Voila build: its pages load Voila's own files."""
    caplog.set_level(logging.INFO, logger="plnkit.services.server")
    assert build_bundle(voila_static_folders(), "0.5.14") is None
    assert "pages load Voila's scripts one by one" in caplog.text


def test_a_missing_or_foreign_chunk_gets_no_bundle(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for number in CHUNKS[:-1]:
        (tmp_path / f"{number}.voila.js").write_bytes(CHUNK_START + b"[[%d],{}]);" % number)
    assert build_bundle([str(tmp_path)], VOILA_VERSION) is None
    assert f"{CHUNKS[-1]}.voila.js is missing" in caplog.text
    (tmp_path / f"{CHUNKS[-1]}.voila.js").write_text("alert('not a chunk')")
    assert build_bundle([str(tmp_path)], VOILA_VERSION) is None
    assert "is not a Voila chunk" in caplog.text
    (tmp_path / f"{CHUNKS[-1]}.voila.js").write_bytes(CHUNK_START + b"[[1],{}]);")
    bundle = build_bundle([str(tmp_path)], VOILA_VERSION)
    assert bundle is not None and bundle.body.count(b"\n") == len(CHUNKS)  # each on a line of its own
