"""What a feed's fetch result means to the learner: subscribe or not, what to say, and whether the course is offline.

Pure rules over what :mod:`plnkit.services.feedcache` returns (anything with ``feed``, ``error``, ``offline``
and ``unreachable``), and over the course's starter blogs (:data:`plnkit.content.STARTER_FEEDS`), so the feed
reader only shows what they decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ..content import STARTER_FEEDS, StarterFeed
from ..errors import FeedConnectionError, FeedError, FeedTimeoutError, HostNotFoundError, NotAFeedError
from .text import plural
from .urls import same_address_key

LATER = "It couldn't be fetched just now; it will be fetched on the next Refresh."
#: Said when the course (the computer serving it: the learner's own, or a workshop's server) has no internet.
OFFLINE = ("The course can't reach the internet just now, so it couldn't be fetched; it will be fetched on the "
           "next Refresh.")
NO_ENTRIES_YET = "Its entries will appear when you press Refresh."
STARTER_NOT_FOUND = "Its site could not be found just now; it will be tried again on the next Refresh."


class Result(Protocol):
    """One feed's fetch result (``plnkit.services.feedcache.FeedResult``)."""

    @property
    def feed(self) -> Any: ...

    @property
    def error(self) -> FeedError | None: ...

    @property
    def offline(self) -> bool: ...

    @property
    def unreachable(self) -> bool: ...


@dataclass(frozen=True)
class Subscribing:
    """What to do with an address the learner asked to follow.

    ``save``: keep the subscription, then say ``note``. Otherwise ``suggestion`` is a feed the page links to
    (offer it), or ``error`` is the learner's message (show it, keep what they typed).
    """

    save: bool
    note: str = ""
    suggestion: str | None = None
    error: FeedError | None = None


def subscribing(result: Result, *, starter: bool = False) -> Subscribing:
    """Decide on a subscription from its first fetch.

    A feed that was read, or that could not be reached (a timeout, a refused connection, no network), is
    saved: an unreachable site is tried again on the next Refresh. A page that links to its feed offers that
    feed. A misspelt name or anything that is not a feed is refused with its message. A course-supplied
    starter blog (``starter=True``) is always saved: its address is known good, so a failure is never the
    learner's spelling.
    """
    error = result.error
    if result.feed is not None:
        return Subscribing(True)
    if error is None:
        return Subscribing(True, NO_ENTRIES_YET)
    if starter:
        return Subscribing(True, OFFLINE if _offline_error(error) else LATER)
    if _offline_error(error):
        return Subscribing(True, OFFLINE)
    if isinstance(error, (FeedConnectionError, FeedTimeoutError)):
        return Subscribing(True, LATER)
    if isinstance(error, NotAFeedError) and error.suggestion:
        return Subscribing(False, suggestion=error.suggestion, error=error)
    return Subscribing(False, error=error)


def starter_feed(url: str) -> StarterFeed | None:
    """The course-supplied starter blog at ``url`` (compared as :func:`plnkit.rules.urls.same_address_key` does:
    normalised, without a ``#fragment``), or ``None``."""
    key = same_address_key(url)
    return next((f for f in STARTER_FEEDS if same_address_key(f.url) == key), None)


def problem(result: Result, *, starter: bool = False) -> str:
    """The line shown for a feed that failed in a refresh: its error's message, except that a starter blog's
    site not being found is never put down to the learner's spelling."""
    if starter and isinstance(result.error, HostNotFoundError):
        return STARTER_NOT_FOUND
    return str(result.error) if result.error is not None else ""


def _offline_error(error: FeedError) -> bool:
    return isinstance(error, FeedConnectionError) and error.offline


def seems_offline(results: Sequence[Result]) -> bool:
    """True when the course seems to have no network: a name server said so, or every feed was unreachable at
    once (more than one, so one dead site is not mistaken for being offline)."""
    if not results:
        return False
    if any(r.offline for r in results):
        return all(r.unreachable for r in results)
    return len(results) > 1 and all(r.unreachable for r in results)


def refresh_summary(results: Sequence[Result]) -> tuple[str, str]:
    """The status line after a refresh: ``(kind, text)`` with kind ``"ok"``, ``"info"`` or ``"error"``."""
    if seems_offline(results):
        return "error", "The course can't reach the internet just now, so nothing new could be fetched."
    failed = sum(1 for r in results if r.error is not None)
    if failed:
        return "info", f"Updated. {plural(failed, 'feed')} could not be read (see below)."
    return "ok", f"Updated {plural(len(results), 'feed')}."

