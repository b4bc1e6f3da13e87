"""An open workshop page's background check that its link still works.

A page learns that its sign-in stopped (a reissued link, a closed workshop, an erased participant) when it next
saves (:func:`.session.current` re-checks the link). A page only being read would say nothing until then, so
the page header (:class:`plnkit.widgets.page.Header`) also asks :func:`sign_in_stopped` every
:func:`sign_in_check_seconds`, on a thread of its own: one indexed query per open page every 20 seconds.
"""

from __future__ import annotations

import logging
import os

from ..errors import IdentityError, SignInStopped, StoreError
from . import session

#: Seconds between two checks of an open workshop page's link.
SIGN_IN_CHECK_SECONDS = 20.0
#: Overrides :data:`SIGN_IN_CHECK_SECONDS` (seconds; the tests shorten it).
SIGN_IN_CHECK_ENV = "PLNKIT_SIGNIN_CHECK"

log = logging.getLogger(__name__)


def sign_in_check_seconds() -> float:
    """How often (seconds, at least 0.5) an open workshop page checks its link."""
    try:
        return max(0.5, float(os.environ.get(SIGN_IN_CHECK_ENV, SIGN_IN_CHECK_SECONDS)))
    except ValueError:
        return SIGN_IN_CHECK_SECONDS


def sign_in_stopped() -> str:
    """Why this kernel's workshop sign-in has stopped working, as the page should say it; ``""`` while it works,
    and when that can't be told right now (a database out of reach: the next check will tell)."""
    try:
        session.current()
    except SignInStopped as exc:
        return str(exc)
    except (StoreError, IdentityError):
        return ""
    except Exception:  # noqa: BLE001 - a background check: the operator's log, and the next check
        log.exception("could not check this page's sign-in")
        return ""
    return ""
