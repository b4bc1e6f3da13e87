"""Workshop mode: a room on one server, each participant kept apart by a personal link."""

from __future__ import annotations

from pathlib import Path

import pytest

from plnkit import session
from plnkit.errors import IdentityError
from plnkit.page import Footer, header, module_list
from plnkit.reflection import Reflection
from plnkit.store import DB_NAME, Store
from plnkit.workshop import Join


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path))
    monkeypatch.setenv("PLNKIT_WORKSHOP", "1")
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    session.use(None)
    yield tmp_path
    session.use(None)


def open_page(monkeypatch: pytest.MonkeyPatch, token: str | None) -> None:
    """What a new Voila kernel sees: the page address's query string, and no session yet."""
    monkeypatch.setenv("QUERY_STRING", f"learner={token}" if token else "")
    session.use(None)


def test_joining_gives_a_personal_link_and_keeps_participants_apart(
        workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    j = Join()
    j.name.value = "Ana"
    ana = j.join()
    assert ana and f"01_why_pln.ipynb?learner={ana}" in j.link.value and "bookmark it" in j.link.value
    j2 = Join()
    j2.name.value = "Ben"
    ben = j2.join()
    assert ben and ben != ana

    open_page(monkeypatch, ana)
    r = Reflection("why-pln/what")
    r.text.value = "Ana's private thoughts"
    r.save(force=True)
    assert f"02_stages.ipynb?learner={ana}" in header(1).widget.value  # every link carries the token
    assert f"?learner={ana}" in module_list().value

    open_page(monkeypatch, ben)
    assert Reflection("why-pln/what").text.value == ""  # Ben never sees Ana's work
    assert "Welcome, <strong>Ben</strong>" in Join().widget.children[0].value

    with Store(workshop / DB_NAME) as store:
        keys = {row for row in store._conn.execute("SELECT key FROM learners").fetchall()}
    assert all(ana not in k[0] and ben not in k[0] for k in keys)  # only hashes of tokens are stored


def test_a_workshop_page_without_a_personal_link_saves_nothing(workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_page(monkeypatch, None)
    with pytest.raises(IdentityError, match="personal link"):
        session.current()
    r = Reflection("why-pln/what")
    assert "personal link" in r.status.text
    r.text.value = "typed before joining"
    r.save(force=True)
    assert "personal link" in r.status.text
    assert 'href="02_stages.ipynb"' in header(1).widget.value  # still navigable
    assert "I've finished" in Footer(header(1).page).button.description


@pytest.mark.parametrize("query", ["learner=short", "learner=../../etc/passwd", "learner=<script>alert(1)</script>"])
def test_malformed_tokens_are_ignored(workshop: Path, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    monkeypatch.setenv("QUERY_STRING", query)
    assert session.request_token() is None


def test_outside_workshop_mode_join_shows_nothing(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.delenv("PLNKIT_WORKSHOP", raising=False)
    assert Join().widget.layout.display == "none"
    assert session.link_suffix(session.current()) == ""


def test_the_facilitator_link_can_delete_any_backchannel_post(workshop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from plnkit.backchannel import Backchannel, record

    boss = session.facilitator_token(workshop)
    assert session.facilitator_token(workshop) == boss  # stable across restarts
    assert (workshop / session.FACILITATOR_FILE).stat().st_mode & 0o077 == 0  # readable by its owner only
    j = Join()
    j.name.value = "Ana"
    ana = j.join()

    open_page(monkeypatch, ana)
    mine = Backchannel(poll_seconds=60)
    mine.author.value, mine.body.value = "Ana", "Something to moderate"
    mine.post_button.click()
    post_id = mine._sess().store.posts("course")[0].id
    assert not session.is_facilitator(session.current())
    mine.close()

    open_page(monkeypatch, boss)
    assert session.is_facilitator(session.current())
    assert "Welcome, <strong>facilitator</strong>" in Join().widget.children[0].value
    mod = Backchannel(poll_seconds=60)
    assert mod.mine.description == "Delete a post (facilitator)" and [v for _, v in mod.mine.options] == [post_id]
    mod.mine.value = post_id
    mod.delete_button.click()
    assert "stays in the record" in mod.status.text
    assert record(mod._sess().store)[0].deleted_at is not None
    mod.close()
