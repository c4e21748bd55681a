"""The student's own situation around a question: an exam with its day ("omg i have an exam
tomorrow and…"), a test they have, the people around them and what they said ("sir said",
"my mate reckons"), the schoolwork it is for ("in my mock", "a 6 mark q"), getting it
wrong, forgetting or muddling it ("i always forget", "i always mix up"), being stuck. It
says when and why they ask, not what about, so the matcher (reading.meanings) and the
chit-chat reader (smalltalk.recognise: "im so bored of revising, test tomorrow") both leave
it out. The word lists here are general English, like lexicon's, kept with the one reader
of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from tutor.addressing import ADDRESSED_PEOPLE, addressing_positions
from tutor.lexicon import Phrases, word_phrases
from tutor.subjects import subject_positions
from tutor.text import phrase_positions

# The student's own situation, which says when or why they ask, not what about
# (situation_positions): an exam, test or mock with when it is ("exam tomorrow", "my
# test is on friday", "mocks in 2 days", "tomorrow i have a biology mock"), a test they have
# ("ive got a test", "because i have an exam"), their teacher ("my teacher explained…") and
# being stuck ("got stuck on…"). Only in such a clause: "test for starch", "the weather
# tomorrow" and Milgram's "teacher" keep their words.
ASSESSMENT_WORDS: frozenset[str] = frozenset(
    "exam exams test tests mock mocks assessment assessments finals".split()
)
WHEN_WORDS: frozenset[str] = frozenset(
    """
    tomorrow tmrw tmr tmrow tomoz 2moro 2morrow today 2day tonight tonite 2nite soon
    monday tuesday wednesday thursday friday saturday sunday week weekend month morning
    afternoon days weeks hours
    """.split()
)
# Words that may stand between an assessment and its day ("my exam is in 2 days", "a
# biology test coming up on friday", "tomorrow i have a mock"); a school subject too.
SITUATION_JOINERS: frozenset[str] = frozenset(
    """
    on in is are its s this next the a an my our few couple of coming up to i ive im have
    got am and then first
    """.split()
)
SCHOOL_SUBJECTS: frozenset[str] = frozenset(
    """
    biology chemistry physics science sciences history geography maths math mathematics
    english literature language psychology computing sociology economics re rs pe french
    spanish german
    """.split()
)
HAVING_WORDS: frozenset[str] = frozenset({"have", "got", "ive", "having"})
HAVERS: frozenset[str] = frozenset({"i", "we", "ive", "weve"})
COME_WORDS: frozenset[str] = frozenset({"come", "comes", "coming", "came"})
COMING_UP_JOINERS: frozenset[str] = frozenset({"in", "on", "the", "my", "our", "a", "an"})
HAVING_DETERMINERS: frozenset[str] = frozenset({"a", "an", "my", "the", "our"})
OWN_TEACHER_CUES: frozenset[str] = frozenset({"my", "our"})
STUCK_WORDS: frozenset[str] = frozenset({"stuck"})
STUCK_CUES: frozenset[str] = frozenset({"on", "with"})
# The people around a student and what they said ("sir said…", "my mate reckons…", "miss
# wrote vague in red"): a person of their own ("my friend", "our teacher") or one they
# address ("sir", "miss"), with the verb that reports them. "miss" is a verb too ("why did
# trotsky miss the funeral"), so an addressed person only with a reporting verb after.
OWN_PEOPLE: frozenset[str] = frozenset(
    """
    teacher teachers tutor friend friends mate mates cousin dad mum mom brother sister
    parents class classmate classmates grandad granddad grandpa grandma gran nan nana
    grandparents uncle aunt auntie stepdad stepmum
    """.split()
)
OTHERS_DETERMINERS: frozenset[str] = frozenset({"the", "a", "an", "this", "that", "his", "her"})
REPORTING_VERBS: frozenset[str] = frozenset(
    """
    said says say saying reckons reckon reckoned asked asks told tells hinted wrote writes
    mentioned called calls explained explains keeps kept wants wanted marked thinks thought
    """.split()
)
# Schoolwork the question is for ("in my mock", "on the last test", "for my homework", "came
# up in a past paper"): after a preposition and a determiner, or "past paper(s)".
PAPERWORK_WORDS: frozenset[str] = frozenset(
    "homework hw essay essays quiz worksheet paper papers cards flashcards notes poster".split()
)
PAPERWORK_PREPOSITIONS: frozenset[str] = frozenset({"in", "on", "for", "from"})
PAPERWORK_DETERMINERS: frozenset[str] = frozenset(
    {"the", "my", "a", "an", "our", "this", "that", "last", "next", "today", "todays"}
)
PAST_PAPER: tuple[str, str] = ("past", "paper")
# Schoolwork being made ("making flashcards for…", "doing a poster on…", "writing my revision
# notes"): a verb of making before it, in place of a preposition.
MAKING_VERBS: frozenset[str] = frozenset({"making", "doing", "writing", "made", "wrote"})
# The stretch of the course an assessment ends ("my end of topic test", "the end of year
# exam"), as a qualifier of the schoolwork.
COURSE_PERIODS: frozenset[str] = frozenset(
    {"topic", "unit", "year", "term", "module", "chapter", "half", "semester"}
)
# Getting their own work wrong ("got it wrong", "i keep getting them wrong", "marked
# wrong", "copied it down wrong"): a verb of doing or marking work, up to two small
# words, then "wrong".
GOT_WRONG_VERBS: frozenset[str] = frozenset(
    "got get getting gets marked copied wrote written".split()
)
GOT_WRONG_FILLERS: frozenset[str] = frozenset("it them that this these every one down all".split())
WRONG = "wrong"
# Forgetting or muddling it themselves ("i always forget", "i'll forget by tomorrow", "i
# cant remember what happens", "i keep mixing up…", "its so confusing", "confuses me"), not
# forgetting as a topic ("why do we forget", "why do i forget names").
FORGET_WORDS: frozenset[str] = frozenset(
    """
    forget forgets forgot forgotten forgetting remember confusing confused confuses confuse
    muddled mix mixing mixed
    """.split()
)
MIX_WORDS: frozenset[str] = frozenset({"mix", "mixing", "mixed"})  # only with "up"
FORGET_ADVERBS: frozenset[str] = frozenset(
    """
    always keep keeps just never literally totally completely still sometimes can cant
    dont do not will ll only even already so really very super kinda get got them lowkey
    highkey abit bit little proper
    """.split()
)
# Opening a message, the student's own state: "confused about osmosis", "lowkey confused,…",
# "stressing. what is…".
CONFUSED_AT_START: frozenset[str] = frozenset(
    {"confused", "muddled", "stressing", "panicking", "struggling"}
)
# How the student feels, said of themselves ("im so lost", "idk if im being thick", "im
# actually gonna fail", "im begging", "i find this so hard"): with "i"/"im" before it
# across FEELING_ADVERBS, like forgetting; "trotsky lost" and "the dead" keep their words.
FEELING_WORDS: frozenset[str] = frozenset(
    """
    lost thick stupid dumb slow tired exhausted panicking panicked stressing stressed
    struggling begging failing fail dying dead hopeless clueless behind desperate freaking
    hard difficult
    """.split()
)
FEELING_ADVERBS: frozenset[str] = FORGET_ADVERBS | frozenset(
    "being gonna going to feel feeling actually find finding this it such am".split()
)
FORGETTERS: frozenset[str] = frozenset({"i", "ill", "ive", "im", "id", "its", "thats"})
FORGET_TOPIC_CUES: frozenset[str] = frozenset("why how do does did what when".split())
FORGOTTEN_THINGS: frozenset[str] = frozenset("this it them everything half of up me".split())

# The student's school year ("from year 10", "in yr 11"): a year from 7 to 13 — "the year
# 1924" keeps its words.
SCHOOL_YEAR_WORDS: frozenset[str] = frozenset({"year", "yr"})
SCHOOL_YEARS: frozenset[str] = frozenset(
    "7 8 9 10 11 12 13 seven eight nine ten eleven twelve thirteen".split()
)

# Once a question tells of the student's situation, when they learnt or need it is
# situation too ("my teacher explained osmosis today", "revising last night and got stuck
# on…", "ill forget by tomorrow"); in a question that tells of none it stays ("what was the
# weather like yesterday").
TOLD_WHEN_PHRASES: Phrases = word_phrases(
    "last night",
    "last lesson",
    "in class",
    "in the lesson",
    "in lesson",
    "yesterday",
    "today",
    "earlier",
    "this morning",
    "by tomorrow",
    "tomorrow",
    "tonight",
)

# How many words an exam and its day may stand apart ("my exam is in 2 days": 4).
SITUATION_REACH = 5
# Words that may qualify a piece of schoolwork: "my maths homework", "the mock exam".
SCHOOL_WORK_QUALIFIERS = SCHOOL_SUBJECTS | ASSESSMENT_WORDS | {"revision"}


def situation_positions(joined: Sequence[str]) -> set[int]:
    """Positions of the student's own situation around the question (see the module): an
    exam with its day ("exam tomorrow", "tomorrow i have a biology mock"), a test they have,
    "sir said", "in my mock", "got it wrong", "i always forget", "stuck on", and then when
    ("today", "by tomorrow"). As words no card writes they weighed as the rarest, so "omg i
    have an exam tomorrow and i dont get osmosis" got no card."""
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
        if word in FEELING_WORDS:
            found.update(_feeling(joined, at))
        if _own_person(joined, at) or _stuck_on(joined, at):
            found.add(at)
        elif _reported(joined, at):  # "sir said", "my mate reckons"
            found.update((at - 1, at))
    found |= subject_positions(joined)  # "bio quiz", "chem mock", "english lit essay"
    found |= addressing_positions(joined)  # "sir, …", "quick q", "… in simple terms"
    found |= _school_year(joined)
    if found:  # "my teacher explained osmosis today": when they learnt it, too
        found |= phrase_positions(joined, TOLD_WHEN_PHRASES)
    return found


def _school_year(joined: Sequence[str]) -> set[int]:
    """Positions of the student's school year: "from year 10", "in yr 11"."""
    return {
        at + step
        for at, word in enumerate(joined[:-1])
        if word in SCHOOL_YEAR_WORDS and joined[at + 1] in SCHOOL_YEARS
        for step in (0, 1)
    }


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
    start = _qualified_from(joined, start)  # "my maths homework", "my end of topic test"
    determiners = start
    while determiners and joined[determiners - 1] in PAPERWORK_DETERMINERS:
        determiners -= 1
    if determiners < start and determiners and joined[determiners - 1] in PAPERWORK_PREPOSITIONS:
        begin = determiners - 1
        if begin >= 2 and joined[begin - 1] == "up" and joined[begin - 2] in COME_WORDS:
            begin -= 2  # "it came up in my mock"
        return range(begin, end)
    if determiners and joined[determiners - 1] in MAKING_VERBS:
        return range(determiners - 1, end)  # "making flashcards", "doing a poster"
    return range(start, end) if past_paper else range(0)  # "past paper" wherever it stands


def _qualified_from(joined: Sequence[str], start: int) -> int:
    """Where the qualifiers before a piece of schoolwork begin: subjects, "mock",
    "revision" ("my maths homework") and "end of" a stretch of the course ("my end of
    topic test")."""
    while start:
        if joined[start - 1] in SCHOOL_WORK_QUALIFIERS:
            start -= 1
        elif (
            start >= 3
            and joined[start - 1] in COURSE_PERIODS
            and joined[start - 3 : start - 1] == ["end", "of"]
        ):
            start -= 3
        else:
            return start
    return start


def _stuck_on(joined: Sequence[str], at: int) -> bool:
    """Whether the word at `at` is "stuck" in "stuck on" or "stuck with"."""
    return joined[at] in STUCK_WORDS and at + 1 < len(joined) and joined[at + 1] in STUCK_CUES


def _assessment_clause(joined: Sequence[str], at: int) -> range:
    """The positions of the clause the assessment word at `at` opens or closes with its
    day, or with "have a" before it; empty when it has neither ("test for starch")."""
    start = _qualified_from(joined, at)  # "a biology test", "my end of year exam"
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


def _run_start(joined: Sequence[str], at: int, adverbs: frozenset[str]) -> int:
    """Where the run of `adverbs` just before the word at `at` starts ("i *always just*
    forget", "im *so* lost"): `at` when there is none."""
    begin = at
    while begin and joined[begin - 1] in adverbs:
        begin -= 1
    return begin


def _feeling(joined: Sequence[str], at: int) -> range:
    """The positions of "im so lost", "i find this so hard", "idk if im being thick" ending
    at the word at `at`: a feeling the student says of themselves ("i"/"im" before it),
    none otherwise ("why was trotsky lost", "so hard to defend")."""
    begin = _run_start(joined, at, FEELING_ADVERBS)
    if begin and joined[begin - 1] in FORGETTERS:
        return range(begin - 1, at + 1)
    if begin == 0 and joined[at] in CONFUSED_AT_START:
        return range(0, at + 1)  # "lowkey stressing. what is…"
    return range(0)


def _forgetting(joined: Sequence[str], at: int) -> range:
    """The positions of "i always forget (this)" or "i keep mixing up" around the word at
    `at`: the student forgetting or muddling, not forgetting asked about ("why do i forget
    names")."""
    if joined[at] in MIX_WORDS and joined[at + 1 : at + 2] != ["up"]:
        return range(0)  # "mixed economy"
    if joined[at + 1 : at + 2] == ["me"]:
        return range(at, at + 2)  # "osmosis confuses me"
    begin = _run_start(joined, at, FORGET_ADVERBS)
    if begin and joined[begin - 1] in FORGETTERS:
        begin -= 1
        if begin and joined[begin - 1] in FORGET_TOPIC_CUES:
            return range(0)  # "why do i forget"
    elif begin == at and not (begin == 0 and joined[at] in CONFUSED_AT_START):
        return range(0)  # "forgetting from LTM", "we forget"; not "confused about osmosis"
    end = at + 1
    while end < len(joined) and joined[end] in FORGOTTEN_THINGS:
        end += 1
    return range(begin, end)
