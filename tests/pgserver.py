"""A real PostgreSQL server for tests: Debian's binaries, a throwaway cluster, loopback only.

``initdb`` and ``postgres`` refuse to run as root, so as root the cluster belongs to the ``postgres`` user (which
Debian's package creates). Host connections need a password (scram-sha-256), so a wrong one is really refused.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "plnkit-test-password"
TEMPLATE = "plnkit_template"


def binaries() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder (Debian: ``/usr/lib/postgresql/<v>/bin``), or ``None``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """One cluster on ``127.0.0.1:port``; :meth:`database` makes a fresh, migrated database per test."""

    def __init__(self, port: int) -> None:
        bindir = binaries()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bin = bindir
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="plnkit-pg-"))
        self.data = self.root / "data"
        self._as_postgres = os.geteuid() == 0
        self._counter = itertools.count(1)
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._as_postgres:
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                  "--auth-host=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.root / "log"), "-o",
                  f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                  "-c max_connections=300", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect everyone; ``immediate``: as if it crashed)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def database(self) -> str:
        """A fresh database at the newest schema (a copy of a migrated template); returns its URL."""
        if not getattr(self, "_template_ready", False):
            from plnkit.services.store import Store

            self.sql(f"CREATE DATABASE {TEMPLATE}")
            Store(self.url(TEMPLATE)).close()
            self._template_ready = True
        name = f"plnkit_{os.getpid()}_{next(self._counter)}"
        for attempt in range(50):  # the template must have no other connections at that moment
            try:
                self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
                break
            except Exception:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        return self.url(name)

    def empty_database(self) -> str:
        """A fresh database with nothing in it; returns its URL."""
        name = f"plnkit_{os.getpid()}_{next(self._counter)}"
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)
