"""The seed's first tip as a rule: use the same username everywhere. A plain function with unit tests."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InputError

MAX_PRESENCES = 12
MAX_FIELD = 100
_SEPARATORS = re.compile(r"[._\-\s]+")


@dataclass(frozen=True)
class Presence:
    """Where the learner is online, and under which name."""

    service: str
    username: str

    @property
    def handle(self) -> str:
        """The username without decorations: ``@ana@mastodon.social`` and ``ana@gmail.com`` become ``ana``."""
        name = self.username.strip().lstrip("@")
        if "@" in name:
            name = name.split("@", 1)[0]
        if "/" in name:  # a profile or blog address: take its last path part or its sub-domain
            part = name.rstrip("/").rsplit("/", 1)[-1]
            name = part.split(".")[0] if "." in part else part
        elif name.lower().endswith(".bsky.social"):  # Bluesky's default handles are domains
            name = name[: -len(".bsky.social")]
        return name


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
    return _SEPARATORS.sub("", handle.lower())


def compare(handle: str, reference: str) -> str | None:
    """How ``handle`` differs from ``reference``: None (same), case, separators, digits or different."""
    if handle == reference:
        return None
    if handle.lower() == reference.lower():
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
    variants = Counter(h for h in handles if _core(h) == top_core)
    suggestion = max(variants, key=lambda h: (variants[h], h == h.lower(), -len(h)))
    findings = []
    for p in presences:
        kind = compare(p.handle, suggestion)
        if kind:
            findings.append(Finding(p, kind, f"On {p.service} you are “{p.handle}”, which {_EXPLAIN[kind]} from "
                                             f"“{suggestion}”."))
    if not findings:
        summary = f"Consistent: you are “{suggestion}” everywhere, so people can find and recognise you."
    else:
        summary = (f"{len(findings)} of your {len(presences)} usernames differ. A consistent choice would be "
                   f"“{suggestion}”, the name you already use most.")
    return IdentityReport(not findings, suggestion, tuple(findings), summary)
