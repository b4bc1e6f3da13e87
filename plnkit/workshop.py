"""Workshop mode: many participants on one server, each with a personal link that keeps their work apart.

``plnkit serve --workshop`` turns it on. A participant joins on the start page with their name and gets a
personal link holding a secret token; every course link carries it, and the store keeps each participant's
work under a hash of their token (see :mod:`plnkit.session`). Outside workshop mode this shows nothing.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from . import session as _session
from ._ui import Component, esc, guard
from .content import MODULES, START
from .errors import InputError, PlnkitError

MAX_NAME = 60


class Join(Component):
    """Join the workshop (name → personal link), or a welcome back for a participant who has one."""

    def __init__(self) -> None:
        super().__init__(None, "plnkit-join")
        self.name = w.Text(description="Your name", placeholder="As others in the room know you",
                           style={"description_width": "initial"})
        self.join_button = w.Button(description="Join the workshop", button_style="primary")
        self.link = w.HTML()
        if not _session.workshop_mode():
            self.widget.layout.display = "none"
            return
        try:
            sess = _session.current()
        except PlnkitError:
            sess = None
        if sess is not None and _session.is_facilitator(sess):
            self.widget.children = [w.HTML("<p>Welcome, <strong>facilitator</strong>. In the backchannel you can "
                                           "delete any post (it stays in the record).</p>")]
            return
        if sess is not None:
            name = sess.learner.name or "participant"
            self.widget.children = [w.HTML(f"<p>Welcome, <strong>{esc(name)}</strong>. This page's address is your "
                                           "personal link: bookmark it to come back to your work.</p>")]
            return
        self.widget.children = [
            w.HTML("<p>This course is running as a workshop. Join with your name to get your own personal "
                   "link: it keeps your work private to you. Bookmark it, and use it to come back.</p>"),
            w.HBox([self.name, self.join_button, self.status.widget], layout=w.Layout(align_items="center")),
            self.link,
        ]
        self.join_button.on_click(lambda _b: self.join())
        self.name.on_submit(lambda _t: self.join())

    def join(self) -> str | None:
        """Create a participant and show their personal link; returns the token."""
        token: str | None = None

        @guard(self.status, doing="let you join")
        def run() -> None:
            nonlocal token
            name = " ".join(self.name.value.split()) if isinstance(self.name.value, str) else ""
            if not name or len(name) > MAX_NAME:
                raise InputError(f"Type your name (up to {MAX_NAME} characters) to join.")
            from .store import Store

            token = _session.new_token()
            with Store.open_default() as store:
                store.learner(_session.token_key(token), name)
            q = f"?{_session.TOKEN_PARAM}={token}"
            self.link.value = (f'<div class="plnkit-summary" role="status"><p>Welcome, {esc(name)}! Your '
                               f'personal link is <a href="{START.notebook}{q}">this page</a>: bookmark it now, '
                               f"it is the only way back to your work.</p><p><strong><a href=\"{MODULES[0].notebook}"
                               f'{q}">Start the course: {esc(MODULES[0].title)} →</a></strong></p></div>')
            self.join_button.disabled = True
            self.status.ok("Joined.")

        run()
        return token


def join(**kwargs: Any) -> Join:
    """The start page's workshop join form (shows nothing outside workshop mode)."""
    return Join(**kwargs)
