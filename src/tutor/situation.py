"""The student's own situation around a question: an exam with its day ("omg i have an exam
tomorrow and…"), a test they have, "my teacher", "stuck on". It says when and why they ask,
not what about, so the matcher (reading.meanings) and the chit-chat reader
(smalltalk.recognise: "im so bored of revising, test tomorrow") both leave it out.
"""

from __future__ import annotations

from collections.abc import Sequence

from tutor.lexicon import (
    ADDRESSED_PEOPLE,
    ASSESSMENT_WORDS,
    COME_WORDS,
    COMING_UP_JOINERS,
    FORGET_ADVERBS,
    FORGET_TOPIC_CUES,
    FORGET_WORDS,
    FORGETTERS,
    FORGOTTEN_THINGS,
    GOT_WRONG_FILLERS,
    GOT_WRONG_VERBS,
    HAVERS,
    HAVING_DETERMINERS,
    HAVING_WORDS,
    MIX_WORDS,
    OTHERS_DETERMINERS,
    OWN_PEOPLE,
    OWN_TEACHER_CUES,
    PAPERWORK_DETERMINERS,
    PAPERWORK_PREPOSITIONS,
    PAPERWORK_WORDS,
    PAST_PAPER,
    REPORTING_VERBS,
    SCHOOL_SUBJECTS,
    SITUATION_JOINERS,
    STUCK_CUES,
    STUCK_WORDS,
    TOLD_WHEN_PHRASES,
    WHEN_WORDS,
    WRONG,
)

# How many words an exam and its day may stand apart ("my exam is in 2 days": 4).
SITUATION_REACH = 5
# Words that may qualify a piece of schoolwork: "my maths homework", "the mock exam".
SCHOOL_WORK_QUALIFIERS = SCHOOL_SUBJECTS | ASSESSMENT_WORDS


def situation_positions(joined: Sequence[str]) -> set[int]:
    """Positions of the student's own situation around the question (lexicon's
    ASSESSMENT_WORDS…): an exam with its day ("exam tomorrow", "my test is on friday",
    "tomorrow i have a biology mock"), a test they have ("because i have a test"), "my
    teacher", "stuck on". As words no card writes they weighed as the rarest, so "omg i have
    an exam tomorrow and i dont get osmosis" got no card."""
    found: set[int] = set()
    for at, word in enumerate(joined):
        if word in ASSESSMENT_WORDS:
            found.update(_assessment_clause(joined, at))
        if word in ASSESSMENT_WORDS or word in PAPERWORK_WORDS:
            found.update(_schoolwork(joined, at))
        if word == WRONG:
            found.update(_got_wrong(joined, at))
        if word in FORGET_WORDS:
            found.update(_forgetting(joined, at))
        if _own_person(joined, at) or _stuck_on(joined, at):
            found.add(at)
        elif _reported(joined, at):  # "sir said", "my mate reckons"
            found.update((at - 1, at))
    if found:  # "my teacher explained osmosis today": when they learnt it, too
        for at in range(len(joined)):
            for phrase in TOLD_WHEN_PHRASES:
                if tuple(joined[at : at + len(phrase)]) == phrase:
                    found.update(range(at, at + len(phrase)))
    return found


def _own_person(joined: Sequence[str], at: int) -> bool:
    """Whether the word at `at` is one of the student's own people: "my teacher" (not
    Milgram's), "my mate", "someone in my class"."""
    return joined[at] in OWN_PEOPLE and at > 0 and joined[at - 1] in OWN_TEACHER_CUES


def _reported(joined: Sequence[str], at: int) -> bool:
    """Whether the word at `at` reports what a person around the student said, the person
    just before it: "sir said", "miss wrote", "my friend reckons", "teacher says"."""
    if at == 0 or joined[at] not in REPORTING_VERBS:
        return False
    person = joined[at - 1]
    if person in ADDRESSED_PEOPLE:
        return True
    # "teacher says", "my mate reckons"; not "the teacher said" in Milgram's experiment
    return person in OWN_PEOPLE and (at < 2 or joined[at - 2] not in OTHERS_DETERMINERS)


def _schoolwork(joined: Sequence[str], at: int) -> range:
    """The positions of "in my mock", "on the last test", "for my homework", "in a past
    paper" around the word at `at`; empty when it is not so placed ("test for starch")."""
    end = at + 1
    past_paper = at > 0 and tuple(joined[at - 1 : at + 1]) == PAST_PAPER
    start = at - 1 if past_paper else at
    while start and joined[start - 1] in SCHOOL_WORK_QUALIFIERS:
        start -= 1  # "my maths homework", "my mock exam"
    determiners = start
    while determiners and joined[determiners - 1] in PAPERWORK_DETERMINERS:
        determiners -= 1
    if determiners < start and determiners and joined[determiners - 1] in PAPERWORK_PREPOSITIONS:
        begin = determiners - 1
        if begin >= 2 and joined[begin - 1] == "up" and joined[begin - 2] in COME_WORDS:
            begin -= 2  # "it came up in my mock"
        return range(begin, end)
    return range(start, end) if past_paper else range(0)  # "past paper" wherever it stands


def _stuck_on(joined: Sequence[str], at: int) -> bool:
    """Whether the word at `at` is "stuck" in "stuck on" or "stuck with"."""
    return joined[at] in STUCK_WORDS and at + 1 < len(joined) and joined[at + 1] in STUCK_CUES


def _assessment_clause(joined: Sequence[str], at: int) -> range:
    """The positions of the clause the assessment word at `at` opens or closes with its
    day, or with "have a" before it; empty when it has neither ("test for starch")."""
    start = at
    while start and joined[start - 1] in SCHOOL_SUBJECTS:
        start -= 1  # "a biology test"
    having = _having(joined, start)  # "i have a test", "ive got my mocks"
    if having is None:
        having = _coming_up(joined, start)  # "is it coming up in the exam"
    for end in range(at + 1, min(len(joined), at + 1 + SITUATION_REACH)):
        if joined[end] in WHEN_WORDS:
            return range(start if having is None else having, end + 1)  # "exam tomorrow"
        if joined[end] not in SITUATION_JOINERS:
            break
    for begin in range(start - 1, max(-1, start - 1 - SITUATION_REACH), -1):
        if joined[begin] in WHEN_WORDS:
            return range(begin, at + 1)  # "tomorrow i have a mock"
        if joined[begin] not in SITUATION_JOINERS:
            break
    return range(0) if having is None else range(having, at + 1)


def _having(joined: Sequence[str], start: int) -> int | None:
    """Where "(i) have a" before the assessment words starting at `start` begins, if it
    is there."""
    if start < 2 or joined[start - 1] not in HAVING_DETERMINERS:
        return None
    if joined[start - 2] not in HAVING_WORDS:
        return None
    begin = start - 2
    return begin - 1 if begin and joined[begin - 1] in HAVERS else begin


def _coming_up(joined: Sequence[str], start: int) -> int | None:
    """Where "come up in (the)" before the assessment words starting at `start` begins,
    if it is there ("is osmosis coming up in the mock")."""
    begin = start
    while begin and joined[begin - 1] in COMING_UP_JOINERS:
        begin -= 1
    if begin >= 2 and joined[begin - 1] == "up" and joined[begin - 2] in COME_WORDS:
        return begin - 2
    return None


def _got_wrong(joined: Sequence[str], at: int) -> range:
    """The positions of "got it wrong" ending at the "wrong" at `at`: a verb of doing or
    marking work, at most two small words, "wrong"; empty otherwise ("the wrong pH")."""
    begin = at - 1
    while begin >= 0 and at - begin <= 3 and joined[begin] in GOT_WRONG_FILLERS:
        begin -= 1
    if begin >= 0 and at - begin <= 3 and joined[begin] in GOT_WRONG_VERBS:
        return range(begin, at + 1)
    return range(0)


def _forgetting(joined: Sequence[str], at: int) -> range:
    """The positions of "i always forget (this)" or "i keep mixing up" around the word at
    `at`: the student forgetting or muddling, not forgetting asked about ("why do i forget
    names")."""
    if joined[at] in MIX_WORDS and joined[at + 1 : at + 2] != ["up"]:
        return range(0)  # "mixed economy"
    if joined[at + 1 : at + 2] == ["me"]:
        return range(at, at + 2)  # "osmosis confuses me"
    begin = at
    while begin and joined[begin - 1] in FORGET_ADVERBS:
        begin -= 1
    if begin and joined[begin - 1] in FORGETTERS:
        begin -= 1
        if begin and joined[begin - 1] in FORGET_TOPIC_CUES:
            return range(0)  # "why do i forget"
    elif begin == at:
        return range(0)  # "forgetting from LTM", "we forget"
    end = at + 1
    while end < len(joined) and joined[end] in FORGOTTEN_THINGS:
        end += 1
    return range(begin, end)
