"""YAML with positions: plain Python data plus where every key and value came from.

:func:`load_yaml` parses with libyaml (PyYAML's ``CParser``; PyYAML's own parser when
it was built without libyaml) and composes the node graph here, so every mapping key
and every value keeps its 1-based (line, column). Paths are tuples of mapping keys and
list indices::

    doc = load_yaml("nodes:\\n  pc1: {type: host, ip: 10.0.0.1/24}\\n", "t.yaml")
    doc.data["nodes"]["pc1"]["ip"]            # '10.0.0.1/24'
    doc.positions[("nodes", "pc1", "ip")]     # (2, 27)  the value
    doc.key_positions[("nodes", "pc1", "ip")] # (2, 23)  the key

Differences from ``yaml.safe_load``, all on purpose, each failing with a position:

* a key repeated in one mapping is an error (YAML parsers keep the last silently);
* scalars resolve like YAML 1.2's core schema: only ``true``/``false`` are booleans
  (so ``on: pc1`` is the key ``"on"``, not ``True``), no sexagesimal numbers (so
  ``mac: 10:00:00:00:00:01`` stays a string), no leading-zero octal, no timestamps;
* explicit tags are those of the core schema only, with content of their type
  (``!!int four`` is an error, ``!!python/...`` and ``!!timestamp`` are refused);
* control characters, nesting past 100 levels, aliases expanding past 100,000 extra
  nodes and integers of more than 100 digits are refused;
* a file must be a regular file of at most 16 MiB (a FIFO or device is not opened);
* a syntax error becomes a :class:`ScenarioError` with the line and column.

Merge keys (``<<: *base``) and anchors work as in PyYAML.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.engine.gc_pause import without_gc

from .errors import ScenarioError, format_path

__all__ = ["Path", "Position", "YamlDocument", "load_yaml", "load_yaml_file"]

Path = tuple[Any, ...]
Position = tuple[int, int]

_PREFIX = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT = (_PREFIX + t for t in ("str", "null", "bool", "int", "float"))
_SEQ, _MAP, _MERGE = _PREFIX + "seq", _PREFIX + "map", _PREFIX + "merge"
_MAX_EXPANSION = 100_000  # nodes visited again through aliases ("billion laughs")
_MAX_DEPTH = 100          # nesting of mappings and lists
_MAX_BYTES = 16 << 20     # a file larger than this is not a topology
_MAX_DIGITS = 100         # an integer longer than this is a mistake (and slow to convert)

# YAML 1.2 core schema: the only implicit types besides strings.
_SCALARS = {
    _NULL: re.compile(r"^(?:~|null|Null|NULL|)$"),
    _BOOL: re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    _INT: re.compile(r"^(?:[-+]?(?:0|[1-9](?:_?[0-9])*)|0x[0-9a-fA-F](?:_?[0-9a-fA-F])*"
                     r"|0o[0-7](?:_?[0-7])*)$"),
    _FLOAT: re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*\.[0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
}
_FIRST = {_NULL: list("~nN") + [""], _BOOL: list("tTfF"), _INT: list("-+0123456789"),
          _FLOAT: list("-+0123456789.")}
# What YAML 1.2 (§5.1) allows in a stream; anything else is refused before parsing.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class _PyEvents(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's own scanner and parser, for a PyYAML built without libyaml."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


if yaml.__with_libyaml__:  # libyaml: ~10x faster
    from yaml.cyaml import CParser as _Events
else:  # pragma: no cover - PyYAML built without libyaml (tests swap _PyEvents in)
    _Events = _PyEvents


class _Loader(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """Events from libyaml, composed here with a nesting limit that fails with a position,
    resolved with the YAML 1.2 core schema (no yes/no booleans, sexagesimal numbers,
    timestamps or ``=``)."""

    def __init__(self, text: str) -> None:
        self.events = _Events(text)
        self.check_event = self.events.check_event
        self.peek_event = self.events.peek_event
        self.get_event = self.events.get_event
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.depth = 0

    def dispose(self) -> None:
        self.events.dispose()

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > _MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {_MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {}
for _tag, _rx in _SCALARS.items():
    _Loader.add_implicit_resolver(_tag, _rx, _FIRST[_tag])
_Loader.add_implicit_resolver(_MERGE, re.compile(r"^<<$"), ["<"])


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node).lower() == "true"


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node), 0)


_Loader.add_constructor(_BOOL, _construct_bool)
_Loader.add_constructor(_INT, _construct_int)


def _short(tag: str) -> str:
    return "!!" + tag[len(_PREFIX):] if tag.startswith(_PREFIX) else tag


@dataclass
class YamlDocument:
    """Parsed YAML: ``data`` (as plain Python) and the positions of its parts."""

    data: Any
    file: str | None = None
    positions: dict[Path, Position] = field(default_factory=dict)
    key_positions: dict[Path, Position] = field(default_factory=dict)
    # Paths whose key and value come from another file (a topology's include or
    # extends, see compose.py): their file. Every other path is in ``file``.
    origins: dict[Path, str | None] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> tuple[str | None, int, int]:
        """``(file, line, column)`` of ``path``: its key (``key=True``, when it has one)
        or its value. An unknown path falls back to its longest known prefix, then to 1:1."""
        path = tuple(path)
        if key and path in self.key_positions:
            return (self.origins.get(path, self.file), *self.key_positions[path])
        for end in range(len(path), -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return (self.origins.get(path[:end], self.file), *pos)
        return (self.file, 1, 1)

    def position(self, path: Path, *, key: bool = False) -> Position:
        """``(line, column)`` of ``path`` (see :meth:`locate`)."""
        return self.locate(path, key=key)[1:]

    def error(
        self, path: Path, message: str, *, key: bool = False, field: str | None = None
    ) -> ScenarioError:
        """A :class:`ScenarioError` located at ``path`` (``field`` defaults to the path)."""
        file, line, column = self.locate(path, key=key)
        return ScenarioError(
            message,
            file=file,
            line=line,
            column=column,
            field=format_path(path) if field is None else field,
        )

    def get(self, path: Path, default: Any = None) -> Any:
        """The data at ``path``, or ``default`` when the path does not exist."""
        cur = self.data
        for part in path:
            try:
                cur = cur[part]
            except (KeyError, IndexError, TypeError):
                return default
        return cur


def _mark(mark: yaml.Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


class _Walker:
    """Records positions and rejects duplicate keys, on the composed node graph
    (before construction, which flattens merge keys into the mapping)."""

    def __init__(self, loader: _Loader, doc: YamlDocument) -> None:
        self.loader = loader
        self.doc = doc
        self.stack: set[int] = set()
        self.seen: set[int] = set()
        self.expansion = 0

    def key_value(self, node: yaml.Node, path: Path) -> Any:
        if isinstance(node, yaml.ScalarNode):
            self.check(node, path)
            return self.loader.construct_object(node)
        return ("<complex key>", id(node))  # construction rejects these (unhashable)

    def walk(self, node: yaml.Node, path: Path) -> None:
        if id(node) in self.seen:  # reached again through an alias
            self.expansion += 1
            if self.expansion > _MAX_EXPANSION:
                raise self.fail(node, f"aliases expand to more than {_MAX_EXPANSION} extra nodes")
        else:
            self.seen.add(id(node))
            self.check(node, path)
        if len(path) > _MAX_DEPTH:
            raise self.fail(node, f"nested more than {_MAX_DEPTH} levels deep (through aliases)")
        self.doc.positions.setdefault(path, _mark(node.start_mark))
        if isinstance(node, yaml.ScalarNode):
            return
        if id(node) in self.stack:
            raise self.fail(node, "recursive alias: a node contains itself")
        self.stack.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, path + (i,))
        elif isinstance(node, yaml.MappingNode):
            self.walk_mapping(node, path)
        self.stack.discard(id(node))

    def check(self, node: yaml.Node, path: Path) -> None:
        """Tags of the core schema only, each with content of its type."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag in (_STR, _MERGE):
                pass
            elif node.tag not in _SCALARS:
                raise self.fail(node, f"unsupported YAML tag '{_short(node.tag)}' (use plain values)", path)
            elif not _SCALARS[node.tag].match(node.value):
                raise self.fail(node, f"'{node.value}' is not a valid {_short(node.tag)}", path)
            elif node.tag == _INT and len(node.value) > _MAX_DIGITS:
                raise self.fail(node, f"number too long ({len(node.value)} digits)", path)
        elif node.tag not in ((_SEQ,) if isinstance(node, yaml.SequenceNode) else (_MAP,)):
            raise self.fail(node, f"unsupported YAML tag '{_short(node.tag)}' (use plain values)", path)

    def walk_mapping(self, node: yaml.MappingNode, path: Path) -> None:
        seen: dict[Any, yaml.Node] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            key = self.key_value(key_node, path)
            try:
                first = seen.get(key)
            except TypeError:  # unhashable: let the constructor report it
                continue
            if first is not None:
                line, _ = _mark(first.start_mark)
                raise self.fail(
                    key_node,
                    f"duplicate key '{key}' (first defined on line {line})",
                    path + (key,),
                )
            seen[key] = key_node
            self.doc.key_positions[path + (key,)] = _mark(key_node.start_mark)
            self.walk(value_node, path + (key,))
        # Merged keys: the mapping's own keys win, then earlier merges over later.
        for merge in merges:
            sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    continue  # the constructor reports a bad merge
                for key_node, value_node in source.value:
                    if key_node.tag == _MERGE:
                        continue
                    key = self.key_value(key_node, path)
                    try:
                        if key in seen:
                            continue
                    except TypeError:
                        continue
                    seen[key] = key_node
                    self.doc.key_positions[path + (key,)] = _mark(key_node.start_mark)
                    self.walk(value_node, path + (key,))

    def fail(self, node: yaml.Node, message: str, path: Path | None = None) -> ScenarioError:
        line, column = _mark(node.start_mark)
        return ScenarioError(
            message,
            file=self.doc.file,
            line=line,
            column=column,
            field=format_path(path) if path else None,
        )


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line - 1][column - 1:column] if line <= len(lines) else ""


def _syntax_error(exc: yaml.YAMLError, text: str, file: str | None) -> ScenarioError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem and exc.context_mark is not None:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        elif exc.context and exc.problem:
            problem += f" ({exc.context})"
        line, column = _mark(mark) if mark is not None else (None, None)
        if line is not None and _char_at(text, line, column) == "\t":
            problem = "a tab cannot indent YAML or start a value (use spaces)"
        return ScenarioError(f"invalid YAML: {problem}", file=file, line=line, column=column)
    return ScenarioError(f"invalid YAML: {exc}", file=file)


@without_gc()
def load_yaml(text: str, file: str | None = None) -> YamlDocument:
    """Parse one YAML document from ``text``; ``file`` is only used in messages.

    An empty document gives ``data=None``. Raises :class:`ScenarioError`.
    """
    doc = YamlDocument(data=None, file=file)
    bad = _NOT_YAML.search(text)
    if bad:
        before = text[: bad.start()]
        raise ScenarioError(f"invalid YAML: character U+{ord(bad.group()):04X} is not allowed in YAML text",
                            file=file, line=before.count("\n") + 1,
                            column=bad.start() - (before.rfind("\n") + 1) + 1)
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            _Walker(loader, doc).walk(node, ())
            loader.constructed_objects = {}
            doc.data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    finally:
        if loader is not None:
            loader.dispose()
    doc.positions.setdefault((), (1, 1))
    return doc


def read_text(path: str | os.PathLike[str], name: str) -> str:
    """The UTF-8 text of a regular file of at most 16 MiB (a FIFO or device is refused
    before it is opened, so it cannot block or stream without end)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError("is a directory, not a YAML file", file=name)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError("not a regular file (a device, FIFO or socket?)", file=name)
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=name) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", file=name) from None
    if len(raw) > _MAX_BYTES:
        raise ScenarioError(f"file too large (more than {_MAX_BYTES >> 20} MiB)", file=name)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ScenarioError("not UTF-8 text", file=name, line=line, column=column) from None


def load_yaml_file(path: str | os.PathLike[str], display: str | None = None) -> YamlDocument:
    """Read and parse a UTF-8 YAML file; errors name it as ``display`` (default: ``path``)."""
    name = display if display is not None else _display(path)
    return load_yaml(read_text(path, name), name)


def _display(path: str | os.PathLike[str]) -> str:
    """A file name as messages show it (bytes that are not UTF-8 escaped)."""
    return os.fsdecode(path).encode("utf-8", "backslashreplace").decode("utf-8")
