"""An Agg canvas whose text is measured and rasterised once per process, then reused.

matplotlib 3.11 shapes and rasterises text glyph by glyph on every draw, and measures it again for every
renderer (each figure, each resolution). A page redraws the same strings on every change (tick labels, titles,
legend entries, most node labels), so this renderer keeps, per string, font and resolution:

- its width, height and descent (what the layout measures), and
- its bitmap: the glyphs composed once into one grey image, drawn in one blend at the text's whole-pixel
  position (as matplotlib up to 3.10 placed a string: the glyphs keep their sub-pixel spacing, the string is
  snapped to the pixel grid).

Only plain text goes through the caches (the course draws no math: see ``_figures._matplotlib``); anything
else is drawn by matplotlib's own Agg renderer. Colour is not part of a bitmap, so one string drawn in two
colours shares it. :func:`clear_caches` empties both (the benchmark uses it to time a cold process).

Kernels started by ``plnkit serve`` also share the course's strings through a file (:data:`SHARED_ENV`, set by the
server to ``<data folder>/cache/chart-text.bin``): a kernel's first chart would otherwise measure and rasterise
every tick label, title and legend entry again (about 0.2 s of a 40-node page's 0.55 s, 2026-11-30), though every
kernel of the server draws the same ones. Single glyphs are kept (and shared) too: a string drawn for the first
time, such as a learner's label, is composed from glyphs already rendered. :func:`load_shared` reads the file before
a kernel's first draw; :func:`save_shared` writes what was new after a draw. A learner's own words (a node's label,
a platform name: :func:`keep_private`) stay in the kernel's memory and never reach the file. The file is JSON and
raw pixels (never pickle), tied to the matplotlib and FreeType versions and the installed fonts; a file that does
not match, or is damaged, is ignored and rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Cached strings per cache; a map redraw uses a few hundred.
CACHE_SIZE = 4096

_metrics: OrderedDict[tuple[Any, ...], tuple[float, float, float]] = OrderedDict()
_bitmaps: OrderedDict[tuple[Any, ...], tuple[Any, int, int]] = OrderedDict()
_heights: OrderedDict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = OrderedDict()
#: One glyph's bitmap per font file, size, resolution, hinting, angle and the pen's fraction of a pixel (1/64s):
#: a string not drawn before (a learner's label) is composed from glyphs already drawn, not rendered anew. A
#: glyph alone says nothing of whose words it was drawn for: glyphs are shared with the server's other kernels.
_glyphs: OrderedDict[tuple[Any, ...], tuple[Any, int, int]] = OrderedDict()


#: The environment variable naming the file the server's kernels share their course strings in (unset: none).
SHARED_ENV = "PLNKIT_TEXT_CACHE"
#: Entries of each kind kept in the shared file, at most (a page's charts use a few hundred).
SHARED_SIZE = 2048
_MAGIC = b"PLNKIT-TEXT-2\n"

log = logging.getLogger(__name__)
_private: set[str] = set()  # a learner's words: never written to the shared file


class _Sharing:
    """This process's side of the shared file: read yet, entries new since, the file as last seen, warned."""

    loaded = False
    new = 0
    stamp: tuple[int, int] | None = None
    warned = False


_shared = _Sharing()


def clear_caches() -> None:
    """Forget every measured and rasterised string, as in a new process (the shared file unread, not warned of)."""
    _metrics.clear()
    _bitmaps.clear()
    _heights.clear()
    _glyphs.clear()
    _private.clear()
    _shared.loaded, _shared.new, _shared.stamp, _shared.warned = False, 0, None, False


def keep_private(texts: Iterable[str]) -> None:
    """Never write these strings, or any of their lines, to the shared file: a learner's own words (a node's
    label, a platform's name), drawn as they are or shortened. Call it before drawing them."""
    for text in texts:
        _private.add(text)
        _private.update(text.split("\n"))


def _font_key(prop: Any) -> tuple[Any, ...]:
    """What picks the font and its size: the fields matplotlib's own ``FontProperties.__hash__`` uses."""
    file = prop.get_file()
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size(), None if file is None else str(file), prop.get_math_fontfamily())


def _remember(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    if cache is _heights or cache is _glyphs or key[0] not in _private:
        _shared.new += 1


# --- sharing with the server's other kernels -------------------------------------------------------------

def shared_file() -> Path | None:
    """The shared file's path (from :data:`SHARED_ENV`), or None when this process shares nothing."""
    value = os.environ.get(SHARED_ENV, "").strip()
    return Path(value) if value else None


@functools.cache
def _fingerprint() -> dict[str, str]:
    """What a shared file must have been drawn with: matplotlib, FreeType and the installed fonts."""
    import matplotlib
    from matplotlib import ft2font
    from matplotlib.font_manager import fontManager

    fonts = hashlib.sha256("\n".join(sorted(f.fname for f in fontManager.ttflist)).encode()).hexdigest()
    return {"matplotlib": matplotlib.__version__, "freetype": str(ft2font.__freetype_version__), "fonts": fonts}


def _tuples(value: Any) -> Any:
    """JSON's lists back into the tuples the keys were made of."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _warn_once(doing: str, exc: BaseException) -> None:
    if not _shared.warned:
        _shared.warned = True
        log.warning("could not %s the charts' shared text file (%s): drawing without it", doing, exc)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _read(path: Path) -> int:
    """Add what ``path`` holds to the caches (what is cached already stays); returns how many entries it held.
    Raises ``ValueError`` for a file that is not one, or was drawn with other fonts or versions."""
    import numpy as np

    data = path.read_bytes()
    if not data.startswith(_MAGIC):
        raise ValueError("not a chart text file")
    size = int.from_bytes(data[len(_MAGIC):len(_MAGIC) + 8], "little")
    start = len(_MAGIC) + 8
    header = json.loads(data[start:start + size].decode("utf-8"))
    if not isinstance(header, dict) or header.get("made_with") != _fingerprint():
        raise ValueError("drawn with other fonts or versions")
    blob = bytearray(data[start + size:])
    for key, (width, height, descent) in header["metrics"]:
        _metrics.setdefault(_tuples(key), (float(width), float(height), float(descent)))
    for key, heights in header["heights"]:
        ascent, descent, gap = (None if v is None else float(v) for v in heights)
        _heights.setdefault(_tuples(key), (ascent, descent, gap))
    for cache, name in ((_bitmaps, "bitmaps"), (_glyphs, "glyphs")):
        for key, left, top, rows, cols, offset in header.get(name, ()):
            if rows * cols and not 0 <= offset <= len(blob) - rows * cols:
                raise ValueError("a bitmap lies outside the file")
            image = np.frombuffer(blob, np.uint8, rows * cols, offset).reshape(rows, cols) if rows * cols else None
            cache.setdefault(_tuples(key), (image, int(left), int(top)))
    return len(header["metrics"]) + len(header["bitmaps"]) + len(header.get("glyphs", ()))


def load_shared() -> None:
    """Before this process's first draw: read the shared file, if there is one (see the module's docstring).
    Never raises: a missing, damaged or foreign file only means drawing without it (the log says so once)."""
    if _shared.loaded:
        return
    _shared.loaded = True
    path = shared_file()
    if path is None:
        return
    try:
        stamp = _stamp(path)
        if stamp is not None:
            _read(path)
        _shared.stamp, _shared.new = stamp, 0
    except Exception as exc:  # noqa: BLE001 - a missing, damaged or foreign file: drawing goes on without it
        _warn_once("read", exc)


def save_shared() -> None:
    """After a draw that measured or rasterised something new: write the course's strings (never a learner's:
    :func:`keep_private`) to the shared file, with what other kernels wrote there meanwhile. Atomic (a new
    file, then renamed), so a kernel reading it never sees half of one. Never raises."""
    path = shared_file()
    if path is None or not _shared.new:
        return
    try:
        stamp = _stamp(path)
        if stamp is not None and stamp != _shared.stamp:
            try:
                _read(path)  # another kernel's strings too
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                pass  # damaged or foreign: replaced below
        _write(path)
        _shared.stamp, _shared.new = _stamp(path), 0
    except Exception as exc:  # noqa: BLE001 - a cache: drawing goes on without it, the log says why once
        _shared.new = 0
        _warn_once("write", exc)


def _write(path: Path) -> None:
    import numpy as np

    def shareable(cache: OrderedDict[tuple[Any, ...], Any], private: bool = True) -> list[tuple[Any, Any]]:
        items = [(k, v) for k, v in cache.items() if not private or k[0] not in _private]
        return items[-SHARED_SIZE:]

    chunks: list[bytes] = []
    offset = 0
    images: dict[str, list[list[Any]]] = {"bitmaps": [], "glyphs": []}
    for name, items in (("bitmaps", shareable(_bitmaps)), ("glyphs", shareable(_glyphs, private=False))):
        for key, (image, left, top) in items:
            rows, cols = (0, 0) if image is None else image.shape
            images[name].append([key, left, top, rows, cols, offset])
            if image is not None:
                chunks.append(np.ascontiguousarray(image, dtype=np.uint8).tobytes())
                offset += rows * cols
    header = json.dumps({"made_with": _fingerprint(), "metrics": shareable(_metrics),
                         "heights": shareable(_heights, private=False), **images}).encode("utf-8")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data folder's owner's, as the file is
    fd, tmp = tempfile.mkstemp(prefix=".chart-text-", dir=path.parent)  # made 0600: the data folder's owner's
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + len(header).to_bytes(8, "little") + header)
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _font_heights(prop: Any, dpi: float) -> tuple[float | None, float | None, float | None]:
    """A font's ascent, descent and line gap in pixels, read as ``matplotlib.text.Text._get_layout`` does."""
    from matplotlib.font_manager import fontManager, get_font

    font: Any = get_font(fontManager._find_fonts_by_props(prop))  # its tables' keys vary with the table
    for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                             ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


def _hinting() -> int:
    """matplotlib's text hinting setting, as a number (an ``ft2font.LoadFlags`` enum since 3.10, else an int)."""
    from matplotlib.backends.backend_agg import get_hinting_flag

    flag: Any = get_hinting_flag()
    return int(getattr(flag, "value", flag))


@functools.cache
def canvas_class() -> type[Any]:
    """``FigureCanvasAgg`` drawing with the caching renderer (made on first use: matplotlib loads lazily)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
    from matplotlib.ft2font import RenderMode

    class CachingRenderer(RendererAgg):
        def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
            if ismath:
                return super().get_text_width_height_descent(s, prop, ismath)
            key = (s, _font_key(prop), self.dpi, _hinting())
            found: tuple[float, float, float] | None = _metrics.get(key)
            if found is None:
                found = super().get_text_width_height_descent(s, prop, ismath)
                _remember(_metrics, key, found)
            return found

        def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float | None]:
            # What Text._get_layout reads from the font's tables for every text it lays out, kept per font.
            key = (_font_key(prop), self.dpi)
            found = _heights.get(key)
            if found is None:
                found = _font_heights(prop, self.dpi)
                _remember(_heights, key, found)
            return found

        def _bitmap(self, s: str, prop: Any, angle: float, features: Any = None,
                    language: Any = None) -> tuple[Any, int, int]:
            """The string's bitmap (None when it draws nothing), its left and top from the pen (kept)."""
            key = (s, _font_key(prop), self.dpi, angle, _hinting(), tuple(features) if features else None,
                   _tuples(language))
            found = _bitmaps.get(key)
            if found is None:
                found = self._rasterise(s, prop, angle, features, language)
                _remember(_bitmaps, key, found)
            return found

        def text_box(self, s: str, prop: Any) -> tuple[float, float, float]:
            """Width (from the pen to the last inked pixel), height and descent of ``s`` as drawn, in pixels: its
            bitmap's, which drawing it then reuses. One shaping of a new string where
            ``get_text_width_height_descent`` and drawing would take two (a map's labels: see ``_layout``)."""
            image, left, top = self._bitmap(s, prop, 0.0)
            if image is None:
                return 0.0, 0.0, 0.0
            rows, cols = image.shape
            return float(max(left, 0) + cols), float(rows), float(max(rows - top, 0))

        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                      mtext: Any = None) -> None:
            if ismath or not gc.get_antialiased():
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            image, left, top = self._bitmap(s, prop, angle, features, language)
            if image is None:
                return None
            # The pen at the nearest whole pixel; ``draw_text_image`` takes the image's bottom row, y downwards.
            pen_x, pen_y = round(x), round(self.height - y)
            self._renderer.draw_text_image(image, pen_x + left, int(self.height) - (pen_y + top) + image.shape[0],
                                           0, gc)
            return None

        def _rasterise(self, s: str, prop: Any, angle: float, features: Any, language: Any) -> tuple[Any, int, int]:
            """The string's glyphs composed into one grey image, with its left and top relative to the pen."""
            font = self._prepare_font(prop)
            flags = get_hinting_flag()
            size = prop.get_size_in_points()
            cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            rotation = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
            glyphs = []
            for item in font._layout(s, flags=flags, features=features, language=language):
                ft = item.ft_object
                dx, dy = item.x, item.y  # dy is upwards, as FreeType's y
                # The pen's offset in 1/64 pixels: its whole pixels move the glyph's bitmap, its fraction is drawn.
                whole_x, part_x = divmod(round(0x40 * (dx * cos - dy * sin)), 0x40)
                whole_y, part_y = divmod(round(0x40 * (dx * sin + dy * cos)), 0x40)
                key = (ft.fname, size, self.dpi, int(getattr(flags, "value", flags)), angle, item.glyph_index,
                       part_x, part_y)
                found = _glyphs.get(key)
                if found is None:
                    ft.set_size(size, self.dpi)
                    ft._set_transform(rotation, [part_x, part_y])
                    bitmap = ft._render_glyph(item.glyph_index, flags, RenderMode.NORMAL)
                    buffer = np.asarray(bitmap.buffer)
                    found = (buffer.copy() if buffer.size else None, bitmap.left, bitmap.top)
                    _remember(_glyphs, key, found)
                image, left, top = found
                if image is not None:
                    glyphs.append((image, left + whole_x, top + whole_y))
            if not glyphs:
                return None, 0, 0
            left = min(g[1] for g in glyphs)
            top = max(g[2] for g in glyphs)
            right = max(g[1] + g[0].shape[1] for g in glyphs)
            bottom = min(g[2] - g[0].shape[0] for g in glyphs)
            image = np.zeros((top - bottom, right - left), dtype=np.uint8)
            for buffer, gl, gt in glyphs:
                rows, cols = buffer.shape
                region = image[top - gt: top - gt + rows, gl - left: gl - left + cols]
                np.maximum(region, buffer, out=region)
            return image, left, top

    class CachingCanvas(FigureCanvasAgg):
        def get_renderer(self) -> Any:
            w, h = self.get_width_height(physical=True)
            key = w, h, self.figure.dpi
            if self._lastKey != key:
                self.renderer = CachingRenderer(w, h, self.figure.dpi)
                self._lastKey = key  # type: ignore[assignment]  # matplotlib declares it None
            return self.renderer

    return CachingCanvas
