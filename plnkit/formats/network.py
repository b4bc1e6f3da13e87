"""The learner's network as a file: JSON and CSV exports, and importing either (or a spreadsheet of one's own).

An export holds every connection, current and removed, with its dates, so importing it on another machine gives
the same network (:func:`plnkit.rules.network.importing` turns the nodes into changes). Uploads are decoded like
every uploaded text file (:mod:`plnkit.formats.text`: byte-order mark, declared charset, UTF-8, windows-1252), and a
CSV file's delimiter is sniffed, so a spreadsheet saved with semicolons or in a regional encoding imports too.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..rules.dates import parse_date
from ..rules.network import Network, Node, make_node
from .text import CSV_HINT, decode, read_csv

CSV_FIELDS = ("key", "label", "type", "platform", "ring", "direction", "value", "links", "added_at", "removed_at")
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_NODES = 5_000


def _all_nodes(net: Network) -> list[Node]:
    return sorted([*net.nodes.values(), *net.removed.values()],
                  key=lambda n: (n.added_at or datetime.min.replace(tzinfo=timezone.utc), n.key))


def export_json(net: Network) -> bytes:
    """The network (current and removed connections, with dates) as UTF-8 JSON (``format: plnkit-network``)."""
    return json.dumps({"format": "plnkit-network", "version": 1, "nodes": [n.to_json() for n in _all_nodes(net)]},
                      ensure_ascii=False, indent=1).encode("utf-8")


def export_csv(net: Network) -> bytes:
    """The network as UTF-8 CSV, one row per connection (columns :data:`CSV_FIELDS`; links separated by spaces)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for node in _all_nodes(net):
        row = node.to_json()
        row["links"] = " ".join(node.links)
        writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_FIELDS})
    return out.getvalue().encode("utf-8")


def parse_import(data: bytes) -> list[Node]:
    """The connections in a JSON or CSV export (at most :data:`MAX_IMPORT_BYTES`, :data:`MAX_IMPORT_NODES` rows).

    Every row is validated; any problem raises :class:`InputError` naming its row, and nothing is imported. Dates
    are read as :func:`plnkit.rules.dates.parse_date` reads them (ISO 8601, RFC 822, timestamps); an unknown
    ``added_at`` is dated on import (:func:`plnkit.rules.network.importing`), an unknown ``removed_at`` (an
    exporter's ``0``) leaves the connection current.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise InputError("That file is larger than 2 MB, so nothing was imported.")
    text = decode(data, hint=CSV_HINT).text
    rows: list[dict[str, Any]]
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError("That JSON file is damaged, so nothing was imported.") from exc
        if not isinstance(doc, dict) or doc.get("format") != "plnkit-network" or not isinstance(doc.get("nodes"), list):
            raise InputError("That JSON file is not a network exported by this course.")
        rows = [r if isinstance(r, dict) else {} for r in doc["nodes"]]
    else:
        rows = read_csv(data)
        if rows and not {"label", "type"} <= set(rows[0]):
            raise InputError("That CSV file needs at least 'label' and 'type' columns.")
    if not rows:
        raise InputError("That file has no connections in it, so nothing was imported. The course reads a network "
                         "exported from this page (JSON, or CSV with 'label' and 'type' columns).")
    if len(rows) > MAX_IMPORT_NODES:
        raise InputError(f"That file has more than {MAX_IMPORT_NODES:,} connections, so nothing was imported.")
    nodes = []
    for i, row in enumerate(rows, start=1):
        try:
            ring = int(row.get("ring") or 2)
        except (TypeError, ValueError):
            raise InputError(f"Row {i}: closeness must be 1, 2 or 3.") from None
        links = row.get("links") or ()
        links = links.split() if isinstance(links, str) else [str(x) for x in links if isinstance(x, str)]
        try:
            node = make_node(str(row.get("type", "")), row.get("label"), platform=row.get("platform") or "",
                             ring=ring, direction=row.get("direction") or "consume",
                             value=row.get("value") or "cognitive", key=(str(row["key"])[:200] if row.get("key")
                                                                         else None), links=links)
        except InputError as exc:
            raise InputError(f"Row {i}: {exc}") from None
        nodes.append(replace(node, added_at=parse_date(row.get("added_at")),
                             removed_at=parse_date(row.get("removed_at"))))
    return nodes
