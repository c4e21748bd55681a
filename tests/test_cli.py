"""The `tutor` command: ask, ask --json -, check, and its errors and exit codes."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutor import cli
from tutor.config import SETTINGS
from tutor.content import load_library
from tutor.model import Library
from tutor.render import card_plain, card_text

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
BROKEN = ROOT / "tests" / "data" / "broken"
VALID = ROOT / "tests" / "data" / "valid"
TUTOR = Path(sys.executable).parent / "tutor"
FUNERAL = "why did trotsky miss lenins funeral"
NONSENSE = "xyzzy plugh frobozz"
JSON_KEYS = {
    "question",
    "card",
    "score",
    "confident",
    "alternatives",
    "suggested_topics",
    "nearest",
    "other_subjects",
    "topic",
    "small_talk",
}
# Gets no card, but "Why Trotsky was unpopular" comes closest (over NEAR_SHARE of the cutoff).
NEAR_MISS = "did literally everyone hate trotsky tho"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TUTOR_* / TELEGRAM_* settings and no .env: the bundled content is used."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.env, raising=False)
    monkeypatch.chdir(tmp_path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def feed(monkeypatch: pytest.MonkeyPatch, data: str | bytes) -> None:
    if isinstance(data, bytes):  # like the real stdin: a strict UTF-8 text wrapper
        stream: io.TextIOBase = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="\n")
    else:
        stream = io.StringIO(data)
    monkeypatch.setattr(sys, "stdin", stream)


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def assert_answer_shape(item: dict[str, object]) -> None:
    assert set(item) == JSON_KEYS
    assert isinstance(item["question"], str)
    assert isinstance(item["score"], float)
    assert isinstance(item["alternatives"], list)
    assert isinstance(item["suggested_topics"], list)
    for hit in [*item["alternatives"], *item["nearest"]]:
        assert set(hit) == {"id", "title", "score"}
        assert isinstance(hit["score"], float)
    card = item["card"]
    if card is None:
        assert item["score"] == 0.0
        assert item["alternatives"] == []
        assert item["suggested_topics"] or item["other_subjects"]
        assert all(isinstance(topic, str) and topic for topic in item["suggested_topics"])
    else:
        assert item["nearest"] == []
        assert isinstance(card, dict)
        assert set(card) == {"id", "title", "text", "topic"}
        assert all(isinstance(value, str) and value for value in card.values())
        assert item["score"] > 0


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CONTENT])


# --- ask ----------------------------------------------------------------------------------


def test_ask_prints_the_funeral_card(capsys: pytest.CaptureFixture[str], library: Library) -> None:
    code, out, err = run(capsys, "ask", *FUNERAL.split())
    assert code == 0
    assert err == ""
    title = out.splitlines()[0]
    assert "funeral" in title.lower()
    card = next(card for card in library.cards.values() if card.title == title)
    assert out.startswith(card_plain(card, library))
    assert "Common mistake:" in out


def test_ask_one_quoted_question_is_the_same_as_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "ask", FUNERAL) == run(capsys, "ask", *FUNERAL.split())


def test_ask_with_no_match_suggests_topics(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", NONSENSE)
    assert code == 0
    assert out.startswith("Sorry, I don't have a note on that.")
    assert "  • " in out


def test_ask_with_no_match_lists_the_closest_notes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", NEAR_MISS)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Sorry, I don't have a note on that. These notes come closest:"
    assert lines[1] == "  • Why Trotsky was unpopular"
    assert "Try rephrasing, or look at one of these topics:" in lines
    _, out, _ = run(capsys, "ask", "--json", NEAR_MISS)
    (item,) = json_lines(out)
    assert_answer_shape(item)
    assert item["card"] is None
    assert item["nearest"][0]["id"] == "trotsky-unpopular"  # type: ignore[index]
    _, out, _ = run(capsys, "ask", "--json", NONSENSE)
    assert json_lines(out)[0]["nearest"] == []


def test_ask_a_topic_title_lists_the_topic(capsys: pytest.CaptureFixture[str]) -> None:
    """A question that is a topic's title gets that topic's notes, not "no note"."""
    code, out, _ = run(capsys, "ask", "sources and exam skills")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Sources and exam skills: the notes of this topic"
    assert len(lines) > 2 and all(line.startswith("  • ") for line in lines[1:])
    _, out, _ = run(capsys, "ask", "--json", "Sources and exam skills?")
    (item,) = json_lines(out)
    assert_answer_shape(item)
    assert item["card"] is None
    assert item["topic"] == {"id": "sources-skills", "title": "Sources and exam skills"}


def test_ask_a_near_tie_lists_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    decks = Path(__file__).resolve().parent / "data" / "chooser"
    code, out, _ = run(capsys, "--content", str(decks), "ask", "what is osmosis")
    assert code == 0
    first, *choices = out.splitlines()
    assert first == "Which did you mean? (close scores; the first is the best guess)"
    assert sorted(choice[5:] for choice in choices) == [
        "Osmosis in guard cells (Water in plants · Plant transport)",
        "Osmosis in root hairs (Water in plants · Plant transport)",
    ]
    assert [choice[:5] for choice in choices] == ["  1. ", "  2. "]


def test_ask_json_one_object_per_stdin_line_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, library: Library
) -> None:
    questions = [FUNERAL, NONSENSE, "five year plans", "who was Trotsky", FUNERAL.upper()]
    feed(monkeypatch, "\n".join(questions) + "\n")
    code, out, err = run(capsys, "ask", "--json", "-")
    assert code == 0
    assert err == ""
    items = json_lines(out)
    assert [item["question"] for item in items] == questions
    for item in items:
        assert_answer_shape(item)

    funeral = items[0]["card"]
    assert isinstance(funeral, dict)
    assert "funeral" in funeral["title"].lower()
    card = library.cards[funeral["id"]]
    assert funeral["title"] == card.title
    assert funeral["topic"] == card.topic_id
    assert funeral["text"] == card_text(card, library)
    assert items[4]["card"] == funeral  # case does not matter

    assert items[1]["card"] is None
    topic_titles = {topic.title for topic in library.topics.values()}
    assert set(items[1]["suggested_topics"]) <= topic_titles
    assert items[2]["card"] is not None


def test_ask_answers_chit_chat_as_the_bot_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "whats ur name" is who-are-you chit-chat, not a question for the matcher: no card,
    and `small_talk` says which kind (null for a question)."""
    feed(monkeypatch, f"whats ur name\n{FUNERAL}\n")
    code, out, _ = run(capsys, "ask", "--json", "-")
    assert code == 0
    chat, question = json_lines(out)
    assert chat["card"] is None and chat["small_talk"] == "identity"
    assert chat["question"] == "whats ur name"
    assert question["card"] is not None and question["small_talk"] is None
    code, out, _ = run(capsys, "ask", "thanks!")
    assert code == 0 and out.startswith("You're welcome!")
    code, out, _ = run(capsys, "ask", "--json", "im so stressed for my mock tmrw 😭")
    assert code == 0 and json_lines(out)[0]["small_talk"] == "worry"
    code, out, _ = run(capsys, "ask", "im so stressed for my mock tmrw")
    assert code == 0 and out.startswith("Exams are stressful")


def test_ask_a_question_for_a_subject_no_deck_is_of(capsys: pytest.CaptureFixture[str]) -> None:
    """ "for physics, …" to the History deck: no card, and which subjects the notes are for."""
    question = "for physics, how do i work out kinetic energy"
    code, out, _ = run(capsys, "ask", "--json", question)
    [item] = json_lines(out)
    assert code == 0 and item["card"] is None and item["other_subjects"] == ["physics"]
    code, out, _ = run(capsys, "ask", question)
    assert code == 0
    assert out.startswith("Sorry — I don't have Physics notes here: mine are for History.")


def test_ask_json_with_a_question_in_argv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "--json", FUNERAL)
    assert code == 0
    [item] = json_lines(out)
    assert item["question"] == FUNERAL
    assert_answer_shape(item)
    assert item["card"] is not None


def test_ask_plain_from_stdin_separates_answers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed(monkeypatch, f"{FUNERAL}\n{NONSENSE}\n")
    code, out, _ = run(capsys, "ask", "-")
    assert code == 0
    assert out.count("-" * 40) == 2
    assert "Sorry, I don't have a note on that." in out


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("", id="no-input"),
        pytest.param("\n\n\n", id="blank-lines"),
        pytest.param("   \n\t\n" + FUNERAL + "\n\n", id="blank-around-a-question"),
        pytest.param(FUNERAL, id="no-final-newline"),
        pytest.param(f"{FUNERAL}\r\n{NONSENSE}\r\n", id="crlf"),
        pytest.param("trotsky " * 20000 + "\n" + FUNERAL + "\n", id="very-long-line"),
        pytest.param("".join(chr(c) for c in range(1, 0x2000) if c != 10) + "\n", id="every-char"),
        pytest.param("\x00\x01\x1b[31mred\x7f\rcarriage\x0b\x0c\x1c\u2028\u2029x\n", id="controls"),
        pytest.param("😀" * 5000 + "\n\u202e\u200b\ufeff\n", id="emoji-and-format-chars"),
        pytest.param("a\x85b\u2028c\u2029d\x1ce\n" + FUNERAL + "\n", id="unicode-line-breaks"),
        pytest.param(b"bad \xff\xfe utf-8 \xc3\n" + FUNERAL.encode() + b"\n", id="invalid-utf8"),
        pytest.param(bytes(range(256)).replace(b"\n", b"") * 50 + b"\n\n", id="binary"),
    ],
)
def test_ask_json_survives_odd_input_one_line_per_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: str | bytes
) -> None:
    feed(monkeypatch, data)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    expected = text.split("\n")
    if expected[-1] == "":
        expected.pop()
    code, out, err = run(capsys, "ask", "--json", "-")
    assert code == 0, err
    items = json_lines(out)
    assert len(items) == len(expected)
    for item, line in zip(items, expected, strict=True):
        assert item["question"] == line.removesuffix("\r")
        assert_answer_shape(item)
    assert all(line.startswith("{") for line in out.splitlines())


# --- check --------------------------------------------------------------------------------


def test_check_the_bundled_content(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check")
    assert code == 0
    assert err == ""
    assert re.fullmatch(
        r"OK: \d+ deck\(s\), \d+ cards, \d+ topics, \d+ quiz questions, \d+ events\.\n", out
    )


def test_check_valid_paths(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(VALID / "atoms.yaml"), str(VALID))
    assert code == 0
    assert out.startswith("OK: 2 deck(s), ")


BROKEN_FIXTURES = sorted(path.name for path in BROKEN.glob("*.yaml"))
PROBLEM = re.compile(r"(?P<path>.+?):(?P<line>\d+): (?P<message>\S.*)")


@pytest.mark.parametrize("name", BROKEN_FIXTURES)
def test_check_a_broken_deck_reports_file_line_message(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = BROKEN / name
    code, out, err = run(capsys, "check", str(path))
    assert code == 1
    assert out == ""
    *problems, summary = err.splitlines()
    assert problems
    assert summary == f"{len(problems)} problem(s) found."
    for problem in problems:
        match = PROBLEM.fullmatch(problem)
        assert match, problem
        assert match["path"] == str(path)


def test_check_problems_across_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", str(BROKEN / "across"))
    assert code == 1
    problems = err.splitlines()[:-1]
    assert problems
    assert all(PROBLEM.fullmatch(problem) for problem in problems)


def test_check_a_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-deck.yaml"
    code, out, err = run(capsys, "check", str(VALID), str(missing))
    assert code == 1
    assert out == ""
    assert err == f"{missing}: no such file or folder\n"


def test_check_a_folder_without_decks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert f"{tmp_path}:0: " in err


# --- --content, settings and usage --------------------------------------------------------


def test_ask_with_broken_content_lists_the_problems(capsys: pytest.CaptureFixture[str]) -> None:
    path = BROKEN / "bad-slug.yaml"
    code, out, err = run(capsys, "--content", str(path), "ask", "anything")
    assert code == 1
    assert out == ""
    assert err.startswith("tutor: the content has errors")
    assert re.search(rf"^{re.escape(str(path))}:\d+: ", err, re.MULTILINE)


def test_ask_with_missing_content(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--content", str(tmp_path / "nowhere"), "ask", "anything")
    assert code == 1
    assert "nowhere" in err


def test_content_comes_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_CONTENT_DIR", str(VALID))
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert out.startswith("OK: 2 deck(s), ")


def test_a_bad_setting_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTOR_LOG_LEVEL", "shouty")
    code, out, err = run(capsys, "ask", FUNERAL)
    assert code == 2
    assert out == ""
    assert err.startswith("tutor: TUTOR_LOG_LEVEL ")


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        ([], "required: COMMAND"),
        (["ask"], "required: question"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["ask", "--nope", "x"], "unrecognized arguments: --nope"),
        (["check", "--json"], "unrecognized arguments: --json"),
        (["--content"], "expected one argument"),
    ],
)
def test_bad_arguments_exit_2_with_usage(
    capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: tutor")
    assert complaint in err


def test_help_mentions_the_commands_and_every_variable(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tutor")
    assert "ask" in out
    assert "check" in out
    for setting in SETTINGS:
        assert setting.env in out


# --- The installed command ----------------------------------------------------------------

needs_script = pytest.mark.skipif(not TUTOR.exists(), reason=f"{TUTOR} is not installed")


def subprocess_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env["PYTHONIOENCODING"] = "utf-8"  # strict: an undecodable byte must not crash
    return env


@needs_script
def test_the_tutor_script_answers_from_stdin(tmp_path: Path) -> None:
    data = (FUNERAL + "\n\n" + NONSENSE + "\r\n").encode() + b"\xff\xfe\x00 binary\n"
    result = subprocess.run(
        [str(TUTOR), "ask", "--json", "-"],
        input=data,
        capture_output=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    items = json_lines(result.stdout.decode("utf-8"))  # valid UTF-8 out, whatever came in
    questions = [FUNERAL, "", NONSENSE, "\ufffd\ufffd\x00 binary"]
    assert [item["question"] for item in items] == questions
    assert items[0]["card"] is not None
    assert items[2]["card"] is None


@needs_script
def test_the_tutor_script_ask_and_usage(tmp_path: Path) -> None:
    ask = subprocess.run(
        [str(TUTOR), "ask", FUNERAL],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert ask.returncode == 0
    assert "funeral" in ask.stdout.splitlines()[0].lower()
    usage = subprocess.run(
        [str(TUTOR)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert usage.returncode == 2
    assert usage.stderr.startswith("usage: tutor")


@needs_script
def test_the_tutor_script_stops_quietly_when_the_reader_goes(tmp_path: Path) -> None:
    """`tutor ask --json - < questions | head -1` must not end in a BrokenPipeError."""
    process = subprocess.Popen(
        [str(TUTOR), "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=subprocess_env(),
    )
    assert process.stdin and process.stdout and process.stderr
    process.stdin.write((FUNERAL + "\n").encode() * 2000)
    process.stdin.close()
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    process.wait(timeout=60)
    assert json.loads(first)["question"] == FUNERAL
    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert process.returncode == 1


def test_export_of_a_user_that_is_not_stored_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    code, out, err = run(capsys, "export", "--user", "999999")
    assert (code, out) == (1, "")
    assert err == "tutor: no user 999999 is stored (nothing to export)\n"


def test_export_of_a_stored_user_prints_their_rows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from tutor.store import Store, sqlite_url

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data_dir))

    async def store_ann() -> None:
        store = await Store.open(sqlite_url(data_dir / "tutor.sqlite3"))
        await store.upsert_user(4242, first_name="Ann", username=None, now=datetime.now(UTC))
        await store.close()

    import asyncio

    asyncio.run(store_ann())
    code, out, err = run(capsys, "export", "--user", "4242")
    assert (code, err) == (0, "")
    assert [user["first_name"] for user in json.loads(out)["users"]] == ["Ann"]
