"""The learner's network: nodes (people, spaces, feeds, tools) rebuilt by replaying dated events.

Every course action that connects the learner to something records an ``add`` event through the store;
removing is an event too, so history is never rewritten. :func:`replay` turns events into a :class:`Network`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from . import session as _session
from .errors import InputError

TYPES = ("person", "community", "feed", "tool")
TYPE_LABELS = {"person": "people", "community": "communities and spaces", "feed": "feeds and blogs",
               "tool": "tools"}
DIRECTIONS = ("consume", "contribute", "both")
VALUES = ("cognitive", "social", "affective", "identity")
MAX_LABEL = 120


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
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "item"


def make_node(type: str, label: object, *, platform: object = "", ring: object = 2, direction: object = "consume",
              value: object = "cognitive", key: str | None = None, links: Iterable[str] = ()) -> Node:
    """Validate what a learner (or a tool) describes and return a :class:`Node`; InputError says what is wrong."""
    if type not in TYPES:
        raise InputError(f"Unknown kind of connection {str(type)[:40]!r}: choose a person, community, feed or tool.")
    if not isinstance(label, str) or not label.strip():
        raise InputError("Give the connection a name.")
    label = " ".join(label.split())
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
    return Node(key or f"{type}:{_slug(label)}", label, type, " ".join(platform.split()), ring, str(direction),
                str(value), tuple(links))


@dataclass
class Network:
    """The network as it stands after replaying events (``removed`` keeps what was dropped)."""

    nodes: dict[str, Node] = field(default_factory=dict)
    removed: dict[str, Node] = field(default_factory=dict)
    events: int = 0

    def active(self) -> list[Node]:
        return list(self.nodes.values())


def replay(events: Iterable[Any], *, until: datetime | None = None) -> Network:
    """Rebuild the network from store events (oldest first), optionally as it was at ``until``."""
    net = Network()
    for event in events:
        if until is not None and event.at > until:
            break
        net.events += 1
        if event.action == "add":
            data = dict(event.data)
            data.pop("added_at", None)
            data.pop("removed_at", None)
            data["links"] = tuple(data.get("links", ()))
            net.nodes[event.node_key] = Node(**{**data, "key": event.node_key, "added_at": event.at})
            net.removed.pop(event.node_key, None)
        elif event.action == "remove" and event.node_key in net.nodes:
            node = net.nodes.pop(event.node_key)
            net.removed[event.node_key] = replace(node, removed_at=event.at)
    return net


def add(node: Node, sess: _session.Session | None = None) -> Node:
    """Record that the learner connected to ``node`` (a dated ``add`` event)."""
    sess = sess or _session.current()
    data = node.to_json()
    for k in ("key", "added_at", "removed_at"):
        data.pop(k)
    event = sess.store.record_event(sess.learner, "add", node.key, data)
    return replace(node, added_at=event.at)


def remove(key: str, sess: _session.Session | None = None) -> None:
    """Record that the learner dropped a connection (history keeps it)."""
    sess = sess or _session.current()
    sess.store.record_event(sess.learner, "remove", key, {})


def current(sess: _session.Session | None = None) -> Network:
    """The learner's network now."""
    sess = sess or _session.current()
    return replay(sess.store.network_events(sess.learner))


def now() -> datetime:
    return datetime.now(timezone.utc)
