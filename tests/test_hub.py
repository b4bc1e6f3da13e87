"""The course on a real JupyterHub: ``deploy/jupyterhub_config.py`` loaded by a hub on loopback, with
configurable-http-proxy, the dummy authenticator and one local single-user server per teacher; two teachers
(``ana``, a facilitator through the hub group ``facilitators``, and ``ben``) sign in with headless Chromium.

Every teacher's server writes to one shared store, named by the :func:`hub_store_env` fixture alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import FACILITATOR_NOTEBOOK, MODULES, START
from plnkit.services import session
from plnkit.services.store import Store

from .conftest import ROOT, command_line, descendants, free_port, parent_of, stop_tree
from .pgserver import PostgresServer
from .test_browser import assert_the_shipped_charts_are_served

PASSWORD = "plnkit-hub-test"
TEACHERS = ("ana", "ben")
FACILITATOR_GROUP = "facilitators"
TOOLS = MODULES[2].notebook  # 03_tools.ipynb


def proxy_command() -> str | None:
    """configurable-http-proxy: ``$PLNKIT_CHP``, else the one ``tasks.py test`` installs in ``.hub/``, else PATH."""
    configured = os.environ.get("PLNKIT_CHP")
    local = ROOT / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
    return configured or (str(local) if local.exists() else shutil.which("configurable-http-proxy"))


# --- who is a facilitator, and who is in the room (no hub needed) -----------------------------------------


@pytest.mark.parametrize(("env", "user", "expected"), [
    ({"PLNKIT_FACILITATORS": "ana, ben"}, "ben", True),
    ({"PLNKIT_FACILITATORS": "ana,ben"}, "anabel", False),  # whole names only
    ({"PLNKIT_FACILITATORS": "ana"}, "Ana", False),  # as the hub spells them
    ({"PLNKIT_FACILITATOR_GROUP": "facilitators", "PLNKIT_HUB_GROUPS": "teachers,facilitators"}, "cy", True),
    ({"PLNKIT_FACILITATOR_GROUP": "facilitators", "PLNKIT_HUB_GROUPS": "teachers"}, "cy", False),
    ({"PLNKIT_FACILITATOR_GROUP": "facilitators"}, "cy", False),  # the hub did not pass groups: fail closed
    ({}, "ana", False),
])
def test_the_hubs_configuration_names_the_facilitators(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                       user: str, expected: bool) -> None:
    for name in (session.FACILITATORS_ENV, session.FACILITATOR_GROUP_ENV, session.HUB_GROUPS_ENV):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("JUPYTERHUB_USER", user)
    assert session.hub_facilitator() is expected


def test_every_hub_user_is_in_the_room_by_their_hub_name(tmp_path: Path) -> None:
    with Store(tmp_path / "plnkit.sqlite3") as store:
        store.learner("local")  # a laptop's lone learner is nobody's room
        old = store.learner("hub:ben")  # first seen before hub users were named
        ana, ben = store.learner("hub:ana", "ana"), store.learner("hub:ben", "ben")
        assert ben.id == old.id and ben.name == "ben"
        store.save_answer(ana, "m1/reflect/what", "private")
        members = store.room_snapshot().members
    assert sorted((m.name, m.id) for m in members) == [("ana", ana.id), ("ben", ben.id)]


@pytest.mark.parametrize(("user", "shown"), [
    ("alexandra.konstantinopoulou-whitfield@westbrook-county-schools.k12.ny.us",
     "alexandra.konstantinopoulou-whitfield"),  # a district's e-mail sign-in, 72 characters
    ("Facilitator", "Facilitator (account)"),  # an account named like the role, not configured as it
    ("x" * 80, "x" * 59 + "…"),
])
def test_any_hub_account_can_post_under_a_name_the_room_can_read(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user: str, shown: str) -> None:
    from plnkit.widgets.backchannel import Backchannel

    for name in (session.FACILITATORS_ENV, session.FACILITATOR_GROUP_ENV, "PLNKIT_DATABASE_URL", "PLNKIT_WORKSHOP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", user)
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path))
    session.use(None)
    try:
        bc = Backchannel(poll_seconds=60)
        assert bc.author.value == shown and bc.author.disabled
        bc.body.value = "Hello from the district"
        bc.post()
        assert bc.status.text.startswith("Posted at"), bc.status.text
        assert f"{shown}</" in bc.stream.value and user not in bc.stream.value.replace(shown, "")
        bc.close()
    finally:
        session.use(None)


def test_a_certificate_on_a_hub_names_the_facilitator_set_on_the_facilitators_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from plnkit.formats.evidence import certificate_facts

    monkeypatch.setenv("JUPYTERHUB_USER", "ben")
    monkeypatch.delenv(session.WORKSHOP_ENV, raising=False)
    with Store(tmp_path / "plnkit.sqlite3") as store:
        store.set_workshop_setting("facilitator_name", "Ana Lima")
        store.set_workshop_setting("title", "District PLN course, spring")
        facts = certificate_facts(session.Session(store, store.learner("hub:ben", "ben")), "Ben Okafor")
    assert (facts["issuer"], facts["workshop"], facts["name"]) == ("Ana Lima", "District PLN course, spring",
                                                                   "Ben Okafor")


# --- deploy/ (Zero to JupyterHub values and image; the one-machine config runs in the real hub below) ---------


class _Group:
    def __init__(self, name: str) -> None:
        self.name = name


class _Spawner:
    class user:  # noqa: N801 - the shape JupyterHub gives a spawner
        groups = [_Group("teachers"), _Group("facilitators")]


def test_the_zero_to_jupyterhub_values_open_the_course_and_take_the_database_url_from_a_secret() -> None:
    import yaml

    values = yaml.safe_load((ROOT / "deploy" / "config.yaml").read_text())
    single = values["singleuser"]
    assert single["defaultUrl"] == "/voila/render/00_start.ipynb"
    assert 'c.Spawner.default_url = "/voila/render/00_start.ipynb"' in \
        (ROOT / "deploy" / "jupyterhub_config.py").read_text()  # the same start page on one machine
    assert single["extraEnv"]["PLNKIT_DATABASE_URL"] == {"valueFrom": {"secretKeyRef": {"name": "plnkit-database",
                                                                                         "key": "url"}}}
    assert single["extraEnv"]["PLNKIT_FACILITATOR_GROUP"] in values["hub"]["config"]["JupyterHub"]["load_groups"]
    copied = re.search(r"^ENV PLNKIT_COURSE_DIR=(\S+)$", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    assert copied and single["notebookDir"] == copied.group(1)

    class Config:  # what KubeSpawner's environment is by the time extraConfig runs
        environment: dict[str, Any] = {"PLNKIT_FACILITATORS": ""}

    c = type("c", (), {"KubeSpawner": Config})
    for snippet in values["hub"]["extraConfig"].values():
        exec(compile(snippet, "extraConfig", "exec"), {"c": c})  # noqa: S102 - the chart runs it the same way
    assert Config.environment["PLNKIT_HUB_GROUPS"](_Spawner) == "facilitators,teachers"


def test_the_image_copies_only_what_the_repository_has() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    sources = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert sources == ["binder/requirements.txt", "."]
    assert (ROOT / sources[0]).is_file() and (ROOT / "course" / "00_start.ipynb").is_file()
    ignored = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().split()
    assert {".venv", ".hub", ".git"} <= set(ignored)  # the context stays small and holds no local state


# --- a real hub ---------------------------------------------------------------------------------------------


class Hub:
    """A running JupyterHub: its public address and its process (stop with :func:`stop_tree`)."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log

    def page(self, user: str, notebook: str) -> str:
        return f"{self.url}/user/{user}/voila/render/{notebook}"


@pytest.fixture(scope="module")
def hub_store_env(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> dict[str, str]:
    """The one store every teacher's server shares, as environment variables for the hub (which passes them on):
    a PostgreSQL database on the test's own server, as a district runs it (``PLNKIT_HOME`` keeps only logs)."""
    return {"PLNKIT_HOME": str(tmp_path_factory.mktemp("hub-store")), "PLNKIT_DATABASE_URL": postgres.database()}


def wait_for_hub(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Until the hub's REST API answers through the proxy (both are up, and the hub's route is in place)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterHub exited with code {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/hub/api/", timeout=2) as response:
                if b"version" in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"JupyterHub did not answer at {url}/hub/api/:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, hub_store_env: dict[str, str]) -> Iterator[Hub]:
    if importlib.util.find_spec("jupyterhub") is None:
        pytest.skip("JupyterHub is not installed: pip install -e '.[test]' (python3 tasks.py test does)")
    chp = proxy_command()
    if chp is None:
        pytest.skip("configurable-http-proxy is not installed: npm install --prefix .hub configurable-http-proxy "
                    "(python3 tasks.py test does it where npm exists)")
    folder = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    root_args = ', "--allow-root"' if os.geteuid() == 0 else ""
    config = folder / "jupyterhub_config.py"
    config.write_text(f"""
c = get_config()
load_subconfig({str(ROOT / "deploy" / "jupyterhub_config.py")!r})  # the course's own settings, as deployed
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.JupyterHub.db_url = "sqlite:///{folder / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(folder / 'cookie_secret')!r}
c.JupyterHub.pid_file = {str(folder / 'jupyterhub.pid')!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allowed_users = {set(TEACHERS)!r}
c.JupyterHub.load_groups = {{{FACILITATOR_GROUP!r}: {{"users": ["ana"]}}}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(folder / 'home' / '{username}')!r}
c.Spawner.cmd = [{sys.executable!r}, "-m", "jupyterhub.singleuser"{root_args}]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
""")
    for teacher in TEACHERS:
        (folder / "home" / teacher).mkdir(parents=True)
    env = {**os.environ, **hub_store_env,
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "JUPYTER_PATH": str(ROOT / "plnkit" / "data"),  # the course's Voila template (an editable install)
           "JUPYTER_CONFIG_PATH": str(ROOT / "plnkit" / "data" / "jupyter-config"),  # and plnkit's extension
           "PLNKIT_COURSE_DIR": str(ROOT / "course"),  # this checkout's notebooks, whatever is installed
           "PLNKIT_FACILITATOR_GROUP": FACILITATOR_GROUP, "PLNKIT_FEED_ALLOW": ""}
    env.pop("PLNKIT_FACILITATORS", None)
    env.pop("JUPYTERHUB_USER", None)
    log = folder / "jupyterhub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=folder, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_hub(f"http://127.0.0.1:{port}", proc, log)
        yield Hub(proc, f"http://127.0.0.1:{port}", log)
    finally:
        stop_tree(proc)


def sign_in(browser: Any, hub: Hub, user: str) -> Any:
    """A teacher's own browser, signed in to the hub; the hub starts their server and opens the course."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{hub.url}/hub/login")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(f"**/user/{user}/voila/render/{START.notebook}")  # the default URL: the start page, in Voila
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    return page


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")


@pytest.fixture(scope="module")
def teachers(hub: Hub, browser: Any) -> Iterator[dict[str, Any]]:
    pages = {user: sign_in(browser, hub, user) for user in TEACHERS}
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.mark.browser
def test_signing_in_to_the_hub_opens_the_course_as_that_teacher(hub: Hub, teachers: dict[str, Any]) -> None:
    ana, ben = teachers["ana"], teachers["ben"]
    assert "Course start" in ana.title() or "Personal Learning Networks" in ana.locator("header").inner_text()
    welcome = ana.locator(".plnkit-join")  # a facilitator's start page points to the facilitator's page
    assert "you are a facilitator" in welcome.inner_text()
    assert welcome.get_by_role("link", name="Open the facilitator's page").count() == 1
    assert "facilitator" not in ben.locator(".plnkit-join").inner_text()
    for page in (ana, ben):
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "Join the workshop" not in body  # no second sign-in


@pytest.mark.browser
def test_each_teachers_course_pages_run_in_kernels_forked_from_their_own_servers_warm_process(
        hub: Hub, teachers: dict[str, Any]) -> None:
    servers = [pid for pid, _start in descendants(hub.proc.pid) if "jupyterhub.singleuser" in command_line(pid)]
    assert len(servers) == len(TEACHERS)
    for server in servers:  # plnkit's server extension, in each teacher's own server (see jupyter_extension)
        below = [pid for pid, _start in descendants(server)]
        zygotes = [pid for pid in below if "plnkit.services._zygote" in command_line(pid)]
        kernels = [pid for pid in below if "ipykernel_launcher" in command_line(pid)]
        assert len(zygotes) == 1 and parent_of(zygotes[0]) == server
        assert kernels and all(parent_of(pid) == zygotes[0] for pid in kernels)


@pytest.mark.browser
def test_a_new_teachers_charts_are_files_their_own_server_serves_below_the_hubs_user_path(
        hub: Hub, teachers: dict[str, Any]) -> None:
    ben = teachers["ben"]
    scripts: list[str] = []
    ben.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    open_page(ben, hub.page("ben", TOOLS))
    # Voila's chunks in one file, from ben's own server (plnkit's Jupyter server extension), none one by one
    assert [u for u in scripts if "/plnkit/voila-chunks.js?v=" in u and u.startswith(f"{hub.url}/user/ben/")]
    assert not [u for u in scripts if re.search(r"/voila/static/\d+\.voila\.js$", u)]
    assert_the_shipped_charts_are_served(ben, f"{hub.url}/user/ben/", ["network-map", "growth", "balance",
                                                                       "then-and-now"])


@pytest.mark.browser
def test_a_backchannel_post_reaches_the_other_teacher_and_a_reflection_stays_private(
        hub: Hub, teachers: dict[str, Any]) -> None:
    ana, ben = teachers["ana"], teachers["ben"]
    for user, page in teachers.items():
        open_page(page, hub.page(user, TOOLS))
    channel_a, channel_b = ana.locator(".plnkit-backchannel"), ben.locator(".plnkit-backchannel")
    name = channel_b.get_by_label("Your name")
    assert name.input_value() == "ben" and name.is_disabled()  # a teacher posts as their hub user
    assert channel_a.get_by_label("Your name").input_value() == "Facilitator"  # as in a workshop
    channel_a.get_by_label("Your post").fill("From ana's server: try the OPML import")
    channel_a.get_by_role("button", name="Post", exact=True).click()
    post = channel_b.locator(".plnkit-stream .plnkit-post").filter(has_text="From ana's server")
    post.wait_for(timeout=15_000)  # live, no reload, across two single-user servers
    assert post.locator(".plnkit-post-meta").inner_text().startswith("Facilitator facilitator ·")  # the badge

    secret = "Only mine: I still lurk more than I share"
    box = ana.locator(".plnkit-reflection").first
    box.locator(".plnkit-answer textarea").fill(secret)
    box.locator(".plnkit-status").get_by_text(re.compile(r"^Saved at")).wait_for()
    open_page(ben, hub.page("ben", TOOLS))
    assert ben.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == ""
    assert secret not in ben.locator("body").inner_text()
    open_page(ana, hub.page("ana", TOOLS))  # and it is ana's: back on her page after a reload
    assert ana.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == secret


@pytest.mark.browser
def test_the_facilitators_page_counts_both_teachers_and_shows_no_private_answer(
        hub: Hub, teachers: dict[str, Any]) -> None:
    ana = teachers["ana"]
    for user, page in teachers.items():
        open_page(page, hub.page(user, TOOLS))  # where each one is: module 3
    ana.goto(hub.page("ana", FACILITATOR_NOTEBOOK))
    headline = ana.locator(".plnkit-dashboard .plnkit-headline")
    headline.get_by_text(re.compile(r"2 participants")).wait_for(timeout=60_000)
    who = ana.locator(".plnkit-dashboard table").first
    for user in TEACHERS:
        row = who.locator("tr", has=ana.locator(f'th:text-is("{user}")')).inner_text().split("\t")
        assert row[3] == "Module 3"  # last page opened
    body = ana.locator("body").inner_text()
    assert "I still lurk" not in body  # saved, not shared: never on the projector
    assert "Reissue their link" not in body  # the hub signs people in: no workshop links to manage


@pytest.mark.browser
def test_a_teacher_who_is_not_a_facilitator_is_refused_the_facilitators_page(
        hub: Hub, teachers: dict[str, Any]) -> None:
    ben = teachers["ben"]
    ben.goto(hub.page("ben", FACILITATOR_NOTEBOOK))
    refusal = ben.locator(".plnkit-dashboard .plnkit-warning")
    refusal.wait_for()
    assert "your hub account (ben) is not one of them" in refusal.inner_text()
    body = ben.locator("body").inner_text()
    assert "Who is here" not in body and "Traceback" not in body
    assert ben.locator(".plnkit-dashboard table").count() == 0 and ben.locator(".plnkit-headline").count() == 0
