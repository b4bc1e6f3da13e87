#!/usr/bin/env python3
"""The project's workflow in one script (needs only Python 3.10+).

    python3 tasks.py serve [--port 8866] [--host 127.0.0.1]   install, then serve the course in Voila
    python3 tasks.py test [pytest args]                      install, then lint, type-check and run every test
    python3 tasks.py screenshots                             regenerate the README's screenshots (docs/)
    python3 tasks.py layers                                  print which plnkit modules each module imports

Both create ``.venv/`` beside this file on first use and reinstall only when ``pyproject.toml`` changes.
The test command uses the system Chromium when there is one, otherwise it downloads Playwright's own.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extra: str) -> None:
    """Create .venv and install the package (with ``extra``) unless already done for this pyproject.toml."""
    if sys.version_info < (3, 10):  # noqa: UP036 - the guard is for people running an older python3
        sys.exit(f"plnkit needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        say("Creating the virtual environment in .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = ".[test]" if extra == "test" else "."
    stamp = VENV / f".plnkit-installed-{extra or 'base'}"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    say(f"Installing plnkit{'' if spec == '.' else ' with its test tools'} (first run takes a few minutes)")
    run(PY, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec)
    stamp.write_text(want)


def system_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def serve(args: list[str]) -> None:
    ensure_venv("")
    cmd = [str(PY), "-m", "plnkit.cli", "serve", *args]
    if os.name == "posix":
        os.execv(cmd[0], cmd)
    sys.exit(subprocess.call(cmd, cwd=ROOT))


def browser_env() -> dict[str, str]:
    """The environment with the system Chromium named for Playwright (or Playwright's own installed)."""
    env = dict(os.environ)
    chromium = system_chromium()
    if chromium:
        env["PLNKIT_CHROMIUM"] = chromium
    else:
        say("No Chromium on this machine: installing Playwright's own")
        run(PY, "-m", "playwright", "install", "chromium")
    return env


#: The JupyterHub test's proxy (tests/test_hub.py), installed from npm into .hub/ beside this file.
PROXY = "configurable-http-proxy@5.3.0"
PROXY_BIN = ROOT / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"


def report_postgresql() -> None:
    """Say whether the store tests will also run on PostgreSQL (they start their own server from its binaries)."""
    import glob

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or ([shutil.which("initdb")] if shutil.which("initdb")
                                                                      else [])
    if found:
        say(f"PostgreSQL found ({found[-1]}): the store tests run on SQLite and on PostgreSQL")
    else:
        say("No PostgreSQL on this machine: the store tests run on SQLite only, and the PostgreSQL and JupyterHub "
            "tests are skipped (Debian: apt-get install postgresql)")


def ensure_proxy() -> None:
    """Install configurable-http-proxy into .hub/ (never globally) when npm is here; else the hub test skips."""
    if PROXY_BIN.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        say("No npm on this machine: the JupyterHub test will be skipped (install npm to run it)")
        return
    say(f"Installing {PROXY} into .hub/ for the JupyterHub test")
    (ROOT / ".hub").mkdir(exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(ROOT / ".hub"), "--no-audit", "--no-fund",
                           "--loglevel=error", PROXY], cwd=ROOT)
    if done.returncode != 0:
        say(f"Could not install {PROXY} (npm exited {done.returncode}): the JupyterHub test will be skipped")


#: A Playwright wait that ran out ("TimeoutError: Locator.wait_for: Timeout 60000ms exceeded."), also as the
#: cause of a test's own message: the only failure a test is run again for.
PLAYWRIGHT_TIMEOUT = r"TimeoutError: \w+\.\w+: Timeout \d+ms exceeded"


def test(args: list[str]) -> None:
    ensure_venv("test")
    env = browser_env()
    ensure_proxy()
    report_postgresql()
    say("Lint (ruff)")
    run(PY, "-m", "ruff", "check", "plnkit", "tests", "benchmarks", "docs", "deploy", "tasks.py")
    say("Types (mypy)")
    run(PY, "-m", "mypy")
    say("Tests: unit, notebooks (nbval) and browser (Voila + Chromium)")
    chosen = [a for a in args if not a.startswith("-") and (ROOT / a.split("::")[0]).exists()]
    targets = [] if chosen else ["tests", "course"]  # named paths run alone; otherwise everything
    # A browser test whose page timed out is run once more (pytest-rerunfailures): on a loaded CI machine two full
    # runs each lost one of ~300 page waits, unexplained (DEVELOPERS.md, "A test that failed once"). Its first
    # failure is printed in full at the end of the run (tests/conftest.py), so it is seen, not hidden.
    run(PY, "-m", "pytest", "--tb=short", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
        "--reruns", "1", "--only-rerun", PLAYWRIGHT_TIMEOUT, *targets, *args, env=env)


def screenshots(args: list[str]) -> None:
    ensure_venv("test")
    run(PY, ROOT / "docs" / "screenshots.py", *args, env=browser_env())


def layers(args: list[str]) -> None:
    ensure_venv("test")
    run(PY, "-m", "tests.test_layers", *args)


def main() -> None:
    commands = {"serve": serve, "test": test, "screenshots": screenshots, "layers": layers}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        sys.exit(2)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
