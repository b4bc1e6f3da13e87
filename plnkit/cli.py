"""The ``plnkit`` command: ``plnkit serve`` starts the course in Voila."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

from .content import FACILITATOR_NOTEBOOK, PAGES, START
from .errors import CourseNotFoundError
from .services._log import READY_MESSAGE_ENV
from .services.store import default_home

#: Kernels with no browser connected are shut down after this long idle: Voila's own shutdown on tab close
#: fails (voila issue #1458), and every page visit starts a kernel of about 100 MB.
CULL_IDLE_SECONDS = 300
#: Preheated kernels kept ready per course page by default: 4 pages x 1 kernel (about 55 MB each) on a laptop.
PREHEAT = 1
#: ... and with --workshop: a room arrives together (benchmarks/room.py, 25 people over a minute on 2 cores). With
#: 2 a page, a page's pool ran dry in bursts on a slower day and a few visitors waited for a whole page to run
#: (up to 3.1 s; p95 3.2-9.2x one person alone); with 3, the slowest visit took 0.75 s (p95 3.3x, p50 1.05x),
#: for about 55 MB more per page while waiting.
WORKSHOP_PREHEAT = 3
#: A preheated kernel waits for its visitor inside a cell, so VoilaExecutor.timeout must outlast its wait: it is
#: replaced after PREHEAT_MAX_AGE seconds, and a cell may run PREHEAT_MAX_AGE + 600 (a page that hangs is still
#: shut down once it has not connected for 3 minutes after its request; see services/_gate.py).
PREHEAT_MAX_AGE = 1800


def course_dir() -> Path:
    """The course folder the running plnkit serves by default: an absolute path holding ``00_start.ipynb`` to
    ``03_tools.ipynb`` and ``facilitator.ipynb``.

    An installed plnkit (a wheel, ``pip install .``) carries the notebooks as ``plnkit/course/`` beside its
    modules; a checkout (``pip install -e .``, or ``PYTHONPATH`` on the repository) has them in the
    repository's top-level ``course/`` folder. The installed copy is looked for first. The current folder is
    never consulted. ``plnkit course-path`` prints this folder.

    Raises :class:`plnkit.errors.CourseNotFoundError` when the package has neither (a broken install).
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "course", package.parent / "course"):
        if (candidate / START.notebook).is_file():
            return candidate
    raise CourseNotFoundError(f"This plnkit ({package}) has no course notebooks: neither {package / 'course'} "
                              f"nor {package.parent / 'course'} holds {START.notebook}. Reinstall plnkit, or "
                              "pass --course PATH.", package)


def check_course(folder: Path) -> Path:
    """``folder`` made absolute, once it is known to hold the course (its ``00_start.ipynb``).

    Raises :class:`plnkit.errors.CourseNotFoundError` saying what is missing: the folder, or its start page.
    """
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise CourseNotFoundError(f"{folder} is not a folder, so it has no course notebooks.", folder)
    if not (folder / START.notebook).is_file():
        raise CourseNotFoundError(f"{folder} has no course: it does not hold {START.notebook} (the course's start "
                                  "page). Pass the folder that holds the course notebooks.", folder)
    return folder


TEMPLATE = "plnkit"
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def template_root() -> Path:
    """The folder holding ``voila/templates/plnkit`` inside the package (put on ``JUPYTER_PATH`` when serving)."""
    return Path(__file__).resolve().parent / "data"


def lan_address() -> str | None:
    """This machine's address on its local network, as participants' browsers reach it (None when unknown).

    Connecting a UDP socket sends nothing; it only asks the system which interface it would use.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith(("0.", "127.")) else address


def shown_host(host: str) -> str:
    """The host name to print in links: never 0.0.0.0 (browsers can't open it)."""
    if host in ("127.0.0.1", "::1", "localhost"):
        return "localhost"
    if host in ("0.0.0.0", "::", ""):
        return lan_address() or socket.gethostname() or "localhost"
    return f"[{host}]" if ":" in host else host


def voila_command(course: Path, *, host: str, port: int, open_browser: bool, workshop: bool = False,
                  allow_hosts: list[str] | None = None, certfile: str = "", keyfile: str = "",
                  max_pages: int = 80, max_pages_each: int = 8, keep_dropped: int = CULL_IDLE_SECONDS,
                  preheat: int = PREHEAT, max_pages_per_computer: int = 24) -> list[str]:
    """The command line the course is served with: :class:`plnkit.services.server.CourseServer`, Voila with the gate.

    ``preheat`` kernels per course page are started and run before anyone asks (0: none; never with TLS, see
    :mod:`plnkit.services._preheat`); the facilitator's page is never preheated.
    """
    # Voila starts every pool before the server can count them: the whole pool fits within --max-pages.
    preheat = 0 if certfile else max(0, min(preheat, max_pages // len(PAGES)))
    local = host in ("127.0.0.1", "::1", "localhost")
    names = [*LOCAL_NAMES, *(allow_hosts or [])] if local or allow_hosts else None
    cmd = [
        sys.executable, "-m", "plnkit.services.server", str(course),
        f"--Voila.ip={host}",
        f"--port={port}",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--strip_sources=True",
        f"--template={TEMPLATE}",
        "--VoilaConfiguration.allow_template_override=NOTEBOOK",  # a visitor's ?template= can't drop course.js
        "--show_tracebacks=False",
        # Voila's idle culler: a quiet page with no connection goes after --keep-dropped seconds, as a busy one does
        # (CourseServer._cull_unopened); pages not connected yet are left to the server (CourseServer).
        f"--MappingKernelManager.cull_idle_timeout={keep_dropped}",
        f"--MappingKernelManager.cull_interval={max(2, min(60, keep_dropped // 3))}",
        "--MappingKernelManager.cull_connected=False",
        # Kernels talk to the server over Unix sockets in the data folder's runtime dir, not loopback TCP ports any
        # local user could reach (and the kernel's "susceptible to eavesdropping" warning goes with them).
        "--KernelManager.transport=ipc",
        # Course kernels start without IPython's input history and output cache (see server.KERNEL_ARGUMENTS).
        "--MappingKernelManager.kernel_manager_class=plnkit.services.server.CourseKernelManager",
        "--NotebookNotary.db_file=:memory:",  # the course's notebooks are signed by the server while it runs
        f"--VoilaExecutor.timeout={PREHEAT_MAX_AGE + 600 if preheat > 0 else 120}",
        "--Voila.log_level=WARN",
        f"--CourseServer.max_kernels={max_pages}",
        f"--CourseServer.dropped_seconds={keep_dropped}",
        f"--CourseServer.max_kernels_per_client={max_pages_each}",
        f"--CourseServer.max_kernels_per_address={max_pages_per_computer}",
    ]
    if names is not None:
        cmd += [f"--CourseServer.allowed_hosts={name}" for name in names]
    if workshop:
        cmd += ["--CourseServer.workshop=True", "--VoilaConfiguration.http_header_envs=Cookie"]
    if certfile:
        cmd += [f"--CourseServer.certfile={certfile}", f"--CourseServer.keyfile={keyfile}"]
    elif preheat > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}", f"--CourseServer.preheat_max_age={PREHEAT_MAX_AGE}",
                f"--VoilaKernelManager.preheat_denylist={FACILITATOR_NOTEBOOK}"]
    return cmd


def prepare_store(home: Path) -> str:
    """Open the course database once before serving, so it is created or upgraded now (Alembic), not by the
    first page a learner opens; a problem is printed for the operator (pages then say it to learners too).

    Returns where the work is kept, for the console: the data folder, or the PostgreSQL URL without its password.
    """
    from .errors import StoreError
    from .services._store_pg import redact, scrub
    from .services.store import DATABASE_URL_ENV, DB_NAME, Store

    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    where = f"the PostgreSQL database {redact(url)}" if url else str(home)
    try:
        Store(url or home / DB_NAME).close()
    except StoreError as exc:
        cause = getattr(exc.__cause__, "orig", None) or exc.__cause__
        said = f" (the database said: {scrub(str(cause).strip(), url)})" if url and cause is not None else ""
        print(f"Warning: the course database can't be used yet ({where}): {exc}{said}", file=sys.stderr, flush=True)
    return where


def serve(args: argparse.Namespace) -> int:
    try:
        course = check_course(Path(args.course)) if args.course else course_dir()
    except CourseNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    if bool(args.certfile) != bool(args.keyfile):
        print("Give both --certfile and --keyfile to serve HTTPS.", file=sys.stderr)
        return 2
    os.environ.setdefault("PLNKIT_HOME", str(default_home()))
    home = Path(os.environ["PLNKIT_HOME"])
    paths = [str(template_root()), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)  # Voila finds the course template here
    if args.workshop:
        os.environ["PLNKIT_WORKSHOP"] = "1"
    scheme = "https" if args.certfile else "http"
    base = f"{scheme}://{shown_host(args.host)}:{args.port}/voila/render/{START.notebook}"
    # Said by the server once it listens (a link followed at once then opens), not before it starts.
    ready = [f"The course is at {base}", f"Learners' work is saved in {prepare_store(home)}. Press Ctrl+C to stop."]
    if args.workshop:
        from .services.session import facilitator_token

        link = f"{base}?learner={facilitator_token(home)}"
        link_file = home / "facilitator-link.txt"
        fd = os.open(link_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(link + "\n")
        ready += ["Workshop mode: share the address above; each participant joins with their name.",
                  f"Your facilitator link (keep it to yourself; also in {link_file}): {link}",
                  "Once it is open in your browser, the facilitator's page (who is here, the room's answers) is at "
                  f"{base.rsplit('/', 1)[0]}/{FACILITATOR_NOTEBOOK}"]
    os.environ[READY_MESSAGE_ENV] = "\n".join(ready)
    cmd = voila_command(course, host=args.host, port=args.port, open_browser=args.open,
                        workshop=args.workshop, allow_hosts=args.allow_host, certfile=args.certfile or "",
                        keyfile=args.keyfile or "", max_pages=args.max_pages, max_pages_each=args.max_pages_each,
                        max_pages_per_computer=args.max_pages_per_computer,
                        keep_dropped=args.keep_dropped,
                        preheat=args.preheat if args.preheat is not None else
                        WORKSHOP_PREHEAT if args.workshop else PREHEAT)
    if os.name == "posix":
        os.execv(cmd[0], cmd)  # the server replaces this process, so stopping it stops the course
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def course_path(args: argparse.Namespace) -> int:
    """``plnkit course-path``: print :func:`course_dir` (for a JupyterHub or Binder config to point at)."""
    try:
        print(course_dir())
    except CourseNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plnkit", description="The Personal Learning Networks course.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="serve the course in Voila")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this "
                   "computer only; use 0.0.0.0 for a workshop room)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--course", metavar="PATH", help="serve the course notebooks in this folder (a facilitator's own "
                   "copy); default: the copy that comes with plnkit (see 'plnkit course-path')")
    p.add_argument("--open", action="store_true", help="open a browser tab")
    p.add_argument("--workshop", action="store_true", help="a room of participants on one server: each joins on "
                   "the start page and gets a personal link that keeps their work apart")
    p.add_argument("--allow-host", action="append", metavar="NAME", help="also answer to this host name (for a "
                   "reverse proxy or a name on the local network); repeat for more")
    p.add_argument("--certfile", help="TLS certificate (PEM) to serve HTTPS")
    p.add_argument("--keyfile", help="TLS private key (PEM) for --certfile")
    p.add_argument("--max-pages", type=int, default=80, help="open pages (kernels, about 100 MB each) on the "
                   "whole server, at most (default 80)")
    p.add_argument("--keep-dropped", type=int, default=CULL_IDLE_SECONDS, metavar="SECONDS",
                   help="how long a page whose browser connection is gone is kept for it to come back (default "
                        f"{CULL_IDLE_SECONDS})")
    p.add_argument("--max-pages-each", type=int, default=8, help="open pages per participant, at most (default 8)")
    p.add_argument("--max-pages-per-computer", type=int, default=24, help="with --workshop: open pages of everyone "
                   "joined from one network address together, at most (default 24; a reverse proxy's 127.0.0.1 "
                   "address is not counted)")
    p.add_argument("--preheat", type=int, default=None, metavar="N", help="course pages kept started and "
                   f"ready, per page, so they open faster (about 55 MB each; default {PREHEAT}, "
                   f"{WORKSHOP_PREHEAT} with --workshop; 0 turns it off; off with --certfile)")
    p.set_defaults(func=serve)
    p = sub.add_parser("course-path", help="print the folder holding the course notebooks that come with plnkit")
    p.set_defaults(func=course_path)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
