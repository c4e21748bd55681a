"""PNG charts for the timeline and progress commands, drawn off-screen for a phone.

Everything goes through a private :class:`~matplotlib.figure.Figure` with an Agg canvas:
pyplot's global figure registry is never touched, so charts can be rendered from worker
threads and nothing leaks once the bytes are returned. Styling is passed explicitly to
each artist instead of via ``rcParams``/``rc_context``, which are process-global.

All user-supplied text is drawn with ``parse_math=False`` so a "$" in an event or topic
name is shown literally rather than parsed as mathtext.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tutor.model import Event

__all__ = ["parse_year_range", "render_progress", "render_timeline"]

DPI = 100
WIDTH_PX = 1200
MAX_HEIGHT_PX = 2500
FONT_FAMILY = "DejaVu Sans"  # bundled with matplotlib, so output does not depend on the host

INK = "#1f2933"
MUTED = "#616e7c"
ACCENT = "#2563eb"
ACCENT_LIGHT = "#c7d7fb"
ZEBRA = "#f1f4f8"
GRID = "#dde2e8"
GOOD = "#15803d"
FAIR = "#d97706"
WEAK = "#dc2626"
TRACK = "#e8ecf1"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PNG_METADATA: dict[str, str | None] = {"Software": None}


# --------------------------------------------------------------------------- shared helpers


class _Ruler:
    """Measures text in pixels with the same Agg text engine that draws it.

    Wrapping by measured width (not character count) keeps lines inside their column
    whatever mix of narrow and wide glyphs a label has.
    """

    def __init__(self) -> None:
        self._renderer = RendererAgg(1, 1, DPI)

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        props = FontProperties(family=FONT_FAMILY, size=size, weight=weight)
        width, _, _ = self._renderer.get_text_width_height_descent(text, props, ismath=False)
        return width


def _ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    while text and not fits(text + "…"):
        text = text[:-1].rstrip()
    return text + "…"


def _wrap(text: str, max_px: float, max_lines: int, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap by pixel width; overflow beyond `max_lines` ends in an ellipsis."""

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


def _new_figure(height_px: float) -> Figure:
    fig = Figure(figsize=(WIDTH_PX / DPI, height_px / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.print_png(buffer, metadata=PNG_METADATA)
    return buffer.getvalue()


def _pixel_axes(fig: Figure, height_px: float) -> Axes:
    """An invisible axes whose data coordinates are figure pixels, y growing downwards."""
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH_PX)
    ax.set_ylim(height_px, 0)
    ax.set_axis_off()
    return ax


def _pt_to_px(points: float) -> float:
    return points * DPI / 72


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


# --------------------------------------------------------------------------- year range


_RANGE_RE = re.compile(r"^(\d{4})(?:\s*(?:-|–|—|to|\s)\s*(\d{4}))?$", re.IGNORECASE)
_RANGE_USAGE = "Try e.g. “1924 1929”, “1924-1929”, a single year like “1924”, or nothing."


def _span_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


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
    if first > last:
        raise ValueError(
            f"{first} comes after {last} — put the earlier year first: {last} {first}."
        )
    if last < covered[0] or first > covered[1]:
        raise ValueError(
            f"{_span_text(first, last)} is outside the timeline, "
            f"which covers {_span_text(*covered)}."
        )
    return max(first, covered[0]), min(last, covered[1])


# --------------------------------------------------------------------------- timeline

_MARGIN = 28
_HEADER_TOP = 26
_YEAR_RIGHT = 100  # right edge of the year labels
_AXIS_LEFT, _AXIS_RIGHT = 110, 124
_LEADER_END = 192
_ROW_LEFT = 200
_DATE_X = 214
_COLUMN_GAP = 18
_MIN_ROWS_PX = 380
_MIN_BAND_PX = 34
_YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
# (body font pt, max lines per label), tried in order until the chart fits MAX_HEIGHT_PX.
_TIMELINE_SIZES = ((19, 3), (17, 3), (16, 3), (15, 3), (15, 2), (14, 2), (13, 2), (12, 1))


@dataclass(frozen=True, slots=True)
class _Row:
    date_label: str
    lines: tuple[str, ...]
    position: float  # fractional year, e.g. 1924.05 for 21 Jan 1924
    top: float = 0.0
    height: float = 0.0


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


def _fractional_year(event: Event) -> float:
    year, month, day = event.sort_key
    return year + (max(month, 1) - 1 + (max(day, 1) - 1) / 31) / 12


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


def _layout_timeline(events: Sequence[Event], title: str, ruler: _Ruler) -> _TimelineLayout:
    for body_pt, max_lines in _TIMELINE_SIZES:
        layout = _try_timeline_layout(events, title, ruler, body_pt, max_lines)
        if layout.height <= MAX_HEIGHT_PX:
            return layout
    raise ValueError(
        f"That's {len(events)} events — too many to draw legibly. Pick a shorter range of years."
    )


def _try_timeline_layout(
    events: Sequence[Event], title: str, ruler: _Ruler, body_pt: float, max_lines: int
) -> _TimelineLayout:
    date_pt = body_pt - 1
    dates = [format_when(e.when) for e in events]
    date_col = max(ruler.width(label, date_pt, "bold") for label in dates)
    text_x = _DATE_X + date_col + _COLUMN_GAP
    text_px = WIDTH_PX - _MARGIN - text_x
    title_pt = body_pt + 7
    title_lines = _wrap(
        title, WIDTH_PX - 2 * _MARGIN, 2, lambda s: ruler.width(s, title_pt, "bold")
    )
    rows_top = _HEADER_TOP + _pt_to_px(title_pt) * 1.3 * len(title_lines) + _pt_to_px(body_pt) * 3
    line_px = _pt_to_px(body_pt) * 1.3
    rows: list[_Row] = []
    for event, label in zip(events, dates, strict=True):
        lines = _wrap(event.what, text_px, max_lines, lambda s: ruler.width(s, body_pt))
        rows.append(_Row(label, tuple(lines), _fractional_year(event)))
    pad = line_px * 0.45
    natural = sum(len(r.lines) * line_px + pad for r in rows)
    extra = max(0.0, _MIN_ROWS_PX - natural) / len(rows)  # few events: spread them out
    placed, y = [], rows_top
    for row in rows:
        height = len(row.lines) * line_px + pad + extra
        placed.append(_Row(row.date_label, row.lines, row.position, y, height))
        y += height
    return _TimelineLayout(body_pt, tuple(title_lines), tuple(placed), text_x, rows_top, y + 24)


def _year_step(first: int, last: int, axis_px: float) -> int:
    for step in _YEAR_STEPS:
        groups = last // step - first // step + 1
        if axis_px / groups >= _MIN_BAND_PX:
            return step
    return _YEAR_STEPS[-1]


def _band_label(start: int, step: int) -> str:
    if step == 1:
        return str(start)
    end = start + step - 1
    return f"{start}–{end % 100:02d}" if step < 100 else f"{start}–{end}"


def render_timeline(
    events: Sequence[Event],
    *,
    title: str,
    start_year: int | None = None,
    end_year: int | None = None,
) -> bytes:
    """Draw the events from `start_year` to `end_year` (inclusive) as a vertical timeline.

    Labels sit in an evenly spaced list so 30–40 events stay readable; each is joined by
    a leader line to its true position on a to-scale year axis on the left, so gaps and
    clusters in time remain visible. Fonts shrink (down to a floor) as events are added,
    keeping the image within 1200 x 2500 px. Raises ValueError with a student-facing
    message if no events fall in the range or there are too many to draw.
    """
    chosen = _events_in_range(events, start_year, end_year)
    ruler = _Ruler()
    layout = _layout_timeline(chosen, title, ruler)
    first = chosen[0].year if start_year is None else start_year
    last = chosen[-1].year if end_year is None else end_year
    fig = _new_figure(layout.height)
    ax = _pixel_axes(fig, layout.height)
    _draw_timeline_header(ax, layout, f"{len(chosen)} events · {_span_text(first, last)}")
    _draw_timeline_rows(ax, layout)
    _draw_year_axis(ax, layout)
    return _png_bytes(fig)


def _draw_timeline_header(ax: Axes, layout: _TimelineLayout, subtitle: str) -> None:
    y = _HEADER_TOP
    for line in layout.title_lines:
        y += _pt_to_px(layout.title_pt)
        ax.text(
            _MARGIN,
            y,
            line,
            fontsize=layout.title_pt,
            fontweight="bold",
            color=INK,
            family=FONT_FAMILY,
            va="baseline",
            parse_math=False,
        )
        y += _pt_to_px(layout.title_pt) * 0.3
    ax.text(
        _MARGIN,
        y + _pt_to_px(layout.body_pt) * 1.4,
        subtitle,
        fontsize=layout.body_pt - 1,
        color=MUTED,
        family=FONT_FAMILY,
        va="baseline",
        parse_math=False,
    )


def _draw_timeline_rows(ax: Axes, layout: _TimelineLayout) -> None:
    ascent = _pt_to_px(layout.body_pt) * 0.95
    for index, row in enumerate(layout.rows):
        if index % 2 == 0:
            ax.add_patch(
                Rectangle(
                    (_ROW_LEFT, row.top),
                    WIDTH_PX - _MARGIN / 2 - _ROW_LEFT,
                    row.height,
                    facecolor=ZEBRA,
                    edgecolor="none",
                )
            )
        baseline = row.top + (row.height - len(row.lines) * layout.line_px) / 2 + ascent
        ax.text(
            _DATE_X,
            baseline,
            row.date_label,
            fontsize=layout.body_pt - 1,
            fontweight="bold",
            color=ACCENT,
            family=FONT_FAMILY,
            va="baseline",
        )
        for number, line in enumerate(row.lines):
            ax.text(
                layout.text_x,
                baseline + number * layout.line_px,
                line,
                fontsize=layout.body_pt,
                color=INK,
                family=FONT_FAMILY,
                va="baseline",
                parse_math=False,
            )


def _draw_year_axis(ax: Axes, layout: _TimelineLayout) -> None:
    """Year bands drawn to scale, with a dot per event and a leader line to its row."""
    top, bottom = layout.rows_top, layout.rows[-1].top + layout.rows[-1].height
    first, last = int(layout.rows[0].position), int(layout.rows[-1].position)
    step = _year_step(first, last, bottom - top)
    start, stop = first // step * step, (last // step + 1) * step

    def to_px(year: float) -> float:
        return top + (year - start) / (stop - start) * (bottom - top)

    label_pt = 13 if step == 1 else 11
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
        ax.text(
            _YEAR_RIGHT,
            (y0 + y1) / 2,
            _band_label(band, step),
            fontsize=label_pt,
            fontweight="bold",
            color=INK,
            family=FONT_FAMILY,
            ha="right",
            va="center",
        )
    ascent = _pt_to_px(layout.body_pt) * 0.95
    middle = (_AXIS_LEFT + _AXIS_RIGHT) / 2
    for row in layout.rows:
        first_line = row.top + (row.height - len(row.lines) * layout.line_px) / 2
        anchor = first_line + ascent * 0.62  # roughly the x-height centre of the first line
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
            Circle((middle, dot), 5.5, facecolor="white", edgecolor=INK, linewidth=1.6, zorder=3)
        )


# --------------------------------------------------------------------------- progress

_DAYS = 14
_MAX_TOPICS = 15
_TOPIC_ROW_PX = 66
_TOPIC_LABEL_PX = 330
_TICK_PT = 13
_PANEL_TITLE_PT = 18


@dataclass(frozen=True, slots=True)
class _TopicStat:
    name: str
    accuracy: float
    answered: int


def _daily_window(
    daily_counts: Sequence[tuple[date, int]], end: date | None
) -> list[tuple[date, int]]:
    """The `_DAYS` days up to `end` (default: the latest day given), missing days as 0."""
    if end is None:
        if not daily_counts:
            return []
        end = max(day for day, _ in daily_counts)
    totals: dict[date, int] = {}
    for day, count in daily_counts:
        if count < 0:
            raise ValueError(f"Negative answer count {count} for {day}.")
        totals[day] = totals.get(day, 0) + count
    days = [end - timedelta(days=offset) for offset in range(_DAYS - 1, -1, -1)]
    return [(day, totals.get(day, 0)) for day in days]


def _topic_stats(topic_accuracy: Sequence[tuple[str, float, int]]) -> list[_TopicStat]:
    stats = []
    for name, accuracy, answered in topic_accuracy:
        if not 0.0 <= accuracy <= 1.0:
            raise ValueError(f"Accuracy for {name!r} must be a fraction 0–1, got {accuracy}.")
        if answered < 0:
            raise ValueError(f"Answered count for {name!r} must not be negative.")
        stats.append(_TopicStat(" ".join(name.split()), accuracy, answered))
    return stats


def render_progress(
    daily_counts: Sequence[tuple[date, int]],
    topic_accuracy: Sequence[tuple[str, float, int]],
    *,
    title: str,
    end: date | None = None,
) -> bytes:
    """Two panels: answers per day over the last 14 days, and accuracy per topic.

    `daily_counts` are (day, answers) pairs; days outside the 14-day window ending at
    `end` (default: the latest day given) are ignored and missing days count as 0. Pass
    `end=today` so a student who paused sees the recent empty days. `topic_accuracy` holds
    (topic name, accuracy as a 0–1 fraction, answers given), drawn in the order given;
    beyond 15 topics the rest are summarised in a note.
    """
    days = _daily_window(daily_counts, end)
    topics = _topic_stats(topic_accuracy)
    shown = topics[:_MAX_TOPICS]
    header, daily_h, gap = 120, 400, 150
    topics_h = max(230, _TOPIC_ROW_PX * len(shown))
    height = header + daily_h + gap + topics_h + 70
    fig = _new_figure(height)
    title_lines = _wrap(title, WIDTH_PX - 2 * _MARGIN, 1, lambda s: _Ruler().width(s, 26, "bold"))
    fig.text(
        _MARGIN / WIDTH_PX,
        1 - 62 / height,
        title_lines[0],
        fontsize=26,
        fontweight="bold",
        color=INK,
        family=FONT_FAMILY,
        parse_math=False,
    )
    daily_ax = fig.add_axes(
        _px_rect(95, header + 55, WIDTH_PX - 95 - _MARGIN, daily_h - 55, height)
    )
    _draw_daily(daily_ax, days, had_data=bool(daily_counts))
    topic_ax = fig.add_axes(
        _px_rect(
            _TOPIC_LABEL_PX + 40,
            header + daily_h + gap,
            WIDTH_PX - _TOPIC_LABEL_PX - 40 - _MARGIN - 10,
            topics_h,
            height,
        )
    )
    _draw_topics(topic_ax, shown, hidden=len(topics) - len(shown))
    return _png_bytes(fig)


def _px_rect(
    left: float, top: float, width: float, height: float, fig_height: float
) -> tuple[float, float, float, float]:
    """Figure-fraction rect for an axes given in pixels from the top-left corner."""
    return (left / WIDTH_PX, 1 - (top + height) / fig_height, width / WIDTH_PX, height / fig_height)


def _panel_title(ax: Axes, text: str, x: float = 0.0) -> None:
    ax.set_title(
        text,
        loc="left",
        x=x,
        fontsize=_PANEL_TITLE_PT,
        fontweight="bold",
        color=INK,
        family=FONT_FAMILY,
        pad=18,
    )


def _style_axes(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.tick_params(labelsize=_TICK_PT, labelcolor=MUTED, labelfontfamily=FONT_FAMILY, length=0)
    ax.set_axisbelow(True)


def _empty_panel(ax: Axes, headline: str, hint: str) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_facecolor(ZEBRA)
    ax.text(
        0.5,
        0.56,
        headline,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=22,
        fontweight="bold",
        color=MUTED,
        family=FONT_FAMILY,
    )
    ax.text(
        0.5,
        0.38,
        hint,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=15,
        color=MUTED,
        family=FONT_FAMILY,
    )


def _draw_daily(ax: Axes, days: list[tuple[date, int]], *, had_data: bool) -> None:
    total = sum(count for _, count in days)
    _panel_title(ax, f"Answers per day — last {_DAYS} days", x=-0.07)
    if total == 0:
        headline = "No answers in the last 14 days" if had_data else "No answers yet"
        _empty_panel(ax, headline, "Answer a few quiz questions and your daily count shows here.")
        return
    _style_axes(ax)
    counts = [count for _, count in days]
    positions = range(len(days))
    ax.bar(positions, counts, width=0.68, color=ACCENT)
    for x, count in zip(positions, counts, strict=True):
        if count:
            ax.text(
                x,
                count,
                f"{count}",
                ha="center",
                va="bottom",
                fontsize=_TICK_PT,
                fontweight="bold",
                color=INK,
                family=FONT_FAMILY,
            )
    labels = [f"{WEEKDAYS[d.weekday()]}\n{d.day} {MONTHS[d.month - 1]}" for d, _ in days]
    ax.set_xticks(list(positions), labels)
    ax.set_xlim(-0.6, len(days) - 0.4)
    ax.set_ylim(0, max(counts) * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    ax.yaxis.grid(True, color=GRID, linewidth=1)
    ax.text(
        1.0,
        1.04,
        f"{total} in total",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=_TICK_PT + 1,
        color=MUTED,
        family=FONT_FAMILY,
    )


def _accuracy_colour(accuracy: float) -> str:
    return GOOD if accuracy >= 0.75 else FAIR if accuracy >= 0.5 else WEAK


def _draw_topics(ax: Axes, topics: list[_TopicStat], *, hidden: int) -> None:
    _panel_title(ax, "Accuracy by topic", x=-(_TOPIC_LABEL_PX + 40 - _MARGIN) / ax.bbox.width)
    if not topics:
        _empty_panel(ax, "No answers yet", "Your accuracy for each topic will appear here.")
        return
    _style_axes(ax)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(topics) - 0.5, -0.5)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.grid(True, color=GRID, linewidth=1)
    ruler = _Ruler()
    for row, topic in enumerate(topics):
        _draw_topic_row(ax, row, topic, ruler)
    if hidden:
        ax.text(
            0,
            -0.12,
            f"+ {hidden} more topics not shown",
            transform=ax.transAxes,
            fontsize=_TICK_PT,
            color=MUTED,
            family=FONT_FAMILY,
            va="top",
        )


def _draw_topic_row(ax: Axes, row: int, topic: _TopicStat, ruler: _Ruler) -> None:
    name_lines = _wrap(topic.name, _TOPIC_LABEL_PX - 10, 2, lambda s: ruler.width(s, 14))
    ax.text(
        -0.02,
        row,
        "\n".join(name_lines),
        transform=ax.get_yaxis_transform(),
        ha="right",
        va="center",
        fontsize=14,
        color=INK,
        family=FONT_FAMILY,
        linespacing=1.15,
        parse_math=False,
    )
    ax.barh(row, 100, height=0.62, color=TRACK, zorder=1)
    if topic.answered == 0:
        ax.text(
            2,
            row,
            "not answered yet",
            va="center",
            fontsize=_TICK_PT,
            color=MUTED,
            family=FONT_FAMILY,
            zorder=3,
        )
        return
    percent = topic.accuracy * 100
    ax.barh(row, percent, height=0.62, color=_accuracy_colour(topic.accuracy), zorder=2)
    label = f"{percent:.0f}% · {topic.answered} answered"
    inside = percent >= 55
    ax.text(
        percent - 1.5 if inside else percent + 1.5,
        row,
        label,
        va="center",
        ha="right" if inside else "left",
        fontsize=_TICK_PT,
        fontweight="bold",
        color="white" if inside else INK,
        family=FONT_FAMILY,
        zorder=3,
    )
