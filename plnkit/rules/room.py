"""The room at a glance: rules that turn a :class:`~plnkit.records.RoomSnapshot` into what the
facilitator sees.

Pure functions (no I/O): who is here and who may be stuck, and the room's aggregates. Every aggregate is
withheld until at least :data:`MIN_GROUP` participants contribute to it, so no one can be singled out by
elimination ("the only person who rated Collaboration 1"). Reflections are counted, never read, unless
their author shared them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..content import BENEFITS, MEDIUMS, MODULES, PAGES, PROMPTS, STAGES
from ..records import Member, RecordedPost, RoomSnapshot
from .text import day_and_clock, plural

#: An aggregate needs this many contributing participants before it is shown.
MIN_GROUP = 3
#: "May be stuck": on the same page this long with nothing saved since opening it (and the module not done).
STUCK_MINUTES = 20
#: The answers whose first and latest values the room's aggregates use (never a reflection).
TRACKED = ("why-pln/benefit-ratings", "stages/confirmed", "tools/communities")
#: The reflection prompts counted per prompt.
COUNTED = tuple(PROMPTS)
STATES = {"": "not started", "started": "in progress", "done": "complete"}
_PAGE_TITLES = {p.slug: ("Start page" if p.number == 0 else f"Module {p.number}") for p in PAGES}


@dataclass(frozen=True)
class Person:
    """One row of "Who is here". ``modules`` holds one of :data:`STATES`' values per module, in order.
    ``joined_at`` as :class:`~plnkit.records.Participant` has it (for someone added ahead of time, when they
    arrived)."""

    id: int
    name: str
    joined_at: datetime
    last_active: datetime | None
    where: str
    modules: tuple[str, ...]
    stuck: str  # why they may be stuck, or "" when not
    imported: bool
    muted: bool
    arrived: bool = True  # False: added ahead of time by the facilitator, no course page opened yet


def arrived(member: Member) -> bool:
    """True once ``member`` has opened a course page or has work here (saved, or from a portfolio file);
    someone the facilitator added ahead of time has neither."""
    return member.page is not None or member.last_saved_at is not None or member.imported


def stuck_reason(member: Member, now: datetime, minutes: int = STUCK_MINUTES) -> str:
    """Why ``member`` may be stuck, or "".

    The rule: their latest page was opened at least ``minutes`` ago, nothing (answer, network change or
    post) has been saved since it was opened, and that page's module is not marked complete.
    """
    if member.page is None or member.page_opened_at is None:
        return ""
    if member.progress.get(member.page) == "done":
        return ""
    since = now - member.page_opened_at
    if since < timedelta(minutes=minutes):
        return ""
    if member.last_saved_at is not None and member.last_saved_at >= member.page_opened_at:
        return ""
    where = _PAGE_TITLES.get(member.page, member.page)
    return f"{int(since.total_seconds() // 60)} min on {where} with nothing saved"


def people(snapshot: RoomSnapshot) -> list[Person]:
    """Every participant, in joining order, as "Who is here" lists them."""
    rows = []
    for m in snapshot.members:
        rows.append(Person(m.id, m.name, m.joined_at, m.last_active, _PAGE_TITLES.get(m.page or "", "—"),
                           tuple(STATES.get(m.progress.get(mod.slug, ""), "in progress") for mod in MODULES),
                           stuck_reason(m, snapshot.taken_at), m.imported, m.muted, arrived(m)))
    return rows


@dataclass(frozen=True)
class Aggregate:
    """One of the room's aggregates: a table (``headers``, ``rows``) and its description in words.

    ``contributors`` is how many participants it draws on; when that is below :data:`MIN_GROUP`, ``rows``
    is empty and ``description`` says why nothing is shown.
    """

    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    description: str
    contributors: int

    @property
    def shown(self) -> bool:
        return bool(self.rows)


def _withheld(key: str, title: str, headers: tuple[str, ...], contributors: int, what: str) -> Aggregate:
    return Aggregate(key, title, headers, (), f"Shown once at least {MIN_GROUP} participants have {what} "
                     f"(so far {contributors}), so no one can be picked out.", contributors)


def _latest(snapshot: RoomSnapshot, key: str) -> list[tuple[object, object, int]]:
    """(first, latest, versions) of ``key`` for each participant who saved it."""
    present = {m.id for m in snapshot.members}
    return [(a.first, a.latest, a.versions) for a in snapshot.answers if a.key == key and a.learner_id in present]


def stages(snapshot: RoomSnapshot) -> Aggregate:
    """How many participants confirmed each stage, first and now, and how many moved."""
    headers = ("Stage", "First confirmed", "Now")
    answers = [(f, la) for f, la, _ in _latest(snapshot, "stages/confirmed")
               if isinstance(f, dict) and isinstance(la, dict)]
    if len(answers) < MIN_GROUP:
        return _withheld("stages", "Stages confirmed", headers, len(answers), "confirmed a stage")
    order = {s.key: i for i, s in enumerate(STAGES)}
    first = Counter(f.get("stage") for f, _ in answers)
    now = Counter(la.get("stage") for _, la in answers)
    rows = tuple((s.name, first[s.key], now[s.key]) for s in STAGES)
    moved = [order.get(str(la.get("stage")), 0) - order.get(str(f.get("stage")), 0) for f, la in answers]
    on, back = sum(1 for d in moved if d > 0), sum(1 for d in moved if d < 0)
    desc = (f"{len(answers)} participants confirmed a stage. Now: "
            + "; ".join(f"{name} {n}" for name, _, n in rows)
            + f". Since their first answer, {on} moved on to a later stage, {back} to an earlier one and "
            f"{len(answers) - on - back} stayed.")
    return Aggregate("stages", "Stages confirmed", headers, rows, desc, len(answers))


def ratings(snapshot: RoomSnapshot) -> Aggregate:
    """The room's average rating (1-5) of each benefit: first rating and latest, with who re-rated."""
    headers = ("Benefit", "Average first rating", "Average now")
    answers = [(f, la, n) for f, la, n in _latest(snapshot, "why-pln/benefit-ratings")
               if isinstance(f, dict) and isinstance(la, dict)]
    if len(answers) < MIN_GROUP:
        return _withheld("ratings", "Benefit ratings", headers, len(answers), "rated the benefits")

    def mean(values: list[object]) -> float:
        nums = [float(v) for v in values if isinstance(v, int) and not isinstance(v, bool)]
        return round(sum(nums) / len(nums), 1) if nums else 0.0

    rows = tuple((b.name, mean([f.get(b.key) for f, _, _ in answers]), mean([la.get(b.key) for _, la, _ in answers]))
                 for b in BENEFITS)
    rerated = sum(1 for _, _, n in answers if n > 1)
    desc = (f"{len(answers)} participants rated the seven benefits from 1 to 5; {rerated} re-rated. Average first "
            "rating and now: " + "; ".join(f"{name} {a} then {b}" for name, a, b in rows) + ".")
    return Aggregate("ratings", "Benefit ratings", headers, rows, desc, len(answers))


def tools(snapshot: RoomSnapshot, top: int = 10) -> Aggregate:
    """The tools and communities most often joined ("I use it") or planned ("I'll try it")."""
    headers = ("Tool or community", "Use it", "Will try it")
    answers = [la for _, la, _ in _latest(snapshot, "tools/communities") if isinstance(la, dict) and la]
    if len(answers) < MIN_GROUP:
        return _withheld("tools", "Tools and communities", headers, len(answers), "chosen communities")
    use: Counter[str] = Counter()
    trying: Counter[str] = Counter()
    for choice in answers:
        for key, how in choice.items():
            tool = str(key).split(":", 1)[-1]
            (use if how == "use" else trying)[tool] += 1
    known = {t for m in MEDIUMS for t in m.today}
    ranked = sorted((t for t in set(use) | set(trying) if t in known), key=lambda t: (-(use[t] + trying[t]), t))
    rows = tuple((t, use[t], trying[t]) for t in ranked[:top])
    desc = (f"{len(answers)} participants chose communities. Most often: "
            + "; ".join(f"{t} ({u} use it, {n} will try it)" for t, u, n in rows[:5]) + ".")
    return Aggregate("tools", "Tools and communities", headers, rows, desc, len(answers))


def reflections(snapshot: RoomSnapshot) -> Aggregate:
    """How many participants have written each reflection (counts only)."""
    headers = ("Prompt", "Participants who wrote it")
    total = sum(1 for m in snapshot.members if arrived(m))  # names added ahead of time can't make up a group
    if total < MIN_GROUP:
        return _withheld("reflections", "Reflections written", headers, total, "opened the course")
    rows = tuple((prompt_label(k), snapshot.reflections.get(k, 0)) for k in COUNTED)
    written = sum(n for _, n in rows)
    desc = (f"{plural(total, 'participant')} in the room have written {plural(written, 'reflection')} in all. "
            "By prompt: " + "; ".join(f"{label} {n}" for label, n in rows) + ".")
    return Aggregate("reflections", "Reflections written", headers, rows, desc, total)


def growth(snapshot: RoomSnapshot, points: int = 12) -> Aggregate:
    """The room's connections (all participants' networks together) over the session, at ``points`` times.

    The session starts when the first participant joined; connections made before (restored from a
    portfolio) count from that start.
    """
    headers = ("Time", "Connections in the room")
    contributors = len({c.learner_id for c in snapshot.connections})
    if contributors < MIN_GROUP or not snapshot.members:
        return _withheld("growth", "The room's network", headers, contributors, "added connections")
    # Whole minutes: the table (and so the chart) changes only when a minute passes or a connection changes.
    start = min(m.joined_at for m in [*filter(arrived, snapshot.members)] or snapshot.members).replace(
        second=0, microsecond=0)
    end = snapshot.taken_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    span = max(end - start, timedelta(minutes=1))
    step = max(1, -(-int(span.total_seconds() // 60) // (points - 1)))  # whole minutes between points
    times = [min(start + timedelta(minutes=step * i), end) for i in range(points)]
    times = sorted(set(times))
    added = sorted(c.added_at for c in snapshot.connections)
    removed = sorted(c.removed_at for c in snapshot.connections if c.removed_at is not None)
    rows = tuple((t, bisect_right(added, t) - bisect_right(removed, t)) for t in times)  # O(n log n) at any size
    desc = (f"{contributors} participants' networks together grew from {plural(rows[0][1], 'connection')} when "
            f"the first person joined to {rows[-1][1]} now.")
    return Aggregate("growth", "The room's network", headers, rows, desc, contributors)


def aggregates(snapshot: RoomSnapshot) -> list[Aggregate]:
    """All the room's aggregates, in the order the facilitator's page shows them."""
    return [stages(snapshot), ratings(snapshot), growth(snapshot), tools(snapshot), reflections(snapshot)]


def prompt_label(key: str) -> str:
    """A short name for a reflection prompt: its page and its own name ("Module 2 · feelings")."""
    page, _, name = key.partition("/")
    where = {p.slug: ("Start" if p.number == 0 else f"Module {p.number}") for p in PAGES}.get(page, page)
    return f"{where} · {name.replace('-', ' ')}"


def shared_by_prompt(snapshot: RoomSnapshot) -> list[tuple[str, list[tuple[str, str, datetime]]]]:
    """Shared reflections grouped by prompt (in course order): ``(question, [(name, text, saved_at), ...])``."""
    groups: dict[str, list[tuple[str, str, datetime]]] = {}
    present = {m.id for m in snapshot.members}
    for s in snapshot.shared:
        if s.learner_id in present and s.key in PROMPTS:
            groups.setdefault(s.key, []).append((s.name, s.text, s.saved_at))
    return [(PROMPTS[k].question, groups[k]) for k in COUNTED if k in groups]


def counts(rows: Sequence[Person]) -> dict[str, int]:
    """Headline numbers: participants who have opened the course, those added ahead of time and not here yet,
    how many may be stuck, and how many completed each module."""
    waiting = sum(1 for r in rows if not r.arrived)
    out = {"participants": len(rows) - waiting, "not here yet": waiting, "stuck": sum(1 for r in rows if r.stuck)}
    for i, mod in enumerate(MODULES):
        out[f"module {mod.number} complete"] = sum(1 for r in rows if r.modules[i] == "complete")
    return out


def record_rows(record: Sequence[RecordedPost]) -> list[list[object]]:
    """The backchannel record as table rows: time, joined as, shown as, post, status."""
    rows: list[list[object]] = []
    for r in record:
        p = r.post
        status = "shown"
        if p.deleted_at is not None:
            status = (f"hidden by the facilitator at {day_and_clock(p.deleted_at)}" if r.deleted_by == "facilitator"
                      else f"deleted by its author at {day_and_clock(p.deleted_at)}")
        rows.append([p.created_at, r.poster, p.author, p.body, status])
    return rows


RECORD_HEADERS = ("Posted", "Joined as", "Shown as", "Post", "Status")
