"""Benchmark for issue 13: each course page against a one-slider floor notebook, served by the same server.

For the floor (``import ipywidgets as w; w.IntSlider()``, written to a temporary folder, never the repository)
and each course page (00_start, 01_why_pln, 02_stages, 03_tools), it measures in headless Chromium:

- time to interactive: from the request until every widget of the page is rendered (``_pagetiming.RENDERED_JS``);
- the RSS (VmRSS) of the page's kernel once rendered.

Each run starts a server with a fresh ``PLNKIT_HOME`` (a fresh learner, or with ``--learner drawn`` one whose
network, ratings and stages make every chart draw), opens the floor once untimed, then each notebook once in
turn; it prints medians of ``--runs`` runs and their ratios to the floor, for (a) plain ``voila`` standalone and
(b) ``jupyter server`` with the Voila extension (``/voila/render/<nb>``, as on Binder or JupyterHub).
Goals: time at most 1.3x the floor inside a Jupyter server; kernel RSS at most 1.5x the floor's.

The machine is shared and noisy: only the ratios measured in one run mean anything.

Usage: python benchmarks/pages.py [--runs 5] [--mode voila|jupyter|both] [--learner fresh|drawn]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parent.parent

import _pagetiming as pt  # noqa: E402

PAGES = ("00_start.ipynb", "01_why_pln.ipynb", "02_stages.ipynb", "03_tools.ipynb")
FLOOR = "floor.ipynb"
GOAL_TIME, GOAL_RSS = 1.3, 1.5


def seed_drawn_learner(home: Path, nodes: int = 40) -> None:
    """Give the local learner a network of ``nodes``, benefit ratings and a confirmed stage (every chart draws)."""
    sys.path.insert(0, str(ROOT))
    from plnkit.content import BENEFITS
    from plnkit.rules import network
    from plnkit.services.session import LOCAL_LEARNER
    from plnkit.services.store import Store

    store = Store(home / "plnkit.sqlite3")
    try:
        me = store.learner(LOCAL_LEARNER)
        for i in range(nodes):
            kind = network.TYPES[i % len(network.TYPES)]
            node = network.make_node(kind, f"{kind.title()} {i}", platform=("Bluesky", "Mastodon", "Blog")[i % 3],
                                     ring=1 + i % 3, direction=network.DIRECTIONS[i % len(network.DIRECTIONS)])
            data = node.to_json()
            for k in ("key", "added_at", "removed_at"):
                data.pop(k)
            store.record_event(me, "add", node.key, data)
        store.save_answer(me, "why-pln/benefit-ratings", {b.key: 1 + i % 5 for i, b in enumerate(BENEFITS)})
        store.save_answer(me, "stages/confirmed", {"stage": "evaluation", "estimated": "evaluation"})
    finally:
        store.close()


def course_folder(tmp: Path) -> Path:
    """A folder with copies of the course pages and the floor notebook (the server's root)."""
    root = tmp / "root"
    root.mkdir()
    for name in PAGES:
        shutil.copy(ROOT / "course" / name, root / name)
    pt.floor_notebook(root)
    return root


def compiled(tmp: Path) -> dict[str, str]:
    """Environment for servers whose kernels load plnkit from bytecode, as an installed package does.

    Without it (``PYTHONDONTWRITEBYTECODE`` set, or a fresh checkout) every page's kernel would compile plnkit
    from source, a cost the floor never pays. The bytecode goes to a temporary folder, never the repository.
    """
    env = {"PYTHONPYCACHEPREFIX": str(tmp / "pycache"), "PYTHONDONTWRITEBYTECODE": ""}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "plnkit")], check=True,
                   env={**os.environ, **env})
    return env


def run_mode(mode: str, runs: int, learner: str) -> dict[str, list[pt.PageRun]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[pt.PageRun]] = {nb: [] for nb in (FLOOR, *PAGES)}
    with tempfile.TemporaryDirectory(prefix="plnkit-pages-") as tmp_name, sync_playwright() as p:
        tmp = Path(tmp_name)
        root = course_folder(tmp)
        bytecode = compiled(tmp)
        browser = pt.launch_chromium(p)
        try:
            for run in range(runs):
                home = tmp / f"home-{run}"
                home.mkdir(mode=0o700)
                if learner == "drawn":
                    seed_drawn_learner(home)
                env = {"PLNKIT_HOME": str(home), "PYTHONPATH": str(ROOT), **bytecode,
                       "JUPYTER_PATH": str(ROOT / "plnkit" / "data"),  # where Voila finds the course template
                       # and a Jupyter server plnkit's extension (a normal install puts both where they are found)
                       "JUPYTER_CONFIG_PATH": str(ROOT / "plnkit" / "data" / "jupyter-config")}
                start = pt.start_voila if mode == "voila" else pt.start_jupyter_server
                server = start(root, env, tmp / f"{mode}-{run}.log")
                try:
                    for nb in (FLOOR, *PAGES) if run == 0 else (FLOOR,):  # warm-up, untimed: the server's first
                        pt.open_page(browser, server, nb)  # page, and in the first run each page's imports
                    for nb in (FLOOR, *PAGES):
                        results[nb].append(pt.open_page(browser, server, nb))
                        print(f"  {mode} run {run + 1}: {nb:<18} {results[nb][-1].seconds:6.2f} s "
                              f"{results[nb][-1].rss_mib:6.1f} MiB", file=sys.stderr)
                finally:
                    pt.stop(server)
        finally:
            browser.close()
    return results


def report(mode: str, results: dict[str, list[pt.PageRun]], learner: str) -> None:
    label = {"voila": "plain voila (standalone)", "jupyter": "jupyter server + voila extension"}[mode]
    runs = len(results[FLOOR])
    print(f"\n{label}, {learner} learner, median of {runs}:")
    floor_s = statistics.median(r.seconds for r in results[FLOOR])
    floor_m = statistics.median(r.rss_mib for r in results[FLOOR])
    print(f"  {'page':<18} {'interactive':>11} {'ratio':>6}   {'kernel RSS':>10} {'ratio':>6}")
    for nb, page_runs in results.items():
        s = statistics.median(r.seconds for r in page_runs)
        m = statistics.median(r.rss_mib for r in page_runs)
        print(f"  {nb:<18} {s:9.2f} s {s / floor_s:5.2f}x   {m:6.1f} MiB {m / floor_m:5.2f}x")
    worst_s = max(statistics.median(r.seconds for r in results[nb]) for nb in PAGES) / floor_s
    worst_m = max(statistics.median(r.rss_mib for r in results[nb]) for nb in PAGES) / floor_m
    print(f"  worst page: time {worst_s:.2f}x (goal <= {GOAL_TIME}x inside a Jupyter server), "
          f"RSS {worst_m:.2f}x (goal <= {GOAL_RSS}x for a fresh learner)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mode", choices=("voila", "jupyter", "both"), default="both")
    parser.add_argument("--learner", choices=("fresh", "drawn"), default="fresh")
    args = parser.parse_args()
    for mode in (("voila", "jupyter") if args.mode == "both" else (args.mode,)):
        report(mode, run_mode(mode, args.runs, args.learner), args.learner)


if __name__ == "__main__":
    main()
