"""Small helpers shared by every widget: escaping, status lines, and the guard that keeps tracebacks away."""

from __future__ import annotations

import base64
import functools
import html
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import ipywidgets as w

from .errors import InputError, PlnkitError

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


class Component:
    """Base of every exercise widget: the learner's session, a status line, and a box to display.

    Display a component as the last expression of a cell; its box is what the page shows.
    """

    def __init__(self, session: Any = None, *css: str) -> None:
        self._session = session
        self.status = Status()
        self.widget = w.VBox()
        for name in ("plnkit-exercise", *css):
            self.widget.add_class(name)

    def _sess(self) -> Any:
        from . import session as _session

        return self._session or _session.current()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def upload_bytes(upload: Any, max_bytes: int, what: str = "file") -> bytes:
    """The content of one FileUpload entry, checked: browser values are hostile (type and size)."""
    content = upload.get("content") if isinstance(upload, dict) else getattr(upload, "content", None)
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise InputError("That upload could not be read.")
    if len(content) > max_bytes:
        raise InputError(f"That {what} is larger than {max_bytes // (1024 * 1024)} MB, so nothing was imported.")
    return bytes(content)


def on_upload(upload_widget: w.FileUpload, handle: Callable[[Any], None]) -> None:
    """Call ``handle(entry)`` for each file the learner uploads, then clear the widget for the next one."""

    def changed(change: dict[str, Any]) -> None:
        if change["new"]:
            handle(change["new"][0])
            upload_widget.value = ()

    upload_widget.observe(changed, names="value")


def download_link(filename: str, mime: str, data: bytes, label: str | None = None) -> str:
    """A link that downloads ``data`` as ``filename`` (a data: URL, so nothing is written on the server)."""
    encoded = base64.b64encode(data).decode("ascii")
    return (f'<a class="plnkit-download" download="{esc(filename)}" href="data:{mime};base64,{encoded}">'
            f"{esc(label or f'Download {filename}')}</a>")
