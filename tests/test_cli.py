"""``plnkit serve``: the links it prints and the server it starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plnkit import cli
from plnkit.content import FACILITATOR_NOTEBOOK, PAGES
from plnkit.errors import CourseNotFoundError

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
    # The server prints what serve hands it once it listens (test_server.py); here it prints it at once.
    out = subprocess.run([sys.executable, "-c", "import os, plnkit.cli as c; "
                          "os.execv = lambda *a: exit(print(os.environ[c.READY_MESSAGE_ENV])); "
                          "c.main(['serve', '--workshop', '--host', '0.0.0.0', '--port', '9'])"],
                         cwd=ROOT, env={"PLNKIT_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    link = (tmp_path / "facilitator-link.txt").read_text().strip()
    assert "0.0.0.0" not in out.stdout and link in out.stdout and "?learner=" in link
    assert (tmp_path / "facilitator-link.txt").stat().st_mode & 0o077 == 0


def served_course(monkeypatch: pytest.MonkeyPatch, home: Path, *args: str) -> str:
    """The course folder ``plnkit serve *args`` hands to the server (the server itself is not started)."""
    commands: list[list[str]] = []

    def no_exec(path: str, cmd: list[str]) -> None:
        commands.append(cmd)
        raise SystemExit(0)

    monkeypatch.setenv("PLNKIT_HOME", str(home))
    monkeypatch.setenv("JUPYTER_PATH", "")
    monkeypatch.delenv(cli.READY_MESSAGE_ENV, raising=False)  # gone again after the test
    monkeypatch.setattr(cli.os, "execv", no_exec)
    with pytest.raises(SystemExit):
        cli.main(["serve", "--port", "9", *args])
    server_args = commands[0][commands[0].index("plnkit.services.server") + 1:]
    return server_args[0]


def test_serve_finds_the_packages_course_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert cli.course_dir() == ROOT / "course"  # this checkout's own notebooks, wherever it runs from
    assert served_course(monkeypatch, tmp_path) == str(ROOT / "course")
    # Said by the server once it listens, not before (a link followed at once was refused).
    assert "The course is at" not in capsys.readouterr().out
    assert os.environ[cli.READY_MESSAGE_ENV].startswith(
        "The course is at http://localhost:9/voila/render/00_start.ipynb\n")


def test_serve_course_path_serves_a_facilitators_own_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "my course"
    shutil.copytree(ROOT / "course", mine)
    monkeypatch.chdir(tmp_path)
    assert served_course(monkeypatch, tmp_path, "--course", "my course") == str(mine)


def test_serve_says_clearly_when_the_course_folder_holds_no_course(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.ipynb").write_text("{}")
    assert cli.main(["serve", "--course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} has no course" in err and "00_start.ipynb" in err
    assert cli.main(["serve", "--course", str(tmp_path / "missing")]) == 2
    assert f"{tmp_path / 'missing'} is not a folder" in capsys.readouterr().err


def test_course_path_prints_the_folder_from_any_folder(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "plnkit.cli", "course-path"], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    folder = Path(out.stdout.strip())
    assert folder == ROOT / "course"
    for notebook in [*(p.notebook for p in PAGES), FACILITATOR_NOTEBOOK]:
        assert (folder / notebook).is_file()


def test_a_plnkit_without_its_notebooks_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plnkit").mkdir()
    monkeypatch.setattr(cli, "__file__", str(tmp_path / "plnkit" / "cli.py"))
    with pytest.raises(CourseNotFoundError, match="has no course notebooks"):
        cli.course_dir()
    assert cli.main(["course-path"]) == 2
    assert cli.main(["serve"]) == 2
    assert capsys.readouterr().err.count("Reinstall plnkit, or pass --course PATH") == 2


def test_serve_makes_the_database_first_and_says_where_the_work_goes(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PLNKIT_DATABASE_URL", raising=False)
    assert cli.prepare_store(tmp_path) == str(tmp_path)
    assert (tmp_path / "plnkit.sqlite3").is_file()  # made (and at the newest schema) before any page opens
    from .conftest import free_port

    monkeypatch.setenv("PLNKIT_DATABASE_URL", f"postgresql://teacher:s3cret@127.0.0.1:{free_port()}/plnkit")
    where = cli.prepare_store(tmp_path)
    err = capsys.readouterr().err
    assert where == f"the PostgreSQL database {os.environ['PLNKIT_DATABASE_URL'].replace('s3cret', '***')}"
    assert "Warning: the course database can't be used yet" in err and "can't be reached" in err
    assert "the database said: connection failed" in err  # the driver's own words, for the operator
    assert "s3cret" not in err + where  # the password is never printed


def test_python_dash_m_plnkit_is_the_plnkit_command() -> None:
    out = subprocess.run([sys.executable, "-m", "plnkit", "course-path"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == str(ROOT / "course"), out.stderr
