"""The workshop report: one zip with a readable HTML summary and CSV files a spreadsheet opens.

``report.html`` holds the room's aggregates (charts with descriptions and data tables), the shared
reflections and the backchannel record; no script, no outside resource, so it opens anywhere and prints.
The CSV files (UTF-8 with a byte-order mark, so spreadsheet programs read accents right) are:

- ``participants.csv``: name, joined, last active, last page opened, each module's state, may be stuck,
  imported (dates as ``2026-11-29 14:02``, local time, so a spreadsheet sorts them)
- ``ratings.csv``: one row per participant and benefit: first rating, latest rating, versions
- ``stages.csv``: one row per participant: first confirmed stage, stage now, versions
- ``backchannel.csv``: every post, deleted ones included, with who deleted it and when

A cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage
return) is written with a leading apostrophe, so a name or post can't become a formula on the
facilitator's machine (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

from ..charts.room import aggregate_html, people_html, record_html, shared_html
from ..content import BENEFITS, COURSE_TITLE, MODULES, STAGES
from ..records import RecordedPost, RoomSnapshot
from ..rules import room
from ..rules.room import RECORD_HEADERS, record_rows
from ..rules.text import day_and_clock, esc

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    # Spreadsheets sort ISO dates: "2026-11-29 14:02" (local time), not the page's "29 Nov 2026, 14:02".
    text = f"{value.astimezone():%Y-%m-%d %H:%M}" if isinstance(value, datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """Rows as CSV text a spreadsheet opens safely (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_cell(c) for c in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def participants_csv(snapshot: RoomSnapshot) -> bytes:
    headers = ["Name", "Joined", "Last active", "Last page opened", *[f"Module {m.number}" for m in MODULES],
               "May be stuck", "Imported from a portfolio file"]
    rows = [[p.name, p.joined_at, p.last_active, p.where, *p.modules, p.stuck, "yes" if p.imported else ""]
            for p in room.people(snapshot)]
    return csv_bytes(headers, rows)


def ratings_csv(snapshot: RoomSnapshot) -> bytes:
    names = {m.id: m.name for m in snapshot.members}
    rows = []
    for a in snapshot.answers:
        if a.key != "why-pln/benefit-ratings" or a.learner_id not in names:
            continue
        first = a.first if isinstance(a.first, dict) else {}
        latest = a.latest if isinstance(a.latest, dict) else {}
        rows += [[names[a.learner_id], b.name, first.get(b.key), latest.get(b.key), a.versions] for b in BENEFITS]
    return csv_bytes(["Name", "Benefit", "First rating", "Latest rating", "Times rated"], rows)


def stages_csv(snapshot: RoomSnapshot) -> bytes:
    names = {m.id: m.name for m in snapshot.members}
    stage_names = {s.key: s.name for s in STAGES}
    rows = []
    for a in snapshot.answers:
        if a.key == "stages/confirmed" and a.learner_id in names:
            first = a.first.get("stage") if isinstance(a.first, dict) else None
            latest = a.latest.get("stage") if isinstance(a.latest, dict) else None
            rows.append([names[a.learner_id], stage_names.get(str(first), ""), stage_names.get(str(latest), ""),
                         a.versions, a.saved_at])
    return csv_bytes(["Name", "First confirmed stage", "Stage now", "Times confirmed", "Last confirmed"], rows)


def backchannel_csv(record: Sequence[RecordedPost]) -> bytes:
    return csv_bytes(RECORD_HEADERS, record_rows(record))


_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2b36; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { line-height: 1.2; } img { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: .5rem 0 1rem; } caption { text-align: left; font-weight: 600; }
th, td { border: 1px solid #b8c4cc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
blockquote { margin: .5rem 0; padding: .5rem 1rem; border-left: 4px solid #0072B2; background: #f3f7f9;
             white-space: pre-wrap; overflow-wrap: anywhere; }
.plnkit-downloads { display: none; } section { break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } }
"""


def report_html(snapshot: RoomSnapshot, record: Sequence[RecordedPost], title: str) -> str:
    """The report page: headline numbers, who is here, aggregates, shared reflections, the backchannel record."""
    people = room.people(snapshot)
    numbers = "".join(f"<li>{esc(k.capitalize())}: {v}</li>" for k, v in room.counts(people).items())
    aggregates = "".join(aggregate_html(a) for a in room.aggregates(snapshot))
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Workshop report · "
            f"{esc(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>Workshop report: {esc(title)}</h1><p>{esc(COURSE_TITLE)} · report made "
            f"{esc(day_and_clock(snapshot.taken_at))}</p><h2>The room</h2><ul>{numbers}</ul>"
            f"<h2>Who is here</h2>{people_html(people)}<h2>The room's answers</h2>{aggregates}"
            f"<h2>Shared reflections</h2>{shared_html(snapshot)}<h2>Backchannel record</h2>{record_html(list(record))}"
            "</body></html>")


def report_zip(snapshot: RoomSnapshot, record: Sequence[RecordedPost], title: str) -> bytes:
    """The whole report as zip bytes (see the module docstring for its files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("report.html", report_html(snapshot, record, title))
        z.writestr("participants.csv", participants_csv(snapshot))
        z.writestr("ratings.csv", ratings_csv(snapshot))
        z.writestr("stages.csv", stages_csv(snapshot))
        z.writestr("backchannel.csv", backchannel_csv(record))
    return buffer.getvalue()
