"""Benchmark for issue 13: ``import plnkit`` against ``import ipywidgets``, each in a fresh interpreter.

Also times the course notebooks' import cell (``from plnkit import (...)``, every name the pages import) and
lists which heavy libraries each leaves loaded. Runs alternate between the statements, median of ``--runs``.
Goal: ``import plnkit`` at most 1.5x ``import ipywidgets``. The machine is shared: compare the ratios.

Usage: python benchmarks/imports.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("matplotlib", "numpy", "PIL", "feedparser", "nh3", "urllib3", "defusedxml", "sqlite3")
CELL = ("from plnkit import (backchannel, balance_planner, benefit_rating, bookmark_manager, communities, evidence, "
        "facts, feed_reader, first_steps, footer, header, identity_check, module_list, my_network, join, portfolio, "
        "reflection, sources, stage_finder)")
STATEMENTS = {"import ipywidgets": "import ipywidgets", "import plnkit": "import plnkit", "notebook import cell": CELL}
PROBE = """import sys, time, json
t = time.perf_counter()
{stmt}
took = time.perf_counter() - t
print(json.dumps([took, [m for m in {heavy!r} if m in sys.modules]]))"""


def once(statement: str, env: dict[str, str]) -> tuple[float, list[str]]:
    """Seconds ``statement`` takes in a fresh interpreter, and the heavy libraries loaded after it."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=statement, heavy=HEAVY)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT), **env}).stdout
    took, loaded = json.loads(out)
    return float(took), list(loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    loaded: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="plnkit-imports-") as tmp:
        # Bytecode for plnkit (as an installed package has), kept in a temporary folder, never the repository.
        env = {"PYTHONPYCACHEPREFIX": tmp, "PYTHONDONTWRITEBYTECODE": ""}
        for statement in STATEMENTS.values():
            once(statement, env)  # warm the file cache and write the bytecode
        measure(args.runs, env, times, loaded)
    report(args.runs, times, loaded)


def measure(runs: int, env: dict[str, str], times: dict[str, list[float]], loaded: dict[str, list[str]]) -> None:
    """Time each statement ``runs`` times, alternating between them (the machine's load changes)."""
    for _ in range(runs):
        for name, statement in STATEMENTS.items():
            took, loaded[name] = once(statement, env)
            times[name].append(took)


def report(runs: int, times: dict[str, list[float]], loaded: dict[str, list[str]]) -> None:
    base = statistics.median(times["import ipywidgets"])
    for name, took in times.items():
        median = statistics.median(took)
        print(f"{name:<22} {median * 1000:7.1f} ms  {median / base:5.2f}x ipywidgets   "
              f"loads: {', '.join(loaded[name]) or '-'}")
    print(f"goal: import plnkit <= 1.5x import ipywidgets "
          f"(now {statistics.median(times['import plnkit']) / base:.2f}x, median of {runs})")


if __name__ == "__main__":
    main()
