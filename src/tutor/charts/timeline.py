"""The timeline chart (/timeline): the deck's events down a year axis, each year band
labelled, two columns of event text when they fit; and reading a year range as typed."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.patches import Circle, Rectangle

from tutor.charts import drawing
from tutor.charts.drawing import (
    ACCENT,
    ACCENT_LIGHT,
    DASH,
    INK,
    MAX_HEIGHT_PX,
    MONTHS,
    MUTED,
    WIDTH_PX,
    ZEBRA,
)
from tutor.model import Event


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
        return drawing.pt_to_px(self.body_pt) * 1.3

    def first_baseline(self, row: _Row) -> float:
        """Baseline of a row's first line, with the text block centred in the row."""
        ascent = drawing.pt_to_px(self.body_pt) * 0.95
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
    ruler = drawing.Ruler()
    for body_pt, max_lines in _TIMELINE_SIZES:
        layout = _try_layout(events, title, ruler, body_pt, max_lines)
        if layout.height <= MAX_HEIGHT_PX:
            return layout
    raise ValueError(
        f"That's {len(events)} events — too many to draw legibly. Pick a shorter range of years."
    )


def _try_layout(
    events: Sequence[Event], title: str, ruler: drawing.Ruler, body_pt: float, max_lines: int
) -> _TimelineLayout:
    dates = [format_when(e.when) for e in events]
    text_x = _DATE_X + max(ruler.width(d, body_pt - 1, "bold") for d in dates) + _COLUMN_GAP
    title_lines = ruler.wrap(title, WIDTH_PX - 2 * drawing.MARGIN, 2, body_pt + 7, "bold")
    title_px = drawing.pt_to_px(body_pt + 7) * 1.3 * len(title_lines)
    rows_top = _HEADER_TOP + title_px + drawing.pt_to_px(body_pt) * 3
    line_px = drawing.pt_to_px(body_pt) * 1.3
    wrapped = [
        ruler.wrap(e.what, WIDTH_PX - drawing.MARGIN - text_x, max_lines, body_pt) for e in events
    ]
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
    fig = drawing.new_figure(layout.height)
    ax = drawing.canvas_axes(fig)
    _draw_timeline_header(ax, layout, f"{len(chosen)} events · {_span_text(first, last)}")
    _draw_timeline_rows(ax, layout)
    _draw_year_axis(ax, layout)
    return drawing.png_bytes(fig)


def _draw_timeline_header(ax: Axes, layout: _TimelineLayout, subtitle: str) -> None:
    y = _HEADER_TOP
    for line in layout.title_lines:
        y += drawing.pt_to_px(layout.title_pt)
        drawing.text(ax, drawing.MARGIN, y, line, layout.title_pt, fontweight="bold", va="baseline")
        y += drawing.pt_to_px(layout.title_pt) * 0.3
    y += drawing.pt_to_px(layout.body_pt) * 1.4
    drawing.text(ax, drawing.MARGIN, y, subtitle, layout.body_pt - 1, color=MUTED, va="baseline")


def _draw_timeline_rows(ax: Axes, layout: _TimelineLayout) -> None:
    row_width = WIDTH_PX - drawing.MARGIN / 2 - _ROW_LEFT
    for index, row in enumerate(layout.rows):
        if index % 2 == 0:
            ax.add_patch(
                Rectangle(
                    (_ROW_LEFT, row.top), row_width, row.height, facecolor=ZEBRA, edgecolor="none"
                )
            )
        baseline = layout.first_baseline(row)
        drawing.text(
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
            drawing.text(ax, layout.text_x, y, line, layout.body_pt, va="baseline")


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
        drawing.text(
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
    x_height = drawing.pt_to_px(layout.body_pt) * 0.36
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
