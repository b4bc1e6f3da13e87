"""Voila's page scripts in one response: the chunks every course page asks for, joined once per server.

A Voila page runs ``voila.js``, whose webpack runtime then asks for 56 more script files ("chunks", 2.6 MB
in all) at once. A browser opens at most six connections to one HTTP/1.1 server, so they queue: about 0.4 s of
every page load here was spent waiting for them while the page could do nothing else. Each chunk only
registers its modules in one global array (``self.webpackChunk_JUPYTERLAB_CORE_OUTPUT``, webpack's JSONP
chunk format), and the runtime, when it starts, marks every chunk already in that array as loaded and never
asks for it. So ``plnkit serve`` joins the chunks into one file, :data:`ROUTE`, which the course template loads
before ``voila.js``: one request instead of 56, cached by the browser for the next page (its address carries a
hash of its content), and compressed for a workshop's Wi-Fi (2.6 MB -> about 0.7 MB).

The list of chunks (:data:`CHUNKS`) is what Voila :data:`VOILA_VERSION` asks for on every course page (the same
56 on all four), read from a real page by ``tests/test_browser.py``, which fails, naming the chunks a page
then fetched one by one, if a new Voila asks for others. Chunk numbers mean different code in another Voila
build, so for any other version no bundle is made and pages load Voila's chunks as usual (slower, correct).
Inside a Jupyter server (Binder, JupyterHub), :mod:`.jupyter_extension` serves the same file.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tornado.web

from ._gate import _Gate

log = logging.getLogger("plnkit.services.server")

#: The Voila release whose chunk numbers :data:`CHUNKS` lists (``pyproject.toml`` pins it).
VOILA_VERSION = "0.5.13"
#: The chunks (``<n>.voila.js`` in Voila's static folder) a course page of that release loads after ``voila.js``.
CHUNKS = (73, 143, 431, 457, 630, 1187, 1601, 1621, 1670, 2930, 3144, 3249, 3307, 3311, 3459, 3649, 3916, 3989,
          3992, 4041, 4135, 4173, 4222, 4653, 4729, 4972, 5044, 5312, 5688, 5764, 5767, 6008, 6049, 6382, 6468,
          6573, 7155, 7483, 7556, 7598, 7770, 7883, 8017, 8135, 8487, 8766, 8773, 8862, 8925, 9081, 9151, 9212,
          9582, 9684, 9890, 9981)
#: Where the server answers with the bundle (below its base URL).
ROUTE = "plnkit/voila-chunks.js"
#: How every chunk of this Voila begins: the global array the runtime reads.
CHUNK_START = b"(self.webpackChunk_JUPYTERLAB_CORE_OUTPUT=self.webpackChunk_JUPYTERLAB_CORE_OUTPUT||[]).push("


@dataclass(frozen=True)
class Bundle:
    """The joined chunks: ``body`` (bytes of JavaScript), ``gzipped`` (the same, gzip-compressed) and ``version``
    (the first 16 hex digits of the body's SHA-256, put in the address so a browser may keep it for a year)."""

    body: bytes
    gzipped: bytes
    version: str

    @property
    def path(self) -> str:
        """The bundle's address below the server's base URL, with its version: ``plnkit/voila-chunks.js?v=...``."""
        return f"{ROUTE}?v={self.version}"


def build_bundle(static_paths: Iterable[str], voila_version: str) -> Bundle | None:
    """Join :data:`CHUNKS`, read from the first of ``static_paths`` (Voila's static folders) holding each.

    Returns None, with the reason in the log, when the bundle would not be exactly what a page asks for: another
    Voila release than :data:`VOILA_VERSION`, a chunk missing, or a file that is not one of its chunks.
    """
    if voila_version != VOILA_VERSION:
        log.info("Voila %s (not %s): pages load Voila's scripts one by one", voila_version, VOILA_VERSION)
        return None
    folders = [Path(p) for p in static_paths]
    parts: list[bytes] = []
    for number in CHUNKS:
        name = f"{number}.voila.js"
        found = next((folder / name for folder in folders if (folder / name).is_file()), None)
        if found is None:
            log.warning("Voila's script %s is missing: pages load Voila's scripts one by one", name)
            return None
        data = found.read_bytes()
        if CHUNK_START not in data[:200]:
            log.warning("%s is not a Voila chunk: pages load Voila's scripts one by one", found)
            return None
        parts.append(data if data.endswith(b"\n") else data + b"\n")
    body = b"".join(parts)
    return Bundle(body, gzip.compress(body, compresslevel=6, mtime=0), hashlib.sha256(body).hexdigest()[:16])


class ChunksHandler(_Gate, tornado.web.RequestHandler):
    """``GET /plnkit/voila-chunks.js``: the bundle, compressed when the browser accepts gzip, cached a year."""

    def initialize(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def compute_etag(self) -> str:
        return f'"{self.bundle.version}"'

    def get(self) -> None:
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(self.bundle.gzipped)
        else:
            self.finish(self.bundle.body)
