"""plnkit inside a Jupyter server (Binder, JupyterHub): what ``plnkit serve`` does for its pages that a Jupyter
server can do too.

Voila runs there as the server's extension, serving the course at ``/voila/render/course/...``. This extension
(enabled by ``etc/jupyter/jupyter_server_config.d/plnkit.json``, which a normal install of plnkit puts there)
lets the course's pages load Voila's 56 script chunks in one file (:mod:`._chunks`), at ``<base URL>plnkit/voila-
chunks.js``: only pages made with the course's template ask for it. It changes nothing for other notebooks the
server may serve (a district's hub may have its own Voila apps), so ``plnkit serve``'s other changes to Voila
itself, such as its shared compiled templates (:mod:`._templates`), are not made here. Nothing of the course
server's gate, workshop admission or preheated kernels runs in a Jupyter server: the hub or Binder admits people.

**Course kernels forked from a warm process.** Preheated kernels don't work inside a Jupyter server, so each
course page waits for its kernel to start and import ipykernel, ipywidgets and plnkit (about 0.5 s of CPU).
On Linux this extension starts ``plnkit serve``'s zygote (:mod:`._zygote`) and names
:class:`CourseKernelProvisioner` the server's default kernel provisioner (``plnkit-course``, registered in
plnkit's ``jupyter_client.kernel_provisioners`` entry points). It forks the kernel of a course page that Voila
opens (:func:`course_page`) from the zygote, and starts every other kernel (a notebook in JupyterLab, another
Voila app, a course notebook opened for editing) exactly as Jupyter's ``local-provisioner`` does. Turn it off
with ``c.PlnkitExtension.fork_kernels = False`` (or ``--PlnkitExtension.fork_kernels=False``); it is never
made where the server's configuration names another default provisioner. The zygote is started with the
server when the course is in the server's folder (Binder, the hub's course folder: the first page gains too),
otherwise by the first course page.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool
from traitlets.config import Configurable

from ..content import FACILITATOR_NOTEBOOK, MODULES, START
from ._zygote import ForkProvisioner, Zygote

log = logging.getLogger("plnkit.services.server")

#: The course's kernel provisioner, by its entry point's name (``pyproject.toml``).
PROVISIONER = "plnkit-course"
#: The notebooks whose kernels are forked: the course's own pages.
COURSE_NOTEBOOKS = frozenset({START.notebook, *(m.notebook for m in MODULES), FACILITATOR_NOTEBOOK})


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Where the Jupyter server finds this extension (its entry point, by Jupyter's convention)."""
    return [{"module": "plnkit.services.jupyter_extension"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Serve the joined chunks in ``serverapp`` (a ``jupyter_server.ServerApp``) and name them to the course's
    template (:data:`._templates.GLOBALS`, read by every Voila page; only the course's template uses it)."""
    import voila
    from jupyter_server.utils import url_path_join
    from voila.paths import collect_static_paths

    from ._chunks import ROUTE, ChunksHandler, build_bundle
    from ._templates import GLOBALS, add_globals

    add_globals()
    _fork_course_kernels(serverapp)
    serverapp.web_app.add_handlers(".*$", [(url_path_join(serverapp.web_app.settings["base_url"], XSRF_ROUTE),
                                            _xsrf_handler())])
    bundle = build_bundle(collect_static_paths(["voila", "nbconvert"], "lab"), voila.__version__)
    if bundle is None:
        return
    web_app = serverapp.web_app
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], ROUTE), ChunksHandler,
                                  {"bundle": bundle})])
    GLOBALS["plnkit_voila_chunks"] = bundle.path
    log.info("plnkit: Voila's page scripts served as one file")


class PlnkitExtension(Configurable):
    """plnkit's settings inside a Jupyter server (``c.PlnkitExtension.<name>`` in its configuration)."""

    fork_kernels = Bool(sys.platform.startswith("linux"), config=True, help="Fork course pages' kernels from one "
                        "warm process (about 45 MB resident, most of it shared with them) instead of starting each "
                        "from nothing (Linux only: macOS libraries are not safe to fork, and Windows has no fork).")


#: Where a course page gets the server's ``_xsrf`` cookie (``course.js`` asks when the browser has none).
XSRF_ROUTE = "plnkit/xsrf"


def _xsrf_handler() -> type:
    """``GET <base URL>plnkit/xsrf``: sets the Jupyter server's ``_xsrf`` cookie for a signed-in browser (204).

    Voila's page shuts its kernel down when the tab closes with a POST that must carry that cookie's value
    (voila issue 1458); inside a Jupyter server no Voila page sets the cookie, so on Binder every closed tab's
    kernel stayed until the server ended (a trial: 12 kernels, 880 MB, after about ten pages).
    """
    import tornado.web
    from jupyter_server.base.handlers import JupyterHandler

    class XsrfCookieHandler(JupyterHandler):
        @tornado.web.authenticated
        def get(self) -> None:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
            self.set_header("Cache-Control", "no-store")
            self.set_status(204)
            self.finish()

    return XsrfCookieHandler


def course_page(env: Mapping[str, str], cwd: str) -> bool:
    """True when a kernel is for one of the course's own pages opened through Voila: Voila set its environment
    (``VOILA_BASE_URL``, and ``SCRIPT_NAME``, the page's request path, ending with the notebook's name), the
    notebook is one of :data:`COURSE_NOTEBOOKS`, and its folder ``cwd`` is a course folder (it holds
    ``00_start.ipynb``)."""
    if not str(env.get("VOILA_BASE_URL", "")).startswith("/"):
        return False
    name = str(env.get("SCRIPT_NAME", "")).rsplit("/", 1)[-1]
    return name in COURSE_NOTEBOOKS and bool(cwd) and (Path(cwd) / START.notebook).is_file()


class CourseKernelProvisioner(ForkProvisioner):
    """A Jupyter server's kernel provisioner: a course page's kernel (:func:`course_page`) is forked from this
    server's zygote (see :class:`._zygote.ForkProvisioner`, which falls back to a usual start when it can't);
    every other kernel is started as ``LocalProvisioner`` starts it."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        if not course_page(kwargs.get("env") or {}, str(kwargs.get("cwd") or "")):
            return await LocalProvisioner.launch_kernel(self, cmd, **kwargs)
        if Zygote.shared() is None:  # the course is outside the server's folder: its first page starts one
            Zygote.start_shared()
        return await super().launch_kernel(cmd, **kwargs)


def _fork_course_kernels(serverapp: Any) -> bool:
    """Make :class:`CourseKernelProvisioner` the server's default (see the module's docstring). Returns True
    when it did."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    if not PlnkitExtension(parent=serverapp).fork_kernels:
        return False
    factory = KernelProvisionerFactory.instance(parent=serverapp.kernel_manager)
    if factory.default_provisioner_name != "local-provisioner":
        log.info("plnkit: course kernels start the usual way (the server's default provisioner is %s)",
                 factory.default_provisioner_name)
        return False
    if PROVISIONER not in factory.get_provisioner_entries():
        log.warning("plnkit: course kernels start the usual way (plnkit's kernel provisioner is not installed)")
        return False
    factory.default_provisioner_name = PROVISIONER
    root = Path(str(getattr(serverapp, "root_dir", "") or "."))
    if any((folder / START.notebook).is_file() for folder in (root, root / "course")):
        Zygote.start_shared()  # now, so that the first page's kernel is forked too
    log.info("plnkit: course pages' kernels are forked from a warm process")
    return True
