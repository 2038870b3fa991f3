"""Topology reuse: ``extends:``, ``include:`` and ``generate:`` put a topology together
from other files (and generators) before it is validated.

    extends: campus.yaml               # start from this topology, all of it
    include: [dmz.yaml, lab.yaml]      # add these files' nodes and links
    generate: {kind: grid, rows: 3, cols: 3}   # add a generated topology (generate.py)

Paths are relative to the file that names them. The pieces are merged in this
order, later over earlier:

1. ``extends``: every key of that file (itself put together first);
2. each ``include``, then ``generate``: their nodes and links are added. A node
   name that is already there is an error (name both places); an included file
   may hold nothing but ``name`` (ignored), ``params``, ``nodes`` and ``links``
   (its ``defaults`` or ``routing`` would not apply to its links any more);
   ``generate`` also sets ``routing: auto``;
3. this file's own keys: a node replaces the node of that name wholesale,
   links are added after the others, any other key (``name``, ``defaults``,
   ``routing``, ``convergence``) replaces the earlier one.

A link comes only from the file that has it: it cannot be removed or changed by
an including file. Every value keeps its place in its own file, so an error
anywhere is reported at that file's line and column; a missing file, a cycle
(a file that includes itself, directly or not) and a name defined twice are
errors at the ``include``/``extends`` entry that caused them.
"""

from __future__ import annotations

import os

from .errors import ScenarioError
from .schema import describe
from .yamlpos import Path, YamlDocument, load_yaml_file

KEYS = ("extends", "include", "generate")
INCLUDABLE = {"name", "nodes", "links"}


class _Assembly:
    """The pieces of one topology: each top-level value, node and link as
    (document, path there), in merge order."""

    def __init__(self):
        self.values: dict[str, tuple[YamlDocument, Path]] = {}
        self.nodes: dict[object, tuple[YamlDocument, Path]] = {}
        self.links: list[tuple[YamlDocument, Path]] = []

    def take(self, doc: YamlDocument, root: Path, *, replace: bool, added_by=None) -> None:
        """Add the topology at ``doc[root]``: its nodes (a clash is an error at ``added_by``,
        a (document, path), unless ``replace``), links and, with ``replace``, its values."""
        data = doc.get(root)
        for key, value in data.items():
            if key in ("nodes", "links"):
                continue
            if replace and key not in KEYS:
                self.values[key] = (doc, root + (key,))
        for name in data.get("nodes") or {}:
            if not replace and name in self.nodes:
                other, path = self.nodes[name]
                file, line, _ = other.locate(path, key=True)
                by_doc, by_path = added_by
                raise by_doc.error(by_path, f"node '{name}' is defined twice: here and at "
                                            f"{file}:{line}")
            self.nodes[name] = (doc, root + ("nodes", name))
        links = data.get("links") or []
        self.links += [(doc, root + ("links", i)) for i in range(len(links))]

    def install(self, doc: YamlDocument, prefix: Path) -> None:
        """Replace ``doc[prefix]`` with the merged topology; positions follow each piece."""
        own = doc.get(prefix)
        merged = {key: d.get(p) for key, (d, p) in self.values.items()}
        merged["nodes"] = {name: d.get(p) for name, (d, p) in self.nodes.items()}
        merged["links"] = [d.get(p) for d, p in self.links]
        places = _Places()
        for key, piece in self.values.items():
            places.copy(piece, prefix + (key,))
        for name, piece in self.nodes.items():
            places.copy(piece, prefix + ("nodes", name))
        for i, piece in enumerate(self.links):
            places.copy(piece, prefix + ("links", i))
        for key in ("nodes", "links"):       # the key itself: this file's, else the first piece's
            if key in own:
                places.copy((doc, prefix + (key,)), prefix + (key,), deep=False)
        for table in (doc.positions, doc.key_positions, doc.origins):
            for path in [p for p in table if p[:len(prefix)] == prefix and len(p) > len(prefix)]:
                del table[path]
        places.install(doc)
        _set(doc, prefix, merged)


class _Places:
    """Positions (and files) of merged pieces, at their paths in the merged document."""

    def __init__(self):
        self.positions: dict[Path, tuple] = {}
        self.key_positions: dict[Path, tuple] = {}
        self.origins: dict[Path, str | None] = {}
        self._index: dict[tuple[int, int], dict[Path, list[Path]]] = {}

    def copy(self, piece: tuple[YamlDocument, Path], dest: Path, deep: bool = True) -> None:
        doc, root = piece
        paths = self._under(doc, root) if deep else [root]
        for path in paths:
            to = dest + path[len(root):]
            for table, mine in ((doc.positions, self.positions),
                                (doc.key_positions, self.key_positions)):
                if path in table:
                    mine[to] = table[path]
            self.origins[to] = doc.origins.get(path, doc.file)

    def _under(self, doc: YamlDocument, root: Path) -> list[Path]:
        """Every located path at or below ``root`` (indexed once per document and depth)."""
        key = (id(doc), len(root))
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = {}
            for path in {*doc.positions, *doc.key_positions}:
                if len(path) >= len(root):
                    index.setdefault(path[:len(root)], []).append(path)
        return index.get(root, [])

    def install(self, doc: YamlDocument) -> None:
        doc.positions.update(self.positions)
        doc.key_positions.update(self.key_positions)
        for path, file in self.origins.items():
            if file == doc.file:
                doc.origins.pop(path, None)
            else:
                doc.origins[path] = file


def _set(doc: YamlDocument, path: Path, value) -> None:
    if not path:
        doc.data = value
        return
    parent = doc.get(path[:-1])
    parent[path[-1]] = value


def compose(doc: YamlDocument, prefix: Path, base_dir: str, params, validate,
            chain: tuple[str, ...] = ()) -> None:
    """Resolve ``extends``/``include``/``generate`` of the topology at ``doc[prefix]`` in
    place. ``chain``: the files being put together (to report cycles); ``params`` the
    load's Parameters (each file's ``${...}`` is substituted as it is read);
    ``validate(model, data, doc, path)`` the loader's located validation."""
    data = doc.get(prefix)
    if not isinstance(data, dict) or not any(key in data for key in KEYS):
        return
    parts = _Assembly()
    if "extends" in data:
        base = _read(doc, prefix + ("extends",), base_dir, params, validate, chain)
        parts.take(base, (), replace=True)
    include = data.get("include")
    if include is not None:
        refs = [include] if isinstance(include, str) else include
        if not isinstance(refs, list) or not refs:
            raise doc.error(prefix + ("include",), "expected a topology file or a list of "
                                                   f"them, got {describe(include)}")
        for i in range(len(refs)):
            where = prefix + ("include",) + ((i,) if refs is include else ())
            part = _read(doc, where, base_dir, params, validate, chain)
            for key in part.data:
                if key not in INCLUDABLE:
                    raise part.error((key,), f"an included file adds nodes and links only; its "
                                             f"'{key}' would not apply (set it in the including "
                                             "file, or use extends)", key=True)
            parts.take(part, (), replace=False, added_by=(doc, where))
    if "generate" in data:
        from .generate import generate          # networkx: only when a topology is generated

        where = prefix + ("generate",)
        made = generate(doc, where, base_dir, validate)
        parts.take(made, (), replace=False, added_by=(doc, where))
        if "routing" not in parts.values:
            parts.values["routing"] = (made, ("routing",))
    parts.take(doc, prefix, replace=True)
    parts.install(doc, prefix)


def _read(doc: YamlDocument, where: Path, base_dir: str, params, validate,
          chain: tuple[str, ...]) -> YamlDocument:
    """The topology file named at ``doc[where]``, its parameters substituted and itself
    put together."""
    ref = doc.get(where)
    if not isinstance(ref, str) or not ref.strip():
        raise doc.error(where, f"expected a topology file path, got {describe(ref)}")
    path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(ref)))
    why = ("not found" if not os.path.exists(path) else "is a directory" if os.path.isdir(path)
           else None if os.path.isfile(path) else "is not a regular file")
    if why is not None:
        raise doc.error(where, f"topology file '{ref}' {why} (looked for {path})")
    real = os.path.realpath(path)
    if real in chain:
        raise doc.error(where, f"'{ref}' includes itself (cycle: "
                               f"{' -> '.join(os.path.basename(p) for p in chain + (real,))})")
    part = load_yaml_file(path)
    if not isinstance(part.data, dict):
        raise ScenarioError(f"expected a topology (a mapping with name, nodes, links), got "
                            f"{describe(part.data)}", file=part.file)
    if "topology" in part.data:
        raise part.error(("topology",), "this is a scenario file, not a topology", key=True)
    params.substitute(part)
    compose(part, (), os.path.dirname(path), params, validate, chain + (real,))
    return part


def anchored(topology: dict, base_dir: str) -> dict:
    """A topology's data with the files its ``extends``, ``include``, ``generate`` and
    DNS zones (``dns_server: {zones: [{file: …}]}``) name made absolute: what a copy
    read from elsewhere (a campaign's worker) needs."""
    out = dict(topology)

    def absolute(ref):
        return os.path.abspath(os.path.join(base_dir, os.path.expanduser(ref))) \
            if isinstance(ref, str) else ref
    if "extends" in out:
        out["extends"] = absolute(out["extends"])
    if isinstance(out.get("include"), (str, list)):
        include = out["include"]
        out["include"] = absolute(include) if isinstance(include, str) else \
            [absolute(ref) for ref in include]
    if isinstance(out.get("generate"), dict) and "file" in out["generate"]:
        out["generate"] = {**out["generate"], "file": absolute(out["generate"]["file"])}
    if isinstance(out.get("nodes"), dict):
        out["nodes"] = {name: _zone_files(node, absolute) for name, node in out["nodes"].items()}
    return out


def _zone_files(node, absolute):
    """``node`` with its DNS server's zone ``file`` paths made ``absolute``."""
    server = node.get("dns_server") if isinstance(node, dict) else None
    zones = server.get("zones") if isinstance(server, dict) else None
    if not isinstance(zones, list):
        return node
    zones = [{**z, "file": absolute(z["file"])} if isinstance(z, dict) and "file" in z else z
             for z in zones]
    return {**node, "dns_server": {**server, "zones": zones}}
