"""``plnkit serve``: the links it prints and the server it starts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plnkit import cli

from .conftest import ROOT


def test_printed_links_never_say_0_0_0_0(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.shown_host("127.0.0.1") == "localhost"
    monkeypatch.setattr(cli, "lan_address", lambda: "192.168.1.20")
    assert cli.shown_host("0.0.0.0") == "192.168.1.20"
    monkeypatch.setattr(cli, "lan_address", lambda: None)
    assert cli.shown_host("0.0.0.0") not in ("0.0.0.0", "")
    assert cli.shown_host("::1") == "localhost" and cli.shown_host("fe80::1") == "[fe80::1]"


def test_local_serving_answers_only_to_local_names_unless_told(tmp_path: Path) -> None:
    local = cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False)
    assert local[1:3] == ["-m", "plnkit.services.server"]
    assert {a.split("=", 1)[1] for a in local if a.startswith("--CourseServer.allowed_hosts=")} == \
        {"localhost", "127.0.0.1", "::1"}
    proxied = cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, allow_hosts=["pln.example"])
    assert "--CourseServer.allowed_hosts=pln.example" in proxied
    room = cli.voila_command(tmp_path, host="0.0.0.0", port=1, open_browser=False, workshop=True)
    assert not any(a.startswith("--CourseServer.allowed_hosts") for a in room)
    assert "--CourseServer.workshop=True" in room and "--VoilaConfiguration.http_header_envs=Cookie" in room


def test_a_workshop_server_prints_the_facilitator_link_and_keeps_a_private_copy(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-c", "import os, plnkit.cli as c; os.execv = lambda *a: exit(0); "
                          "c.main(['serve', '--workshop', '--host', '0.0.0.0', '--port', '9'])"],
                         cwd=ROOT, env={"PLNKIT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    link = (tmp_path / "facilitator-link.txt").read_text().strip()
    assert "0.0.0.0" not in out.stdout and link in out.stdout and "?learner=" in link
    assert (tmp_path / "facilitator-link.txt").stat().st_mode & 0o077 == 0
