"""Fetching a URL a learner typed, safely, on a server many people share.

The model is Miniflux's fetcher: http and https only; no credentials in URLs; the host is resolved and every
address checked (private, loopback, link-local, multicast, unspecified, carrier-grade NAT, reserved, and IPv4
wrapped in IPv6 are refused unless exempted); the connection goes to the very address that was checked, with
the original name used for the Host header and TLS; every redirect hop is checked again; proxy variables are
ignored; connect and read timeouts plus an overall deadline; a size cap counted after decompression.

Only the fetch-time rules live here (resolving, private addresses after resolution, redirects, deadlines, the
size cap). The form of an address (normalised ``www.x.org`` and ``feed://`` forms included) and which address
literals may be fetched are pure rules in :mod:`plnkit.rules.urls`, shared with OPML import, bookmark files and
portfolio restores. A name that is not found is told apart from a computer that can't look names up
(:class:`Resolver`: offline, so a subscription is kept for the next Refresh). Bodies are decoded as leniently as
feed readers do (:class:`plnkit.services._decode.Decoder`): a readable body is read whatever its
``Content-Encoding`` says, under the same size cap.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from ..errors import (
    FeedConnectionError,
    FeedHTTPError,
    FeedTimeoutError,
    FeedTooLargeError,
    HostNotFoundError,
    PrivateAddressError,
    TooManyRedirectsError,
)
from ..rules.urls import (  # the form of an address, and which literals may be fetched, are pure rules
    ALLOW_ENV,
    Exemption,
    IPAddress,
    check_address,
    is_public,
    parse_allow,
    split_address,
    unwrap,
)
from ..rules.urls import (
    exemptions as _exemptions,
)
from ._decode import Decoder


def exemptions(allow: str | Iterable[str] | None) -> tuple[Exemption, ...]:
    """The explicit ``allow`` list plus the operator's ``$PLNKIT_FEED_ALLOW``."""
    return _exemptions(allow, os.environ.get(ALLOW_ENV))


__all__ = ["ALLOW_ENV", "Exemption", "Resolver", "Response", "Target", "check_address", "check_url", "exemptions",
           "fetch", "getaddrinfo", "is_public", "parse_allow", "resolve", "retry_after_seconds", "unwrap"]

USER_AGENT = "plnkit/0.1 (Personal Learning Networks course feed reader)"
MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
DEADLINE = 20.0
_CHUNK = 64 * 1024
#: A fetch that failed because the course (the computer serving it) has no internet connection.
OFFLINE_MESSAGE = "The course can't reach the internet right now, so this feed couldn't be fetched."


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to call it."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: IPAddress


def check_url(url: object) -> tuple[str, str, int, str]:
    """Validate the form of a feed URL (:func:`plnkit.rules.urls.check_address`); returns (scheme, host, port,
    path-with-query) of its normalised form. Raises :class:`FeedURLError`."""
    return split_address(check_address(url, "feed"))


Lookup = Callable[[str, int], list[IPAddress]]
#: Names that resolve wherever names resolve at all (IANA's own, and one of the busiest sites): asked only after
#: a learner's name was not found, to tell "no such site" from "this computer can't look names up".
PROBE_NAMES = ("example.com", "wikipedia.org")
#: Seconds the answer to "can this computer look names up?" is kept (a refresh of many feeds asks once).
PROBE_TTL = 60.0


def getaddrinfo(host: str, port: int) -> list[IPAddress]:
    """The addresses the system's resolver gives for ``host`` (raises :class:`socket.gaierror`)."""
    addresses: list[IPAddress] = []
    for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class Resolver:
    """Site names to addresses, telling a misspelt name from a computer that can't look any name up.

    ``lookup(host, port)`` returns addresses or raises :class:`socket.gaierror` (:func:`getaddrinfo` unless a
    test passes a stand-in). A name server that did not answer (``EAI_AGAIN``) means offline. A name that was not
    found means offline too when no well-known name (:data:`PROBE_NAMES`) is found either: an offline laptop, a
    network that only allows a proxy, and macOS without Wi-Fi all say "not found" for every name. That answer is
    kept for ``ttl`` seconds (by ``clock``, :func:`time.monotonic`). Offline raises :class:`FeedConnectionError`
    with ``offline=True``; a name that is just not there raises :class:`HostNotFoundError`.
    """

    def __init__(self, lookup: Lookup | None = None, *, probe: Iterable[str] = PROBE_NAMES,
                 ttl: float = PROBE_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.lookup = lookup or getaddrinfo
        self.probe = tuple(probe)
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._answer: tuple[float, bool] | None = None

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        try:
            addresses = self.lookup(host, port)
        except socket.gaierror as exc:
            if exc.errno == socket.EAI_AGAIN or not self.names_resolve():
                raise FeedConnectionError(OFFLINE_MESSAGE, offline=True) from exc
            raise _not_found(host) from exc
        except UnicodeError as exc:  # a name no DNS could hold (a label over 63 characters, say)
            raise _not_found(host) from exc
        if not addresses:
            raise _not_found(host)
        return addresses

    def names_resolve(self) -> bool:
        """True when this computer can look names up at all (a well-known name is found); kept ``ttl`` seconds."""
        with self._lock:  # a refresh of many feeds while offline asks once, not once per feed
            now = self.clock()
            if self._answer is not None and now - self._answer[0] < self.ttl:
                return self._answer[1]
            works = self._ask()
            self._answer = (now, works)
            return works

    def _ask(self) -> bool:
        for name in self.probe:
            try:
                if self.lookup(name, 443):
                    return True
            except socket.gaierror as exc:
                if exc.errno == socket.EAI_AGAIN:  # no name server answered: asking another name won't help
                    return False
            except (OSError, UnicodeError):
                continue
        return False


def _not_found(host: str) -> HostNotFoundError:
    return HostNotFoundError(f"Couldn't find a site called {host}. Check the spelling of the address.")


_resolve = Resolver()  # one per process, so its answer about the network is shared by every fetch


def resolve(url: str, allow: tuple[Exemption, ...], resolver: Lookup | None = None) -> Target:
    """Check a URL and pick the address to connect to; every resolved address must be acceptable."""
    url = check_address(url, "feed")
    scheme, host, port, path = split_address(url)
    addresses = (resolver or _resolve)(host, port)
    for address in addresses:
        if not is_public(address) and not any(e.covers(address, port) for e in allow):
            raise PrivateAddressError(
                "That address is on a private network, so the course won't fetch it."
            )
    return Target(url, scheme, host, port, path, addresses[0])


@dataclass
class Response:
    """A finished fetch."""

    url: str  # the final URL, after redirects
    status: int  # 200 or 304
    headers: dict[str, str]
    body: bytes = b""
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _status_error(status: int, retry_after: float | None) -> FeedHTTPError:
    if status == 404 or status == 410:
        msg = f"That page was not found (error {status}). Check the address; the feed may have moved."
    elif status in (401, 403):
        msg = f"That feed is private or needs a login (error {status}), so the course can't read it."
    elif status == 429:
        msg = "That site asked the course to slow down (error 429). It will try again later."
    elif status >= 500:
        msg = f"That site had a problem (error {status}). Try again later."
    else:
        msg = f"That site answered with error {status}."
    return FeedHTTPError(msg, status=status, retry_after=retry_after)


def fetch(url: str, *, allow: str | Iterable[str] | None = None, etag: str | None = None,
          last_modified: str | None = None, max_bytes: int = MAX_BYTES, deadline: float = DEADLINE,
          connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
          resolver: Lookup | None = None) -> Response:
    """GET a URL under every rule in this module's docstring; 200 and 304 return, the rest raise FeedError."""
    allowed = exemptions(allow)
    end = time.monotonic() + deadline
    seen: list[str] = []
    current = url.strip() if isinstance(url, str) else url
    for _hop in range(MAX_REDIRECTS + 1):
        target = resolve(current, allowed, resolver)
        if target.url in seen:
            raise TooManyRedirectsError("That address redirects in a loop, so it can't be read.")
        seen.append(target.url)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                   "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                             "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        status, resp_headers, body = _get_once(target, headers, end, max_bytes, connect_timeout, read_timeout)
        if status in (301, 302, 303, 307, 308):
            location = resp_headers.get("location")
            if not location:
                raise FeedHTTPError("That site redirected without saying where to.", status=status)
            current = urljoin(target.url, location)
            continue
        if status == 304 or 200 <= status < 300:  # any 2xx carries the feed (203 from caches, for example)
            return Response(target.url, 304 if status == 304 else 200, resp_headers, body, seen[1:])
        raise _status_error(status, retry_after_seconds(resp_headers.get("retry-after")))
    raise TooManyRedirectsError(f"That address redirects more than {MAX_REDIRECTS} times, so it can't be read.")


def _get_once(target: Target, headers: dict[str, str], end: float, max_bytes: int, connect_timeout: float,
              read_timeout: float) -> tuple[int, dict[str, str], bytes]:
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise FeedTimeoutError("That site took too long to answer. Try again later.")
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and target.port == default_port:
        host_header = f"[{target.host}]"
    elif ":" in target.host:
        host_header = f"[{target.host}]:{target.port}"
    headers = {**headers, "Host": host_header}
    timeout = urllib3.Timeout(connect=min(connect_timeout, remaining), read=min(read_timeout, remaining))
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            str(target.address), target.port, timeout=timeout, retries=False, maxsize=1,
            server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(str(target.address), target.port, timeout=timeout, retries=False, maxsize=1)
    try:
        resp = pool.urlopen("GET", target.path, headers=headers, redirect=False, retries=False,
                            preload_content=False, decode_content=False, assert_same_host=False)
        try:
            status = resp.status
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            if not 200 <= status < 300:  # redirects, 304 and errors: their bodies are never used
                return status, resp_headers, b""
            length = resp_headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:  # compressed or not, the decoded body is larger
                raise FeedTooLargeError(
                    f"That feed is larger than {max_bytes // (1024 * 1024) or 1} MB, so the course won't download it.")
            decoder = Decoder(resp_headers.get("content-encoding", ""), max_bytes)
            while True:
                if time.monotonic() > end:
                    raise FeedTimeoutError("That site took too long to answer. Try again later.")
                chunk = resp.read1(_CHUNK, decode_content=False)
                if not chunk:
                    break
                decoder.feed(chunk)
            return status, resp_headers, decoder.finish()
        finally:
            resp.release_conn()
            resp.close()
    except NewConnectionError as exc:  # before ConnectTimeoutError: urllib3 makes it a subclass of that
        raise _connection_error(exc, target) from exc
    except (ConnectTimeoutError, ReadTimeoutError, TimeoutError) as exc:
        raise FeedTimeoutError("That site took too long to answer. Try again later.") from exc
    except urllib3.exceptions.MaxRetryError as exc:
        raise _connection_error(exc.reason or exc, target) from exc
    except (SSLError, ProtocolError, HTTPError, OSError) as exc:
        raise _connection_error(exc, target) from exc
    finally:
        pool.close()


def _connection_error(exc: BaseException, target: Target) -> FeedConnectionError | FeedTimeoutError:
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)) and not isinstance(exc, NewConnectionError):
        return FeedTimeoutError("That site took too long to answer. Try again later.")
    if isinstance(exc, SSLError):
        return FeedConnectionError(f"The secure connection to {target.host} failed (its certificate may be "
                                   "invalid), so the course won't read it.")
    text = str(exc).lower()
    offline = "network is unreachable" in text or "no route to host" in text
    if offline:
        return FeedConnectionError(OFFLINE_MESSAGE, offline=True)
    return FeedConnectionError(f"Couldn't connect to {target.host}. The site may be down; try again later.")
