"""The learner's evidence: a readable record of their work, and a certificate of completion.

- :func:`portfolio_html` is everything the learner saved as one self-contained web page (UTF-8 HTML, styles
  inline, charts as embedded PNGs, no scripts, nothing loaded from anywhere) that prints well to PDF.
- :func:`issue_certificate` stores a certificate once all three modules are done, under an unguessable
  verification code (:func:`new_code`); :func:`verify_certificate` looks a code up, however it was typed.
- :func:`certificate_html` is the certificate as a one-page printable page; :func:`open_badge` the same facts as
  an Open Badges 3.0 ``OpenBadgeCredential`` (JSON-LD).

The Open Badge is **unsigned**: it carries no ``proof``, so a wallet or verifier can read it but cannot check
it. A signed one would need an issuer ``id`` the verifier can resolve to a public key (a DID such as
``did:web``, or an HTTPS URL serving the issuer's Profile with its key), and either a Data Integrity proof
(``DataIntegrityProof`` with the ``eddsa-rdfc-2022`` cryptosuite) or the credential wrapped as a VC-JWT signed
with that key. Until then the verification code is the check: it is looked up in the course's data file.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..content import COURSE_TITLE, MODULES, Module
from ..errors import InputError
from ..records import Certificate
from ..rules.names import clean_name
from ..rules.text import day_and_clock, esc, plural
from ..services import session as _session


def learner_name(sess: _session.Session) -> str:
    """The learner's name here: the name they joined with (without a namesake's "(2)"), else the name they post
    under in the backchannel; ``""`` when there is neither (the single local learner)."""
    # The record's module draws charts and reads every exercise: imported when it is needed, not with this one.
    from ._evidence_record import learner_name as name_of

    return name_of(sess)


def portfolio_html(sess: _session.Session) -> bytes:
    """The learner's whole record as one readable, printable web page (UTF-8 HTML bytes).

    Shows the learner's name (if any) and the date; progress per module; every reflection with its question,
    latest text, date and earlier versions; benefit ratings (first and latest, with the chart); the stage
    journey; the balance plan, first steps, identity and communities; the network's four charts (PNG, each
    with its description) and data table; bookmarks and feeds. Everything typed is escaped; the page holds no
    script and loads nothing (its own Content-Security-Policy forbids it). Dates read like ``28 Nov 2026, 14:02``.
    Raises :class:`plnkit.errors.StoreError` when the data file can't be read.
    """
    from ._evidence_record import (
        RECORD_CSS,
        benefits_part,
        links_part,
        network_part,
        page,
        plans_part,
        progress_part,
        reflections_part,
        stages_part,
        tools_part,
    )

    name = learner_name(sess)
    title = f"{name}: learning record" if name else "My learning record"
    head = (f"<header><p class=\"course\">{esc(COURSE_TITLE)}</p><h1>{esc(title)}</h1><p>Made "
            f"{esc(day_and_clock(datetime.now(timezone.utc)))}. This is everything saved in the course, with the "
            "date each answer was saved.</p></header>")
    parts = [progress_part(sess), reflections_part(sess), benefits_part(sess), stages_part(sess), plans_part(sess),
             tools_part(sess), network_part(sess), links_part(sess)]
    foot = (f"<footer><p>From the course “{esc(COURSE_TITLE)}”. Your downloadable work file (JSON, on the start "
            "page) holds the same work and restores it.</p></footer>")
    return page(f"{title} · {COURSE_TITLE}", RECORD_CSS, head + "<main>" + "".join(parts) + "</main>" + foot)


# --- the certificate ------------------------------------------------------------------------------------

#: 32 symbols without the look-alikes 0/O and 1/I: 12 of them carry 60 random bits.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_PATTERN = re.compile(r"^PLN-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_.]+")
DEFAULT_FACILITATOR = "the workshop's facilitator"
DEFAULT_WORKSHOP = "PLN workshop"
SELF_PACED = "Self-paced"


def missing_modules(sess: _session.Session) -> list[Module]:
    """The modules (of :data:`plnkit.content.MODULES`, in order) whose progress is not "done"."""
    progress = sess.store.progress(sess.learner)
    return [m for m in MODULES if not progress.done(m.slug)]


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def missing_message(missing: Sequence[Module]) -> str:
    """``Complete Module 2 and Module 3 to get your certificate.``"""
    return f"Complete {_and([f'Module {m.number}' for m in missing])} to get your certificate."


def new_code() -> str:
    """A fresh verification code such as ``PLN-7KQ4-M2XD-9WTA`` (60 random bits from :mod:`secrets`)."""
    body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"PLN-{body[:4]}-{body[4:8]}-{body[8:]}"


def normalise_code(text: object) -> str | None:
    """``text`` as a code in its printed form, or ``None`` when it can't be one.

    Accepts lower case, spaces and missing dashes (``pln 7kq4m2xd9wta``, ``7KQ4-M2XD-9WTA``).
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    if len(compact) == 15 and compact.startswith("PLN"):
        compact = compact[3:]
    if len(compact) != 12 or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return f"PLN-{compact[:4]}-{compact[4:8]}-{compact[8:]}"


def format_minutes(minutes: int) -> str:
    """``110`` as ``1 hour 50 minutes (1.8 hours)``."""
    hours, rest = divmod(minutes, 60)
    words = ([plural(hours, "hour")] if hours else []) + ([plural(rest, "minute")] if rest or not hours else [])
    return f"{' '.join(words)} ({minutes / 60:.1f} hours)"


def certificate_facts(sess: _session.Session, name: str | None = None) -> dict[str, Any]:
    """What a certificate states, as JSON-ready values.

    ``{"name", "course", "modules": [{"number", "title", "minutes"}], "total_minutes", "hours_text",
    "completed_on" (ISO date, today), "mode" ("workshop" | "self-paced"), "issuer" (the facilitator's name, or
    "Self-paced"), "workshop" (its title, or "")}``. ``name`` defaults to :func:`learner_name`; an empty or
    unacceptable name raises :class:`InputError` saying what to type.
    """
    typed = learner_name(sess) if name is None else name
    if not isinstance(typed, str) or not typed.strip():
        raise InputError("Type your name as it should appear on your certificate.")
    total = sum(m.minutes for m in MODULES)
    workshop = _session.workshop_mode() or bool(_session.hub_user())  # a hub's course has a facilitator too
    return {
        "name": clean_name(typed),
        "course": COURSE_TITLE,
        "modules": [{"number": m.number, "title": m.title, "minutes": m.minutes} for m in MODULES],
        "total_minutes": total,
        "hours_text": format_minutes(total),
        "completed_on": datetime.now().astimezone().date().isoformat(),
        "mode": "workshop" if workshop else "self-paced",
        "issuer": (sess.store.workshop_setting("facilitator_name").strip() or DEFAULT_FACILITATOR) if workshop
        else SELF_PACED,
        "workshop": (sess.store.workshop_setting("title").strip() or DEFAULT_WORKSHOP) if workshop else "",
    }


def issue_certificate(sess: _session.Session, name: str | None = None) -> Certificate:
    """Issue and store a certificate (the learner's earlier ones stay valid).

    Raises :class:`InputError` naming the modules not yet done, or saying what is wrong with ``name``.
    """
    missing = missing_modules(sess)
    if missing:
        raise InputError(missing_message(missing))
    return sess.store.issue_certificate(sess.learner, new_code(), certificate_facts(sess, name))


def verify_certificate(store: Any, text: object) -> Certificate | None:
    """The certificate issued on this server under the code in ``text`` (typed any which way), or ``None``."""
    code = normalise_code(text)
    return store.certificate(code) if code else None


def _facts(cert: Certificate) -> dict[str, Any]:
    facts = cert.facts if isinstance(cert.facts, dict) else {}
    modules = facts.get("modules")
    return {**facts, "modules": [m for m in modules if isinstance(m, dict)] if isinstance(modules, list) else []}


def _day(iso: object) -> str:
    try:
        day = datetime.fromisoformat(str(iso)).date()
    except ValueError:
        return str(iso)
    return f"{day.day} {day:%b %Y}"


def _issued_by(facts: dict[str, Any]) -> str:
    if facts.get("mode") == "workshop":
        issuer = facts.get("issuer", DEFAULT_FACILITATOR)
        if issuer == DEFAULT_FACILITATOR:  # the facilitator never gave a name: don't say "facilitator" twice
            return f"Issued by the facilitator of {facts.get('workshop', '')}"
        return f"Issued by {issuer}, facilitator of {facts.get('workshop', '')}"
    return "Self-paced: completed independently, without a facilitator"


def _how_to_verify(facts: dict[str, Any], code: str) -> str:
    if facts.get("mode") == "workshop":
        return (f"To check this certificate, give the code {code} to {facts.get('issuer', DEFAULT_FACILITATOR)}: "
                f"the facilitator's page of {facts.get('workshop', '')} looks it up in the workshop's records.")
    return (f"This certificate was issued by the self-paced course. The code {code} is recorded in that course's "
            "data file on the computer where it was earned, where the course can look it up.")


CERTIFICATE_CSS = """
@page{size:portrait;margin:15mm}
body{font:11.5pt/1.45 Georgia,"Times New Roman",serif;color:#1d2b36;margin:0;background:#fff}
main{max-width:170mm;margin:8mm auto;border:3px double #0072B2;padding:10mm 12mm;text-align:center;
box-sizing:border-box}
.course{font:600 12pt system-ui,sans-serif;letter-spacing:.06em;text-transform:uppercase;color:#0072B2;margin:0}
h1{font-size:24pt;margin:3mm 0 5mm}.name{font-size:22pt;font-weight:700;margin:2mm 0 4mm;overflow-wrap:anywhere}
table{margin:4mm auto;border-collapse:collapse;font-size:10.5pt;text-align:left}
th,td{border-bottom:1px solid #c9d7dc;padding:1.2mm 3mm}.issuer{font-style:italic}
.verify{margin-top:6mm;border-top:1px solid #c9d7dc;padding-top:4mm;font:9.5pt/1.4 system-ui,sans-serif}
.code{font:700 15pt ui-monospace,Menlo,Consolas,monospace;letter-spacing:.08em;margin:1mm 0}
@media print{main{margin:0 auto;page-break-inside:avoid;break-inside:avoid}}
"""


def certificate_html(cert: Certificate) -> bytes:
    """The certificate as a one-page printable web page (UTF-8 HTML bytes, A4 or Letter portrait, no script).

    States the learner's name, the course, each module with its stated time, the total, the completion date,
    the issuer, the verification code and how to verify it.
    """
    from ._evidence_record import page

    f = _facts(cert)
    rows = [[f"Module {m.get('number', '')}", m.get("title", ""), f"about {m.get('minutes', '')} minutes"]
            for m in f["modules"]]
    table = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    course = f.get("course", COURSE_TITLE)
    body = (f'<main><p class="course">{esc(course)}</p><h1>Certificate of completion</h1><p>This certifies that</p>'
            f'<p class="name">{esc(f.get("name", ""))}</p><p>completed every module of the course '
            f"<strong>{esc(course)}</strong>:</p><table><tbody>{table}</tbody></table>"
            f"<p>Total stated study time: <strong>{esc(f.get('hours_text', ''))}</strong></p>"
            f"<p>Completed on <strong>{esc(_day(f.get('completed_on', '')))}</strong></p>"
            f'<p class="issuer">{esc(_issued_by(f))}</p>'
            f'<div class="verify"><p>Verification code</p><p class="code">{esc(cert.code)}</p>'
            f"<p>{esc(_how_to_verify(f, cert.code))}</p></div></main>")
    return page(f"Certificate of completion: {f.get('name', '')}", CERTIFICATE_CSS, body)


#: Names the course's badge ids (uuid5): the same code always gives the same credential id.
_BADGE_NAMESPACE = uuid.UUID("6f1d2a7e-3c55-4d0b-9a52-2b8e1f0c7d41")
OB_CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_BADGE_NAMESPACE, '|'.join(map(str, parts)))}"


def open_badge(cert: Certificate) -> bytes:
    """The certificate as an unsigned Open Badges 3.0 ``OpenBadgeCredential`` (UTF-8 JSON bytes).

    Its ``id`` is derived from the code; the achievement's ``id`` from the course and issuer (one achievement,
    earned by everyone who completes it there); the learner is named by an ``IdentityObject`` of type
    ``name``. See the module docstring for what signing would need.
    """
    f = _facts(cert)
    course, workshop = f.get("course", COURSE_TITLE), f.get("workshop", "")
    issuer = (f"{f.get('issuer', DEFAULT_FACILITATOR)} ({workshop})" if f.get("mode") == "workshop"
              else f"{course} (self-paced course)")
    modules = "; ".join(f"Module {m.get('number', '')}, {m.get('title', '')} (about {m.get('minutes', '')} minutes)"
                        for m in f["modules"])
    issued = cert.issued_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    doc = {
        "@context": OB_CONTEXTS,
        "id": _urn("credential", cert.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": _urn("issuer", issuer), "type": ["Profile"], "name": issuer},
        "validFrom": issued,
        "awardedDate": issued,
        "name": f"Certificate of completion: {course}",
        "description": f"Verification code {cert.code}. {_how_to_verify(f, cert.code)}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": f.get("name", "")}],
            "achievement": {
                "id": _urn("achievement", course, issuer),
                "type": ["Achievement"],
                "achievementType": "CertificateOfCompletion",
                "name": f"Completed: {course}",
                "description": f"Completed all {len(f['modules'])} modules of the course “{course}”: why to build "
                               "a personal learning network, the stages of adopting one, and the tools that carry one.",
                "criteria": {"narrative": f"Complete every module of the course: {modules}. Total stated study "
                                          f"time: {f.get('hours_text', '')}."},
                "inLanguage": "en",
            },
        },
    }
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
