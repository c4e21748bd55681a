"""The progress chart (/stats): answers per day over the last two weeks, and accuracy per
topic, weakest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from tutor.charts import drawing
from tutor.charts.drawing import (
    ACCENT,
    DASH,
    FAIR,
    FONT_FAMILY,
    GOOD,
    GRID,
    INK,
    MONTHS,
    MUTED,
    TRACK,
    WEAK,
    WEEKDAYS,
    WIDTH_PX,
    ZEBRA,
)

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
    fig = drawing.new_figure(topics_top + topics_h + (90 if shown else 40) + (30 if hidden else 0))
    canvas = drawing.canvas_axes(fig)
    heading = drawing.Ruler().wrap(title, WIDTH_PX - 2 * drawing.MARGIN, 1, 26, "bold")[0]
    drawing.text(canvas, drawing.MARGIN, 64, heading, 26, fontweight="bold", va="baseline")
    _panel_title(canvas, daily_top - 50, f"Answers per day {DASH} last {_DAYS} days")
    _draw_daily(fig, canvas, days, daily_top, daily_h, had_data=bool(daily_counts))
    _panel_title(canvas, topics_title, "Accuracy by topic")
    _draw_topics(fig, shown, topics_top, topics_h)
    if hidden:
        note = f"+ {hidden} more topic{'s' if hidden > 1 else ''} not shown"
        drawing.text(
            canvas, drawing.MARGIN, topics_top + topics_h + 82, note, _TICK_PT + 1, color=MUTED
        )
    return drawing.png_bytes(fig)


def _panel_title(canvas: Axes, baseline: float, text: str) -> None:
    drawing.text(
        canvas, drawing.MARGIN, baseline, text, _PANEL_TITLE_PT, fontweight="bold", va="baseline"
    )


def _style_axes(ax: Axes) -> None:
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(GRID)
    ax.tick_params(labelsize=_TICK_PT, labelcolor=MUTED, labelfontfamily=FONT_FAMILY, length=0)
    ax.set_axisbelow(True)


def _empty_panel(fig: Figure, top: float, headline: str, hint: str) -> None:
    ax = drawing.pixel_axes(
        fig, drawing.MARGIN, top, WIDTH_PX - 2 * drawing.MARGIN, _EMPTY_PANEL_PX
    )
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, facecolor=ZEBRA))
    drawing.text(
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
    drawing.text(
        ax, 0.5, 0.36, hint, 15, color=MUTED, ha="center", va="center", transform=ax.transAxes
    )


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
    drawing.text(
        canvas,
        WIDTH_PX - drawing.MARGIN,
        top - 50,
        f"{sum(counts)} in total",
        _TICK_PT + 1,
        color=MUTED,
        ha="right",
        va="baseline",
    )
    ax = drawing.pixel_axes(fig, 80, top, WIDTH_PX - 80 - drawing.MARGIN, height)
    _style_axes(ax)
    positions = list(range(len(days)))
    ax.bar(positions, counts, width=0.68, color=ACCENT)
    for x, count in zip(positions, counts, strict=True):
        if count:
            drawing.text(
                ax, x, count, str(count), _TICK_PT, fontweight="bold", ha="center", va="bottom"
            )
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
    left = drawing.MARGIN + _TOPIC_LABEL_PX + 12
    ax = drawing.pixel_axes(fig, left, top, WIDTH_PX - left - drawing.MARGIN - 12, height)
    _style_axes(ax)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(topics) - 0.5, -0.5)
    ax.set_yticks([])
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.xaxis.grid(True, color=GRID, linewidth=1)
    ruler = drawing.Ruler()
    for row, topic in enumerate(topics):
        _draw_topic_row(ax, row, topic, ruler)


def _draw_topic_row(ax: Axes, row: int, topic: _TopicStat, ruler: drawing.Ruler) -> None:
    name = "\n".join(ruler.wrap(topic.name, _TOPIC_LABEL_PX, 2, 14))
    drawing.text(
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
        drawing.text(ax, 2, row, "not answered yet", _TICK_PT, color=MUTED, va="center", zorder=3)
        return
    percent = topic.accuracy * 100
    ax.barh(row, percent, height=0.62, color=_accuracy_colour(topic.accuracy), zorder=2)
    label = f"{percent:.0f}% · {topic.answered} answered"
    inside = percent >= 55
    drawing.text(
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
