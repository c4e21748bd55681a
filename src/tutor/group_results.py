"""What group rounds hand the adapters: the poll to post, how long to wait, a round's result
and the leaderboard (plain data; the wording is `tutor.group_replies`', the rounds
`tutor.groups`')."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tutor.replies import Reply
from tutor.store import GroupPoll, GroupScore, NameDisplay, SessionStatus


@dataclass(frozen=True, slots=True)
class RoundTiming:
    """When a round moves on."""

    grace_seconds: float = 2.0
    """After a poll closes, wait this long for answers still on their way."""
    question_seconds: float | None = None
    """Move on after this many seconds instead of the poll's open period (for tests)."""
    abandon_after: timedelta = timedelta(minutes=10)
    """A round overdue by more than this (the bot was down) is closed, not continued."""
    poll_claim_lease: timedelta = timedelta(minutes=1)
    """A poll claimed this long ago and still not recorded was being posted by a process
    that died: the round moves on rather than risk posting it twice."""
    claim_wait_seconds: float = 1.0
    """How soon to look again while another process is posting the poll."""


@dataclass(frozen=True, slots=True)
class PollQuestion:
    """A round question as the adapter posts it: a non-anonymous Telegram quiz poll."""

    session_id: int
    chat_id: int
    position: int
    total: int
    question_id: str
    question: str
    options: tuple[str, ...]
    option_order: tuple[int, ...]
    correct_option: int
    explanation: str
    open_period: int


@dataclass(frozen=True, slots=True)
class Ask:
    poll: PollQuestion


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    first_name: str
    correct: int
    answered: int
    time_ms: int
    """Summed response time of the correct answers: the tie-break."""


@dataclass(frozen=True, slots=True)
class RoundResult:
    session_id: int
    chat_id: int
    status: SessionStatus
    title: str
    asked: int
    total: int
    standings: tuple[Standing, ...]
    """Best first: most correct, then fastest."""
    display: NameDisplay


@dataclass(frozen=True, slots=True)
class RoundOver:
    result: RoundResult
    open_poll: GroupPoll | None = None
    """The poll still open when the round was stopped early (the adapter closes it)."""


@dataclass(frozen=True, slots=True)
class RoundStarted:
    session_id: int
    intro: Reply


@dataclass(frozen=True, slots=True)
class Leaderboard:
    week: tuple[GroupScore, ...]
    all_time: tuple[GroupScore, ...]
    display: NameDisplay


Step = Ask | Wait | RoundOver | None
