"""How a module's progress reads to the learner on the start page.

Pure functions: nothing here touches a widget, a file or the database.
"""

from __future__ import annotations


def module_state(status: str | None, saved_anything: bool) -> str:
    """``"done"``, ``"started"`` or ``""``: a module's state as the learner sees it.

    ``status`` is the stored progress (:class:`plnkit.records.Progress`: ``"started"`` once the page was opened,
    ``"done"`` once marked complete, ``None`` never opened); ``saved_anything`` whether any answer on that page is
    saved. A page opened with nothing saved yet is not "in progress": the learner only looked.
    """
    if status == "done":
        return "done"
    return "started" if status == "started" and saved_anything else ""
