"""Every error plnkit raises, with a message a teacher can act on.

::

    PlnkitError
    ├── InputError            a value from the learner is not acceptable (too long, wrong type, out of range)
    ├── StoreError            the learner's data file cannot be used
    │   ├── StoreCorruptError   the file is not a database (or is damaged)
    │   ├── StoreReadOnlyError  the file or its folder cannot be written
    │   └── StoreLockedError    another process held the database too long
    └── FeedError             (plnkit.feeds) a feed could not be fetched or read

``str(error)`` is always the one-line, plain-language message shown to the learner; the technical cause is
chained (``raise ... from exc``) for logs and tests.
"""

from __future__ import annotations


class PlnkitError(Exception):
    """Base class: ``str()`` is a message for the learner, never a traceback."""


class InputError(PlnkitError, ValueError):
    """A value typed or sent by the learner was refused; nothing was saved."""


class StoreError(PlnkitError):
    """The learner's course data could not be read or written."""


class StoreCorruptError(StoreError):
    """The data file exists but is not a readable course database."""


class StoreReadOnlyError(StoreError):
    """The data file or its folder cannot be written."""


class StoreLockedError(StoreError):
    """Another page or process held the database for longer than the busy timeout."""
