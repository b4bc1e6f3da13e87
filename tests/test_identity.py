"""The username consistency check (the seed's first tip)."""

from __future__ import annotations

import pytest

from plnkit.errors import InputError
from plnkit.rules.identity import Presence, check_identity, check_presences, compare


def report(*pairs: tuple[str, str]) -> object:
    return check_identity(check_presences(list(pairs)))


def test_the_same_handle_everywhere_is_consistent() -> None:
    r = report(("Bluesky", "@msrivera.bsky.social"), ("Mastodon", "@msrivera@mastodon.social"),
               ("Email", "msrivera@gmail.com"), ("Blog", "https://msrivera.blog"))
    assert r.consistent and r.suggestion == "msrivera"  # type: ignore[attr-defined]
    assert r.summary.startswith("Consistent: you are “msrivera” everywhere")  # type: ignore[attr-defined]


@pytest.mark.parametrize("handle,kind", [("MsRivera", "case"), ("ms_rivera", "separators"), ("ms.rivera", "separators"),
                                         ("msrivera73", "digits"), ("teachrivera", "different")])
def test_each_kind_of_difference_is_named(handle: str, kind: str) -> None:
    assert compare(handle, "msrivera") == kind


def test_differences_are_listed_with_a_consistent_choice() -> None:
    r = report(("Bluesky", "msrivera"), ("Mastodon", "@MsRivera@mastodon.social"), ("Diigo", "ms_rivera"),
               ("LinkedIn", "msrivera"), ("Pinboard", "teach4ever"))
    assert r.suggestion == "msrivera" and not r.consistent  # type: ignore[attr-defined]
    messages = [f.message for f in r.findings]  # type: ignore[attr-defined]
    assert messages == [
        "On Mastodon you are “MsRivera”, which differs only in capital letters from “msrivera”.",
        "On Diigo you are “ms_rivera”, which differs only in dots, dashes or underscores from “msrivera”.",
        "On Pinboard you are “teach4ever”, which is a different name from “msrivera”.",
    ]
    assert r.summary == "3 of your 5 usernames differ. A consistent choice would be “msrivera”, the name you already use most."  # type: ignore[attr-defined]  # noqa: E501


def test_a_suggestion_no_name_is_used_more_than_once_is_not_called_the_most_used() -> None:
    r = report(("Bluesky", "msrivera"), ("Mastodon", "@MsRivera@mastodon.social"), ("Diigo", "ms_rivera"))
    assert r.summary == ("2 of your 3 usernames differ. A consistent choice would be “msrivera”, one of the names "  # type: ignore[attr-defined]  # noqa: E501
                         "you use already.")


def test_rows_are_validated() -> None:
    assert check_presences([("", ""), ("Bluesky", "ana")]) == [Presence("Bluesky", "ana")]
    with pytest.raises(InputError, match="both the service and your username"):
        check_presences([("Bluesky", "")])
    with pytest.raises(InputError, match="under 100"):
        check_presences([("Bluesky", "a" * 101)])
    with pytest.raises(InputError, match="at most 12"):
        check_presences([("S", f"u{i}") for i in range(13)])
    assert check_identity([]).summary.startswith("Add the places")


@pytest.mark.parametrize("typed,handle", [
    ("https://mastodon.social/@ana", "ana"), ("https://www.youtube.com/@ana", "ana"), ("@ana@mastodon.social", "ana"),
    ("https://bsky.app/profile/ana.bsky.social", "ana"), ("ana.bsky.social", "ana"),
    ("https://msrivera.blog", "msrivera"),
    ("https://www.linkedin.com/in/ms-rivera/", "ms-rivera"), ("github.com/msrivera", "msrivera"),
    ("https://example.org/~ana", "ana"), ("ms.rivera", "ms.rivera"), ("teacher@school.example", "teacher"),
])
def test_handles_are_read_from_links_addresses_and_domains(typed: str, handle: str) -> None:
    from plnkit.rules.identity import handle_of

    assert handle_of(typed) == handle


@pytest.mark.parametrize("typed", [
    "m.facebook.com/ana", "https://m.facebook.com/ana", "https://mobile.twitter.com/ana", "mobile.twitter.com/ana/",
    "https://de-de.facebook.com/ana", "https://fr-fr.facebook.com/ana?ref=bookmarks", "https://de.pinterest.com/ana/",
    "https://www.facebook.com/ana", "pinboard.in/u:ana", "https://pinboard.in/u:ana/t:maths/", "m.youtube.com/@ana",
    "https://fr.linkedin.com/in/ana", "https://m.ana.blog",
])
def test_mobile_language_and_www_labels_and_pinboards_form_give_the_name(typed: str) -> None:
    from plnkit.rules.identity import handle_of

    assert handle_of(typed) == "ana"


def test_profile_links_from_phones_and_other_languages_are_the_same_name() -> None:
    r = report(("Facebook", "https://m.facebook.com/ana"), ("Facebook (work)", "de-de.facebook.com/ana"),
               ("Twitter", "https://mobile.twitter.com/ana"), ("Pinboard", "https://pinboard.in/u:ana/"))
    assert r.consistent and r.suggestion == "ana"  # type: ignore[attr-defined]


@pytest.mark.parametrize("typed,handle", [("https://jo.blog", "jo"), ("https://www.jo.blog", "jo"),
                                          ("https://fr.example.org/ana", "fr")])
def test_a_short_name_is_not_taken_for_a_language(typed: str, handle: str) -> None:
    from plnkit.rules.identity import handle_of

    assert handle_of(typed) == handle
