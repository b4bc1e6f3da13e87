"""The readable record's parts (see :func:`plnkit.formats.evidence.portfolio_html`): one HTML section per exercise.

Each ``*_part`` reads the learner's answers through :func:`plnkit.rules.answers.stored_answer` (a damaged stored value
is left out), escapes everything typed, and returns ``""`` when there is nothing to show.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..charts._figures import render
from ..charts.learner import benefit_profile, describe_benefit_profile, describe_stage_schematic, stage_schematic
from ..charts.network import (
    MAP_HEADERS,
    balance_chart,
    describe_balance,
    describe_growth,
    describe_map,
    describe_then_and_now,
    growth_chart,
    map_table,
    network_map,
    then_and_now,
)
from ..content import BENEFITS, MEDIUMS, MODULES, PROMPTS, STAGES, TIPS, module
from ..rules.answers import stored_answer
from ..rules.benefits import changes, profile_summary
from ..rules.identity import Presence, check_identity
from ..rules.network import replay
from ..rules.stages import check_plan, plan_warnings
from ..rules.text import day_and_clock, esc, plural
from ..services import session as _session

EARLIER_SHOWN = 20
BOOKMARKS_SHOWN = 2_000
_STAGE_NAMES = {s.key: s.name for s in STAGES}
_BENEFIT_NAMES = {b.key: b.name for b in BENEFITS}
_NUMBERED = re.compile(r"\s*\(\s*\d+\s*\)\s*$")
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


class _Html(str):
    """Markup that is already escaped (a table cell holding a link)."""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if isinstance(c, _Html) else esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(fig: Any, alt: str, description: str) -> str:
    png = base64.b64encode(render(fig, "png")).decode("ascii")
    fig.clear()
    return (f'<figure class="item"><img src="data:image/png;base64,{png}" alt="{esc(alt)}">'
            f"<figcaption>{esc(description)}</figcaption></figure>")


def page(title: str, css: str, body: str) -> bytes:
    """A whole HTML document (UTF-8 bytes) whose own Content-Security-Policy lets nothing run or load."""
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
            f"<style>{css}</style></head><body>{body}</body></html>\n").encode()


def _history(sess: _session.Session, key: str) -> list[tuple[datetime, Any]]:
    """Every saved version of ``key`` that fits its rule, oldest first (a damaged stored value is skipped)."""
    versions = reversed(sess.store.answer_history(sess.learner, key))
    checked = [(v.saved_at, stored_answer(key, v.value)) for v in versions]
    return [(at, value) for at, value in checked if value is not None]


def _latest(sess: _session.Session, key: str) -> Any:
    history = _history(sess, key)
    return history[-1][1] if history else None


def learner_name(sess: _session.Session) -> str:
    """The learner's name here: the name they joined with (without a namesake's "(2)"), else the name they post
    under in the backchannel; ``""`` when there is neither (the single local learner)."""
    name = _NUMBERED.sub("", sess.learner.name or "").strip()
    return name or (_latest(sess, "backchannel/name") or "")


RECORD_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2b36;max-width:52rem;
margin:2rem auto;padding:0 1rem}
h1{font-size:1.8rem;margin:.2rem 0}h2{font-size:1.35rem;border-bottom:2px solid #0072B2;margin-top:2.2rem}
h3{font-size:1.1rem;margin:1.4rem 0 .4rem}.course{color:#4a5a66;margin:0}.when{color:#4a5a66;font-size:.9rem;
margin:.2rem 0}.text{white-space:pre-wrap;overflow-wrap:anywhere;border-left:4px solid #009E73;padding:.3rem .8rem;
background:#f4f8f9}.empty{font-style:italic;color:#4a5a66}.question{font-weight:600;margin:.2rem 0}
article.item{margin:1rem 0 1.4rem}img{max-width:100%;height:auto}figure{margin:1rem 0}
figcaption{font-size:.95rem;color:#33434f}table{border-collapse:collapse;margin:.6rem 0 1rem;width:100%;
font-size:.92rem}caption{text-align:left;font-weight:600;padding:.2rem 0}th,td{border:1px solid #c9d7dc;
padding:.25rem .5rem;text-align:left;vertical-align:top;overflow-wrap:break-word}.url{overflow-wrap:anywhere}
th{background:#eef3f5}details{margin:.5rem 0}summary{cursor:pointer;color:#0072B2}ol.versions li{margin:.5rem 0}
footer{margin-top:2.5rem;border-top:1px solid #c9d7dc;color:#4a5a66;font-size:.9rem}
@media print{body{margin:0;max-width:none;font-size:11pt}a{color:inherit}h2,h3{page-break-after:avoid;
break-after:avoid}article.item,figure,tr,caption{page-break-inside:avoid;break-inside:avoid}
summary{color:inherit}}
@page{margin:16mm}
@media screen and (max-width:40rem){table{display:block;overflow-x:auto}body{margin:1rem auto}}
"""
_STATUS = {"done": "Done", "started": "Started"}


def progress_part(sess: _session.Session) -> str:
    progress = sess.store.progress(sess.learner)
    rows = [[f"Module {m.number}", m.title, f"about {m.minutes} minutes", _STATUS.get(progress.get(m.slug, ""),
                                                                                        "Not started")]
            for m in MODULES]
    done = sum(1 for m in MODULES if progress.get(m.slug) == "done")
    certs = sess.store.certificates(sess.learner)
    issued = "".join(f"<li>Certificate of completion, code <strong>{esc(c.code)}</strong>, issued "
                     f"{esc(day_and_clock(c.issued_at))}</li>" for c in certs)
    return (f'<section class="part"><h2>Progress</h2><p>{done} of {len(MODULES)} modules done.</p>'
            + _table(["Module", "Title", "Stated time", "Progress"], rows, "Your progress per module")
            + (f"<ul>{issued}</ul>" if issued else "") + "</section>")


def _reflection(question: str, history: list[tuple[datetime, str]]) -> str:
    at, text = history[-1]
    cleared = '<p class="empty">(You cleared this answer.)</p>'
    latest = f'<div class="text">{esc(text)}</div>' if text.strip() else cleared
    earlier = history[:-1][::-1]
    items = "".join(f'<li><p class="when">Saved {esc(day_and_clock(t))}</p>'
                    + (f'<div class="text">{esc(v)}</div>' if v.strip() else '<p class="empty">(empty)</p>') + "</li>"
                    for t, v in earlier[:EARLIER_SHOWN])
    more = (f"<p>And {plural(len(earlier) - EARLIER_SHOWN, 'older version')}: your downloaded work file keeps "
            "them all.</p>" if len(earlier) > EARLIER_SHOWN else "")
    versions = (f"<details><summary>Earlier versions ({len(earlier)})</summary><ol class=\"versions\">{items}</ol>"
                f"{more}</details>" if earlier else "")
    return (f'<article class="item"><p class="question">{esc(question)}</p><p class="when">Saved '
            f"{esc(day_and_clock(at))}</p>{latest}{versions}</article>")


def reflections_part(sess: _session.Session) -> str:
    by_page: dict[str, list[str]] = {}
    for key, prompt in PROMPTS.items():
        history = _history(sess, key)
        if any(text.strip() for _at, text in history):
            by_page.setdefault(key.split("/", 1)[0], []).append(_reflection(prompt.question, history))
    if not by_page:
        return '<section class="part"><h2>Reflections</h2><p>No reflections saved yet.</p></section>'
    groups = "".join(f"<h3>{esc(_page_title(slug))}</h3>{''.join(items)}" for slug, items in by_page.items())
    return f'<section class="part"><h2>Reflections</h2>{groups}</section>'


def _page_title(slug: str) -> str:
    try:
        found = module(slug)
    except KeyError:
        return slug
    return found.title if found.number == 0 else f"Module {found.number}: {found.title}"


def benefits_part(sess: _session.Session) -> str:
    history = _history(sess, "why-pln/benefit-ratings")
    if not history:
        return ""
    (first_at, first), (latest_at, latest) = history[0], history[-1]
    before = first if len(history) > 1 and first != latest else None
    parts = [f"<p>{esc(profile_summary(latest).summary)}</p>"]
    if before:
        moved = "".join(f"<li>{esc(line)}</li>" for line in changes(before, latest))
        parts.append(f"<p>From your first rating ({esc(day_and_clock(first_at))}) to your latest "
                     f"({esc(day_and_clock(latest_at))}):</p><ul>{moved}</ul>")
    parts.append(_figure(benefit_profile(latest, before), "Bar chart of your seven benefit ratings",
                         describe_benefit_profile(latest, before)))
    headers = ["Benefit", *([f"First ({day_and_clock(first_at)})"] if before else []),
               f"Latest ({day_and_clock(latest_at)})"]
    parts.append(_table(headers, [[b.name, *([before[b.key]] if before else []), latest[b.key]] for b in BENEFITS],
                        "Your benefit ratings (1 not like me, 5 very much like me)"))
    grow = _latest(sess, "why-pln/grow-first")
    if grow:
        parts.append(f"<p>The benefit you chose to grow first: <strong>{esc(_BENEFIT_NAMES[grow])}</strong>.</p>")
    return f'<section class="part"><h2>The seven benefits</h2>{"".join(parts)}</section>'


def _stage_points(sess: _session.Session) -> list[tuple[datetime, str]]:
    return [(at, value["stage"]) for at, value in _history(sess, "stages/confirmed")]


def stages_part(sess: _session.Session) -> str:
    history = _history(sess, "stages/confirmed")
    if not history:
        return ""
    points = [(at, value["stage"]) for at, value in history]
    rows = [[day_and_clock(at), _STAGE_NAMES[v["stage"]], _STAGE_NAMES.get(v.get("estimated") or "", "")]
            for at, v in history]
    return ('<section class="part"><h2>Your stage journey</h2>'
            + _figure(stage_schematic(points), "Schematic of the five stages with the stages you confirmed",
                      describe_stage_schematic(points))
            + _table(["Date", "Stage you confirmed", "The stage finder's estimate"], rows, "Your confirmed stages")
            + "</section>")


def plans_part(sess: _session.Session) -> str:
    parts = []
    saved = _latest(sess, "stages/balance-plan")
    if saved:
        plan = check_plan([(n, m) for n, m in saved["minutes"]], saved["late_night"], saved["boundary"])
        notes = "".join(f"<li>{esc(n)}</li>" for n in plan_warnings(plan))
        parts.append("<h3>Your balance plan</h3>"
                     + _table(["Network or activity", "Minutes a week"], [list(r) for r in plan.minutes],
                              f"About {plan.total / 60:.1f} hours a week ({plan.total:,} minutes)")
                     + ("<p>You often check your networks late at night.</p>" if plan.late_night else "")
                     + (f"<p>The boundary you will keep: “{esc(plan.boundary)}”</p>" if plan.boundary else "")
                     + (f"<ul>{notes}</ul>" if notes else ""))
    steps = _latest(sess, "stages/first-steps")
    if steps:
        items = "".join(f"<li>{esc(t.text)} <em>First step: {esc(t.first_step)}</em></li>" for t in TIPS
                        if t.key in steps)
        parts.append(f"<h3>Your first steps</h3><ul>{items}</ul>")
    return f'<section class="part"><h2>Plans and commitments</h2>{"".join(parts)}</section>' if parts else ""


def tools_part(sess: _session.Session) -> str:
    parts = []
    presences = _latest(sess, "tools/identity")
    if presences:
        report = check_identity([Presence(s, u) for s, u in presences])
        parts.append("<h3>Your online identity</h3>" + _table(["Service", "Username"], presences, "Where you are "
                                                                "online") + f"<p>{esc(report.summary)}</p>")
    chosen = _latest(sess, "tools/communities")
    if chosen:
        names = {m.key: m.name for m in MEDIUMS}
        rows = [[names.get(k.split(":", 1)[0], k), k.split(":", 1)[1], "I use it" if v == "use" else "I'll try it"]
                for k, v in chosen.items()]
        parts.append("<h3>Communities and mediums</h3>" + _table(["Medium", "Tool", "Your choice"], rows,
                                                                  "The communities and tools you chose"))
    return f'<section class="part"><h2>Tools</h2>{"".join(parts)}</section>' if parts else ""


def network_part(sess: _session.Session) -> str:
    events = sess.store.network_events(sess.learner)
    net = replay(events)
    if not net.nodes and not net.removed:
        return '<section class="part"><h2>Your network</h2><p>Nothing added to your network yet.</p></section>'
    stages = _stage_points(sess)
    nodes = sorted(net.nodes.values(), key=lambda n: (n.ring, n.label.lower()))  # map_table's order
    rows = [[*row[:-1], day_and_clock(n.added_at) if n.added_at else ""] for row, n in zip(map_table(net), nodes,
                                                                                           strict=True)]
    return ('<section class="part"><h2>Your network</h2>'
            + _figure(network_map(net), "Map of your network", describe_map(net))
            + _table(MAP_HEADERS, rows, "Everyone and everything in your network")
            + _figure(growth_chart(events, stages), "Growth of your network over time", describe_growth(events, stages))
            + _figure(balance_chart(net), "Balance of your network by kind and platform", describe_balance(net))
            + _figure(then_and_now(events), "Your network on your first day and today", describe_then_and_now(events))
            + "</section>")


def _link(url: str, text: str) -> _Html:
    if re.match(r"^https?://", url, re.I):
        return _Html(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text or url)}</a>')
    return _Html(esc(text or url))


def _address(url: str) -> _Html:
    return _Html(f'<span class="url">{esc(url)}</span>')


def links_part(sess: _session.Session) -> str:
    marks = sess.store.bookmarks(sess.learner)
    subs = sess.store.subscriptions(sess.learner)
    parts = []
    if marks:
        rows = [[_link(b.url, b.title), _address(b.url), ", ".join(b.tags), b.note,
                 "Private" if b.private else "Shared", day_and_clock(b.added_at)] for b in marks[:BOOKMARKS_SHOWN]]
        more = (f"<p>And {plural(len(marks) - BOOKMARKS_SHOWN, 'more bookmark')}: export them all as a bookmark "
                "file in module 3.</p>" if len(marks) > BOOKMARKS_SHOWN else "")
        parts.append("<h3>Bookmarks</h3>" + _table(["Title", "Address", "Tags", "Note", "Sharing", "Added"], rows,
                                                   plural(len(marks), "bookmark")) + more)
    if subs:
        rows = [[_link(s.html_url or "", s.title or s.url), _address(s.url), day_and_clock(s.added_at)]
                for s in subs]
        parts.append("<h3>Feeds you follow</h3>" + _table(["Feed", "Feed address", "Since"], rows,
                                                          plural(len(subs), "feed")))
    return f'<section class="part"><h2>Bookmarks and feeds</h2>{"".join(parts)}</section>' if parts else ""
