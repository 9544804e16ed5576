"""Parse a curated YAML file into plain data that remembers where each mapping and key starts.

Whatever the file holds, the result is data or a SourceError whose every problem names the file,
the line and the column: bytes that are not UTF-8, control characters, syntax errors, duplicate
keys (at any depth), aliases, tags, control characters written as escapes, unhashable keys and
nesting deeper than MAX_DEPTH. The depth is
checked on the event stream before anything recursive (composer, constructor, our own checks)
sees the document, so `[[[[...` thousands deep cannot end in a RecursionError.
"""

from __future__ import annotations

import re
import reprlib
from pathlib import Path
from typing import Any

import yaml

from kg.errors import Location, SourceError

LINE_KEY = "__line__"
MAX_DEPTH = 64  # the deepest curated structure (a fact's `derived` mapping) is about 6 levels

# libyaml is about ten times faster than the pure-Python parser and reports the same marks.
_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LIBYAML = _BASE is not yaml.SafeLoader


class LineMapping(dict):  # type: ignore[type-arg]
    """A mapping from a YAML file; `key_lines` gives the line each key was written on."""

    key_lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A sequence from a YAML file; `item_lines[i]` is the line item i starts on."""

    item_lines: list[int]


def key_line(mapping: Any, key: Any) -> int | None:
    """The line `key` was written on in `mapping`, when it came from a YAML file."""
    lines = getattr(mapping, "key_lines", None)
    return lines.get(key) if lines else None


def item_line(sequence: Any, index: int) -> int | None:
    """The line item `index` of `sequence` starts on, when it came from a YAML file."""
    lines = getattr(sequence, "item_lines", None)
    return lines[index] if lines and index < len(lines) else None


def show(value: Any) -> str:
    """A short description of a parsed value for messages: `42`, `'x'`, `a mapping`."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return reprlib.repr(value)


class _LineLoader(_BASE):  # type: ignore[misc, valid-type]
    problems: list[tuple[int, int, str]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMapping:
    loader.flatten_mapping(node)
    mapping = LineMapping()
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
        try:
            hash(key)
        except TypeError:
            loader.problems.append((line, column, f"a key must be text, got {show(key)}"))
            continue
        if key == LINE_KEY:
            loader.problems.append((line, column, f"the key {LINE_KEY} is reserved"))
            continue
        if key in mapping.key_lines:
            first = mapping.key_lines[key]
            loader.problems.append((line, column, f"duplicate key {key!r} (first at line {first})"))
            continue
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int | str:
    """An integer, or a problem at its line: Python refuses to read one of more than 4,300
    digits (a ValueError from inside PyYAML, a traceback naming no file; session 29's attack)."""
    try:
        return int(yaml.constructor.SafeConstructor.construct_yaml_int(loader, node))
    except ValueError:
        loader.problems.append((node.start_mark.line + 1, node.start_mark.column + 1,
                                f"a number of {len(node.value):,} characters is too long"))
        return str(node.value)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Keep dates and times as the strings the curator wrote; the builder types them itself.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Problem(Exception):
    def __init__(self, line: int | None, column: int | None, message: str):
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of the byte at `offset`."""
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, column


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        byte = raw[exc.start]
        raise _Problem(
            line, column, f"not UTF-8: byte 0x{byte:02x} at byte offset {exc.start}"
        ) from None


# Control characters but tab, line feed and carriage return (what a text may hold).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _implicit(event: yaml.Event) -> bool:
    """Whether the event's tag is the one YAML resolves without a tag written."""
    implicit = getattr(event, "implicit", False)
    return bool(any(implicit) if isinstance(implicit, tuple) else implicit)


def _check_events(text: str) -> None:
    """Walk the event stream (no recursion) and stop at aliases or absurd nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=_BASE):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise _Problem(mark.line + 1, mark.column + 1,
                               f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise _Problem(mark.line + 1, mark.column + 1,
                           "aliases (*name) are not allowed: write the value out")
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)) and event.tag and \
                not _implicit(event):
            mark = event.start_mark
            raise _Problem(mark.line + 1, mark.column + 1,
                           f"tags ({event.tag}) are not allowed: write the value plainly")
        if isinstance(event, yaml.ScalarEvent) and (bad := _CONTROL.search(event.value)):
            # a raw control character is refused by the reader; an escape ("\x07") is not
            mark = event.start_mark
            raise _Problem(mark.line + 1, mark.column + 1,
                           f"control character U+{ord(bad[0]):04X} in a value (written as an "
                           "escape)")


def _yaml_problem(exc: yaml.YAMLError, raw: bytes, text: str) -> _Problem:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        message = f"malformed YAML: {exc.problem}"
        if exc.context and exc.context_mark is not None:
            where = exc.context_mark
            message += f" ({exc.context} at line {where.line + 1}, column {where.column + 1})"
        return _Problem(mark.line + 1, mark.column + 1, message)
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts bytes of the UTF-8 text, the pure-Python reader counts characters.
        offset = exc.position if _LIBYAML else len(text[: exc.position].encode("utf-8"))
        line, column = _position(raw, offset)
        return _Problem(line, column, f"malformed YAML: character #x{exc.character:04x}: "
                                      f"{exc.reason}")
    return _Problem(None, None, f"malformed YAML: {exc}")


def load_yaml(path: Path, name: str | None = None) -> Any:
    """Parse `path` (shown as `name` in messages); None for an empty file.

    Raises SourceError listing every problem found, each located by line and column.
    """
    name = name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError([(Location(name), f"cannot read the file: {exc.strerror}")]) from None
    text = ""
    problems: list[tuple[int, int, str]] = []
    try:
        text = _decode(raw)
        _check_events(text)
        loader = _LineLoader(text)
        loader.problems = problems
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except _Problem as exc:
        problems.append((exc.line, exc.column, exc.message))  # type: ignore[arg-type]
    except yaml.YAMLError as exc:
        found = _yaml_problem(exc, raw, text)
        problems.append((found.line, found.column, found.message))  # type: ignore[arg-type]
    if problems:
        raise SourceError(
            [(Location(name, line, column=column), message) for line, column, message in problems]
        )
    return data
