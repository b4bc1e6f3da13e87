"""Small helpers shared by every widget: escaping, status lines, and the guard that keeps tracebacks away."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import ipywidgets as w

from .errors import PlnkitError

log = logging.getLogger("plnkit")
F = TypeVar("F", bound=Callable[..., Any])

_WORD = re.compile(r"\S+")


def esc(text: object) -> str:
    """HTML-escape anything (learner or feed text) before it goes into markup."""
    return html.escape(str(text), quote=True)


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters."""
    return len(_WORD.findall(text))


def clock(moment: datetime) -> str:
    """A local wall-clock time such as ``14:02``."""
    return moment.astimezone().strftime("%H:%M")


def day_and_clock(moment: datetime) -> str:
    """A local date and time such as ``28 Nov 2026, 14:02``."""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


class Status:
    """A one-line status (saved, not saved, errors), announced politely to screen readers."""

    def __init__(self) -> None:
        self.widget = w.HTML(layout=w.Layout(min_height="1.6em"))
        self.widget.add_class("plnkit-status")

    def ok(self, text: str) -> None:
        self._set("ok", text)

    def info(self, text: str) -> None:
        self._set("info", text)

    def error(self, text: str) -> None:
        self._set("error", text)

    @property
    def text(self) -> str:
        return re.sub(r"<[^>]+>", "", html.unescape(self.widget.value))

    def _set(self, kind: str, text: str) -> None:
        self.widget.value = f'<span class="plnkit-status-{kind}" role="status">{esc(text)}</span>'


def guard(status: Status, *, doing: str = "do that") -> Callable[[F], F]:
    """Run a widget callback so the learner sees a message, never a traceback.

    Known errors (:class:`PlnkitError`) show their own message; anything else is logged for the facilitator
    and the learner is told that nothing they typed was lost.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except PlnkitError as exc:
                status.error(str(exc))
            except Exception:
                log.exception("unexpected error in %s", fn.__qualname__)
                status.error(f"Sorry, the course could not {doing}. What you typed is still here; try again.")
            return None

        return wrapper  # type: ignore[return-value]

    return decorate
