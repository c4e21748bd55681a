"""How a question is read before any deck sees it: markup stripped, words normalised,
multi-word verbs joined, function words and question scaffolding dropped.

Every deck of a library reads each question (and, while calibrating, each probe) in turn;
what does not depend on the deck's words is read here, once for all of them
(deck_index.DeckIndex then spells out shorthand and repeated letters against its own
vocabulary).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutor.addressing import ADDRESSED_PEOPLE, CLOSING_ADDRESSES, OPENING_FILLERS
from tutor.formulas import read_formulas
from tutor.lexicon import (
    AUTHORIAL_VERB_CUES,
    AUTHORIAL_VERBS,
    COURTESIES,
    DISCOURSE_MARKERS,
    EXAM_CUES,
    EXAM_DETERMINERS,
    EXAM_STEMS,
    EXAM_WORDS,
    EXAMPLE_CUES,
    EXAMPLE_WORDS,
    MARK_WORDS,
    MARKED_QUESTION_WORDS,
    MODAL_BEFORE_TO,
    NOT_WRITERS,
    POINT_QUESTIONS,
    REQUEST_WORDS,
    REQUEST_WORDS_UNLESS_NAMED,
    STOP_VERBS,
    STOPWORDS,
    WHY_PHRASES,
    WHY_WORDS,
    WRITER_CUES,
)
from tutor.notation import notation_words
from tutor.sections import read_sections
from tutor.shorthand import SHORTHAND
from tutor.situation import situation_positions
from tutor.text import (
    EMOJI,
    ENGLISH_WORD_MIN_FREQUENCY,
    MAX_QUERY_CHARS,
    english_frequency,
    is_exhibit,
    mend_slips,
    normalise,
    phrase_positions,
    plain_text,
    spell_texting_digits,
    word_meaning,
)
from tutor.wordlinks import PHRASE_JOINER, is_english, join_phrases, phrase_parts

# Questions whose reading is kept: more than the noise probes, which every deck reads in
# turn while a library is calibrated.
READ_CACHE_SIZE = 2048
HOW = "how"
# A question typed as numbers under this only is no question (meanings); a year is a topic.
SMALL_NUMBER_LIMIT = 1000
_TYPED_NUMBER = re.compile(r"(\d+)(?:st|nd|rd|th)?")
# A word of at least this many letters that no English text writes and that is one slip
# (a letter left out, added or changed, or two swapped) from a common function word,
# question verb or word asking for notes is that word mistyped ("expain", "waht",
# "defintion", "understnd"; two slips from seven letters on, "explane"): read as it, it is
# scaffolding, where as a word no card writes it weighed as the rarest and the question
# got no card.
SCAFFOLDING_TYPO_MIN_LETTERS = 4
LONG_SLIP_LETTERS = 7
# A message that opens by addressing the tutor, a comma or colon after ("sir, stalin gave
# him the wrong day…", "hey miss: …"): the name is no word of the question. With no comma
# the words are read by tutor.addressing, which leaves "sir" out as a title too ("sir
# edward grey") and keeps "miss" where an object follows ("miss the funeral").
_ADDRESSED = re.compile(
    r"^\W*(?:(?:{})\W+)*(?:{})\s*[,:]".format(
        "|".join(sorted(OPENING_FILLERS)), "|".join(sorted(ADDRESSED_PEOPLE | CLOSING_ADDRESSES))
    ),
    re.IGNORECASE,
)


@lru_cache(maxsize=READ_CACHE_SIZE)
def typed_words(query: str) -> tuple[str, ...]:
    """The question as normalised words, markup and quoted lines removed, digits texted for
    words spelled out, what any maths it pastes is, in words ("double brackets"), and the
    formulas and numbered parts ("act 1 scene 7") it writes as their terms, not as words
    (formulas.read_formulas, sections.read_sections)."""
    text, sections = read_sections(_ADDRESSED.sub("", plain_text(query)[:MAX_QUERY_CHARS], 1))
    prose, formulas = read_formulas(text)
    words = mend_slips(spell_texting_digits(normalise(prose).split()))
    return tuple(words + notation_words(text) + formulas + sections)


@lru_cache(maxsize=READ_CACHE_SIZE)
def meanings(words: tuple[str, ...]) -> tuple[str, ...]:
    """The meaningful words of normalised words: multi-word verbs joined, function words
    (and "able" in "able to", "Priestley present" in "how does Priestley present", an exam
    paper's "(6 marks)", "using a named example" and "for the exam") dropped, each once.
    None of a question typed as nothing but small numbers ("1", "2nd"): a count, or a reply to
    buttons no longer shown, not the "One" a title writes; a year ("1924") is a topic, and
    a number spelt out ("five", "one") may be a name the deck writes (*Five Year Plans*)."""
    found = []
    typed_digits = []
    joined = join_phrases(words)
    writers = _writers(joined)
    furniture = _exam_furniture(joined) | situation_positions(joined)
    for at, word in enumerate(joined):
        if at in writers or at in furniture:
            continue  # "how does Priestley present Sybil" asks about Sybil; "(6 marks)"
        if word in MODAL_BEFORE_TO and joined[at + 1 : at + 2] == ["to"]:
            continue  # "was able to defeat" is "could defeat"
        if word in AUTHORIAL_VERBS and AUTHORIAL_VERB_CUES.intersection(
            joined[max(0, at - 2) : at]
        ):
            continue  # "how does Priestley present": how, not what
        if word in AUTHORIAL_VERBS and joined[at + 1 : at + 2] == [HOW]:
            continue  # "Explore how Shakespeare presents…": the paper's instruction
        if PHRASE_JOINER in word:
            if phrase_parts(word):
                found.append(word)
            continue
        if meaning := word_meaning(word):  # the word is normalised already
            found.append(meaning)
            typed_digits.append(_is_small_number(word))
    if all(typed_digits):
        return ()
    return tuple(dict.fromkeys(found))


def _is_small_number(word: str) -> bool:
    """Whether a word is typed as a number under SMALL_NUMBER_LIMIT ("1", "17", "2nd")."""
    number = _TYPED_NUMBER.fullmatch(word)
    return number is not None and int(number[1]) < SMALL_NUMBER_LIMIT


def _exam_furniture(joined: Sequence[str]) -> set[int]:
    """Positions of an exam paper's furniture: the marks ("(6 marks)"), "using a named
    example", "for the exam" and a paper's question stems ("describe two features of",
    "write an account of", "how useful is … for an enquiry into"), which say how or why
    the student asks, not what about."""
    found: set[int] = set()
    for at, word in enumerate(joined):
        if word in MARK_WORDS and at and joined[at - 1].isdigit():
            found.update((at - 1, at))
            if joined[at + 1 : at + 2] and joined[at + 1] in MARKED_QUESTION_WORDS:
                found.add(at + 1)  # "a 4 mark q"
        if word in EXAMPLE_WORDS and at and joined[at - 1] == "named":
            found.update((at - 1, at))
            if at >= 3 and joined[at - 3] in EXAMPLE_CUES:  # "using a named example"
                found.add(at - 3)
        cued = at >= 2 and joined[at - 2] in EXAM_CUES and joined[at - 1] in EXAM_DETERMINERS
        if word in EXAM_WORDS and cued:  # "quotes for the exam", "in my exam"
            found.update((at - 2, at - 1, at))
    # "Describe two features of…", "…for an enquiry into…"; "whats the point of…"
    phrases = phrase_positions(joined, EXAM_STEMS) | phrase_positions(joined, POINT_QUESTIONS)
    marked = phrase_positions(joined, DISCOURSE_MARKERS) | phrase_positions(joined, COURTESIES)
    return found | phrases | marked


def _writers(joined: Sequence[str]) -> set[int]:
    """Positions of the writer in "how does <writer> present/explore…" (lexicon.WRITER_CUES)
    and in "how <writer> presents/explores…", as a paper's bullets put it."""
    return {
        at - 1
        for at, word in enumerate(joined)
        if word in AUTHORIAL_VERBS
        and at >= 2
        and (
            joined[at - 2] in WRITER_CUES
            or (joined[at - 2] == HOW and word.endswith("s") and joined[at - 1] not in NOT_WRITERS)
        )
        and not is_exhibit(joined[at - 1])
    }


@lru_cache(maxsize=1)
def scaffolding_words() -> tuple[str, ...]:
    """The common function, question and request words a slip is read as (English words
    all, so initials such as *tldr* are not)."""
    words = STOPWORDS | STOP_VERBS | REQUEST_WORDS | REQUEST_WORDS_UNLESS_NAMED
    return tuple(
        sorted(
            word
            for word in words
            if len(word) >= SCAFFOLDING_TYPO_MIN_LETTERS
            and (is_english(word) or english_frequency(word) >= ENGLISH_WORD_MIN_FREQUENCY)
        )
    )


@lru_cache(maxsize=READ_CACHE_SIZE)
def scaffolding_typo(word: str) -> str | None:
    """The function word, question verb or request word a word is one slip from (the most
    common, when several are), or None: a word written in English ("dose", "tell") is
    itself; one the word list never meets is a slip even when it looks like a form of a
    WordNet word ("explane", "summerise")."""
    if len(word) < SCAFFOLDING_TYPO_MIN_LETTERS or not word.isalpha():
        return None
    if word in STOPWORDS:  # "dont", "wont" as typed: not *done*, *won*
        return None
    if english_frequency(word) > 0:
        return None
    slips = 2 if len(word) >= LONG_SLIP_LETTERS else 1
    found = process.extract(
        word, scaffolding_words(), scorer=OSA.distance, score_cutoff=slips, limit=None
    )
    if not found:
        return None
    return max(found, key=lambda row: (english_frequency(row[0]), row[0]))[0]


@lru_cache(maxsize=READ_CACHE_SIZE)
def asks_why(query: str) -> bool:
    """Whether a question asks for reasons: "why" (texted "y"), "reasons", "how far",
    "to what extent"."""
    words = [SHORTHAND.get(word, word) for word in typed_words(query)]
    return bool(WHY_WORDS.intersection(words) or phrase_positions(words, WHY_PHRASES))


# Where one sentence of a message ends and the next begins: question and exclamation
# marks, semicolons, line breaks, a full stop that is not a decimal point ("35.5"), an
# ellipsis, and emoji, which students type where a full stop would go ("what even is that
# 😂 my mate said…").
_SENTENCE_BREAK = re.compile(rf"[?!;\n]+|\b(?:lol|lmao|haha|ngl|tbh)\b|\.+(?!\d)|{EMOJI.pattern}")
_ASKING_OPENERS = frozenset(
    """
    what whats what's wat wot how hows how's why y where wheres where's when who whos who's
    whose which explain describe define is are was were does do did can could should would
    will has have
    """.split()
)
_TYPED_WORD = re.compile(r"[a-z0-9']+")
_LEAD_IN = frozenset("so ok okay but and like basically also then um erm right well".split())
_FIRST_PERSON = frozenset("i im ive id ill my me mine myself we our us ours".split())


def asked_sentences(query: str) -> tuple[str, ...]:
    """The sentences of a message of several that ask something, in order: those ending in
    a question mark or opening (after "so", "ok", "but"…) with a question word or a verb
    that opens a question ("whats a protocol? such a basic question but i genuinely cant
    define it" asks "whats a protocol"). Empty for a message of one sentence."""
    text = plain_text(query)[:MAX_QUERY_CHARS]
    pieces = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        pieces.append((text[start : match.start()], "?" in match.group()))
        start = match.end()
    pieces.append((text[start:], False))
    sentences = [(piece.strip(), asked) for piece, asked in pieces if normalise(piece).split()]
    if len(sentences) < 2:
        return ()
    asking = [piece for piece, asked in sentences if asked or _opens_question(piece)]
    *told, (last, _) = sentences
    if not asking and not _tells(last) and all(_tells(piece) for piece, _ in told):
        return (last,)  # "its 2am and i cant sleep bc of this. osmosis"
    return tuple(asking)


def _tells(sentence: str) -> bool:
    """Whether a sentence tells of the student: it writes a first-person word ("I missed
    the lesson on this", "its 2am and i cant sleep")."""
    words = _TYPED_WORD.findall(sentence.lower().replace("’", "'"))
    return any(word.split("'")[0] in _FIRST_PERSON for word in words)


def _opens_question(sentence: str) -> bool:
    """Whether a sentence opens, after any lead-in words, with a word that opens questions
    (as typed: "we're" is not "were")."""
    for word in _TYPED_WORD.findall(sentence.lower().replace("’", "'")):
        if word not in _LEAD_IN:
            return word in _ASKING_OPENERS
    return False
