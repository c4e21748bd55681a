"""General English word lists the matcher uses to read students' questions.

Nothing here is about any one deck or subject: function words to ignore, texting
shorthand to spell out, and groups of everyday synonyms. Subject vocabulary (acronyms,
other names of an event) belongs in the decks' `aliases` and `keywords`, where teachers
write it.
"""

from __future__ import annotations

from functools import cached_property


class Phrases(tuple[tuple[str, ...], ...]):
    """Phrases as word sequences, with the phrases each first word opens: text.phrase_positions
    looks each word of a question up there rather than trying every phrase at every word
    (a list of seventy phrases read that way cost a question 0.1 ms)."""

    @cached_property
    def by_first_word(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        opened: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self:
            opened.setdefault(phrase[0], []).append(phrase)
        return {word: tuple(phrases) for word, phrases in opened.items()}


def word_phrases(*written: str) -> Phrases:
    """Phrases as the word sequences text.phrase_positions looks for."""
    return Phrases(tuple(phrase.split()) for phrase in written if phrase.split())


# Function words and question scaffolding: they say how a student asks, not what about.
STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but nor if then than so as of at by for from in into on onto to up
    with within without about above after again against all also am any are aren arent
    be because been before being below between both can cannot cant could couldn couldnt did
    didn didnt do does doesn doesnt doing done don dont down during each else even ever
    every few further had hadn hadnt has hasn hasnt have haven havent having he her here
    hers herself him himself his how however i im ive is isn isnt it its itself just let
    lets me might more most much must my myself no not now off once only other our ours
    ourselves out over own really same shall she should shouldn shouldnt some such that
    thats the their theirs them themselves there theres these they theyre this those
    through thus too under until very was wasn wasnt we were weren werent what whats
    when where which while who whom whose why with wont would wouldn wouldnt yet you
    your youre yours yourself yourselves ok okay yes yeah yep nah nope hi hello hey
    hiya heya howdy yo hallo hola sup wassup um umm erm uh uhh hmm hmmm aint
    please thanks thank cheers sorry anyone anybody someone somebody everyone everybody
    nobody something anything everything nothing thing things stuff like literally
    actually basically honestly seriously kind sort sorta kinda lot lots way pretty
    quite rather bit whole many loads load tons heaps bunch make made get got go going
    went come came tell told say said know knew think thought mean means meant explain
    explained describe outline assess evaluate discuss analyse analyze compare consider
    identify summarise summarize define definition significance significant importance
    important extent far reason reasons ways way role give gave given use used us
    suggest suggests reveal reveals question answer help need want wanted wants try
    tried look happen happened happens
    hed hes shes theyd youd theyll youll itll thatll wouldve couldve shouldve
    whos wheres hows whens whys heres someones somebodys anyones anybodys everyones
    everybodys nobodys
    """.split()
)

# Words that ask for a name's notes rather than name anything ("nep summary", "kamenev
# notes", "im confused about osmosis"; a school subject, exam board or level: "diffusion
# biology", "osmosis gcse"): a question of a name and these is the name asked alone
# (deck_names.DeckNames.lookup). Only there: elsewhere they stay words, so the
# everyday-English probes each deck's threshold is read from keep them.
REQUEST_WORDS: frozenset[str] = frozenset(
    """
    summary summaries notes facts info information confused confusing understand revision
    recap basics tips tldr nutshell simply quick exam exams key main points diagram diagrams
    essay essays pros cons
    biology chemistry physics science sciences history geography maths math mathematics
    english psychology computing sociology economics
    gcse gcses igcse aqa edexcel ocr wjec eduqas ccea ks3 ks4 btec alevel alevels
    """.split()
)

# Words that ask for a name's notes as REQUEST_WORDS do, but that a deck may use as names
# or terms ("The Schlieffen Plan", "simple interest", "Jesus' teaching", "Overview: …"):
# dropped only where the deck does not use them as a name (deck_names.DeckNames.lookup).
# "teach me osmosis", "osmosis in simple terms", "osmosis essay plan", "osmosis advantages
# and disadvantages", "an overview of osmosis", "osmosis made easy".
REQUEST_WORDS_UNLESS_NAMED: frozenset[str] = frozenset(
    """
    overview simple terms teach plan plans advantages disadvantages advantage disadvantage
    dummies detail detailed easy function functions job jobs purpose remind example examples
    vocab vocabulary keywords words flashcards flashcard mnemonic mnemonics questions past
    paper papers effect effects impact impacts consequence consequences bullet bullets
    cheat sheet sheets analysis personality trait traits relationship relationships character
    characters topic topics section sections mock mocks higher tier foundation grade grades
    marker markers
    """.split()
)

# An exam's command words (among STOP_VERBS): a title writing one ("…: evaluation",
# "…: outline", "… compared") is met by a question writing a form of it.
EXAM_COMMAND_WORDS: frozenset[str] = frozenset(
    """
    explain describe outline assess evaluate discuss analyse analyze compare consider
    identify summarise summarize define suggest
    """.split()
)

# Question verbs whose every form is scaffolding too ("explaining", "compared").
STOP_VERBS: frozenset[str] = frozenset(
    """
    explain describe outline assess evaluate discuss analyse analyze compare consider
    identify summarise summarize define suggest reveal happen want need tell think mean help
    memorise memorize revise
    """.split()
)

# Words that with "to" after them only say "can": "why was Stalin able to defeat Trotsky"
# asks why he could, not about ability ("the able politician").
MODAL_BEFORE_TO: frozenset[str] = frozenset({"able", "unable"})

# Verbs with which an exam question asks how a writer shows something ("How does Priestley
# present Sheila", "how Priestley presents ideas about class", "How is Eva presented", "use
# the Inspector to present his views", "How does Shakespeare explore guilt"): scaffolding
# when they follow one of AUTHORIAL_VERB_CUES one or two words before, as the verb they
# are there; elsewhere they keep their meaning ("the present day", "past, present and
# future").
AUTHORIAL_VERBS: frozenset[str] = frozenset(
    """
    present presents presented presenting portray portrays portrayed portraying depict
    depicts depicted depicting explore explores explored exploring convey conveys conveyed
    conveying
    """.split()
)
AUTHORIAL_VERB_CUES: frozenset[str] = frozenset("does do did is are was were how to".split())
# In "How does Priestley present…" the one word between one of these and an authorial verb
# is the writer, whom the question is not about (an exhibit, "How does Source A portray
# Stalin", is what it is about, and stays).
WRITER_CUES: frozenset[str] = frozenset({"does", "do", "did"})
# "how Shakespeare presents guilt", as a paper's bullets put it: the one word between "how"
# and an authorial verb ending in s is the writer too, unless one of these ("how it
# presents", "how he explores": the subject is in the question already).
NOT_WRITERS: frozenset[str] = frozenset({"it", "he", "she", "they", "this", "that"})

# A question asking for reasons ("why", "y", "explain the reasons", "how far was…", "to what
# extent…"), and the title words of a card that gives them ("Why Trotsky lost", "Causes of
# the war", "Reasons for…"): deck_index.REASON_TITLE_BONUS.
WHY_WORDS: frozenset[str] = frozenset({"why", "reason", "reasons"})
WHY_PHRASES: tuple[tuple[str, ...], ...] = (("how", "far"), ("to", "what", "extent"))
REASON_TITLE_WORDS: frozenset[str] = frozenset({"why", "reason", "reasons", "cause", "causes"})

# English words typed for a function word, read as it only where the sentence shows it:
# "what dose osmosis mean", "how dose a fuse work" (after a question word, and not "what
# dose of…", the amount).
SLIPS_AFTER_QUESTION_WORDS: dict[str, str] = {"dose": "does"}
QUESTION_WORDS: frozenset[str] = frozenset("what how why where when who which wat y".split())
SLIP_KEEPERS: frozenset[str] = frozenset({"of"})
COUNTING_WORDS: frozenset[str] = frozenset(
    """
    the a an these those his her its their our your my all both only about around over
    under nearly almost roughly first last next top other another every of and or
    """.split()
)

# An exam paper's furniture, which says how to answer, not what about (reading.meanings):
# the marks after a number ("(4 marks)": the digit is a number there, never a texted
# "for"), "using a named example", and what the question is for: "for the exam", "in my
# exam" ("exam technique" keeps the word).
MARK_WORDS: frozenset[str] = frozenset({"mark", "marks", "marker", "markers"})
# "a 4 mark q", "the 6 mark question": the question the marks are for.
MARKED_QUESTION_WORDS: frozenset[str] = frozenset({"q", "question", "questions"})
EXAMPLE_WORDS: frozenset[str] = frozenset({"example", "examples"})
EXAMPLE_CUES: frozenset[str] = frozenset({"using", "use", "for", "with"})
EXAM_WORDS: frozenset[str] = frozenset({"exam", "exams"})
EXAM_CUES: frozenset[str] = frozenset({"for", "in"})
EXAM_DETERMINERS: frozenset[str] = frozenset({"the", "my", "an", "our"})
# The stems of exam questions as papers word them (normalised words), furniture wherever
# they stand: "Describe two features of the Schlieffen Plan", "Write a narrative account
# analysing…", "How useful are Sources B and C for an enquiry into…".
EXAM_STEMS: Phrases = word_phrases(
    "describe two features of",
    "describe 2 features of",
    "give two features of",
    "write an account of",
    "write a narrative account analysing",
    "write a narrative account of",
    "write a narrative account",
    "for an enquiry into",
    "how useful is",
    "how useful are",
)

# "whats the point of X" asks what X is for, and its *point* is the question's, no topic's
# ("the melting point of water", with no question before it, keeps it).
POINT_QUESTIONS: Phrases = word_phrases(
    *(
        f"{asking} the {kind}point"
        for asking in ("what is", "whats", "wats", "what was", "whats even", "what even is")
        for kind in ("", "actual ", "whole ", "real ")
    )
)

# Phrases that mark how a student talks, never what about: "why did it happen in the first
# place", "osmosis to be honest", "how do enzymes work in general" (their *place*,
# *honest* and *general* weighed as words no card writes; *general* is a WW1 card's word).
DISCOURSE_MARKERS: Phrases = word_phrases(
    "in the first place",
    "to be honest",
    "to be fair",
    "in general",
    "generally speaking",
    "for some reason",
    "out of interest",
    "by the way",
    "at the end of the day",
    "just wondering",
    "i was wondering",
    # Openers: how a student starts a message, not what it asks ("quick q: was trotsky
    # arrogant", "sorry to bother u but what is osmosis"; *quick*, *random* and *bother*
    # were weighed as words no card writes).
    *(
        f"{kind} {asked}"
        for kind in ("quick", "random", "dumb", "stupid", "silly", "another")
        for asked in ("q", "qs", "question", "questions", "qu")
    ),
    "quick one",
    "random one",
    "real quick",
    "sorry to bother you",
    "sorry to bother u",
    "sorry to bother",
    "sorry to ask",
    "sorry for asking",
    "out of curiosity",
    "just curious",
)

# Courtesies around a question ("Good evening. … Many thanks.", "hey sir hope ur well, …",
# "… thanks in advance"): the matcher leaves them out; the chit-chat reader keeps them, as
# "good morning" alone is a greeting and "many thanks" alone thanks.
COURTESIES: Phrases = word_phrases(
    "hope ur well",
    "hope youre well",
    "hope your well",
    "hope you are well",
    "many thanks",
    "thanks in advance",
    "thank you in advance",
    "ty in advance",
    "in advance",
    "good morning",
    "good afternoon",
    "good evening",
)

# Number words, so that "five year plan" meets "5 yr plan".
CARDINALS: dict[str, str] = {
    word: str(number)
    for number, word in enumerate(
        """one two three four five six seven eight nine ten eleven twelve thirteen fourteen
        fifteen sixteen seventeen eighteen nineteen twenty""".split(),
        start=1,
    )
}

# Ordinal words, so that "tenth congress" meets "10th congress".
ORDINALS: dict[str, str] = {
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
    "eleventh": "11th",
    "twelfth": "12th",
    "thirteenth": "13th",
    "fourteenth": "14th",
    "fifteenth": "15th",
    "sixteenth": "16th",
    "seventeenth": "17th",
    "eighteenth": "18th",
    "nineteenth": "19th",
    "twentieth": "20th",
}

# Everyday synonyms: each line is a group of interchangeable words. A query word that
# belongs to a group also searches for the group's other words, at a lower weight.
SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = tuple(
    tuple(line.split())
    for line in """
    sack sacked fire fired dismiss dismissed remove removed removal oust ousted
    die died dies dying death dead deceased
    burial bury buried funeral
    beat beaten defeat defeated crush crushed overcome
    win won winning victory triumph succeed success successful
    lose lost losing loss fail failed failure
    boss leader head chief ruler
    job post position role office
    rich wealthy prosperous prosper
    poor poverty
    kill killed murder murdered assassinate assassinated assassination
    execute executed execution shot
    fear feared afraid scared frightened worried
    hate hated dislike disliked resent resented
    exile exiled deport deported banish banished
    ban banned forbid forbidden prohibit prohibited outlaw
    fake false faked lie lies lied untrue pretend pretended
    photo photos photograph picture pictures image images
    farm farms farming agriculture agricultural
    farmer farmers peasant peasants
    factory factories plant industry industrial
    money cash capital funds funding investment
    food grain crops harvest
    secret secretly hidden hide hid suppress suppressed cover concealed
    rude insult insulted offend offended
    spy spied eavesdrop eavesdropping bug bugged tap tapped listen listened
    army military soldiers troops
    group faction bloc
    rule rules law laws
    speech speeches oration eulogy
    trick tricked deceive deceived fool fooled mislead misled
    member members membership recruit recruited join joined
    rival rivals opponent opponents enemy enemies
    ally allies alliance allied team teamed partner
    weak weakness weaknesses flaw flaws mistake mistakes error errors blunder
    strength strengths strong advantage advantages asset
    invade invaded invasion attack attacked
    worker workers labour labourer proletariat
    clever cunning sly smart shrewd intelligent
    luck lucky fortune fortunate
    arrogant bigheaded proud vain cocky conceited
    naive gullible
    prison prisons jail camp camps
    meeting meetings congress conference
    book books wrote written writing
    begin began start started
    end ended stop stopped finish finished
    change changed reform reforms
    sick ill illness disease unwell
    holiday vacation
    popular popularity liked
    unpopular hated
    wife husband spouse
    kid kids child children
    gossip information informed
    idea ideas policy policies view views
    fast quick rapid rapidly speed
    slow gradual gradually
    force forced forcing compel coercion
    soft lenient gentle mild
    harsh hardline tough strict ruthless
    decide decided decision decisions
    silence silenced gag gagged muzzle
    city cities town towns
    """.strip().splitlines()
)

# Irregular English verb forms, so that "took on" meets "take on" (the stemmer only
# strips regular endings).
IRREGULAR_FORMS: dict[str, str] = {
    form: base
    for base, *forms in (
        line.split()
        for line in """
        be was were been being
        become became
        begin began begun
        bring brought
        build built
        buy bought
        catch caught
        choose chose chosen
        come came
        do did done
        drive drove driven
        eat ate eaten
        fall fell fallen
        feel felt
        fight fought
        find found
        flee fled
        forbid forbade forbidden
        get got gotten
        give gave given
        go went gone
        grow grew grown
        have had has
        hide hid hidden
        hold held
        keep kept
        know knew known
        lead led
        lose lost
        make made
        mean meant
        meet met
        pay paid
        rise rose risen
        run ran
        say said
        see saw seen
        seek sought
        sell sold
        send sent
        shoot shot
        speak spoke spoken
        spend spent
        stand stood
        steal stole stolen
        take took taken
        teach taught
        tell told
        think thought
        throw threw thrown
        understand understood
        win won
        write wrote written
        """.strip().splitlines()
    )
    for form in forms
}
