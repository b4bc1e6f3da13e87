"""A live backchannel shared by everyone using the same course server.

Posts are stored in the shared database; each open page polls it from a background thread that only changes
widget values (never prints), so a post appears on the other pages within a couple of seconds. Posts are
rendered as text: HTML is escaped and only http(s) links become clickable. Deleting a post removes it from
the stream but keeps it, with the deletion time, in the record: "everything is recorded (even when deleted)".
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from typing import Any

import ipywidgets as w

from ..content import BACKCHANNEL_NORMS, BACKCHANNEL_PURPOSE
from ..errors import InputError
from ..records import Fingerprint, Post
from ..rules.posts import FACILITATOR, MAX_AUTHOR, MAX_POST, check_post
from ..services import session as _session
from ..services._kernel import every_on_main
from ._ui import Component, clock, esc, guard, layout, make, mark_saved

__all__ = ["FACILITATOR", "MAX_AUTHOR", "MAX_POST", "Backchannel", "backchannel", "check_post", "linkify",
           "post_html", "record", "stream_html"]

ROOM = "course"
MAX_PER_MINUTE = 5
#: The whole room's posts per minute, at most (25 people each posting every 12 s stays under it).
MAX_ROOM_PER_MINUTE = 120
MIN_GAP_SECONDS = 3.0
POLL_SECONDS = 1.5
#: Live updates pause after this long without anything done on the page. Voila can't tell when a tab has
#: closed (its shutdown request fails: voila issue #1458), and a kernel whose widgets keep changing never
#: looks idle, so without this pause every abandoned page would stay alive as long as the room keeps posting.
LIVE_SECONDS = 30 * 60
SHOWN = 60
_URL = re.compile(r"https?://[^\s<>\"']+", re.I)
_TRAILING = ".,;:!?)]}'\""


def linkify(text: str) -> str:
    """Escape a post for HTML and make http(s) addresses clickable (nothing else)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        out.append(esc(text[last:match.start()]))
        out.append(f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">{esc(url)}</a>')
        last = end
    out.append(esc(text[last:]))
    return "".join(out).replace("\n", "<br>")


def post_html(post: Post) -> str:
    """One post as safe HTML (the facilitator's posts carry a badge)."""
    badge = ' <span class="plnkit-badge">facilitator</span>' if post.author == FACILITATOR else ""
    return (f'<article class="plnkit-post" data-post="{post.id}"><p class="plnkit-post-meta"><strong>'
            f"{esc(post.author)}</strong>{badge} · {clock(post.created_at)}</p>"
            f'<p class="plnkit-post-body">{linkify(post.body)}</p></article>')


def stream_html(posts: list[Post], viewer: int | None = None) -> str:
    """The stream, newest first, as ``viewer`` (a learner id) sees it: posts hidden or deleted are left out, but
    for the viewer's own post that the facilitator hid, a note in its place (only its author sees it), so it
    doesn't vanish without a word."""
    shown = [post_html(p) if p.deleted_at is None else
             f'<article class="plnkit-post plnkit-post-hidden" data-post="{p.id}"><p class="plnkit-post-meta">'
             f"{clock(p.created_at)} · Your post was hidden by the facilitator (only you see this note).</p></article>"
             for p in reversed(posts)
             if p.deleted_at is None or (p.learner_id == viewer and p.deleted_by not in (None, viewer))]
    return "".join(shown) or '<p class="plnkit-empty">No posts yet. Start the conversation!</p>'


def record(store: Any, room: str = ROOM) -> list[Post]:
    """Every post in a room, deleted ones included (with their deletion time): the facilitator's record."""
    return list(store.posts(room, limit=1_000_000, include_deleted=True))


_live: weakref.WeakSet[Backchannel] = weakref.WeakSet()


class Backchannel(Component):
    """The backchannel exercise: the norms, a name, a post box, the live stream, and deleting one's own posts."""

    def __init__(self, room: str = ROOM, *, poll_seconds: float = POLL_SECONDS, live_seconds: float = LIVE_SECONDS,
                 session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-backchannel")
        self.room = room
        norms = "".join(f"<li><strong>{esc(n)}</strong></li>" for n in BACKCHANNEL_NORMS)
        self.norms = make(w.HTML, f'<div class="plnkit-norms"><p>Before you post, the three norms:</p>'
                                  f"<ul>{norms}</ul><p>{esc(BACKCHANNEL_PURPOSE)}</p></div>")
        self.author = make(w.Text, description="Your name", placeholder="How others will see you", style={
            "description_width": "initial"})
        self.body = make(w.Textarea, description="Your post", placeholder="Share an idea, a link or a question",
                         layout=layout(width="100%", height="5em"), style={"description_width": "initial"})
        self._draft(self.body, "backchannel/post", by_button=True)
        mark_saved(self.body, "")
        self.post_button = make(w.Button, description="Post", button_style="primary")
        self.stream = make(w.HTML, classes=("plnkit-stream",))
        self.mine = make(w.Dropdown, description="Delete one of my posts", options=[], value=None,
                         style={"description_width": "initial"})
        self.delete_button = make(w.Button, description="Delete post")
        self.resume_button = make(w.Button, description="Resume live updates", layout=w.Layout(display="none"))
        self.widget.children = [self.norms, self.author, self.body,
                                make(w.HBox, [self.post_button, self.status.widget],
                                     layout=layout(align_items="center")),
                                self.resume_button,
                                self.stream, make(w.HBox, [self.mine, self.delete_button],
                                                  layout=layout(flex_flow="row wrap"))]
        self.post_button.on_click(lambda _b: self.post())
        self.delete_button.on_click(lambda _b: self.delete())
        self.resume_button.on_click(lambda _b: self.resume())
        self.body.observe(lambda _c: self._touch(), names="value")
        self._seen: Fingerprint | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._every, self._live_seconds = poll_seconds, live_seconds
        self._touched = time.monotonic()
        self._thread = threading.Thread(target=lambda: None)  # started once loaded

    loading = "show the backchannel"

    def load(self) -> None:
        """Fill in the name, show the stream, then start live updates (the quiet-spell clock starts now: a
        preheated page may have been built long before its visitor came)."""
        _live.add(self)
        fixed = self._workshop_name()
        saved = self._load_answer("backchannel/name")
        if fixed:  # in a workshop everyone posts as who they joined as
            self.author.value, self.author.disabled = fixed, True
            if self._sess().store.is_muted(self._sess().learner):
                self.status.info("The facilitator has paused your posting for this session; you can still "
                                 "read the backchannel.")
        elif saved:
            self.author.value = saved
        elif self._sess().learner.name:
            self.author.value = self._sess().learner.name
        self.refresh()
        self._touch()
        self._start()

    def _workshop_name(self) -> str | None:
        """In a room, the name this participant joined as (numbered at joining if taken) or their hub user name,
        else None."""
        sess = self._sess()
        if not _session.in_room(sess):
            return None
        return FACILITATOR if _session.is_facilitator(sess) else (sess.learner.name or "Participant")

    def _start(self) -> None:  # on the kernel's main thread (loading, or the Resume button)
        self._stop = threading.Event()
        self._thread = every_on_main(self._every, self._tick, self._stop, "plnkit-backchannel")

    def _touch(self) -> None:
        self._touched = time.monotonic()

    def close(self) -> None:
        """Stop the background refresh."""
        self._stop.set()

    def resume(self) -> None:
        """Catch up and restart live updates after a pause."""
        self._touch()
        self.resume_button.layout.display = "none"
        self.refresh(force=True)
        self.status.info("Live updates are on.")
        if not self._thread.is_alive():
            self._start()

    def _tick(self) -> bool:
        """Show new posts; False (and the Resume button) once the page has been quiet too long."""
        if time.monotonic() - self._touched > self._live_seconds:
            self.status.info("Live updates paused after a quiet spell. Press Resume to catch up.")
            self.resume_button.layout.display = "flex"
            return False
        guard(None, doing="show new posts")(self.refresh)()  # a locked or vanished database: next tick
        return True

    def refresh(self, force: bool = False) -> bool:
        """Re-render the stream if anything changed (a new post or a deletion); True when it did."""
        with self._lock:
            store = self._sess().store
            version = store.backchannel_version(self.room)
            if version == self._seen and not force:
                return False
            me = self._sess().learner.id
            everything = store.posts(self.room, limit=SHOWN, include_deleted=True)
            self.stream.value = stream_html(everything, me)
            posts = [p for p in everything if p.deleted_at is None]
            moderator = _session.is_facilitator(self._sess())
            own = [(f"{clock(p.created_at)} · {p.author[:20] + ': ' if moderator else ''}{p.body[:40]}", p.id)
                   for p in reversed(posts) if moderator or p.learner_id == me]
            # The facilitator hides a post (the record keeps it, marked as hidden by them), as on their own page.
            self.mine.description = "Hide a post (facilitator)" if moderator else "Delete one of my posts"
            self.delete_button.description = "Hide post" if moderator else "Delete post"
            self.mine.options = own
            self.mine.value = None
            self._seen = version
            return True

    def post(self) -> None:
        @guard(self.status, doing="post that")
        def run() -> None:
            sess = self._sess()
            fixed = self._workshop_name()
            author, body = check_post(fixed or self.author.value, self.body.value,
                                      facilitator=_session.is_facilitator(sess))
            stored = sess.store.add_post(sess.learner, self.room, author, body, max_per_minute=MAX_PER_MINUTE,
                                         min_gap=MIN_GAP_SECONDS, max_room_per_minute=MAX_ROOM_PER_MINUTE)
            if stored is None:
                raise InputError(f"Slow down a little: at most {MAX_PER_MINUTE} posts a minute each, "
                                 f"{MIN_GAP_SECONDS:g} seconds apart, and the room is busy. Your text is still here.")
            if not fixed:
                self._save_answer("backchannel/name", author)
            self.body.value = ""
            mark_saved(self.body, "")
            self._touch()
            self.status.ok(f"Posted at {clock(stored.created_at)}.")
            self.refresh()

        run()

    def delete(self) -> None:
        @guard(self.status, doing="delete that post")
        def run() -> None:
            sess = self._sess()
            moderator = _session.is_facilitator(sess)
            if self.mine.value is None:
                self.status.error("Choose a post to hide first." if moderator else
                                  "Choose one of your posts to delete.")
                return
            if not sess.store.delete_post(sess.learner, int(self.mine.value), moderator=moderator):
                raise InputError("Only the person who wrote a post can delete it.")
            self.status.ok("Hidden from every stream. The record keeps it, marked as hidden by you." if moderator
                           else "Deleted from the stream. As the norms say, it stays in the record.")
            self.refresh()

        run()


def backchannel(**kwargs: Any) -> Backchannel:
    """The course's live backchannel."""
    return Backchannel(**kwargs)
