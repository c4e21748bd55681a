"""The content-gap log: questions the deck could not answer, for the teachers' dashboard.

A row holds the question's text, the deck and a card (the card a student marked 👎 "Not
what I asked", or the closest note they opened when no card answered) — never who asked
it, the chat, or when to the second beyond the day it is kept for. Every card sent in
answer to a question is remembered as *pending* so its 👍/👎 buttons can find the question
again; 👍 deletes it at once, 👎 turns it into a gap, and pending rows are dropped after
`PENDING_DAYS`. A question no card answered is a gap at once; opening one of its 📄
closest notes records that card on it (a 👎 on it makes the card a rejected one). Gaps are
kept `retention_days` (90 by default, `TUTOR_GAP_RETENTION_DAYS`).

`group_gaps` clusters similar questions and suggests the YAML a teacher pastes into
the deck: an `aliases:` line for the card students opened or the nearest card, or a new
card's skeleton.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from rapidfuzz import fuzz, utils
from sqlalchemy.dialects import sqlite

from tutor.clock import utc_now
from tutor.dialog import Dialog
from tutor.model import Card, Library
from tutor.replies import CALLBACK_LIMIT_BYTES, CHOICE_DATA, STALE_BUTTON, Button, Reply
from tutor.search import Hit, SearchIndex
from tutor.store import Store, content_gaps

FEEDBACK_DATA = re.compile(r"^fb:([yn]):(\d{1,18}):([a-z0-9-]{1,50})$")
"""Button data of the 👍/👎 pair: fb:<y|n>:<gap row id>:<card id>."""
THANKS_HELPFUL = "Thanks! Glad it helped."
THANKS_NOT_WANTED = "Thanks — I've passed your question on to the teachers (not your name)."
FEEDBACK_GONE = "Thanks — this one is too old to record."
HELPFUL_LABEL = "👍"
NOT_WANTED_LABEL = "👎 Not what I asked"
PENDING_DAYS = 2
WRITE_BEHIND_SECONDS = 0.5
"""How long answered questions wait to be written together (SQLite; see `GapLog`)."""
MAX_GAP_CHARS = 300
SIMILAR_QUESTIONS = 70.0
"""token_set_ratio at which two questions count as the same gap."""


class GapKind(StrEnum):
    PENDING = "pending"
    """A card was sent for this question; waiting for 👍/👎 (not a gap yet)."""
    NO_CARD = "no_card"
    NOT_WANTED = "not_wanted"


@dataclass(frozen=True, slots=True)
class Gap:
    question: str
    deck_id: str | None
    kind: GapKind
    card_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class GapGroup:
    """Similar questions with the deck's nearest card and the YAML that would fill the gap."""

    questions: tuple[str, ...]
    """Distinct wordings, most asked first."""
    count: int
    not_wanted: int
    """How many of them were 👎 on a card (the rest got no card)."""
    rejected_card_ids: tuple[str, ...]
    nearest_card_id: str | None
    """The card students opened from the 📄 closest notes, else the best-scoring one."""
    nearest_score: float
    yaml: str
    opened: int = 0
    """How many of the questions got no card and the student opened a 📄 closest note."""


class GapLog:
    """Writes and reads `content_gaps` through the store's engine.

    On SQLite (one bot process per file) the rows of answered questions are written
    behind the reply: ids are handed out from memory (after the table's largest) and the
    rows inserted together within `WRITE_BEHIND_SECONDS`, so a reply waits on no write.
    Every read and 👍/👎 first writes what is waiting (`flush`). On PostgreSQL, where
    several processes share the table, each row is inserted before the reply.
    """

    def __init__(
        self,
        store: Store,
        *,
        retention_days: int = 90,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = store.engine
        self.retention = timedelta(days=retention_days)
        self._clock = clock
        self._write_behind = store.dialect == "sqlite"
        self._next_id: int | None = None
        self._ids = asyncio.Lock()
        self._waiting: list[dict[str, object]] = []
        self._writing = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None

    async def flush(self) -> None:
        """Write the rows waiting behind replies (before reads, and at shutdown); a write
        already under way is waited for."""
        await self._write_waiting()

    async def no_card(self, question: str, deck_id: str | None) -> int:
        """Log a question that got no card; returns the row id (its closest notes carry it)."""
        return await self._insert(question, deck_id, GapKind.NO_CARD, None)

    async def card_sent(self, question: str, deck_id: str, card_id: str) -> int:
        """Remember the question a card answered until its 👍/👎; returns the row id."""
        return await self._insert(question, deck_id, GapKind.PENDING, card_id)

    async def choose(self, gap_id: int, card: Card) -> bool:
        """The student picked `card` in a "Which did you mean?" (it answers the question
        now), or opened it as a closest note of a question no card answered (the question
        stays a gap, with the card the teachers could give it as an alias; the first card
        opened counts).

        False when the question is gone (purged, 👍/👎 already given, a closest note
        already opened).
        """
        await self.flush()  # the question's row may still be waiting behind its reply
        statement = (
            content_gaps.update()
            .where(
                content_gaps.c.id == gap_id,
                sa.or_(
                    content_gaps.c.kind == GapKind.PENDING,
                    sa.and_(
                        content_gaps.c.kind == GapKind.NO_CARD, content_gaps.c.card_id.is_(None)
                    ),
                ),
            )
            .values(card_id=card.id, deck_id=card.deck_id)
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(statement)
        return result.rowcount == 1

    async def feedback(self, gap_id: int, card_id: str, *, helpful: bool) -> bool:
        """👍 forgets the question, 👎 makes it a gap; False if it is gone or not that card.

        On a closest note opened for a question no card answered, 👍 keeps the gap (the
        card helps, but the question still found no card by itself) and 👎 rejects the card.
        """
        await self.flush()
        where = (content_gaps.c.id == gap_id, content_gaps.c.card_id == card_id)
        pending = content_gaps.c.kind == GapKind.PENDING
        unanswered = content_gaps.c.kind == GapKind.NO_CARD
        async with self._engine.begin() as conn:
            if not helpful:
                statement = (
                    content_gaps.update()
                    .where(*where, sa.or_(pending, unanswered))
                    .values(kind=GapKind.NOT_WANTED)
                )
                return (await conn.execute(statement)).rowcount == 1
            if (await conn.execute(content_gaps.delete().where(*where, pending))).rowcount == 1:
                return True
            kept = sa.select(sa.func.count()).select_from(content_gaps).where(*where, unanswered)
            return await conn.scalar(kept) == 1

    async def purge(self) -> int:
        """Delete gaps past the retention period and pending rows past `PENDING_DAYS`."""
        await self.flush()
        now = self._clock()
        old_gap = content_gaps.c.created_at < now - self.retention
        old_pending = sa.and_(
            content_gaps.c.kind == GapKind.PENDING,
            content_gaps.c.created_at < now - timedelta(days=PENDING_DAYS),
        )
        async with self._engine.begin() as conn:
            result = await conn.execute(content_gaps.delete().where(sa.or_(old_gap, old_pending)))
        return result.rowcount

    async def recent(self, deck_ids: Collection[str] | None = None) -> list[Gap]:
        """The gaps within the retention period, newest first; `None` means every deck.

        Questions whose deck could not be told are everyone's."""
        await self.flush()
        query = (
            sa.select(
                content_gaps.c.question,
                content_gaps.c.deck_id,
                content_gaps.c.kind,
                content_gaps.c.card_id,
                content_gaps.c.created_at,
            )
            .where(
                content_gaps.c.kind != GapKind.PENDING,
                content_gaps.c.created_at >= self._clock() - self.retention,
            )
            .order_by(content_gaps.c.created_at.desc(), content_gaps.c.id.desc())
        )
        if deck_ids is not None:  # a question no deck could be told for concerns every deck
            query = query.where(
                sa.or_(content_gaps.c.deck_id.in_(list(deck_ids)), content_gaps.c.deck_id.is_(None))
            )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            Gap(row.question, row.deck_id, GapKind(row.kind), row.card_id, row.created_at)
            for row in rows
        ]

    async def _insert(
        self, question: str, deck_id: str | None, kind: GapKind, card_id: str | None
    ) -> int:
        text = " ".join(question.split())[:MAX_GAP_CHARS]
        values = {
            "question": text,
            "deck_id": deck_id,
            "kind": kind,
            "card_id": card_id,
            "created_at": self._clock(),
        }
        if self._write_behind:
            return await self._insert_behind(values)
        async with self._engine.begin() as conn:
            result = await conn.execute(content_gaps.insert().values(**values))
        return int(result.inserted_primary_key[0])

    async def _insert_behind(self, values: dict[str, object]) -> int:
        if self._next_id is None:
            async with self._ids:
                if self._next_id is None:
                    async with self._engine.connect() as conn:
                        largest = await conn.scalar(sa.select(sa.func.max(content_gaps.c.id)))
                    self._next_id = int(largest or 0) + 1
        gap_id, self._next_id = self._next_id, self._next_id + 1
        self._waiting.append({"id": gap_id, **values})
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_soon())
        return gap_id

    async def _write_soon(self) -> None:
        await asyncio.sleep(WRITE_BEHIND_SECONDS)
        await self._write_waiting()

    async def _write_waiting(self) -> None:
        async with self._writing:
            rows, self._waiting = self._waiting, []
            if not rows:
                return
            insert = sqlite.insert(content_gaps).on_conflict_do_nothing(index_elements=["id"])
            async with self._engine.begin() as conn:
                await conn.execute(insert, rows)


async def log_question(
    gaps: GapLog, question: str, card: Card | None, index: SearchIndex, library: Library
) -> int:
    """Log a question: a gap when it got no card, else pending; returns the row id."""
    if card is None:
        return await gaps.no_card(question, deck_of_question(question, index, library))
    return await gaps.card_sent(question, card.deck_id, card.id)


async def with_feedback(
    gaps: GapLog, question: str, reply: Reply, index: SearchIndex, library: Library
) -> Reply:
    """Log the question a reply answers; a card reply gains the 👍 / 👎 pair.

    A "Which did you mean?" is logged as pending with its first choice, and its buttons
    carry the row id, so the card the student picks gets the 👍 / 👎 pair too. The 📄
    closest notes of a question no card answered carry its gap's row id the same way.
    """
    if not question.strip():
        return reply
    if reply.choices:
        first = reply.choices[0]
        gap_id = await gaps.card_sent(question, first.deck_id, first.id)
        return replace(reply, buttons=_with_gap_id(reply.buttons, gap_id))
    gap_id = await log_question(gaps, question, reply.card, index, library)
    if reply.card is None:
        return replace(reply, buttons=_with_gap_id(reply.buttons, gap_id))
    return replace(reply, buttons=(*reply.buttons, feedback_pair(gap_id, reply.card.id)))


def feedback_pair(gap_id: int, card_id: str) -> tuple[Button, Button]:
    return (
        Button(HELPFUL_LABEL, f"fb:y:{gap_id}:{card_id}"),
        Button(NOT_WANTED_LABEL, f"fb:n:{gap_id}:{card_id}"),
    )


def _with_gap_id(
    rows: tuple[tuple[Button, ...], ...], gap_id: int
) -> tuple[tuple[Button, ...], ...]:
    """Chooser buttons `pick:<card>` become `pick:<card>:<gap id>` (when that fits in 64 bytes)."""

    def tied(button: Button) -> Button:
        data = f"{button.data}:{gap_id}"
        if CHOICE_DATA.match(button.data) and len(data.encode()) <= CALLBACK_LIMIT_BYTES:
            return Button(button.label, data)
        return button

    return tuple(tuple(tied(button) for button in row) for row in rows)


async def press_choice(gaps: GapLog | None, dialog: Dialog, data: str) -> Reply:
    """A "Which did you mean?" choice or a closest note: its card, with 👍 / 👎 while the
    question is logged.

    Forged data (not a choice, or a card that does not exist) gets the expired notice.
    """
    parsed = dialog.parse_button(data)
    if parsed is None or parsed[0] != "pick":
        return STALE_BUTTON
    card = dialog.library.cards[parsed[1]]
    reply = dialog.card_reply(card)
    gap_id = parsed[2]
    if gaps is None or not gap_id or not await gaps.choose(gap_id, card):
        return reply
    return replace(reply, buttons=(*reply.buttons, feedback_pair(gap_id, card.id)))


async def press_feedback(gaps: GapLog, data: str) -> tuple[bool, str]:
    """A 👍 / 👎 press: whether it was recorded (forged or old data is not), and the notice."""
    match = FEEDBACK_DATA.match(data)
    if match is None:
        return False, FEEDBACK_GONE
    helpful = match.group(1) == "y"
    if not await gaps.feedback(int(match.group(2)), match.group(3), helpful=helpful):
        return False, FEEDBACK_GONE
    return True, THANKS_HELPFUL if helpful else THANKS_NOT_WANTED


def deck_of_question(question: str, index: SearchIndex, library: Library) -> str | None:
    """The deck a question that got no card most likely belongs to."""
    if len(library.decks) == 1:
        return library.decks[0].id
    hits = index.search(question, limit=1, score_cutoff=0.0)
    return hits[0].card.deck_id if hits else None


def group_gaps(gaps: Sequence[Gap], index: SearchIndex, library: Library) -> list[GapGroup]:
    """Similar questions together (greedy, most asked first), biggest group first."""
    clusters: list[list[Gap]] = []
    keys: list[str] = []
    for gap in sorted(gaps, key=lambda gap: _key(gap.question)):
        key = _key(gap.question)
        for number, other in enumerate(keys):
            if fuzz.token_set_ratio(key, other) >= SIMILAR_QUESTIONS:
                clusters[number].append(gap)
                break
        else:
            clusters.append([gap])
            keys.append(key)
    groups = [_group(cluster, index, library) for cluster in clusters]
    return sorted(groups, key=lambda group: (-group.count, group.questions[0]))


def _key(question: str) -> str:
    return utils.default_process(question)


def _group(cluster: list[Gap], index: SearchIndex, library: Library) -> GapGroup:
    counts: dict[str, int] = {}
    for gap in cluster:
        counts[gap.question] = counts.get(gap.question, 0) + 1
    wordings = tuple(sorted(counts, key=lambda text: (-counts[text], text)))
    rejected = tuple(
        sorted({gap.card_id for gap in cluster if gap.card_id and gap.kind is GapKind.NOT_WANTED})
    )
    opened = _opened_card(cluster, rejected, library)
    if opened is not None:
        # Students found the card from its closest notes: the question only needs its words.
        scores = index.score_all(wordings[0])
        position = next((i for i, card in enumerate(index.cards) if card.id == opened.id), -1)
        nearest: Hit | None = Hit(opened, round(scores.get(position, 0.0), 2))
    else:
        hits = [
            hit
            for hit in index.search(wordings[0], limit=len(rejected) + 1, score_cutoff=0.0)
            if hit.card.id not in rejected
        ]
        nearest = hits[0] if hits else None
    # A card close enough to be offered as a closest note (a share of its own deck's
    # threshold, so plain and keyword-rich decks alike) nearly answered: suggest an alias.
    # Below that the words only brush a card, so a new card's skeleton is suggested.
    if nearest is not None and (opened is not None or index.is_near(nearest)):
        yaml = f"# card {nearest.card.id}\naliases: [{_yaml_list(wordings[:3])}]"
    else:
        yaml = _card_skeleton(wordings[0], cluster, library)
    return GapGroup(
        questions=wordings,
        count=len(cluster),
        not_wanted=sum(gap.kind is GapKind.NOT_WANTED for gap in cluster),
        rejected_card_ids=rejected,
        nearest_card_id=nearest.card.id if nearest else None,
        nearest_score=nearest.score if nearest else 0.0,
        yaml=yaml,
        opened=sum(gap.kind is GapKind.NO_CARD and gap.card_id is not None for gap in cluster),
    )


def _opened_card(cluster: list[Gap], rejected: Sequence[str], library: Library) -> Card | None:
    """The closest note students opened most often for these questions (the first opened
    on a tie), unless a student marked it 👎 or it is no longer loaded."""
    opened = Counter(
        gap.card_id
        for gap in sorted(cluster, key=lambda gap: gap.created_at)
        if gap.kind is GapKind.NO_CARD and gap.card_id in library.cards
    )
    for card_id, _count in opened.most_common():
        if card_id not in rejected:
            return library.cards[card_id]
    return None


def _yaml_list(items: Sequence[str]) -> str:
    return ", ".join(json.dumps(item, ensure_ascii=False) for item in items)


def _card_skeleton(question: str, cluster: list[Gap], library: Library) -> str:
    deck_id = next((gap.deck_id for gap in cluster if gap.deck_id), None)
    deck = next((d for d in library.decks if d.id == deck_id), None)
    topic = deck.topics[0].id if deck and deck.topics else "TOPIC-ID"
    slug = "-".join(re.findall(r"[a-z0-9]+", question.lower())[:5]) or "new-card"
    return "\n".join(
        (
            f"- id: {slug}",
            f"  title: {json.dumps(question[:1].upper() + question[1:], ensure_ascii=False)}",
            f"  topic: {topic}",
            "  body: |",
            "    • WRITE THE ANSWER HERE",
            f"  aliases: [{_yaml_list(sorted({gap.question for gap in cluster})[:3])}]",
        )
    )
