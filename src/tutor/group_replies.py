"""What the bot says in class groups: its introduction, a round's start and result, and the
leaderboard (adapter-neutral `Reply` objects; names as the group's settings show them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from tutor.group_results import Leaderboard, RoundResult, Standing
from tutor.replies import Reply
from tutor.store import GroupScore, NameDisplay, QuizSession, SessionStatus

_MEDALS = ("🥇", "🥈", "🥉")


def introduction() -> Reply:
    """What the bot says when it is added to a group."""
    return Reply(
        title="👋 Hello, class! I'm your revision tutor.",
        lines=(
            "/quiz [topic] [n] — a quiz round for everyone: answer my quiz polls; scores go "
            "on the /leaderboard and every answer also counts towards your own /review.",
            "/ask QUESTION — the note card that answers it. /topics — browse them all.",
            "Teachers (group admins): /settings for rounds and names on the leaderboard, "
            "/report for the class's weakest topics, /daily HH:MM for a daily quiz, "
            "/stop to end a round early.",
            "Privacy: I only see commands, replies to my messages and answers to my polls — "
            "never your other messages (Telegram's privacy mode).",
        ),
    )


def round_intro(
    title: str, count: int, state: Mapping[str, Any], left_out: int, requested: int
) -> Reply:
    lines = [
        f"{count} question{plural_s(count)}, {state['open_period']} seconds each. Everyone can "
        "answer: tap an option in each poll.",
        "Every answer also counts towards your own /review. A teacher can /stop the round.",
    ]
    if left_out:
        lines.insert(
            1, "Typed and chronology questions are left out: they are for /quiz in private."
        )
    if count < requested:
        lines.insert(1, f"Only {count} question{plural_s(count)} on this fit a quiz poll.")
    heading = f"🧠 Quiz round: {title}" if title else "🧠 Quiz round!"
    return Reply(title=heading, lines=tuple(lines))


def running_reply(session: QuizSession) -> Reply:
    return Reply(
        lines=(
            f"A round is running (question {session.position + 1} of "
            f"{len(session.question_ids)}) — join in by answering the poll. A new round can "
            "start when this one ends, or when an admin sends /stop.",
        )
    )


def result_reply(result: RoundResult, full_names: Mapping[int, str] | None = None) -> Reply:
    """The round's leaderboard: most correct first, then fastest."""
    stopped = result.status is SessionStatus.STOPPED
    heading = "⏹ Round stopped" if stopped else "🏁 Round over"
    about = f"{result.title}: " if result.title else ""
    lines = [f"{about}{result.asked} of {result.total} questions asked."]
    if not result.standings:
        lines.append("Nobody answered this time. Start another round with /quiz.")
        return Reply(title=heading, lines=tuple(lines))
    if result.display is NameDisplay.ANONYMOUS:
        lines.append(_score_spread(result))
    else:
        shown = result.standings[:ROUND_RESULT_SIZE]
        rows = [_round_row(n, s, result, full_names or {}) for n, s in enumerate(shown)]
        if len(result.standings) > len(shown):
            rows.append(f"…and {len(result.standings) - len(shown)} more.")
        lines.append("\n".join(rows))
    lines.append("Your answers also count towards your own /review. All scores: /leaderboard.")
    return Reply(title=heading, lines=tuple(lines))


def _round_row(
    rank: int, standing: Standing, result: RoundResult, full_names: Mapping[int, str]
) -> str:
    name = _name(standing.user_id, standing.first_name, result.display, full_names)
    speed = (
        f" · {standing.time_ms / standing.correct / 1000:.1f} s a right answer"
        if standing.correct
        else ""
    )
    return f"{_place(rank)} {name} — {standing.correct}/{result.asked}{speed}"


def _score_spread(result: RoundResult) -> str:
    spread = Counter(standing.correct for standing in result.standings)
    parts = [
        f"{correct}/{result.asked}: {count} student{plural_s(count)}"
        for correct, count in sorted(spread.items(), reverse=True)
    ]
    people = len(result.standings)
    return f"{people} student{plural_s(people)} answered (names hidden). " + " · ".join(parts)


def leaderboard_reply(board: Leaderboard, full_names: Mapping[int, str] | None = None) -> Reply:
    """This week's and all-time scores, named as the group chose."""
    if not board.all_time:
        return Reply(lines=("No scores yet — start a round with /quiz.",))
    lines = []
    for label, scores in (("This week", board.week), ("All time", board.all_time)):
        lines.append(f"{label}:\n" + _board_rows(scores, board.display, full_names or {}))
    return Reply(title="🏆 Leaderboard", lines=tuple(lines))


def _board_rows(
    scores: Sequence[GroupScore], display: NameDisplay, full_names: Mapping[int, str]
) -> str:
    if not scores:
        return "No answers yet this week."
    if display is NameDisplay.ANONYMOUS:
        answered = sum(score.answered for score in scores)
        correct = sum(score.correct for score in scores)
        best = scores[0]
        return (
            f"{len(scores)} student{plural_s(len(scores))} · {answered} answers · "
            f"{correct / answered:.0%} correct · best: {best.correct} of {best.answered}"
        )
    shown = scores[:LEADERBOARD_SIZE]
    rows = [
        f"{_place(rank)} {_name(s.user_id, s.first_name, display, full_names)} — "
        f"{s.correct} correct of {s.answered}"
        for rank, s in enumerate(shown)
    ]
    if len(scores) > len(shown):
        rows.append(f"…and {len(scores) - len(shown)} more.")
    return "\n".join(rows)


def names_wanted(display: NameDisplay, user_ids: Sequence[int]) -> list[int]:
    """Whose full names the adapter should look up (only for the FULL display)."""
    if display is not NameDisplay.FULL:
        return []
    return list(dict.fromkeys(user_ids))


def _name(
    user_id: int, first_name: str, display: NameDisplay, full_names: Mapping[int, str]
) -> str:
    if display is NameDisplay.FULL and full_names.get(user_id):
        return full_names[user_id]
    return first_name or "A student"


def _place(rank: int) -> str:
    return _MEDALS[rank] if rank < len(_MEDALS) else f"{rank + 1}."


def plural_s(count: int) -> str:
    return "" if count == 1 else "s"


LEADERBOARD_SIZE = 10


ROUND_RESULT_SIZE = 15
