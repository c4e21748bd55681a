"""Recognise the few kinds of chit-chat a student sends: hello, thanks, who are you, ok, bye.

Deliberately small and bounded: a message is chit-chat only when the WHOLE message is
one of these phrases (give or take punctuation, emoji, a name for the bot and repeated
letters), so "hi, why did stalin win" still goes to the matcher and "lol" or "asdf"
still get the ordinary no-note reply.
"""

from __future__ import annotations

import re
from enum import StrEnum


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    IDENTITY = "identity"
    ACKNOWLEDGEMENT = "acknowledgement"
    FAREWELL = "farewell"


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
        "what do you do",
        "what is this",
        "whats this",
        "what is this bot",
        "whats your name",
        "what is your name",
        "how does this work",
        "how do you work",
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
    ]
)
_KINDS = (
    (_GREETINGS, SmallTalk.GREETING),
    (_THANKS, SmallTalk.THANKS),
    (_IDENTITY, SmallTalk.IDENTITY),
    (_ACKNOWLEDGEMENTS, SmallTalk.ACKNOWLEDGEMENT),
    (_FAREWELLS, SmallTalk.FAREWELL),
)
_FILLER = frozenset({"there", "bot", "tutor", "mate", "everyone", "all", "again", "please"})
"""Words that may surround a phrase without changing it ("hi there", "thanks bot")."""
_REPEATS = re.compile(r"([a-z])\1{2,}")
MAX_WORDS = 8


def recognise(text: str) -> SmallTalk | None:
    """The kind of chit-chat the whole of `text` is, or None."""
    words = re.sub(r"[^a-z ]+", " ", text.lower().replace("'", "").replace("’", "")).split()
    if not words or len(words) > MAX_WORDS:
        return None
    # "hiiii", "thanksss": three or more of a letter are one ("hello" keeps its two).
    words = [_REPEATS.sub(r"\1", word) for word in words]
    phrase = " ".join(word for word in words if word not in _FILLER)
    for phrases, kind in _KINDS:
        if phrase in phrases:
            return kind
    return None
