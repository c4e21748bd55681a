"""What the bot says to questions and browsing: every reply, written once and shown by each
adapter (the `Reply` and `Button` values are `tutor.replies`).

The Telegram adapter turns a `Reply` into an HTML message with an inline keyboard; the
terminal adapter prints it with the buttons as numbered choices. Button presses come
back as `Button.data` strings (Telegram callback data: card ids only, at most 64 bytes),
which `Dialog.press` validates, so a forged or stale button gets a short notice.

Two things shape which card answers a question. **Several decks:** the dialog keeps one
search index per deck beside the one over all decks, and a question is matched within
the deck its chat chose (`deck_id`), else across all of them. **Near ties:** when the
matcher is not confident (close rivals), the reply is a "Which did you mean?" chooser
of two or three cards instead of a guess; pressing one shows that card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import fuzz, process, utils

from tutor.answers import Answer, answer
from tutor.commands import Place, commands_for, unknown_command_text
from tutor.model import Card, Deck, Library, Topic
from tutor.replies import (
    CHOICE_DATA,
    STALE_BUTTON,
    Button,
    Reply,
    button,
    card_label,
    choice_button,
    page_of,
    pager,
    short,
)
from tutor.search import SearchIndex
from tutor.smalltalk import SmallTalk, recognise
from tutor.subjects import subject_title

MAX_QUESTION_CHARS = 300
CARD_NAME_CUTOFF = 90.0
"""A /card argument this close (rapidfuzz ratio) to a card's title or alias names it."""

_CALLBACK = re.compile(r"^(card|topics|topic|quiz|deck):([a-z0-9-]{0,50})(?::(\d{1,3}))?$")
NO_NOTE = "Sorry — I don't have a note on that. Try other words, or pick a topic:"
NO_NOTE_NEAREST = (
    "Sorry — I don't have a note on that. These notes come closest (📄); "
    "or try other words, or pick a topic:"
)
NEAREST_PREFIX = "📄 "
MAX_CHOICES = 3
CHOOSER_TITLE = "Which did you mean?"
ANY_DECK_WORDS = frozenset({"any", "all", "every", "everything", "none", "off"})
ONE_DECK_HINT = (
    "Revising one subject? Send /deck to choose its deck, and I'll answer from that deck "
    "alone (/deck any to undo)."
)
DECK_NAME_CUTOFF = 80.0
"""A /deck argument this close (rapidfuzz WRatio) to a deck's title or id names it."""


class Dialog:
    """The conversation rules shared by the Telegram bot and the terminal."""

    def __init__(self, library: Library, index: SearchIndex | None = None) -> None:
        self.library = library
        self.index = index or SearchIndex.of_library(library)
        self.deck_ids = frozenset(deck.id for deck in library.decks)
        self._deck_indexes: dict[str, SearchIndex] = {}
        named = [(n, c.id) for c in library.cards.values() for n in (c.title, *c.aliases)]
        self._names = [name for name, _ in named]
        self._named_cards = [card_id for _, card_id in named]

    # ----- commands -----------------------------------------------------------------
    def start(self, first_name: str = "") -> Reply:
        greeting = f"Hi {first_name}!" if first_name else "Hi!"
        decks = ", ".join(deck.title for deck in self.library.decks)
        examples = [f"• {example}" for example in self._examples()]
        lines = [
            f"I have note cards on: {decks}.",
            "Type a question the way you'd ask a friend — typos are fine. For example:",
            "\n".join(examples),
            "Or browse with /topics, test yourself with /quiz, and see /help for the rest.",
        ]
        if len(self.library.decks) > 1:
            # Matched across every deck, a question may get another subject's card on one
            # shared word; within the deck being revised it cannot (see README, "several
            # decks"), so a student with several decks is told how to choose one.
            lines.append(ONE_DECK_HINT)
        return Reply(
            title=f"{greeting} I'm your revision tutor.",
            lines=tuple(lines),
            buttons=((button("📚 Browse topics", "topics", page=0),),),
        )

    def help(self, place: Place = Place.PRIVATE) -> Reply:
        """What works where the student is (the commands table says which)."""
        lines = [
            "Just type a question, e.g. the name of an event or a person — I reply with "
            "the note card that answers it."
            if place is not Place.GROUP
            else "Ask with /ask QUESTION, or reply to one of my messages.",
            "\n".join(command.line(place) for command in commands_for(place)),
        ]
        if place is Place.PRIVATE:
            group_only = [
                f"/{c.name}" for c in commands_for(Place.GROUP) if Place.PRIVATE not in c.where
            ]
            lines.append(
                "In a class group: /quiz for a round of quiz polls, "
                + ", ".join(group_only)
                + ". In any chat, type my @username and a few words to share a card."
            )
        if place is Place.CONSOLE:
            lines.append("Type the number next to a button to press it.")
        return Reply(title="How to use me", lines=tuple(lines))

    def unknown_command(self, name: str, place: Place) -> Reply:
        """`/name` does not work here: say so, with the closest command we know."""
        return Reply(lines=(unknown_command_text(name, place),))

    def ask(self, question: str, *, deck_id: str | None = None) -> Reply:
        """The reply to a typed question, matched within `deck_id` (None: every deck)."""
        question = question.strip()[:MAX_QUESTION_CHARS]
        if not question:
            return Reply(lines=("Send me a question, e.g. the name of an event or a person.",))
        small_talk = recognise(question)
        if small_talk is not None:
            return self.small_talk(small_talk)
        return self.answer_reply(answer(self.index_for(deck_id), question))

    def index_for(self, deck_id: str | None) -> SearchIndex:
        """The index of one deck, or of every deck (None, or a deck no longer loaded)."""
        if deck_id is None or deck_id not in self.deck_ids:
            return self.index
        if len(self.deck_ids) == 1:
            return self.index
        if deck_id not in self._deck_indexes:
            self._deck_indexes[deck_id] = self._build_deck_index(deck_id)
        return self._deck_indexes[deck_id]

    def small_talk(self, kind: SmallTalk) -> Reply:
        """A short friendly reply to hello, thanks, "who are you", ok, bye, "that's wrong",
        "tell me a joke", "im so stressed", "help me revise" or a grumble about school, with
        one example question (but not after a goodbye)."""
        examples = self._examples()
        example = examples[list(SmallTalk).index(kind) % len(examples)] if examples else ""
        try_it = f"Try asking: {example}" if example else "Try asking me a question."
        decks = ", ".join(deck.title for deck in self.library.decks)
        text = {
            SmallTalk.GREETING: "Hi! 👋 Ask me anything from your revision notes.",
            SmallTalk.THANKS: "You're welcome! Ask me another whenever you like.",
            SmallTalk.ACKNOWLEDGEMENT: "👍 Ask me another whenever you're ready.",
            SmallTalk.FAREWELL: "Bye for now! 👋 Come back any time; /quiz is a quick start.",
            SmallTalk.COMPLAINT: (
                "Sorry that didn't help. Try the name of a person, event or term, or browse "
                "the notes with /topics. 👎 under a card tells your teacher the notes missed "
                "your question."
            ),
            SmallTalk.PLAY: (
                "😄 I'm better at revision than at jokes, but short bursts beat boredom: send "
                "/quiz for five quick questions, or ask me anything from your notes."
            ),
            SmallTalk.WORRY: (
                "Exams are stressful, and feeling it means you care. 💪 Little and often "
                "works best: send /quiz for five quick questions, or ask me about the topic "
                "that worries you most."
            ),
            SmallTalk.STUDY_HELP: (
                "Here's a plan that works: 📅 /exam and your exam date (/exam 20 May) plans "
                "what to revise each day; /topics shows everything there is — start with "
                "the one you feel least sure of; /quiz gives five quick questions, and the "
                "ones you miss come back when they're due. Short sessions, most days."
            ),
            SmallTalk.GRUMBLE: (
                "That sounds rough 😤 I can't do anything about teachers, but I can make "
                "revision quicker: send /quiz for five quick questions, or ask me anything "
                "from your notes."
            ),
            SmallTalk.IDENTITY: (
                f"I'm your revision tutor: a bot with note cards on {decks}. "
                "Ask me a question the way you'd ask a friend, or send /quiz to test yourself."
            ),
        }[kind]
        if kind is SmallTalk.FAREWELL:
            return Reply(lines=(text,))  # no "try asking" on the way out
        return Reply(lines=(text, try_it))

    def answer_reply(self, result: Answer) -> Reply:
        """The card that answers, a chooser when close rivals make it a guess, the topic
        the question names ("plot summary": its cards), or topics."""
        if result.topic is not None:
            return self.topic(result.topic)
        if result.best is None:
            return self.no_card_reply(result)
        others = [hit.card for hit in result.alternatives]
        if not result.confident and others:
            return self.chooser((result.best.card, *others))
        return self.card_reply(result.best.card, did_you_mean=others)

    def no_card_reply(self, result: Answer) -> Reply:
        """No card answers: say so, with the cards that came closest (never presented as
        the answer; each with its deck when they come from different decks) and the
        nearest topics.

        A closest note is a choice (`pick:`) like a chooser's, so the gap log can tell the
        teachers which card the student opened for the question no card answered.
        """
        if result.other_subjects:
            return Reply(lines=(other_subject_text(result),))
        several_decks = len({hit.card.deck_id for hit in result.nearest}) > 1
        nearest = tuple(
            (
                button(
                    NEAREST_PREFIX
                    + card_label(
                        hit.card, self._deck_title(hit.card.deck_id) if several_decks else ""
                    ),
                    "pick",
                    hit.card.id,
                ),
            )
            for hit in result.nearest
        )
        topics = tuple(
            (button(short(topic.title), "topic", topic.id, 0),) for topic in result.suggested_topics
        )
        return Reply(lines=(NO_NOTE if not nearest else NO_NOTE_NEAREST,), buttons=nearest + topics)

    def chooser(self, cards: Sequence[Card]) -> Reply:
        """ "Which did you mean?": the best card and its close rivals, one button each.

        Asking costs the student one tap; a confident wrong card costs them the answer.
        Each button says its deck too when the choices come from different decks.
        """
        choices = tuple(dict.fromkeys(cards))[:MAX_CHOICES]
        several_decks = len({card.deck_id for card in choices}) > 1
        rows = tuple(
            (choice_button(card, self._deck_title(card.deck_id) if several_decks else ""),)
            for card in choices
        )
        return Reply(
            title=CHOOSER_TITLE,
            lines=("A few of my notes fit that question. Pick the one you want:",),
            buttons=rows,
            choices=choices,
        )

    def card_reply(
        self, card: Card, *, did_you_mean: Sequence[Card] = (), edit: bool = False
    ) -> Reply:
        rows: list[tuple[Button, ...]] = []
        if self.library.questions_for_card(card.id) or self._topic_has_questions(card.topic_id):
            rows.append((button("🧠 Quiz me on this", "quiz", card.id),))
        shown = list(dict.fromkeys([*did_you_mean, *self._related(card)]))
        for other in [c for c in shown if c.id != card.id][:3]:
            prefix = "❓ " if other in did_you_mean else "➡️ "
            rows.append((button(prefix + short(other.title), "card", other.id),))
        return Reply(card=card, buttons=tuple(rows), edit=edit)

    def card_by_name(self, name: str, *, deck_id: str | None = None) -> Reply:
        """`/card WORDS`: the card whose title or alias that is, else what the matcher finds.

        Titles come first: words that (nearly) spell a card's title or one of its aliases
        open that card ("/card nep" → the card whose alias is "NEP"); anything else goes
        to the same matcher as a typed question, which also weighs titles most.
        """
        name = name.strip()[:MAX_QUESTION_CHARS]
        if not name:
            return Reply(
                lines=(
                    "Usage: /card WORDS — a few words of a card's title, "
                    f"e.g. /card {self._card_example()}",
                )
            )
        best = process.extractOne(
            name,
            self._names,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=CARD_NAME_CUTOFF,
        )
        if best is not None:
            return self.card_reply(self.library.cards[self._named_cards[best[2]]])
        # An explicit "open a card": the best one, its close rivals as ❓ buttons.
        return self.answer_reply(replace(answer(self.index_for(deck_id), name), confident=True))

    def topics(self, page: int = 0, *, edit: bool = False) -> Reply:
        topics = list(self.library.topics.values())
        page, pages, shown = page_of(topics, page)
        rows = [(button(short(t.title), "topic", t.id, 0),) for t in shown]
        rows += pager("topics", "", page, pages)
        return Reply(
            title="Topics",
            lines=(f"Page {page + 1} of {pages}. Pick a topic:" if pages > 1 else "Pick a topic:",),
            buttons=tuple(rows),
            edit=edit,
        )

    def topic(self, topic: Topic, page: int = 0, *, edit: bool = False) -> Reply:
        cards = self.library.cards_in_topic(topic.id)
        page, pages, shown = page_of(cards, page)
        rows = [(button(short(card.title), "card", card.id),) for card in shown]
        rows += pager("topic", topic.id, page, pages)
        rows.append((button("⬅️ All topics", "topics", page=0),))
        lines = (topic.summary,) if topic.summary else ()
        if pages > 1:
            lines += (f"Page {page + 1} of {pages}.",)
        return Reply(title=topic.title, lines=lines, buttons=tuple(rows), edit=edit)

    # ----- decks --------------------------------------------------------------------
    def decks_reply(self, current: str | None) -> Reply:
        """`/deck`: the decks loaded, which one questions are matched in, a button each."""
        chosen = next((deck for deck in self.library.decks if deck.id == current), None)
        if len(self.library.decks) == 1:
            only = self.library.decks[0]
            return Reply(
                lines=(f"I have one deck: {only.title}. Every question is matched in it.",)
            )
        now = (
            f"Your questions are matched in: {chosen.title}."
            if chosen
            else "Your questions are matched in every deck."
        )
        rows = [
            (button(("✅ " if deck is chosen else "") + short(deck.title, 56), "deck", deck.id),)
            for deck in self.library.decks
        ]
        rows.append((button(("✅ " if chosen is None else "") + "🌐 Any deck", "deck", ""),))
        return Reply(
            title="Decks",
            lines=(now, "Pick a deck, or send /deck NAME or /deck any."),
            buttons=tuple(rows),
        )

    def find_deck(self, text: str) -> Deck | None:
        """The deck `text` names: its id or title, a part of its title, or nearly its title."""
        wanted = " ".join(text.lower().split())[:MAX_QUESTION_CHARS]
        if not wanted:
            return None
        decks = self.library.decks
        exact = [d for d in decks if wanted in (d.id.lower(), d.title.lower())]
        part = [d for d in decks if wanted in d.title.lower() or wanted in d.id.lower()]
        if exact or len(part) == 1:
            return (exact or part)[0]
        names = {d.id: f"{d.title} {d.subject}" for d in (part or decks)}
        best = process.extractOne(
            wanted,
            names,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=DECK_NAME_CUTOFF,
        )
        return next((d for d in decks if best is not None and d.id == best[2]), None)

    def deck_chosen(self, deck: Deck | None) -> Reply:
        """What to say once a deck (None: every deck) is the one questions are matched in."""
        if deck is None:
            text = "Done — I'll match your questions in every deck."
        else:
            text = f"Done — I'll match your questions in {deck.title}. /deck any to undo."
        return Reply(lines=(text,))

    def unknown_deck(self, text: str, current: str | None = None) -> Reply:
        """`/deck NAME` named no deck: say so, with the decks as buttons (✅ on `current`)."""
        names = ", ".join(deck.title for deck in self.library.decks)
        return Reply(
            lines=(f"I don't know the deck “{short(text.strip(), 40)}”. The decks: {names}.",),
            buttons=self.decks_reply(current).buttons,
        )

    # ----- buttons ------------------------------------------------------------------
    def parse_button(self, data: str | None) -> tuple[str, str, int] | None:
        """(action, key, page) for valid button data naming something that exists.

        A deck button's empty key means every deck.
        """
        choice = CHOICE_DATA.match(data or "")
        if choice is not None:
            card_id, gap_id = choice.group(1), int(choice.group(2) or 0)
            return ("pick", card_id, gap_id) if card_id in self.library.cards else None
        match = _CALLBACK.match(data or "")
        if match is None:
            return None
        action, key, page = match.group(1), match.group(2), int(match.group(3) or 0)
        exists = {
            "card": key in self.library.cards,
            "quiz": key in self.library.cards,
            "topic": key in self.library.topics,
            "topics": True,
            "deck": key == "" or any(deck.id == key for deck in self.library.decks),
        }[action]
        return (action, key, page) if exists else None

    def press(self, data: str | None) -> Reply:
        """The reply to a pressed browsing button; quiz buttons are the quiz flow's.

        A chooser's choice shows its card (the gap log adds 👍/👎 when it has the
        question); a deck button needs the chat's settings, so its adapter handles it.
        """
        parsed = self.parse_button(data)
        if parsed is None:
            return STALE_BUTTON
        action, key, page = parsed
        if action in ("card", "pick"):
            return self.card_reply(self.library.cards[key])
        if action == "topic":
            return self.topic(self.library.topics[key], page, edit=True)
        if action == "topics":
            return self.topics(page, edit=True)
        return STALE_BUTTON

    # ----- helpers ------------------------------------------------------------------
    def _build_deck_index(self, deck_id: str) -> SearchIndex:
        """A deck's own index, the first time a chat scoped to it asks: the library index
        already holds each deck's (search.SearchIndex.of_deck: its threshold as alone), so
        nothing is built again; a deck without cards has none there and gets its own."""
        if deck_id in self.index.deck_ids:
            return self.index.of_deck(deck_id)
        deck = next(deck for deck in self.library.decks if deck.id == deck_id)
        return SearchIndex(deck.cards, _topics_of(deck), {deck.id: deck.subject})

    def _deck_title(self, deck_id: str) -> str:
        return next((deck.title for deck in self.library.decks if deck.id == deck_id), deck_id)

    def _related(self, card: Card) -> list[Card]:
        return [self.library.cards[i] for i in card.related if i in self.library.cards]

    def _topic_has_questions(self, topic_id: str) -> bool:
        return any(
            self.library.cards[q.card_id].topic_id == topic_id
            for q in self.library.questions.values()
            if q.card_id in self.library.cards
        )

    def _card_example(self) -> str:
        """A short name for the /card usage line: the shortest card title."""
        titles = sorted((card.title for card in self.library.cards.values()), key=len)
        return titles[0].lower() if titles else "…"

    def _examples(self) -> list[str]:
        """The decks' example questions, else the titles of the first cards of topics."""
        written = [example for deck in self.library.decks for example in deck.examples]
        if written:
            return written[:4]
        firsts = [self.library.cards_in_topic(topic_id) for topic_id in self.library.topics]
        return [cards[0].title.lower() for cards in firsts if cards][:3]


def _topics_of(deck: Deck) -> dict[str, Topic]:
    return {topic.id: topic for topic in deck.topics}


def other_subject_text(result: Answer) -> str:
    """The reply to a question for school subjects no deck searched is of: "Sorry — I don't
    have Physics notes here: mine are for History." """
    asked = " or ".join(subject_title(subject) for subject in result.other_subjects)
    mine = ", ".join(subject_title(subject) for subject in result.subjects_here)
    return (
        f"Sorry — I don't have {asked} notes here"
        + (f": mine are for {mine}. " if mine else ". ")
        + "Ask me about those, or browse them with /topics."
    )
