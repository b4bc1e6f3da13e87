"""The course on PostgreSQL, in a real browser: the database server stops in the middle of a session."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import MODULES
from plnkit.services.store import Store

from .conftest import Server, serve, stop
from .pgserver import PostgresServer
from .test_browser import open_course_page
from .test_never_lose_work import reflection

pytestmark = pytest.mark.browser

#: The reflection retries a database it can't reach after 2, 4, 8, 16, then every 30 seconds.
RETRY_WAIT_MS = 60_000


@pytest.fixture
def course(own_postgres: PostgresServer, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    url = own_postgres.database()
    server = serve(tmp_path, env={"PLNKIT_DATABASE_URL": url})
    try:
        yield server, url
    finally:
        stop(server.proc)


def saved(url: str) -> str | None:
    with Store(url) as store:
        version = store.latest_answer(store.learner("local"), "why-pln/what")  # module 1's first reflection
    return None if version is None else str(version.value)


def test_postgresql_stopping_mid_session_loses_nothing_and_saving_resumes(
        course: tuple[Server, str], own_postgres: PostgresServer, page: Any) -> None:
    server, url = course
    open_course_page(page, server.page(MODULES[0].notebook))
    area, status = reflection(page)
    area.fill("Typed while all was well.")
    status.get_by_text(re.compile("^Saved at")).wait_for()
    own_postgres.stop()
    try:
        area.press("End")
        area.press_sequentially(" Typed while the database was down.", delay=5)
        status.get_by_text(re.compile("can't be reached")).wait_for()
        assert "Traceback" not in page.locator("body").inner_text()
        assert area.input_value() == "Typed while all was well. Typed while the database was down."
    finally:
        own_postgres.start()
    status.get_by_text(re.compile("^Saved at")).wait_for(timeout=RETRY_WAIT_MS)  # no click: the retry saves it
    assert saved(url) == "Typed while all was well. Typed while the database was down."
    open_course_page(page, server.page(MODULES[0].notebook))
    assert reflection(page)[0].input_value() == "Typed while all was well. Typed while the database was down."


def test_a_page_opened_while_postgresql_is_down_says_so_and_saves_once_it_is_back(
        course: tuple[Server, str], own_postgres: PostgresServer, page: Any) -> None:
    server, url = course
    own_postgres.stop()
    try:
        open_course_page(page, server.page(MODULES[0].notebook))
        area, status = reflection(page)
        assert "can't be reached" in page.locator("body").inner_text()
        assert "Traceback" not in page.locator("body").inner_text()
        area.fill("Typed on a page that opened without its database.")
        status.get_by_text(re.compile("can't be reached")).wait_for()
    finally:
        own_postgres.start()
    status.get_by_text(re.compile("^Saved at")).wait_for(timeout=RETRY_WAIT_MS)
    assert saved(url) == "Typed on a page that opened without its database."
