"""Benchmark for the facilitator's page: what one refresh costs with a room's worth of data.

Seeds a workshop of N participants (default 25) as a full session leaves it: every reflection written and
revised, ratings and stages answered twice, communities chosen, 60 network changes and 10 posts each. Then
measures, in one run:

- the idle poll (one fingerprint query, what the page does every 2 s while nothing changes);
- the room snapshot (a fixed number of queries, whatever N is);
- a full redraw of the page (snapshot, backchannel record, tables and five charts);

and prints the query counts, the median times and the ratios idle poll / snapshot / full redraw.

Usage: python benchmarks/room_dashboard.py [--participants 25] [--repeat 21] [--events 60]
(``--participants 2 --events 20000``: two participants at the network cap.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(home: Path, participants: int, events: int = 60) -> str:
    from plnkit.content import BENEFITS, MEDIUMS, MODULES, PROMPTS, STAGES
    from plnkit.services import session
    from plnkit.services.server import join_participant
    from plnkit.services.store import DB_NAME, Store

    fac = session.facilitator_token(home)
    with Store(home / DB_NAME) as store:
        for i in range(participants):
            me = store.active_learner(session.token_key(join_participant(store, f"Teacher {i + 1}")))
            with store.transaction():
                for r in range(2):
                    store.save_answer(me, "why-pln/benefit-ratings", {b.key: 1 + (i + r + j) % 5
                                                                      for j, b in enumerate(BENEFITS)})
                    store.save_answer(me, "stages/confirmed", {"stage": STAGES[(i + r) % 5].key, "estimated": None})
                store.save_answer(me, "tools/communities", {f"{m.key}:{m.today[0]}": "use" if i % 2 else "try"
                                                            for m in MEDIUMS if m.today})
                for key in PROMPTS:
                    for version in range(8):
                        store.save_answer(me, key, f"Reflection {key} version {version} " + "words " * 80)
                store.record_events(me, [(store_now(), "add", f"person:{i}-{n}", {"type": "person",
                                                                                   "label": f"P{n}"})
                                         for n in range(events)])
                for m in MODULES:
                    store.set_progress(me, m.slug, "done" if i % 3 else "started")
                if i % 4 == 0:
                    store.set_shared(me, "why-pln/what", True)
            for p in range(10):
                store.add_post(me, "course", f"Teacher {i + 1}", f"Post {p} from {i}", max_per_minute=100,
                               min_gap=0)
    return fac


def store_now():  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--events", type=int, default=60, help="network changes per participant (the cap is 20,000)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="plnkit-room-bench-"))
    os.environ.update(PLNKIT_HOME=str(home), PLNKIT_WORKSHOP="1")
    fac = seed(home, args.participants, args.events)
    os.environ["HTTP_COOKIE"] = f"plnkit_learner={fac}"

    from plnkit.rules import room
    from plnkit.widgets.dashboard import FacilitatorPage

    page = FacilitatorPage(poll_seconds=3600)
    page.close()
    store = page._sess().store
    queries: list[str] = []
    store._conn.set_trace_callback(lambda sql: queries.append(sql) if sql.lstrip().upper().startswith(
        ("SELECT", "PRAGMA")) else None)
    store.room_version()
    poll_queries = len(queries)
    queries.clear()
    store.room_snapshot(exclude=page._sess().learner.id, tracked=room.TRACKED, prompts=room.COUNTED)
    snapshot_queries = len(queries)
    queries.clear()
    page.refresh(force=True)
    redraw_queries = len(queries)
    store._conn.set_trace_callback(None)

    poll = median_ms(store.room_version, args.repeat)
    snap = median_ms(lambda: page.snapshot(), args.repeat)
    page._charts.clear()
    redraw = median_ms(lambda: (page._charts.clear(), page.refresh(force=True)), max(3, args.repeat // 4))
    cached = median_ms(lambda: page.refresh(force=True), max(3, args.repeat // 4))
    print(f"Room of {args.participants} participants, {args.events:,} network changes each")
    print(f"  idle poll (every 2 s):          {poll_queries} query,   {poll:7.2f} ms")
    print(f"  room snapshot:                  {snapshot_queries} queries, {snap:7.2f} ms")
    print(f"  refresh, charts unchanged:      {redraw_queries} queries, {cached:7.2f} ms")
    print(f"  refresh, all five charts drawn: {redraw_queries} queries, {redraw:7.2f} ms")
    print(f"  ratios: snapshot / idle poll = {snap / poll:.1f}x; full redraw / snapshot = {redraw / snap:.1f}x")
    print(f"  an idle page costs the server {poll / 2000 * 100:.3f}% of one core")


if __name__ == "__main__":
    main()
