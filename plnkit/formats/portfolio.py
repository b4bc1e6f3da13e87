"""The learner's portfolio file: everything they saved, exported as JSON, and restored on another machine or in a
new Binder session.

Restoring never overwrites: answers are restored only for exercises with nothing saved yet (with their
original dates and every earlier version), network events, subscriptions and bookmarks are merged without
duplicates, and progress only moves forward. Every value is checked by the rule its entry point uses
(answers by their exercise's rule, network changes by the network's, feed addresses by
:func:`plnkit.rules.urls.feed_address` like the feed box and OPML import, bookmarks by
:func:`plnkit.formats.bookmarks.bookmark_from_file` like a bookmark file import), so what any entry point
accepted restores.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from typing import Any

from ..errors import FeedError, InputError
from ..records import SubscriptionRow
from ..rules.dates import EARLIEST as DATES_EARLIEST
from ..rules.dates import parse_date
from ..rules.text import plural
from ..rules.urls import ALLOW_ENV, exemptions, feed_address, same_address_key, web_address_or_none
from ..services import session as _session
from .text import decode

__all__ = ["EARLIEST", "FORMAT", "MAX_BYTES", "export_portfolio", "import_portfolio"]


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
        "progress": dict(store.progress(me)),
        "network_events": [{"at": e.at.isoformat(), "action": e.action, "node_key": e.node_key, "data": e.data}
                           for e in store.network_events(me)],
        "subscriptions": [{"url": s.url, "title": s.title, "folder": s.folder, "html_url": s.html_url,
                           "added_at": s.added_at.isoformat()} for s in store.subscriptions(me)],
        "bookmarks": [{"url": b.url, "title": b.title, "tags": list(b.tags), "note": b.note, "folder": b.folder,
                       "private": b.private, "added_at": b.added_at.isoformat()} for b in store.bookmarks(me)],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


#: Answers are dated by the course itself, so can't be older than the course. Every other date (network changes,
#: which a network file import may date back to its spreadsheet, subscriptions, bookmarks) is checked by
#: :func:`plnkit.rules.dates.parse_date` as on import, so whatever an import accepted restores.
EARLIEST = datetime(2010, 1, 1, tzinfo=timezone.utc)


def _when(value: object, earliest: datetime = DATES_EARLIEST) -> datetime:
    """A date the portfolio must have (a damaged or impossible one restores nothing); a little ahead is now."""
    moment = parse_date(value) if isinstance(value, str) else None
    if moment is None or moment < earliest:
        shown = str(value)[:40] if isinstance(value, (str, int, float)) else "missing"
        raise InputError(f"That portfolio has a damaged or impossible date ({shown}), so nothing was restored.")
    return moment


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
    from ..rules.answers import RULES, check_answer
    from ..rules.network import check_event
    from .bookmarks import bookmark_from_file

    if len(data) > MAX_BYTES:
        raise InputError(f"That file is larger than {MAX_BYTES // (1024 * 1024)} MB, so nothing was restored.")
    try:
        doc = json.loads(decode(bytes(data)).text)  # a BOM or UTF-16 from a text editor is fine
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError("That file is not a course portfolio (it is damaged, or another kind of file), so "
                         "nothing was restored. Choose the my-pln-course-work file the course saved.") from exc
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
            answers.append((key, value, _when(a.get("saved_at"), EARLIEST)))
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
    subs, refused = _subscriptions(_list(doc, "subscriptions"))
    have = {b.url for b in store.bookmarks(me)}
    marks = []
    for b in _list(doc, "bookmarks"):
        try:
            mark = bookmark_from_file(b.get("url"), b.get("title", ""), b.get("tags", []), b.get("note", ""),
                                      b.get("folder", ""), b.get("private", True) is not False, b.get("added_at"))
        except InputError as exc:
            raise InputError(f"A bookmark in that portfolio can't be restored ({exc}), so nothing was "
                             "restored.") from exc
        if mark.url not in have:
            have.add(mark.url)
            marks.append({"url": mark.url, "title": mark.title, "tags": mark.tags, "note": mark.note,
                          "folder": mark.folder, "private": mark.private, "added_at": mark.added_at})
    progress = doc.get("progress", {})
    slugs = {m.slug for m in MODULES}
    if not isinstance(progress, dict) or not all(k in slugs and v in ("started", "done") for k, v in progress.items()):
        raise InputError("That portfolio's progress is damaged, so nothing was restored.")
    answer_keys = {a.get("key") for a in _list(doc, "answers") if isinstance(a.get("key"), str)}
    skipped = len(answer_keys & existing)
    had = store.progress(me)
    done = sum(status == "done" and had.get(module) != "done" for module, status in progress.items())
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
    if done:
        text += f" Your progress came back too: {plural(done, 'module')} complete."
    if skipped:
        text += f" Already done here, so left as they are: {plural(skipped, 'exercise')}."
    if unknown:
        text += f" Left out, as this course has no such exercise: {plural(len(unknown), 'answer')}."
    if refused:
        text += f" Left out, as the course won't fetch their addresses: {plural(refused, 'feed')}."
    return text


def _subscriptions(items: list[dict[str, Any]]) -> tuple[list[SubscriptionRow], int]:
    """Subscriptions checked as the feed box and OPML import check them (their dates as every import reads dates:
    unknown is dated now), and how many were refused."""
    allowed = exemptions(None, os.environ.get(ALLOW_ENV))
    found: dict[str, SubscriptionRow] = {}
    refused = 0
    for s in items:
        try:
            url = feed_address(s.get("url"), allowed)
        except FeedError:
            refused += 1
            continue
        found.setdefault(same_address_key(url), (url, " ".join(_text(s.get("title")).split()),
                                                _text(s.get("folder")), web_address_or_none(s.get("html_url")),
                                                parse_date(s.get("added_at"))))
    return list(found.values()), refused
