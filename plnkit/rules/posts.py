"""The backchannel's rule for a post: who may post under which name, and how long a post may be.

Pure: the backchannel widget calls :func:`check_post` before the store keeps anything.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import InputError
from .names import MAX_NAME, is_reserved

MAX_POST = 1_000
MAX_AUTHOR = MAX_NAME
#: The name that marks the facilitator's posts (nobody else may post under it).
FACILITATOR = "Facilitator"
#: Characters that turn the direction of the text after them (embeddings, overrides, isolates: U+202A-U+202E,
#: U+2066-U+2069). A post shown to the room could use them to make its words, or the next post's name, read
#: as something else ("Trojan Source", CVE-2021-42574); right-to-left text (Arabic, Hebrew) needs none of them.
DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def check_post(author: object, body: object, *, facilitator: bool = False) -> tuple[str, str]:
    """Validate a post before it is stored; InputError says what to change.

    Only the facilitator may post as "Facilitator" (the name marks their posts). A name with invisible characters
    is refused, as when joining (:func:`plnkit.rules.names.clean_name`); the body loses any
    :data:`DIRECTION_CONTROLS` and keeps everything else (a zero-width joiner inside an emoji, say).
    Returns ``(author, body)``, whitespace tidied.
    """
    if not isinstance(author, str) or not author.strip():
        raise InputError("Add your name so others know who is posting.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in author):
        raise InputError("Your name has invisible characters in it: type it again using letters and spaces.")
    if len(author.strip()) > MAX_AUTHOR:
        raise InputError(f"Keep your name under {MAX_AUTHOR} characters.")
    if not facilitator and is_reserved(author):
        raise InputError("That name is kept for the facilitator: post with your own name.")
    if not isinstance(body, str) or not body.strip():
        raise InputError("Write something first.")
    if len(body) > MAX_POST:
        raise InputError(f"Posts are limited to {MAX_POST:,} characters; yours has {len(body):,}. "
                         "Shorten it and post again.")
    return " ".join(author.split()), DIRECTION_CONTROLS.sub("", body).strip()
