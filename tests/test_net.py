"""The fetcher's refusals: what a learner's URL may never reach. None of these makes a request."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest

from plnkit.errors import FeedConnectionError, FeedError, FeedURLError, HostNotFoundError, PrivateAddressError
from plnkit.services._net import Resolver, check_url, is_public, parse_allow, resolve, retry_after_seconds, unwrap
from plnkit.services.feedcache import fetch_feed

PRIVATE = "That address is on a private network, so the course won't fetch it."


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "etc/passwd", "ftp://example.org/feed",
                                 "javascript:alert(1)", "gopher://example.org/", "data:text/xml,<rss/>", "", "   "])
def test_only_http_and_https_addresses_are_fetched(url: str) -> None:
    with pytest.raises(FeedURLError) as info:
        fetch_feed(url)
    assert "http" in str(info.value) or "web address" in str(info.value)


def test_user_names_and_passwords_in_urls_are_refused() -> None:
    with pytest.raises(FeedURLError, match="user name or password"):
        fetch_feed("https://teacher:secret@example.org/feed")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/", "http://10.1.2.3/", "http://2130706433/", "http://0x7f000001/", "http://127.1/",
    "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a01:203]/", "http://[2002:7f00:1::]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://224.0.0.1/", "http://255.255.255.255/", "https://127.0.0.1:8443/feed",
])
def test_private_loopback_and_reserved_addresses_are_refused(url: str) -> None:
    with pytest.raises(PrivateAddressError) as info:
        fetch_feed(url)
    assert str(info.value) == PRIVATE


@pytest.mark.parametrize("address,public", [
    ("93.184.215.14", True), ("2606:4700::1111", True), ("10.0.0.1", False), ("100.100.1.1", False),
    ("::ffff:10.0.0.1", False), ("::ffff:93.184.215.14", True), ("64:ff9b::7f00:1", False),
    ("2002:c0a8:0101::", False), ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False), ("239.1.1.1", False),
])
def test_ipv4_wrapped_in_ipv6_is_judged_by_the_ipv4_inside(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_unwrap_finds_the_ipv4_address() -> None:
    assert str(unwrap(ipaddress.ip_address("::ffff:10.0.0.1"))) == "10.0.0.1"
    assert str(unwrap(ipaddress.ip_address("64:ff9b::a00:1"))) == "10.0.0.1"
    assert str(unwrap(ipaddress.ip_address("2002:0a00:0001::"))) == "10.0.0.1"


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    def rebinding(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("127.0.0.1")]

    with pytest.raises(PrivateAddressError):
        resolve("http://feeds.example/", (), rebinding)


def test_exemptions_open_exactly_what_they_name() -> None:
    allow = parse_allow("127.0.0.1:8123, 10.0.0.0/8,[::1]:9000")
    loop = ipaddress.ip_address("127.0.0.1")
    assert allow[0].covers(loop, 8123) and not allow[0].covers(loop, 8124)
    assert allow[1].covers(ipaddress.ip_address("10.20.30.40"), 80)
    assert not any(e.covers(ipaddress.ip_address("192.168.0.1"), 80) for e in allow)
    assert allow[2].covers(ipaddress.ip_address("::1"), 9000)
    with pytest.raises(ValueError, match="allow-list"):
        parse_allow("not-an-address")


def test_the_environment_variable_adds_exemptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLNKIT_FEED_ALLOW", "10.0.0.0/8")
    target = resolve("http://10.1.2.3/feed", parse_allow("10.0.0.0/8"))
    assert str(target.address) == "10.1.2.3"
    from plnkit.services._net import exemptions

    assert any(e.covers(ipaddress.ip_address("10.9.9.9"), 80) for e in exemptions(None))


@pytest.mark.parametrize("url", ["http://exa mple.org/", "http://example.org:99999/", "http://", "https://:80/x",
                                 "http://example.org/\nHost: evil"])
def test_malformed_addresses_get_a_clear_message(url: str) -> None:
    with pytest.raises(FeedURLError) as info:
        check_url(url)
    assert isinstance(info.value, FeedError) and str(info.value).endswith(".")


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == pytest.approx(60.0)
    assert retry_after_seconds("soon") is None


@pytest.mark.parametrize("typed,parts", [
    ("www.example.org/feed", ("https", "www.example.org", 443, "/feed")),
    ("feed://example.org/rss", ("http", "example.org", 80, "/rss")),
    ("feed:https://example.org/rss?a=1", ("https", "example.org", 443, "/rss?a=1")),
    ("FEED://EXAMPLE.org", ("http", "example.org", 80, "/")),
])
def test_typed_addresses_are_normalised_before_they_are_checked(typed: str, parts: tuple[str, str, int, str]) -> None:
    assert check_url(typed) == parts


def test_the_form_rules_live_in_the_pure_module() -> None:
    import plnkit.formats.bookmarks
    import plnkit.formats.opml
    import plnkit.widgets.reader

    for module in (plnkit.formats.bookmarks, plnkit.formats.opml, plnkit.widgets.reader):
        assert "plnkit.services._net" not in {getattr(v, "__module__", "") for v in vars(module).values()}
        source = open(module.__file__ or "").read()
        assert "services._net" not in source and "import _net" not in source


# --- offline or misspelt: a name that is not found (no request is made: the resolver's lookups are stand-ins) ---

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def names(known: dict[str, str], asked: list[str] | None = None,
          errno: int = socket.EAI_NONAME) -> Callable[[str, int], list[IPAddress]]:
    """A name lookup that knows only ``known`` and says "not found" (``errno``) for anything else."""
    def lookup(host: str, port: int) -> list[IPAddress]:
        if asked is not None:
            asked.append(host)
        if host in known:
            return [ipaddress.ip_address(known[host])]
        raise socket.gaierror(errno, "Name or service not known")

    return lookup


def test_a_misspelt_name_while_other_names_are_found_says_check_the_spelling() -> None:
    resolver = Resolver(names({"example.com": "93.184.215.14"}))
    with pytest.raises(HostNotFoundError, match="Couldn't find a site called blgo.example. Check the spelling"):
        resolve("https://blgo.example/feed", (), resolver)


@pytest.mark.parametrize("errno", [socket.EAI_NONAME, socket.EAI_AGAIN, socket.EAI_FAIL])
def test_no_name_found_at_all_means_offline_not_a_misspelling(errno: int) -> None:
    resolver = Resolver(names({}, errno=errno))  # an offline laptop, macOS without Wi-Fi, a proxy-only network
    with pytest.raises(FeedConnectionError) as info:
        resolve("https://blog.example-teacher.org/feed/", (), resolver)
    assert info.value.offline and "spelling" not in str(info.value)
    assert "can't reach the internet" in str(info.value)


def test_whether_names_are_found_at_all_is_asked_once_in_a_while() -> None:
    asked: list[str] = []
    now = [0.0]
    resolver = Resolver(names({}, asked), probe=("example.com",), ttl=60, clock=lambda: now[0])
    for name in ("a.example", "b.example", "c.example"):  # a refresh of three feeds while offline
        with pytest.raises(FeedConnectionError):
            resolver(name, 443)
    assert asked.count("example.com") == 1
    now[0] = 61.0
    with pytest.raises(FeedConnectionError):
        resolver("d.example", 443)
    assert asked.count("example.com") == 2


def test_a_name_server_that_does_not_answer_is_offline_without_asking_further() -> None:
    asked: list[str] = []
    with pytest.raises(FeedConnectionError) as info:
        Resolver(names({}, asked, errno=socket.EAI_AGAIN))("blog.example", 443)
    assert info.value.offline and asked == ["blog.example"]
