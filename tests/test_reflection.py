"""The reflection widget, driven in-process the way the browser drives it (by setting widget values)."""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from plnkit.services import session
from plnkit.services.store import Store
from plnkit.widgets.reflection import MAX_CHARS, Reflection, check_reflection


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def press_save(r: Reflection) -> None:
    """Click Save and wait for the (deliberately deferred) save to finish."""
    r.save_button.click()
    assert r.status.text == "Saving…"
    eventually(lambda: r.status.text != "Saving…")


def history(store: Store, key: str = "why-pln/what") -> list[str]:
    return [v.value for v in store.answer_history(store.learner("local"), key)]


def test_a_new_reflection_shows_its_prompt_and_says_not_saved_yet(store: Store) -> None:
    r = Reflection("why-pln/what")
    assert "Where do you learn about teaching today" in r.text.description
    assert "List the people" in r.text.description  # the sub-prompt
    assert r.text.value == ""
    assert r.status.text == "Not saved yet"
    assert "0 words" in r.words.value


def test_save_button_saves_and_says_saved_at(store: Store) -> None:
    r = Reflection("why-pln/what")
    r.text.value = "From colleagues on Mastodon and one blog."
    press_save(r)
    assert history(store) == ["From colleagues on Mastodon and one blog."]
    assert r.status.text.startswith("Saved at ")
    assert "7 words" in r.words.value


def test_pressing_save_twice_does_not_duplicate_a_version(store: Store) -> None:
    r = Reflection("why-pln/what")
    r.text.value = "Same text"
    press_save(r)
    press_save(r)
    assert history(store) == ["Same text"]
    assert r.status.text.startswith("Saved at ")


def test_keystrokes_arriving_just_after_save_are_in_the_saved_version(store: Store) -> None:
    r = Reflection("why-pln/what", settle_seconds=0.3)
    r.text.value = "Reading blogs on Sunday e"
    r.save_button.click()
    r.text.value = "Reading blogs on Sunday evenings."  # the browser's last coalesced update lands late
    eventually(lambda: r.status.text.startswith("Saved at"))
    assert history(store) == ["Reading blogs on Sunday evenings."]


def test_typing_autosaves_once_after_a_pause(store: Store) -> None:
    r = Reflection("why-pln/what", autosave_seconds=0.2)
    for partial in ("I", "I learn", "I learn from", "I learn from my team"):
        r.text.value = partial
        assert r.status.text == "Unsaved changes…"
    eventually(lambda: r.status.text.startswith("Saved at"))
    assert history(store) == ["I learn from my team"]  # debounced: one version, the last text


def test_reopening_the_page_shows_the_latest_saved_text(store: Store) -> None:
    first = Reflection("why-pln/what")
    first.text.value = "draft one"
    press_save(first)
    first.text.value = "draft two"
    press_save(first)
    again = Reflection("why-pln/what")  # a page reload builds a new widget from the store
    assert again.text.value == "draft two"
    assert again.status.text.startswith("Last saved ")
    assert again.history.get_title(0) == "Saved versions (2)"


def test_two_tabs_of_one_page_each_say_when_the_other_had_saved_and_nothing_is_lost(store: Store) -> None:
    tab_a, tab_b = Reflection("why-pln/what"), Reflection("why-pln/what")  # both opened on an empty answer
    tab_a.text.value = "Typed in tab A."
    press_save(tab_a)
    assert tab_a.status.text.startswith("Saved at ") and "Another tab" not in tab_a.status.text
    tab_b.text.value = "Typed in tab B."
    press_save(tab_b)
    assert "Another tab or device had changed this answer" in tab_b.status.text
    assert "“Saved versions”" in tab_b.status.text
    tab_a.text.value = "Tab A again."
    press_save(tab_a)
    assert "Another tab or device" in tab_a.status.text
    assert history(store) == ["Tab A again.", "Typed in tab B.", "Typed in tab A."]
    tab_a.text.value = "Tab A, alone now."  # nothing saved elsewhere since tab A's own save: no warning
    press_save(tab_a)
    assert "Another tab" not in tab_a.status.text
    # Tab B's "Saved versions", opened now, lists what tab A saved since (read again on opening), newest first;
    # versions saved within one minute show their seconds, so they can be told apart.
    tab_b.history.selected_index = 0
    labels = [label for label, _ in tab_b.history_list.options]
    assert tab_b.history.get_title(0) == "Saved versions (4)" and len(labels) == 4
    assert labels[0].endswith("4 words (latest)")
    whens = [label.split(" · ")[0] for label in labels]  # versions that share a minute show their seconds
    # (four saves across a minute's turn: one may be alone in its minute, shown without them)
    minutes = [re.sub(r"(\d\d:\d\d):\d\d$", r"\1", when) for when in whens]
    assert all(re.search(r"\d\d:\d\d:\d\d$", when) for when, minute in zip(whens, minutes, strict=True)
               if minutes.count(minute) > 1), labels
    assert any(minutes.count(minute) > 1 for minute in minutes), labels  # four saves in a few seconds
    assert tab_b.history_text.value == "Tab A, alone now."


def test_too_long_text_is_not_saved_or_cut_and_says_by_how_much(store: Store) -> None:
    r = Reflection("why-pln/what")
    r.text.value = "ok"
    press_save(r)
    long = "word " * 2001  # 10,005 characters
    r.text.value = long
    press_save(r)
    assert r.text.value == long  # nothing silently truncated
    assert r.status.text == (
        "Not saved: your answer is 10,005 characters, over the 10,000 limit. Shorten it by 5 and it will save. "
        "Nothing you typed was cut."
    )
    assert "plnkit-over" in r.words.value
    assert history(store) == ["ok"]


def test_check_reflection_accepts_the_limit_and_refuses_non_text() -> None:
    assert check_reflection("x" * MAX_CHARS) == "x" * MAX_CHARS
    with pytest.raises(ValueError, match="must be text"):
        check_reflection(["not", "text"])


def test_earlier_versions_can_be_viewed_and_restored(store: Store) -> None:
    r = Reflection("why-pln/what")
    for text in ("v1", "v2", "v3"):
        r.text.value = text
        press_save(r)
    labels = [label for label, _ in r.history_list.options]
    assert len(labels) == 3 and r.history.get_title(0) == "Saved versions (3)"  # the current one is listed too
    assert labels[0].endswith("(latest)") and not any(label.endswith("(latest)") for label in labels[1:])
    oldest = r.history_list.options[-1][1]
    r.history_list.value = oldest
    assert r.history_text.value == "v1"
    r.restore_button.click()
    assert r.text.value == "v1"
    assert history(store) == ["v1", "v3", "v2", "v1"]  # restoring adds a version, never rewrites


def test_hostile_text_is_stored_as_typed_and_shown_escaped(store: Store) -> None:
    r = Reflection("why-pln/what")
    r.text.value = "<img src=x onerror=alert(1)>"
    press_save(r)
    assert history(store) == ["<img src=x onerror=alert(1)>"]
    assert "<img" not in r.history.get_title(0) and "<img" not in r.words.value


def test_a_store_that_fails_mid_session_shows_a_message_and_keeps_the_text(tmp_path: Path) -> None:
    good = Store(tmp_path / "plnkit.sqlite3")
    session.use(session.Session(good, good.learner("local")))
    try:
        r = Reflection("why-pln/what")
        r.text.value = "important thoughts"
        good.close()  # the database goes away under the page
        press_save(r)
        assert "could not" in r.status.text and "Traceback" not in r.status.text  # a message, not a crash
        assert r.text.value == "important thoughts"
    finally:
        session.use(None)


def test_a_damaged_data_file_shows_what_to_do_when_the_page_opens(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plnkit.sqlite3").write_bytes(b"not a database" * 100)
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path))
    session.use(None)
    r = Reflection("why-pln/what")
    assert "damaged" in r.status.text and "PLNKIT_HOME" in r.status.text
    r.text.value = "still typing"
    press_save(r)
    assert "damaged" in r.status.text and r.text.value == "still typing"


def test_a_save_that_meets_a_locked_database_is_retried_until_it_lands(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    reflection_module = importlib.import_module("plnkit.widgets.reflection")

    monkeypatch.setattr(reflection_module, "RETRY_SECONDS", (0.3, 0.3, 0.3, 0.3, 0.3))
    db = tmp_path / "plnkit.sqlite3"
    s = Store(db, busy_timeout=0.1)
    session.use(session.Session(s, s.learner("local")))
    try:
        r = Reflection("why-pln/what")
        holder = sqlite3.connect(db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holds the database
        r.text.value = "Written while the database was busy."
        press_save(r)
        assert r.status.text.startswith("Not saved yet: the course database is busy. Trying again")
        assert r.text.value == "Written while the database was busy."
        holder.execute("ROLLBACK")
        holder.close()
        eventually(lambda: r.status.text.startswith("Saved at"))
        assert history(s) == ["Written while the database was busy."]
    finally:
        session.use(None)
        s.close()


def test_when_every_retry_fails_the_learner_is_told_and_the_text_stays(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    reflection_module = importlib.import_module("plnkit.widgets.reflection")

    monkeypatch.setattr(reflection_module, "RETRY_SECONDS", (0.1, 0.1))
    db = tmp_path / "plnkit.sqlite3"
    s = Store(db, busy_timeout=0.05)
    session.use(session.Session(s, s.learner("local")))
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        r = Reflection("why-pln/what")
        holder.execute("BEGIN EXCLUSIVE")
        r.text.value = "Still here."
        press_save(r)
        eventually(lambda: "busy for over a minute" in r.status.text)
        assert r.text.value == "Still here." and "press Save to try again" in r.status.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        session.use(None)
        s.close()
