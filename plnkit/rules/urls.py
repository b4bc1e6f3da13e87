"""Web addresses as people type, paste and import them: one normaliser and one check for every entry point.

Pure: no socket, no DNS. What is typed in the feed box, read from an OPML or bookmark file, or restored from a
portfolio goes through :func:`normalize` then :func:`check_address`, so they accept and refuse the same things:

- ``www.example.org`` and ``example.org/feed`` get ``https://`` (what a browser's address bar does);
- ``feed://host/x`` becomes ``http://host/x`` and ``feed:https://host/x`` becomes ``https://host/x`` (the
  ``feed:`` forms old readers and browsers export; also ``feeds:``, ``itpc:``, ``pcast:`` and ``podcast:``);
- the scheme and site name are lower-cased and an empty path becomes ``/``; the rest is kept as written.

The kind of address sets the rules and the wording: a ``"feed"`` (the course fetches it: at most
:data:`MAX_FEED_URL` characters, no user name or password) or a ``"bookmark"`` / ``"web address"`` (only kept and
shown: up to :data:`MAX_WEB_URL` characters, a user name is allowed but never a password). Feed refusals raise
:class:`~plnkit.errors.FeedURLError`, the others :class:`~plnkit.errors.InputError`.

Whether an address literal may be fetched (:func:`is_public`, :class:`Exemption`) is decided here too, so an
imported list can be checked without the network; names are resolved and checked when fetched
(:mod:`plnkit.services._net`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from ..errors import FeedError, FeedURLError, InputError, PrivateAddressError

Kind = Literal["feed", "bookmark", "web address"]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Longest feed address the course fetches (what servers and proxies reliably accept).
MAX_FEED_URL = 2048
#: Longest bookmark: map links and web apps keep their state in the address (often after ``#``), so bookmarks
#: can be long; this bounds a single row, the file caps bound the whole.
MAX_WEB_URL = 65_536
ALLOW_ENV = "PLNKIT_FEED_ALLOW"

_FEED_SCHEMES = {"feed": "http", "feeds": "https", "itpc": "http", "pcast": "http", "podcast": "http"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# a site name with a dot and a last label of letters (``www.example.org``, ``example.org:8080/x``), or an IPv4
_HOSTLIKE = re.compile(r"^(?:(?:[\w\-]+\.)+[^\W\d_]{2,}\.?|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#]|$)")
_QUOTES = (("<", ">"), ('"', '"'), ("'", "'"), ("\u201c", "\u201d"), ("\u2018", "\u2019"))
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def normalize(text: object) -> str:
    """The canonical form of an address someone typed or imported, or ``""`` when ``text`` is not text.

    Idempotent: ``normalize(normalize(x)) == normalize(x)``. It never refuses; :func:`check_address` does.
    """
    if not isinstance(text, str):
        return ""
    url = text.strip()
    quoted = True
    while quoted:  # as e-mails, documents and spreadsheets quote addresses (even twice)
        quoted = False
        for opening, closing in _QUOTES:
            if len(url) > 1 and url.startswith(opening) and url.endswith(closing):
                url, quoted = url[1:-1].strip(), True
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    if scheme in _FEED_SCHEMES:
        rest = url[match.end():] if match else url
        inner = _SCHEME.match(rest)
        if inner and inner.group(1).lower() in ("http", "https"):
            url = rest  # feed:https://host/x
        else:
            url = f"{_FEED_SCHEMES[scheme]}:{rest if rest.startswith('//') else '//' + rest}"
    elif url.startswith("//"):
        url = "https:" + url
    elif _HOSTLIKE.match(url):  # also "example.org:8080/x", which would otherwise parse as scheme "example.org"
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https"):
        return url
    netloc = parts.netloc
    at = netloc.rfind("@")
    netloc = netloc[:at + 1] + netloc[at + 1:].lower()
    return urlunsplit(SplitResult(parts.scheme.lower(), netloc, parts.path or "/", parts.query, parts.fragment)) \
        if netloc else url


def _refuse(kind: Kind, message: str) -> Exception:
    return FeedURLError(message) if kind == "feed" else InputError(message)


def check_address(text: object, kind: Kind = "web address") -> str:
    """Normalise and check an address; returns it normalised, or raises with a sentence saying what to fix.

    ``kind="feed"`` raises :class:`FeedURLError` (the feed box, OPML, restored subscriptions); ``"bookmark"`` and
    ``"web address"`` raise :class:`InputError`. Private addresses are not judged here (see :func:`is_public`).
    """
    noun = "a feed address" if kind == "feed" else "a bookmark" if kind == "bookmark" else "a web address"
    example = "https://example.org/feed" if kind == "feed" else "https://example.org/page"
    if not isinstance(text, str) or not text.strip():
        raise _refuse(kind, f"Please type a web address, such as {example}.")
    url = normalize(text)
    most = MAX_FEED_URL if kind == "feed" else MAX_WEB_URL
    if len(url) > most:
        raise _refuse(kind, f"That address is too long to be {noun} (over {most:,} characters).")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise _refuse(kind, "That address has a space or an invisible character in it; check it and try again.")
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and other broken brackets
        raise _refuse(kind, "That address is damaged (check its brackets); type it again.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme or url.startswith("/"):
            raise _refuse(kind, f"That is not a web address: {'feed addresses' if kind == 'feed' else 'web addresses'} "
                                "start with http:// or https://.")
        if kind == "feed":
            raise _refuse(kind, f"The course only fetches http:// and https:// addresses, not {scheme}:.")
        raise _refuse(kind, f"{'Bookmarks' if kind == 'bookmark' else 'Web addresses'} must start with http:// or "
                            f"https://, not {scheme}:.")
    if kind == "feed" and (parts.username is not None or "@" in parts.netloc):
        raise _refuse(kind, "That address contains a user name or password; the course won't send those.")
    if parts.password is not None:
        raise _refuse(kind, "That address contains a password; remove it (what you save here can be shared, so "
                            "the course won't keep passwords).")
    try:
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise _refuse(kind, "That address has an invalid port number.") from None
    if not host:
        raise _refuse(kind, "That address has no site name in it.")
    return url


def web_address_or_none(text: object) -> str | None:
    """``text`` as a checked, normalised http(s) web address, or ``None`` (a site link read from a file)."""
    try:
        return check_address(text, "web address")
    except InputError:
        return None


def split_address(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path-with-query) of a checked http(s) address."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80), path


def same_address_key(url: str) -> str:
    """A key under which two addresses are the same feed (normalised, without the ``#fragment``)."""
    parts = urlsplit(normalize(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# --- which address literals may be fetched ---------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    """One allow-list entry: a network, optionally limited to one port."""

    network: IPNetwork
    port: int | None = None

    def covers(self, address: IPAddress, port: int) -> bool:
        return address in self.network and (self.port is None or self.port == port)


def parse_allow(entries: str | Iterable[str] | None) -> tuple[Exemption, ...]:
    """Parse exemptions like ``127.0.0.1:8123``, ``10.0.0.0/8``, ``[::1]:8080`` (comma-separated or a list)."""
    if entries is None:
        return ()
    items = entries.split(",") if isinstance(entries, str) else list(entries)
    result = []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        port: int | None = None
        host = item
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            if rest.startswith(":"):
                port = int(rest[1:])
        elif item.count(":") == 1:
            host, _, port_text = item.partition(":")
            port = int(port_text)
        try:
            result.append(Exemption(ipaddress.ip_network(host, strict=False), port))
        except ValueError as exc:
            raise ValueError(f"not an address, network or address:port in the feed allow-list: {item!r}") from exc
    return tuple(result)


def exemptions(allow: str | Iterable[str] | None, operator: str | None = None) -> tuple[Exemption, ...]:
    """The explicit ``allow`` list plus the operator's setting (``$PLNKIT_FEED_ALLOW``, read by the caller: see
    :func:`operator_setting`)."""
    return parse_allow(allow) + parse_allow(operator)


def unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside IPv4-mapped, NAT64, 6to4 and Teredo IPv6 forms (else the address itself)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if any(address in net for net in _NAT64):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def is_public(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (after unwrapping IPv4 inside IPv6)."""
    a = unwrap(address)  # a wrapped address is judged by the IPv4 address inside it
    return not (not a.is_global or a.is_multicast or a.is_unspecified or a.is_loopback or a.is_link_local
                or a.is_reserved or a.is_private or (isinstance(a, ipaddress.IPv4Address) and a in _CGNAT))


def feed_address(text: object, allowed: tuple[Exemption, ...] = ()) -> str:
    """A feed address checked as far as possible without the network, normalised; raises :class:`FeedError`.

    Besides :func:`check_address`, a literal private address or a ``localhost`` name is refused unless exempted
    (names are resolved and checked again when fetched).
    """
    url = check_address(text, "feed")
    _scheme, host, port, _path = split_address(url)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            raise PrivateAddressError("That address is on this computer, so the course won't fetch it.") from None
        return url
    if not (is_public(address) or any(e.covers(address, port) for e in allowed)):
        raise PrivateAddressError("That address is on a private network, so the course won't fetch it.")
    return url


def acceptable_feed_url(url: object, allowed: tuple[Exemption, ...] = ()) -> bool:
    """True when :func:`feed_address` accepts ``url``."""
    try:
        feed_address(url, allowed)
    except FeedError:
        return False
    return True
