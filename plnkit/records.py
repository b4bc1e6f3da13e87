"""The records the store hands out: frozen dataclasses, the one shape of stored data everywhere.

Every public method of :class:`plnkit.services.store.Store` returns these (or lists of them), never rows, dicts or
tuples; rules, charts, formats and widgets all read them. They live here, below every layer, so a rule can take a
record without importing the store. Times are timezone-aware UTC ``datetime`` values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Learner:
    """A person whose work is stored."""

    id: int
    key: str
    name: str


@dataclass(frozen=True)
class AnswerVersion:
    """One saved version of an answer."""

    id: int
    key: str
    value: Any
    saved_at: datetime


@dataclass(frozen=True, eq=False)
class LatestAnswers(Mapping[str, AnswerVersion]):
    """The latest version of each answer, by answer key (in key order); read-only.

    A mapping, so ``for key in answers``, ``answers.get(key)`` and ``answers == {}`` read as they look.
    """

    versions: Mapping[str, AnswerVersion] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "versions", MappingProxyType(dict(self.versions)))

    def __getitem__(self, key: str) -> AnswerVersion:
        return self.versions[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)


@dataclass(frozen=True, eq=False)
class Progress(Mapping[str, str]):
    """Each module's status for one learner, ``"started"`` or ``"done"``, by the module's slug (``"why-pln"``);
    modules never opened are absent. Read-only; ``progress.get(slug)`` and ``progress == {...}`` read as they look.
    """

    statuses: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "statuses", MappingProxyType(dict(self.statuses)))

    def __getitem__(self, module: str) -> str:
        return self.statuses[module]

    def __iter__(self) -> Iterator[str]:
        return iter(self.statuses)

    def __len__(self) -> int:
        return len(self.statuses)

    def done(self, module: str) -> bool:
        """True once the module (its slug) is done."""
        return self.statuses.get(module) == "done"


@dataclass(frozen=True)
class NetworkEvent:
    """A dated change to the learner's network (a node added, changed or removed)."""

    id: int
    at: datetime
    action: str
    node_key: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StoredBookmark:
    """A bookmark as stored."""

    id: int
    url: str
    title: str
    tags: tuple[str, ...]
    note: str
    folder: str
    private: bool
    added_at: datetime


@dataclass(frozen=True)
class Post:
    """A backchannel post. ``deleted_at`` is set when its author deleted it (it stays in the record)."""

    id: int
    room: str
    learner_id: int
    author: str
    body: str
    created_at: datetime
    deleted_at: datetime | None = None
    deleted_by: int | None = None


@dataclass(frozen=True)
class RecordedPost:
    """A post in the facilitator's record: who wrote it (the name they joined as, whatever name the post
    shows) and, for a deleted post, who deleted it (``"author"`` or ``"facilitator"``)."""

    post: Post
    poster: str
    deleted_by: str | None


@dataclass(frozen=True)
class Fingerprint:
    """A cheap summary of some tables: two equal fingerprints mean nothing they cover has changed."""

    value: str


@dataclass(frozen=True)
class Participant:
    """A workshop participant as the facilitator sees them. ``joined_at`` is when they first opened a course page
    (for someone the facilitator added ahead of time, when they arrived), or, before any, when they joined or
    were added; ``arrived`` is False until they have opened a course page or saved an answer."""

    id: int
    name: str
    joined_at: datetime
    arrived: bool = True


@dataclass(frozen=True)
class Member:
    """One participant as the facilitator's page shows them (never their answers).

    ``page`` is the slug of the course page they opened last (``None`` before any), ``last_saved_at`` the
    time of their latest saved answer, network change or post, ``progress`` maps module slug to
    ``"started"`` or ``"done"``. ``joined_at`` is as :class:`Participant` has it: their first course page, or
    when they joined or were added, before any.
    """

    id: int
    name: str
    joined_at: datetime
    imported: bool
    muted: bool
    page: str | None
    page_opened_at: datetime | None
    last_saved_at: datetime | None
    progress: dict[str, str] = field(default_factory=dict)

    @property
    def last_active(self) -> datetime | None:
        """The later of their last page open and their last save."""
        times = [t for t in (self.page_opened_at, self.last_saved_at) if t is not None]
        return max(times) if times else None


@dataclass(frozen=True)
class TrackedAnswer:
    """The first and latest saved values of one answer of one participant (``versions`` in all)."""

    learner_id: int
    key: str
    first: Any
    latest: Any
    versions: int
    first_saved_at: datetime
    saved_at: datetime


@dataclass(frozen=True)
class SharedAnswer:
    """A reflection its author chose to share with the room: the latest saved text, with their name."""

    learner_id: int
    name: str
    key: str
    text: str
    saved_at: datetime
    shared_at: datetime


@dataclass(frozen=True)
class Connection:
    """One connection in one participant's network: when it was first added, and when removed (if it is)."""

    learner_id: int
    added_at: datetime
    removed_at: datetime | None


@dataclass(frozen=True)
class RoomSnapshot:
    """Everything the facilitator's page shows, read at one moment.

    ``reflections`` counts, per prompt key, the participants whose latest reflection is not empty.
    """

    taken_at: datetime
    members: list[Member]
    answers: list[TrackedAnswer]
    reflections: dict[str, int]
    connections: list[Connection]
    shared: list[SharedAnswer]


@dataclass(frozen=True)
class Certificate:
    """A certificate of completion as issued: its verification code, whose it is, when, and what it states."""

    code: str
    learner_id: int
    issued_at: datetime
    facts: dict[str, Any]


@dataclass(frozen=True)
class ImportedParticipant:
    """The participant made from a portfolio file; ``new`` is true when this import made them."""

    learner: Learner
    new: bool


@dataclass(frozen=True)
class StoredSubscription:
    """A feed the learner subscribes to: its address, the title and OPML folder it came with, the site's own page
    (``html_url``, or ``None``) and when it was added (UTC)."""

    url: str
    title: str
    folder: str
    html_url: str | None
    added_at: datetime


@dataclass(frozen=True)
class CachedFeed:
    """What the shared feed cache holds for one address (every field ``None`` until first fetched).

    ``feed`` is the parsed feed as JSON text (:meth:`plnkit.formats.feeds.Feed.to_json`); ``etag`` and
    ``last_modified`` are the validators for the next conditional GET; the ``*_at`` fields are ISO 8601 UTC
    strings; ``failures`` counts fetches that failed in a row and ``error`` is the last one (JSON with its kind and
    message: :func:`plnkit.services.feedcache.error_text`).
    """

    final_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    feed: str | None = None
    fetched_at: str | None = None
    checked_at: str | None = None
    next_check_at: str | None = None
    failures: int | None = None
    error: str | None = None


#: A subscription to store (``Store.subscribe_many``): url, title, OPML folder, the site's own page (or ``None``),
#: and optionally when the learner subscribed (UTC; ``None``: now).
SubscriptionRow = tuple[str, str, str, str | None] | tuple[str, str, str, str | None, datetime | None]
