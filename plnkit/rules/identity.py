"""The seed's first tip as a rule: use the same username everywhere. A plain function with unit tests.

What people type is read the way it is meant: profile links are parsed as links (``https://mastodon.social/@ana``,
``https://bsky.app/profile/ana.bsky.social``, ``https://www.linkedin.com/in/ana/``), fediverse addresses and
e-mail addresses give the name before the ``@``, and domain handles (``ana.bsky.social``, ``ana.blog``) their
first label. A link's mobile, ``www`` and language labels are not part of the site (``m.facebook.com``,
``mobile.twitter.com``, ``de-de.facebook.com``), and ``u:ana`` in a path (Pinboard) is ``ana``. Names are
compared after Unicode normalisation (NFKC, so ``Ána`` typed with a combining accent is ``Ána``) and case folding.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..errors import InputError

MAX_PRESENCES = 12
MAX_FIELD = 100
_SEPARATORS = re.compile(r"[._\-\s]+")
#: Path words that come before the name in profile links (``/in/ana``, ``/user/ana``, ``/profile/ana``).
_PROFILE_WORDS = {"in", "u", "user", "users", "profile", "people", "member", "members", "c", "channel", "author",
                  "authors", "pub"}
#: Last labels that make a dotted name a domain handle rather than a name with a dot (``ms.rivera``).
_TLDS = {"com", "org", "net", "edu", "gov", "social", "blog", "io", "me", "dev", "app", "page", "site", "online",
         "xyz", "info", "art", "school", "education", "academy", "teacher", "press", "space", "website", "link",
         "bio", "name", "pro", "club", "team", "tech", "world", "life", "co"}
#: Leading host labels that say how a site was reached (web, phone), never who someone is.
_ACCESS_LABELS = {"www", "m", "mobile"}
_LOCALE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2})?")
#: A path part that names its user: ``u:ana`` (Pinboard), ``User:Ana`` (wikis).
_NAMED_SEGMENT = re.compile(r"(?:u|user):(.+)", re.IGNORECASE)
_URLISH = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://|www\.)", re.IGNORECASE)


def normal(text: str) -> str:
    """``text`` in Unicode normal form NFKC (one spelling for what looks the same), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def fold(text: str) -> str:
    """``text`` for comparing regardless of case: NFKC, case-folded, NFKC again (Unicode's NFKC_Casefold)."""
    return unicodedata.normalize("NFKC", normal(text).casefold())


def _domain_label(name: str) -> str | None:
    labels = [p for p in name.lower().split(".") if p]
    if len(labels) < 2 or not (labels[-1] in _TLDS or len(labels[-1]) == 2 and labels[-1].isalpha()):
        return None
    first = name.split(".")[1] if labels[0] == "www" and len(labels) > 2 else name.split(".")[0]
    return first


def site_of(host: str) -> str:
    """``host`` without the labels that only say how a site was reached: ``www.``, ``m.`` and ``mobile.``
    always, and a language or region (``de.``, ``de-de.``, ``fr-fr.``) in front of a site in :data:`_SOCIAL_HOSTS`,
    so ``https://m.facebook.com/ana`` and ``https://de-de.facebook.com/ana`` are ``facebook.com``'s ``ana``."""
    host = host.lower().rstrip(".")
    while True:
        first, _, rest = host.partition(".")
        if "." not in rest or not (first in _ACCESS_LABELS or _LOCALE.fullmatch(first) and rest in _SOCIAL_HOSTS):
            return host
        host = rest


def handle_of(text: str) -> str:
    """The username in what someone typed for a presence (see the module docstring)."""
    name = normal(text)
    if _URLISH.match(name) or ("/" in name and _domain_label(name.split("/", 1)[0])):
        parts = urlsplit(name if "://" in name else "https://" + name)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        for segment in segments:
            if segment.startswith("@") and len(segment) > 1:
                return segment[1:].split("@", 1)[0]
        if segments and segments[0].lower() in _PROFILE_WORDS and len(segments) > 1:
            return handle_of(segments[1]) if "." in segments[1] else segments[1]
        if segments and segments[0].startswith("~"):
            return segments[0][1:]
        for segment in segments:  # Pinboard's "/u:ana/", a wiki's "/wiki/User:Ana"
            named = _NAMED_SEGMENT.match(segment)
            if named:
                return named.group(1)
        host = site_of(parts.hostname or "")
        if segments and host in _SOCIAL_HOSTS:
            return segments[0]
        return _domain_label(host) or host
    name = name.lstrip("@")
    if "@" in name:  # a fediverse address or an e-mail address
        return name.split("@", 1)[0]
    return _domain_label(name) or name


#: Sites whose profile links are ``https://site/NAME`` (the first path part is the name).
_SOCIAL_HOSTS = {"twitter.com", "x.com", "github.com", "instagram.com", "facebook.com", "pinterest.com",
                 "tiktok.com", "medium.com", "youtube.com", "threads.net", "linktr.ee", "flickr.com", "vimeo.com",
                 "diigo.com", "pinboard.in", "wakelet.com", "padlet.com", "gitlab.com", "substack.com",
                 "soundcloud.com", "twitch.tv", "reddit.com", "scholar.social", "mastodon.social"}


@dataclass(frozen=True)
class Presence:
    """Where the learner is online, and under which name."""

    service: str
    username: str

    @property
    def handle(self) -> str:
        """The username without decorations: ``@ana@mastodon.social``, ``ana@gmail.com``,
        ``https://mastodon.social/@ana`` and ``ana.bsky.social`` become ``ana`` (:func:`handle_of`)."""
        return handle_of(self.username)


@dataclass(frozen=True)
class Finding:
    """One presence whose handle differs from the suggested one, and how."""

    presence: Presence
    difference: str  # "case", "separators", "digits", "different"
    message: str


@dataclass(frozen=True)
class IdentityReport:
    """Whether the learner's handles agree, what differs, and a consistent choice."""

    consistent: bool
    suggestion: str
    findings: tuple[Finding, ...]
    summary: str


def check_presences(rows: Sequence[tuple[object, object]]) -> list[Presence]:
    """Validate (service, username) rows typed by the learner; blank rows are ignored."""
    presences = []
    for service, username in rows:
        s = " ".join(service.split()) if isinstance(service, str) else ""
        u = username.strip() if isinstance(username, str) else ""
        if not s and not u:
            continue
        if not s or not u:
            raise InputError("Give both the service and your username on it (or leave the row empty).")
        if len(s) > MAX_FIELD or len(u) > MAX_FIELD:
            raise InputError(f"Keep services and usernames under {MAX_FIELD} characters.")
        presences.append(Presence(s, u))
    if len(presences) > MAX_PRESENCES:
        raise InputError(f"List at most {MAX_PRESENCES} presences.")
    return presences


def _core(handle: str) -> str:
    return _SEPARATORS.sub("", fold(handle))


def compare(handle: str, reference: str) -> str | None:
    """How ``handle`` differs from ``reference``: None (same), case, separators, digits or different.

    Both are compared in Unicode normal form, so the same letters typed differently are the same.
    """
    if normal(handle) == normal(reference):
        return None
    if fold(handle) == fold(reference):
        return "case"
    a, b = _core(handle), _core(reference)
    if a == b:
        return "separators"
    if a.rstrip("0123456789") == b.rstrip("0123456789") and a.rstrip("0123456789"):
        return "digits"
    return "different"


_EXPLAIN = {
    "case": "differs only in capital letters",
    "separators": "differs only in dots, dashes or underscores",
    "digits": "adds or drops digits",
    "different": "is a different name",
}


def check_identity(presences: Sequence[Presence]) -> IdentityReport:
    """Say which handles differ from the most common one, and what a consistent choice would be."""
    if not presences:
        return IdentityReport(True, "", (), "Add the places you are online to check your usernames.")
    handles = [p.handle for p in presences]
    by_core = Counter(_core(h) for h in handles)
    top_core = max(by_core, key=lambda c: (by_core[c], -len(c)))
    variants = Counter(normal(h) for h in handles if _core(h) == top_core)
    suggestion = max(variants, key=lambda h: (variants[h], h == fold(h), -len(h)))
    findings = []
    for p in presences:
        kind = compare(p.handle, suggestion)
        if kind:
            findings.append(Finding(p, kind, f"On {p.service} you are “{p.handle}”, which {_EXPLAIN[kind]} from "
                                             f"“{suggestion}”."))
    if not findings:
        summary = f"Consistent: you are “{suggestion}” everywhere, so people can find and recognise you."
    else:
        most = (", the name you already use most" if variants[suggestion] > 1 else
                ", one of the names you use already")  # no name is used more than once: it is only one of them
        summary = (f"{len(findings)} of your {len(presences)} usernames differ. A consistent choice would be "
                   f"“{suggestion}”{most}.")
    return IdentityReport(not findings, suggestion, tuple(findings), summary)
