"""A SAX driver for feedparser: expat with buffered character data.

feedparser receives exactly the same events, but long text (a post's full HTML) arrives in a few large
pieces instead of hundreds of thousands of small ones, which is where most of its parse time went. It is
registered through feedparser's own extension point, ``feedparser.api.PREFERRED_XML_PARSERS`` (a list of
``xml.sax`` driver modules), and falls back to the standard drivers if anything goes wrong.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any
from xml.sax.expatreader import ExpatParser


class BufferedExpatParser(ExpatParser):
    """Python's expat SAX reader with ``buffer_text`` switched on."""

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True  # type: ignore[attr-defined]
        self._parser.buffer_size = 1 << 20  # type: ignore[attr-defined]


def create_parser(*args: Any, **kwargs: Any) -> BufferedExpatParser:
    """The entry point ``xml.sax.make_parser`` looks for in a driver module."""
    return BufferedExpatParser(*args, **kwargs)


@functools.cache
def feedparser() -> ModuleType:
    """feedparser, imported on the first parse (it is heavy, and most pages parse no feed), with this driver."""
    import feedparser

    install()
    return feedparser


def install() -> None:
    """Make feedparser prefer this driver (idempotent)."""
    import feedparser.api

    if __name__ not in feedparser.api.PREFERRED_XML_PARSERS:
        feedparser.api.PREFERRED_XML_PARSERS.insert(0, __name__)
