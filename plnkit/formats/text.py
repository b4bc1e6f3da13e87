"""Uploaded text files, decoded the way browsers do, and CSV read whatever its delimiter.

Bookmark files, OPML lists and spreadsheets arrive in whatever their program wrote. :func:`decode` tries, in order:

1. a byte-order mark (UTF-8, UTF-16 or UTF-32);
2. the charset the file declares (an XML prolog's ``encoding=``, or an HTML ``<meta charset>`` /
   ``http-equiv`` tag), with the WHATWG rule that ``iso-8859-1`` and ``us-ascii`` mean windows-1252, and a
   file that declares a single-byte charset but is valid UTF-8 read as UTF-8 (a common mislabelling);
3. UTF-8 (a few damaged bytes in an otherwise UTF-8 file become U+FFFD and are counted);
4. windows-1252, what Windows programs write when nothing is declared.

A file with many NUL bytes that isn't UTF-16/32, or mostly control characters, is not text: :class:`InputError`
with what to do (for a spreadsheet, "save it as CSV UTF-8"). A stray NUL is dropped and counted.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

from ..errors import InputError

CSV_HINT = "Save it as CSV UTF-8 (in Excel: File, Save As, CSV UTF-8) and try again."
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']""")
_META = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE)
_WHATWG_1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}
_SINGLE_BYTE_UTF8_LOOKALIKE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]")


@dataclass(frozen=True)
class Decoded:
    """Text from an uploaded file: the text, the codec used (Python's name) and characters replaced."""

    text: str
    encoding: str
    replaced: int = 0


def _codec(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return "cp1252" if name in _WHATWG_1252 else name


def declared_charset(data: bytes) -> str | None:
    """The codec an XML prolog or HTML meta tag in the first 4 KB names (Python's name), if any and known."""
    head = bytes(data[:4096])
    match = _XML_DECL.match(head) or _META.search(head)
    return _codec(match.group(1).decode("ascii")) if match else None


def _bomless_utf16(head: bytes) -> str | None:
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 3 and even == 0:
        return "utf-16-le"
    if even > len(head) // 3 and odd == 0:
        return "utf-16-be"
    return None


def _cp1252_whatwg(error: UnicodeError) -> tuple[str, int]:
    # windows-1252 as browsers decode it: the five unassigned bytes become the C1 controls of the same value
    assert isinstance(error, UnicodeDecodeError)
    return "".join(chr(b) for b in error.object[error.start:error.end]), error.end


codecs.register_error("plnkit-cp1252", _cp1252_whatwg)


def decode(data: bytes, *, hint: str = "Export it again and try again.") -> Decoded:
    """Decode an uploaded text file (see the module docstring); raises :class:`InputError` ending in ``hint``."""
    data = bytes(data)
    for bom, name in _BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(name, errors="replace")
            return _checked(Decoded(text, name, text.count("\ufffd")), hint)
    head = data[:4096]
    if b"\x00" in head:
        name16 = _bomless_utf16(head)
        if name16 is not None:
            text = data.decode(name16, errors="replace")
            return _checked(Decoded(text, name16, text.count("\ufffd")), hint)
        if head.count(0) * 100 > len(head):
            raise InputError(f"That file isn't text (it looks like a program's own format). {hint}")
    nuls = data.count(0)  # a stray NUL or two in a text file: dropped, not a reason to refuse the file
    data = data.replace(b"\x00", b"")
    decoded = _decode_8bit(data, hint)
    return Decoded(decoded.text, decoded.encoding, decoded.replaced + nuls)


def _decode_8bit(data: bytes, hint: str) -> Decoded:
    declared = declared_charset(data)
    if declared and not declared.startswith(("utf-16", "utf-32")):  # a UTF-16 file can't declare itself in ASCII
        if declared == "utf-8" or (codecs.lookup(declared).name != "utf-8" and not _looks_like_utf8(data)):
            try:
                return _checked(Decoded(data.decode(declared), declared), hint)
            except UnicodeDecodeError:
                pass  # mislabelled: go on as if nothing were declared
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8"), hint)
    except UnicodeDecodeError:
        pass
    if _looks_like_utf8(data):  # UTF-8 with a few damaged bytes: keep the rest right
        text = data.decode("utf-8", errors="replace")
        return _checked(Decoded(text, "utf-8", text.count("\ufffd")), hint)
    return _checked(Decoded(data.decode("cp1252", errors="plnkit-cp1252"), "cp1252"), hint)


def _looks_like_utf8(data: bytes) -> bool:
    """Valid UTF-8 multi-byte sequences are present (windows-1252 text almost never contains them)."""
    return _SINGLE_BYTE_UTF8_LOOKALIKE.search(data) is not None and \
        data.decode("utf-8", errors="replace").count("\ufffd") * 4 < len(_SINGLE_BYTE_UTF8_LOOKALIKE.findall(data))


def _checked(decoded: Decoded, hint: str) -> Decoded:
    sample = decoded.text[:4096]
    controls = sum(1 for c in sample if ord(c) < 0x20 and c not in "\t\r\n\f")
    if sample and controls * 10 > len(sample):
        raise InputError(f"That file isn't text (it looks like a program's own format). {hint}")
    return decoded


def sniff_dialect(text: str) -> type[csv.Dialect]:
    """The CSV dialect of ``text``: comma, semicolon (European Excel), tab or bar, sniffed by :class:`csv.Sniffer`."""
    first = text.split("\n", 1)[0].strip()
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel
    if dialect.delimiter not in first and "," in first:
        return csv.excel
    dialect.doublequote = True  # the sniffer guesses this from few quotes; Excel and LibreOffice always double
    return dialect


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Rows of an uploaded CSV file as dicts keyed by its header (decoded and sniffed as above).

    An Excel ``sep=;`` first line is honoured. Raises :class:`InputError` saying to save it as CSV UTF-8 when
    the file can't be read as text or has no header row.
    """
    text = decode(data, hint=CSV_HINT).text
    match = re.match(r"\s*sep=(.)\s*\r?\n", text)
    if match:
        delimiter, text = match.group(1), text[match.end():]
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""), dialect=sniff_dialect(text))
    try:
        rows = [{(k or "").strip(): (v if isinstance(v, str) else "") for k, v in row.items()} for row in reader]
    except csv.Error as exc:
        raise InputError(f"That file is not a readable CSV file. {CSV_HINT}") from exc
    if not reader.fieldnames:
        raise InputError(f"That file has no header row. {CSV_HINT}")
    return rows
