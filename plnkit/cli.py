"""The ``plnkit`` command: ``plnkit serve`` starts the course in Voila."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .content import START
from .store import default_home

#: Kernels with no browser connected are shut down after this long idle: Voila's own shutdown on tab close
#: fails (voila issue #1458), and every page visit starts a kernel of about 100 MB.
CULL_IDLE_SECONDS = 300


def find_course_dir() -> Path | None:
    """The ``course/`` folder: beside the package in a checkout, else in the current folder."""
    for candidate in (Path(__file__).resolve().parent.parent / "course", Path.cwd() / "course"):
        if (candidate / START.notebook).is_file():
            return candidate
    return None


TEMPLATE = "plnkit"


def template_root() -> Path:
    """The folder holding ``voila/templates/plnkit`` inside the package (put on ``JUPYTER_PATH`` when serving)."""
    return Path(__file__).resolve().parent / "data"


def voila_command(course: Path, *, host: str, port: int, open_browser: bool) -> list[str]:
    """The Voila command line the course is served with."""
    return [
        sys.executable, "-m", "voila", str(course),
        f"--Voila.ip={host}",
        f"--port={port}",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--strip_sources=True",
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NOTEBOOK",  # a visitor's ?template= can't drop course.js
        "--show_tracebacks=False",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        "--VoilaExecutor.timeout=120",
        "--Voila.log_level=WARN",
    ]


def serve(args: argparse.Namespace) -> int:
    course = Path(args.course) if args.course else find_course_dir()
    if course is None or not (course / START.notebook).is_file():
        print("Can't find the course notebooks (a course/ folder with 00_start.ipynb). Run this from the "
              "repository folder, or pass --course PATH.", file=sys.stderr)
        return 2
    os.environ.setdefault("PLNKIT_HOME", str(default_home()))
    paths = [str(template_root()), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)  # Voila finds the course template here
    if args.workshop:
        os.environ["PLNKIT_WORKSHOP"] = "1"
    shown_host = "localhost" if args.host in ("127.0.0.1", "::1") else args.host
    print(f"The course is at http://{shown_host}:{args.port}/voila/render/{START.notebook}", flush=True)
    print(f"Learners' work is saved in {os.environ['PLNKIT_HOME']}. Press Ctrl+C to stop.", flush=True)
    if args.workshop:
        from .session import facilitator_token

        token = facilitator_token(os.environ["PLNKIT_HOME"])
        print("Workshop mode: each participant joins on the start page and gets a personal link.", flush=True)
        print(f"Your facilitator link (keep it to yourself; it can delete any backchannel post): "
              f"http://{shown_host}:{args.port}/voila/render/{START.notebook}?learner={token}", flush=True)
    cmd = voila_command(course.resolve(), host=args.host, port=args.port, open_browser=args.open)
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # Voila replaces this process, so stopping it stops the course
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plnkit", description="The Personal Learning Networks course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the course in Voila")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this "
                   "computer only; use 0.0.0.0 for a workshop room)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--course", help="folder holding the course notebooks (default: found automatically)")
    p.add_argument("--open", action="store_true", help="open a browser tab")
    p.add_argument("--workshop", action="store_true", help="a room of participants on one server: each joins on "
                   "the start page and gets a personal link that keeps their work apart")
    p.set_defaults(func=serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
