"""Voila's templates compiled once per server (``plnkit/services/_templates.py``), and never served stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from plnkit.services._templates import MemoryBytecodeCache, share_compiled_templates


def _environment(folder: Path, cache: MemoryBytecodeCache) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache, autoescape=True)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja parses and compiles (what the cache is there to avoid)."""
    seen: list[str] = []
    original = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(name))
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def test_a_second_page_reuses_the_compiled_templates(tmp_path: Path, compiles: list[str]) -> None:
    (tmp_path / "base.html").write_text("<title>{% block title %}{% endblock %}</title>")
    (tmp_path / "page.html").write_text("{% extends 'base.html' %}{% block title %}{{ name }}{% endblock %}")
    cache = MemoryBytecodeCache()
    first = _environment(tmp_path, cache).get_template("page.html").render(name="Module 1")
    assert first == "<title>Module 1</title>"
    assert sorted(compiles) == ["base.html", "page.html"]
    compiles.clear()
    # Voila makes a new environment for every page it renders: the templates are not compiled again.
    second = _environment(tmp_path, cache).get_template("page.html").render(name="Module <2>")
    assert second == "<title>Module &lt;2&gt;</title>"
    assert compiles == []


def test_an_edited_template_is_compiled_afresh(tmp_path: Path, compiles: list[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text("Welcome, {{ name }}")
    cache = MemoryBytecodeCache()
    assert _environment(tmp_path, cache).get_template("page.html").render(name="Ana") == "Welcome, Ana"
    page.write_text("Hello again, {{ name }}")
    assert _environment(tmp_path, cache).get_template("page.html").render(name="Ana") == "Hello again, Ana"
    assert compiles == ["page.html", "page.html"]


def test_voila_pages_share_one_cache() -> None:
    from voila.exporter import VoilaExporter

    from plnkit.services._templates import CACHE

    share_compiled_templates()
    share_compiled_templates()  # twice is once
    first, second = VoilaExporter(), VoilaExporter()
    assert first.environment is not second.environment
    assert first.environment.bytecode_cache is CACHE and second.environment.bytecode_cache is CACHE


def test_what_the_server_tells_its_templates_reaches_every_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """``GLOBALS`` (the address of Voila's joined chunks) is in every Voila page's Jinja environment once the
    server sets it, and absent until then (the template's ``is defined`` branch: a Jupyter server without the
    extension). Checked on the environments themselves: Voila renders asynchronously, in the server's loop."""
    from voila.exporter import VoilaExporter

    from plnkit.services import _templates

    share_compiled_templates()
    monkeypatch.delitem(_templates.GLOBALS, "plnkit_voila_chunks", raising=False)  # another test's server may set it
    assert "plnkit_voila_chunks" not in VoilaExporter().environment.globals
    monkeypatch.setitem(_templates.GLOBALS, "plnkit_voila_chunks", "plnkit/voila-chunks.js?v=0123")
    assert VoilaExporter().environment.globals["plnkit_voila_chunks"] == "plnkit/voila-chunks.js?v=0123"
