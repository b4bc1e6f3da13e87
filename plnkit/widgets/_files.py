"""Files in and out of a page: checked uploads and one-press downloads (no file is written on the server)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as w

from ..errors import InputError


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def upload_bytes(upload: Any, max_bytes: int, what: str = "file") -> bytes:
    """The content of one FileUpload entry, checked: browser values are hostile (type and size)."""
    content = upload.get("content") if isinstance(upload, dict) else getattr(upload, "content", None)
    if not isinstance(content, (bytes, bytearray, memoryview)):
        raise InputError("That upload could not be read.")
    if len(content) > max_bytes:
        raise InputError(f"That {what} is larger than {max_bytes // (1024 * 1024)} MB, so nothing was imported.")
    return bytes(content)


def _size_tip(max_bytes: int) -> str:
    return f"Choose a file of at most {max_bytes // (1024 * 1024)} MB"


def upload_control(description: str, accept: str, *, max_bytes: int) -> w.FileUpload:
    """A one-file upload control that already carries what :func:`on_upload` tells the page (the largest file it
    takes, ``max_bytes``, and a tooltip), so the page receives it in one message."""
    from ._controls import layout, make

    return make(w.FileUpload, accept=accept, multiple=False, description=description, layout=layout(width="auto"),
                tooltip=_size_tip(max_bytes), classes=(f"plnkit-max-{max_bytes}",))


def on_upload(upload_widget: w.FileUpload, handle: Callable[[Any], None], *, max_bytes: int) -> None:
    """Call ``handle(entry)`` for each file the learner uploads, then clear the widget for the next one.

    ``max_bytes`` is also told to the page, whose script refuses a larger file before sending it (a file over
    the connection's 10 MiB message limit would otherwise drop the page's connection without a word).
    """
    with upload_widget.hold_sync():  # one message to the page
        upload_widget.add_class(f"plnkit-max-{max_bytes}")
        if not upload_widget.tooltip:  # ipywidgets shows "null" on hover otherwise
            upload_widget.tooltip = _size_tip(max_bytes)

    def changed(change: dict[str, Any]) -> None:
        if change["new"]:
            handle(change["new"][0])
            upload_widget.value = ()

    upload_widget.observe(changed, names="value")


def download_link(filename: str, mime: str, data: bytes, label: str | None = None, *, auto: bool = False) -> str:
    """A link that downloads ``data`` as ``filename`` (a data: URL, so nothing is written on the server).

    ``auto=True`` (for a link made because the learner pressed a download button) has the page follow it once
    as it appears (``page.js``), so one press downloads; the link stays in case the browser blocks that.
    """
    encoded = base64.b64encode(data).decode("ascii")
    mark = ' data-plnkit-auto="1"' if auto else ""
    return (f'<a class="plnkit-download" download="{_esc(filename)}" href="data:{mime};base64,{encoded}"{mark}>'
            f"{_esc(label or f'Download {filename}')}</a>")
