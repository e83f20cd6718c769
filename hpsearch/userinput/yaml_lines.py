"""YAML text → plain Python data, plus the line of every key, so that a mistake found later by
validation can be reported at the line where the user wrote it.

PyYAML reads YAML 1.1, where `1e-4` is a string and a repeated key silently replaces the first
one; this reader takes such numbers as YAML 1.2 does and reports repeated keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hpsearch.errors import ConfigError

Location = tuple[str | int, ...]  # keys and list indices from the top of the document
MAX_VALUES = 100_000  # keys, values and items, aliases counted out; a study file has hundreds


class _Loader(yaml.SafeLoader):
    """The safe loader, reading YAML 1.2 floats with an exponent (1e-4, 1.0e4) as floats."""


# YAML 1.1's float pattern needs a dot and a signed exponent; YAML 1.2 needs neither. Plain
# integers and dotted floats are still resolved by PyYAML's own patterns.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


@dataclass(frozen=True)
class Problem:
    """One mistake in a config file: where it is and what must change."""

    location: Location
    message: str
    line: int | None = None  # where the location alone does not say (a repeated key)


@dataclass
class Document:
    """A parsed YAML file: its data, the line of each key or list item, and repeated keys."""

    data: Any
    lines: dict[Location, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, location: Location) -> int | None:
        """The line of the deepest written part of `location` (a missing key: its parent's)."""
        for end in range(len(location), 0, -1):
            if location[:end] in self.lines:
                return self.lines[location[:end]]
        return None

    def render(self, problems: list[Problem], source: str) -> str:
        """One line per problem, in file order: `file, line N: dotted.key: message`."""
        lines = [p.line or self.line_of(p.location) for p in problems]
        order = sorted(range(len(problems)), key=lambda i: lines[i] or 0)
        rendered = [_render(source, lines[i], problems[i]) for i in order]
        return "\n".join(dict.fromkeys(rendered))


def dotted(location: Location) -> str:
    """`hyperparameters.activation.choices[1]`: how a user would point at a key."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _render(source: str, line: int | None, problem: Problem) -> str:
    where = source if line is None else f"{source}, line {line}"
    path = dotted(problem.location)
    return f"{where}: {path}: {problem.message}" if path else f"{where}: {problem.message}"


def read_yaml(text: str, source: str) -> Document:
    """Parse one YAML document; a syntax error or an empty file is a `ConfigError` at once."""
    try:
        return _compose(text, source)
    except yaml.MarkedYAMLError as error:
        raise ConfigError(_syntax_message(error, source)) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        raise ConfigError(
            f"{source}, line {line}: invalid YAML: character #x{error.character:04x} is not "
            "allowed in a YAML file; remove it"
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: invalid YAML: {error}") from None
    except RecursionError:
        line = _deepest_line(text)
        raise ConfigError(
            f"{source}, line {line}: invalid YAML: nested too deeply; a study file needs a "
            "few levels"
        ) from None


def _compose(text: str, source: str) -> Document:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError(
                f"{source}: the file is empty; write at least a `hyperparameters:` "
                "section (see configs/quickstart.yaml)"
            )
        _refuse_expansion(root, source)
        document = Document(data=None)
        document.data = _Reader(loader, document, source).read(root, (), ())
        return document
    finally:
        loader.dispose()


def _refuse_expansion(root: Node, source: str) -> None:
    """Refuses aliases that expand to more values than any study file holds (an "alias bomb":
    ten aliases of ten aliases of … grow tenfold a level), before anything walks them out.

    Sizes are counted once per node, so a bomb costs its size in bytes to measure, not its
    expansion; the line named is that of the smallest node that is already too large. Only
    what aliases add counts: values written out are as many as the file's size says (a choice
    of 100,000 values has no alias to expand)."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        if id(node) not in sizes:
            sizes[id(node)] = 1  # an alias loop is counted once, then refused by the reader
            sizes[id(node)] = 1 + sum(size(child) for child in _children(node))
        return sizes[id(node)]

    expanded = size(root)
    written = len(sizes)  # each node once, as the file writes it
    if expanded - written <= MAX_VALUES:
        return
    node = root
    while big := [child for child in _children(node) if size(child) > MAX_VALUES]:
        node = big[0]
    raise ConfigError(
        f"{source}, line {node.start_mark.line + 1}: invalid YAML: its aliases expand to "
        f"{size(node):,} values, more than the {MAX_VALUES:,} a study file may hold; write "
        "the values out, or use fewer aliases"
    )


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, SequenceNode) else []


def _deepest_line(text: str) -> int:
    """The line nested deepest, by brackets and by indentation (an open bracket counts as two
    spaces): where a file that is nested too deeply is so."""
    brackets, deepest, found = 0, -1, 1
    for number, line in enumerate(text.splitlines(), start=1):
        depth = 2 * brackets + len(line) - len(line.lstrip(" "))
        for char in line:
            brackets += (char in "[{") - (char in "]}")
            depth = max(depth, 2 * brackets)
        if depth > deepest:
            deepest, found = depth, number
    return found


def _syntax_message(error: yaml.MarkedYAMLError, source: str) -> str:
    mark = error.problem_mark or error.context_mark
    where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
    problem = error.problem or error.context or "cannot be read"
    plain = _in_plain_words(problem, mark)
    if plain:
        return f"{where}: {plain}"
    if error.context and error.problem and error.context_mark:
        problem += f" ({error.context} at line {error.context_mark.line + 1})"
    return f"{where}: invalid YAML: {problem}"


def _in_plain_words(problem: str, mark: yaml.Mark | None) -> str | None:
    """PyYAML's words for the two commonest slips, a tab and a misaligned key, said plainly
    with the line as written; None for anything else."""
    line = _line_at(mark)
    shown = f": {line!r}" if line is not None else ""
    if "'\\t'" in problem or "\t" in problem:
        return f"a tab indents this line{shown}; YAML indents with spaces, not tabs"
    if problem.startswith("mapping values are not allowed") and line and line.count(": ") > 1:
        return f"a value holds ': '{shown}; put the value in quotes"
    if problem.startswith(("expected <block end>", "mapping values are not allowed")):
        return (
            f"this line is indented differently from the keys around it{shown}; keys of one "
            "mapping start in the same column, and a key's contents two spaces further in"
        )
    return None


def _line_at(mark: yaml.Mark | None) -> str | None:
    if mark is None or not isinstance(mark.buffer, str):
        return None
    lines = mark.buffer.split("\n")
    return lines[mark.line].rstrip("\0") if mark.line < len(lines) else None


class _Reader:
    """Walks composed nodes, building data and noting lines; an alias loop is refused."""

    def __init__(self, loader: _Loader, document: Document, source: str) -> None:
        self.loader = loader
        self.document = document
        self.source = source

    def read(self, node: Node, location: Location, above: tuple[int, ...]) -> Any:
        if id(node) in above:
            self._problem(
                location, node, "an alias refers to a node that contains it; remove the loop"
            )
            return None
        above = (*above, id(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, location, above)
        if isinstance(node, SequenceNode):
            return [self._item(item, (*location, i), above) for i, item in enumerate(node.value)]
        return self._scalar(node, location)

    def _item(self, node: Node, location: Location, above: tuple[int, ...]) -> Any:
        self.document.lines.setdefault(location, node.start_mark.line + 1)
        return self.read(node, location, above)

    def _mapping(self, node: MappingNode, location: Location, above: tuple[int, ...]) -> dict:
        own = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        self.loader.flatten_mapping(node)  # `<<: *anchor` merges: their keys may be overridden
        merged = len(node.value) - own
        result: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self._problem(
                    location, key_node, "a key must be a plain name, not a list or mapping"
                )
                continue
            key = key_node.value
            if key in first_line and index >= merged and first_line[key] >= 0:
                message = f"duplicate key (first at line {first_line[key]}); keep only one"
                self.document.problems.append(Problem((*location, key), message, line))
                continue
            first_line[key] = line if index >= merged else -1
            self.document.lines[(*location, key)] = line
            result[key] = self.read(value_node, (*location, key), above)
        return result

    def _scalar(self, node: Node, location: Location) -> Any:
        try:
            return self.loader.construct_object(node)
        except (ValueError, TypeError, AttributeError, OverflowError):
            # A tag that PyYAML cannot apply, e.g. `!!int abc`.
            raise ConfigError(
                f"{self.source}, line {node.start_mark.line + 1}: {dotted(location)}: cannot read "
                f"'{node.value}' as {node.tag.replace('tag:yaml.org,2002:', '!!')}; remove the "
                "tag or fix the value"
            ) from None

    def _problem(self, location: Location, node: Node, message: str) -> None:
        self.document.lines.setdefault(location, node.start_mark.line + 1)
        self.document.problems.append(Problem(location, message))
