"""Voila's page templates, compiled once per server instead of once per page.

Voila renders every page with a new exporter, and each exporter makes its own Jinja environment, which
parses and compiles Voila's and nbconvert's templates again (about a dozen files). Under a room of 25, that was
0.1 s of the server's one event-loop thread per page opened (``py-spy`` of ``benchmarks/room.py``: 147 of 616
samples of the server compiling templates). :func:`share_compiled_templates` gives every such environment one
in-memory bytecode cache (Jinja's own mechanism, :class:`jinja2.BytecodeCache`), which Jinja checks against
each template's source on every load, so an edited template is still compiled afresh.
"""

from __future__ import annotations

import threading
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in this process, keyed by template and checked against its source's checksum."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # Jinja discards it if the checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        with self._lock:
            self._code.clear()


#: The one cache of this process (``plnkit serve``).
CACHE = MemoryBytecodeCache()
#: Names every page template of this process can read, set by the server (``plnkit_voila_chunks``: the address of
#: Voila's scripts in one file, see :mod:`._chunks`). A template must not assume any is set: a Jupyter server without
#: plnkit's extension (:mod:`.jupyter_extension`) sets none.
GLOBALS: dict[str, Any] = {}

_installed = False
_with_globals = False


def _patch(share: bool) -> None:
    """Wrap ``VoilaExporter.environment`` (once) so each new environment sees :data:`GLOBALS` and, once ``share``
    has been asked for, uses :data:`CACHE`."""
    global _installed, _with_globals
    if share:
        _installed = True
    if _with_globals:
        return
    from voila.exporter import VoilaExporter

    prop = VoilaExporter.environment

    def environment(self: Any) -> Any:
        env = prop.fget(self)
        if _installed:
            env.bytecode_cache = CACHE
        env.globals.update(GLOBALS)
        return env

    VoilaExporter.environment = property(environment)
    _with_globals = True


def share_compiled_templates() -> None:
    """Make every Voila exporter's Jinja environment use :data:`CACHE` and see :data:`GLOBALS` (idempotent; for
    the course server's process, which serves only the course)."""
    _patch(share=True)


def add_globals() -> None:
    """Make every Voila exporter's Jinja environment see :data:`GLOBALS`, and change nothing else (idempotent; for
    a Jupyter server, which may serve other notebooks too)."""
    _patch(share=False)
