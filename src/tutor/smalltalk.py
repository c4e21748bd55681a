"""Recognise the few kinds of chit-chat a student sends: hello, thanks, who are you, ok,
bye, "that's not what I asked", "tell me a joke", "im so stressed about my exams" and
"can u help me revise? idk where to start".

Deliberately small and bounded: a message is chit-chat only when the WHOLE message is
one of these phrases (give or take punctuation, emoji, texting shorthand, a name for the
bot, a few filler words, sounds like "hmm", repeated letters and repeated words), so "hi,
why did stalin win" still goes to the matcher and "lol" or "asdf" still get the ordinary
no-note reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from tutor.lexicon import DISCOURSE_MARKERS, STOPWORDS, Phrases, word_phrases
from tutor.shorthand import SHORTHAND
from tutor.situation import (
    ASSESSMENT_WORDS,
    SCHOOL_SUBJECTS,
    SITUATION_JOINERS,
    WHEN_WORDS,
    situation_positions,
)
from tutor.text import collapse_repeats, phrase_positions


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    IDENTITY = "identity"
    ACKNOWLEDGEMENT = "acknowledgement"
    FAREWELL = "farewell"
    COMPLAINT = "complaint"
    PLAY = "play"
    WORRY = "worry"
    STUDY_HELP = "study help"
    GRUMBLE = "grumble"


_GREETINGS = frozenset(
    [
        *"hi hello hey hiya heya howdy yo hallo hola greetings sup wassup morning evening".split(),
        "good morning",
        "good afternoon",
        "good evening",
        "good day",
        "whats up",
        "how are you",
        "how r u",
        "hows it going",
        "how are you doing",
        "how are you today",
        "how are you doing today",
        "hows your day",
        "hows your day going",
        "how was your day",
        "anyone there",
        "anyone awake",
        "anybody there",
        "is anyone there",
        "is anybody there",
    ]
)
_THANKS = frozenset(
    [
        *"thanks thank thx ty cheers ta thanx tysm".split(),
        "thank you",
        "thank u",
        "thanks a lot",
        "thank you so much",
        "thanks so much",
        "many thanks",
        "thanks very much",
        "thank you very much",
        "that helps",
        "that helped",
        "great thanks",
        "ok thanks",
        "okay thanks",
    ]
)
_IDENTITY = frozenset(
    [
        "who are you",
        "who r u",
        "who are u",
        "what are you",
        "what r u",
        "are you a bot",
        "are you human",
        "are you real",
        "what can you do",
        "what can you help me with",
        "what can you help with",
        "how can you help",
        "how can you help me",
        "what do you do",
        "what is this",
        "whats this",
        "what is this bot",
        "whats your name",
        "what is your name",
        "how does this work",
        "how do you work",
        "are you a person",
        "are you a real person",
        "are you a robot",
        "are you ai",
        "are you an ai",
        "are you chatgpt",
        "who made you",
        "who created you",
        "who built you",
        "who made this bot",
        "who built this bot",
        "who made this",
        "are you a real person or a bot",
        "are you a person or a bot",
        "are you human or a bot",
        "are you a bot or a person",
        "are you a bot or a real person",
        "are you real or a bot",
        "what are you doing this weekend",
        "what are you doing",
        "what are you up to",
        "do you have feelings",
        "are you alive",
        *(
            f"what is your favourite {thing}"
            for thing in "colour color subject food animal film movie song band game sport".split()
        ),
    ]
)
_ACKNOWLEDGEMENTS = frozenset(
    [
        *"ok okay okey k kk cool nice great alright aight sure fine noted".split(),
        "got it",
        "i see",
        "makes sense",
        "that makes sense",
        "ok cool",
        "ok got it",
        "sounds good",
    ]
)
_FAREWELLS = frozenset(
    [
        *"bye goodbye byee night nite gn cya laters later ttyl gtg g2g".split(),
        "bye bye",
        "good night",
        "goodnight",
        "night night",
        "see you",
        "see ya",
        "see you later",
        "see you tomorrow",
        "got to go",
        "gotta go",
        "ok bye",
        "ok good night",
        "im off",
        "ok night",
        "ok gn",
        "ok see you",
    ]
)
_COMPLAINTS = frozenset(
    [
        *"useless rubbish wrong stupid bad".split(),
        "you are useless",
        "your useless",
        "youre useless",
        "this is useless",
        "you are rubbish",
        "this is rubbish",
        "you are wrong",
        "thats wrong",
        "that is wrong",
        "thats not it",
        "not what i asked",
        "thats not what i asked",
        "that is not what i asked",
        "thats not what i meant",
        "you dont understand",
        "you dont get it",
        "doesnt help",
        "that doesnt help",
        "not helpful",
        "this is not helpful",
    ]
)
# Asking the bot to play rather than teach, or saying revision is boring: every student
# tries it once, and a deck with a card on comic relief must not answer "tell me a joke"
# with it.
_PLAY = frozenset(
    [
        "bored",
        "tell me a joke",
        "tell a joke",
        "tell me another joke",
        "tell me something funny",
        "say something funny",
        "do you know any jokes",
        "know any jokes",
        "make me laugh",
        "entertain me",
        "im bored",
        "i am bored",
        "bored of revising",
        "im bored of revising",
        "i am bored of revising",
        "im bored of revision",
        "sick of revising",
        "im sick of revising",
        "tired of revising",
        "im tired of revising",
        "im tired of revision",
        "sing me a song",
        "sing a song",
        "tell me a story",
        "lets play a game",
        "play a game",
        "can we play a game",
    ]
)
_FILLER = frozenset(
    {"there", "bot", "tutor", "mate", "everyone", "all", "again", "please"}
    | {"actually", "so", "really", "literally", "just", "very", "ugh"}
    | {"omg", "lol", "ngl", "tbh", "and", "also", "x"}
)
"""Words that may surround a phrase without changing it ("hi there", "thanks bot", "ur
actually so useless", "night x": a kiss, as "xx" is everywhere)."""
_SOUNDS = frozenset("hm hmm m mm um umm uh uhh er err erm ah ahh oh ohh eh".split())
"""Thinking aloud, with repeated letters typed once ("hmmmm" -> hm, "mmm" -> m): around a
phrase they change nothing ("hmm ok", "ahh thanks"); a message of nothing else is an
acknowledgement."""
MAX_WORDS = 10
# Worry about exams ("im so stressed for my maths mock tmrw 😭", "im nervous about my
# exams", "panicking i havent revised anything"): a feeling and nothing else but the exam,
# its day and everyday words. A topic beside it ("stressed about osmosis") is a question;
# alone, "stressed" met a Biology card on stress as a risk to health.
_WORRY_WORDS = frozenset(
    """
    stressed stressing worried worrying nervous anxious scared panicking panicked freaking
    terrified dreading overwhelmed doomed screwed cry crying upset gutted disappointed
    devastated
    """.split()
)
_WORRY_PHRASES = word_phrases(
    "feel sick",
    "havent revised",
    "not revised",
    "no revision",
    "zero revision",
    "gonna fail",
    "going to fail",
    "forgotten everything",
    "forgot everything",
    "cant sleep",
    "cant even sleep",
)
_WORRY_COMPANIONS = (
    STOPWORDS
    | ASSESSMENT_WORDS
    | WHEN_WORDS
    | SITUATION_JOINERS
    | SCHOOL_SUBJECTS
    | frozenset(
        """
        revised revise revising revision studied anything enough ready prepared ngl lol tbh
        omg ugh honestly cant abt bout gonna fail failing die dying out gcse gcses feel
        bad zero sleep properly like learnt learned ever
        """.split()
    )
)
_WORRY_VOCABULARY = _WORRY_WORDS | _WORRY_COMPANIONS | _FILLER
# Thanks with what for ("thanks for the help", "ty for explaining", "thanks that was really
# useful", "thanks for helping me earlier, ur better than my tutor lol"): a thanks word
# first, then only words of thanking and praise; "thanks to the nep peasants could sell
# their grain" and "thanks for the help with osmosis" are not chit-chat.
_THANKS_OPENERS = frozenset({"thanks", "thank", "ty", "thx", "cheers", "tysm", "ta"})
_THANKS_TAIL = (
    STOPWORDS
    | _FILLER
    | frozenset(
        """
        for help helping helped helpful explaining explained useful great good amazing
        brilliant awesome perfect lifesaver legend best better tutor teacher earlier today
        tonight again bro mate x xx u ur revise revising revision yesterday btw actual
        actually
        """.split()
    )
) - {"to"}
MAX_THANKS_WORDS = 16
MAX_WORRY_WORDS = 16  # a worry, boredom, a grumble, or asking how to revise
# Grumbling about school ("my history teacher gave us SO much homework this week its
# actually unfair", "my teacher gave me a detention for talking when it wasnt even me"): a
# grumble and nothing else but school life and everyday words.
_GRUMBLE_WORDS = frozenset(
    "annoying unfair illegal detention hate hates strict rude shouted moaned nagging".split()
)
_GRUMBLE_VOCABULARY = (
    _WORRY_VOCABULARY
    | _GRUMBLE_WORDS
    | frozenset(
        """
    teacher teachers homework essays essay pages page seat moved friends friend reason rain
    run cold still made gave give gives set sets loads lot lots week school class lesson
    lessons talking wasnt actually literally surely told keeps keep whole everyone
    """.split()
    )
)
# Boredom with nothing else but school and everyday words ("im so bored rn, just talk to me
# for a bit", "so bored in study period lol entertain me", "maths is so boring i cant do
# this anymore"): play, like "im bored" said alone.
_BORED_WORDS = frozenset({"bored", "boring", "boredom"})
_BORED_VOCABULARY = (
    _WORRY_VOCABULARY
    | _BORED_WORDS
    | frozenset(
        """
    talk chat bit period free study entertain anymore lesson lessons class revising revision
    """.split()
    )
)
# Asking how to revise rather than about a topic ("can u help me revise? idk where to
# start", "help me make a revision timetable", "i keep procrastinating", "how should i
# revise for my mocks"): one of these phrases and nothing else but the exam, its day and
# everyday words. Asked of the matcher, "timetable" met History's 'War by timetable' and
# "start" a Maths card; "help me revise osmosis" names a topic and is a question.
_STUDY_PHRASES = word_phrases(
    "help me revise",
    "help me study",
    "help me with revision",
    "help me with my revision",
    "help with revision",
    "help with my revision",
    "help revising",
    "how do i revise",
    "how should i revise",
    "how to revise",
    "how do i study",
    "how should i study",
    "how to study",
    "best way to revise",
    "revision timetable",
    "revision plan",
    "revision schedule",
    "study timetable",
    "study plan",
    "revision tips",
    "study tips",
    "where do i start",
    "where to start",
    "where should i start",
    "what should i revise",
    "what do i revise",
    "what to revise",
    "what to do first",
    "what should i do first",
    "what do i do first",
    "procrastinating",
    "procrastinate",
    "cant focus",
    "cant concentrate",
    "no motivation",
    "not motivated",
)
_STUDY_VOCABULARY = _WORRY_VOCABULARY | frozenset(
    """
    helping plan timetable schedule start begin keep stop myself tips advice best holidays
    holiday easter christmas summer half term focus concentrate motivation motivated
    """.split()
)


def _phrase(words: Iterable[str]) -> str:
    """Words as the phrase they say: texting shorthand spelled out ("ur" -> your, "whats"
    -> what is), filler words left out."""
    spelled = " ".join(SHORTHAND.get(word, word) for word in words).split()
    return " ".join(word for word in spelled if word not in _FILLER)


def _phrases(written: Iterable[str]) -> frozenset[str]:
    """Known phrases read the way a message is, so both meet in the same words."""
    return frozenset(_phrase(phrase.split()) for phrase in written) - {""}


_KINDS = (
    (_phrases(_GREETINGS), SmallTalk.GREETING),
    (_phrases(_THANKS), SmallTalk.THANKS),
    (_phrases(_IDENTITY), SmallTalk.IDENTITY),
    (_phrases(_ACKNOWLEDGEMENTS), SmallTalk.ACKNOWLEDGEMENT),
    (_phrases(_FAREWELLS), SmallTalk.FAREWELL),
    (_phrases(_COMPLAINTS), SmallTalk.COMPLAINT),
    (_phrases(_PLAY), SmallTalk.PLAY),
)


# Kinds read from a cue and a closed vocabulary rather than a whole phrase, in this order:
# (kind, the words besides the cues it may hold, cue words, cue phrases).
_SAID_ONLY: tuple[tuple[SmallTalk, frozenset[str], frozenset[str], Phrases], ...] = (
    (SmallTalk.WORRY, _WORRY_VOCABULARY, _WORRY_WORDS, _WORRY_PHRASES),
    (SmallTalk.STUDY_HELP, _STUDY_VOCABULARY, frozenset(), _STUDY_PHRASES),
    (SmallTalk.PLAY, _BORED_VOCABULARY, _BORED_WORDS, word_phrases()),
    (SmallTalk.GRUMBLE, _GRUMBLE_VOCABULARY, _GRUMBLE_WORDS, word_phrases()),
)


def recognise(text: str) -> SmallTalk | None:
    """The kind of chit-chat the whole of `text` is, or None."""
    words = re.sub(r"[^a-z ]+", " ", text.lower().replace("'", "").replace("’", "")).split()
    marked = phrase_positions(words, DISCOURSE_MARKERS)  # "… in general", "to be honest"
    words = [word for at, word in enumerate(words) if at not in marked]
    if len(words) <= MAX_WORRY_WORDS:
        said = _spelled(words)
        for kind, vocabulary, cues, cue_phrases in _SAID_ONLY:
            if _said_only(said, vocabulary, cues, cue_phrases):
                return kind
    if _is_thanks_for(words):
        return SmallTalk.THANKS
    situation = situation_positions(words)  # "im so bored of revising, test tomorrow"
    unsituated = [word for at, word in enumerate(words) if at not in situation]
    # The whole message first: "im so tired of revising" is chit-chat as said, though
    # "im so tired" is also a situation that would leave "of revising".
    kinds = (_kind(words), _kind(unsituated)) if situation else (_kind(words),)
    return next((kind for kind in kinds if kind is not None), None)


def _kind(words: list[str]) -> SmallTalk | None:
    """The kind of chit-chat that `words` are as a whole (one of _KINDS), or None."""
    if not words or len(words) > MAX_WORDS:
        return None
    # "hiiii", "thanksss": three or more of a letter are one ("hello" keeps its two).
    words = [collapse_repeats(word) for word in words]
    sayings = [word for word in words if word not in _SOUNDS]
    if not sayings:
        return SmallTalk.ACKNOWLEDGEMENT  # "hmm", "ahhh"
    phrase = _phrase(_said_once(sayings))
    return _kind_of(phrase) or _kind_of_two(phrase)


def _kind_of(phrase: str) -> SmallTalk | None:
    """The kind of chit-chat a known phrase is, or None."""
    return next((kind for phrases, kind in _KINDS if phrase in phrases), None)


def _kind_of_two(phrase: str) -> SmallTalk | None:
    """The kind of the second of two known phrases said one after the other ("good
    morning how are you", "hi are you a real person or a bot", "gn ttyl", "thanks bye"),
    or None."""
    words = phrase.split()
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if _kind_of(first) is not None and (kind := _kind_of(second)) is not None:
            return kind
    return None


def _is_thanks_for(words: list[str]) -> bool:
    """Whether the words thank the bot and say what for, and no more (_THANKS_TAIL)."""
    if not words or len(words) > MAX_THANKS_WORDS or words[0] not in _THANKS_OPENERS:
        return False
    words = _spelled(words)  # "thank you sooo much", "thanks thats rly helpful"
    tail = words[2:] if words[:2] == ["thank", "you"] else words[1:]
    return bool(tail) and all(word in _THANKS_TAIL for word in tail)


def _spelled(words: list[str]) -> list[str]:
    """The words with letters typed over and over typed once and shorthand spelled out
    ("sooo", "u" -> so, you), as the kinds of _SAID_ONLY are read."""
    spelled = [SHORTHAND.get(word, word) for word in map(collapse_repeats, words)]
    return " ".join(spelled).split()


def _said_only(
    said: list[str], vocabulary: frozenset[str], cues: frozenset[str], cue_phrases: Phrases
) -> bool:
    """Whether the words (_spelled) hold a cue word or phrase of a kind and nothing but
    its vocabulary besides (_SAID_ONLY)."""
    in_phrases = phrase_positions(said, cue_phrases)
    cued = bool(in_phrases) or bool(cues.intersection(said))
    return cued and all(at in in_phrases or word in vocabulary for at, word in enumerate(said))


def _said_once(words: list[str]) -> list[str]:
    """A word said again straight after itself said once ("ok ok ok" -> ok)."""
    return [word for at, word in enumerate(words) if not at or words[at - 1] != word]
