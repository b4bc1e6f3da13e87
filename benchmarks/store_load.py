"""Load held: many learners saving at once, each in a process of its own (as hub users' servers are), against
SQLite and against PostgreSQL, in one run.

Each of ``--learners`` processes opens the store, signs in as its own hub user, waits until all are ready, then
saves ``--saves`` versions of a reflection as fast as it can (every fifth save also posts to the backchannel, as a
room does). The parent then checks every save was kept and each writer's saves are in the order it made them, and
prints, per engine: saves kept, writers in order, wall time, saves per second, and the p50/p95 of one save's
latency; then PostgreSQL's throughput as a ratio to SQLite's, measured in this run.

PostgreSQL is a throwaway server on loopback started from Debian's binaries (the tests' own, ``tests/pgserver.py``),
or ``--postgresql-url`` for one of yours (it must be an empty database: the run creates its tables).

    .venv/bin/python benchmarks/store_load.py [--learners 100] [--saves 20] [--engine both|sqlite|postgresql]
        [--postgresql-url postgresql://...]

About a minute on 2 cores (most of it starting 200 Python processes).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plnkit.services.store import Store  # noqa: E402

KEY = "why-pln/what"

WRITER = textwrap.dedent("""
    import json, sys, time
    from plnkit.services.store import Store
    target, me_name, saves = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store(target, busy_timeout=60)
    me = store.learner("hub:" + me_name, me_name)
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # everyone starts together
    took = []
    for i in range(saves):
        start = time.perf_counter()
        store.save_answer(me, "why-pln/what", f"{me_name}-{i}")
        if i % 5 == 4:
            store.add_post(me, "room", me_name, f"post {i} from {me_name}", max_per_minute=1000, min_gap=0)
        took.append(time.perf_counter() - start)
    store.close()
    sys.stdout.write(json.dumps(took) + "\\n")
""")


def run(target: str, learners: int, saves: int) -> dict[str, float | int]:
    Store(target).close()  # create the schema once, before the clock starts
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, target, f"teacher{n:03d}", str(saves)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for n in range(learners)]
    for p in procs:
        assert p.stdout is not None
        if p.stdout.readline().strip() != "ready":
            raise SystemExit(f"a writer failed to start (exit {p.wait()})")
    start = time.perf_counter()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    latencies: list[float] = []
    for p in procs:
        assert p.stdout is not None
        line = p.stdout.readline()
        if p.wait() != 0 or not line:
            raise SystemExit(f"a writer failed (exit {p.returncode})")
        latencies += json.loads(line)
    wall = time.perf_counter() - start
    kept = in_order = 0
    with Store(target) as store:
        for n in range(learners):
            me = store.learner(f"hub:teacher{n:03d}")
            values = [str(v.value) for v in reversed(store.answer_history(me, KEY))]
            kept += len(values)
            in_order += values == [f"teacher{n:03d}-{i}" for i in range(saves)]
        posts = len(store.posts("room", limit=learners * saves))
    latencies.sort()
    return {"kept": kept, "expected": learners * saves, "in_order": in_order, "posts": posts, "wall": wall,
            "per_second": learners * saves / wall, "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--engine", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--postgresql-url")
    args = parser.parse_args()
    results: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.engine in ("both", "sqlite"):
            results["SQLite"] = run(str(Path(tmp) / "plnkit.sqlite3"), args.learners, args.saves)
        if args.engine in ("both", "postgresql"):
            if args.postgresql_url:
                results["PostgreSQL"] = run(args.postgresql_url, args.learners, args.saves)
            else:
                from tests.conftest import free_port
                from tests.pgserver import PostgresServer

                server = PostgresServer(free_port())
                try:
                    results["PostgreSQL"] = run(server.empty_database(), args.learners, args.saves)
                finally:
                    server.close()
    print(f"{args.learners} learners in separate processes, {args.saves} saves each (every 5th also a post)")
    for engine, r in results.items():
        print(f"{engine:>10}: {r['kept']}/{r['expected']} saves kept, {r['in_order']}/{args.learners} writers in "
              f"order, {r['posts']} posts; {r['wall']:.2f} s, {r['per_second']:.0f} saves/s; one save p50 "
              f"{r['p50']:.1f} ms, p95 {r['p95']:.1f} ms")
    if len(results) == 2:
        ratio = results["PostgreSQL"]["per_second"] / results["SQLite"]["per_second"]
        print(f"PostgreSQL/SQLite saves per second: {ratio:.2f}x")


if __name__ == "__main__":
    main()
