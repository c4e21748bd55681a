"""PNG charts for the timeline and progress commands, drawn off-screen for a phone.

Everything goes through a private :class:`~matplotlib.figure.Figure` with an Agg canvas:
pyplot's global figure registry is never touched, so charts can be rendered from worker
threads and nothing is left behind once the bytes are returned. Styling is passed to each
artist explicitly rather than through ``rcParams``/``rc_context``, which are process-global.

User-supplied text is drawn with ``parse_math=False`` so a "$" in an event or topic name
shows literally instead of being parsed as mathtext.
"""

from tutor.charts.drawing import (
    ACCENT,
    DASH,
    FAIR,
    GOOD,
    MAX_HEIGHT_PX,
    WEAK,
    WIDTH_PX,
)
from tutor.charts.progress import render_progress
from tutor.charts.timeline import format_when, parse_year_range, render_timeline

__all__ = [
    "ACCENT",
    "DASH",
    "FAIR",
    "GOOD",
    "MAX_HEIGHT_PX",
    "WEAK",
    "WIDTH_PX",
    "format_when",
    "parse_year_range",
    "render_progress",
    "render_timeline",
]
