"""How a student addresses the tutor and says how they stand with the topic, never what it
is about: openers and vocatives ("guys …", "wait …", "sir, …", "… thanks miss") and the
phrases of standing and asking ("i dont understand …", "remind me …", "… in simple terms",
"… for gcse", "keep it short", "my mate reckons X. is that right?"). Part of the student's
situation (tutor.situation), which both the matcher and the chit-chat reader leave out.
General English; nothing here knows a deck.
"""

from __future__ import annotations

from collections.abc import Sequence

from tutor.lexicon import Phrases, word_phrases
from tutor.text import phrase_positions

# A teacher the student addresses ("sir", "miss"): a vocative here, a reporter in
# tutor.situation ("sir said…").
ADDRESSED_PEOPLE: frozenset[str] = frozenset({"sir", "miss"})
# How a student opens a message to the tutor, never what about: "guys what is…", "wait
# was trotsky…", "urgent!! …", "ugh how do…" (words no card writes, weighed as the rarest:
# "sir, did lenin want stalin sacked" got no card where the question alone got its card).
# At the start of a message, after any greeting or filler ("hey guys", "ok wait so").
OPENING_WORDS: frozenset[str] = frozenset(
    "guys yall wait urgent emergency sos ugh urgh argh bot chatbot".split()
)
OPENING_FILLERS: frozenset[str] = frozenset(
    """
    hey hi hiya hello yo oi ok okay so um umm erm uh oh ah ahh omg lol bro bruh please pls
    plz hold hang on
    """.split()
)
# "sir" or "miss" opening a message ("sir how does…", "miss stalin gave him…"), unless an
# object follows: "miss" is a verb too ("miss the funeral", "miss out on"). "Sir Edward
# Grey" loses only his title.
VERB_OBJECTS: frozenset[str] = frozenset(
    """
    the a an out my your his her their our its it them him me us you this that these those
    school lessons lesson class classes
    """.split()
)
# Closing a message addressed to the tutor: "…, sir", "… guys", "thanks miss" ("miss" only
# after a thanks or a please: "did trotsky miss").
CLOSING_ADDRESSES: frozenset[str] = frozenset({"sir", "guys", "yall"})
POLITE_WORDS: frozenset[str] = frozenset(
    "thanks thank ty thx cheers tysm please pls plz x xx".split()
)
# How the student stands with the topic, or how they want it told, wherever they say it:
# "i dont understand …", "remind me …", "… in simple terms", "… for gcse", "im so tired
# but …" (*understand*, *remind*, *simple*, *terms*, *gcse*, *tired* weighed as words no
# card writes: each framing lost 8–16 % of the tune questions it was put around).
STANDING_PHRASES: Phrases = word_phrases(
    "i dont understand",
    "i dont really understand",
    "i still dont understand",
    "i just dont understand",
    "i cant understand",
    "help me understand",
    "i need help with",
    "need help with",
    "remind me",
    "in simple terms",
    "in simple words",
    "in simple english",
    "in plain english",
    "simply put",
    "explain simply",
    "like im five",
    "like im 5",
    "for gcse",
    "for my gcse",
    "for my gcses",
    "at gcse",
    "gcse level",
    "im so tired",
    "im tired",
    "so tired",
    "im exhausted",
    "im struggling",
    "struggling with",
    "my brain is fried",
    "brain is fried",
    "brain fried",
    # how they want it told
    "keep it short",
    "keep it simple",
    "short answer",
    "short version",
    "step by step",
    "dont use big words",
    "no big words",
    "without big words",
    "in a few words",
    "in one sentence",
    "explain it like",
    "remember it",
    "remember this",
    "remember them",
    # asides
    "not gonna lie",
    "not going to lie",  # as a deck reads "gonna" (shorthand.SHORTHAND)
    "no offence",
    "i promise",
    "last one",
    "one last",
    "one more",
    "sound stupid",
    "sounds stupid",
    "sound dumb",
    "sounds dumb",
    # checking a claim ("my mate reckons lenin chose stalin. is that right?"): the claim is
    # the question, the tag is not (*right* is the Stalin deck's faction)
    "is that right",
    "is that true",
    "is that actually true",
    "is that really true",
    "is this true",
    "is this right",
    "is that correct",
    "is this correct",
    "is it true that",
    "is that a thing",
    "am i right",
    "am i wrong",
    # lessons missed and work being done ("i was off sick for the lesson on …", "doing a
    # presentation on …")
    "off sick",
    "i was ill",
    "i was off",
    "missed the lesson",
    "missed that lesson",
    "missed the lesson on",
    "the lesson on",
    "doing a presentation on",
    "doing a project on",
    "group presentation",
    # when they have to be somewhere ("i got 5 mins before class")
    "before class",
    "before school",
    "before the lesson",
    "before my lesson",
    "before lesson",
    "before registration",
)


def addressing_positions(joined: Sequence[str]) -> set[int]:
    """Positions of the words that address the tutor or say how the student stands with
    the topic (the module's lists), wherever they stand."""
    return _opening_and_closing(joined) | phrase_positions(joined, STANDING_PHRASES)


def _opening_and_closing(joined: Sequence[str]) -> set[int]:
    """Positions of the words that open or close a message addressed to the tutor: "guys",
    "wait", "urgent", "sir" or "miss" with no object after at the start (after any greeting
    or filler: "hey guys", "ok wait so"); "sir", "guys", "thanks miss" at the end."""
    found: set[int] = set()
    for at, word in enumerate(joined):
        if word in OPENING_WORDS or (
            word in ADDRESSED_PEOPLE
            and joined[at + 1 : at + 2]
            and joined[at + 1] not in VERB_OBJECTS
        ):
            found.add(at)
        elif word not in OPENING_FILLERS:
            break
    last = len(joined) - 1
    if last > 0 and (
        joined[last] in CLOSING_ADDRESSES
        or (joined[last] in ADDRESSED_PEOPLE and joined[last - 1] in POLITE_WORDS)
    ):
        found.add(last)
    return found
