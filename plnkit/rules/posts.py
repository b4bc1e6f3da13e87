"""The backchannel's rule for a post: who may post under which name, and how long a post may be.

Pure: the backchannel widget calls :func:`check_post` before the store keeps anything.
"""

from __future__ import annotations

from ..errors import InputError
from .names import MAX_NAME, is_reserved

MAX_POST = 1_000
MAX_AUTHOR = MAX_NAME
#: The name that marks the facilitator's posts (nobody else may post under it).
FACILITATOR = "Facilitator"


def check_post(author: object, body: object, *, facilitator: bool = False) -> tuple[str, str]:
    """Validate a post before it is stored; InputError says what to change.

    Only the facilitator may post as "Facilitator" (the name marks their posts).
    """
    if not isinstance(author, str) or not author.strip():
        raise InputError("Add your name so others know who is posting.")
    if len(author.strip()) > MAX_AUTHOR:
        raise InputError(f"Keep your name under {MAX_AUTHOR} characters.")
    if not facilitator and is_reserved(author):
        raise InputError("That name is kept for the facilitator: post with your own name.")
    if not isinstance(body, str) or not body.strip():
        raise InputError("Write something first.")
    if len(body) > MAX_POST:
        raise InputError(f"Posts are limited to {MAX_POST:,} characters; yours has {len(body):,}. "
                         "Shorten it and post again.")
    return " ".join(author.split()), body.strip()
