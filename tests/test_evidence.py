"""The learner's evidence: a readable record that shows everything and runs nothing, and a certificate that is
only issued for finished work and can be checked by its code."""

from __future__ import annotations

import base64
import html
import json
import re
import uuid
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import pytest

from plnkit import content
from plnkit.charts.learner import describe_benefit_profile, describe_stage_schematic
from plnkit.errors import InputError
from plnkit.formats.evidence import (
    CODE_ALPHABET,
    certificate_facts,
    certificate_html,
    issue_certificate,
    missing_modules,
    new_code,
    normalise_code,
    open_badge,
    portfolio_html,
    verify_certificate,
)
from plnkit.rules import network
from plnkit.services.session import Session
from plnkit.services.store import Store
from plnkit.widgets._ui import day_and_clock, esc
from plnkit.widgets.evidence import Evidence

RATINGS_BEFORE = {b.key: 2 for b in content.BENEFITS}
RATINGS_AFTER = {**{b.key: 4 for b in content.BENEFITS}, "aware": 1}
CODE = re.compile(r"^PLN-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")


def me(store: Store) -> Session:
    return Session(store, store.learner("local"))


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def assert_runs_and_loads_nothing(page: str) -> None:
    assert not re.search(r"<script", page, re.I)
    assert not re.search(r"@import|url\(", page, re.I)
    for tag, attrs in tags(page):
        assert tag not in ("script", "link", "iframe", "object", "embed", "base", "form")
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "src" in attrs:
            assert tag == "img" and (attrs["src"] or "").startswith("data:image/png;base64,")
        if "href" in attrs:
            assert tag == "a", (tag, attrs)


def done(store: Store, *slugs: str) -> None:
    for slug in slugs:
        store.set_progress(store.learner("local"), slug, "done")


# --- the readable record --------------------------------------------------------------------------------


def fill_the_course(store: Store) -> dict[str, str]:
    """Answer every exercise; returns the latest text saved for each reflection."""
    learner, sess = store.learner("local"), me(store)
    texts = {key: f"My answer to {key}: it is mine & only mine" for key in content.PROMPTS}
    texts["start/hopes"] = 'Learn <b>more</b> & "share" <script>alert("hi")</script>\non two lines'
    store.save_answer(learner, "why-pln/what", "An earlier draft about the staff room")
    for key, text in texts.items():
        store.save_answer(learner, key, text)
    store.save_answer(learner, "why-pln/benefit-ratings", RATINGS_BEFORE)
    store.save_answer(learner, "why-pln/benefit-ratings", {**RATINGS_BEFORE, "aware": 3})
    store.save_answer(learner, "why-pln/benefit-ratings", RATINGS_AFTER)
    store.save_answer(learner, "why-pln/grow-first", "model")
    store.save_answer(learner, "stages/confirmed", {"stage": "immersion", "estimated": "immersion"})
    store.save_answer(learner, "stages/confirmed", {"stage": "know-it-all", "estimated": "evaluation"})
    store.save_answer(learner, "stages/balance-plan", {"minutes": [["Mastodon", 90], ["My <blog>", 30]],
                                                       "late_night": True, "boundary": "No phone after 8 pm"})
    store.save_answer(learner, "stages/first-steps", ["one-email", "start-slowly"])
    store.save_answer(learner, "tools/identity", [["Mastodon", "@ana_lopez"], ["Bluesky", "analopez.bsky.social"]])
    store.save_answer(learner, "tools/communities", {"feeds:Feedly": "use", "community:Discord": "try"})
    sess.store.record_changes(learner, [network.adding(network.make_node("person", "Ana <i>Lopez</i>", ring=1,
                                                                         platform="Bluesky")),
                                        network.adding(network.make_node("feed", "Cult of Pedagogy", ring=2))])
    store.add_bookmarks(learner, [{"url": "https://example.org/lesson?a=1&b=2", "title": "Lesson <ideas>",
                                   "tags": ("maths", "year-7"), "note": "Try in week 3"}])
    store.subscribe(learner, "https://www.cultofpedagogy.com/feed/", "Cult of Pedagogy")
    return texts


def test_the_record_shows_every_saved_answer_escaped(store: Store) -> None:
    texts = fill_the_course(store)
    page = portfolio_html(me(store)).decode("utf-8")
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page and page.count("<style>") == 1
    assert content.COURSE_TITLE in page
    for key, text in texts.items():
        assert esc(content.PROMPTS[key].question) in page
        assert esc(text) in page, key
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;" in page  # what was typed, shown as text
    assert "<b>more</b>" not in page and "Lesson <ideas>" not in page and "<i>Lopez</i>" not in page
    assert "An earlier draft about the staff room" in page and "Earlier versions (1)" in page
    saved = store.latest_answer(store.learner("local"), "start/hopes")
    assert saved is not None and f"Saved {day_and_clock(saved.saved_at)}" in page
    # ratings: first against latest, and the benefit to grow
    assert esc(describe_benefit_profile(RATINGS_AFTER, RATINGS_BEFORE)) in page
    assert "A model for students</strong>" in page
    # the stage journey, the plans and the tools
    history = store.answer_history(store.learner("local"), "stages/confirmed")
    points = [(v.saved_at, v.value["stage"]) for v in reversed(history)]
    assert esc(describe_stage_schematic(points)) in page
    assert "My &lt;blog&gt;" in page and "No phone after 8 pm" in page and content.TIPS[1].first_step in page
    assert "@ana_lopez" in page and "Feedly" in page and "I&#x27;ll try it" in page
    # the network: four charts with text, the map's table; bookmarks and feeds
    images = [attrs for tag, attrs in tags(page) if tag == "img"]
    assert len(images) == 6 and all(a.get("alt") for a in images)  # ratings, stages and the network's four
    assert "Map of your network: 2 connections" in page and "Ana &lt;i&gt;Lopez&lt;/i&gt;" in page
    assert 'href="https://example.org/lesson?a=1&amp;b=2"' in page and "maths, year-7" in page
    assert "https://www.cultofpedagogy.com/feed/" in page


def test_the_record_runs_nothing_and_loads_nothing(store: Store) -> None:
    fill_the_course(store)
    page = portfolio_html(me(store)).decode("utf-8")
    assert_runs_and_loads_nothing(page)
    links = [attrs["href"] for tag, attrs in tags(page) if tag == "a"]
    assert links == ["https://example.org/lesson?a=1&b=2"]  # the bookmark, as a plain link
    assert "@media print" in page and "break-inside:avoid" in page


def test_a_record_of_nothing_yet_is_still_a_page(store: Store) -> None:
    page = portfolio_html(me(store)).decode("utf-8")
    assert "My learning record" in page and page.count("Not started") == 3
    assert "No reflections saved yet." in page and "Nothing added to your network yet." in page
    assert_runs_and_loads_nothing(page)


def test_a_damaged_stored_answer_is_left_out_of_the_record(store: Store) -> None:
    learner = store.learner("local")
    store.save_answer(learner, "why-pln/benefit-ratings", {"aware": 9})  # hand-edited: not a rating
    store.save_answer(learner, "stages/confirmed", {"stage": "nowhere"})
    store.save_answer(learner, "why-pln/what", "Kept")
    page = portfolio_html(me(store)).decode("utf-8")
    assert "Kept" in page and "The seven benefits" not in page and "stage journey" not in page


def test_the_record_names_a_participant_without_their_namesake_number(store: Store) -> None:
    sess = Session(store, store.learner("ws:" + "a" * 32, "Ana Lopez (2)"))
    page = portfolio_html(sess).decode("utf-8")
    assert "<h1>Ana Lopez: learning record</h1>" in page


# --- the certificate ------------------------------------------------------------------------------------


def test_no_certificate_until_all_three_modules_are_done(store: Store) -> None:
    sess = me(store)
    with pytest.raises(InputError, match=r"^Complete Module 1, Module 2 and Module 3 to get your certificate"):
        issue_certificate(sess, "Ana Lopez")
    done(store, "why-pln")
    store.set_progress(store.learner("local"), "stages", "started")
    assert [m.number for m in missing_modules(sess)] == [2, 3]
    with pytest.raises(InputError, match=r"^Complete Module 2 and Module 3 to get your certificate"):
        issue_certificate(sess, "Ana Lopez")
    assert store.certificates(store.learner("local")) == []
    done(store, "stages", "tools")
    cert = issue_certificate(sess, "Ana Lopez")
    assert CODE.match(cert.code) and cert.facts["name"] == "Ana Lopez"
    assert store.certificates(store.learner("local"))[0].code == cert.code


def test_the_name_on_a_certificate_is_required_and_checked(store: Store) -> None:
    done(store, "why-pln", "stages", "tools")
    with pytest.raises(InputError, match="Type your name"):
        issue_certificate(me(store), "   ")
    with pytest.raises(InputError, match="facilitator"):
        issue_certificate(me(store), "Facilitator")
    assert issue_certificate(me(store), "  Ana   Lopez ").facts["name"] == "Ana Lopez"


def test_a_code_verifies_however_it_is_typed_and_a_wrong_one_does_not(store: Store) -> None:
    done(store, "why-pln", "stages", "tools")
    cert = issue_certificate(me(store), "Ana Lopez")
    body = cert.code.removeprefix("PLN-").replace("-", "")
    for typed in (cert.code, cert.code.lower(), f"  {cert.code.lower().replace('-', ' ')} ", body, body.lower(),
                  f"pln{body.lower()}", f"{body[:4]} {body[4:8]} {body[8:]}"):
        found = verify_certificate(store, typed)
        assert found is not None and found.code == cert.code and found.facts["name"] == "Ana Lopez", typed
    wrong = cert.code[:-1] + ("2" if cert.code[-1] != "2" else "3")
    assert verify_certificate(store, wrong) is None
    for nonsense in ("", "hello", "PLN-0000-1111-OOOO", "x" * 500, None, 12345):
        assert verify_certificate(store, nonsense) is None
    assert normalise_code("pln 7kq4 m2xd 9wta") == "PLN-7KQ4-M2XD-9WTA"
    assert normalise_code("7KQ4M2XD9WTA") == "PLN-7KQ4-M2XD-9WTA"


def test_codes_are_fresh_and_free_of_look_alike_characters() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500 and all(CODE.match(c) for c in codes)
    assert not set("01IO") & set(CODE_ALPHABET) and len(set(CODE_ALPHABET)) == 32


def test_the_printable_certificate_states_what_was_done(store: Store) -> None:
    done(store, "why-pln", "stages", "tools")
    cert = issue_certificate(me(store), "Zoë O'Brien & <Co>")
    page = certificate_html(cert).decode("utf-8")
    assert "Zoë O&#x27;Brien &amp; &lt;Co&gt;" in page and "<Co>" not in page
    assert "1 hour 50 minutes (1.8 hours)" in page and content.COURSE_TITLE in page
    for m in content.MODULES:
        assert esc(m.title) in page and f"about {m.minutes} minutes" in page
    assert cert.code in page and "Self-paced" in page and "data file" in page
    today = datetime.now().astimezone().date()
    assert f"Completed on <strong>{today.day} {today:%b %Y}</strong>" in page
    assert "@page" in page and "size:portrait" in page
    assert_runs_and_loads_nothing(page)


def test_a_workshop_certificate_names_its_facilitator_and_workshop(store: Store,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLNKIT_WORKSHOP", "1")
    done(store, "why-pln", "stages", "tools")
    assert certificate_facts(me(store), "Ana")["issuer"] == "the workshop's facilitator"
    assert certificate_facts(me(store), "Ana")["workshop"] == "PLN workshop"
    store.set_workshop_setting("facilitator_name", "Dr Sam <Lee>")
    store.set_workshop_setting("title", "Spring PLN day")
    cert = issue_certificate(me(store), "Ana Lopez")
    page = certificate_html(cert).decode("utf-8")
    assert "Issued by Dr Sam &lt;Lee&gt;, facilitator of Spring PLN day" in page and "Self-paced" not in page
    assert "facilitator&#x27;s page" in page
    badge = json.loads(open_badge(cert))
    assert badge["issuer"]["name"] == "Dr Sam <Lee> (Spring PLN day)"


def test_the_open_badge_is_an_unsigned_open_badges_3_credential(store: Store) -> None:
    done(store, "why-pln", "stages", "tools")
    cert = issue_certificate(me(store), "Ana Lopez")
    data = open_badge(cert)
    badge = json.loads(data.decode("utf-8"))
    assert badge["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["issuer"]["type"] == ["Profile"] and badge["issuer"]["name"]
    assert datetime.fromisoformat(badge["validFrom"].replace("Z", "+00:00")) <= datetime.now().astimezone()
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                                      "identityHash": "Ana Lopez"}]
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"] and achievement["name"] and achievement["description"]
    for m in content.MODULES:
        assert m.title in achievement["criteria"]["narrative"]
    assert "1.8 hours" in achievement["criteria"]["narrative"]
    for urn in (badge["id"], achievement["id"], badge["issuer"]["id"]):
        assert urn.startswith("urn:uuid:") and uuid.UUID(urn.removeprefix("urn:uuid:"))
    assert "proof" not in badge and open_badge(cert) == data  # unsigned, and the same every time


# --- the widget -----------------------------------------------------------------------------------------


def downloaded(link_html: str, filename: str) -> bytes:
    found = re.search(rf'download="{re.escape(filename)}" href="data:[^;]+;base64,([^"]+)"', link_html)
    assert found, link_html
    return base64.b64decode(found.group(1))


def test_the_widget_offers_the_record_and_says_which_modules_are_missing(store: Store) -> None:
    store.save_answer(store.learner("local"), "why-pln/what", "Tom & Jerry")
    done(store, "why-pln")
    widget = Evidence(session=me(store))
    assert "Complete Module 2 and Module 3 to get your certificate" in html.unescape(widget.cert_info.value)
    widget.record_button.click()
    record = downloaded(widget.record_download.value, "my-pln-record.html").decode("utf-8")
    assert record.startswith("<!doctype html>") and "Tom &amp; Jerry" in record
    assert "ready" in widget.status.text
    widget.name.value = "Ana Lopez"
    widget.cert_button.click()
    assert widget.cert_status.text.startswith("Complete Module 2 and Module 3 to get your certificate")
    assert widget.cert_download.value == "" and store.certificates(store.learner("local")) == []


def test_finishing_module_3_on_the_same_page_lets_the_learner_get_the_certificate(store: Store) -> None:
    done(store, "why-pln", "stages")
    widget = Evidence(session=me(store))  # drawn before module 3 is finished
    assert "Complete Module 3 to get your certificate" in html.unescape(widget.cert_info.value)
    done(store, "tools")
    widget.name.value = ""
    widget.cert_button.click()
    assert "Type your name" in widget.cert_status.text and widget.cert_download.value == ""
    widget.name.value = "Ana Lopez"
    widget.cert_button.click()
    code = store.certificates(store.learner("local"))[0].code
    assert code in widget.cert_status.text and code in widget.cert_download.value
    page = downloaded(widget.cert_download.value, "my-pln-certificate.html").decode("utf-8")
    assert "Ana Lopez" in page and code in page
    badge = json.loads(downloaded(widget.cert_download.value, "my-pln-open-badge.json"))
    assert badge["credentialSubject"]["identifier"][0]["identityHash"] == "Ana Lopez"
    # the next time the page opens, the certificate is there straight away, with the name it was issued to
    again = Evidence(session=me(store))
    assert code in again.cert_download.value and again.name.value == "Ana Lopez"


def test_the_widget_prefills_a_participants_name(store: Store) -> None:
    sess: Any = Session(store, store.learner("ws:" + "b" * 32, "Ana Lopez (2)"))
    assert Evidence(session=sess).name.value == "Ana Lopez"


@pytest.mark.browser
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_certificate_prints_on_one_page(store: Store, page: Any, paper: str) -> None:
    done(store, "why-pln", "stages", "tools")
    cert = issue_certificate(me(store), "Maximiliana Alejandra de la Cruz-Fernández Ó Súilleabháin")
    page.set_content(certificate_html(cert).decode("utf-8"))
    pdf = page.pdf(format=paper)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_the_records_growth_counts_connections_not_the_learners_own_accounts(store: Store) -> None:
    learner = store.learner("local")
    store.record_changes(learner, [network.adding(network.presence_node("Mastodon", "@ana@example.social")),
                                   network.adding(network.presence_node("Blog", "ana.example.org"))])
    store.record_changes(learner, [network.adding(network.make_node("person", "Ben Okafor"))])
    page = html.unescape(portfolio_html(me(store)).decode("utf-8"))
    assert "your network has grown to 1 person." in page
    assert "1 community" not in page and "1 tool" not in page
