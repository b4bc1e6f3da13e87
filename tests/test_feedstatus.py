"""What a fetch result means: subscribe or not, what to say, and when the course is offline."""

from __future__ import annotations

from plnkit.content import STARTER_FEEDS
from plnkit.errors import (
    FeedConnectionError,
    FeedError,
    FeedHTTPError,
    FeedTimeoutError,
    HostNotFoundError,
    NotAFeedError,
)
from plnkit.formats.feeds import Feed
from plnkit.rules.feedstatus import (
    LATER,
    NO_ENTRIES_YET,
    OFFLINE,
    problem,
    refresh_summary,
    seems_offline,
    starter_feed,
    subscribing,
)
from plnkit.services.feedcache import FeedResult

URL = "https://blog.example/feed"
TYPO = HostNotFoundError("Couldn't find a site called blgo.example. Check the spelling of the address.")
NO_NETWORK = FeedConnectionError("The course can't reach the internet right now.", offline=True)


def result(error: FeedError | None = None, feed: Feed | None = None) -> FeedResult:
    return FeedResult(URL, feed, error)


def test_a_feed_read_or_not_yet_read_is_saved() -> None:
    assert subscribing(result(feed=Feed(URL, "Blog", None, ()))).save
    assert subscribing(result()) == subscribing(result()).__class__(True, NO_ENTRIES_YET)


def test_offline_or_unreachable_is_saved_for_the_next_refresh() -> None:
    assert (subscribing(result(NO_NETWORK)).save, subscribing(result(NO_NETWORK)).note) == (True, OFFLINE)
    for error in (FeedConnectionError("refused"), FeedTimeoutError("slow")):
        assert (subscribing(result(error)).save, subscribing(result(error)).note) == (True, LATER)


def test_a_typo_or_a_page_is_refused_with_its_message_and_a_page_offers_its_feed() -> None:
    typo = subscribing(result(TYPO))
    assert not typo.save and typo.error is TYPO
    page = subscribing(result(NotAFeedError("That page is not a feed.", suggestion=URL)))
    assert not page.save and page.suggestion == URL
    assert not subscribing(result(FeedHTTPError("error 404", status=404))).save


def test_a_starter_blog_is_never_refused() -> None:
    for error in (TYPO, FeedError("Couldn't find a site. Check the spelling."), NotAFeedError("x"),
                  FeedHTTPError("error 404", status=404)):
        decided = subscribing(result(error), starter=True)
        assert decided.save and decided.note == LATER and "spelling" not in decided.note
    assert subscribing(result(NO_NETWORK), starter=True).note == OFFLINE


def test_offline_needs_every_feed_unreachable() -> None:
    assert seems_offline([result(NO_NETWORK)])
    assert seems_offline([result(TYPO), result(FeedConnectionError("refused"))])
    assert not seems_offline([result(TYPO)])  # one bad name is a typo
    assert not seems_offline([result(NO_NETWORK), result(feed=Feed(URL, "Blog", None, ()))])
    assert not seems_offline([])


def test_the_refresh_summary_counts_in_words() -> None:
    fine = result(feed=Feed(URL, "Blog", None, ()))
    assert refresh_summary([fine]) == ("ok", "Updated 1 feed.")
    failed = result(FeedHTTPError("error 503", status=503))
    assert refresh_summary([fine, failed]) == ("info", "Updated. 1 feed could not be read (see below).")
    assert refresh_summary([result(NO_NETWORK)])[0] == "error"


def test_a_starter_blog_is_known_however_its_address_is_written() -> None:
    starter = STARTER_FEEDS[0]  # https://www.cultofpedagogy.com/feed/
    for typed in (starter.url, "www.cultofpedagogy.com/feed/", "HTTPS://WWW.CultOfPedagogy.com/feed/#top"):
        assert starter_feed(typed) == starter
    assert starter_feed("https://www.cultofpedagogy.com/other-feed/") is None
    assert starter_feed(URL) is None


def test_a_starter_blog_not_found_in_a_refresh_is_not_put_down_to_spelling() -> None:
    assert "spelling" not in problem(result(TYPO), starter=True)
    assert "next Refresh" in problem(result(TYPO), starter=True)
    assert problem(result(TYPO)) == str(TYPO)  # a feed the learner typed: their spelling may be wrong
    down = FeedHTTPError("That site had a problem (error 503). Try again later.", status=503)
    assert problem(result(down), starter=True) == str(down)
