#!/usr/bin/env python3
"""Build src/tutor/data/wordnet-links.tsv.gz, the matcher's table of English word links.

    apt-get install -y wordnet-base        # Princeton WordNet 3.0 data, /usr/share/wordnet
    python scripts/build_wordnet.py [--wordnet /usr/share/wordnet] [--out PATH]

Run once by a maintainer; the output is committed, so nothing is downloaded or parsed at
run time. Each line of the table is

    word <TAB> kind <TAB> linked words, space-separated

for lower-case single words, with kind one of
  form     irregular inflections (noun.exc, verb.exc, adj.exc): "shot" -> "shoot"; and
           plurals in -men ("women" -> "woman"), morphy's one rule a stemmer does not undo
  derived  derivationally related forms and pertainyms, both ways: "revolution" <->
           "revolutionary", "german" <-> "germany", "french" <-> "france"
  synonym  the other single words of the word's most frequent sense, for everyday words
           only (a sense tagged at least SYNONYM_MIN_COUNT times in the SemCor counts)
  attribute  for an adjective, the nouns of the attribute its most frequent sense is a
           value of (WordNet's "=" pointer; for a satellite such as "massive", that of the
           head adjective it is similar to): "hot" -> temperature, "young" -> age,
           "smaller" -> size. One way only: "temperature" does not mean "hot".
  informal a noun of a synset glossed as an informal, colloquial or slang term for
           something, to the single words of that something (its hypernym synsets):
           "dad" -> father, "mum" -> mother, "mate" -> friend, "cop" -> policeman. One
           way only: "father" does not mean "dad".

and, for multi-word verbs ("get rid of", "take over", "carry out") whose senses are
tagged in the SemCor counts (cntlist.rev), words written with underscores ("get_rid_of"):
  phrase   the single words of the phrase's most frequent sense ("remove")
  phrase2  the single words of its next tagged senses, up to PHRASE_MAX_SENSES in all
           ("eliminate", "extinguish")

The matcher (tutor.wordlinks) weighs these below exact matches.

It also writes src/tutor/data/wordnet-words.txt.gz: the stems (tutor.text.stem) of every
single-word WordNet lemma and irregular form, one per line. A question word whose stem is
there is real English, so the matcher does not read it as a typo of another word
("meiosis" is not a misspelt "mitosis"). And src/tutor/data/wordnet-compounds.txt.gz: the
two-word nouns of WordNet ("food chain", "oxbow lake") as their two stems, one per line; a
card meeting one word of such a noun and not the other counts that word for less. Run it
with the project's virtualenv, whose stemmer it uses.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "src" / "tutor" / "data" / "wordnet-links.tsv.gz"
WORDS_FILE = "wordnet-words.txt.gz"
COMPOUNDS_FILE = "wordnet-compounds.txt.gz"
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
SYNONYM_MIN_COUNT = 3
PHRASE_MAX_WORDS = 3
PHRASE_MAX_SENSES = 3
_WORD = re.compile(r"^[a-z]+$")


def clean(lemma: str) -> str | None:
    """A WordNet lemma as a single lower-case word ("United_States" -> None)."""
    word = re.sub(r"\(.*\)$", "", lemma).lower()
    return word if _WORD.match(word) and len(word) > 1 else None


def read_synsets(wordnet: Path) -> dict[tuple[str, int], tuple[list[str], list[tuple]]]:
    """(pos, offset) -> (words, pointers); pointers are (symbol, pos, offset, source, target)."""
    synsets = {}
    for name in ("noun", "verb", "adj", "adv"):
        for line in (wordnet / f"data.{name}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            fields = line.split(" ")
            offset, pos, count = int(fields[0]), fields[2], int(fields[3], 16)
            words = [fields[4 + 2 * i] for i in range(count)]
            at = 4 + 2 * count
            pointer_count = int(fields[at])
            pointers = []
            for i in range(pointer_count):
                symbol, target, target_pos, source_target = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                pointers.append(
                    (
                        symbol,
                        target_pos,
                        int(target),
                        int(source_target[:2], 16),
                        int(source_target[2:], 16),
                    )
                )
            synsets[(pos if pos != "s" else "a", offset)] = (words, pointers)
    return synsets


def index_entries(wordnet: Path, name: str) -> Iterator[tuple[str, list[int], int]]:
    """(lemma as written, synset offsets most frequent first, SemCor-tagged sense count) of
    each entry of index.<name> (noun, verb, adj or adv)."""
    for line in (wordnet / f"index.{name}").read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):
            continue  # the licence header
        fields = line.split(" ")
        synset_count, pointer_count = int(fields[2]), int(fields[3])
        offsets = fields[6 + pointer_count : 6 + pointer_count + synset_count]
        yield fields[0], [int(offset) for offset in offsets], int(fields[5 + pointer_count])


@lru_cache(maxsize=1)
def lemmas(wordnet: Path) -> dict[str, frozenset[str]]:
    """Index name (noun, verb, adj, adv) -> its single-word lemmas (clean)."""
    return {
        name: frozenset(
            word for lemma, _, _ in index_entries(wordnet, name) if (word := clean(lemma))
        )
        for name in ("noun", "verb", "adj", "adv")
    }


def sense_counts(wordnet: Path) -> dict[str, tuple[str, int, int]]:
    """word -> (pos, offset, tag count) of its most frequent sense over all parts of speech."""
    best: dict[str, tuple[str, int, int]] = {}
    for name, pos in (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")):
        for lemma, offsets, tagged in index_entries(wordnet, name):
            word = clean(lemma)
            if word and offsets and tagged and tagged > best.get(word, ("", 0, 0))[2]:
                best[word] = (pos, offsets[0], tagged)
    return best


def lemma_stems(wordnet: Path) -> set[str]:
    """The stems of every single-word lemma of the four index files and of irregular forms
    (and plurals in -men)."""
    sys.path.insert(0, str(ROOT / "src"))
    from tutor.text import stem

    words: set[str] = set().union(*lemmas(wordnet).values())
    for name in ("noun", "verb", "adj"):
        for line in (wordnet / f"{name}.exc").read_text(encoding="latin-1").splitlines():
            if word := clean(line.split()[0]):
                words.add(word)
    words.update(plural for plural, _ in men_plurals(wordnet))
    return {stem(word) for word in words}


def noun_compounds(wordnet: Path) -> set[str]:
    """The two-word nouns of index.noun ("food_chain", "oxbow_lake") as "stem stem"."""
    sys.path.insert(0, str(ROOT / "src"))
    from tutor.text import stem

    compounds: set[str] = set()
    for lemma, _, _ in index_entries(wordnet, "noun"):
        parts = lemma.split("_")
        if len(parts) == 2 and all(_WORD.match(p) for p in parts):
            compounds.add(f"{stem(parts[0])} {stem(parts[1])}")
    return compounds


def build(
    wordnet: Path, synsets: dict[tuple[str, int], tuple[list[str], list[tuple]]]
) -> dict[tuple[str, str], set[str]]:
    links: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (_pos, _offset), (words, pointers) in synsets.items():
        for symbol, target_pos, target, source, goal in pointers:
            if symbol not in ("+", "\\") or not source or not goal:
                continue
            key = ("a" if target_pos == "s" else target_pos, target)
            if key not in synsets:
                continue
            one, other = clean(words[source - 1]), clean(synsets[key][0][goal - 1])
            if one and other and one != other:
                links[(one, "derived")].add(other)
                links[(other, "derived")].add(one)
    for name in ("noun", "verb", "adj"):
        for line in (wordnet / f"{name}.exc").read_text(encoding="latin-1").splitlines():
            form, *bases = line.split()
            words = [w for w in (clean(b) for b in bases) if w and w != form]
            if clean(form) and words:
                links[(form, "form")].update(words)
    for plural, singular in men_plurals(wordnet):
        if (plural, "form") not in links:
            links[(plural, "form")].add(singular)
    for word, (pos, offset, tagged) in sense_counts(wordnet).items():
        if tagged < SYNONYM_MIN_COUNT:
            continue
        others = {w for w in (clean(x) for x in synsets[(pos, offset)][0]) if w and w != word}
        if others:
            links[(word, "synonym")].update(others)
    for adjective, nouns in attributes(wordnet, synsets).items():
        links[(adjective, "attribute")].update(nouns)
    for word, meant in informal_links(wordnet, synsets).items():
        links[(word, "informal")].update(meant)
    return links


_INFORMAL_GLOSS = re.compile(
    r"^(?:an? )?(?:informal|colloquial|uncomplimentary|slang)(?: terms?)? (?:for|referring to) "
)


def informal_links(
    wordnet: Path, synsets: dict[tuple[str, int], tuple[list[str], list[tuple]]]
) -> dict[str, set[str]]:
    """Word -> the words of what it is an informal term for: the nouns of a synset whose
    gloss says it is "an informal term for …" ("dad" -> father, "mum" -> mother, "cop" ->
    policeman, "guy" -> man), linked to the single words of its hypernym synsets. Only for
    a word whose first noun sense that is, and either its only sense or one tagged in
    SemCor (the order of untagged senses says nothing: "bread" is food before it is money,
    "lettuce" a plant), and that has no tagged sense as a verb, adjective or adverb
    ("fix", "pop"), nor one sharing its stem with another noun ("clams", "threads")."""
    senses = {
        word: (offsets[0] if offsets else -1, bool(tagged) or len(offsets) == 1)
        for lemma, offsets, tagged in index_entries(wordnet, "noun")
        if (word := clean(lemma))
    }
    other_uses = {
        word
        for name in ("verb", "adj", "adv")
        for lemma, _, tagged in index_entries(wordnet, name)
        if tagged and (word := clean(lemma))
    }
    sys.path.insert(0, str(ROOT / "src"))
    from tutor.text import stem

    # The table is keyed by stem: "clams" (money) would also be read into "clam".
    stems = defaultdict(set)
    for word in senses:
        stems[stem(word)].add(word)
    other_uses.update(word for word in senses if len(stems[stem(word)]) > 1)
    found: dict[str, set[str]] = defaultdict(set)
    for line in (wordnet / "data.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith("  ") or "|" not in line:
            continue
        head, gloss = line.split("|", 1)
        if not _INFORMAL_GLOSS.match(gloss.strip()):
            continue
        offset = int(head.split(" ")[0])
        words, pointers = synsets[("n", offset)]
        meant = {
            word
            for symbol, pos, target, _, _ in pointers
            if symbol in ("@", "@i") and pos == "n"
            for word in (clean(w) for w in synsets[("n", target)][0])
            if word
        }
        for word in filter(None, map(clean, words)):
            first, attested = senses.get(word, (-1, False))
            if first == offset and attested and word not in other_uses:
                found[word].update(meant - {word})
    return {word: meant for word, meant in found.items() if meant}


def attributes(
    wordnet: Path, synsets: dict[tuple[str, int], tuple[list[str], list[tuple]]]
) -> dict[str, set[str]]:
    """Adjective -> the nouns naming the attribute its most frequent sense is a value of
    ("hot" -> temperature, "young" -> age; a satellite like "massive" through the head
    adjective it is similar to, "large" -> size)."""
    found: dict[str, set[str]] = {}
    for lemma, offsets, _ in index_entries(wordnet, "adj"):
        word = clean(lemma)
        if word is None or not offsets:
            continue
        _, pointers = synsets[("a", offsets[0])]
        heads = [pointers] + [
            synsets[("a", target)][1]
            for symbol, _, target, _, _ in pointers
            if symbol == "&" and ("a", target) in synsets
        ]
        for head in heads:
            nouns = {
                noun
                for symbol, pos, target, _, _ in head
                if symbol == "=" and pos == "n"
                for noun in (clean(w) for w in synsets[("n", target)][0])
                if noun and noun != word
            }
            if nouns:
                found[word] = nouns
                break
    return found | comparative_attributes(wordnet, found)


def comparative_attributes(wordnet: Path, found: dict[str, set[str]]) -> dict[str, set[str]]:
    """The attributes of the comparatives and superlatives of `found`'s adjectives
    ("hotter", "coldest", "tinier"): irregular ones from adj.exc, regular ones made by
    rule for adjectives of one syllable or two ending in -y, unless the form is a word of
    its own ("number" is not "more numb")."""
    by_index = lemmas(wordnet)
    words = by_index["adj"] | by_index["noun"] | by_index["verb"]
    forms: dict[str, set[str]] = defaultdict(set)
    for line in (wordnet / "adj.exc").read_text(encoding="latin-1").splitlines():
        form, *bases = line.split()
        for base in bases:
            if base in found and clean(form):
                forms[form].update(found[base])
    for base, nouns in found.items():
        syllables = len(re.findall(r"[aeiouy]+", base.removesuffix("e")))
        if syllables > 2 or (syllables == 2 and not base.endswith("y")):
            continue  # "more beautiful", not "beautifuler"
        if base.endswith("e"):
            regular = (base + "r", base + "st")
        elif base.endswith("y") and len(base) > 2 and base[-2] not in "aeiou":
            regular = (base[:-1] + "ier", base[:-1] + "iest")
        else:
            regular = (base + "er", base + "est")
        for form in regular:
            if form not in words and form not in found:
                forms[form].update(nouns)
    return {form: nouns for form, nouns in forms.items() if form not in found}


@lru_cache(maxsize=1)
def men_plurals(wordnet: Path) -> tuple[tuple[str, str], ...]:
    """("women", "woman"), ("chairmen", "chairman"), ...: the one regular plural rule of
    WordNet's morphy that is not in the exception lists and that a stemmer does not undo.
    Only for a noun ending in "man" whose "men" form is not a word of its own ("omen",
    "specimen")."""
    by_index = lemmas(wordnet)
    every = set().union(*by_index.values())
    return tuple(
        sorted(
            (noun[:-3] + "men", noun)
            for noun in by_index["noun"]
            if noun.endswith("man") and len(noun) > 3 and noun[:-3] + "men" not in every
        )
    )


def verb_phrases(
    wordnet: Path, synsets: dict[tuple[str, int], tuple[list[str], list[tuple]]]
) -> dict[tuple[str, str], list[str]]:
    """Multi-word verbs -> the single words of their tagged senses, most frequent first:
    ("get_rid_of", "phrase") -> ["remove"], ("get_rid_of", "phrase2") -> ["eliminate", ...].

    Only phrases of at most PHRASE_MAX_WORDS plain words with a sense tagged in SemCor (so
    in everyday use); a phrase's own words are not its senses ("set" of "set up").
    """
    tags: dict[str, dict[int, int]] = defaultdict(dict)
    for line in (wordnet / "cntlist.rev").read_text(encoding="latin-1").splitlines():
        key, number, count = line.split()
        lemma, _, lexical = key.partition("%")
        if lexical.startswith("2:") and "_" in lemma:
            tags[lemma][int(number)] = int(count)
    phrases: dict[tuple[str, str], list[str]] = {}
    for lemma, offsets, _ in index_entries(wordnet, "verb"):
        parts = lemma.split("_")
        if not 2 <= len(parts) <= PHRASE_MAX_WORDS or not all(_WORD.match(p) for p in parts):
            continue
        tagged = sorted(
            (n for n, count in tags.get(lemma, {}).items() if count > 0 and n <= len(offsets)),
            key=lambda number: (-tags[lemma][number], number),
        )[:PHRASE_MAX_SENSES]
        seen = set(parts)
        for rank, number in enumerate(tagged):
            words = [clean(w) for w in synsets[("v", offsets[number - 1])][0]]
            new = [w for w in dict.fromkeys(words) if w and w not in seen]
            seen.update(new)
            if new:
                kind = "phrase" if rank == 0 else "phrase2"
                phrases.setdefault((lemma, kind), []).extend(new)
    return phrases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.wordnet / "data.noun").is_file():
        print(f"{args.wordnet}: no WordNet data (apt-get install -y wordnet-base)", file=sys.stderr)
        return 1
    synsets = read_synsets(args.wordnet)
    links = build(args.wordnet, synsets)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{w}\t{kind}\t{' '.join(sorted(o))}\n" for (w, kind), o in sorted(links.items())]
    phrases = verb_phrases(args.wordnet, synsets)
    lines += [f"{w}\t{kind}\t{' '.join(o)}\n" for (w, kind), o in sorted(phrases.items())]
    with gzip.GzipFile(args.out, "wb", mtime=0) as file:  # mtime 0: the same bytes every run
        file.write("".join(lines).encode("utf-8"))
    print(f"Wrote {args.out}: {len(lines)} lines, {args.out.stat().st_size // 1024} KiB")
    words_out = args.out.parent / WORDS_FILE
    stems = sorted(lemma_stems(args.wordnet))
    with gzip.GzipFile(words_out, "wb", mtime=0) as file:
        file.write("".join(f"{word}\n" for word in stems).encode("utf-8"))
    print(f"Wrote {words_out}: {len(stems)} stems, {words_out.stat().st_size // 1024} KiB")
    compounds_out = args.out.parent / COMPOUNDS_FILE
    compounds = sorted(noun_compounds(args.wordnet))
    with gzip.GzipFile(compounds_out, "wb", mtime=0) as file:
        file.write("".join(f"{pair}\n" for pair in compounds).encode("utf-8"))
    size = compounds_out.stat().st_size // 1024
    print(f"Wrote {compounds_out}: {len(compounds)} two-word nouns, {size} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
