"""Tests for the off-screen timeline and progress charts."""

from __future__ import annotations

import gc
import io
import re
import struct
import subprocess
import sys
import weakref
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from matplotlib.figure import Figure
from PIL import Image

from tutor import charts
from tutor.charts import (
    DASH,
    MAX_HEIGHT_PX,
    WIDTH_PX,
    drawing,
    format_when,
    parse_year_range,
    render_progress,
    render_timeline,
)
from tutor.model import Event

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TITLE = f"Russia 1917{DASH}1941"

# Deliberately nothing in 1930-1931, so that range is empty but inside the covered years.
RAW_EVENTS = [
    ("1917-10-25", "Bolsheviks seize power in Petrograd"),
    ("1918-03-03", "Treaty of Brest-Litovsk takes Russia out of the First World War"),
    ("1921-03", "Lenin announces the New Economic Policy at the Tenth Party Congress"),
    ("1922-04-03", "Stalin appointed General Secretary"),
    ("1924-01-21", "Lenin dies"),
    ("1924-05", "Lenin's Testament is read to party leaders but kept secret"),
    ("1924", "Stalin announces 'Socialism in One Country'"),
    ("1926", "United Opposition formed by Trotsky, Zinoviev and Kamenev"),
    ("1928-10", "First Five-Year Plan begins"),
    ("1929", "Trotsky expelled from the USSR"),
    ("1929-12", "Stalin calls for the 'liquidation of the kulaks as a class'"),
    ("1932", "Famine in Ukraine and Kazakhstan begins"),
    ("1934-12-01", "Sergei Kirov assassinated in Leningrad"),
    ("1936-08", "First Moscow show trial: Zinoviev and Kamenev"),
    ("1939-08-23", "Nazi-Soviet Pact signed"),
    ("1941-06-22", "Germany invades the Soviet Union"),
]
EVENTS = [Event(when, what, "card", "deck") for when, what in RAW_EVENTS]


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first in a PNG."""
    assert data[:8] == PNG_SIGNATURE
    length, kind, width, height = struct.unpack(">I4sII", data[8:24])
    assert kind == b"IHDR" and length == 13
    return width, height


def assert_sensible_png(data: bytes, *, min_height: int = 300) -> None:
    width, height = png_size(data)
    assert width == WIDTH_PX
    assert min_height <= height <= MAX_HEIGHT_PX
    assert 5_000 < len(data) < 1_000_000


def many_events(count: int, length: int = 120) -> list[Event]:
    text = ("Long description of diplomatic crises, reforms and uprisings across Europe " * 3)[
        :length
    ]
    return [
        Event(f"{1850 + i * 2}-{i % 12 + 1:02d}-{i % 28 + 1:02d}", text, "c", "d")
        for i in range(count)
    ]


# --------------------------------------------------------------------------- timeline


def test_timeline_is_a_sensible_png() -> None:
    assert_sensible_png(render_timeline(EVENTS, title=TITLE))


def test_timeline_is_deterministic() -> None:
    assert render_timeline(EVENTS, title=TITLE) == render_timeline(EVENTS, title=TITLE)


@pytest.mark.parametrize(("start", "end"), [(1924, 1929), (1924, 1924), (1917, 1917), (1939, 1941)])
def test_timeline_filters_the_inclusive_year_range(start: int, end: int) -> None:
    """Rendering a range draws exactly what rendering only the in-range events draws."""
    inside = [e for e in EVENTS if start <= e.year <= end]
    filtered = render_timeline(EVENTS, title=TITLE, start_year=start, end_year=end)
    assert filtered == render_timeline(inside, title=TITLE, start_year=start, end_year=end)
    assert filtered != render_timeline(EVENTS, title=TITLE)


def test_timeline_accepts_events_in_any_order() -> None:
    assert render_timeline(EVENTS[::-1], title=TITLE) == render_timeline(EVENTS, title=TITLE)


def test_empty_range_explains_what_the_timeline_covers() -> None:
    message = f"No events between 1930 and 1931 — the timeline covers 1917{DASH}1941."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        render_timeline(EVENTS, title=TITLE, start_year=1930, end_year=1931)


def test_empty_single_year_reads_naturally() -> None:
    message = f"No events in 1930 — the timeline covers 1917{DASH}1941."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        render_timeline(EVENTS, title=TITLE, start_year=1930, end_year=1930)


def test_timeline_without_events_or_with_reversed_range_raises() -> None:
    with pytest.raises(ValueError, match="no dated events"):
        render_timeline([], title=TITLE)
    with pytest.raises(ValueError, match="1929 comes after 1924"):
        render_timeline(EVENTS, title=TITLE, start_year=1929, end_year=1924)


@pytest.mark.parametrize("count", [1, 2, 30, 40])
def test_timeline_size_stays_within_bounds(count: int) -> None:
    assert_sensible_png(render_timeline(many_events(count), title=TITLE))


def test_timeline_with_very_long_labels_and_title_stays_within_bounds() -> None:
    events = many_events(40, length=400)
    assert_sensible_png(render_timeline(events, title="A very long deck title " * 10))


def test_timeline_with_too_many_events_asks_for_a_shorter_range() -> None:
    with pytest.raises(ValueError, match="too many to draw legibly"):
        render_timeline(many_events(150), title=TITLE)


def test_timeline_draws_dollar_signs_literally() -> None:
    """`$\\frac{` would be a mathtext syntax error if it were parsed."""
    events = [Event("1924", r"Costs rise to $\frac{ and beyond $", "c", "d")]
    assert_sensible_png(render_timeline(events, title=r"$\frac{ title"))


def test_timeline_spanning_centuries_renders() -> None:
    years = (1066, 1215, 1348, 1485, 1534, 1642, 1688, 1707, 1832, 1914, 1945)
    events = [Event(str(year), f"Event in {year}", "c", "d") for year in years]
    assert_sensible_png(render_timeline(events, title="Britain"))


@pytest.mark.parametrize(
    ("when", "label"),
    [
        ("1924", "1924"),
        ("1924-01", "Jan 1924"),
        ("1924-12", "Dec 1924"),
        ("1924-01-21", "21 Jan 1924"),
        ("1924-03-05", "5 Mar 1924"),
    ],
)
def test_format_when(when: str, label: str) -> None:
    assert format_when(when) == label


# --------------------------------------------------------------------------- year range


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], (1917, 1941)),
        ([""], (1917, 1941)),
        (["1924", "1929"], (1924, 1929)),
        (["1924-1929"], (1924, 1929)),
        ([f"1924{DASH}1929"], (1924, 1929)),
        (["1924\u20141929"], (1924, 1929)),
        (["1924", "-", "1929"], (1924, 1929)),
        (["1924", "to", "1929"], (1924, 1929)),
        (["1924"], (1924, 1924)),
        (["1930"], (1930, 1930)),
        (["1917", "1941"], (1917, 1941)),
        (["1900", "1925"], (1917, 1925)),
        (["1935", "1999"], (1935, 1941)),
    ],
)
def test_parse_year_range_accepts(args: list[str], expected: tuple[int, int]) -> None:
    assert parse_year_range(args, EVENTS) == expected


def test_parse_year_range_swaps_a_reversed_range() -> None:
    assert parse_year_range(["1929", "1924"], EVENTS) == (1924, 1929)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["abc"], "couldn't read “abc” as years"),
        (["1924", "1925", "1926"], "couldn't read"),
        (["1924-"], "couldn't read"),
        (["24"], "couldn't read"),
        (["19245"], "couldn't read"),
        (["-1924"], "couldn't read"),
        (["1924.5"], "couldn't read"),
        (["1800"], f"1800 is outside the timeline, which covers 1917{DASH}1941"),
        (["1950", "1960"], f"1950{DASH}1960 is outside the timeline"),
    ],
)
def test_parse_year_range_rejects(args: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_year_range(args, EVENTS)


def test_parse_year_range_without_events() -> None:
    with pytest.raises(ValueError, match="no dated events"):
        parse_year_range(["1924"], [])


# --------------------------------------------------------------------------- progress

END = date(2025, 3, 14)
DAILY = [(END - timedelta(days=i), count) for i, count in enumerate([12, 0, 5, 22, 8, 3, 9])]
TOPICS = [
    ("Lenin's death and the power struggle", 0.82, 34),
    ("Defeat of the Left", 0.55, 20),
    ("Five-Year Plans", 1.0, 5),
    ("Show trials", 0.0, 4),
    ("Foreign policy", 0.0, 0),
]


def test_progress_is_a_sensible_png() -> None:
    assert_sensible_png(render_progress(DAILY, TOPICS, title="Your progress", end=END))


def test_progress_is_deterministic() -> None:
    first = render_progress(DAILY, TOPICS, title="Your progress", end=END)
    assert first == render_progress(DAILY, TOPICS, title="Your progress", end=END)


def test_progress_with_no_data_shows_a_friendly_panel() -> None:
    assert_sensible_png(render_progress([], [], title="Your progress"))


def test_progress_with_only_old_answers_renders() -> None:
    old = [(END - timedelta(days=40), 7)]
    assert_sensible_png(render_progress(old, TOPICS, title="Your progress", end=END))


def test_progress_window_ignores_days_outside_the_last_14() -> None:
    older = [*DAILY, (END - timedelta(days=14), 50), (END + timedelta(days=1), 50)]
    expected = render_progress(DAILY, TOPICS, title="Your progress", end=END)
    assert render_progress(older, TOPICS, title="Your progress", end=END) == expected


def test_progress_with_long_and_many_topic_names_stays_within_bounds() -> None:
    name = "Collectivisation, the famine and the liquidation of the kulaks as a class " * 3
    topics = [(f"{i} {name}", i / 30, i) for i in range(30)]
    assert_sensible_png(render_progress(DAILY, topics, title="Progress " * 20, end=END))


@pytest.mark.parametrize(
    ("daily", "topics"),
    [([], [("Topic", 1.5, 3)]), ([], [("Topic", -0.1, 3)]), ([], [("T", 0.5, -1)])],
)
def test_progress_rejects_invalid_numbers(daily: list, topics: list) -> None:
    with pytest.raises(ValueError):
        render_progress(daily, topics, title="Your progress")


def test_progress_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="Negative"):
        render_progress([(END, -1)], [], title="Your progress")


# --------------------------------------------------------------------------- isolation


def test_rendering_is_thread_safe() -> None:
    def render(_: int) -> tuple[bytes, bytes]:
        timeline = render_timeline(EVENTS, title=TITLE)
        return timeline, render_progress(DAILY, TOPICS, title="Your progress", end=END)

    serial = render(0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(render, range(4)))
    assert all(result == serial for result in results)


def test_charts_import_neither_telegram_nor_pyplot() -> None:
    code = (
        "import sys\n"
        "from tutor.charts import render_timeline, render_progress\n"
        "from tutor.model import Event\n"
        "render_timeline([Event('1924', 'Lenin dies', 'c', 'd')], title='t')\n"
        "render_progress([], [], title='t')\n"
        "leaked = [m for m in ('telegram', 'matplotlib.pyplot') if m in sys.modules]\n"
        "assert not leaked, leaked\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_figures_are_not_kept_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing (such as pyplot's registry) holds on to a figure once its bytes are returned."""
    created: list[weakref.ref[Figure]] = []
    new_figure = drawing.new_figure

    def tracking_new_figure(height_px: float) -> Figure:
        figure = new_figure(height_px)
        created.append(weakref.ref(figure))
        return figure

    monkeypatch.setattr(drawing, "new_figure", tracking_new_figure)
    render_timeline(EVENTS, title=TITLE)
    render_progress(DAILY, TOPICS, title="Your progress", end=END)
    gc.collect()
    assert len(created) == 2
    assert all(ref() is None for ref in created)


# --------------------------------------------------------------------------- what is drawn


def pixels(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    value = int(colour.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def columns_of(image: Image.Image, colour: str) -> dict[int, int]:
    """x -> how many pixels of exactly `colour` that column has."""
    wanted = rgb(colour)
    counts: dict[int, int] = {}
    width, height = image.size
    data = image.load()
    for x in range(width):
        n = sum(1 for y in range(height) if data[x, y] == wanted)
        if n:
            counts[x] = n
    return counts


def bars(counts: dict[int, int]) -> list[int]:
    """Heights of the runs of adjacent columns (one run per bar), left to right."""
    heights: list[int] = []
    previous = None
    for x in sorted(counts):
        if previous is None or x != previous + 1:
            heights.append(0)
        heights[-1] = max(heights[-1], counts[x])
        previous = x
    return heights


def drawn_text(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every string the charts write, recorded as they are drawn."""
    seen: list[str] = []
    original = drawing.text

    def recording(ax: object, x: float, y: float, text: str, size: float, **style: object) -> None:
        seen.append(text)
        original(ax, x, y, text, size, **style)  # type: ignore[arg-type]

    monkeypatch.setattr(drawing, "text", recording)
    return seen


def test_progress_bars_are_as_tall_as_their_counts() -> None:
    """One blue bar per day with answers, heights in proportion to the day's count."""
    image = pixels(render_progress(DAILY, TOPICS, title="Your progress", end=END))
    heights = bars(columns_of(image, charts.ACCENT))
    oldest_first = [count for _, count in sorted(DAILY) if count]
    assert len(heights) == len(oldest_first)
    tallest = max(heights)
    for height, count in zip(heights, oldest_first, strict=True):
        assert height == pytest.approx(tallest * count / max(oldest_first), abs=2)


def test_progress_topic_bars_take_the_colour_of_their_accuracy() -> None:
    image = pixels(render_progress(DAILY, TOPICS, title="Your progress", end=END))
    good, fair = columns_of(image, charts.GOOD), columns_of(image, charts.FAIR)
    assert good and fair  # 82 % and 100 % are good, 55 % is fair
    assert columns_of(image, charts.WEAK) == {}  # 0 % draws no bar at all
    # The 100 % bar runs further right than the 55 % one.
    assert max(good) > max(fair)
    only_fair = render_progress(DAILY, [("Defeat of the Left", 0.55, 20)], title="t", end=END)
    assert columns_of(pixels(only_fair), charts.GOOD) == {}


def test_progress_writes_its_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = drawn_text(monkeypatch)
    render_progress(DAILY, TOPICS, title="Your progress", end=END)
    assert f"{sum(count for _, count in DAILY)} in total" in seen
    assert {"12", "5", "22", "8", "3", "9"} <= set(seen)
    assert "82% · 34 answered" in seen and "55% · 20 answered" in seen
    assert "not answered yet" in seen  # "Foreign policy" has no answers


def test_timeline_writes_every_event_and_the_title(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = drawn_text(monkeypatch)
    render_timeline(EVENTS, title=TITLE, start_year=1924, end_year=1929)
    written = "\n".join(seen)
    inside = [what for when, what in RAW_EVENTS if 1924 <= int(when[:4]) <= 1929]
    for what in inside:
        assert what.split()[0] in written and what.split()[-1] in written, what
    assert "Germany invades the Soviet Union" not in written
    assert any(TITLE in text for text in seen)
