"""Workshop mode in the kernel: only issued links open a workspace, one identity each, the facilitator's tools."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from plnkit.errors import IdentityError, InputError
from plnkit.services import session
from plnkit.services.server import check_name, join_participant
from plnkit.services.store import DB_NAME, Store
from plnkit.widgets._ui import SIGNED_IN_AGAIN
from plnkit.widgets.backchannel import Backchannel, record
from plnkit.widgets.page import Footer, header, module_list
from plnkit.widgets.reflection import Reflection
from plnkit.widgets.workshop import Join


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str) -> Path:
    """A workshop's data folder (``PLNKIT_HOME``), its store on each engine (``Store.open_default()`` opens it)."""
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path))
    if database.startswith("postgresql://"):
        monkeypatch.setenv("PLNKIT_DATABASE_URL", database)
    else:
        monkeypatch.delenv("PLNKIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLNKIT_WORKSHOP", "1")
    for name in ("JUPYTERHUB_USER", "QUERY_STRING", "HTTP_COOKIE"):
        monkeypatch.delenv(name, raising=False)
    session.use(None)
    yield tmp_path
    session.use(None)


def open_store(home: Path) -> Store:
    """The store of the workshop whose data folder is ``home``: its file there, or this test's PostgreSQL
    database when the ``workshop`` fixture chose that engine."""
    return Store(os.environ.get("PLNKIT_DATABASE_URL") or home / DB_NAME)


def joined(home: Path, name: str) -> str:
    with open_store(home) as store:
        return join_participant(store, name)


def open_page(monkeypatch: pytest.MonkeyPatch, token: str | None, *, cookie: bool = True) -> None:
    """What a new kernel sees: the participant's cookie (as the course server passes it), and no session yet."""
    monkeypatch.setenv("HTTP_COOKIE", f"_xsrf=abc; {session.COOKIE}={token}" if token and cookie else "")
    monkeypatch.setenv("QUERY_STRING", f"learner={token}" if token and not cookie else "")
    session.use(None)


def test_participants_are_kept_apart_and_only_hashes_of_tokens_are_stored(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, ben = joined(workshop, "Ana"), joined(workshop, "Ben")
    assert ana != ben
    open_page(monkeypatch, ana)
    r = Reflection("why-pln/what")
    r.text.value = "Ana's private thoughts"
    r.save(force=True)
    assert 'href="02_stages.ipynb"' in header(1).widget.value  # the cookie keeps her: links need no token
    assert "Welcome, <strong>Ana</strong>" in Join().widget.children[0].value
    open_page(monkeypatch, ben)
    assert Reflection("why-pln/what").text.value == ""  # Ben never sees Ana's work
    with Store.open_default() as store:
        keys = [row[0] for row in store._conn.execute("SELECT key FROM learners").fetchall()]
    assert keys and all(ana not in k and ben not in k for k in keys)


def test_a_participant_numbered_at_joining_is_told_why_and_how_to_get_back_their_own_work(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dana's browser forgot her and she joined again: the room now knows her as "Dana (2)", an empty workspace.
    Her welcome says so, and how to get back the first one; someone with a name of their own is not told."""
    joined(workshop, "Dana")
    open_page(monkeypatch, joined(workshop, "Dana"))
    welcome = Join().widget.children[0].value
    assert "Welcome, <strong>Dana (2)</strong>" in welcome
    assert "Someone had already joined as <strong>Dana</strong>" in welcome and "ask your facilitator" in welcome
    open_page(monkeypatch, joined(workshop, "Eve"))
    welcome = Join().widget.children[0].value
    assert "Welcome, <strong>Eve</strong>" in welcome and "Someone had already joined" not in welcome


@pytest.mark.parametrize("others", ["other_app=hello world", 'theme="dark', "a=b; c=d e f", "=; ;", "x=\u00e9t\u00e9"])
def test_another_sites_cookie_on_the_same_host_does_not_hide_the_participant(
        workshop: Path, monkeypatch: pytest.MonkeyPatch, others: str) -> None:
    """Cookies ignore ports, and a school's ``Domain=.example.org`` cookie reaches the course's host: one the
    standard library's parser gives up on (a space, a lone quote) must not make the page forget who this is."""
    ana = joined(workshop, "Ana")
    monkeypatch.setenv("HTTP_COOKIE", f"{others}; _xsrf=abc; {session.COOKIE}={ana}; {others}")
    monkeypatch.setenv("QUERY_STRING", "")
    session.use(None)
    assert "Welcome, <strong>Ana</strong>" in Join().widget.children[0].value
    r = Reflection("why-pln/what")
    r.text.value = "Saved, as Ana"
    assert r.save(force=True)
    with Store.open_default() as store:
        assert store.latest_answer(store.learner(session.token_key(ana)), "why-pln/what").value == "Saved, as Ana"


def test_a_link_in_the_address_alone_still_carries_the_participant_on_every_link(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, ana, cookie=False)
    assert f"02_stages.ipynb?learner={ana}" in header(1).widget.value
    assert f"?learner={ana}" in module_list().value


@pytest.mark.parametrize("token", [None, "A" * 24, "short", "../../etc/passwd"])
def test_an_unknown_or_missing_link_opens_nothing_and_creates_nothing(
        workshop: Path, monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    joined(workshop, "Ana")
    open_page(monkeypatch, token)
    with pytest.raises(IdentityError):
        session.current()
    r = Reflection("why-pln/what")
    r.text.value = "typed on a page with no valid link"
    r.save(force=True)
    assert "Saved" not in r.status.text
    assert "I've finished" in Footer(header(1).page).button.description  # the page still works as a page
    with Store.open_default() as store:
        assert [p.name for p in store.participants()] == ["Ana"]
        assert store._conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 0


def test_a_reissued_link_replaces_the_old_one_and_keeps_the_work(workshop: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, ana)
    Reflection("why-pln/what").text.value = "kept"
    session.current().store.save_answer(session.current().learner, "why-pln/what", "kept")
    boss = session.facilitator_token(workshop)
    open_page(monkeypatch, boss)
    tools = Join().tools
    assert tools is not None
    assert [label.split(" (")[0] for label, _ in tools.people.options] == ["Ana"]
    tools.people.value = tools.people.options[0][1]
    new = tools.reissue()
    assert new and new != ana and f"learner={new}" in tools.result.value
    assert tools.status.text == "Link reissued for Ana: their old link no longer works."
    assert "Show Ana&#x27;s new personal link" in tools.result.value
    open_page(monkeypatch, ana)
    with pytest.raises(IdentityError, match="isn't recognised"):
        session.current()
    open_page(monkeypatch, new)
    assert Reflection("why-pln/what").text.value == "kept"



def test_an_open_page_only_being_read_learns_that_its_link_was_reissued(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The header checks the link in the background (``_signin``), so a page nobody touches still says it stopped
    saving: the reason, marked for ``course.js``'s banner across the top. The check then stops."""
    ana = joined(workshop, "Ana")
    monkeypatch.setenv("PLNKIT_SIGNIN_CHECK", "0.5")
    monkeypatch.setattr(session, "RECHECK_SECONDS", 0.0)
    open_page(monkeypatch, ana)
    top = header(1)
    try:
        time.sleep(1.2)  # two checks: the link works
        assert top._watching.is_alive() and "plnkit-signed-out" not in top.widget.value
        with open_store(workshop) as store:  # the facilitator reissues Ana's link
            learner = store.active_learner(session.token_key(ana))
            assert learner is not None and store.reissue(learner.id, session.token_key(session.new_token()))
        deadline = time.monotonic() + 15
        while "plnkit-signed-out" not in top.widget.value and time.monotonic() < deadline:
            time.sleep(0.1)
        assert '<p class="plnkit-signed-out" hidden>' in top.widget.value
        assert "new personal link" in top.widget.value and "Module 1 of 3" in top.widget.value
        assert top._watching.is_alive()  # it looks on: a closed workshop may reopen (the next test)
    finally:
        top.close()


def test_a_page_open_while_the_workshop_closes_and_reopens_says_it_saves_again(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial found an open page still saying "This workshop has been closed" minutes after it reopened: the
    header's mark (course.js's banner across the top) and a refused save's status line stayed."""
    ana = joined(workshop, "Ana")
    monkeypatch.setenv("PLNKIT_SIGNIN_CHECK", "0.5")
    monkeypatch.setattr(session, "RECHECK_SECONDS", 0.0)
    open_page(monkeypatch, ana)
    top = header(1)
    answer = Reflection("why-pln/what")

    def header_says(signed_out: bool) -> bool:
        deadline = time.monotonic() + 15
        while ("plnkit-signed-out" in top.widget.value) != signed_out and time.monotonic() < deadline:
            time.sleep(0.1)
        return ("plnkit-signed-out" in top.widget.value) == signed_out

    try:
        with open_store(workshop) as store:
            store.set_workshop_closed(True)
        answer.text.value = "typed while it was closed"
        answer.save(force=True)
        assert "closed" in answer.status.text and "plnkit-signed-out" in answer.status.widget.value
        assert header_says(signed_out=True) and "closed" in top.widget.value
        with open_store(workshop) as store:
            store.set_workshop_closed(False)
        assert header_says(signed_out=False) and "Module 1 of 3" in top.widget.value
        assert answer.status.text == SIGNED_IN_AGAIN and "plnkit-signed-out" not in answer.status.widget.value
        answer.save(force=True)  # as the status line says: press Save
        assert answer.status.text.startswith("Saved at")
        with open_store(workshop) as store:
            assert store.latest_answer(store.participants()[0], "why-pln/what").value == "typed while it was closed"
    finally:
        top.close()


def test_a_page_outside_a_workshop_checks_no_link_but_follows_progress_made_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A teacher alone has no link to check; the page still looks again at their progress, so a module finished
    in another tab shows here."""
    from plnkit.services import _signin

    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path))
    monkeypatch.delenv("PLNKIT_WORKSHOP", raising=False)
    monkeypatch.delenv("PLNKIT_DATABASE_URL", raising=False)
    monkeypatch.setenv("PLNKIT_SIGNIN_CHECK", "0.5")
    checked: list[str] = []
    open_page(monkeypatch, None)
    top = header(1)
    # Only this page's looks count (a header another test left open would look at its own link).
    monkeypatch.setattr(_signin, "sign_in_stopped",
                        lambda: (threading.current_thread() is top._watching and checked.append("checked")) or "")
    try:
        sess = top.learner_session
        assert sess is not None and sess.token is None  # a teacher alone: no link
        assert "Progress: 0 of 3" in top.widget.value
        sess.store.set_progress(sess.learner, "why-pln", "done")  # as another tab does
        deadline = time.monotonic() + 15
        while "Progress: 1 of 3" not in top.widget.value and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Progress: 1 of 3" in top.widget.value
        assert checked == [] and top._watching.is_alive()
    finally:
        top.close()
    top._watching.join(timeout=5)
    assert not top._watching.is_alive()  # the page went: it stops looking


def test_the_facilitator_adds_a_participant_ahead_of_time_and_their_link_opens_their_own_course(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    joined(workshop, "Ana")
    boss = session.facilitator_token(workshop)
    open_page(monkeypatch, boss)
    tools = Join().tools
    assert tools is not None
    # The page's kernel never needs the server's handlers for it (importing them, and Voila with them, made the
    # first press take seconds with nothing shown, a trial found): here they can't be imported at all.
    monkeypatch.setitem(sys.modules, "plnkit.services._gate", None)
    tools.add_participant()
    assert tools.status.text == "Type the participant's name first."
    tools.new_name.value = "Ana"
    ana2 = tools.add_participant()
    assert ana2 and "Added Ana (2)." in tools.status.text  # numbered, as when joining, and told why
    assert "There was already someone called Ana: the room sees this one as Ana (2)." in tools.status.text
    assert tools.new_name.value == ""  # ready for the next name
    shown = tools.result.value
    assert tools.add_participant() is None  # a double-click's second click: no error over the first one's result
    assert "Added Ana (2)." in tools.status.text and tools.result.value == shown
    assert [label.rsplit(" (", 1)[0] for label, _ in tools.people.options] == ["Ana", "Ana (2)"]
    # Folded away (the facilitator's page may be projected), the link on a line of its own.
    assert '<details class="plnkit-secret"><summary>Show Ana (2)' in tools.result.value
    assert f'learner={ana2}">' in tools.result.value and f"learner={ana2}</a></p>" in tools.result.value
    # Only a hash of it is kept, so a reloaded page can't show it again: the facilitator is told so, and how to
    # get a new one (a trial's facilitator looked for it after a reload).
    assert "It is shown only here, only now" in tools.result.value and "Reissue their link" in tools.result.value
    with open_store(workshop) as store:
        before = [p.name for p in store.participants()]
    tools.new_name.value = "Facilitator"
    assert tools.add_participant() is None
    assert tools.status.text == "That name is kept for the facilitator: type the participant's own name."
    assert tools.result.value == ""  # Ana (2)'s link is not left under the refusal
    tools.new_name.value = "x" * 51
    assert tools.add_participant() is None and tools.status.text == "Type their name (up to 50 characters)."
    with open_store(workshop) as store:
        assert [p.name for p in store.participants()] == before  # refused: nobody made
    open_page(monkeypatch, ana2)
    assert session.current().learner.name == "Ana (2)"

def test_the_start_page_s_list_shows_who_joins_after_it_opened_and_keeps_the_facilitator_s_choice(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from plnkit.widgets.workshop import FacilitatorTools

    joined(workshop, "Ana")
    open_page(monkeypatch, session.facilitator_token(workshop))
    tools = FacilitatorTools(session.current(), watch_seconds=0.2)  # the start page's, reading again 5 times a second
    try:
        labels = [label for label, _ in tools.people.options]
        assert [label.split(" (")[0] for label in labels] == ["Ana"]
        ana_id = tools.people.options[0][1]
        tools.people.value = ana_id  # the facilitator has chosen Ana, and is about to reissue her link
        joined(workshop, "Ben")  # someone joins meanwhile, and the facilitator's page is not reloaded
        deadline = time.monotonic() + 30
        while len(tools.people.options) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [label.split(" (")[0] for label, _ in tools.people.options] == ["Ana", "Ben"]
        assert tools.people.value == ana_id  # still chosen
        with open_store(workshop) as store:
            store.set_workshop_closed(True)  # closed from the facilitator's page in another tab
        while tools.close_button.description != "Reopen the workshop" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tools.close_button.description == "Reopen the workshop"
    finally:
        tools.close()
    tools._watching.join(5)
    assert not tools._watching.is_alive()  # the page went: it stops reading


def test_closing_the_workshop_stops_every_participant_link_and_keeps_the_work(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, session.facilitator_token(workshop))
    tools = Join().tools
    assert tools is not None
    tools.close_button.click()  # a first press only asks: it would lock the whole room out at once
    assert "stops the personal link of 1 participant at once" in tools.status.text
    assert tools.close_button.description == "Yes, close the workshop"
    with open_store(workshop) as store:
        assert not store.workshop_closed()
    open_page(monkeypatch, ana)
    assert session.current().learner.name == "Ana"
    tools.close_button.click()
    assert "Workshop closed" in tools.status.text and tools.close_button.description == "Reopen the workshop"
    open_page(monkeypatch, ana)
    with pytest.raises(IdentityError, match="closed"):
        session.current()
    with Store.open_default() as store, pytest.raises(InputError, match="closed"):
        join_participant(store, "Late Larry")
    open_page(monkeypatch, session.facilitator_token(workshop))
    Join().tools.close_button.click()  # type: ignore[union-attr]  # reopening: at once
    open_page(monkeypatch, ana)
    assert session.current().learner.name == "Ana"


def test_the_facilitator_erases_a_participant_for_good_after_confirming(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ana, ben = joined(workshop, "Ana"), joined(workshop, "Ben")
    open_page(monkeypatch, ana)
    session.current().store.save_answer(session.current().learner, "why-pln/what", "A very private paragraph")
    open_page(monkeypatch, session.facilitator_token(workshop))
    tools = Join().tools
    assert tools is not None
    tools.people.value = next(v for label, v in tools.people.options if label.startswith("Ana"))
    tools.erase_button.click()
    assert "confirm" in tools.status.text  # nothing happens without the confirmation
    tools.confirm.value = True
    tools.erase_button.click()
    # The record of the backchannel says "even when deleted": an erase takes her posts out of it, and says so.
    assert "Erased Ana" in tools.status.text and "backchannel posts (in the record too)" in tools.status.text
    assert "their posts leave the backchannel record too" in tools.confirm.description
    assert [label.split(" (")[0] for label, _ in tools.people.options] == ["Ben"]
    tools.confirm.value = True
    tools.erase_all_button.click()
    assert "This erases 1 participant and all their work" in tools.status.text  # a second press is needed
    with Store.open_default() as store:
        assert [p.name for p in store.participants() if p.name != "Facilitator"] == ["Ben"]
    session.use(None)
    if "PLNKIT_DATABASE_URL" not in os.environ:
        data = b"".join(p.read_bytes() for p in workshop.iterdir() if p.name.startswith(DB_NAME))
        assert b"A very private paragraph" not in data  # gone from the file, not just hidden
    open_page(monkeypatch, ana)
    with pytest.raises(IdentityError):
        session.current()
    open_page(monkeypatch, ben)
    assert session.current().learner.name == "Ben"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 61, 7, "Facilitator", " the FACILITATOR ", "Facilitator.",
                                 "Facilitator (2)", "F\u0430cilitator", "Facilitator\u2060", "Ana\u200bLopez",
                                 "Alice (2)", "Ｆａｃｉｌｉｔａｔｏｒ"])
def test_names_that_hide_or_impersonate_are_refused(bad: object) -> None:
    with pytest.raises(InputError):
        check_name(bad)


def test_namesakes_are_numbered_once_at_joining_and_keep_their_label(workshop: Path) -> None:
    assert check_name("  Ana   Lopez ") == "Ana Lopez" and check_name("José") == "José"
    for name in ("Alice", "alice", "Bob", "Alice"):
        joined(workshop, name)
    with Store.open_default() as store:
        assert [p.name for p in store.participants()] == ["Alice", "alice (2)", "Bob", "Alice (3)"]
        store.erase_learner(store.participants()[0].id)
        assert [p.name for p in store.participants()] == ["alice (2)", "Bob", "Alice (3)"]  # no label moves


def test_posts_carry_the_joined_name_and_only_the_facilitator_posts_as_facilitator(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = joined(workshop, "Alice"), joined(workshop, "Alice")
    open_page(monkeypatch, second)
    chat = Backchannel(poll_seconds=60)
    assert chat.author.disabled and chat.author.value == "Alice (2)"  # numbered when she joined
    chat.author.value = "Facilitator"  # a browser can still send a value to a disabled field
    chat.body.value = "Who am I?"
    chat.post_button.click()
    chat.close()
    open_page(monkeypatch, session.facilitator_token(workshop))
    boss = Backchannel(poll_seconds=60)
    boss.body.value = "Welcome, everyone."
    boss.post_button.click()
    posts = record(boss._sess().store)
    assert [p.author for p in posts] == ["Alice (2)", "Facilitator"]
    assert 'Facilitator</strong> <span class="plnkit-badge">facilitator</span>' in boss.stream.value
    boss.close()
    assert first


def test_the_facilitator_link_can_delete_any_backchannel_post(workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    boss = session.facilitator_token(workshop)
    assert session.facilitator_token(workshop) == boss  # stable across restarts
    assert (workshop / session.FACILITATOR_FILE).stat().st_mode & 0o077 == 0  # readable by its owner only
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, ana)
    mine = Backchannel(poll_seconds=60)
    mine.body.value = "Something to moderate"
    mine.post_button.click()
    post_id = mine._sess().store.posts("course")[0].id
    assert not session.is_facilitator(session.current())
    mine.close()
    open_page(monkeypatch, boss)
    assert session.is_facilitator(session.current())
    mod = Backchannel(poll_seconds=60)
    # The facilitator hides a post, in the same words as on their own page (the record says "hidden by").
    assert mod.mine.description == "Hide a post (facilitator)" and mod.delete_button.description == "Hide post"
    assert [v for _, v in mod.mine.options] == [post_id]
    mod.delete_button.click()
    assert mod.status.text == "Choose a post to hide first."
    mod.mine.value = post_id
    mod.delete_button.click()
    assert mod.status.text == "Hidden from every stream. The record keeps it, marked as hidden by you."
    assert record(mod._sess().store)[0].deleted_at is not None
    assert "Something to moderate" not in mod.stream.value and "hidden by the facilitator" not in mod.stream.value
    mod.close()
    # Ana's stream doesn't just lose her post: in its place a note only she sees says what happened to it.
    open_page(monkeypatch, ana)
    mine = Backchannel(poll_seconds=60)
    assert "Something to moderate" not in mine.stream.value and "No posts yet" not in mine.stream.value
    assert "Your post was hidden by the facilitator (only you see this note)." in mine.stream.value
    assert mine.mine.options == ()  # nothing of hers left to delete
    mine.close()
    open_page(monkeypatch, joined(workshop, "Ben"))  # others see nothing of it
    other = Backchannel(poll_seconds=60)
    assert "No posts yet" in other.stream.value and "hidden" not in other.stream.value
    other.close()


def test_a_save_and_a_live_backchannel_re_checking_the_link_never_wait_for_each_other(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save holds the store while it asks for the session; a backchannel's thread re-checks the link (which
    reads the store) at the same moment. Each must get what it needs: the page must not freeze."""
    import threading

    monkeypatch.setattr(session, "RECHECK_SECONDS", 0.0)
    open_page(monkeypatch, joined(workshop, "Ana"))
    sess = session.current()
    in_save, rechecking, saved = threading.Event(), threading.Event(), threading.Event()

    def save() -> None:  # what Component._commit does: one transaction, the session asked for inside it
        with sess.store.transaction():
            in_save.set()
            rechecking.wait(10)
            time.sleep(0.3)  # the re-check is now waiting for the store this save holds
            session.current()
        saved.set()

    def recheck() -> None:  # the backchannel's poll
        in_save.wait(10)
        rechecking.set()
        session.current()

    threads = [threading.Thread(target=save, daemon=True), threading.Thread(target=recheck, daemon=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert saved.is_set() and not any(thread.is_alive() for thread in threads)


def test_outside_workshop_mode_join_shows_nothing(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.delenv("PLNKIT_WORKSHOP", raising=False)
    assert Join().widget.layout.display == "none"
    assert session.link_suffix(session.current()) == ""


def test_an_open_page_stops_saving_once_its_link_is_reissued_or_the_workshop_closes(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "RECHECK_SECONDS", 0.0)
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, ana)
    page = Reflection("why-pln/what")  # Ana's tab stays open
    page.text.value = "before"
    page.save(force=True)
    assert page.status.text.startswith("Saved")
    with Store.open_default() as store:
        store.reissue(store.participants()[0].id, session.token_key(session.new_token()))
    page.text.value = "after the facilitator reissued her link"
    page.save(force=True)
    assert page.status.text.startswith("Couldn't save") or "sign-in has stopped working" in page.status.text
    assert "new personal link" in page.status.text and "Nothing more is saved" in page.status.text
    assert "offered back to you there" in page.status.text
    with Store.open_default() as store:
        assert [v.value for v in store.answer_history(store.participants()[0], "why-pln/what")] == ["before"]


def test_a_save_a_second_after_the_workshop_closes_is_refused(workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's background re-check runs every few seconds (session.RECHECK_SECONDS, left as it is here);
    what the person does checks the link there and then: a trial stored a post sent 1-3 s after Close."""
    ana = joined(workshop, "Ana")
    open_page(monkeypatch, ana)
    page = Reflection("why-pln/what")
    page.text.value = "before"
    page.save(force=True)
    assert page.status.text.startswith("Saved")
    with Store.open_default() as store:
        store.set_workshop_closed(True)
    time.sleep(session.ACTION_RECHECK_SECONDS + 0.1)
    assert session.ACTION_RECHECK_SECONDS < 1 < session.RECHECK_SECONDS
    page.text.value = "one second after the facilitator closed the workshop"
    page.save(force=True)
    assert "closed by its facilitator" in page.status.text and "Nothing more is saved" in page.status.text
    with Store.open_default() as store:
        assert [v.value for v in store.answer_history(store.participants()[0], "why-pln/what")] == ["before"]


def test_a_page_whose_learner_was_erased_says_so_in_plain_words(store: Store) -> None:
    r = Reflection("why-pln/what")
    store.erase_learner(store.learner("local").id)
    r.text.value = "typed after the erase"
    r.save(force=True)
    assert r.status.text == ("Your work on this server has been erased (by you or by the facilitator), so nothing "
                             "more is saved from this page.")


def test_an_erased_learner_s_open_page_can_never_reach_the_next_person_s_work(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mallory = joined(workshop, "Mallory")
    open_page(monkeypatch, mallory)
    stale = session.current()  # Mallory's tab stays open after she erases her work
    stale.store.erase_learner(stale.learner.id)
    bob = joined(workshop, "Bob")
    open_page(monkeypatch, bob)
    me = session.current()
    assert me.learner.id != stale.learner.id  # ids are never reused
    me.store.save_answer(me.learner, "why-pln/what", "Bob's secret")
    assert stale.store.latest_answer(stale.learner, "why-pln/what") is None
    with pytest.raises(Exception, match="erased"):
        stale.store.save_answer(stale.learner, "why-pln/what", "written from the stale tab")
