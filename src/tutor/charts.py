"""PNG charts for the timeline and progress commands, drawn off-screen for a phone.

Everything goes through a private :class:`~matplotlib.figure.Figure` with an Agg canvas:
pyplot's global figure registry is never touched, so charts can be rendered from worker
threads and nothing is left behind once the bytes are returned. Styling is passed to each
artist explicitly rather than through ``rcParams``/``rc_context``, which are process-global.

User-supplied text is drawn with ``parse_math=False`` so a "$" in an event or topic name
shows literally instead of being parsed as mathtext.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter
from PIL import Image

from tutor.model import Event

__all__ = ["format_when", "parse_year_range", "render_progress", "render_timeline"]

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
_MARGIN = 28


# --------------------------------------------------------------------------- shared helpers


class _Ruler:
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
        return _wrap(text, max_px, max_lines, lambda s: self.width(s, size, weight))

    def _word(self, word: str, size: float, weight: str) -> float:
        key = (word, size, weight)
        if key not in self._words:
            font = self._fonts.setdefault(
                (size, weight), FontProperties(family=FONT_FAMILY, size=size, weight=weight)
            )
            width, _, _ = self._renderer.get_text_width_height_descent(word, font, ismath=False)
            self._words[key] = float(width)
        return self._words[key]


def _ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    while text and not fits(text + "…"):
        text = text[:-1].rstrip()
    return text + "…"


def _wrap(text: str, max_px: float, max_lines: int, measure: Callable[[str], float]) -> list[str]:
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
    lines = [line if fits(line) else _ellipsize(line, fits) for line in lines] or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(lines[max_lines - 1], fits)]
    return lines


def _text(ax: Axes, x: float, y: float, text: str, size: float, **style: Any) -> None:
    """Literal text (never mathtext) in the chart font; `style` overrides the defaults."""
    ax.text(
        x,
        y,
        text,
        **{"fontsize": size, "color": INK, "family": FONT_FAMILY} | style,
        parse_math=False,
    )


def _pt_to_px(points: float) -> float:
    return points * DPI / 72


def _new_figure(height_px: float) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _pixel_axes(fig: Figure, left: float, top: float, width: float, height: float) -> Axes:
    """Axes placed in pixels from the figure's top-left corner."""
    fig_height = fig.get_figheight() * DPI
    rect = (left / WIDTH_PX, 1 - (top + height) / fig_height, width / WIDTH_PX, height / fig_height)
    return fig.add_axes(rect)


def _canvas_axes(fig: Figure) -> Axes:
    """An invisible full-figure axes whose data coordinates are pixels, y growing down."""
    height = fig.get_figheight() * DPI
    ax = _pixel_axes(fig, 0, 0, WIDTH_PX, height)
    ax.set_xlim(0, WIDTH_PX)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    return ax


def _png_bytes(fig: Figure) -> bytes:
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


def format_when(when: str) -> str:
    """'1924' -> '1924', '1924-01' -> 'Jan 1924', '1924-01-21' -> '21 Jan 1924'."""
    parts = when.split("-")
    try:
        month = int(parts[1]) if len(parts) > 1 else 0
        day = int(parts[2]) if len(parts) > 2 else 0
    except ValueError:
        return when
    if not 1 <= month <= 12:
        return parts[0]
    label = f"{MONTHS[month - 1]} {parts[0]}"
    return f"{day} {label}" if day else label


def _span_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}{DASH}{last}"


# --------------------------------------------------------------------------- year range

_RANGE_RE = re.compile(r"^(\d{4})(?:\s*(?:-|\u2013|\u2014|to|\s)\s*(\d{4}))?$", re.IGNORECASE)
_RANGE_USAGE = "Try e.g. “1924 1929”, “1924-1929”, a single year like “1924”, or nothing."


def parse_year_range(args: Sequence[str], events: Sequence[Event]) -> tuple[int, int]:
    """Turn `/timeline [FROM] [TO]` arguments into an inclusive (first, last) year range.

    No arguments means every event. A range that only partly overlaps the events is
    clamped to them; one that misses them entirely is rejected, so the student learns
    which years the timeline covers instead of getting an empty picture.
    """
    if not events:
        raise ValueError("There are no dated events to show yet.")
    covered = (min(e.year for e in events), max(e.year for e in events))
    text = " ".join(args).strip()
    if not text:
        return covered
    match = _RANGE_RE.match(text)
    if match is None:
        raise ValueError(f"I couldn't read “{text[:40]}” as years. {_RANGE_USAGE}")
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    first, last = min(first, last), max(first, last)  # "1929 1924" means 1924–1929
    if last < covered[0] or first > covered[1]:
        raise ValueError(
            f"{_span_text(first, last)} is outside the timeline, "
            f"which covers {_span_text(*covered)}."
        )
    return max(first, covered[0]), min(last, covered[1])


# --------------------------------------------------------------------------- timeline

_HEADER_TOP = 26
_YEAR_RIGHT = 98  # right edge of the year labels
_AXIS_LEFT, _AXIS_RIGHT = 108, 122
_LEADER_END = 192
_ROW_LEFT = 200
_DATE_X = 214
_COLUMN_GAP = 18
_MIN_ROWS_PX = 380
_MIN_BAND_PX = 36
_YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 1000)
# (body font pt, max lines per label), tried in order until the chart fits MAX_HEIGHT_PX.
_TIMELINE_SIZES = ((19, 3), (17, 3), (16, 3), (15, 3), (15, 2), (14, 2), (13, 2), (12, 1))


@dataclass(frozen=True, slots=True)
class _Row:
    date_label: str
    lines: tuple[str, ...]
    position: float  # fractional year of the dot on the axis
    top: float
    height: float


@dataclass(frozen=True, slots=True)
class _TimelineLayout:
    body_pt: float
    title_lines: tuple[str, ...]
    rows: tuple[_Row, ...]
    text_x: float
    rows_top: float
    height: float

    @property
    def title_pt(self) -> float:
        return self.body_pt + 7

    @property
    def line_px(self) -> float:
        return _pt_to_px(self.body_pt) * 1.3

    def first_baseline(self, row: _Row) -> float:
        """Baseline of a row's first line, with the text block centred in the row."""
        ascent = _pt_to_px(self.body_pt) * 0.95
        return row.top + (row.height - len(row.lines) * self.line_px) / 2 + ascent


def _positions(events: Sequence[Event]) -> list[float]:
    """Fractional years at the middle of each date's precision ("1926" -> 1926.5).

    A backward pass keeps positions non-decreasing in list order (e.g. "1926" sorts before
    "1926-01-05"), so leader lines never cross; a position never leaves its own year.
    """
    positions = []
    for event in events:
        year, month, day = event.sort_key
        if not month:
            positions.append(year + 0.5)
        elif not day:
            positions.append(year + (min(month, 12) - 0.5) / 12)
        else:
            positions.append(year + (min(month, 12) - 1 + (min(day, 31) - 0.5) / 31) / 12)
    for index in range(len(positions) - 2, -1, -1):
        positions[index] = min(positions[index], positions[index + 1])
    return positions


def _events_in_range(
    events: Sequence[Event], start_year: int | None, end_year: int | None
) -> list[Event]:
    if not events:
        raise ValueError("There are no dated events to show yet.")
    first = min(e.year for e in events) if start_year is None else start_year
    last = max(e.year for e in events) if end_year is None else end_year
    if first > last:
        raise ValueError(f"{first} comes after {last} — put the earlier year first.")
    chosen = sorted((e for e in events if first <= e.year <= last), key=lambda e: e.sort_key)
    if not chosen:
        wanted = f"in {first}" if first == last else f"between {first} and {last}"
        covered = _span_text(min(e.year for e in events), max(e.year for e in events))
        raise ValueError(f"No events {wanted} — the timeline covers {covered}.")
    return chosen


def _layout_timeline(events: Sequence[Event], title: str) -> _TimelineLayout:
    ruler = _Ruler()
    for body_pt, max_lines in _TIMELINE_SIZES:
        layout = _try_layout(events, title, ruler, body_pt, max_lines)
        if layout.height <= MAX_HEIGHT_PX:
            return layout
    raise ValueError(
        f"That's {len(events)} events — too many to draw legibly. Pick a shorter range of years."
    )


def _try_layout(
    events: Sequence[Event], title: str, ruler: _Ruler, body_pt: float, max_lines: int
) -> _TimelineLayout:
    dates = [format_when(e.when) for e in events]
    text_x = _DATE_X + max(ruler.width(d, body_pt - 1, "bold") for d in dates) + _COLUMN_GAP
    title_lines = ruler.wrap(title, WIDTH_PX - 2 * _MARGIN, 2, body_pt + 7, "bold")
    title_px = _pt_to_px(body_pt + 7) * 1.3 * len(title_lines)
    rows_top = _HEADER_TOP + title_px + _pt_to_px(body_pt) * 3
    line_px = _pt_to_px(body_pt) * 1.3
    wrapped = [ruler.wrap(e.what, WIDTH_PX - _MARGIN - text_x, max_lines, body_pt) for e in events]
    pad = line_px * 0.45
    natural = sum(len(lines) * line_px + pad for lines in wrapped)
    pad += max(0.0, _MIN_ROWS_PX - natural) / len(events)  # few events: spread them out
    rows, y = [], rows_top
    for label, lines, position in zip(dates, wrapped, _positions(events), strict=True):
        height = len(lines) * line_px + pad
        rows.append(_Row(label, tuple(lines), position, y, height))
        y += height
    return _TimelineLayout(body_pt, tuple(title_lines), tuple(rows), text_x, rows_top, y + 24)


def render_timeline(
    events: Sequence[Event],
    *,
    title: str,
    start_year: int | None = None,
    end_year: int | None = None,
) -> bytes:
    """Draw the events from `start_year` to `end_year` (inclusive) as a vertical timeline.

    Labels sit in an evenly spaced list so 30-40 events stay readable; each is joined by a
    leader line to its true date on a to-scale year axis on the left, so gaps and clusters
    in time stay visible. Fonts shrink (down to a floor) as events are added, keeping the
    image 1200 px wide and at most 2500 px tall. Raises ValueError with a student-facing
    message if no events fall in the range, or if there are too many to draw legibly.
    """
    chosen = _events_in_range(events, start_year, end_year)
    layout = _layout_timeline(chosen, title)
    first = chosen[0].year if start_year is None else start_year
    last = chosen[-1].year if end_year is None else end_year
    fig = _new_figure(layout.height)
    ax = _canvas_axes(fig)
    _draw_timeline_header(ax, layout, f"{len(chosen)} events · {_span_text(first, last)}")
    _draw_timeline_rows(ax, layout)
    _draw_year_axis(ax, layout)
    return _png_bytes(fig)


def _draw_timeline_header(ax: Axes, layout: _TimelineLayout, subtitle: str) -> None:
    y = _HEADER_TOP
    for line in layout.title_lines:
        y += _pt_to_px(layout.title_pt)
        _text(ax, _MARGIN, y, line, layout.title_pt, fontweight="bold", va="baseline")
        y += _pt_to_px(layout.title_pt) * 0.3
    y += _pt_to_px(layout.body_pt) * 1.4
    _text(ax, _MARGIN, y, subtitle, layout.body_pt - 1, color=MUTED, va="baseline")


def _draw_timeline_rows(ax: Axes, layout: _TimelineLayout) -> None:
    row_width = WIDTH_PX - _MARGIN / 2 - _ROW_LEFT
    for index, row in enumerate(layout.rows):
        if index % 2 == 0:
            ax.add_patch(
                Rectangle(
                    (_ROW_LEFT, row.top), row_width, row.height, facecolor=ZEBRA, edgecolor="none"
                )
            )
        baseline = layout.first_baseline(row)
        _text(
            ax,
            _DATE_X,
            baseline,
            row.date_label,
            layout.body_pt - 1,
            fontweight="bold",
            color=ACCENT,
            va="baseline",
        )
        for number, line in enumerate(row.lines):
            y = baseline + number * layout.line_px
            _text(ax, layout.text_x, y, line, layout.body_pt, va="baseline")


def _year_step(first: int, last: int, axis_px: float) -> int:
    """The smallest band size (in years) that leaves room for each band's label."""
    for step in _YEAR_STEPS:
        if axis_px / (last // step - first // step + 1) >= _MIN_BAND_PX:
            return step
    return _YEAR_STEPS[-1]


def _band_label(start: int, step: int) -> str:
    """'1924' for single years, else a compact span such as '1920-24' or '1900-99' (en dash)."""
    if step == 1:
        return str(start)
    end = start + step - 1
    return f"{start}{DASH}{end % 100:02d}" if step <= 100 else f"{start}{DASH}{end}"


def _draw_year_axis(ax: Axes, layout: _TimelineLayout) -> None:
    """Year bands drawn to scale, with a dot per event and a leader line to its row."""
    top, bottom = layout.rows_top, layout.rows[-1].top + layout.rows[-1].height
    first, last = int(layout.rows[0].position), int(layout.rows[-1].position)
    step = _year_step(first, last, bottom - top)
    start, stop = first // step * step, (last // step + 1) * step

    def to_px(year: float) -> float:
        return top + (year - start) / (stop - start) * (bottom - top)

    for index, band in enumerate(range(start, stop, step)):
        y0, y1 = to_px(band), to_px(band + step)
        colour = ACCENT if index % 2 == 0 else ACCENT_LIGHT
        ax.add_patch(
            Rectangle(
                (_AXIS_LEFT, y0),
                _AXIS_RIGHT - _AXIS_LEFT,
                y1 - y0,
                facecolor=colour,
                edgecolor="none",
            )
        )
        _text(
            ax,
            _YEAR_RIGHT,
            (y0 + y1) / 2,
            _band_label(band, step),
            15 if step == 1 else 12 if step <= 100 else 9,
            fontweight="bold",
            ha="right",
            va="center",
        )
    middle = (_AXIS_LEFT + _AXIS_RIGHT) / 2
    x_height = _pt_to_px(layout.body_pt) * 0.36
    for row in layout.rows:
        anchor = layout.first_baseline(row) - x_height
        dot = to_px(row.position)
        ax.plot(
            [_AXIS_RIGHT, _LEADER_END, _DATE_X - 6],
            [dot, anchor, anchor],
            color=MUTED,
            linewidth=1.1,
            solid_capstyle="round",
            zorder=2,
        )
        ax.add_patch(
            Circle((middle, dot), 5, facecolor="white", edgecolor=INK, linewidth=1.5, zorder=3)
        )


# --------------------------------------------------------------------------- progress

_DAYS = 14
_MAX_TOPICS = 15
_TOPIC_ROW_PX = 66
_TOPIC_LABEL_PX = 330
_TICK_PT = 13
_PANEL_TITLE_PT = 18
_EMPTY_PANEL_PX = 200


@dataclass(frozen=True, slots=True)
class _TopicStat:
    name: str
    accuracy: float
    answered: int


def _daily_window(
    daily_counts: Sequence[tuple[date, int]], end: date | None
) -> list[tuple[date, int]]:
    """The `_DAYS` days up to `end` (default: the latest day given), missing days as 0."""
    totals: dict[date, int] = {}
    for day, count in daily_counts:
        if count < 0:
            raise ValueError(f"Negative answer count {count} for {day}.")
        totals[day] = totals.get(day, 0) + count
    if end is None:
        if not totals:
            return []
        end = max(totals)
    days = [end - timedelta(days=offset) for offset in range(_DAYS - 1, -1, -1)]
    return [(day, totals.get(day, 0)) for day in days]


def _topic_stats(topic_accuracy: Sequence[tuple[str, float, int]]) -> list[_TopicStat]:
    stats = []
    for name, accuracy, answered in topic_accuracy:
        if not 0.0 <= accuracy <= 1.0:
            raise ValueError(f"Accuracy for {name!r} must be a fraction 0-1, got {accuracy}.")
        if answered < 0:
            raise ValueError(f"Answered count for {name!r} must not be negative.")
        stats.append(_TopicStat(name, accuracy, answered))
    return stats


def render_progress(
    daily_counts: Sequence[tuple[date, int]],
    topic_accuracy: Sequence[tuple[str, float, int]],
    *,
    title: str,
    end: date | None = None,
) -> bytes:
    """Two panels: answers per day over the last 14 days, and accuracy per topic.

    `daily_counts` are (day, answers) pairs; days outside the 14-day window ending at `end`
    (default: the latest day given) are ignored, repeated days are summed and missing days
    count as 0. Pass `end=today` so a student who paused sees the recent empty days.
    `topic_accuracy` holds (topic name, accuracy as a 0-1 fraction, answers given), drawn
    in the order given; beyond 15 topics the rest are summarised in a note. Either panel
    shows a friendly "No answers yet" message when it has nothing to draw.
    """
    days = _daily_window(daily_counts, end)
    topics = _topic_stats(topic_accuracy)
    shown = topics[:_MAX_TOPICS]
    has_daily = any(count for _, count in days)
    daily_top = 185
    daily_h = 300 if has_daily else _EMPTY_PANEL_PX
    topics_title = daily_top + daily_h + (115 if has_daily else 70)
    topics_top = topics_title + 40
    topics_h = _TOPIC_ROW_PX * len(shown) if shown else _EMPTY_PANEL_PX
    hidden = len(topics) - len(shown)
    fig = _new_figure(topics_top + topics_h + (90 if shown else 40) + (30 if hidden else 0))
    canvas = _canvas_axes(fig)
    heading = _Ruler().wrap(title, WIDTH_PX - 2 * _MARGIN, 1, 26, "bold")[0]
    _text(canvas, _MARGIN, 64, heading, 26, fontweight="bold", va="baseline")
    _panel_title(canvas, daily_top - 50, f"Answers per day {DASH} last {_DAYS} days")
    _draw_daily(fig, canvas, days, daily_top, daily_h, had_data=bool(daily_counts))
    _panel_title(canvas, topics_title, "Accuracy by topic")
    _draw_topics(fig, shown, topics_top, topics_h)
    if hidden:
        note = f"+ {hidden} more topic{'s' if hidden > 1 else ''} not shown"
        _text(canvas, _MARGIN, topics_top + topics_h + 82, note, _TICK_PT + 1, color=MUTED)
    return _png_bytes(fig)


def _panel_title(canvas: Axes, baseline: float, text: str) -> None:
    _text(canvas, _MARGIN, baseline, text, _PANEL_TITLE_PT, fontweight="bold", va="baseline")


def _style_axes(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.tick_params(labelsize=_TICK_PT, labelcolor=MUTED, labelfontfamily=FONT_FAMILY, length=0)
    ax.set_axisbelow(True)


def _empty_panel(fig: Figure, top: float, headline: str, hint: str) -> None:
    ax = _pixel_axes(fig, _MARGIN, top, WIDTH_PX - 2 * _MARGIN, _EMPTY_PANEL_PX)
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, facecolor=ZEBRA))
    _text(
        ax,
        0.5,
        0.58,
        headline,
        22,
        fontweight="bold",
        color=MUTED,
        ha="center",
        va="center",
        transform=ax.transAxes,
    )
    _text(ax, 0.5, 0.36, hint, 15, color=MUTED, ha="center", va="center", transform=ax.transAxes)


def _draw_daily(
    fig: Figure,
    canvas: Axes,
    days: list[tuple[date, int]],
    top: float,
    height: float,
    *,
    had_data: bool,
) -> None:
    counts = [count for _, count in days]
    if not any(counts):
        headline = f"No answers in the last {_DAYS} days" if had_data else "No answers yet"
        _empty_panel(fig, top, headline, "Answer a few quiz questions and they'll show up here.")
        return
    _text(
        canvas,
        WIDTH_PX - _MARGIN,
        top - 50,
        f"{sum(counts)} in total",
        _TICK_PT + 1,
        color=MUTED,
        ha="right",
        va="baseline",
    )
    ax = _pixel_axes(fig, 80, top, WIDTH_PX - 80 - _MARGIN, height)
    _style_axes(ax)
    positions = list(range(len(days)))
    ax.bar(positions, counts, width=0.68, color=ACCENT)
    for x, count in zip(positions, counts, strict=True):
        if count:
            _text(ax, x, count, str(count), _TICK_PT, fontweight="bold", ha="center", va="bottom")
    ax.set_xticks(
        positions, [f"{WEEKDAYS[d.weekday()]}\n{d.day} {MONTHS[d.month - 1]}" for d, _ in days]
    )
    ax.set_xlim(-0.6, len(days) - 0.4)
    ax.set_ylim(0, max(counts) * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.grid(True, color=GRID, linewidth=1)


def _accuracy_colour(accuracy: float) -> str:
    return GOOD if accuracy >= 0.75 else FAIR if accuracy >= 0.5 else WEAK


def _draw_topics(fig: Figure, topics: list[_TopicStat], top: float, height: float) -> None:
    if not topics:
        _empty_panel(fig, top, "No answers yet", "Your accuracy for each topic will appear here.")
        return
    left = _MARGIN + _TOPIC_LABEL_PX + 12
    ax = _pixel_axes(fig, left, top, WIDTH_PX - left - _MARGIN - 12, height)
    _style_axes(ax)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(topics) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.xaxis.grid(True, color=GRID, linewidth=1)
    ruler = _Ruler()
    for row, topic in enumerate(topics):
        _draw_topic_row(ax, row, topic, ruler)


def _draw_topic_row(ax: Axes, row: int, topic: _TopicStat, ruler: _Ruler) -> None:
    name = "\n".join(ruler.wrap(topic.name, _TOPIC_LABEL_PX, 2, 14))
    _text(
        ax,
        -0.015,
        row,
        name,
        14,
        ha="right",
        va="center",
        linespacing=1.15,
        transform=ax.get_yaxis_transform(),
    )
    ax.barh(row, 100, height=0.62, color=TRACK, zorder=1)
    if topic.answered == 0:
        _text(ax, 2, row, "not answered yet", _TICK_PT, color=MUTED, va="center", zorder=3)
        return
    percent = topic.accuracy * 100
    ax.barh(row, percent, height=0.62, color=_accuracy_colour(topic.accuracy), zorder=2)
    label = f"{percent:.0f}% · {topic.answered} answered"
    inside = percent >= 55
    _text(
        ax,
        percent - 1.5 if inside else percent + 1.5,
        row,
        label,
        _TICK_PT,
        fontweight="bold",
        color="white" if inside else INK,
        va="center",
        ha="right" if inside else "left",
        zorder=3,
    )
