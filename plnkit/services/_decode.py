"""Decoding a response body as leniently as browsers and feed readers do, under a size cap.

A body's ``Content-Encoding`` is a hint checked against its first bytes, because servers get it wrong: a
caching plugin gzips a page twice, or sends plain text labelled ``gzip``; object stores label a zlib body
``identity`` or ``aws-chunked``. A readable body is read whatever its header says; only a body in an encoding the
course can't decode (``br``, ``zstd``) that isn't readable as it is gets an error. The size cap counts decoded
bytes at every layer, so a decompression bomb, however many times compressed, is stopped.
"""

from __future__ import annotations

import zlib

from ..errors import FeedConnectionError, FeedTooLargeError

#: Most compression layers undone (a body gzipped twice by a server and once more by its proxy).
MAX_LAYERS = 3

_GZIP_MAGIC = b"\x1f\x8b\x08"
_SNIFF = 16  # bytes looked at before deciding how a body (or a layer) is encoded
_UNREADABLE = ("br", "zstd", "compress", "x-compress")
_DAMAGED = "That site sent a damaged (badly compressed) response."


def _is_zlib(head: bytes) -> bool:
    """A zlib header: deflate with a window of at most 32 KB, no preset dictionary, a valid check number."""
    return (len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and not head[1] & 0x20
            and (head[0] << 8 | head[1]) % 31 == 0)


def _looks_like_text(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf\xfe\xff\x00 \t\r\n")
    return not text or text[:1] in (b"<", b"{", b"[")


class Decoder:
    """Decode a body fed in chunks; :meth:`finish` returns the bytes. Raises :class:`FeedTooLargeError` past
    ``cap`` decoded bytes and :class:`FeedConnectionError` for damaged or unreadable data.

    The first bytes decide: gzip data is un-gzipped whatever the header says; zlib data is inflated whatever the
    header says; a body that starts like text (``<``, ``{``, ``[``, after a byte-order mark) is read as it is
    even when declared ``gzip``; ``deflate`` without a zlib header is read as raw deflate. What a layer
    decompresses to is looked at the same way, up to :data:`MAX_LAYERS` layers (``gzip, gzip`` or a gzip body
    labelled only once), each layer's output counted against the cap.
    """

    def __init__(self, encoding: str, cap: int, *, layer: int = 1) -> None:
        labels = [e.strip().lower() for e in encoding.split(",") if e.strip()]
        self.declared = labels[-1] if labels else ""
        self.cap = cap
        self.layer = layer
        self.size = 0  # bytes this layer produced
        self.parts: list[bytes] = []
        self._head = b""
        self._z: zlib._Decompress | None = None
        self._decided = False
        self._inner: Decoder | None = None  # the next layer, for what this one decompresses to

    def _decide(self) -> None:
        head, self._head, self._decided = self._head, b"", True
        if head.startswith(_GZIP_MAGIC):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif _is_zlib(head):
            self._z = zlib.decompressobj()
        elif _looks_like_text(head):
            self._z = None
        elif self.declared in ("deflate", "x-deflate"):
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
        elif self.declared in _UNREADABLE:
            raise FeedConnectionError(f"That site sent the feed in an encoding the course can't read "
                                      f"({self.declared}).")
        if self._z is not None and self.layer < MAX_LAYERS:
            self._inner = Decoder("", self.cap, layer=self.layer + 1)
        self._inflate(head)

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body as it came over the wire."""
        if not self._decided:
            self._head += chunk
            if len(self._head) >= _SNIFF:
                self._decide()
            return
        self._inflate(chunk)

    def _inflate(self, chunk: bytes) -> None:
        if self._z is None:
            self._add(chunk)
            return
        try:
            self._add(self._z.decompress(chunk, self.cap - self.size + 1))
            while self._z.unconsumed_tail:
                self._add(self._z.decompress(self._z.unconsumed_tail, self.cap - self.size + 1))
            if self._z.eof and self._z.unused_data.startswith(_GZIP_MAGIC):  # a second gzip member follows
                rest, self._z = self._z.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._inflate(rest)
        except zlib.error as exc:
            raise FeedConnectionError(_DAMAGED) from exc

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FeedTooLargeError(
                f"That feed is larger than {self.cap // (1024 * 1024) or 1} MB, so the course won't download it."
            )
        if self._inner is not None:
            self._inner.feed(data)
        elif data:
            self.parts.append(data)

    def finish(self) -> bytes:
        """The decoded body (after the last chunk)."""
        if not self._decided:
            self._decide()
        if self._z is not None:
            try:
                self._add(self._z.flush())
            except zlib.error as exc:
                raise FeedConnectionError(_DAMAGED) from exc
        if self._inner is not None:
            return self._inner.finish()
        return b"".join(self.parts)
