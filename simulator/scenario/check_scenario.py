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


def _on_link(node, via) -> bool:
    """Whether ``via`` is on a subnet of one of ``node``'s interfaces (or groups)."""
    subnets = [i.ip for i in getattr(node, "interfaces", {}).values()] + \
        [g.ip for g in getattr(node, "groups", {}).values()]
    return any(via in s.network for s in subnets)

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
            if action.kind in ("link_down", "link_up"):
                self.link_event(i, action, getattr(action, action.kind), (action.kind,))
            elif action.kind == "link":
                self.link_event(i, action, action.link.ends, ("link", "ends"))
            elif not action.is_app:
                self.event_node(i, action)
            else:
                node = self.nodes.get(action.on)
                if node is None:
                    self.fail(("run", i, "on"), self.unknown(action.on))
                elif not isinstance(node, (HostSpec, RouterSpec, L3SwitchSpec)):
                    self.fail(("run", i, "on"), f"'{action.on}' is a {node.type}; {action.kind} "
                                                f"runs on a node with an IP stack (host, router, l3switch)")
            if action.after is None and action.at >= self.s.until:
                self.fail(("run", i, "at"), f"starts at {format_time(action.at)}, not before the end "
                                            f"of the run (until: {format_time(self.s.until)})")
            if action.every is not None and action.is_app:
                self.fail(("run", i, "every"), f"'every' repeats events; a {action.kind} repeats "
                                               "by itself (count, interval)")
            name = action.name or (action.kind if action.is_app else None)
            if name is not None:
                if name in named and action.name is not None:
                    self.fail(("run", i, "name"), f"duplicate action name '{action.name}' "
                                                  f"(also run[{named[name]}])")
                named.setdefault(name, i)
        self.afters(named)

    def afters(self, named: dict[str, int]) -> None:
        """``after:`` and ``stop:`` name an action (by its name, or an app by its kind
        when unnamed) that ends; ``after`` chains have no cycle."""
        run = self.s.run
        for i, action in enumerate(run):
            if action.kind == "stop":
                j = named.get(action.stop)
                if j is None or not run[j].is_app:
                    self.fail(("run", i, "stop"), f"no app named '{action.stop}' in run"
                                                  + self.known(named, apps=True))
            if action.after is None:
                continue
            j = named.get(action.after)
            if j is None:
                self.fail(("run", i, "after"), f"no action named '{action.after}' in run"
                                               + self.known(named))
                continue
            other = run[j]
            if other.every is not None and other.repeat is None and other.until is None:
                self.fail(("run", i, "after"), f"'{action.after}' repeats to the end of the run, "
                                               "so it never ends; give it repeat or until")
            elif other.is_app and not APPS[other.kind].ends and not any(
                    a.kind == "stop" and a.stop == action.after for a in run):
                self.fail(("run", i, "after"), f"'{action.after}' is a {other.kind}, which runs "
                                               "until stopped; stop it with a stop action")
            seen, k = [i], j
            while k is not None and run[k].after is not None:
                seen.append(k)
                k = named.get(run[k].after)
                if k == i:
                    chain = " → ".join(run[n].name or run[n].kind for n in seen + [i])
                    self.fail(("run", i, "after"), f"'after' goes round in a circle: {chain}")
                    break
                if k in seen:
                    break

    def known(self, named: dict[str, int], apps: bool = False) -> str:
        names = sorted(n for n, j in named.items() if not apps or self.s.run[j].is_app)
        return f" (names: {', '.join(names)})" if names else ""

    def event_node(self, i: int, action: Action) -> None:
        """The node a node, route or flush event names exists and has an IP stack
        where it needs one."""
        value = getattr(action, action.kind)
        if action.kind == "stop":
            return
        name, path = (value, ("run", i, action.kind)) if isinstance(value, str) \
            else (value.on, ("run", i, action.kind, "on"))
        node = self.nodes.get(name)
        if node is None:
            self.fail(path, self.unknown(name))
        elif action.kind not in ("node_down", "node_up") and \
                not isinstance(node, (HostSpec, RouterSpec, L3SwitchSpec)):
            self.fail(path, f"'{name}' is a {node.type}; {action.kind} needs an IP stack "
                            "(host, router, l3switch)")
        elif action.kind == "route_add":
            route = action.route_add
            if route.via is None and route.dev is None:
                self.fail(("run", i, "route_add"), "a route needs 'via' (next-hop address) or "
                                                   "'dev' (interface), or both")
            elif route.dev is not None and route.dev not in self.interfaces(name):
                self.fail(("run", i, "route_add", "dev"), f"unknown interface '{route.dev}' on "
                                                          f"{name}")
            elif route.dev is None and not _on_link(node, route.via):
                self.fail(("run", i, "route_add", "via"), f"next hop {route.via} is not on "
                                                          f"any subnet of {name}")

    def link_event(self, i: int, action: Action, ends, path) -> None:
        a, b = ends
        for end in (a, b):
            if end.node not in self.nodes:
                self.fail(("run", i, *path), self.unknown(end.node))
                return

        def matches(end, spec_end, built: str | None) -> bool:
            return end.node == spec_end.node and end.iface in (None, built)

        if not any((matches(a, l.ends[0], n[0]) and matches(b, l.ends[1], n[1]))
                   or (matches(a, l.ends[1], n[1]) and matches(b, l.ends[0], n[0]))
                   for l, n in self.between.get(frozenset((a.node, b.node)), ())):
            self.fail(("run", i, *path), f"no link between {a} and {b}")

    def ports(self) -> None:
        """Each node's ports, per protocol: one server per port (RFC 768 and RFC 9293
        demultiplex on it), and a UDP server cannot take the ephemeral port a UDP app
        that started before it took."""
        bound: dict[tuple[str, str, int], str] = {}
        ephemeral: dict[str, int] = {}
        order = sorted(range(len(self.s.run)), key=lambda i: self.s.run[i].start)
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
            if exp.form != "app":
                self.trace_expectation(i, exp)
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

    def trace_expectation(self, i: int, exp) -> None:
        """A count, sequence or timing names nodes and actions that exist, and the
        run's ``trace:`` selection keeps the events it reads (it sees what the trace sees)."""
        form = exp.form
        paths = [(form,)] if form != "sequence" else [("sequence", k) for k in range(len(exp.sequence))]
        for path, raw, f in zip(paths, exp.sequence or [exp.count or exp.event], exp.filters()):
            here = ("expect", i, *path)
            if raw.node is not None and raw.node not in self.nodes:
                self.fail(here, self.unknown(raw.node))
                return
            if f.iface is not None and f.node is not None and \
                    f.iface not in (self.interfaces(f.node) or ()):
                self.fail(here, f"unknown interface '{f.iface}' on {f.node}")
                return
            missing = self.untraced(f)
            if missing:
                layer = f.trace_key()[0]
                self.fail(here, f"{form} needs the trace of layer {layer}; {missing}")
                return
        if form == "event":
            names = {a.name or (a.kind if a.is_app else None) for a in self.s.run} - {None}
            if exp.after not in names:
                self.fail(("expect", i, "after"), f"no action named '{exp.after}' in run"
                          + (f" (names: {', '.join(sorted(names))})" if names else ""))

    def untraced(self, f) -> str | None:
        """Why the run's trace selection would hide the events ``f`` matches, or None.
        (With ``trace: off`` the expectations still see every event: the run traces
        for them without writing a file.)"""
        spec = self.s.trace
        if spec.off:
            return None
        layer, event = f.trace_key()
        if spec.layers is not None and layer not in spec.layers:
            return f"this run's trace keeps layers {', '.join(spec.layers)}"
        if spec.events is not None and (event is None or event not in spec.events):
            return f"this run's trace keeps events {', '.join(spec.events)}"
        if spec.nodes is not None and (f.node is None or f.node not in spec.nodes):
            return f"this run's trace keeps nodes {', '.join(spec.nodes)}"
        return None
