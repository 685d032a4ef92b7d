"""Read one YAML manifest safely, remembering the line of every field.

The loader calls :func:`parse_yaml` for each file. It returns plain data (dicts,
lists, scalars) plus a map from each field's location to its line, so later
checks can say ``disks.yaml:7``. Hostile input is refused early with a clear
message: files over :data:`MAX_FILE_BYTES`, binary data, nesting deeper than
:data:`MAX_DEPTH`, more than :data:`MAX_ALIASES` aliases or
:data:`MAX_NODES` values after alias expansion (alias bombs), duplicate keys,
non-text keys, custom tags and more than one document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from controller.manifest.problems import Loc, ManifestError, ManifestProblem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 100_000

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp")
)


@dataclass
class ParsedYaml:
    """A parsed document: its data and the 1-based line of each location."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)


class _LimitExceeded(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _PythonParser(Reader, Scanner, Parser):
    """PyYAML's own event parser, used where libyaml is missing."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


def _event_parser(stream: str) -> Any:
    try:  # libyaml parses about eight times faster than the Python parser
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return _PythonParser(stream)
    return CParser(stream)


class _GuardedLoader(Composer, SafeConstructor, Resolver):
    """Composes nodes from parser events, stopping at a depth or alias limit."""

    def __init__(self, stream: str) -> None:
        self.events = _event_parser(stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.depth = 0
        self.aliases = 0

    def check_event(self, *choices: Any) -> bool:
        return bool(self.events.check_event(*choices))

    def peek_event(self) -> Any:
        return self.events.peek_event()

    def get_event(self) -> Any:
        return self.events.get_event()

    def dispose(self) -> None:
        self.events.dispose()

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise _LimitExceeded(
                    line,
                    f"more than {MAX_ALIASES} YAML aliases (*name); "
                    "write the values out instead",
                )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _LimitExceeded(
                    line,
                    f"nested deeper than {MAX_DEPTH} levels; "
                    "a manifest needs only a few",
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(raw: bytes, filename: str) -> ParsedYaml:
    """Parse one manifest document.

    Args:
        raw: the file's bytes.
        filename: how to name the file in problems.

    Returns:
        The data (``None`` for an empty document) and the line map.

    Raises:
        ManifestError: the file is not a single, well-formed, reasonable YAML
            document; every problem names the file and line.
    """
    text = _decode(raw, filename)
    loader: _GuardedLoader | None = None
    try:
        loader = _GuardedLoader(text)
        node = loader.get_single_node()
    except _LimitExceeded as exc:
        raise _error(filename, exc.line, exc.message) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        message = (
            f"contains the control character #x{exc.character:04x}, which YAML "
            "does not allow; is this a binary file?"
            if isinstance(exc.character, int)
            else "is not readable text"
        )
        raise _error(filename, line, message) from None
    except yaml.MarkedYAMLError as exc:
        raise _error(filename, *_describe_yaml_error(exc)) from None
    except RecursionError:
        raise _error(filename, 1, "is nested too deeply to read") from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        return ParsedYaml(data=None, lines={(): 1})
    builder = _Builder(loader, filename)
    data = builder.build(node, ())
    if builder.problems:
        raise ManifestError(builder.problems)
    builder.lines[()] = node.start_mark.line + 1
    return ParsedYaml(data=data, lines=builder.lines)


def _decode(raw: bytes, filename: str) -> str:
    if len(raw) > MAX_FILE_BYTES:
        raise _error(
            filename,
            None,
            f"is {len(raw)} bytes, larger than the {MAX_FILE_BYTES} bytes a manifest "
            "may have; split it into several files",
        )
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        raise _error(filename, line, "contains NUL bytes; is this a binary file?")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _error(
            filename,
            line,
            "is not UTF-8 text; save it as UTF-8 (is this a binary file?)",
        ) from None
    return text.removeprefix("\ufeff")


def _describe_yaml_error(exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = exc.problem or "cannot be parsed"
    if "expected a single document" in f"{exc.context} {problem}":
        return line, (
            "holds more than one YAML document (---); put each document in its own file"
        )
    if isinstance(exc, yaml.constructor.ConstructorError):
        return line, f"{problem}; manifests use plain YAML without tags"
    context = f" {exc.context}" if exc.context else ""
    return line, f"YAML syntax error: {problem}{context}; check indentation and quoting"


def _error(filename: str, line: int | None, message: str) -> ManifestError:
    return ManifestError([ManifestProblem(filename, line, "", message)])


class _Builder:
    """Turns composed nodes into plain data, expanding aliases under a budget."""

    def __init__(self, loader: _GuardedLoader, filename: str) -> None:
        self.loader = loader
        self.filename = filename
        self.lines: dict[Loc, int] = {}
        self.problems: list[ManifestProblem] = []
        self.visited = 0

    def build(self, node: Node, loc: Loc) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise _error(
                self.filename,
                node.start_mark.line + 1,
                f"expands to more than {MAX_NODES} values (an alias bomb?); "
                "a manifest needs far fewer",
            )
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                return self._bad_tag(node, loc)
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*loc, index)] = item.start_mark.line + 1
                items.append(self.build(item, (*loc, index)))
            return items
        return self._scalar(node, loc)

    def _mapping(self, node: MappingNode, loc: Loc) -> Any:
        if node.tag != _MAP_TAG:
            return self._bad_tag(node, loc)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                message = "YAML merge keys (<<) are not supported; write the keys out"
                self._problem(line, loc, message)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR_TAG:
                message = "keys must be text (quote numbers and booleans used as keys)"
                self._problem(line, loc, message)
                continue
            key = key_node.value
            if key in result:
                first = self.lines.get((*loc, key))
                message = (
                    f"appears twice in one mapping (first on line {first}); keep one"
                )
                self._problem(line, (*loc, key), message)
                continue
            self.lines[(*loc, key)] = line
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _scalar(self, node: Node, loc: Loc) -> Any:
        if node.tag not in _SCALAR_TAGS:
            return self._bad_tag(node, loc)
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            return self._bad_tag(node, loc)
        except ValueError:
            # e.g. an integer too long for Python to convert, or an impossible date
            self._problem(
                node.start_mark.line + 1,
                loc,
                "is a value that cannot be read (too long or malformed); write a "
                "plain number, string or date",
            )
            return None

    def _bad_tag(self, node: Node, loc: Loc) -> None:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        message = f"the YAML tag {tag} is not supported; manifests use plain YAML"
        self._problem(node.start_mark.line + 1, loc, message)
        return None

    def _problem(self, line: int, loc: Loc, message: str) -> None:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
        problem = ManifestProblem(self.filename, line, path.lstrip("."), message)
        self.problems.append(problem)
