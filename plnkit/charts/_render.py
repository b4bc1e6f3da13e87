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
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from typing import Any

#: Cached strings per cache; a map redraw uses a few hundred.
CACHE_SIZE = 4096

_metrics: OrderedDict[tuple[Any, ...], tuple[float, float, float]] = OrderedDict()
_bitmaps: OrderedDict[tuple[Any, ...], tuple[Any, int, int]] = OrderedDict()
_heights: OrderedDict[tuple[Any, ...], tuple[float | None, float | None, float | None]] = OrderedDict()


def clear_caches() -> None:
    """Forget every measured and rasterised string."""
    _metrics.clear()
    _bitmaps.clear()
    _heights.clear()


def _remember(cache: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


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
            key = (s, prop.copy(), self.dpi, get_hinting_flag())
            found: tuple[float, float, float] | None = _metrics.get(key)
            if found is None:
                found = super().get_text_width_height_descent(s, prop, ismath)
                _remember(_metrics, key, found)
            return found

        def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float | None]:
            # What Text._get_layout reads from the font's tables for every text it lays out, kept per font.
            key = (prop.copy(), self.dpi)
            found = _heights.get(key)
            if found is None:
                found = _font_heights(prop, self.dpi)
                _remember(_heights, key, found)
            return found

        def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                      mtext: Any = None) -> None:
            if ismath or not gc.get_antialiased():
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            key = (s, prop.copy(), self.dpi, angle, get_hinting_flag(), features and tuple(features), language)
            found = _bitmaps.get(key)
            if found is None:
                found = self._rasterise(s, prop, angle, features, language)
                _remember(_bitmaps, key, found)
            image, left, top = found
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
                ft.set_size(size, self.dpi)
                dx, dy = item.x, item.y  # dy is upwards, as FreeType's y
                ft._set_transform(rotation, [round(0x40 * (dx * cos - dy * sin)), round(0x40 * (dx * sin + dy * cos))])
                bitmap = ft._render_glyph(item.glyph_index, flags, RenderMode.NORMAL)
                buffer = np.asarray(bitmap.buffer)
                if buffer.size:
                    glyphs.append((buffer.copy(), bitmap.left, bitmap.top))
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
