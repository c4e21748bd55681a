"""School subjects: the one a deck is of (its `subject`), and the one a student names around
a question ("chem mock next week", "for physics, how do i…", "english lit help pls",
"geography: how are ox-bow lakes formed").

A question that names a subject is meant for decks of that subject (answers.answer): with
several decks loaded only those answer it, and a deck of another subject has no note for
it, where before the question's topic words met a neighbouring deck's card ("for physics
how do i work out kinetic energy" got a Chemistry card). The names are general English,
like lexicon's word lists; nothing here knows a deck.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from tutor.text import EMOJI, MAX_QUERY_CHARS, plain_text

# Each subject and the names students and decks give it, longest first where one holds
# another ("english literature" before "english").
SUBJECT_NAMES: dict[str, tuple[str, ...]] = {
    "biology": ("biology", "bio"),
    "chemistry": ("chemistry", "chem"),
    "physics": ("physics",),
    "science": ("combined science", "triple science", "science", "sciences"),
    "geography": ("geography", "geog"),
    "history": ("history",),
    "english literature": ("english literature", "english lit", "eng lit"),
    "english language": ("english language", "english lang", "eng lang"),
    "english": ("english",),
    "maths": ("further maths", "mathematics", "maths", "math", "statistics"),
    "computing": ("computer science", "comp sci", "compsci", "computing", "ict"),
    "religious studies": ("religious studies", "religious education", "rs", "re"),
    "physical education": ("physical education", "sport science", "sports science", "pe"),
    "psychology": ("psychology", "psych"),
    "sociology": ("sociology",),
    "economics": ("economics",),
    "business": ("business studies", "business"),
    "french": ("french",),
    "german": ("german",),
    "spanish": ("spanish",),
    "art": ("art and design", "art"),
    "music": ("music",),
    "drama": ("drama",),
    "design and technology": ("design and technology", "dt"),
}
# Subjects that hold others: a Combined Science deck answers a chemistry question, an
# English Literature deck one for "english".
SUBJECTS_WITHIN: dict[str, frozenset[str]] = {
    "science": frozenset({"biology", "chemistry", "physics"}),
    "english": frozenset({"english literature", "english language"}),
}
# Words for schoolwork that show a subject's name is meant as the subject: "chem mock",
# "bio quiz", "history test", "physics help", "geography question", "my english teacher".
SCHOOLWORK_WORDS: tuple[str, ...] = (
    "test tests exam exams mock mocks homework hw quiz lesson lessons class teacher paper "
    "papers revision coursework fieldwork practical practicals essay essays gcse gcses q "
    "question questions help assignment project"
).split()
# Words before a subject's name that show it too when the name ends its clause: "for
# physics, how do i…", "in chem", "revising chemistry" (only for SUBJECT_ONLY_NAMES).
SUBJECT_CUES: tuple[str, ...] = ("for", "in", "my", "our", "doing", "revising", "studying")
# The names that mean nothing but the subject, which alone show it after a cue word or as
# a heading ("for physics, …", "geography: …"; not "good for business", "shown in art",
# "explain it in english", "german, french and british troops").
SUBJECT_ONLY_NAMES: tuple[str, ...] = (
    "biology",
    "bio",
    "chemistry",
    "chem",
    "physics",
    "geography",
    "geog",
    "history",
    "maths",
    "math",
    "mathematics",
    "computing",
    "psychology",
    "psych",
    "sociology",
    "economics",
    "english lit",
    "english literature",
    "eng lit",
    "english language",
    "english lang",
    "computer science",
    "comp sci",
    "religious studies",
    "physical education",
    "combined science",
    "triple science",
    "further maths",
)
# "in history" also says when ("the worst war in history"): after "in" it is no subject.
NOT_AFTER_IN: frozenset[str] = frozenset({"history"})

# Schoolwork that is the student's situation beside a subject's name ("bio quiz"); not a
# paper, which a deck may have notes on ("english language paper 1").
SITUATION_SCHOOLWORK: frozenset[str] = frozenset(SCHOOLWORK_WORDS) - {"paper", "papers"}

_NAME_TO_SUBJECT: dict[str, str] = {
    name: subject for subject, names in SUBJECT_NAMES.items() for name in names
}
_NAMES = "|".join(
    re.escape(name).replace(r"\ ", r"\s+")
    for name in sorted(_NAME_TO_SUBJECT, key=len, reverse=True)
)
_ONLY_NAMES = "|".join(
    re.escape(name).replace(r"\ ", r"\s+")
    for name in sorted(SUBJECT_ONLY_NAMES, key=len, reverse=True)
)
_SCHOOLWORK = "|".join(SCHOOLWORK_WORDS)
_CUES = "|".join(SUBJECT_CUES)
_WORD_START = r"(?<![\w'’])"  # "we're" holds no "re"
# A name followed by schoolwork ("bio quiz friday"); a name a cue word stands before that
# ends its clause ("for physics, how…"); a name opening the message as its heading
# ("geography: how are…", "english lit, how do i…").
_NAMED_FOR_SCHOOLWORK = re.compile(rf"{_WORD_START}({_NAMES})\s+(?:{_SCHOOLWORK})\b")
_CLAUSE_END = r"\s*(?:[,.!?:;()\n]|$)|\s+(?:how|what|whats|why|when|where|which|who|is|are)\b"
_NAMED_AFTER_CUE = re.compile(rf"\b({_CUES})\s+({_ONLY_NAMES})(?={_CLAUSE_END})")
_NAMED_ANYWHERE = re.compile(rf"{_WORD_START}(?:{_NAMES})\b")  # in a deck's `subject`
_NAMED_AS_HEADING = re.compile(rf"^\W*({_ONLY_NAMES})\s*[:,\-–—]")


def _canonical(name: str) -> str:
    return _NAME_TO_SUBJECT[" ".join(name.split())]


@lru_cache(maxsize=2048)
def subjects_named(question: str) -> frozenset[str]:
    """The school subjects a question names as its subject ("chem mock next week",
    "for physics, …"); empty when it names none, or names a subject's word only as a word
    ("what is psychology", "a geography word", "the history of the atom")."""
    text = EMOJI.sub(".", plain_text(question)[:MAX_QUERY_CHARS].lower())
    named = {_canonical(match.group(1)) for match in _NAMED_FOR_SCHOOLWORK.finditer(text)}
    for match in _NAMED_AFTER_CUE.finditer(text):
        cue, name = match.group(1), match.group(2)
        if not (cue == "in" and name in NOT_AFTER_IN):
            named.add(_canonical(name))
    if heading := _NAMED_AS_HEADING.match(text):
        named.add(_canonical(heading.group(1)))
    return frozenset(named)


@lru_cache(maxsize=256)
def deck_subjects(subject: str) -> frozenset[str]:
    """The subjects a deck's `subject` names ("English Literature", "Combined Science:
    Chemistry"); empty for one this module does not know, which then fits every question."""
    found = _NAMED_ANYWHERE.finditer(subject.lower())
    return frozenset(_canonical(match.group()) for match in found)


def subject_title(subject: str) -> str:
    """A subject as a reply names it: "physics" -> "Physics", "religious studies" ->
    "Religious Studies"."""
    return " ".join(word.capitalize() for word in subject.split())


def _related(one: str, other: str) -> bool:
    return (
        one == other
        or other in SUBJECTS_WITHIN.get(one, frozenset())
        or one in SUBJECTS_WITHIN.get(other, frozenset())
    )


def fits(deck: Iterable[str], named: Iterable[str]) -> bool:
    """Whether a deck of these subjects is one a question naming `named` is meant for (a
    deck whose subject is not known fits every question)."""
    deck = tuple(deck)
    return not deck or any(_related(mine, asked) for mine in deck for asked in named)


def subject_positions(joined: Sequence[str]) -> set[int]:
    """Positions of a subject's name with the schoolwork after it ("bio quiz", "chem
    mock", "english lit essay") in a question's words: the student's situation, which no
    card of the subject writes."""
    found: set[int] = set()
    for at, word in enumerate(joined):
        if word not in SITUATION_SCHOOLWORK or at == 0:
            continue
        for size in (2, 1):
            start = at - size
            if start >= 0 and " ".join(joined[start:at]) in _NAME_TO_SUBJECT:
                found.update(range(start, at + 1))
                break
    return found
