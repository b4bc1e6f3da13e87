"""Every error plnkit raises, with a message a teacher can act on.

::

    PlnkitError
    ├── InputError            a value from the learner is not acceptable (too long, wrong type, out of range)
    ├── IdentityError         a workshop page was opened without the participant's personal link
    ├── CourseNotFoundError   a folder given as the course (or the package's own copy) has no course notebooks
    ├── StoreError            the learner's data file cannot be used
    │   ├── StoreCorruptError   the file is not a database (or is damaged)
    │   ├── StoreReadOnlyError  the file or its folder cannot be written
    │   └── StoreLockedError    another process held the database too long
    └── FeedError             a feed could not be fetched or read (re-exported by plnkit.formats.feeds)
        ├── FeedURLError          not an http(s) address, has a password in it, or is not a URL at all
        ├── PrivateAddressError   the address is on a private, local or reserved network
        ├── HostNotFoundError     the site's name does not resolve
        ├── FeedConnectionError   the site could not be reached (or this computer is offline)
        ├── FeedTimeoutError      too slow: connect, read or overall deadline
        ├── FeedTooLargeError     over the size cap (counted after decompression)
        ├── TooManyRedirectsError more than 5 redirects, or a loop
        ├── FeedHTTPError         the server answered with an error status (404, 500, ...)
        ├── NotAFeedError         the page is HTML (or other data), maybe with a feed link to suggest
        ├── FeedParseError        the body could not be read as RSS, Atom or JSON Feed
        └── OPMLError             an OPML file could not be imported

``str(error)`` is always the one-line, plain-language message shown to the learner; the technical cause is
chained (``raise ... from exc``) for logs and tests.
"""

from __future__ import annotations


class PlnkitError(Exception):
    """Base class: ``str()`` is a message for the learner, never a traceback."""


class InputError(PlnkitError, ValueError):
    """A value typed or sent by the learner was refused; nothing was saved."""


class CourseNotFoundError(PlnkitError, FileNotFoundError):
    """No course notebooks where they were looked for; :attr:`folder` is the folder that was checked."""

    def __init__(self, message: str, folder: object = None) -> None:
        super().__init__(message)
        self.folder = folder


class StoreError(PlnkitError):
    """The learner's course data could not be read or written."""


class StoreCorruptError(StoreError):
    """The data file exists but is not a readable course database."""


class StoreReadOnlyError(StoreError):
    """The data file or its folder cannot be written."""


class StoreLockedError(StoreError):
    """Another page or process held the database for longer than the busy timeout."""


class StoreUnavailableError(StoreError):
    """The database server (PostgreSQL) could not be reached, refused the login, or dropped the connection."""


class FeedError(PlnkitError):
    """A feed could not be fetched or read; ``str()`` says why in plain language."""


class FeedURLError(FeedError):
    """The address is not one the course will fetch (scheme, credentials, malformed)."""


class PrivateAddressError(FeedError):
    """The address resolves to a private, loopback, link-local or otherwise non-public network."""


class HostNotFoundError(FeedError):
    """The site's name does not resolve."""


class FeedConnectionError(FeedError):
    """The site could not be reached; :attr:`offline` is true when this computer seems to have no network."""

    def __init__(self, message: str, *, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


class FeedTimeoutError(FeedError):
    """The site took too long (to connect, to send data, or overall)."""


class FeedTooLargeError(FeedError):
    """The response was larger than the size cap."""


class TooManyRedirectsError(FeedError):
    """More redirects than allowed, or a redirect loop."""


class FeedHTTPError(FeedError):
    """The server answered with an error status."""

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NotAFeedError(FeedError):
    """The address returned a web page or other data, not a feed; :attr:`suggestion` is a feed it links to."""

    def __init__(self, message: str, *, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion


class FeedParseError(FeedError):
    """The body could not be read as RSS, Atom or JSON Feed."""


class OPMLError(FeedError):
    """An OPML file could not be imported; nothing from it was imported."""


class IdentityError(PlnkitError):
    """The course can't tell who the learner is (a workshop page opened without a personal link)."""


class SignInStopped(IdentityError):
    """An open page's sign-in stopped working (its link was reissued, the participant erased, the workshop
    closed): nothing more is saved from it. The page says so across its top as well as at the exercise."""
