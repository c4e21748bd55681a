"""What a student sees for a question (`answer`): the card that answers it, with the other
cards whose whole title the question names beside it (SearchIndex.titles_named), a "Which
did you mean?" between close rivals, or, when no card fits, the closest notes and topics.

search.SearchIndex scores and thresholds the cards; this module reads the message around
that: a school subject it names (subjects.py) narrows the decks, and a message of several
sentences that finds no card as a whole is answered by the sentence that asks.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tutor.deck_index import Hit
from tutor.model import Topic
from tutor.reading import asked_sentences
from tutor.search import SearchIndex
from tutor.subjects import subjects_named

__all__ = ["CLOSE_SCORE_RATIO", "Answer", "answer"]

CLOSE_SCORE_RATIO = 0.8


@dataclass(frozen=True, slots=True)
class Answer:
    """What to show for a question: the best card and close alternatives, or topics."""

    question: str
    best: Hit | None
    alternatives: tuple[Hit, ...]
    suggested_topics: tuple[Topic, ...]
    # False when the best card is only a guess among close rivals: adapters then ask
    # "Which did you mean?" with the best card and its alternatives as choices.
    confident: bool = True
    # When there is no best card: the cards that came closest (SearchIndex.nearest),
    # offered as "the closest notes I have", never as the answer.
    nearest: tuple[Hit, ...] = ()
    # When the question is a topic's title ("plot summary", "key quotations") and no
    # card's: the topic, which adapters show as its list of cards.
    topic: Topic | None = None
    # The school subjects the question names when no deck searched is of them ("for
    # physics, how do i…" to a History bot), and the subjects those decks are of:
    # adapters say which subjects the notes here are for.
    other_subjects: tuple[str, ...] = ()
    subjects_here: tuple[str, ...] = ()


def answer(index: SearchIndex, question: str, *, alternatives: int = 3) -> Answer:
    """The best card for a question plus those scoring within 80 % of it.

    When no card clears the cutoff the answer carries topic suggestions and the cards that
    came closest instead, so the student always has somewhere to go next and never gets a
    wrong card with confidence. A message of several sentences that finds no card as a
    whole is answered by the first of its sentences that asks something and finds one:
    the rest is the student's own chatter ("is the inspector a ghost??? i genuinely cant
    tell and its stressing me out"), whose words no card writes.
    """
    named = subjects_named(question)
    if named:  # "chem mock next week, what is an isotope": for decks of Chemistry only
        narrowed = index.of_subjects(named)
        if narrowed is None:
            here = tuple(sorted(index.subjects))
            return Answer(
                question, None, (), (), other_subjects=tuple(sorted(named)), subjects_here=here
            )
        index = narrowed
    whole = _answer_one(index, question, alternatives)
    if whole.best is not None or whole.topic is not None:
        return whole
    for sentence in asked_sentences(question):
        part = _answer_one(index, sentence, alternatives)
        if part.best is not None or part.topic is not None:
            return replace(part, question=question)
    return whole


def _answer_one(index: SearchIndex, question: str, alternatives: int) -> Answer:
    """answer for a question read whole."""
    topic = index.topic_named(question)
    if topic is not None:
        return Answer(question, None, (), (topic,), topic=topic)
    titled = index.titled_exactly(question)
    if titled:  # two decks' cards of one title: the student picks
        best, *others = titled[: alternatives + 1]
        return Answer(question, best, tuple(others), (), confident=not others)
    named = index.name_lookup(question, limit=alternatives)
    if named is not None:
        (best, *others), confident = named
        return Answer(question, best, tuple(others), (), confident=confident)
    hits = index.search(question, limit=alternatives + 1)
    if not hits:
        suggestions = tuple(index.suggest_topics(question))
        return Answer(question, None, (), suggestions, nearest=tuple(index.nearest(question)))
    best, *others = hits
    close = tuple(hit for hit in others if hit.score >= CLOSE_SCORE_RATIO * best.score)
    if close:
        return Answer(question, best, close, (), confident=False)
    # "mitosis vs meiosis": a question that also names another card's whole title is
    # answered by the best card, the other offered beside it (not a guess between them).
    named = index.titles_named(question, best.card.deck_id, limit=alternatives + 1)
    others_named = tuple(hit for hit in named if hit.card.id != best.card.id)[:alternatives]
    return Answer(question, best, others_named, (), confident=True)
