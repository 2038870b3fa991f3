"""Load topology and scenario files: YAML -> schema -> semantic checks.

Every problem with the input — a missing file, bad YAML, a schema violation, a
link to a node that does not exist — is raised as one
:class:`~simulator.scenario.errors.ScenarioError` naming the file, line, column and
field of the first offending value in document order. Nothing else escapes.

    load_topology("topologies/lan.yaml")      -> Topology
    load_scenario("scenarios/ping.yaml", 7)   -> Scenario (seed overridden)
    load_any(path)                            -> Topology | Scenario   (``netsim check``)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from ipaddress import IPv4Address
from typing import Any

from pydantic import BaseModel, ValidationError

from ..engine.units import format_rate, format_time
from .errors import ScenarioError, format_path
from .l2loops import find_l2_loop
from .schema import (NODE_TYPES, Action, HostSpec, L3SwitchSpec, RouterSpec, Scenario, Topology,
                     describe)
from .yamlpos import Path, YamlDocument, load_yaml, load_yaml_file

__all__ = ["load_topology", "load_scenario", "load_any", "load_text"]

_CONTEXT = {"yaml": True}  # schema: unit fields need their unit spelt out


# ------------------------------------------------------------ public functions

def load_topology(path: str | os.PathLike[str]) -> Topology:
    """Read, validate and check a topology file."""
    doc = load_yaml_file(path)
    _expect_mapping(doc, "name, nodes, links")
    return _topology(doc, ())


def load_scenario(path: str | os.PathLike[str], seed: int | None = None) -> Scenario:
    """Read, validate and check a scenario file (and the topology it names).
    ``seed``, when given, replaces the file's seed."""
    doc = load_yaml_file(path)
    _expect_mapping(doc, "name, topology, until, run")
    return _with_seed(_scenario(doc, _base_dir(path)), seed, doc.file)


def load_any(path: str | os.PathLike[str]) -> Topology | Scenario:
    """A scenario if the file has a ``topology`` key, else a topology."""
    doc = load_yaml_file(path)
    _expect_mapping(doc, "name, nodes, links (a topology) or name, topology, until (a scenario)")
    if "topology" in doc.data:
        return _scenario(doc, _base_dir(path))
    return _topology(doc, ())


def load_text(
    text: str, file: str = "<string>", base_dir: str | os.PathLike[str] = "."
) -> Topology | Scenario:
    """Like :func:`load_any` for YAML text; a topology path is resolved from ``base_dir``."""
    doc = load_yaml(text, file)
    _expect_mapping(doc, "name, nodes, links (a topology) or name, topology, until (a scenario)")
    if "topology" in doc.data:
        return _scenario(doc, os.fspath(base_dir))
    return _topology(doc, ())


# ------------------------------------------------------------------ pipeline

def _base_dir(path: str | os.PathLike[str]) -> str:
    return os.path.dirname(os.fspath(path))


def _expect_mapping(doc: YamlDocument, keys: str) -> None:
    if doc.data is None:
        raise ScenarioError(f"file is empty (expected a mapping with {keys})", file=doc.file)
    if not isinstance(doc.data, dict):
        raise doc.error((), f"expected a mapping with {keys} at the top level, got {describe(doc.data)}",
                        field="")


def _topology(doc: YamlDocument, prefix: Path) -> Topology:
    topology = _validate(Topology, doc.get(prefix), doc, prefix)
    _raise_first(_TopologyChecks(topology, doc, prefix).run())
    return topology


def _scenario(doc: YamlDocument, base_dir: str) -> Scenario:
    data = dict(doc.data)
    ref = data.get("topology")
    topology_prefix: Path | None = ("topology",)
    if isinstance(ref, str):
        data["topology"] = _topology_file(doc, ref, base_dir)
        topology_prefix = None
    elif "topology" in data and not isinstance(ref, dict):
        raise doc.error(("topology",),
                        f"expected a topology file path or a mapping, got {describe(ref)}")
    scenario = _validate(Scenario, data, doc, ())
    errors: list[ScenarioError] = []
    if topology_prefix is not None:
        errors += _TopologyChecks(scenario.topology, doc, topology_prefix).run()
    errors += _ScenarioChecks(scenario, doc).run()
    _raise_first(errors)
    return scenario


def _topology_file(doc: YamlDocument, ref: str, base_dir: str) -> Topology:
    path = os.path.normpath(os.path.join(base_dir, os.path.expanduser(ref)))
    if not os.path.isfile(path):
        why = "is a directory" if os.path.isdir(path) else "not found"
        raise doc.error(("topology",), f"topology file '{ref}' {why} (looked for {path})")
    tdoc = load_yaml_file(path)
    _expect_mapping(tdoc, "name, nodes, links")
    if "topology" in tdoc.data:
        raise tdoc.error(("topology",), "this is a scenario file, not a topology", key=True)
    return _topology(tdoc, ())


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
    for part in loc:
        if part == "[key]":
            at_key = True
        elif not in_yaml:
            field.append(part)
        elif isinstance(cur, dict) and isinstance(part, str) and cur.get("type") == part:
            continue  # tag of a discriminated union (a node's type)
        elif isinstance(cur, dict) and _has(cur, part):
            yaml_path.append(part)
            field.append(part)
            cur = cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            yaml_path.append(part)
            field.append(part)
            cur = cur[part]
        elif isinstance(cur, list):
            field.append(part)  # e.g. "ends" of the link shorthand [a, b]: stay on the list
        else:
            field.append(part)  # a missing key, or a field behind a scalar shorthand
            in_yaml = False
    raw = cur if in_yaml and not at_key else err.get("input")
    if kind in ("union_tag_invalid", "union_tag_not_found") and isinstance(cur, dict):
        if "type" in cur:
            yaml_path.append("type")
            field.append("type")
            raw = cur["type"]
    message = _message(err, raw, loc)
    line, column = doc.position(prefix + tuple(yaml_path), key=at_key or kind == "unknown_field")
    return ScenarioError(message, file=doc.file, line=line, column=column,
                         field=format_path(prefix + tuple(field)))


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
        return f"unknown node type {got} (valid types: {_tags(ctx)})"
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


# ------------------------------------------------------------- semantic checks

class _Locator:
    """Errors at a path inside one document, under a prefix (inline topology)."""

    def __init__(self, doc: YamlDocument, prefix: Path) -> None:
        self.doc = doc
        self.prefix = prefix

    def yaml(self, path: Path) -> Any:
        return self.doc.get(self.prefix + path)

    def error(self, path: Path, message: str, field: Path | None = None) -> ScenarioError:
        return self.doc.error(self.prefix + path, message,
                              field=format_path(self.prefix + (path if field is None else field)))


class _TopologyChecks:
    def __init__(self, topology: Topology, doc: YamlDocument, prefix: Path) -> None:
        self.t = topology
        self.at = _Locator(doc, prefix)
        self.errors: list[ScenarioError] = []

    def fail(self, path: Path, message: str, field: Path | None = None) -> None:
        self.errors.append(self.at.error(path, message, field))

    def iface_path(self, name: str, ifname: str) -> Path:
        """YAML path of an interface's address (host ``ip`` shorthand or ``interfaces``)."""
        node = self.t.nodes[name]
        if isinstance(node, HostSpec) and node.ip is not None:
            return ("nodes", name, "ip")
        if isinstance(node, L3SwitchSpec):
            return ("nodes", name, "groups", ifname, "ip")
        path = ("nodes", name, "interfaces", ifname)
        return path + ("ip",) if isinstance(self.at.yaml(path), dict) else path

    def run(self) -> list[ScenarioError]:
        self.addresses()
        for name, node in self.t.nodes.items():
            if isinstance(node, HostSpec):
                self.gateway(name, node)
            elif isinstance(node, (RouterSpec, L3SwitchSpec)):
                self.routes(name, node)
        self.links()
        self.hub_rates()
        self.hub_preambles()
        self.l2_loop()
        return self.errors

    def l2_loop(self) -> None:
        """A switched loop without spanning tree (see :mod:`.l2loops`)."""
        loop = find_l2_loop(self.t)
        if loop is not None:
            self.fail(("links", loop[0]), loop[1])

    def hub_rates(self) -> None:
        """A hub repeats bits as they come: every link on it runs at one rate."""
        for name, node in self.t.nodes.items():
            if node.type != "hub":
                continue
            rates = [(i, self.t.link_params(link).rate) for i, link in enumerate(self.t.links)
                     if name in (link.ends[0].node, link.ends[1].node)]
            for i, rate in rates[1:]:
                if rate != rates[0][1]:
                    self.fail(("links", i), f"hub '{name}' repeats bits, so all its links need one "
                                            f"rate: {format_rate(rate)} here, {format_rate(rates[0][1])} "
                                            f"on links[{rates[0][0]}] (use a switch to join speeds)")
                    break

    def hub_preambles(self) -> None:
        """A hub repeats bits as they come: its links all count preamble and gap, or none."""
        for name, node in self.t.nodes.items():
            if node.type != "hub":
                continue
            on_hub = [(i, self.t.link_params(link).preamble) for i, link in enumerate(self.t.links)
                      if name in (link.ends[0].node, link.ends[1].node)]
            for i, preamble in on_hub[1:]:
                if preamble != on_hub[0][1]:
                    self.fail(("links", i), f"hub '{name}' repeats bits, so all its links need one "
                                            f"'preamble' setting: {str(preamble).lower()} here, "
                                            f"{str(on_hub[0][1]).lower()} on links[{on_hub[0][0]}]")
                    break

    def addresses(self) -> None:
        ips: dict[IPv4Address, str] = {}
        macs: dict[str, str] = {}
        for name, node in self.t.nodes.items():
            for ifname, iface in getattr(node, "interfaces", {}).items():
                where = f"{name}:{ifname}"
                path = self.iface_path(name, ifname)
                if iface.ip.ip in ips:
                    self.fail(path, f"duplicate IP address {iface.ip.ip} (also on {ips[iface.ip.ip]})")
                ips.setdefault(iface.ip.ip, where)
                if iface.mac is not None:
                    if iface.mac in macs:
                        mac_path = ("nodes", name, "mac") if path[-1] == "ip" and len(path) == 3 \
                            else ("nodes", name, "interfaces", ifname, "mac")
                        self.fail(mac_path, f"duplicate MAC address {iface.mac} (also on {macs[iface.mac]})")
                    macs.setdefault(iface.mac, where)

    def gateway(self, name: str, node: HostSpec) -> None:
        gw = node.gateway
        if gw is None:
            return
        subnets = [i.ip.network for i in node.interfaces.values()]
        if any(gw == i.ip.ip for i in node.interfaces.values()):
            self.fail(("nodes", name, "gateway"), f"gateway {gw} is {name}'s own address")
        elif not any(gw in net for net in subnets):
            nets = ", ".join(str(n) for n in subnets)
            self.fail(("nodes", name, "gateway"),
                      f"gateway {gw} is not in any of {name}'s subnets ({nets})")

    def routes(self, name: str, node: RouterSpec | L3SwitchSpec) -> None:
        for k, route in enumerate(node.routes):
            path = ("nodes", name, "routes", k)
            if route.dev is not None and route.dev not in node.interfaces:
                self.fail(path + ("dev",), f"unknown interface '{route.dev}' on {name} "
                                           f"(interfaces: {', '.join(node.interfaces)})")
                continue
            if route.via is None:
                continue
            ifaces = [node.interfaces[route.dev]] if route.dev else list(node.interfaces.values())
            if any(route.via == i.ip.ip for i in ifaces):
                self.fail(path + ("via",), f"next hop {route.via} is {name}'s own address")
            elif not any(route.via in i.ip.network for i in ifaces):
                nets = ", ".join(str(i.ip.network) for i in ifaces)
                self.fail(path + ("via",), f"next hop {route.via} is not on a connected subnet "
                                           f"of {name} ({nets})")

    def links(self) -> None:
        used: dict[tuple[str, str], int] = {}
        names = ", ".join(sorted(self.t.nodes))
        for i, link in enumerate(self.t.links):
            shorthand = isinstance(self.at.yaml(("links", i)), list)
            if link.ends[0].node == link.ends[1].node and link.ends[0].node in self.t.nodes:
                self.fail(("links", i), f"link from '{link.ends[0].node}' to itself")
                continue
            for j, end in enumerate(link.ends):
                field = ("links", i, "ends", j)
                path = ("links", i, j) if shorthand else field
                node = self.t.nodes.get(end.node)
                if node is None:
                    self.fail(path, f"unknown node '{end.node}' (nodes: {names})", field)
                    continue
                ifname = end.iface
                if isinstance(node, L3SwitchSpec):
                    if ifname not in node.ports():
                        self.fail(path, f"a link to l3switch '{end.node}' names one of its group "
                                        f"ports ({', '.join(node.ports())}), e.g. "
                                        f"'{end.node}:{node.ports()[0]}'", field)
                        continue
                    ifaces = None
                else:
                    ifaces = getattr(node, "interfaces", None)
                if ifaces is not None:  # host or router: named, numbered interfaces
                    if ifname is None and len(ifaces) == 1:
                        ifname = next(iter(ifaces))
                    elif ifname is None:
                        self.fail(path, f"'{end.node}' has several interfaces ({', '.join(ifaces)}); "
                                        f"name one, e.g. '{end.node}:{next(iter(ifaces))}'", field)
                        continue
                    elif ifname not in ifaces:
                        self.fail(path, f"unknown interface '{ifname}' on {end.node} "
                                        f"(interfaces: {', '.join(ifaces)})", field)
                        continue
                if ifname is None:
                    continue  # a switch or hub port, numbered by the builder
                if (end.node, ifname) in used:
                    self.fail(path, f"interface {end.node}:{ifname} is already used by "
                                    f"links[{used[end.node, ifname]}]", field)
                    continue
                used[end.node, ifname] = i


class _ScenarioChecks:
    def __init__(self, scenario: Scenario, doc: YamlDocument) -> None:
        self.s = scenario
        self.at = _Locator(doc, ())
        self.nodes = scenario.topology.nodes
        self.names = ", ".join(sorted(self.nodes))
        self.errors: list[ScenarioError] = []

    def fail(self, path: Path, message: str, field: Path | None = None) -> None:
        self.errors.append(self.at.error(path, message, field))

    def run(self) -> list[ScenarioError]:
        self.actions()
        self.captures()
        self.expectations()
        self.trace_nodes()
        return self.errors

    def trace_nodes(self) -> None:
        """A ``trace:`` filter names existing nodes (else it would silently keep nothing)."""
        for i, name in enumerate(self.s.trace.nodes or ()):
            if name not in self.nodes:
                self.fail(("trace", "nodes", i), self.unknown(name))

    def unknown(self, name: str) -> str:
        return f"unknown node '{name}' (nodes: {self.names})"

    def actions(self) -> None:
        named: dict[str, int] = {}
        for i, action in enumerate(self.s.run):
            if not action.is_app:
                self.link_event(i, action)
            else:
                node = self.nodes.get(action.on)
                if node is None:
                    self.fail(("run", i, "on"), self.unknown(action.on))
                elif not isinstance(node, (HostSpec, RouterSpec, L3SwitchSpec)):
                    self.fail(("run", i, "on"), f"'{action.on}' is a {node.type}; {action.kind} "
                                                f"runs on a node with an IP stack (host, router, l3switch)")
            if action.at >= self.s.until:
                self.fail(("run", i, "at"), f"starts at {format_time(action.at)}, not before the end "
                                            f"of the run (until: {format_time(self.s.until)})")
            if action.name is not None:
                if action.name in named:
                    self.fail(("run", i, "name"), f"duplicate action name '{action.name}' "
                                                  f"(also run[{named[action.name]}])")
                named.setdefault(action.name, i)

    def link_event(self, i: int, action: Action) -> None:
        a, b = getattr(action, action.kind)
        for end in (a, b):
            if end.node not in self.nodes:
                self.fail(("run", i, action.kind), self.unknown(end.node))
                return

        def matches(end, spec_end) -> bool:
            return end.node == spec_end.node and (
                end.iface is None or spec_end.iface is None or end.iface == spec_end.iface)

        if not any((matches(a, l.ends[0]) and matches(b, l.ends[1]))
                   or (matches(a, l.ends[1]) and matches(b, l.ends[0]))
                   for l in self.s.topology.links):
            self.fail(("run", i, action.kind), f"no link between {a} and {b}")

    def captures(self) -> None:
        for i, capture in enumerate(self.s.capture):
            point = capture.point
            path = ("capture", i) if isinstance(self.at.yaml(("capture", i)), str) \
                else ("capture", i, "point")
            node = self.nodes.get(point.node)
            if node is None:
                self.fail(path, self.unknown(point.node), ("capture", i, "point"))
                continue
            ifaces = node.ports() if isinstance(node, L3SwitchSpec) else getattr(node, "interfaces", None)
            if point.iface is not None and ifaces is not None and point.iface not in ifaces:
                self.fail(path, f"unknown interface '{point.iface}' on {point.node} "
                                f"(interfaces: {', '.join(ifaces)})", ("capture", i, "point"))

    def expectations(self) -> None:
        kinds = {a.kind for a in self.s.run if a.is_app}
        names = {a.name for a in self.s.run if a.name is not None}
        for i, exp in enumerate(self.s.expect):
            if exp.on is not None and exp.on not in self.nodes:
                self.fail(("expect", i, "on"), self.unknown(exp.on))
            if exp.app not in kinds and exp.app not in names:
                known = sorted(kinds | names)
                if exp.app in Action.app_kinds():
                    msg = f"no '{exp.app}' action in run"
                else:
                    msg = f"no action named '{exp.app}' and no app of that kind in run"
                self.fail(("expect", i, "app"),
                          msg + (f" (apps and names: {', '.join(known)})" if known else " (run is empty)"))
