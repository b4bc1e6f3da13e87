"""The learner's network: nodes (people, spaces, feeds, tools) rebuilt by replaying dated events.

Every course action that connects the learner to something is an ``add`` event; removing is an event too, so
history is never rewritten. :func:`replay` turns events into a :class:`Network`. This module is pure: it
computes :class:`Change` lists (:func:`adding`, :func:`removing`, :func:`sync`, :func:`site_changes`,
:func:`importing`) and the store writes each list in one transaction (``Store.record_changes``).

Keys name what a node stands for: ``site:<host>`` is one web site (its feed and its bookmarks are one node),
``presence:<service>`` is the learner's own account (shown as a presence, never as a connection),
``medium:<medium>:<tool>`` a tool from the mediums list, ``<type>:<slug>`` anything the learner adds by hand.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from ..errors import InputError

TYPES = ("person", "community", "feed", "tool")
#: How the course words each kind, many of them (legends, tables) and one of them (counts: "1 website"). The kind
#: "feed" is any web site the learner reads: a blog or site they follow by its feed, or one they only bookmarked.
TYPE_LABELS = {"person": "people", "community": "communities and spaces", "feed": "websites and blogs",
               "tool": "tools"}
TYPE_NOUNS = {"person": "person", "community": "community", "feed": "website", "tool": "tool"}
DIRECTIONS = ("consume", "contribute", "both")
VALUES = ("cognitive", "social", "affective", "identity")
#: How the course words each direction and value (the exercise's choices, the map's data table, the record).
DIRECTION_LABELS = {"consume": "I mostly read or watch", "contribute": "I mostly share with them",
                    "both": "Both: give and take"}
VALUE_LABELS = {"cognitive": "New ideas and knowledge", "social": "People and connections",
                "affective": "Encouragement and support", "identity": "Who I am as a teacher"}
MAX_LABEL = 120
MAX_LINKS = 50
MAX_NODE_KEY = 200
#: Connections one network holds at most (typed in or imported, in all): past that a page's charts and tables
#: would take seconds to draw on every change, and one learner's imports would slow the server for the room.
MAX_CONNECTIONS = 5_000
PRESENCE = "presence:"
SITE = "site:"
#: Before sites were one node, the feed reader keyed a feed by its address: such events replay as its site.
OLD_FEED = "feed:http"
log = logging.getLogger("plnkit.rules.network")


@dataclass(frozen=True)
class Node:
    """Something in the learner's network."""

    key: str
    label: str
    type: str
    platform: str = ""
    ring: int = 2  # 1 inner ... 3 peripheral
    direction: str = "consume"
    value: str = "cognitive"
    links: tuple[str, ...] = ()
    added_at: datetime | None = None
    removed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["links"] = list(self.links)
        for k in ("added_at", "removed_at"):
            data[k] = data[k].isoformat() if data[k] else None
        return data


def _slug(text: str) -> str:
    """A connection's key from its name: its words in any script, lower case ("ms-jones", "иван-петров", "#EduSky"
    is "edusky"), and a short hash of the whole name when other symbols tell it apart ("c-…" for C++, emoji
    alone), so two different names never share a key. Names in a-z keep the keys they always had."""
    text = unicodedata.normalize("NFKC", text).casefold()
    words = re.sub(r"[\W_]+", "-", text).strip("-")
    if words and re.sub(r"[\s\-_.,'’#@]+", "", text) == re.sub(r"[\W_]+", "", text):  # "#EduSky" is "edusky"
        return words[:80]
    return (words[:69] + "-" if words else "") + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _legacy_key(node: Node) -> str:
    """The key this name had before keys kept letters outside a-z (any non-ASCII letter became "-")."""
    return f"{node.type}:{re.sub(r'[^a-z0-9]+', '-', node.label.lower()).strip('-')[:80] or 'item'}"


def stored_key(node: Node, nodes: dict[str, Node]) -> str | None:
    """The key ``nodes`` hold this connection under: its own, or the one an earlier version gave the same name
    (so a connection added then is still "already in your network"); None when it isn't there."""
    if node.key in nodes:
        return node.key
    old = nodes.get(_legacy_key(node))
    return _legacy_key(node) if old is not None and old.label.casefold() == node.label.casefold() else None


def make_node(type: str, label: object, *, platform: object = "", ring: object = 2, direction: object = "consume",
              value: object = "cognitive", key: str | None = None, links: Iterable[str] = ()) -> Node:
    """Validate what a learner (or a tool) describes and return a :class:`Node`; InputError says what is wrong."""
    if type not in TYPES:
        raise InputError(f"Unknown kind of connection {str(type)[:40]!r}: choose a person, community, feed or tool.")
    if not isinstance(label, str) or not _visible(label):
        raise InputError("Give the connection a name.")
    label = _visible(label)
    if len(label) > MAX_LABEL:
        raise InputError(f"That name is {len(label):,} characters; keep it under {MAX_LABEL}.")
    if not isinstance(platform, str) or len(platform) > MAX_LABEL:
        raise InputError(f"The platform name must be text under {MAX_LABEL} characters.")
    if isinstance(ring, bool) or not isinstance(ring, int) or ring not in (1, 2, 3):
        raise InputError("Closeness must be 1 (inner circle), 2 or 3 (peripheral).")
    if direction not in DIRECTIONS:
        raise InputError("Direction must be consume, contribute or both.")
    if value not in VALUES:
        raise InputError("The value must be cognitive, social, affective or identity.")
    return Node(key or f"{type}:{_slug(label)}", label, type, _visible(platform), ring, str(direction),
                str(value), tuple(links))


#: Control characters and the marks that reverse or isolate text direction ("Added .EDIRREVO..." from U+202E):
#: never part of a name, dropped as whitespace (joiners and variation selectors stay: emoji are made of them).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(text: str) -> str:
    return " ".join(_INVISIBLE.sub(" ", text).split())


_FIELDS = set(Node.__dataclass_fields__)


def check_event(action: object, node_key: object, data: object) -> dict[str, Any]:
    """The data to store for a network event, checked as strictly as the course records one.

    ``action`` is ``"add"`` (``data`` describes the node: type, label, platform, ring, direction, value,
    links) or ``"remove"`` (``data`` is ignored and stored empty). Raises :class:`InputError` otherwise.
    """
    if not isinstance(node_key, str) or not node_key or len(node_key) > MAX_NODE_KEY:
        raise InputError("A connection in that network has no valid name.")
    if action == "remove":
        return {}
    if action != "add" or not isinstance(data, dict) or not set(data) <= _FIELDS:
        raise InputError("A change in that network is not one the course records.")
    links = data.get("links", [])
    if (not isinstance(links, (list, tuple)) or len(links) > MAX_LINKS
            or not all(isinstance(k, str) and 0 < len(k) <= MAX_NODE_KEY for k in links)):
        raise InputError("A connection in that network has damaged links.")
    node = make_node(data.get("type"), data.get("label"), platform=data.get("platform", ""),  # type: ignore[arg-type]
                     ring=data.get("ring", 2), direction=data.get("direction", "consume"),
                     value=data.get("value", "cognitive"), key=node_key, links=links)
    return _event_data(node)


def _event_data(node: Node) -> dict[str, Any]:
    """What an ``add`` event stores about a node (its key and dates live on the event itself)."""
    data = node.to_json()
    for k in ("key", "added_at", "removed_at"):
        data.pop(k)
    return data


@dataclass
class Network:
    """The network as it stands after replaying events.

    ``nodes`` are the learner's connections, ``removed`` keeps what was dropped, and ``presences`` are the
    learner's own accounts (from the identity check): shown as where they are, never counted as connections.
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    removed: dict[str, Node] = field(default_factory=dict)
    events: int = 0
    presences: dict[str, Node] = field(default_factory=dict)

    def active(self) -> list[Node]:
        return list(self.nodes.values())


def connection_events(events: Iterable[Any]) -> list[Any]:
    """The events about connections (the learner's own presences left out), for growth charts."""
    return [e for e in events if not str(e.node_key).startswith(PRESENCE)]


def replay(events: Iterable[Any], *, until: datetime | None = None) -> Network:
    """Rebuild the network from store events (oldest first), optionally as it was at ``until``."""
    net = Network()
    for event in events:
        if until is not None and event.at > until:
            break
        net.events += 1
        key = str(event.node_key)
        if key.startswith(OLD_FEED):  # the feed reader once keyed a feed by its address: it is its site
            key = site_key(key.removeprefix("feed:")) or key
        nodes = net.presences if key.startswith(PRESENCE) else net.nodes
        if event.action == "add":
            try:
                data = check_event("add", key, event.data)
            except InputError as exc:  # a damaged stored event: left out of the picture, never breaking it
                log.warning("network event %s ignored: %s", getattr(event, "id", "?"), exc)
                continue
            nodes[key] = Node(**{**data, "links": tuple(data["links"]), "key": key, "added_at": event.at})
            net.removed.pop(key, None)
        elif event.action == "remove" and key in nodes:
            node = nodes.pop(key)
            if nodes is net.nodes:
                net.removed[key] = replace(node, removed_at=event.at)
    return net


# --- changes (computed here, written by the store in one transaction) ------------------------------------


@dataclass(frozen=True)
class Change:
    """One change to record: ``action`` is ``"add"`` (``data`` describes the node) or ``"remove"``.

    ``at`` is when it happened (``None``: when it is recorded; imports keep their original dates).
    """

    action: str
    node_key: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


def adding(node: Node, at: datetime | None = None) -> Change:
    """The change that connects the learner to ``node``."""
    return Change("add", node.key, _event_data(node), at)


def removing(key: str, at: datetime | None = None) -> Change:
    """The change that drops a connection (history keeps it)."""
    return Change("remove", key, {}, at)


def adding_new(node: Node, current: Network) -> Change:
    """The change that adds a connection the learner typed in; :class:`InputError` when ``current`` (the network
    as it stands) already has it."""
    if stored_key(node, current.nodes) is not None:
        raise InputError(f"{node.label} is already in your network.")
    if len(current.nodes) >= MAX_CONNECTIONS:
        raise InputError(f"Your network already has {MAX_CONNECTIONS:,} connections, the most it can hold here: "
                         "remove some you no longer follow to add more.")
    return adding(node)


def _differs(node: Node, known: Node | None) -> bool:
    return known is None or _event_data(node) != _event_data(known)


def sync(current: Network, prefix: str, wanted: Iterable[Node], *,
         only: Collection[str] | None = None) -> list[Change]:
    """The changes that make the nodes under ``prefix`` exactly ``wanted``.

    Missing or changed nodes are added, nodes under ``prefix`` not wanted are removed. With ``only``, just
    those keys are considered (the rest stay as they are). Presences (``presence:``) are compared with the
    presences, everything else with the connections.
    """
    have = current.presences if prefix.startswith(PRESENCE) else current.nodes
    want = {n.key: n for n in wanted if n.key.startswith(prefix)}
    changes = [adding(n) for key, n in want.items()
               if (only is None or key in only) and _differs(n, have.get(key))]
    changes += [removing(key) for key in have
                if key.startswith(prefix) and key not in want and (only is None or key in only)]
    return changes


#: Services where a presence is a social space (a community) rather than a tool.
SOCIAL_SERVICES = frozenset({"bluesky", "mastodon", "linkedin", "discord", "facebook", "slack", "threads", "x",
                             "twitter"})


def presence_node(service: str, username: str) -> Node:
    """The learner's own account on ``service``, as a presence (``presence:<service>``)."""
    label = f"Me on {service}" + (f" ({username})" if username else "")
    kind = "community" if service.lower() in SOCIAL_SERVICES else "tool"
    return make_node(kind, label[:MAX_LABEL], platform=service[:MAX_LABEL], ring=1, direction="both",
                     value="identity", key=f"{PRESENCE}{service.lower()}"[:MAX_NODE_KEY])


MEDIUM = "medium:"
#: The kind of node a tool of each medium (``content.MEDIUMS``) becomes.
MEDIUM_KINDS = {"backchannel": "tool", "bookmarking": "tool", "community": "community", "feeds": "tool",
                "microblog": "community", "explainers": "feed"}


def medium_node(choice: str, value: str) -> Node:
    """The node for a medium's tool the learner uses (``value`` ``"use"``: closeness 2) or will try (3);
    ``choice`` is ``"<medium key>:<tool>"``."""
    medium, tool = choice.split(":", 1)
    return make_node(MEDIUM_KINDS.get(medium, "tool"), tool, platform=tool, key=f"{MEDIUM}{choice.lower()}",
                     ring=2 if value == "use" else 3)


def site_host(url: str) -> str:
    """The site a web address belongs to: its host name without ``www.`` (``""`` for no host)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def site_key(url: str) -> str:
    """The node key of the site ``url`` belongs to (``site:<host>``; ``""`` for an address without a host)."""
    host = site_host(url)
    return (SITE + host)[:MAX_NODE_KEY] if host else ""


def site_changes(current: Network, touched: Iterable[str], *, feeds: Iterable[tuple[str, str]],
                 bookmarks: Iterable[str]) -> list[Change]:
    """The changes that keep one node per site the learner follows or bookmarks (``site:<host>``).

    ``touched`` are the addresses just added or removed; ``feeds`` (address, title) and ``bookmarks``
    (addresses) are all the learner has now. A site with a feed is a feed node named by the feed (closeness
    2); a site only bookmarked is named by its host (closeness 3). A site with neither left is removed.
    """
    feeds, bookmarks = list(feeds), list(bookmarks)
    hosts = {h for h in (site_host(u) for u in touched) if h}
    wanted: dict[str, Node] = {}
    for url in bookmarks:
        host = site_host(url)
        if host in hosts:
            wanted[SITE + host] = make_node("feed", host[:MAX_LABEL], platform=host[:MAX_LABEL], ring=3,
                                            key=(SITE + host)[:MAX_NODE_KEY])
    for url, title in feeds:
        host = site_host(url)
        if host in hosts:
            wanted[SITE + host] = make_node("feed", (title.strip() or host)[:MAX_LABEL], platform=host[:MAX_LABEL],
                                            key=(SITE + host)[:MAX_NODE_KEY])
    return sync(current, SITE, wanted.values(), only={(SITE + h)[:MAX_NODE_KEY] for h in hosts})


def importing(nodes: Sequence[Node], current: Network, now: datetime) -> list[Change]:
    """The dated changes that add imported connections the learner never had (now or before), oldest first.

    A node keeps its ``added_at`` and, when it was dropped, a ``remove`` at its ``removed_at`` (never before the
    add). Without ``added_at`` it is added ``now``, or when it was dropped if that is known. At most
    :data:`MAX_CONNECTIONS` are active afterwards: the rest are left out (:func:`left_out` counts them).
    """
    changes = []
    room = MAX_CONNECTIONS - len(current.nodes)
    for node in nodes:
        if stored_key(node, current.nodes) is not None or stored_key(node, current.removed) is not None:
            continue
        if not node.removed_at:
            if room <= 0:
                continue
            room -= 1
        added = node.added_at or node.removed_at or now
        changes.append(adding(node, added))
        if node.removed_at:
            changes.append(removing(node.key, max(node.removed_at, added)))
    return sorted(changes, key=lambda c: c.at or now)


def left_out(nodes: Sequence[Node], current: Network, changes: Sequence[Change]) -> int:
    """How many of ``nodes`` :func:`importing` left out because the network was full (not those it had)."""
    known = sum(1 for n in nodes if stored_key(n, current.nodes) is not None
                or stored_key(n, current.removed) is not None)
    return max(0, len(nodes) - known - sum(1 for c in changes if c.action == "add"))


def full_message(count: int) -> str:
    """What the learner is told when an import left ``count`` connections out."""
    return f"{count:,} more were not imported: a network holds at most {MAX_CONNECTIONS:,} connections here."
