"""The facilitator's page's actions: workshop details, hiding a post, muting a participant, the record and report
downloads, importing a Binder participant's portfolio, and checking a certificate's code.

A mixin of :class:`plnkit.widgets.dashboard.FacilitatorPage` (split out to keep modules short); each action is
guarded, says what it did in a status line, and redraws the page.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..records import RoomSnapshot
from ..rules.names import MAX_NAME, clean_name
from ..services import session as _session
from ._ui import Status, day_and_clock, download_link, esc, guard, upload_bytes
from .backchannel import ROOM

DEFAULT_TITLE = "PLN workshop"


class RoomActions:
    """What the facilitator can do on the page; the page holds the controls these read."""

    status: Status
    import_status: Status
    #: Each said beside its own controls (a result at the top of a long page goes unseen).
    moderation_status: Status
    report_status: Status
    details_status: Status
    title: Any
    facilitator_name: Any
    posts: Any
    members: Any
    downloads: Any
    import_name: Any
    code: Any
    verdict: Any

    if TYPE_CHECKING:  # the page's (and its base's): declared here for the type checker only
        def _sess(self) -> Any: ...
        def refresh(self, force: bool = False) -> bool: ...
        def snapshot(self) -> RoomSnapshot: ...

    # --- actions ----------------------------------------------------------------------------------------

    def save_settings(self) -> None:
        @guard(self.details_status, doing="save the workshop details")
        def run() -> None:
            title = clean_name(self.title.value or DEFAULT_TITLE, most=120)
            name = clean_name(self.facilitator_name.value, most=MAX_NAME) if self.facilitator_name.value.strip() \
                else ""
            store = self._sess().store
            store.set_workshop_setting("title", title)
            store.set_workshop_setting("facilitator_name", name)
            self.details_status.ok("Workshop details saved.")
            self.refresh(force=True)

        run()

    def hide(self) -> None:
        @guard(self.moderation_status, doing="hide that post")
        def run() -> None:
            if self.posts.value is None:
                raise InputError("Choose a post to hide first.")
            sess = self._sess()
            if not sess.store.delete_post(sess.learner, int(self.posts.value), moderator=True):
                raise InputError("That post is already gone from the stream.")
            self.moderation_status.ok("Hidden from every stream. The record keeps it, marked as hidden by you.")
            self.refresh(force=True)

        run()

    def mute(self, muted: bool) -> None:
        @guard(self.moderation_status, doing="change that")
        def run() -> None:
            if self.members.value is None:
                raise InputError("Choose a participant first.")
            label = str(self.members.label or "").replace(" (muted)", "")
            if not self._sess().store.set_muted(int(self.members.value), muted):
                raise InputError("That participant is no longer in this workshop.")
            self.moderation_status.ok(f"{label} can no longer post in the backchannel; they can still read it." if muted
                           else f"{label} can post again.")
            self.refresh(force=True)

        run()

    def export_record(self) -> bytes | None:
        from ..formats.report import backchannel_csv

        data: bytes | None = None

        @guard(self.report_status, doing="export the record")
        def run() -> None:
            nonlocal data
            data = backchannel_csv(self._sess().store.post_record(ROOM))
            self.downloads.value = download_link("backchannel-record.csv", "text/csv", data, auto=True)
            self.report_status.ok("The record is ready to download.")

        run()
        return data

    def make_report(self) -> bytes | None:
        from ..formats.report import report_zip

        data: bytes | None = None

        @guard(self.report_status, doing="make the report")
        def run() -> None:
            nonlocal data
            store = self._sess().store
            data = report_zip(self.snapshot(), store.post_record(ROOM), store.workshop_setting("title",
                                                                                            DEFAULT_TITLE))
            self.downloads.value = download_link("workshop-report.zip", "application/zip", data, auto=True)
            self.report_status.ok("The report is ready to download.")

        run()
        return data

    def import_portfolio(self, upload: Any) -> None:
        @guard(self.import_status, doing="import that portfolio", kept="Nothing was imported.")
        def run() -> None:
            from .portfolio import MAX_BYTES, import_portfolio

            if not str(self.import_name.value or "").strip():
                raise InputError("Type the participant's name first (as it should appear in the report), then "
                                 "choose their file.")
            name = clean_name(self.import_name.value, most=MAX_NAME)
            data = upload_bytes(upload, MAX_BYTES, "portfolio")
            store = self._sess().store
            digest = hashlib.sha256(data).hexdigest()[:32]
            with store.transaction():
                made = store.imported_participant(digest, name)
                if not made.new:
                    raise InputError(f"That file was already imported (as {made.learner.name}).")
                summary = import_portfolio(data, _session.Session(store, made.learner))
            self.import_name.value = ""
            self.import_status.ok(f"Imported {name}'s portfolio: {summary} They are now in “Who is here”.")
            self.refresh(force=True)

        run()

    def verify(self) -> None:
        def beside(text: str) -> None:  # a problem with the code is said under it, where the verdict goes
            self.verdict.value = f'<p class="plnkit-status-error" role="status">{esc(text)}</p>'

        @guard(self.status, doing="check that code", say=beside)
        def run() -> None:
            from ..formats.evidence import verify_certificate

            if not str(self.code.value or "").strip():
                raise InputError("Type the code from the certificate first (it looks like PLN-7KQ4-M2XD-9WTA).")
            cert = verify_certificate(self._sess().store, self.code.value)
            if cert is None:
                self.verdict.value = ('<p role="status"><strong>Not found.</strong> No certificate with that code '
                                      "was issued on this server. Check the code for typing mistakes.</p>")
                return
            facts = cert.facts
            holder = self._sess().store.learner_name(cert.learner_id)
            joined = (f" (joined this workshop as {esc(holder)})" if holder and holder != facts.get("name") else "")
            self.verdict.value = (
                f'<p role="status"><strong>Valid.</strong> Issued {esc(day_and_clock(cert.issued_at))} to '
                f"<strong>{esc(facts.get('name', ''))}</strong>{joined} for completing "
                f"“{esc(facts.get('course', ''))}” "
                f"— {esc(facts.get('hours_text', ''))}; issuer: {esc(facts.get('issuer', ''))}.</p>")

        run()
