"""The learner's whole record in one file: export it, and restore it on another machine or a new Binder session.

Restoring never overwrites: answers are restored only for exercises with nothing saved yet (with their
original dates and every earlier version), network events, subscriptions and bookmarks are merged without
duplicates, and progress only moves forward.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import ipywidgets as w

from ..errors import InputError
from ..services import session as _session
from ._ui import Component, download_link, guard, on_upload, plural, upload_bytes

FORMAT = "plnkit-portfolio"
#: Below the 10 MiB a page's connection carries in one message (tornado's websocket limit), so an upload of
#: any size gets a message instead of a silently dropped connection.
MAX_BYTES = 8 * 1024 * 1024


def export_portfolio(sess: _session.Session) -> bytes:
    """Everything the learner has saved, as JSON."""
    store, me = sess.store, sess.learner
    answers = []
    for key in store.latest_answers(me):
        answers += [{"key": v.key, "value": v.value, "saved_at": v.saved_at.isoformat()}
                    for v in reversed(store.answer_history(me, key))]
    doc = {
        "format": FORMAT, "version": 1, "exported_at": datetime.now(timezone.utc).isoformat(),
        "answers": answers,
        "progress": store.progress(me),
        "network_events": [{"at": e.at.isoformat(), "action": e.action, "node_key": e.node_key, "data": e.data}
                           for e in store.network_events(me)],
        "subscriptions": store.subscriptions(me),
        "bookmarks": [{"url": b.url, "title": b.title, "tags": list(b.tags), "note": b.note, "folder": b.folder,
                       "private": b.private, "added_at": b.added_at.isoformat()} for b in store.bookmarks(me)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


#: Dates a course portfolio can hold: none before the course existed, none in the future (a day's leeway).
EARLIEST = datetime(2010, 1, 1, tzinfo=timezone.utc)


def _when(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError as exc:
        raise InputError("That portfolio has a damaged date, so nothing was restored.") from exc
    if moment is None:
        raise InputError("That portfolio has a damaged date, so nothing was restored.")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    now = datetime.now(timezone.utc)
    if not EARLIEST <= moment <= now + timedelta(days=1):
        raise InputError(f"That portfolio has an impossible date ({value}), so nothing was restored.")
    return min(moment, now)  # a clock a little ahead is forgiven, but nothing restored is dated in the future


def _text(value: object, most: int = 300) -> str:
    """A short text field from a file: text is kept (cut to ``most``), anything else becomes empty."""
    return value[:most] if isinstance(value, str) else ""


def _list(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = doc.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"That portfolio's {name.replace('_', ' ')} are damaged, so nothing was restored.")
    return items


def import_portfolio(data: bytes, sess: _session.Session) -> str:
    """Restore a portfolio; returns a one-line summary.

    Every answer passes the rule of the exercise that writes it (:func:`plnkit.rules.answers.check_answer`), every
    network change the rule the course records it by, and everything is written in one transaction: a file
    with one bad value restores nothing. Answers for keys this course does not have are left out and counted.
    Raises :class:`InputError` with a learner-facing sentence.
    """
    from ..content import MODULES
    from ..formats._clean import safe_link
    from ..formats.bookmarks import check_bookmark
    from ..formats.opml import acceptable_feed_url
    from ..rules.answers import RULES, check_answer
    from ..rules.network import check_event
    from ..services._net import exemptions

    if len(data) > MAX_BYTES:
        raise InputError(f"That file is larger than {MAX_BYTES // (1024 * 1024)} MB, so nothing was restored.")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError("That file is not a course portfolio (it isn't valid JSON), so nothing was restored.") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError("That file is not a portfolio exported by this course, so nothing was restored.")
    if doc.get("version", 1) != 1:
        raise InputError("That portfolio was made by a newer version of the course, so nothing was restored. "
                         "Ask your facilitator to update the course.")
    store, me = sess.store, sess.learner
    existing = set(store.latest_answers(me))
    answers: list[tuple[str, Any, datetime]] = []
    unknown: set[str] = set()
    for a in _list(doc, "answers"):
        key = a.get("key")
        if not isinstance(key, str) or key not in RULES:
            unknown.add(str(key)[:200])
            continue
        try:
            value = check_answer(key, a.get("value"))
        except InputError as exc:
            raise InputError(f"That portfolio's answer “{key}” can't be restored ({exc}), so nothing was "
                             "restored.") from exc
        if key not in existing:
            answers.append((key, value, _when(a.get("saved_at"))))
    seen_events = {(e.at, e.action, e.node_key) for e in store.network_events(me)}
    events: list[tuple[datetime, str, str, dict[str, Any]]] = []
    for e in _list(doc, "network_events"):
        at, action, key = _when(e.get("at")), e.get("action"), e.get("node_key")
        try:
            checked = check_event(action, key, e.get("data", {}))
        except InputError as exc:
            raise InputError(f"That portfolio's network is damaged ({exc}), so nothing was restored.") from exc
        if (at, action, key) not in seen_events:
            events.append((at, str(action), str(key), checked))
    subs = [(s["url"], _text(s.get("title")), _text(s.get("folder")), safe_link(s.get("html_url")))
            for s in _list(doc, "subscriptions")
            if isinstance(s.get("url"), str) and acceptable_feed_url(s["url"], exemptions(None))]
    have = {b.url for b in store.bookmarks(me)}
    marks = []
    for b in _list(doc, "bookmarks"):
        tags = b.get("tags", [])
        try:
            checked_mark = check_bookmark(b.get("url"), b.get("title", ""),
                                          ",".join(map(str, tags)) if isinstance(tags, list) else "",
                                          b.get("note", ""), b.get("private", True) is not False)
        except InputError as exc:
            raise InputError(f"A bookmark in that portfolio can't be restored ({exc}), so nothing was "
                             "restored.") from exc
        if checked_mark.url not in have:
            have.add(checked_mark.url)
            marks.append({"url": checked_mark.url, "title": checked_mark.title, "tags": checked_mark.tags,
                          "note": checked_mark.note, "folder": _text(b.get("folder")),
                          "private": checked_mark.private, "added_at": _when(b.get("added_at"))})
    progress = doc.get("progress", {})
    slugs = {m.slug for m in MODULES}
    if not isinstance(progress, dict) or not all(k in slugs and v in ("started", "done") for k, v in progress.items()):
        raise InputError("That portfolio's progress is damaged, so nothing was restored.")
    answer_keys = {a.get("key") for a in _list(doc, "answers") if isinstance(a.get("key"), str)}
    skipped = len(answer_keys & existing)
    with store.transaction():  # all or nothing
        for key, value, saved_at in sorted(answers, key=lambda a: a[2]):
            store.save_answer(me, key, value, saved_at=saved_at)
        store.record_events(me, events)
        store.subscribe_many(me, subs)
        store.add_bookmarks(me, marks)
        for module, status in progress.items():
            store.set_progress(me, module, status)
    text = (f"Restored {plural(len({a[0] for a in answers}), 'answer')}, {plural(len(events), 'network change')}, "
            f"{plural(len(subs), 'feed')} and {plural(len(marks), 'bookmark')}.")
    if skipped:
        text += f" Already done here, so left as they are: {plural(skipped, 'exercise')}."
    if unknown:
        text += f" Left out, as this course has no such exercise: {plural(len(unknown), 'answer')}."
    return text


class Portfolio(Component):
    """Download everything; upload it again on another machine or a new Binder session."""

    def __init__(self, *, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.export_button = w.Button(description="Download my work", button_style="primary")
        self.download = w.HTML()
        self.upload = w.FileUpload(accept=".json", multiple=False, description="Restore my work",
                                   layout=w.Layout(width="auto"))
        self.erase_confirm = w.Checkbox(description="I have downloaded my work: erase it from this server for good",
                                        indent=False, layout=w.Layout(width="auto"))
        self.erase_button = w.Button(description="Erase my work", button_style="danger",
                                     tooltip="Deletes everything you saved here; it can't be undone")
        self.erase_box = w.Accordion(children=[w.VBox([
            w.HTML("<p>Everything you saved in this course on this server (answers and their versions, ratings, "
                   "network, feeds, bookmarks, backchannel posts) is deleted from its data file. Download it "
                   "first if you want to keep it.</p>"),
            self.erase_confirm, self.erase_button])])
        self.erase_box.set_title(0, "Erase my work from this server")
        self.erase_box.selected_index = None
        self.widget.children = [w.HBox([self.export_button, self.upload], layout=w.Layout(flex_flow="row wrap")),
                                self.download, self.status.widget, self.erase_box]
        self.export_button.on_click(lambda _b: self.export())
        self.erase_button.on_click(lambda _b: self.erase())
        on_upload(self.upload, self.restore, max_bytes=MAX_BYTES)

    def export(self) -> bytes:
        data = b""

        @guard(self.status, doing="prepare your download")
        def run() -> None:
            nonlocal data
            data = export_portfolio(self._sess())
            self.download.value = download_link("my-pln-course-work.json", "application/json", data, auto=True)
            self.status.ok("Your work is ready to download. Keep the file somewhere safe.")

        run()
        return data

    def restore(self, upload: Any) -> None:
        @guard(self.status, doing="restore that file", kept="Nothing was restored; your work here is unchanged.")
        def run() -> None:
            data = upload_bytes(upload, MAX_BYTES)
            self.status.ok(import_portfolio(data, self._sess()) + " Reload a page to see it.")

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
