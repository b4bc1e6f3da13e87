"""How a module's progress reads on the start page."""

from __future__ import annotations

import pytest

from plnkit.rules.progress import module_state


@pytest.mark.parametrize(("status", "saved", "shown"), [
    (None, False, ""), (None, True, ""),
    ("started", False, ""),  # opened and only looked at: not "in progress"
    ("started", True, "started"),
    ("done", False, "done"), ("done", True, "done"),
])
def test_a_module_is_in_progress_only_once_something_on_it_is_saved(status: str | None, saved: bool,
                                                                   shown: str) -> None:
    assert module_state(status, saved) == shown
