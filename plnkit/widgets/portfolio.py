"""The learner's whole record in one file: export it, and restore it on another machine or a new Binder session.

Restoring never overwrites: answers are restored only for exercises with nothing saved yet (with their
original dates and every earlier version), network events, subscriptions and bookmarks are merged without
duplicates, and progress only moves forward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..errors import InputError
from ..services import session as _session
from ._ui import Component, download_link, guard, layout, make, on_upload, upload_bytes, upload_control
from .page import refresh_progress

if TYPE_CHECKING:
    from ..formats.portfolio import EARLIEST as EARLIEST
    from ..formats.portfolio import FORMAT as FORMAT
    from ..formats.portfolio import MAX_BYTES as MAX_BYTES
    from ..formats.portfolio import export_portfolio as export_portfolio
    from ..formats.portfolio import import_portfolio as import_portfolio

#: The file format lives in ``formats.portfolio``; these names are re-exported for callers, and imported on first
#: use: every course page imports this module, and only the start page shows the exercise.
_FORMAT_NAMES = ("EARLIEST", "FORMAT", "MAX_BYTES", "export_portfolio", "import_portfolio")


def __getattr__(name: str) -> Any:
    if name in _FORMAT_NAMES:
        from ..formats import portfolio as file_format

        return getattr(file_format, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Portfolio(Component):
    """Download everything; upload it again on another machine or a new Binder session."""

    def __init__(self, *, session: _session.Session | None = None) -> None:
        from ..formats.portfolio import MAX_BYTES

        super().__init__(session)
        self.export_button = make(w.Button, description="Download my work", button_style="primary")
        self.download = make(w.HTML)
        self.upload = upload_control("Restore my work", ".json", max_bytes=MAX_BYTES)
        self.erase_confirm = make(w.Checkbox,
                                  description="I have downloaded my work: erase it from this server for good",
                                  indent=False, layout=layout(width="auto"))
        self.erase_button = make(w.Button, description="Erase my work", button_style="danger",
                                 tooltip="Deletes everything you saved here; it can't be undone")
        self.erase_box = make(w.Accordion, children=[make(w.VBox, [
            make(w.HTML, "<p>Everything you saved in this course on this server (answers and their versions, ratings, "
                         "network, feeds, bookmarks, backchannel posts) is deleted from its data file. Download it "
                         "first if you want to keep it.</p>"),
            self.erase_confirm, self.erase_button])], titles=("Erase my work from this server",), selected_index=None)
        self.widget.children = [make(w.HBox, [self.export_button, self.upload], layout=layout(flex_flow="row wrap")),
                                self.download, self.status.widget, self.erase_box]
        self.export_button.on_click(lambda _b: self.export())
        self.erase_button.on_click(lambda _b: self.erase())
        on_upload(self.upload, self.restore, max_bytes=MAX_BYTES)

    def export(self) -> bytes:
        data = b""

        @guard(self.status, doing="prepare your download")
        def run() -> None:
            nonlocal data
            from ..formats.portfolio import export_portfolio

            data = export_portfolio(self._sess())
            self.download.value = download_link("my-pln-course-work.json", "application/json", data, auto=True)
            self.status.ok("Your work is ready to download. Keep the file somewhere safe.")

        run()
        return data

    def restore(self, upload: Any) -> None:
        @guard(self.status, doing="restore that file", kept="Nothing was restored; your work here is unchanged.")
        def run() -> None:
            from ..formats.portfolio import MAX_BYTES, import_portfolio

            data = upload_bytes(upload, MAX_BYTES)
            restored = import_portfolio(data, self._sess())
            refresh_progress()
            self.status.ok(restored + " Your progress above is up to date; reload this page to see the restored "
                           "answers on it (other pages show them as you open them).")

        run()


    def erase(self) -> None:
        """Delete everything this learner stored, after they confirmed (their workshop link stops working)."""

        @guard(self.status, doing="erase your work")
        def run() -> None:
            if self.erase_confirm.value is not True:
                raise InputError("Tick the box first to confirm: erasing can't be undone.")
            sess = self._sess()
            sess.store.erase_learner(sess.learner.id)
            self.erase_confirm.value = False
            self.erase_button.disabled = True
            self.status.ok("Your work has been erased from this server. Close this page; nothing of yours is "
                           "kept here now.")

        run()


def portfolio(**kwargs: Any) -> Portfolio:
    """The start page's "take your work with you" tool."""
    return Portfolio(**kwargs)
