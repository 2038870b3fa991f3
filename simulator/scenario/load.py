"""Load topology and scenario files: YAML -> schema -> semantic checks.

Every problem with the input — a missing file, bad YAML, a schema violation, a
link to a node that does not exist — is raised as one
:class:`~simulator.scenario.errors.ScenarioError` naming the file, line, column and
field of the first offending value in document order. Nothing else escapes.

    load_topology("topologies/lan.yaml")      -> Topology
    load_scenario("scenarios/ping.yaml", 7)   -> Scenario (seed overridden)
    load_any(path)                            -> Topology | Scenario   (``netsim check``)

Each takes ``params``, the overrides of the files' ``params:`` defaults (see
:mod:`~simulator.scenario.params`); substitution runs before validation.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.engine.gc_pause import without_gc

from .check_scenario import ScenarioChecks
from .check_topology import TopologyChecks
from .compose import compose
from .errors import ScenarioError, format_path
from .params import Parameters
from .schema import NODE_TYPES, Scenario, Topology, describe
from .yamlpos import Path, YamlDocument, load_yaml, load_yaml_file

__all__ = ["load_topology", "load_scenario", "load_any", "load_text", "load_data"]

_CONTEXT = {"yaml": True}  # schema: unit fields need their unit spelt out
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a schema field name, in pydantic's error locations


# ------------------------------------------------------------ public functions

Overrides = dict[str, Any] | None


def load_topology(path: str | os.PathLike[str], params: Overrides = None) -> Topology:
    """Read, validate and check a topology file."""
    doc = load_yaml_file(path)
    _expect_mapping(doc, "name, nodes, links")
    return _topology(doc, _base_dir(path), Parameters(params), _chain(path))


def load_scenario(path: str | os.PathLike[str], seed: int | None = None,
                  params: Overrides = None) -> Scenario:
    """Read, validate and check a scenario file (and the topology it names).
    ``seed``, when given, replaces the file's seed."""
    doc = load_yaml_file(path)
    _expect_mapping(doc, "name, topology, until, run")
    return _with_seed(_scenario(doc, _base_dir(path), Parameters(params)), seed, doc.file)


def load_any(path: str | os.PathLike[str], params: Overrides = None) -> Topology | Scenario:
    """A scenario if the file has a ``topology`` key, else a topology."""
    return _any(load_yaml_file(path), _base_dir(path), params, _chain(path))


def load_text(
    text: str, file: str = "<string>", base_dir: str | os.PathLike[str] = ".",
    params: Overrides = None,
) -> Topology | Scenario:
    """Like :func:`load_any` for YAML text; a topology path is resolved from ``base_dir``."""
    return _any(load_yaml(text, file), os.fspath(base_dir), params)


def load_data(data: Any, file: str | None = None, params: Overrides = None) -> Topology | Scenario:
    """Like :func:`load_any` for YAML already parsed (a scenario's topology inline):
    what a campaign's worker runs. Errors carry no line numbers."""
    return _any(YamlDocument(data=copy.deepcopy(data), file=file), ".", params)


def _any(doc: YamlDocument, base_dir: str, params: Overrides,
         chain: tuple[str, ...] = ()) -> Topology | Scenario:
    _expect_mapping(doc, "name, nodes, links (a topology) or name, topology, until (a scenario)")
    if "topology" in doc.data:
        return _scenario(doc, base_dir, Parameters(params))
    return _topology(doc, base_dir, Parameters(params), chain)


# ------------------------------------------------------------------ pipeline

def _base_dir(path: str | os.PathLike[str]) -> str:
    return os.path.dirname(os.fspath(path))


def _chain(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The file being loaded, as compose's include-cycle check knows files."""
    return (os.path.realpath(path),)


def _expect_mapping(doc: YamlDocument, keys: str) -> None:
    if doc.data is None:
        raise ScenarioError(f"file is empty (expected a mapping with {keys})", file=doc.file)
    if not isinstance(doc.data, dict):
        raise doc.error((), f"expected a mapping with {keys} at the top level, got {describe(doc.data)}",
                        field="")


def _topology(doc: YamlDocument, base_dir: str, params: Parameters,
              chain: tuple[str, ...]) -> Topology:
    params.substitute(doc)
    compose(doc, (), base_dir, params, _validate, chain)
    params.finish()
    return _checked_topology(doc, ())[0]


@without_gc()
def _checked_topology(doc: YamlDocument, prefix: Path) -> tuple[Topology, TopologyChecks]:
    topology = _validate(Topology, doc.get(prefix), doc, prefix)
    checks = TopologyChecks(topology, doc, prefix)
    _raise_first(checks.run())
    return topology, checks


def _scenario(doc: YamlDocument, base_dir: str, params: Parameters) -> Scenario:
    params.substitute(doc)
    compose(doc, ("topology",), base_dir, params, _validate)     # an inline topology's
    data = dict(doc.data)
    ref = data.get("topology")
    checks: TopologyChecks | None = None
    if isinstance(ref, str) and not ref.strip():
        raise doc.error(("topology",), "expected a topology file path, got an empty string")
    if isinstance(ref, str):
        data["topology"], checks = _topology_file(doc, ref, base_dir, params)
    elif "topology" in data and not isinstance(ref, dict):
        raise doc.error(("topology",),
                        f"expected a topology file path or a mapping, got {describe(ref)}")
    elif "topology" not in data and "nodes" in data:
        raise doc.error(("nodes",), "this is a topology file; a scenario names it with "
                                    "'topology: <file>' (netsim check validates a topology)", key=True)
    params.finish()
    scenario = _validate(Scenario, data, doc, ())
    errors: list[ScenarioError] = []
    if checks is None:
        checks = TopologyChecks(scenario.topology, doc, ("topology",))
        errors += checks.run()
    if not errors:  # the scenario checks need the topology's link ends worked out
        errors += ScenarioChecks(scenario, doc, checks).run()
    _raise_first(errors)
    return scenario


def _topology_file(doc: YamlDocument, ref: str, base_dir: str,
                   params: Parameters) -> tuple[Topology, TopologyChecks]:
    path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(ref)))
    why = ("not found" if not os.path.exists(path) else "is a directory" if os.path.isdir(path)
           else None if os.path.isfile(path) else "is not a regular file")
    if why is not None:
        raise doc.error(("topology",), f"topology file '{ref}' {why} (looked for {path})")
    tdoc = load_yaml_file(path)
    _expect_mapping(tdoc, "name, nodes, links")
    if "topology" in tdoc.data:
        raise tdoc.error(("topology",), "this is a scenario file, not a topology", key=True)
    params.substitute(tdoc)
    compose(tdoc, (), os.path.dirname(path), params, _validate, _chain(path))
    return _checked_topology(tdoc, ())


def _with_seed(scenario: Scenario, seed: Any, file: str | None) -> Scenario:
    if seed is None:
        return scenario
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer, got {describe(seed)}", file=file,
                            field="seed")
    return scenario.model_copy(update={"seed": seed})


def _raise_first(errors: Iterable[ScenarioError]) -> None:
    errors = list(errors)
    if errors:
        raise min(errors, key=lambda e: (e.line or 0, e.column or 0))


# ------------------------------------------------- pydantic errors -> located

@without_gc()
def _validate(model: type[BaseModel], data: Any, doc: YamlDocument, prefix: Path):
    try:
        return model.model_validate(data, context=_CONTEXT)
    except ValidationError as exc:
        located = [_locate(err, doc, prefix) for err in exc.errors()]
    # first in document order; pydantic's order breaks ties
    raise min(enumerate(located), key=lambda p: (p[1].line or 0, p[1].column or 0, p[0]))[1]


def _locate(err: dict[str, Any], doc: YamlDocument, prefix: Path) -> ScenarioError:
    """Walk pydantic's ``loc`` alongside the YAML data: discriminator tags are
    skipped, keys added by shorthand forms (``[a, b]`` -> ``ends``) name the field
    but not the position, ``[key]`` points at a mapping key."""
    kind = err["type"]
    loc = tuple(err["loc"])
    cur = doc.get(prefix)
    yaml_path: list[Any] = []
    field: list[Any] = []
    in_yaml, at_key = True, False
    tagged = None           # the mapping whose union tag was skipped (``nat`` is both)
    for part in loc:
        if part == "[key]":
            at_key = True
        elif not in_yaml:
            field.append(part)
        elif (isinstance(cur, dict) and isinstance(part, str) and cur.get("type") == part
              and tagged is not cur):
            tagged = cur
            continue  # tag of a discriminated union (a node's type)
        elif isinstance(cur, dict) and _has(cur, part):
            yaml_path.append(part)
            field.append(part)
            cur = cur[part]
        elif isinstance(cur, dict) and at_key is False and _key_named(cur, part) is not None:
            key = _key_named(cur, part)  # pydantic names a null or number key by its str()
            yaml_path.append(key[0])
            field.append(part)
            cur = cur[key[0]]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            yaml_path.append(part)
            field.append(part)
            cur = cur[part]
        elif isinstance(cur, list):
            field.append(part)  # e.g. "ends" of the link shorthand [a, b]: stay on the list
        elif isinstance(part, int) or _FIELD.fullmatch(str(part)):
            field.append(part)  # a missing key, or a field behind a scalar shorthand
            in_yaml = False
        else:
            in_yaml = False     # pydantic's name for a union member or validator: not a field
    at = getattr((err.get("ctx") or {}).get("error"), "at", ())  # a FieldError's own field
    if in_yaml and at and _get(cur, at) is not _ABSENT:
        yaml_path += at
        field += at
        cur = _get(cur, at)
        at_key = isinstance(at[-1], str)
    raw = cur if in_yaml and not at_key else err.get("input")
    if kind in ("union_tag_invalid", "union_tag_not_found") and isinstance(cur, dict):
        if "type" in cur:
            yaml_path.append("type")
            field.append("type")
            raw = cur["type"]
        else:
            typo = difflib.get_close_matches("type", [k for k in cur if isinstance(k, str)], n=1)
            if typo:
                path = prefix + tuple(yaml_path) + (typo[0],)
                return doc.error(path, f"unknown field '{typo[0]}' (did you mean 'type'?)", key=True)
    message = _message(err, raw, loc)
    file, line, column = doc.locate(prefix + tuple(yaml_path), key=at_key or kind == "unknown_field")
    return ScenarioError(message, file=file, line=line, column=column,
                         field=format_path(prefix + tuple(field)))


_ABSENT = object()


def _get(data: Any, path: tuple) -> Any:
    """``data[path[0]][path[1]]...``, or ``_ABSENT``."""
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return _ABSENT
    return data


def _key_named(mapping: dict, name: Any) -> tuple[Any] | None:
    """The one non-string key of ``mapping`` whose ``str()`` is ``name``, as a 1-tuple."""
    keys = [k for k in mapping if not isinstance(k, str) and str(k) == name]
    return (keys[0],) if len(keys) == 1 else None


def _has(mapping: dict, key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:
        return False


def _tags(ctx: dict[str, Any]) -> str:
    return ", ".join(t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(","))


def _message(err: dict[str, Any], raw: Any, loc: tuple) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = describe(raw)
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "missing":
        return f"missing required field '{loc[-1]}'" if loc else "missing required field"
    if kind == "union_tag_invalid":
        return f"{got} is not a node type (valid types: {_tags(ctx)})"
    if kind == "union_tag_not_found":
        return f"missing 'type' (valid types: {', '.join(NODE_TYPES)})"
    simple = {
        "int_type": "expected a whole number",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_type": "expected a number",
        "float_parsing": "expected a number",
        "bool_type": "expected true or false",
        "bool_parsing": "expected true or false",
        "string_type": "expected a string",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "model_attributes_type": "expected a mapping",
        "list_type": "expected a list",
        "tuple_type": "expected a list",
    }
    if kind in simple:
        return f"{simple[kind]}, got {got}"
    bounds = {
        "greater_than": ("must be greater than", "gt"),
        "greater_than_equal": ("must be at least", "ge"),
        "less_than": ("must be less than", "lt"),
        "less_than_equal": ("must be at most", "le"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {ctx.get(key)}, got {got}"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')}, got {got}"
    if kind in ("too_short", "string_too_short"):
        if ctx.get("min_length") == 1:
            return "must not be empty"
        return f"needs at least {ctx.get('min_length')} items"
    if kind in ("too_long", "string_too_long"):
        return f"has too many items (at most {ctx.get('max_length')})"
    return err.get("msg", "invalid value")  # custom errors carry their own message
