"""plnkit inside a Jupyter server (Binder, JupyterHub): what ``plnkit serve`` does for its pages that a Jupyter
server can do too.

Voila runs there as the server's extension, serving the course at ``/voila/render/course/...``. This extension
(enabled by ``etc/jupyter/jupyter_server_config.d/plnkit.json``, which a normal install of plnkit puts there)
lets the course's pages load Voila's 56 script chunks in one file (:mod:`._chunks`), at ``<base URL>plnkit/voila-
chunks.js``: only pages made with the course's template ask for it. It changes nothing for other notebooks the
server may serve (a district's hub may have its own Voila apps), so ``plnkit serve``'s other changes to Voila
itself, such as its shared compiled templates (:mod:`._templates`), are not made here. Nothing of the course
server's gate, workshop admission or preheated kernels runs in a Jupyter server: the hub or Binder admits people.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("plnkit.services.server")


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
    bundle = build_bundle(collect_static_paths(["voila", "nbconvert"], "lab"), voila.__version__)
    if bundle is None:
        return
    web_app = serverapp.web_app
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], ROUTE), ChunksHandler,
                                  {"bundle": bundle})])
    GLOBALS["plnkit_voila_chunks"] = bundle.path
    log.info("plnkit: Voila's page scripts served as one file")
