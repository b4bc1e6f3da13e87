"""The backchannel: shared posts, safe rendering, deletion that keeps the record, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from plnkit.errors import InputError
from plnkit.services.session import Session
from plnkit.services.store import Store
from plnkit.widgets.backchannel import Backchannel, check_post, linkify, record

from .test_reflection import eventually


def two_participants(tmp_path: Path) -> tuple[Backchannel, Backchannel, Store, Store]:
    a_store, b_store = Store(tmp_path / "plnkit.sqlite3"), Store(tmp_path / "plnkit.sqlite3")
    a = Backchannel(poll_seconds=0.1, session=Session(a_store, a_store.learner("ana")))
    b = Backchannel(poll_seconds=0.1, session=Session(b_store, b_store.learner("ben")))
    return a, b, a_store, b_store


def test_a_post_on_one_page_appears_on_another(tmp_path: Path) -> None:
    a, b, *_ = two_participants(tmp_path)
    try:
        a.author.value, a.body.value = "Ana", "Try https://example.org/quiz, it works."
        a.post_button.click()
        assert a.status.text.startswith("Posted at") and a.body.value == ""
        eventually(lambda: "Try" in b.stream.value, timeout=3)  # the other page's background refresh
        link = '<a href="https://example.org/quiz" target="_blank" rel="noopener noreferrer nofollow">'
        assert link in b.stream.value
        assert "<strong>Ana</strong>" in b.stream.value
    finally:
        a.close()
        b.close()


def test_html_in_a_post_is_shown_as_text() -> None:
    html = linkify('<img src=x onerror=alert(1)> and javascript:alert(2) and "https://ok.example/a?b=1&c=2".')
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://ok.example/a?b=1&amp;c=2"' in html  # the closing quote and dot are not part of the link


def test_only_the_author_deletes_and_the_record_keeps_it(tmp_path: Path) -> None:
    a, b, a_store, _ = two_participants(tmp_path)
    try:
        a.author.value, a.body.value = "Ana", "Oops, wrong room"
        a.post_button.click()
        post_id = a_store.posts("course")[0].id
        assert [v for _, v in b.mine.options] == []  # Ben can't pick Ana's post
        b.mine.options = [("forged", post_id)]
        b.mine.value = post_id
        b.delete_button.click()
        assert b.status.text == "Only the person who wrote a post can delete it."
        a.refresh(force=True)
        a.mine.value = post_id
        a.delete_button.click()
        assert "stays in the record" in a.status.text
        eventually(lambda: "Oops" not in b.stream.value, timeout=3)
        kept = record(a_store)
        assert [(p.body, p.deleted_at is not None) for p in kept] == [("Oops, wrong room", True)]
    finally:
        a.close()
        b.close()


def test_posts_are_limited_in_length_and_rate(tmp_path: Path) -> None:
    a, b, a_store, _ = two_participants(tmp_path)
    try:
        a.author.value = "Ana"
        a.body.value = "x" * 1001
        a.post_button.click()
        assert a.status.text == "Posts are limited to 1,000 characters; yours has 1,001. Shorten it and post again."
        a.body.value = "first"
        a.post_button.click()
        a.body.value = "second, too soon"
        a.post_button.click()
        assert a.status.text.startswith("Slow down a little") and a.body.value == "second, too soon"
        assert [p.body for p in a_store.posts("course")] == ["first"]
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize("author,body,words", [("", "hi", "Add your name"), ("A" * 61, "hi", "under 60"),
                                               ("Ana", "   ", "Write something"), ("Ana", 5, "Write something")])
def test_bad_posts_get_a_clear_message(author: object, body: object, words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_post(author, body)


def test_a_post_cannot_turn_the_direction_of_the_text_or_hide_characters_in_its_name() -> None:
    """A trial posted "Hi\u200b\u202e\u2066 reversed \u202c text\ufeff": the characters that reverse what
    follows go; a name with invisible characters is refused as at joining; an emoji's joiner stays."""
    author, body = check_post("Ana", "Hi \u202eesrever\u202c and \u2066isolated\u2069 \U0001F469\u200d\U0001F3EB")
    assert body == "Hi esrever and isolated \U0001F469\u200d\U0001F3EB"
    with pytest.raises(InputError, match="invisible characters"):
        check_post("Ana\u202e", "hi")
    with pytest.raises(InputError, match="invisible characters"):
        check_post("A\u200bna", "hi")


def test_the_norms_come_before_the_post_box(store: Store) -> None:
    bc = Backchannel(poll_seconds=60)
    try:
        children = list(bc.widget.children)
        assert children.index(bc.norms) < children.index(bc.body)
        assert "Everything is recorded (even when deleted)." in bc.norms.value
    finally:
        bc.close()


def test_live_updates_pause_when_the_page_is_left_alone_and_resume(tmp_path: Path) -> None:
    a, b, *_ = two_participants(tmp_path)
    quiet = Backchannel(poll_seconds=0.05, live_seconds=0.2, session=b._session)
    try:
        # The poller shows the Resume button, then returns: wait for both (the thread ends just after).
        eventually(lambda: quiet.resume_button.layout.display == "flex" and not quiet._thread.is_alive(), timeout=3)
        assert "paused" in quiet.status.text
        a.author.value, a.body.value = "Ana", "while you were away"
        a.post_button.click()
        quiet.resume_button.click()
        assert "while you were away" in quiet.stream.value and quiet._thread.is_alive()
    finally:
        for bc in (a, b, quiet):
            bc.close()
