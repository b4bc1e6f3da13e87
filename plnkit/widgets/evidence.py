"""“Your record and certificate”: download a readable record of the course, and get a certificate of completion.

A thin shell over :mod:`plnkit.formats.evidence`. Whether all three modules are done is checked again on every press
(a learner may finish module 3 on the same page after this widget was drawn).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from ..errors import InputError
from ..formats.evidence import (
    certificate_html,
    issue_certificate,
    learner_name,
    missing_message,
    missing_modules,
    open_badge,
    portfolio_html,
)
from ..records import Certificate
from ..rules.names import MAX_NAME
from ..services import session as _session
from ._ui import Component, Status, day_and_clock, download_link, esc, guard, layout, make

#: A download travels to the page inside one message, base64-encoded (4/3 larger), and a page's connection
#: carries at most 10 MiB in one message.
MAX_DOWNLOAD_BYTES = 7 * 1024 * 1024
RECORD_FILE = "my-pln-record.html"
CERTIFICATE_FILE = "my-pln-certificate.html"
BADGE_FILE = "my-pln-open-badge.json"
_WIDE = {"description_width": "initial"}


class Evidence(Component):
    """A button for the readable record (HTML), and the certificate: what is missing, or a name and a button."""

    def __init__(self, *, session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-evidence")
        self.record_button = make(w.Button, description="Make my readable record (HTML)", button_style="primary",
                                  layout=layout(width="auto"))
        self.record_download = make(w.HTML)
        self.cert_status = Status()
        self.cert_info = make(w.HTML)
        self.name = make(w.Text, description="Your name, as it should appear", placeholder="e.g. Ana Lopez",
                         style=_WIDE, layout=layout(width="min(32em, 100%)"))
        self.cert_button = make(w.Button, description="Get my certificate", button_style="success")
        self.cert_download = make(w.HTML)
        self.widget.children = [
            make(w.HTML, "<p><strong>Your readable record</strong>: one web page with everything you have done in the "
                         "course (your reflections and their earlier versions, ratings, stages, plans, network charts, "
                         "bookmarks and feeds). Open it in any browser, or print it or save it as a PDF.</p>"),
            make(w.HBox, [self.record_button, self.status.widget], layout=layout(align_items="center",
                                                                                 flex_flow="row wrap")),
            self.record_download,
            make(w.HTML, "<p><strong>Your certificate of completion</strong>: once all three modules are marked "
                         "finished, get a certificate to print, and the same as an Open Badge for a badge wallet.</p>"),
            self.cert_info,
            make(w.HBox, [self.name, self.cert_button], layout=layout(align_items="center", flex_flow="row wrap")),
            self.cert_status.widget, self.cert_download,
        ]
        self.record_button.on_click(lambda _b: self.make_record())
        self.name.on_submit(lambda _t: self.get_certificate())
        self.cert_button.on_click(lambda _b: self.get_certificate())

    loading = "show your certificate"

    def load(self) -> None:
        """The certificate's state: what is missing, or the name to print and the latest certificate."""
        guard(self.cert_status, doing=self.loading, kept="Reload the page to try again.")(self._show_state)()

    def _show_state(self) -> None:
        sess = self._sess()
        certificates = sess.store.certificates(sess.learner)
        if certificates:
            self._offer(certificates[0])
        named = certificates[0].facts.get("name") if certificates and isinstance(certificates[0].facts, dict) else ""
        self.name.value = (named if isinstance(named, str) and named else learner_name(sess))[:MAX_NAME]
        self._say_missing(missing_modules(sess), bool(certificates))

    def _say_missing(self, missing: list[Any], has_certificate: bool) -> None:
        if missing:
            self.cert_info.value = (f'<p class="plnkit-summary">{esc(missing_message(missing))} Each module ends '
                                    "with a button, “I've finished this module”, that marks it done.</p>")
        elif has_certificate:
            self.cert_info.value = ("<p>Your latest certificate is below. Getting another gives it a new code; "
                                    "earlier codes stay valid.</p>")
        else:
            self.cert_info.value = ("<p>You have completed all three modules. Check your name as it should appear "
                                    "on the certificate, then get it.</p>")

    def make_record(self) -> bytes:
        """Offer the readable record as a download; returns its bytes (empty when it could not be made)."""
        data = b""

        @guard(self.status, doing="make your record")
        def run() -> None:
            nonlocal data
            made = portfolio_html(self._sess())
            if len(made) > MAX_DOWNLOAD_BYTES:
                raise InputError("Your record is too large to download from this page. Download your work file "
                                 "on the start page instead: it holds everything.")
            data = made
            self.record_download.value = download_link(RECORD_FILE, "text/html", data,
                                                       f"Download {RECORD_FILE}", auto=True)
            self.status.ok("Your record is ready: open the file in a browser, or print it to PDF.")

        run()
        return data

    def get_certificate(self) -> Certificate | None:
        """Issue a certificate when all three modules are done (checked now); returns it, or ``None``."""
        issued: Certificate | None = None

        @guard(self.cert_status, doing="make your certificate")
        def run() -> None:
            nonlocal issued
            sess = self._sess()
            missing = missing_modules(sess)
            self._say_missing(missing, False)
            if missing:
                raise InputError(missing_message(missing))
            issued = issue_certificate(sess, self.name.value)
            self._offer(issued)
            self._say_missing([], True)
            self.cert_status.ok(f"Your certificate is ready. Its verification code is {issued.code}.")

        run()
        return issued

    def _offer(self, cert: Certificate) -> None:
        links = (download_link(CERTIFICATE_FILE, "text/html", certificate_html(cert),
                               "Download my certificate (HTML, prints on one page)") + " · "
                 + download_link(BADGE_FILE, "application/json", open_badge(cert), "Download my Open Badge (JSON)"))
        self.cert_download.value = (f"<p>Verification code <strong>{esc(cert.code)}</strong>, issued "
                                    f"{esc(day_and_clock(cert.issued_at))}.</p><p>{links}</p>")


def evidence(**kwargs: Any) -> Evidence:
    """The course's “your record and certificate” section."""
    return Evidence(**kwargs)
