"""Workshop mode on the start page: the participant's welcome, and the facilitator's tools for the room.

``plnkit serve --workshop`` turns it on. Joining happens before any kernel starts, on the course server's own
join page (:mod:`plnkit.services.server`): by the time this page runs, the participant is known from their cookie.
Here a participant sees who they are and their personal link (to continue on another device); the
facilitator reissues a participant's link, erases a participant's work, and closes or reopens the workshop.
Outside workshop mode this shows nothing.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any
from urllib.parse import urljoin

import ipywidgets as w

from ..content import FACILITATOR_NOTEBOOK, START
from ..errors import InputError
from ..rules.names import numbered_from
from ..services import session as _session
from ..services._kernel import every_on_main
from ..services._log import in_kernel
from ._ui import Component, day_and_clock, esc, guard, keep_choice, layout, make, plural

#: The second press of "Erase the whole workshop" must come within this many seconds of the first.
ARM_SECONDS = 60.0
#: An empty "Make their personal link" this soon after adding someone is the second click of a double-click.
DOUBLE_CLICK_SECONDS = 2.0
#: On the start page, the facilitator's list of participants is read again this often (who joined, who arrived,
#: and whether the workshop was closed in another tab). The facilitator's page refreshes it with the room.
WATCH_SECONDS = 5.0


def personal_link(token: str) -> str:
    """The participant's personal link: the start page's full address with their token.

    Built from the address this page was requested at (Voila gives it to the kernel as ``VOILA_REQUEST_URL``),
    so it can be copied as text to another device; relative when that is unknown.
    """
    relative = f"{START.notebook}?{_session.TOKEN_PARAM}={token}"
    page = os.environ.get("VOILA_REQUEST_URL", "")
    return urljoin(page, relative) if page.startswith(("http://", "https://")) else relative


class Join(Component):
    """The start page's workshop panel: a welcome for a participant, the room's tools for the facilitator."""

    def __init__(self, *, session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-join")
        self.tools: FacilitatorTools | None = None
        if not _session.workshop_mode() and not _session.hub_facilitator():
            self.widget.layout = w.Layout(display="none")  # its own: the box's default layout is shared

    def _warn(self, text: str) -> None:
        self.widget.children = [make(w.HTML, f'<p class="plnkit-warning" role="note">{esc(text)}</p>')]

    def load(self) -> None:
        """Welcome the participant who opened the page (or give the facilitator their tools); under JupyterHub,
        show a facilitator the way to the facilitator's page."""
        if _session.hub_facilitator():
            self.widget.children = [make(w.HTML, f"<p>Welcome, <strong>{esc(_session.hub_user())}</strong>: you are "
                                                 "a facilitator of this course. In the backchannel you can delete "
                                                 f'any post (it stays in the record). <a href="{FACILITATOR_NOTEBOOK}"'
                                                 ' target="_blank">Open the facilitator\'s page</a> to see who is '
                                                 "here, the room's answers and shared reflections (safe to "
                                                 "project).</p>")]
            return
        if not _session.workshop_mode():
            return
        sess = guard(None, doing="find your work", kept="Open your own link again.", say=self._warn)(self._sess)()
        if sess is None:
            return
        if _session.is_facilitator(sess):
            self.tools = FacilitatorTools(sess, watch_seconds=WATCH_SECONDS if in_kernel() else None)
            self.widget.children = [self.tools.widget]
            return
        name = sess.learner.name or "participant"
        link = personal_link(sess.token or "")
        base = os.environ.get("VOILA_BASE_URL", "/")
        first = numbered_from(name, [p.name for p in sess.store.participants() if p.id != sess.learner.id])
        namesake = (f"<p>Someone had already joined as <strong>{esc(first)}</strong>, so the room knows you as "
                    f"<strong>{esc(name)}</strong>. If that was you, on another device or before this browser "
                    "forgot you, ask your facilitator for your personal link: it brings back that work.</p>"
                    if first else "")
        self.widget.children = [make(
            w.HTML,
            f"<p>Welcome, <strong>{esc(name)}</strong>. This browser keeps you signed in to your own work.</p>"
            f"{namesake}"
            "<details><summary>Continue on another device</summary><p>Open your personal link there. Keep it to "
            "yourself: anyone with it can open your work.</p>"
            f'<p><a href="{esc(link)}">{esc(link)}</a></p></details>'
            f'<form class="plnkit-signout" method="post" action="{esc(base)}plnkit/signout">'
            '<input type="hidden" name="_xsrf" value=""><button type="submit">Sign out of this browser</button> '
            "<small>(on a shared computer: your work stays; your personal link brings you back)</small></form>")]


class FacilitatorTools(Component):
    """Reissue a participant's link, erase their work, close or reopen the workshop (each but reopening with a
    confirmation).

    With ``watch_seconds`` (the start page's), it reads the participants again that often on a background thread,
    keeping the one chosen: someone who joins after the page opened can be chosen without a reload. Without it
    (the facilitator's page), whoever shows it calls :meth:`refresh`.
    """

    def __init__(self, session: _session.Session, *, intro: bool = True, watch_seconds: float | None = None) -> None:
        super().__init__(session, "plnkit-facilitator")
        self._watch_seconds = watch_seconds
        self._stop = threading.Event()
        self._watching = threading.Thread(target=lambda: None)  # started once loaded
        self.people = make(w.Dropdown, description="Participant", options=[], value=None,
                           style={"description_width": "initial"},
                           layout=layout(width="auto", max_width="100%"))
        self.reissue_button = make(w.Button, description="Reissue their link",
                                   tooltip="Their old link stops working; give them the new one")
        self.new_name = make(w.Text, description="New participant's name", placeholder="e.g. Ana Lopez",
                             style={"description_width": "initial"})
        self.add_button = make(w.Button, description="Make their personal link",
                               tooltip="Add a participant before they arrive; give them their link privately")
        self.confirm = make(w.Checkbox, description="Yes, I have exported what I need: erase for good (their posts "
                            "leave the backchannel record too)", indent=False,
                            layout=layout(width="auto", max_width="100%"), classes=("plnkit-wrap",))
        self.erase_button = make(w.Button, description="Erase their work", button_style="danger")
        self.erase_all_button = make(w.Button, description="Erase the whole workshop", button_style="danger")
        self.close_button = make(w.Button, description="")
        self.result = make(w.HTML)
        welcome = make(w.HTML, "<p>Welcome, <strong>facilitator</strong>. In the backchannel you can hide any post "
                               "from every stream (the record keeps it). Here you manage the room; "
                               f'<a href="{FACILITATOR_NOTEBOOK}{esc(_session.link_suffix(session))}" '
                               "target=\"_blank\">open the facilitator's page</a> to see who is here, the room's "
                               "answers and shared reflections (safe to project).</p>")
        self.widget.children = [
            *([welcome] if intro else []),
            make(w.HTML, "<p><strong>Add a participant ahead of time</strong> (for links sent by email before the "
                         "session; anyone with the course address can also join by name):</p>"),
            make(w.HBox, [self.new_name, self.add_button], layout=layout(flex_flow="row wrap")),
            make(w.HBox, [self.people, self.reissue_button], layout=layout(flex_flow="row wrap")),
            self.confirm, make(w.HBox, [self.erase_button, self.erase_all_button, self.close_button],
                               layout=layout(flex_flow="row wrap")),
            self.status.widget, self.result]
        self._armed = 0.0  # when "Erase the whole workshop" was first pressed (it must be pressed twice)
        self._close_armed = -ARM_SECONDS  # when "Close the workshop" was first pressed (likewise)
        self._added_at = -DOUBLE_CLICK_SECONDS  # when the last participant was added (time.monotonic())
        self.reissue_button.on_click(lambda _b: self.reissue())
        self.add_button.on_click(lambda _b: self.add_participant())
        self.new_name.on_submit(lambda _t: self.add_participant())
        self.erase_button.on_click(lambda _b: self.erase())
        self.erase_all_button.on_click(lambda _b: self.erase_all())
        self.close_button.on_click(lambda _b: self.toggle_closed())

    loading = "list the participants"

    def load(self) -> None:
        self.refresh()
        if self._watch_seconds and not self._watching.is_alive():
            # A locked database, a closed link: tried again next time.
            self._watching = every_on_main(self._watch_seconds, guard(None, doing=self.loading)(self.refresh),
                                           self._stop, "plnkit-participants")

    def close(self) -> None:
        """Stop reading the participants again (the page is going)."""
        self._stop.set()

    def refresh(self) -> None:
        """Read the participants (the chosen one stays chosen while still there) and whether the workshop is
        closed."""
        store = self._sess().store
        people = store.participants()
        mine = self._sess().learner.id
        keep_choice(self.people, [(f"{p.name} (joined {day_and_clock(p.joined_at)})" if p.arrived else
                                   f"{p.name} (added {day_and_clock(p.joined_at)}, not here yet)", p.id)
                                  for p in people if p.id != mine])
        closed = store.workshop_closed()
        self.close_button.description = ("Reopen the workshop" if closed else "Yes, close the workshop"
                                         if self._closing_armed() else "Close the workshop")
        self.close_button.tooltip = ("Participant links work again" if closed else
                                     "Every participant link stops working; all work stays in the file")

    def _chosen(self) -> int:
        if not isinstance(self.people.value, int):
            raise InputError("Choose a participant first.")
        return self.people.value

    def _chosen_name(self) -> str:
        """The chosen participant's name, as the room sees it (the list's label without its date)."""
        label = self.people.label or ""
        return label.rsplit(" (", 1)[0] or "that participant"  # the name may hold "(2)": the date is last

    def reissue(self) -> str | None:
        token: str | None = None

        @guard(self.status, doing="reissue that link")
        def run() -> None:
            nonlocal token
            self.result.value = ""  # a link shown before belongs to someone else
            learner_id = self._chosen()
            name = self._chosen_name()
            token = _session.new_token()
            if not self._sess().store.reissue(learner_id, _session.token_key(token)):
                raise InputError("That participant is no longer in this workshop.")
            self._show_link(token, f"Show {name}'s new personal link", "continue where they were")
            self.status.ok(f"Link reissued for {name}: their old link no longer works.")

        run()
        return token

    def add_participant(self) -> str | None:
        """Make a participant named as typed (numbered if the name is taken, as when joining) and show their
        personal link, folded; returns their token (``None`` when refused: the message says why)."""
        token: str | None = None

        @guard(self.status, doing="add that participant")
        def run() -> None:
            nonlocal token
            typed = self.new_name.value
            if not typed.strip() and time.monotonic() - self._added_at < DOUBLE_CLICK_SECONDS:
                return  # the second click of a double-click: the first one added them, and says so
            self.result.value = ""  # a link shown before belongs to someone else
            if not typed.strip():
                raise InputError("Type the participant's name first.")
            store = self._sess().store
            made = _session.join_participant(store, typed, whose="their")
            learner = store.active_learner(_session.token_key(made))
            name = learner.name if learner is not None else typed.strip()
            token = made
            self.new_name.value = ""
            self._added_at = time.monotonic()
            self.refresh()
            self._show_link(made, f"Show {name}'s personal link", "start the course")
            namesake = (f" There was already someone called {' '.join(typed.split())}: the room sees this one as "
                        f"{name}." if name != " ".join(typed.split()) else "")
            self.status.ok(f"Added {name}. Their link works until you reissue it or close the workshop.{namesake}")

        run()
        return token

    def _show_link(self, token: str, summary: str, then: str) -> None:
        """A participant's personal link, folded until asked for: this part is on the facilitator's page, which
        may be on the projector, and whoever reads the link can open that participant's work. On a line of its
        own, so a copied link doesn't take a sentence's full stop with it."""
        link = personal_link(token)
        self.result.value = (f'<details class="plnkit-secret"><summary>{esc(summary)} (not on the projector: '
                             "anyone who sees it can open their work)</summary>"
                             f'<p class="plnkit-link-line"><a href="{esc(link)}">{esc(link)}</a></p>'
                             f"<p>Give it to them privately, by chat or email; they open it in their browser to "
                             f"{esc(then)}. It is shown only here, only now (the course keeps no copy it could "
                             "show again): if it is lost, “Reissue their link” makes a new one.</p></details>")

    def _confirmed(self) -> None:
        if self.confirm.value is not True:
            raise InputError("Tick the box to confirm first: erasing can't be undone.")

    def erase(self) -> None:
        @guard(self.status, doing="erase that work")
        def run() -> None:
            learner_id = self._chosen()
            self._confirmed()
            name = self._chosen_name()
            self.result.value = ""
            self._sess().store.erase_learner(learner_id)
            self.confirm.value = False
            self.refresh()
            self.status.ok(f"Erased {name}: their work and their backchannel posts (in the record too) are gone "
                           "from the data file.")

        run()

    def erase_all(self) -> None:
        """Erase every participant's work: needs the tick and a second press within a minute, naming the count."""

        @guard(self.status, doing="erase the workshop")
        def run() -> None:
            self._confirmed()
            store, me = self._sess().store, self._sess().learner.id
            count = len([p for p in store.participants() if p.id != me])
            if time.monotonic() - self._armed > ARM_SECONDS:
                self._armed = time.monotonic()
                self.status.error(f"This erases {plural(count, 'participant')} and all their work, for good. Press "
                                  "“Erase the whole workshop” again within a minute to go ahead.")
                return
            self._armed = 0.0
            erased = store.erase_workshop_except(me)
            self.confirm.value = False
            self.refresh()
            self.status.ok(f"Erased {plural(erased, 'participant')} and all their work from the data file.")

        run()

    def _closing_armed(self) -> bool:
        return time.monotonic() - self._close_armed <= ARM_SECONDS

    def toggle_closed(self) -> None:
        """Close the workshop (a second press within :data:`ARM_SECONDS`: it locks the whole room out at once),
        or reopen it (at once)."""

        @guard(self.status, doing="change the workshop")
        def run() -> None:
            store = self._sess().store
            closing = not store.workshop_closed()
            if closing and not self._closing_armed():
                self._close_armed = time.monotonic()
                self.refresh()
                here = len([p for p in store.participants() if p.id != self._sess().learner.id])
                self.status.error(f"Closing stops the personal link of {plural(here, 'participant')} at once: "
                                  "their pages stop saving until you reopen it (their work stays). Press "
                                  "“Yes, close the workshop” within a minute to go ahead.")
                return
            self._close_armed = -ARM_SECONDS
            store.set_workshop_closed(closing)
            self.refresh()
            self.status.ok("Workshop closed: participant links no longer open it. Their work stays." if closing
                           else "Workshop reopened: participant links work again.")

        run()


def join(**kwargs: Any) -> Join:
    """The start page's workshop panel (shows nothing outside workshop mode)."""
    return Join(**kwargs)
