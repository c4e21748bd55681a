"""One deck file: YAML read with line numbers, validated one section item at a time, with
schema errors put in plain words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Generic

import yaml
from pydantic import ValidationError as _ValidationError
from pydantic_core import ErrorDetails
from rapidfuzz import fuzz, process

from tutor.content.fields import (
    KIND_FIELDS,
    LIST_NOUNS,
    SECTIONS,
    CardSchema,
    DeckSchema,
    EventSchema,
    FileSchema,
    QuestionSchema,
    Schema,
    SchemaT,
    TopicSchema,
)
from tutor.content.problems import Loc, Problem, Reporter

# --- YAML with line numbers ---------------------------------------------------------------


class _YamlTree:
    """Plain data built from the safe loader's nodes, remembering where each value was."""

    _MAP = "tag:yaml.org,2002:map"
    _SEQ = "tag:yaml.org,2002:seq"
    _MERGE = "tag:yaml.org,2002:merge"

    def __init__(self, loader: yaml.SafeLoader, report: Reporter) -> None:
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


# --- One file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item(Generic[SchemaT]):
    """A validated mapping from the YAML: the deck header or one section item.

    `model` holds every field that passed the schema; the fields in `invalid` had
    problems (already reported) and are absent, so checks that need them are skipped.
    """

    position: int
    model: SchemaT
    invalid: frozenset[str] = frozenset()

    def ok(self, *fields: str) -> bool:
        return self.invalid.isdisjoint(fields)


@dataclass
class DeckFile:
    """A parsed deck file: its raw data plus its validated header and items."""

    report: Reporter
    data: dict[Any, Any]
    header: Item[DeckSchema] | None
    topics: list[Item[TopicSchema]]
    cards: list[Item[CardSchema]]
    events: list[Item[EventSchema]]
    questions: list[Item[QuestionSchema]]

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
    noun = SECTIONS[section][0] if section in SECTIONS else "deck"
    label = "what" if section == "events" else "id"
    value = item.get(label) if isinstance(item, dict) else None
    if isinstance(value, str) and value.strip():
        text = value.strip()
        return f"{noun} '{text if len(text) <= 40 else text[:39] + '…'}'"
    return "deck header" if section == "deck" else f"{noun} #{index + 1}"


def load_file(
    path: Path, problems: list[Problem], warnings: list[Problem] | None = None
) -> DeckFile | None:
    report = Reporter(str(path), problems, warnings)
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


def _parse_yaml(text: str, report: Reporter) -> dict[Any, Any] | None:
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
            f"'cards', not {describe(data)}",
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


def _validate_file(data: dict[Any, Any], report: Reporter) -> DeckFile:
    _validate(FileSchema, data, report, ())
    file = DeckFile(
        report=report,
        data=data,
        header=_validate(DeckSchema, data.get("deck"), report, ("deck",)),
        topics=[],
        cards=[],
        events=[],
        questions=[],
    )
    for section, (_, schema) in SECTIONS.items():
        items = getattr(file, section)
        for position, raw in enumerate(file.raw_items(section)):
            if (item := _validate(schema, raw, report, (section, position))) is not None:
                items.append(item)
    return file


def _validate(schema: type[SchemaT], raw: Any, report: Reporter, loc: Loc) -> Item[SchemaT] | None:
    """Validate one mapping, reporting its problems and salvaging its valid fields.

    None if `raw` is not a mapping at all.
    """
    position = loc[1] if len(loc) > 1 else 0
    try:
        return Item(position, schema.model_validate(raw))
    except _ValidationError as exc:
        errors = exc.errors(include_url=False)
    if not isinstance(raw, dict) and len(loc) < 2:
        return None  # the deck header is not a mapping: FileSchema already said so
    for error in errors:
        _report_schema_error(error, schema, raw, report, loc)
    if not isinstance(raw, dict):
        return None
    invalid = frozenset(str(error["loc"][0]) for error in errors if error["loc"])
    model = schema.model_construct()
    for name, value in raw.items():
        if name in schema.model_fields and name not in invalid:
            setattr(model, name, value)  # validated, as the field had no problem
    return Item(position, model, invalid)


# --- Schema errors in plain words ---------------------------------------------------------


def _report_schema_error(
    error: ErrorDetails, schema: type[Schema], item: Any, report: Reporter, base: Loc
) -> None:
    where = tuple(part for part in error["loc"] if part != "[key]")
    loc = (*base, *where)
    owner = _owner(base, item)
    kind = error["type"]
    if kind == "extra_forbidden":
        name = where[0]
        hint = did_you_mean(str(name), list(schema.model_fields))
        place = "at the top level" if not base else f"in {owner}"
        report.add(loc, f"unknown field {_quote(name)} {place}{hint}", key=True)
        return
    if not where:
        message = f"{owner} must be a mapping of fields, not {describe(error['input'])}"
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
        return f"{field} must be text, not {describe(value)}{quote_hint(value)}"
    if kind == "string_too_short":
        return f"{field} is empty"
    if kind == "string_too_long":
        limit = error.get("ctx", {})["max_length"]
        return f"{field} is too long: {len(value.strip())} characters (limit {limit})"
    if kind in ("list_type", "too_short", "too_long"):
        return _list_message(error, where, field)
    if kind in ("dict_type", "model_type"):
        return f"{field} must be a mapping of fields, not {describe(value)}"
    if kind == "literal_error":
        choices = list(KIND_FIELDS)
        hint = did_you_mean(str(value), choices)
        return f"{field} must be one of {', '.join(choices)}, not {_quote(value)}{hint}"
    return f"{field}: {error['msg']}"


def _list_message(error: ErrorDetails, where: Loc, field: str) -> str:
    singular, plural = LIST_NOUNS.get(str(where[-1]), ("entry", "entries"))
    value, ctx = error["input"], error.get("ctx", {})
    if error["type"] == "list_type":
        return f"{field} must be a list of {plural}, not {describe(value)}"
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


def describe(value: Any) -> str:
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


def quote_hint(value: Any) -> str:
    if isinstance(value, bool):
        return " (YAML reads unquoted yes/no/on/off/true/false as true/false: put it in quotes)"
    if isinstance(value, int | float | date):
        return " (put it in quotes)"
    return ""


def _quote(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = process.extractOne(word, list(choices), scorer=fuzz.ratio, score_cutoff=70)
    return f" (did you mean '{match[0]}'?)" if match else ""
