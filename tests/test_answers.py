"""One rule per answer key: widgets save by it, restore checks by it, and a bad stored value never breaks a page."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import PROMPTS
from plnkit.errors import InputError
from plnkit.rules import network
from plnkit.rules.answers import RULES, check_answer, stored_answer
from plnkit.services.session import Session
from plnkit.services.store import Store
from plnkit.widgets.backchannel import Backchannel
from plnkit.widgets.exercises import BalancePlanner, BenefitRating, FirstSteps, StageFinder
from plnkit.widgets.mynetwork import MyNetwork
from plnkit.widgets.portfolio import MAX_BYTES, Portfolio, import_portfolio
from plnkit.widgets.reflection import MAX_CHARS, Reflection
from plnkit.widgets.toolbox import Communities, IdentityCheck

RATINGS = {"aware": 3, "connected": 2, "empowered": 4, "model": 5, "confident": 1, "community": 3, "learner": 2}

#: A value each exercise really saves, and a wrong-typed one for the same key.
GOOD_AND_BAD: dict[str, tuple[Any, Any]] = {
    "why-pln/benefit-ratings": (RATINGS, {**RATINGS, "confident": [1]}),
    "why-pln/grow-first": ("learner", ["learner"]),
    "stages/finder": ({"agreement": {}, "hours": 2.5, "spaces": 3}, {"agreement": {}, "hours": "ten", "spaces": 3}),
    "stages/confirmed": ({"stage": "immersion", "estimated": None}, {"stage": 4}),
    "stages/balance-plan": ({"minutes": [["Mastodon", 60]], "late_night": False, "boundary": "No phone at dinner"},
                            {"minutes": [["Mastodon", [60]]], "late_night": False, "boundary": ""}),
    "stages/first-steps": ([], "all of them"),
    "tools/identity": ([["Mastodon", "@ms_rivera"]], [["Mastodon", 7]]),
    "tools/communities": ({}, {"blogs:WordPress": 1}),
    "backchannel/name": ("Ms Rivera", 42),
}


def test_every_key_the_course_saves_has_a_rule() -> None:
    assert set(PROMPTS) | set(GOOD_AND_BAD) == set(RULES)


def test_the_benefit_keys_in_this_test_are_the_course_s_own() -> None:
    from plnkit.content import BENEFITS

    assert set(RATINGS) == {b.key for b in BENEFITS}


@pytest.mark.parametrize("key", sorted(GOOD_AND_BAD))
def test_each_rule_accepts_what_its_exercise_saves_and_refuses_a_wrong_type(key: str) -> None:
    good, bad = GOOD_AND_BAD[key]
    assert check_answer(key, good) == good
    with pytest.raises(InputError):
        check_answer(key, bad)
    assert stored_answer(key, bad) is None


def test_reflections_are_text_within_the_limit() -> None:
    assert check_answer("why-pln/what", "Blogs") == "Blogs"
    for bad in (42, ["Blogs"], {"text": "Blogs"}, "x" * (MAX_CHARS + 1)):
        with pytest.raises(InputError):
            check_answer("why-pln/what", bad)
    with pytest.raises(InputError, match="no exercise"):
        check_answer("made-up/key", "text")


def portfolio(**parts: Any) -> bytes:
    return json.dumps({"format": "plnkit-portfolio", **parts}).encode()


def answer(key: str, value: Any) -> dict[str, Any]:
    return {"key": key, "value": value, "saved_at": "2026-11-01T10:00:00+00:00"}


def fresh(tmp_path: Path) -> Session:
    s = Store(tmp_path / "plnkit.sqlite3")
    return Session(s, s.learner("local"))


def nothing_written(sess: Session) -> bool:
    store, me = sess.store, sess.learner
    return (store.latest_answers(me) == {} and store.network_events(me) == [] and store.bookmarks(me) == []
            and store.progress(me) == {})


@pytest.mark.parametrize("key", sorted(GOOD_AND_BAD) + ["why-pln/what"])
def test_a_restore_with_one_wrong_typed_answer_restores_nothing(tmp_path: Path, key: str) -> None:
    sess = fresh(tmp_path)
    bad = GOOD_AND_BAD[key][1] if key in GOOD_AND_BAD else ["not", "text"]
    data = portfolio(answers=[answer("start/hopes", "A good first answer"), answer(key, bad)],
                     bookmarks=[{"url": "https://a.example/"}], progress={"why-pln": "done"})
    with pytest.raises(InputError, match=f"“{key}” can't be restored.*nothing was restored"):
        import_portfolio(data, sess)
    assert nothing_written(sess)


def test_a_too_long_answer_after_a_good_one_writes_nothing(tmp_path: Path) -> None:
    sess = fresh(tmp_path)
    data = portfolio(answers=[answer("start/hopes", "fine"), answer("why-pln/what", "x" * (MAX_CHARS + 1))])
    with pytest.raises(InputError, match="over the 10,000 limit"):
        import_portfolio(data, sess)
    assert nothing_written(sess)


@pytest.mark.parametrize("event", [
    {"action": "add", "node_key": "person:ana", "data": {"type": "person", "label": "Ana", "links": 3}},
    {"action": "add", "node_key": "person:ana", "data": {"type": "person", "label": ["Ana"]}},
    {"action": "add", "node_key": "person:ana", "data": {"type": "person", "label": "Ana", "ring": "1"}},
    {"action": "add", "node_key": "person:ana", "data": {"type": "person", "label": "Ana", "colour": "red"}},
    {"action": "grow", "node_key": "person:ana", "data": {}},
    {"action": "add", "node_key": 7, "data": {"type": "person", "label": "Ana"}},
], ids=["links-a-number", "label-a-list", "ring-a-string", "unknown-field", "unknown-action", "key-a-number"])
def test_a_damaged_network_event_restores_nothing(tmp_path: Path, event: dict[str, Any]) -> None:
    sess = fresh(tmp_path)
    data = portfolio(answers=[answer("start/hopes", "fine")],
                     network_events=[{"at": "2026-11-01T10:00:00+00:00", **event}])
    with pytest.raises(InputError, match="network is damaged"):
        import_portfolio(data, sess)
    assert nothing_written(sess)


def test_unknown_answer_keys_are_left_out_and_counted(tmp_path: Path) -> None:
    sess = fresh(tmp_path)
    junk = [answer(f"junk/{i}", "x" * 1000) for i in range(30)]
    message = import_portfolio(portfolio(answers=[answer("start/hopes", "kept"), *junk]), sess)
    assert message.startswith("Restored 1 answer,")
    assert "Left out, as this course has no such exercise: 30 answers." in message
    assert list(sess.store.latest_answers(sess.learner)) == ["start/hopes"]


def test_an_oversized_portfolio_is_refused_with_the_limit(tmp_path: Path) -> None:
    sess = fresh(tmp_path)
    with pytest.raises(InputError, match="larger than 8 MB"):
        import_portfolio(b" " * (MAX_BYTES + 1), sess)
    widget = Portfolio(session=sess)
    widget.restore({"content": b" " * (11 * 1024 * 1024), "name": "big.json"})
    assert "larger than 8 MB" in widget.status.text
    assert widget.upload.has_trait("_dom_classes") and f"plnkit-max-{MAX_BYTES}" in widget.upload._dom_classes


def store_raw(store: Store, key: str, value: Any) -> None:
    """Write a value as a damaged or hand-edited file would hold it (bypassing every rule)."""
    store.save_answer(store.learner("local"), key, value)


def test_every_widget_shows_empty_for_a_bad_stored_value_and_logs_why(store: Store,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    for key, (_good, bad) in GOOD_AND_BAD.items():
        store_raw(store, key, bad)
    store_raw(store, "why-pln/what", {"not": "text"})
    store.record_event(store.learner("local"), "add", "person:ana", {"type": "person", "label": "Ana", "links": 3})
    store.record_event(store.learner("local"), "add", "person:bo", {"type": "person", "label": "Bo"})
    with caplog.at_level(logging.WARNING, logger="plnkit"):
        widgets = [Reflection("why-pln/what"), BenefitRating(), StageFinder(), BalancePlanner(), FirstSteps(),
                   IdentityCheck(), Communities(), Backchannel(poll_seconds=0), MyNetwork("all")]
    for widget in widgets:
        assert "could not" not in widget.status.text, (type(widget).__name__, widget.status.text)
    assert widgets[0].text.value == "" and widgets[0].status.text == "Not saved yet"
    assert widgets[3].boundary.value == "" and widgets[5].usernames[0].value == ""
    # the damaged event is left out of the picture
    assert list(network.replay(store.network_events(store.learner("local"))).nodes) == ["person:bo"]
    assert "<td>Ana</td>" not in widgets[-1].view.value and "<td>Bo</td>" in widgets[-1].view.value
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "stored answer 'tools/identity' ignored" in logged and "network event" in logged


def test_a_label_with_dollar_signs_is_drawn_literally(store: Store) -> None:
    view = MyNetwork("all")
    view.label.value = "Costs $x^$ and $5"
    view.add()
    assert view.status.text == "Added Costs $x^$ and $5."
    assert "Costs $x^$" in view.view.value  # in the description and data table, and the charts drew


@pytest.mark.parametrize("doc,words", [
    ({"answers": [answer("start/hopes", "fine"), {"key": ["a", "list"], "value": "x"}]}, None),
    ({"answers": [answer("start/hopes", "fine"), {**answer("why-pln/what", "x"), "saved_at": "9999-12-31T23:59:00"}]},
     "impossible date"),
    ({"version": 99, "answers": [answer("start/hopes", "fine")]}, "newer version"),
    ({"answers": [answer("start/hopes", "fine")], "bookmarks": [{"url": "javascript:alert(1)"}]},
     "A bookmark in that portfolio can't be restored"),
    ({"answers": [answer("backchannel/name", "Facilitator")]}, "kept for the facilitator"),
], ids=["key-a-list", "year-9999", "newer-format", "bad-bookmark", "impersonating-name"])
def test_odd_portfolios_are_refused_whole_or_restored_honestly(tmp_path: Path, doc: dict[str, Any],
                                                               words: str | None) -> None:
    sess = fresh(tmp_path)
    data = portfolio(**doc)
    if words is None:  # an answer whose key is not even text: left out and counted, the rest restored
        assert "Left out, as this course has no such exercise: 1 answer." in import_portfolio(data, sess)
        assert list(sess.store.latest_answers(sess.learner)) == ["start/hopes"]
        return
    with pytest.raises(InputError, match=words):
        import_portfolio(data, sess)
    assert nothing_written(sess)


def test_a_deeply_nested_file_is_not_a_portfolio(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="it is damaged, or another kind of file"):
        import_portfolio(b"[" * 100_000 + b"]" * 100_000, fresh(tmp_path))


def test_restoring_a_portfolio_shows_its_progress_on_the_page_at_once(tmp_path: Path) -> None:
    """A teacher restores their file on the start page: its header and module list show the progress it brought
    back, without a reload, and the message says where the restored answers show."""
    import gc

    from plnkit.content import module
    from plnkit.services import session
    from plnkit.widgets.page import Header, module_list

    sess = fresh(tmp_path)
    session.use(sess)
    try:
        head, modules, widget = Header(module(0)).widget, module_list(), Portfolio()  # a page keeps the widgets
        gc.collect()
        assert "Progress: 0 of 3" in head.value and "Completed" not in modules.value
        widget.restore({"content": portfolio(progress={"why-pln": "done"}), "name": "my-pln-course-work.json"})
        assert widget.status.text.startswith("Restored") and "reload this page" in widget.status.text
        assert "Your progress came back too: 1 module complete." in widget.status.text
        assert "Progress: 1 of 3" in head.value and "Completed" in modules.value
    finally:
        session.use(None)
