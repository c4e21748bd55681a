"""Load and validate YAML decks into the content model.

Every problem in every deck is collected and reported as ``file:line: message`` so a
teacher can fix a deck in one pass. Checking happens in three stages:

1. YAML parsing with the safe loader, keeping the line of every key and value and
   reporting duplicate mapping keys (which ``yaml.safe_load`` silently drops);
2. structure, with pydantic models validated one section item at a time, so one broken
   card does not hide the problems of the others;
3. cross-references and Telegram limits, on every field whose structure is valid.

The format is described in ``docs/deck-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as _ValidationError
from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process

from tutor.model import Card, Deck, Event, Library, Question, QuestionKind, Topic

__all__ = [
    "CheckResult",
    "ContentError",
    "Problem",
    "check_deck_paths",
    "check_paths",
    "displayed_words",
    "find_deck_files",
    "load_library",
]

TITLE_LIMIT = 120
BODY_LIMIT = 1500
MISCONCEPTION_LIMIT = 400
EVENT_LIMIT = 120
MESSAGE_LIMIT = 4096
PROMPT_LIMIT = 300
OPTION_LIMIT = 100
EXPLANATION_LIMIT = 200
EXPLANATION_LINE_BREAKS = 2
# A card a student reads on a phone: title, body and common mistake together. Longer cards
# are allowed (Telegram takes 4096 characters) but `tutor check` warns about them.
CARD_WORD_LIMIT = 120

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_WHEN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

Loc = tuple[Any, ...]
_M = TypeVar("_M", bound="_Schema")


@dataclass(frozen=True)
class Problem:
    """One problem in a deck file; `line` is 1-based, 0 only when it is unknown."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised by :func:`load_library` when the decks have problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


# --- Structure: pydantic models named and shaped like the YAML ---------------------------


def _limited(max_length: int | None) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _when_text(value: Any) -> Any:
    """YAML reads an unquoted 1924 as an int and 1924-01-21 as a date: turn both into text."""
    if isinstance(value, int | float | date) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, _limited(None)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]
CardTitle = Annotated[str, _limited(TITLE_LIMIT)]
Body = Annotated[str, _limited(BODY_LIMIT)]
Misconception = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MISCONCEPTION_LIMIT)
]
EventText = Annotated[str, _limited(EVENT_LIMIT)]
When = Annotated[str, BeforeValidator(_when_text), StringConstraints(strip_whitespace=True)]
Prompt = Annotated[str, _limited(PROMPT_LIMIT)]
OptionText = Annotated[str, _limited(OPTION_LIMIT)]
Explanation = Annotated[str, _limited(EXPLANATION_LIMIT)]
Kind = Literal["choice", "truefalse", "typed", "order"]


class _Schema(BaseModel):
    # validate_assignment lets _validate salvage the valid fields of an invalid item.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True)


class _FileSchema(_Schema):
    """The top level; section items are validated one by one with the models below."""

    deck: dict[Any, Any]
    topics: Annotated[list[Any], Field(min_length=1)]
    cards: Annotated[list[Any], Field(min_length=1)]
    events: list[Any] = Field(default_factory=list)
    questions: list[Any] = Field(default_factory=list)


class _DeckSchema(_Schema):
    id: Text
    title: Text
    subject: Text
    description: OptionalText = ""
    sources: dict[Text, Text] | None = None
    references: dict[Text, Text] | None = None
    examples: Annotated[list[OptionText], Field(max_length=5)] = Field(default_factory=list)


class _TopicSchema(_Schema):
    id: Text
    title: Text
    summary: OptionalText = ""


class _CardSchema(_Schema):
    id: Text
    title: CardTitle
    topic: Text
    body: Body
    misconception: Misconception = ""
    aliases: list[Text] = Field(default_factory=list)
    keywords: list[Text] = Field(default_factory=list)
    related: list[Text] = Field(default_factory=list)
    source: Annotated[list[Text], Field(min_length=1)]
    references: list[Text] = Field(default_factory=list)


class _EventSchema(_Schema):
    when: When
    what: EventText
    card: Text


class _QuestionSchema(_Schema):
    """Kind-specific rules (which fields, the answer's type) are checked after the schema."""

    id: Text
    card: Text
    kind: Kind
    prompt: Prompt
    explanation: Explanation
    options: Annotated[list[OptionText], Field(min_length=2, max_length=10)] | None = None
    answer: Any = None
    answers: Annotated[list[Text], Field(min_length=1)] | None = None
    items: Annotated[list[OptionText], Field(min_length=3, max_length=5)] | None = None


_SECTIONS: dict[str, tuple[str, type[_Schema]]] = {
    "topics": ("topic", _TopicSchema),
    "cards": ("card", _CardSchema),
    "events": ("event", _EventSchema),
    "questions": ("question", _QuestionSchema),
}

# Singular and plural nouns for the entries of each list field, used in messages.
_LIST_NOUNS: dict[str, tuple[str, str]] = {
    "topics": ("topic", "topics"),
    "cards": ("card", "cards"),
    "events": ("event", "events"),
    "questions": ("question", "questions"),
    "related": ("card id", "card ids"),
    "source": ("source id", "source ids"),
    "references": ("reference id", "reference ids"),
    "aliases": ("name", "names"),
    "keywords": ("keyword", "keywords"),
    "options": ("option", "options"),
    "answers": ("accepted answer", "accepted answers"),
    "items": ("item", "items"),
}

_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "choice": ("options", "answer"),
    "truefalse": ("answer",),
    "typed": ("answers",),
    "order": ("items",),
}


# --- YAML with line numbers ---------------------------------------------------------------


class _YamlTree:
    """Plain data built from the safe loader's nodes, remembering where each value was."""

    _MAP = "tag:yaml.org,2002:map"
    _SEQ = "tag:yaml.org,2002:seq"
    _MERGE = "tag:yaml.org,2002:merge"

    def __init__(self, loader: yaml.SafeLoader, report: _Reporter) -> None:
        self._loader = loader
        self._report = report
        self._active: set[int] = set()
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.lines[loc] = node.start_mark.line + 1
        if id(node) in self._active:
            self._report.at(self.lines[loc], "a YAML alias refers to itself")
            return None
        self._active.add(id(node))
        try:
            return self._build(node, loc)
        finally:
            self._active.discard(id(node))

    def _build(self, node: yaml.Node, loc: Loc) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in (self._MAP, self._SEQ):
            self._report.at(node.start_mark.line + 1, f"YAML tag '{node.tag}' is not supported")
            return None
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*loc, index)) for index, child in enumerate(node.value)]
        return self._mapping(node, loc)

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        try:
            return self._loader.construct_object(node)
        except ValueError:
            # An unquoted 1924-13-01 looks like a YAML date but is none: keep the text so
            # the field's own check can say what is wrong with it.
            return node.value

    def _key(self, node: yaml.Node) -> Any:
        key = self._scalar(node) if isinstance(node, yaml.ScalarNode) else None
        try:
            hash(key)
        except TypeError:
            key = None
        if key is None:
            self._report.at(node.start_mark.line + 1, "a mapping key must be plain text")
        return key

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        self._check_duplicate_keys(node)
        self._loader.flatten_mapping(node)  # resolves `<<` merge keys like safe_load
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            self.key_lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _check_duplicate_keys(self, node: yaml.MappingNode) -> None:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == self._MERGE or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self._scalar(key_node)
            if key in seen:
                self._report.at(key_node.start_mark.line + 1, f"duplicate key {_quote(key)}")
            seen.add(key)


# --- Reporting ----------------------------------------------------------------------------


class _Reporter:
    """Collects the problems of one file."""

    def __init__(
        self, path: str, problems: list[Problem], warnings: list[Problem] | None = None
    ) -> None:
        self.path = path
        self._problems = problems
        self._warnings = problems if warnings is None else warnings
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}

    def at(self, line: int, message: str) -> None:
        self._problems.append(Problem(self.path, line, message))

    def line(self, loc: Loc, *, key: bool = False) -> int:
        """The line of the value at `loc`, or of its nearest enclosing value if it is absent."""
        if key and loc in self.key_lines:
            return self.key_lines[loc]
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1

    def add(self, loc: Loc, message: str, *, key: bool = False) -> None:
        self.at(self.line(loc, key=key), message)

    def warn(self, loc: Loc, message: str) -> None:
        """Something a teacher should look at that does not stop the deck from loading."""
        self._warnings.append(Problem(self.path, self.line(loc), message))


# --- One file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item(Generic[_M]):
    """A validated mapping from the YAML: the deck header or one section item.

    `model` holds every field that passed the schema; the fields in `invalid` had
    problems (already reported) and are absent, so checks that need them are skipped.
    """

    position: int
    model: _M
    invalid: frozenset[str] = frozenset()

    def ok(self, *fields: str) -> bool:
        return self.invalid.isdisjoint(fields)


@dataclass
class _DeckFile:
    """A parsed deck file: its raw data plus its validated header and items."""

    report: _Reporter
    data: dict[Any, Any]
    header: _Item[_DeckSchema] | None
    topics: list[_Item[_TopicSchema]]
    cards: list[_Item[_CardSchema]]
    events: list[_Item[_EventSchema]]
    questions: list[_Item[_QuestionSchema]]

    @property
    def path(self) -> str:
        return self.report.path

    def raw_items(self, section: str) -> list[Any]:
        items = self.data.get(section)
        return items if isinstance(items, list) else []

    def name(self, section: str, index: int) -> str:
        """How messages refer to an item: "card 'x'", or "card #3" while it has no id."""
        return _item_name(section, index, self.raw_items(section)[index])


def _item_name(section: str, index: int, item: Any) -> str:
    noun = _SECTIONS[section][0] if section in _SECTIONS else "deck"
    label = "what" if section == "events" else "id"
    value = item.get(label) if isinstance(item, dict) else None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return f"{noun} '{text if len(text) <= 40 else text[:39] + '…'}'"
    return "deck header" if section == "deck" else f"{noun} #{index + 1}"


def _load_file(
    path: Path, problems: list[Problem], warnings: list[Problem] | None = None
) -> _DeckFile | None:
    report = _Reporter(str(path), problems, warnings)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.at(0, "file is not UTF-8 text")
        return None
    except OSError as exc:
        report.at(0, f"cannot read file: {exc.strerror or exc}")
        return None
    data = _parse_yaml(text, report)
    if data is None:
        return None
    return _validate_file(data, report)


def _parse_yaml(text: str, report: _Reporter) -> dict[Any, Any] | None:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            report.at(1, "file is empty")
            return None
        tree = _YamlTree(loader, report)
        data = tree.build(node, ())
    except yaml.MarkedYAMLError as exc:
        report.at(*_syntax_error(exc))
        return None
    except yaml.YAMLError as exc:
        report.at(0, f"YAML syntax error: {exc}")
        return None
    finally:
        loader.dispose()
    report.lines, report.key_lines = tree.lines, tree.key_lines
    if not isinstance(data, dict):
        report.at(
            tree.lines[()],
            f"the top level must be a mapping with 'deck', 'topics' and "
            f"'cards', not {_describe(data)}",
        )
        return None
    return data


def _syntax_error(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    mark = exc.problem_mark or exc.context_mark
    message = f"YAML syntax error: {exc.problem or exc.context}"
    context = exc.context_mark
    if exc.context and context is not None and mark is not None and context.line != mark.line:
        message += f" ({exc.context} at line {context.line + 1})"
    return (mark.line + 1 if mark is not None else 0), message


def _validate_file(data: dict[Any, Any], report: _Reporter) -> _DeckFile:
    _validate(_FileSchema, data, report, ())
    file = _DeckFile(
        report=report,
        data=data,
        header=_validate(_DeckSchema, data.get("deck"), report, ("deck",)),
        topics=[],
        cards=[],
        events=[],
        questions=[],
    )
    for section, (_, schema) in _SECTIONS.items():
        items = getattr(file, section)
        for position, raw in enumerate(file.raw_items(section)):
            if (item := _validate(schema, raw, report, (section, position))) is not None:
                items.append(item)
    return file


def _validate(schema: type[_M], raw: Any, report: _Reporter, loc: Loc) -> _Item[_M] | None:
    """Validate one mapping, reporting its problems and salvaging its valid fields.

    None if `raw` is not a mapping at all.
    """
    position = loc[1] if len(loc) > 1 else 0
    try:
        return _Item(position, schema.model_validate(raw))
    except _ValidationError as exc:
        errors = exc.errors(include_url=False)
    if not isinstance(raw, dict) and len(loc) < 2:
        return None  # the deck header is not a mapping: _FileSchema already said so
    for error in errors:
        _report_schema_error(error, schema, raw, report, loc)
    if not isinstance(raw, dict):
        return None
    invalid = frozenset(str(error["loc"][0]) for error in errors if error["loc"])
    model = schema.model_construct()
    for name, value in raw.items():
        if name in schema.model_fields and name not in invalid:
            setattr(model, name, value)  # validated, as the field had no problem
    return _Item(position, model, invalid)


# --- Schema errors in plain words ---------------------------------------------------------


def _report_schema_error(
    error: ErrorDetails, schema: type[_Schema], item: Any, report: _Reporter, base: Loc
) -> None:
    where = tuple(part for part in error["loc"] if part != "[key]")
    loc = (*base, *where)
    owner = _owner(base, item)
    kind = error["type"]
    if kind == "extra_forbidden":
        name = where[0]
        hint = _did_you_mean(str(name), list(schema.model_fields))
        place = "at the top level" if not base else f"in {owner}"
        report.add(loc, f"unknown field {_quote(name)} {place}{hint}", key=True)
        return
    if not where:
        message = f"{owner} must be a mapping of fields, not {_describe(error['input'])}"
        report.add(loc, message)
        return
    if kind == "missing":
        what = "section" if not base else "field"
        message = f"missing required {what} '{where[0]}'"
    else:
        message = _field_message(error, where, item)
    report.add(loc, f"{owner}: {message}" if base else message)


def _owner(base: Loc, item: Any) -> str:
    if base == ("deck",):
        return _item_name("deck", 0, item)
    return _item_name(base[0], base[1], item) if base else "top level"


def _field_message(error: ErrorDetails, where: Loc, item: Any) -> str:
    kind, value = error["type"], error["input"]
    field = _field_words(where, item, is_key="[key]" in error["loc"])
    if value is None and kind.endswith("_type"):
        return f"{field} has no value"
    if kind == "string_type":
        return f"{field} must be text, not {_describe(value)}{_quote_hint(value)}"
    if kind == "string_too_short":
        return f"{field} is empty"
    if kind == "string_too_long":
        limit = error.get("ctx", {})["max_length"]
        return f"{field} is too long: {len(value.strip())} characters (limit {limit})"
    if kind in ("list_type", "too_short", "too_long"):
        return _list_message(error, where, field)
    if kind in ("dict_type", "model_type"):
        return f"{field} must be a mapping of fields, not {_describe(value)}"
    if kind == "literal_error":
        choices = list(_KIND_FIELDS)
        hint = _did_you_mean(str(value), choices)
        return f"{field} must be one of {', '.join(choices)}, not {_quote(value)}{hint}"
    return f"{field}: {error['msg']}"


def _list_message(error: ErrorDetails, where: Loc, field: str) -> str:
    singular, plural = _LIST_NOUNS.get(str(where[-1]), ("entry", "entries"))
    value, ctx = error["input"], error.get("ctx", {})
    if error["type"] == "list_type":
        return f"{field} must be a list of {plural}, not {_describe(value)}"
    if error["type"] == "too_short":
        least = ctx["min_length"]
        has = f" (it has {len(value)})" if value else ""
        return f"{field} must have at least {least} {singular if least == 1 else plural}{has}"
    return f"{field} has {len(value)} {plural}; at most {ctx['max_length']} are allowed"


def _field_words(where: Loc, item: Any, *, is_key: bool) -> str:
    """('options', 2) -> "'options' item 3"; ('sources', 'x') -> "'sources' entry 'x'".

    The raw item tells list positions from mapping keys, which YAML may read as numbers.
    """
    words = f"'{where[0]}'"
    value = item.get(where[0]) if isinstance(item, dict) else None
    for part in where[1:]:
        if isinstance(value, list):
            words += f" item {part + 1}"
            value = value[part]
        else:
            words += f" {'key' if is_key else 'entry'} {_quote(part)}"
            value = value.get(part) if isinstance(value, dict) else None
    return words


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, date):
        return "a date"
    return "another kind of value"


def _quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (YAML reads unquoted yes/no/on/off/true/false as true/false: put it in quotes)"
    if isinstance(value, int | float | date):
        return " (put it in quotes)"
    return ""


def _quote(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=70)
    return f" (did you mean '{match[0]}'?)" if match else ""


# --- Ids across all decks -----------------------------------------------------------------


@dataclass(frozen=True)
class _Definition:
    path: str
    line: int


class _Index:
    """Where each deck, topic, card and question id is first defined, across all decks.

    Built from the raw data, so an item with a structural problem still counts as
    defined and references to it do not produce a second, misleading problem.
    """

    def __init__(self) -> None:
        self.ids: dict[str, dict[str, _Definition]] = {
            noun: {} for noun in ("deck", "topic", "card", "question")
        }

    def add(self, file: _DeckFile, noun: str, ident: str, loc: Loc) -> None:
        line = file.report.line(loc)
        if not SLUG.fullmatch(ident):
            file.report.at(
                line, f"{noun} id '{ident}' must be a lower-case slug{_slug_hint(ident)}"
            )
        first = self.ids[noun].get(ident)
        if first is None:
            self.ids[noun][ident] = _Definition(file.path, line)
            return
        where = f"line {first.line}" if first.path == file.path else f"{first.path}:{first.line}"
        file.report.at(line, f"duplicate {noun} id '{ident}' (also defined at {where})")

    def missing(self, noun: str, ident: str) -> str | None:
        """None if `ident` exists, else the message tail "does not exist (did you mean ...)"."""
        if ident in self.ids[noun]:
            return None
        return f"does not exist{_did_you_mean(ident, self.ids[noun])}"


def _slug_hint(ident: str) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", ident.lower()))
    example = f"'{slug}'" if slug else "'lenins-testament'"
    return f" such as {example} (a-z, 0-9 and single hyphens)"


def _raw_ids(file: _DeckFile, section: str) -> Iterator[tuple[str, Loc]]:
    for index, item in enumerate(file.raw_items(section)):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str) and ident.strip():
            yield ident.strip(), (section, index, "id")


def _build_index(files: list[_DeckFile]) -> _Index:
    index = _Index()
    for file in files:
        header = file.data.get("deck")
        ident = header.get("id") if isinstance(header, dict) else None
        if isinstance(ident, str) and ident.strip():
            index.add(file, "deck", ident.strip(), ("deck", "id"))
        for section in ("topics", "cards", "questions"):
            for ident, loc in _raw_ids(file, section):
                index.add(file, _SECTIONS[section][0], ident, loc)
    return index


# --- Cross-references and limits ----------------------------------------------------------


def _check_file(file: _DeckFile, index: _Index) -> None:
    topics = {ident for ident, _ in _raw_ids(file, "topics")}
    for card in file.cards:
        _check_card(file, index, card, topics)
    _check_topics_have_cards(file)
    for event in file.events:
        _check_event(file, index, event)
    for question in file.questions:
        _check_question(file, index, question)


def _check_card(file: _DeckFile, index: _Index, item: _Item[_CardSchema], topics: set[str]) -> None:
    card, name, loc = item.model, file.name("cards", item.position), ("cards", item.position)
    if item.ok("topic"):
        _check_card_topic(file, index, item, topics)
    own_id = card.id if item.ok("id") else None
    for number, related in enumerate(card.related if item.ok("related") else ()):
        if related == own_id:
            file.report.add((*loc, "related", number), f"{name}: 'related' lists the card itself")
        elif missing := index.missing("card", related):
            file.report.add((*loc, "related", number), f"{name}: related id '{related}' {missing}")
    if item.ok("references"):
        _check_references(file, item)
    if item.ok("title", "body", "misconception"):
        _check_word_count(file, item)
    if not item.ok("source"):
        return
    sources = _deck_sources(file)
    if sources is not None:
        _check_sources(file, item, sources)
    references = _deck_references(file) or {}
    length = (
        _rendered_length(card, sources, references)
        if item.ok("title", "body", "misconception", "references")
        else 0
    )
    if length > MESSAGE_LIMIT:
        file.report.add(
            loc,
            f"{name}: the card is {length} characters when shown (title, topic, body, "
            f"misconception and sources); a Telegram message holds at most {MESSAGE_LIMIT}",
        )


def _deck_sources(file: _DeckFile) -> dict[str, str] | None:
    """The deck's `sources`, or None if it has none (or they have problems)."""
    header = file.header
    return header.model.sources if header is not None and header.ok("sources") else None


def _deck_references(file: _DeckFile) -> dict[str, str] | None:
    """The deck's `references`, or None if it has none (or they have problems)."""
    header = file.header
    return header.model.references if header is not None and header.ok("references") else None


def _check_references(file: _DeckFile, item: _Item[_CardSchema]) -> None:
    """Every id in a card's `references` must be a key of the deck's `references` map."""
    header = file.header
    if header is not None and not header.ok("references"):
        return  # the map itself has problems, already reported
    known = _deck_references(file) or {}
    name = file.name("cards", item.position)
    for number, reference in enumerate(item.model.references):
        if reference not in known:
            detail = (
                f"is not in the deck's 'references'{_did_you_mean(reference, known)}"
                if known
                else "needs a 'references' map in the deck header (id: \"Author, Title (Year)\")"
            )
            file.report.add(
                ("cards", item.position, "references", number),
                f"{name}: reference '{reference}' {detail}",
            )


def displayed_words(title: str, body: str, misconception: str = "") -> int:
    """Words a student reads on a card: its title, body and common mistake.

    A word is a run of non-space characters holding a letter or digit, so bullets and
    dashes standing alone do not count.
    """
    text = " ".join((title, body, misconception))
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def _check_word_count(file: _DeckFile, item: _Item[_CardSchema]) -> None:
    card = item.model
    words = displayed_words(card.title, card.body, card.misconception)
    if words > CARD_WORD_LIMIT:
        file.report.warn(
            ("cards", item.position),
            f"{file.name('cards', item.position)}: the card is {words} words as shown (title, "
            f"body and common mistake); keep it to {CARD_WORD_LIMIT} to fit a phone screen",
        )


def _check_card_topic(
    file: _DeckFile, index: _Index, item: _Item[_CardSchema], topics: set[str]
) -> None:
    card, name = item.model, file.name("cards", item.position)
    if card.topic not in topics:
        elsewhere = index.ids["topic"].get(card.topic)
        detail = (
            f"is in {elsewhere.path}; a card's topic must be in the card's own deck"
            if elsewhere
            else f"does not exist in this deck{_did_you_mean(card.topic, topics)}"
        )
        file.report.add(("cards", item.position, "topic"), f"{name}: topic '{card.topic}' {detail}")


def _check_sources(file: _DeckFile, item: _Item[_CardSchema], known: dict[str, str]) -> None:
    """Without a `sources` mapping any non-empty source text is fine, so only called with one."""
    for number, source in enumerate(item.model.source):
        if source not in known:
            file.report.add(
                ("cards", item.position, "source", number),
                f"{file.name('cards', item.position)}: source '{source}' is not in the deck's "
                f"'sources'{_did_you_mean(source, known)}",
            )


# The topic's title is shown under the card's; reserve room for a long one.
TOPIC_LINE_ALLOWANCE = 120


def _rendered_length(
    card: _CardSchema, sources: dict[str, str] | None, references: dict[str, str]
) -> int:
    """Length of the card as the bot shows it, in UTF-16 code units as Telegram counts."""
    described = [(sources or {}).get(source, source) for source in card.source]
    parts = [card.title, "x" * TOPIC_LINE_ALLOWANCE, card.body]
    if card.misconception:
        parts.append(f"⚠️ Common mistake: {card.misconception}")
    parts.append(f"Source: {'; '.join(described)}")
    if card.references:
        cited = [references.get(reference, reference) for reference in card.references]
        parts.append(f"References: {'; '.join(cited)}")
    return len("\n\n".join(parts).encode("utf-16-le")) // 2


def _check_topics_have_cards(file: _DeckFile) -> None:
    used = {
        card["topic"].strip()
        for card in file.raw_items("cards")
        if isinstance(card, dict) and isinstance(card.get("topic"), str)
    }
    for ident, loc in _raw_ids(file, "topics"):
        if ident not in used:
            file.report.add(loc[:2], f"topic '{ident}' has no cards")


def _check_event(file: _DeckFile, index: _Index, item: _Item[_EventSchema]) -> None:
    event, name, loc = item.model, file.name("events", item.position), ("events", item.position)
    if item.ok("when") and not _valid_when(event.when):
        file.report.add(
            (*loc, "when"),
            f"{name}: 'when' must be a date as YYYY, YYYY-MM or YYYY-MM-DD, not '{event.when}'",
        )
    if item.ok("card") and (missing := index.missing("card", event.card)):
        file.report.add((*loc, "card"), f"{name}: card '{event.card}' {missing}")


def _valid_when(text: str) -> bool:
    match = _WHEN.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _check_question(file: _DeckFile, index: _Index, item: _Item[_QuestionSchema]) -> None:
    question, loc = item.model, ("questions", item.position)
    name = file.name("questions", item.position)
    if item.ok("card") and (missing := index.missing("card", question.card)):
        file.report.add((*loc, "card"), f"{name}: card '{question.card}' {missing}")
    if item.ok("kind"):
        _check_kind_fields(file, item, name)
        _KIND_CHECKS[question.kind](file, item, name)
    breaks = question.explanation.count("\n") if item.ok("explanation") else 0
    if breaks > EXPLANATION_LINE_BREAKS:
        file.report.add(
            (*loc, "explanation"),
            f"{name}: 'explanation' has {breaks} line breaks "
            f"(Telegram allows at most {EXPLANATION_LINE_BREAKS})",
        )


def _check_kind_fields(file: _DeckFile, item: _Item[_QuestionSchema], name: str) -> None:
    kind = item.model.kind
    wanted = _KIND_FIELDS[kind]
    present = item.model.model_fields_set | item.invalid
    for field in ("options", "answer", "answers", "items"):
        if field in present and field not in wanted:
            file.report.add(
                ("questions", item.position, field),
                f"{name}: '{field}' is not used by {kind} questions{_did_you_mean(field, wanted)}",
                key=True,
            )


def _check_choice(file: _DeckFile, item: _Item[_QuestionSchema], name: str) -> None:
    question, loc = item.model, ("questions", item.position)
    options = question.options if item.ok("options") else []
    if options is None:
        file.report.add(loc, f"{name}: choice questions need 'options' (2 to 10 to pick from)")
    else:
        _check_distinct(file, (*loc, "options"), name, "option", options)
    answer = question.answer
    if answer is None:
        file.report.add(
            (*loc, "answer"), f"{name}: choice questions need an 'answer' (the correct option)"
        )
    elif not isinstance(answer, str):
        file.report.add(
            (*loc, "answer"),
            f"{name}: 'answer' must be the text of one option, not {_describe(answer)}"
            f"{_quote_hint(answer)}",
        )
    elif options:
        _check_choice_answer(file, loc, name, answer.strip(), options)


def _check_choice_answer(
    file: _DeckFile, loc: Loc, name: str, answer: str, options: list[str]
) -> None:
    matches = options.count(answer)
    if matches == 1:
        return
    if matches == 0:
        detail = f"is not one of the options{_did_you_mean(answer, options)}"
    else:
        detail = f"matches {matches} options"
    file.report.add((*loc, "answer"), f"{name}: 'answer' '{answer}' {detail}")


def _check_truefalse(file: _DeckFile, item: _Item[_QuestionSchema], name: str) -> None:
    answer, loc = item.model.answer, ("questions", item.position, "answer")
    if answer is None:
        file.report.add(loc, f"{name}: truefalse questions need 'answer: true' or 'answer: false'")
    elif not isinstance(answer, bool):
        shown = f"the text '{answer}'" if isinstance(answer, str) else _describe(answer)
        file.report.add(loc, f"{name}: 'answer' must be true or false (no quotes), not {shown}")


def _check_typed(file: _DeckFile, item: _Item[_QuestionSchema], name: str) -> None:
    if item.ok("answers") and item.model.answers is None:
        file.report.add(
            ("questions", item.position),
            f"{name}: typed questions need 'answers' (every accepted answer)",
        )


def _check_order(file: _DeckFile, item: _Item[_QuestionSchema], name: str) -> None:
    if not item.ok("items"):
        return
    loc = ("questions", item.position)
    if item.model.items is None:
        file.report.add(loc, f"{name}: order questions need 'items' (3 to 5, in the right order)")
    else:
        _check_distinct(file, (*loc, "items"), name, "item", item.model.items)


def _check_distinct(file: _DeckFile, loc: Loc, name: str, noun: str, texts: list[str]) -> None:
    """Report entries that repeat an earlier one, ignoring case and runs of whitespace."""
    seen: dict[str, int] = {}
    for number, text in enumerate(texts):
        folded = " ".join(text.split()).casefold()
        if folded in seen:
            file.report.add(
                (*loc, number),
                f"{name}: {noun} {number + 1} '{text}' repeats {noun} {seen[folded] + 1}",
            )
        seen.setdefault(folded, number)


_KIND_CHECKS = {
    "choice": _check_choice,
    "truefalse": _check_truefalse,
    "typed": _check_typed,
    "order": _check_order,
}


# --- Building the model -------------------------------------------------------------------


def _build_deck(file: _DeckFile) -> Deck:
    assert file.header is not None  # only called when there are no problems
    header = file.header.model
    deck_id = header.id
    return Deck(
        id=deck_id,
        title=header.title,
        subject=header.subject,
        path=file.path,
        description=header.description,
        sources=dict(header.sources or {}),
        references=dict(header.references or {}),
        examples=tuple(header.examples),
        topics=tuple(_build_topic(item.model, deck_id) for item in file.topics),
        cards=tuple(_build_card(item.model, deck_id) for item in file.cards),
        events=tuple(_build_event(item.model, deck_id) for item in file.events),
        questions=tuple(_build_question(item.model, deck_id) for item in file.questions),
    )


def _build_topic(topic: _TopicSchema, deck_id: str) -> Topic:
    return Topic(id=topic.id, title=topic.title, deck_id=deck_id, summary=topic.summary)


def _build_event(event: _EventSchema, deck_id: str) -> Event:
    return Event(when=event.when, what=event.what, card_id=event.card, deck_id=deck_id)


def _build_card(card: _CardSchema, deck_id: str) -> Card:
    return Card(
        id=card.id,
        title=card.title,
        topic_id=card.topic,
        deck_id=deck_id,
        body=card.body,
        aliases=tuple(card.aliases),
        keywords=tuple(card.keywords),
        related=tuple(card.related),
        sources=tuple(card.source),
        misconception=card.misconception,
        references=tuple(card.references),
    )


def _build_question(question: _QuestionSchema, deck_id: str) -> Question:
    kind = QuestionKind(question.kind)
    answer = question.answer
    return Question(
        id=question.id,
        kind=kind,
        prompt=question.prompt,
        card_id=question.card,
        deck_id=deck_id,
        explanation=question.explanation,
        options=tuple(question.options or ()),
        answer=answer.strip() if kind is QuestionKind.CHOICE else "",
        truth=answer if kind is QuestionKind.TRUE_FALSE else None,
        accepted=tuple(question.answers or ()),
        items=tuple(question.items or ()),
    )


# --- Public API ---------------------------------------------------------------------------


def find_deck_files(paths: Iterable[Path]) -> list[Path]:
    """Expand `paths` into deck files.

    A file stands for itself; a directory gives its ``*.yaml`` and ``*.yml`` files, sorted
    and not recursively, skipping names starting with ``.`` or ``_`` (drafts, backups).
    A file named twice is listed once.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                child
                for child in sorted(path.iterdir())
                if child.suffix in (".yaml", ".yml")
                and child.is_file()
                and not child.name.startswith((".", "_"))
            )
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


@dataclass(frozen=True)
class CheckResult:
    """What checking the decks found: the library (None if there are problems), the
    problems that stop it loading, and warnings (e.g. a card too long for a phone screen)."""

    library: Library | None
    problems: list[Problem]
    warnings: list[Problem]


def check_paths(paths: Iterable[Path]) -> tuple[Library | None, list[Problem]]:
    """Load every deck under `paths`, returning the library or every problem found.

    Problems are sorted by path and line; the library is None when there are any.
    """
    result = check_deck_paths(paths)
    return result.library, result.problems


def check_deck_paths(paths: Iterable[Path]) -> CheckResult:
    """Like :func:`check_paths`, also returning the warnings (sorted like the problems)."""
    paths = list(paths)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for path in paths:
        if path.is_dir() and not find_deck_files([path]):
            problems.append(Problem(str(path), 0, "no deck files (*.yaml, *.yml) here"))
    files = [
        file
        for path in find_deck_files(paths)
        if (file := _load_file(path, problems, warnings)) is not None
    ]
    index = _build_index(files)
    for file in files:
        _check_file(file, index)
    warnings.sort(key=lambda problem: (problem.path, problem.line))
    if problems:
        problems.sort(key=lambda problem: (problem.path, problem.line))
        return CheckResult(None, problems, warnings)
    return CheckResult(Library.from_decks(tuple(_build_deck(file) for file in files)), [], warnings)


def load_library(paths: Iterable[Path]) -> Library:
    """Load every deck under `paths`; raise :class:`ContentError` listing every problem."""
    library, problems = check_paths(paths)
    if library is None:
        raise ContentError(problems)
    return library
