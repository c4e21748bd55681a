"""The `tutor` command: ask the knowledge base, check decks, and more.

tutor ask "why did trotsky miss lenins funeral"
tutor ask --json - < questions.txt
tutor check [PATH ...]
tutor export [--user ID]
tutor import FILE [--out content/NAME.yaml] [--title ...] [--subject ...]
tutor export-deck [--deck ID] --anki FILE.apkg
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from tutor.answers import Answer, answer
from tutor.config import ConfigError, load_settings, settings_help
from tutor.content import ContentError, check_deck_paths, load_library
from tutor.dialog import CHOOSER_TITLE, MAX_CHOICES, Dialog, other_subject_text
from tutor.importers import FORMATS, ImportOptions, ImportProblem, import_deck
from tutor.importers.anki_export import export_anki
from tutor.model import Library
from tutor.render import card_parts, card_plain, card_text
from tutor.smalltalk import recognise
from tutor.store import Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# JSON leaves these raw inside strings, but str.splitlines() breaks lines at them.
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor",
        description="Revision Tutor: find the note card that answers a question, "
        "and check content decks.",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        help="folder (or file) of YAML decks; default: TUTOR_CONTENT_DIR or the bundled content/",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ask = commands.add_parser(
        "ask",
        help="answer a question with the best note card",
        description="Print the note card that answers QUESTION. With '-' read one question "
        "per line from standard input.",
    )
    ask.add_argument("question", nargs="+", help="the question, or '-' to read lines from stdin")
    ask.add_argument(
        "--json",
        action="store_true",
        help="write one JSON object per question: {question, card, score, alternatives}",
    )

    check = commands.add_parser(
        "check",
        help="validate decks and report every problem as file:line: message",
        description="Load every deck and report every problem at once. Exit 1 on any error.",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="deck files or folders")

    export = commands.add_parser(
        "export",
        help="print stored data as JSON (everything, or one student)",
        description="Print what the bot stores (TUTOR_DATABASE_URL, default the SQLite file in "
        "TUTOR_DATA_DIR) as JSON: every table, or with --user only that student's data.",
    )
    export.add_argument("--user", type=int, metavar="ID", help="a Telegram user id")
    _add_import_commands(commands)
    return parser


def _add_import_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser(
        "import",
        help="turn a Quizlet, Anki or spreadsheet export into a deck",
        description="Read FILE (CSV/TSV from a spreadsheet, Quizlet's export text, or an Anki "
        ".apkg/.colpkg package) and write a deck the bot can use at once. Nothing is written "
        "unless the deck passes `tutor check`.",
    )
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument(
        "--out", type=Path, metavar="PATH", help="deck file to write (default: CONTENT/FILE.yaml)"
    )
    importer.add_argument("--title", default="", help="the deck's title")
    importer.add_argument("--subject", default="", help="the deck's subject (default: General)")
    importer.add_argument(
        "--format", choices=FORMATS, default="auto", help="the file's format (default: detect)"
    )
    importer.add_argument(
        "--term-sep", metavar="SEP", help="Quizlet: between term and definition (default: tab)"
    )
    importer.add_argument(
        "--card-sep", metavar="SEP", help=r"Quizlet: between cards (default: new line; '\n\n')"
    )
    importer.add_argument("--force", action="store_true", help="replace the deck file if it exists")

    export_deck = commands.add_parser(
        "export-deck",
        help="write a deck as an Anki package (.apkg)",
        description="Write one deck as an Anki package a student can open in Anki.",
    )
    export_deck.add_argument("--deck", metavar="ID", help="the deck id (needed with several decks)")
    export_deck.add_argument(
        "--anki", type=Path, required=True, metavar="FILE.apkg", help="the package to write"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    needs_settings = args.command == "export" or not (args.content or getattr(args, "paths", None))
    try:
        settings = load_settings() if needs_settings else None
    except ConfigError as error:
        print(f"tutor: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "export" and settings is not None:
        return asyncio.run(run_export(settings.database_url, args.user, sys.stdout, sys.stderr))
    content = args.content or (settings.content_dir if settings else Path("content"))
    if args.command == "check":
        return run_check(args.paths or [content], sys.stdout, sys.stderr)
    if args.command == "import":
        return run_import(args, content, sys.stdout, sys.stderr)
    try:
        library = load_library([content])
    except ContentError as error:
        print(f"tutor: the content has errors, fix them first:\n{error}", file=sys.stderr)
        return EXIT_ERROR
    if args.command == "export-deck":
        return run_export_deck(library, args.deck, args.anki, sys.stdout, sys.stderr)
    try:
        return run_ask(library, args.question, as_json=args.json, out=sys.stdout)
    except BrokenPipeError:
        # The reader went away (`tutor ask --json - | head -1`): stop quietly, and keep
        # Python's final flush of stdout from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


async def run_export(database_url: str, user_id: int | None, out: TextIO, err: TextIO) -> int:
    store = await Store.open(database_url)
    try:
        data = await (store.export_all() if user_id is None else store.export_user(user_id))
    finally:
        await store.close()
    if user_id is not None and not any(data[table] for table in data if table != "schema_version"):
        print(f"tutor: no user {user_id} is stored (nothing to export)", file=err)
        return EXIT_ERROR
    json.dump(data, out, ensure_ascii=False, indent=2, default=str)
    print(file=out)
    return EXIT_OK


def run_check(paths: Sequence[Path], out: TextIO, err: TextIO) -> int:
    missing = [path for path in paths if not path.exists()]
    if missing:
        for path in missing:
            print(f"{path}: no such file or folder", file=err)
        return EXIT_ERROR
    result = check_deck_paths(paths)
    library, problems = result.library, result.problems
    for problem in problems:
        print(problem, file=err)
    for warning in result.warnings:
        print(f"{warning.path}:{warning.line}: warning: {warning.message}", file=err)
    if problems or library is None:
        print(f"{len(problems)} problem(s) found.", file=err)
        return EXIT_ERROR
    warned = f" {len(result.warnings)} warning(s)." if result.warnings else ""
    print(
        f"OK: {len(library.decks)} deck(s), {len(library.cards)} cards, "
        f"{len(library.topics)} topics, {len(library.questions)} quiz questions, "
        f"{sum(len(deck.events) for deck in library.decks)} events.{warned}",
        file=out,
    )
    return EXIT_OK


def run_import(args: argparse.Namespace, content: Path, out: TextIO, err: TextIO) -> int:
    options = ImportOptions(
        out=args.out,
        content_dir=content if content.is_dir() else content.parent,
        title=args.title,
        subject=args.subject,
        format=args.format,
        term_sep=args.term_sep,
        card_sep=args.card_sep,
        force=args.force,
    )
    try:
        imported = import_deck(args.file, options)
    except ImportProblem as problem:
        for line in problem.problems:
            print(line, file=err)
        print(f"Nothing was written: {len(problem.problems)} problem(s).", file=err)
        return EXIT_ERROR
    print(f"Read {args.file}: {imported.detected}.", file=out)
    for line in imported.merged + imported.warnings:
        print(f"  note: {line}", file=out)
    if imported.shortened:
        print(
            f"  note: {len(imported.shortened)} text(s) shortened with '…' to fit Telegram:",
            file=out,
        )
        for line in imported.shortened:
            print(f"    {line}", file=out)
    print(
        f"Wrote {imported.path}: {_count(imported.cards, 'card')} in "
        f"{_count(imported.topics, 'topic')}, "
        f"{imported.questions} quiz questions; it passes `tutor check`.",
        file=out,
    )
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def run_export_deck(
    library: Library, deck_id: str | None, target: Path, out: TextIO, err: TextIO
) -> int:
    decks = {deck.id: deck for deck in library.decks}
    if deck_id is None and len(decks) != 1:
        print(f"tutor: say which deck with --deck: {', '.join(sorted(decks))}", file=err)
        return EXIT_USAGE
    deck = decks.get(deck_id) if deck_id is not None else next(iter(decks.values()))
    if deck is None:
        print(f"tutor: no deck '{deck_id}'; the decks are: {', '.join(sorted(decks))}", file=err)
        return EXIT_USAGE
    if target.suffix.lower() != ".apkg" or not target.parent.is_dir():
        print(f"tutor: {target}: give a .apkg file in an existing folder", file=err)
        return EXIT_USAGE
    notes = export_anki(deck, library, target)
    print(f"Wrote {target}: {notes} notes from deck '{deck.id}' for Anki.", file=out)
    return EXIT_OK


def run_ask(library: Library, words: Sequence[str], *, as_json: bool, out: TextIO) -> int:
    dialog = Dialog(library)
    from_stdin = list(words) == ["-"]
    questions = _stdin_lines() if from_stdin else [" ".join(words)]
    for question in questions:
        # As the bot replies: a message that is chit-chat as a whole gets no card.
        small_talk = recognise(question)
        result = (
            Answer(question, best=None, alternatives=(), suggested_topics=())
            if small_talk
            else answer(dialog.index, question)
        )
        if as_json:
            found = answer_json(result, library) | {"small_talk": small_talk}
            line = json.dumps(found, ensure_ascii=False)
            print(line.translate(_LINE_BREAKS), file=out, flush=True)  # one line per answer
        elif small_talk:
            print("\n".join(dialog.small_talk(small_talk).lines), file=out)
        else:
            print(answer_plain(result, library), file=out)
            if from_stdin:
                print("-" * 40, file=out)
    return EXIT_OK


def _stdin_lines() -> Iterator[str]:
    """One question per line of stdin, whatever the bytes: one answer per line, no crash."""
    if reconfigure := getattr(sys.stdin, "reconfigure", None):
        reconfigure(errors="replace")  # bytes that are not UTF-8 become U+FFFD
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def answer_json(result: Answer, library: Library) -> dict[str, object]:
    best = result.best
    card = None
    if best is not None:
        card = {
            "id": best.card.id,
            "title": best.card.title,
            "text": card_text(best.card, library),
            "topic": best.card.topic_id,
        }
    return {
        "question": result.question,
        "card": card,
        "score": best.score if best else 0.0,
        "confident": result.confident,
        "alternatives": [
            {"id": hit.card.id, "title": hit.card.title, "score": hit.score}
            for hit in result.alternatives
        ],
        "suggested_topics": [topic.title for topic in result.suggested_topics],
        "topic": (
            {"id": result.topic.id, "title": result.topic.title}
            if result.topic is not None
            else None
        ),
        "nearest": [
            {"id": hit.card.id, "title": hit.card.title, "score": hit.score}
            for hit in result.nearest
        ],
        "other_subjects": list(result.other_subjects),
    }


def answer_plain(result: Answer, library: Library) -> str:
    if result.other_subjects:
        return other_subject_text(result)
    if result.topic is not None:
        cards = "".join(f"  • {card.title}\n" for card in library.cards_in_topic(result.topic.id))
        return f"{result.topic.title}: the notes of this topic\n{cards}".rstrip("\n")
    if result.best is None:
        nearest = "".join(f"  • {hit.card.title}\n" for hit in result.nearest)
        topics = "\n".join(f"  • {topic.title}" for topic in result.suggested_topics)
        return (
            "Sorry, I don't have a note on that."
            + (f" These notes come closest:\n{nearest}" if nearest else " ")
            + "Try rephrasing, or look at one of these topics:\n"
            + topics
        )
    if not result.confident and result.alternatives:
        return choices_plain(result, library)
    text = card_plain(result.best.card, library)
    if result.alternatives:
        titles = "\n".join(f"  • {hit.card.title}" for hit in result.alternatives)
        text += f"\n\nDid you mean:\n{titles}"
    return text


def choices_plain(result: Answer, library: Library) -> str:
    """A near tie, as the bot shows it: "Which did you mean?" and the close cards."""
    hits = [hit for hit in (result.best, *result.alternatives) if hit is not None][:MAX_CHOICES]
    lines = [f"{CHOOSER_TITLE} (close scores; the first is the best guess)"]
    for number, hit in enumerate(hits, start=1):
        topic = card_parts(hit.card, library).topic
        lines.append(f"  {number}. {hit.card.title}" + (f" ({topic})" if topic else ""))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
