"""JupyterHub configuration for running the PLN course on one machine.

Use it as it is (``jupyterhub -f deploy/jupyterhub_config.py``), or on The Littlest JupyterHub copy it to
``/opt/tljh/config/jupyterhub_config.d/plnkit.py`` and run ``sudo tljh-config reload``. It sets only what the
course needs: who signs in and how servers start (authenticator, spawner) stay the hub's own choice.

Set these in the hub's environment (e.g. a systemd drop-in, or ``/etc/environment`` on TLJH):

- ``PLNKIT_FACILITATORS="ana,ben"``: hub user names who see the facilitator's page, and/or
- ``PLNKIT_FACILITATOR_GROUP=facilitators``: a hub group whose members do (manage it in the hub's admin page);
- ``PLNKIT_DATABASE_URL``: the shared store (``postgresql://...``) that every teacher's server writes to, or
  ``PLNKIT_HOME``: a folder holding one shared SQLite file (only when every server runs as the same system
  user, as with one shared account or containers with one uid; TLJH gives each teacher their own account,
  so use PostgreSQL there);
- ``PLNKIT_COURSE_DIR`` (optional): the folder of course notebooks, when ``plnkit course-path`` can't say.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - JupyterHub provides get_config()

#: Passed from the hub's environment to every teacher's server (and so to the course's kernels).
PASSED_THROUGH = ("PLNKIT_DATABASE_URL", "PLNKIT_HOME", "PLNKIT_FACILITATORS", "PLNKIT_FACILITATOR_GROUP",
                  "PLNKIT_FEED_ALLOW", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")


def course_folder() -> str:
    """The installed course notebooks: ``$PLNKIT_COURSE_DIR``, else ``plnkit course-path``, else this checkout's."""
    configured = os.environ.get("PLNKIT_COURSE_DIR", "").strip()
    if configured:
        return configured
    try:
        printed = subprocess.check_output(["plnkit", "course-path"], text=True, timeout=60,
                                          stderr=subprocess.DEVNULL).strip()
        if printed and Path(printed, "00_start.ipynb").is_file():
            return printed
    except (OSError, subprocess.SubprocessError):
        pass  # an older plnkit without the command, or plnkit not on the hub's PATH
    return str(Path(__file__).resolve().parent.parent / "course")


def hub_groups(spawner: object) -> str:
    """The user's hub groups, comma-separated: the course decides from them who is a facilitator."""
    return ",".join(sorted(group.name for group in spawner.user.groups))  # type: ignore[attr-defined]


# Each teacher's server opens in the course folder, at the start page rendered by Voila (its server
# extension, installed and enabled with voila, serves /voila/render/...; the notebooks name the course's
# own template). Teachers land on course pages; nothing links them to JupyterLab.
c.Spawner.notebook_dir = course_folder()
c.Spawner.default_url = "/voila/render/00_start.ipynb"

# What the course reads in each server: the store, the facilitators, and the user's hub groups. A callable
# value is evaluated by the hub when the server starts, so a change of group takes effect at the teacher's
# next server start (Stop My Server, then Start, in the hub's control panel). JUPYTER_PATH and
# JUPYTER_CONFIG_PATH are passed only for a course installed in development mode (the wheel puts the course's
# Voila template where Voila looks, and the file enabling plnkit's server extension where the server looks).
c.Spawner.environment.update({
    **{name: os.environ[name] for name in PASSED_THROUGH if name in os.environ},
    "PLNKIT_HUB_GROUPS": hub_groups,
})
