"""Checks of a scenario beyond its schema: what runs where, what is captured, what
is expected — everything that would otherwise fail, or mean nothing, in the run.

Each check appends a located :class:`ScenarioError`; the loader raises the first
in document order.
"""

from __future__ import annotations

from simulator.apps import APPS
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.apps.kind import Role
from simulator.stack.ports import EPHEMERAL_PORTS

from ..engine.units import NS_PER_S, format_time
from .check_topology import Locator, TopologyChecks
from .dhcp_specs import dhcp_clients
from .errors import ScenarioError
from .schema import Action, HostSpec, L3SwitchSpec, RouterSpec, Scenario
from .yamlpos import Path, YamlDocument

__all__ = ["ScenarioChecks"]

PCAP_SECONDS_MAX = 2**32   # a classic pcap record holds whole seconds in 32 bits


class ScenarioChecks:
    def __init__(self, scenario: Scenario, doc: YamlDocument, topology: TopologyChecks) -> None:
        self.s = scenario
        self.at = Locator(doc, ())
        self.nodes = scenario.topology.nodes
        self.topo = topology
        self.names = ", ".join(sorted(self.nodes))
        self.errors: list[ScenarioError] = []
        self.between: dict[frozenset, list] = {}  # node pair -> [(link, its ends' interfaces)]
        for link, ifaces in zip(scenario.topology.links, topology.link_ifaces):
            pair = frozenset(e.node for e in link.ends)
            self.between.setdefault(pair, []).append((link, ifaces))

    def fail(self, path: Path, message: str, field: Path | None = None) -> None:
        self.errors.append(self.at.error(path, message, field))

    def run(self) -> list[ScenarioError]:
        self.actions()
        self.ports()
        self.captures()
        self.expectations()
        self.trace_nodes()
        self.plots()
        return self.errors

    def plots(self) -> None:
        """``plots.ladder`` names existing nodes and an app that runs."""
        ladder = self.s.plots.ladder
        for i, name in enumerate(ladder.nodes or ()):
            if name not in self.nodes:
                self.fail(("plots", "ladder", "nodes", i), self.unknown(name))
        apps = [a.name or a.kind for a in self.s.run if a.is_app]
        if ladder.app is not None and ladder.app not in apps:
            self.fail(("plots", "ladder", "app"), f"no app named {ladder.app!r} runs "
                                                  f"(apps: {', '.join(apps) or 'none'})")

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

        def matches(end, spec_end, built: str | None) -> bool:
            return end.node == spec_end.node and end.iface in (None, built)

        if not any((matches(a, l.ends[0], n[0]) and matches(b, l.ends[1], n[1]))
                   or (matches(a, l.ends[1], n[1]) and matches(b, l.ends[0], n[0]))
                   for l, n in self.between.get(frozenset((a.node, b.node)), ())):
            self.fail(("run", i, action.kind), f"no link between {a} and {b}")

    def ports(self) -> None:
        """Each node's ports, per protocol: one server per port (RFC 768 and RFC 9293
        demultiplex on it), and a UDP server cannot take the ephemeral port a UDP app
        that started before it took."""
        bound: dict[tuple[str, str, int], str] = {}
        ephemeral: dict[str, int] = {}
        order = sorted(range(len(self.s.run)), key=lambda i: self.s.run[i].at)
        for i in order:
            action = self.s.run[i]
            kind = action.kind
            role = APPS[kind].role_of(action.app) if action.is_app else None
            if role is not None and role.serves:
                proto = role.protocol
                key = (action.on, proto, action.app.port)
                if key in bound:
                    self.fail(("run", i, kind, "port"),
                              f"{proto.upper()} port {action.app.port} on {action.on} is already "
                              f"taken by {bound[key]}")
                bound.setdefault(key, f"run[{i}] ({kind})")
            elif role is Role.UDP_CLIENT:
                port = ephemeral.get(action.on, EPHEMERAL_PORTS.start)
                while (action.on, "udp", port) in bound:
                    port += 1
                bound[action.on, "udp", port] = f"run[{i}] ({kind}, its ephemeral source port)"
                ephemeral[action.on] = port + 1
            if kind == "traceroute" and not action.app.icmp:
                self.traceroute_ports(i, action)

    def traceroute_ports(self, i: int, action: Action) -> None:
        spec = action.app
        last = spec.port + spec.max_hops * spec.probes - 1
        if last > 65535:
            path = ("run", i, "traceroute", "port")
            if self.at.yaml(path) is None:
                path = ("run", i, "traceroute")
            self.fail(path, f"probes go to ports {spec.port}..{last} (port + max_hops × probes − 1), "
                            f"past 65535; lower port, max_hops or probes")

    def captures(self) -> None:
        files: dict[str, tuple[int, str]] = {}
        if self.s.capture and self.s.until > PCAP_SECONDS_MAX * NS_PER_S:
            self.fail(("until",), f"a capture's pcap timestamps end at 2^32 s; with capture:, "
                                  f"until must be at most {PCAP_SECONDS_MAX} s")
        for i, capture in enumerate(self.s.capture):
            point = capture.point
            path = ("capture", i) if isinstance(self.at.yaml(("capture", i)), str) \
                else ("capture", i, "point")
            field = ("capture", i, "point")
            ifaces = self.interfaces(point.node)
            if ifaces is None:
                self.fail(path, self.unknown(point.node), field)
                continue
            if point.iface is not None and point.iface not in ifaces:
                have = ", ".join(ifaces) if ifaces else "none linked"
                self.fail(path, f"unknown interface '{point.iface}' on {point.node} "
                                f"(interfaces: {have})", field)
                continue
            for ifname in [point.iface] if point.iface else ifaces:
                name = f"{point.node}-{ifname}.pcap"
                if name in files:
                    j, other = files[name]
                    here = f"{point.node}:{ifname}"
                    self.fail(path, f"{here} is already captured by capture[{j}]" if other == here
                              else f"{here} would be written to {name}, as {other} from "
                                   f"capture[{j}] already is", field)
                    break
                files[name] = (i, f"{point.node}:{ifname}")

    def interfaces(self, name: str) -> list[str] | None:
        """The interfaces of node ``name`` as built (a switch's linked ports), or None."""
        node = self.nodes.get(name)
        if node is None:
            return None
        if name in self.topo.ports:
            return self.topo.ports[name]
        return node.ports() if isinstance(node, L3SwitchSpec) else list(node.interfaces)

    def expectations(self) -> None:
        # an expectation's `app` (a kind or a name) -> node (None: all) -> the kinds selected
        selects: dict[str, dict[str | None, set[str]]] = {}
        for a in self.s.run:
            if a.is_app:
                for key in {a.kind, a.name} - {None}:
                    for node in (a.on, None):
                        selects.setdefault(key, {}).setdefault(node, set()).add(a.kind)
        for node in dhcp_clients(self.s.topology):               # `app: dhcp`
            for on in (node, None):
                selects.setdefault("dhcp", {}).setdefault(on, set()).add("dhcp")
        for i, exp in enumerate(self.s.expect):
            if exp.on is not None and exp.on not in self.nodes:
                self.fail(("expect", i, "on"), self.unknown(exp.on))
                continue
            if exp.app not in selects:
                known = sorted(selects)
                if exp.app in Action.app_kinds():
                    msg = f"no '{exp.app}' action in run"
                else:
                    msg = f"no action named '{exp.app}' and no app of that kind in run"
                self.fail(("expect", i, "app"),
                          msg + (f" (apps and names: {', '.join(known)})" if known else " (run is empty)"))
                continue
            where = selects[exp.app]
            if exp.on is not None and exp.on not in where:
                self.fail(("expect", i, "on"), f"'{exp.app}' does not run on {exp.on} "
                                               f"(it runs on {', '.join(sorted(where.keys() - {None}))})")
                continue
            for kind in sorted(where[exp.on]):
                can = APPS[kind].check_names if kind in APPS else [c.name for c in DHCP_CLIENT_CHECKS]
                for check in exp.given():
                    if check not in can:
                        self.fail(("expect", i, check), f"a {kind} does not report {check} "
                                                        f"(it can check: {', '.join(can)})")
