"""What both charts share: the page size, fonts and colours, text measured and wrapped in
pixels, figures and axes placed in pixels, and the PNG encoding.

The charts call these through the module (`drawing.text(...)`), so a test can record what
is drawn by replacing one function here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from PIL import Image

DPI = 100
WIDTH_PX = 1200
MAX_HEIGHT_PX = 2500
FONT_FAMILY = "DejaVu Sans"  # bundled with matplotlib, so output does not depend on the host
DASH = "\u2013"  # en dash, for year spans

INK = "#1f2933"
MUTED = "#616e7c"
ACCENT = "#2563eb"
ACCENT_LIGHT = "#c7d7fb"
ZEBRA = "#f1f4f8"
GRID = "#dde2e8"
TRACK = "#e8ecf1"
GOOD = "#15803d"
FAIR = "#d97706"
WEAK = "#dc2626"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MARGIN = 28


# --------------------------------------------------------------------------- shared helpers


class Ruler:
    """Measures text in pixels with the same Agg text engine that draws it.

    Wrapping by measured width rather than character count keeps every line inside its
    column whatever mix of narrow and wide glyphs it has. Agg applies no kerning across a
    space, so a line's width is exactly the sum of its words and spaces; caching per word
    makes trying several font sizes cheap (one measurement costs about a millisecond).
    """

    def __init__(self) -> None:
        self._renderer = RendererAgg(1, 1, DPI)
        self._fonts: dict[tuple[float, str], FontProperties] = {}
        self._words: dict[tuple[str, float, str], float] = {}

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        words = text.split(" ")
        spaces = (len(words) - 1) * self._word(" ", size, weight)
        return spaces + sum(self._word(word, size, weight) for word in words)

    def wrap(
        self, text: str, max_px: float, max_lines: int, size: float, weight: str = "normal"
    ) -> list[str]:
        return wrap(text, max_px, max_lines, lambda s: self.width(s, size, weight))

    def _word(self, word: str, size: float, weight: str) -> float:
        key = (word, size, weight)
        if key not in self._words:
            font = self._fonts.setdefault(
                (size, weight), FontProperties(family=FONT_FAMILY, size=size, weight=weight)
            )
            width, _, _ = self._renderer.get_text_width_height_descent(word, font, ismath=False)
            self._words[key] = float(width)
        return self._words[key]


def ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    while text and not fits(text + "…"):
        text = text[:-1].rstrip()
    return text + "…"


def wrap(text: str, max_px: float, max_lines: int, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap by pixel width; anything beyond `max_lines` becomes an ellipsis."""

    def fits(line: str) -> bool:
        return measure(line) <= max_px

    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and fits(candidate):
            lines[-1] = candidate
        else:
            lines.append(word)
    lines = [line if fits(line) else ellipsize(line, fits) for line in lines] or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ellipsize(lines[max_lines - 1], fits)]
    return lines


def text(ax: Axes, x: float, y: float, text: str, size: float, **style: Any) -> None:
    """Literal text (never mathtext) in the chart font; `style` overrides the defaults."""
    ax.text(
        x,
        y,
        text,
        **{"fontsize": size, "color": INK, "family": FONT_FAMILY} | style,
        parse_math=False,
    )


def pt_to_px(points: float) -> float:
    return points * DPI / 72


def new_figure(height_px: float) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def pixel_axes(fig: Figure, left: float, top: float, width: float, height: float) -> Axes:
    """Axes placed in pixels from the figure's top-left corner."""
    fig_height = fig.get_figheight() * DPI
    rect = (left / WIDTH_PX, 1 - (top + height) / fig_height, width / WIDTH_PX, height / fig_height)
    return fig.add_axes(rect)


def canvas_axes(fig: Figure) -> Axes:
    """An invisible full-figure axes whose data coordinates are pixels, y growing down."""
    height = fig.get_figheight() * DPI
    ax = pixel_axes(fig, 0, 0, WIDTH_PX, height)
    ax.set_xlim(0, WIDTH_PX)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return ax


def png_bytes(fig: Figure) -> bytes:
    """Encode as a 256-colour PNG with no metadata chunks.

    Charts use a handful of flat colours plus anti-aliasing, so an exact median-cut palette
    without dithering looks identical while being about a third of the RGBA size. Median cut
    is deterministic, so equal input gives byte-identical output.
    """
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    palette = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    return buffer.getvalue()
