"""Checks of a topology beyond its schema: addresses, gateways, routes, links.

Each check appends a located :class:`ScenarioError`; the loader raises the first
in document order. :class:`TopologyChecks` also works out the name of every link
end as the builder will (a switch or hub port left unnamed gets the first free
``p1``, ``p2``, ... in link order), so scenario checks can refer to real ports.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface
from typing import Any

from simulator.nodes.node import next_port_name

from .dhcp_specs import check_dhcp
from .dns_checks import check_dns
from .errors import ScenarioError, format_path
from .l2loops import find_l2_loop
from .schema import HostSpec, L3SwitchSpec, RouterSpec, Topology
from ..engine.units import format_rate
from .yamlpos import Path, YamlDocument

__all__ = ["Locator", "TopologyChecks"]


class Locator:
    """Errors at a path inside one document, under a prefix (inline topology)."""

    def __init__(self, doc: YamlDocument, prefix: Path) -> None:
        self.doc = doc
        self.prefix = prefix

    def yaml(self, path: Path) -> Any:
        return self.doc.get(self.prefix + path)

    def error(self, path: Path, message: str, field: Path | None = None) -> ScenarioError:
        return self.doc.error(self.prefix + path, message,
                              field=format_path(self.prefix + (path if field is None else field)))


def _reserved(address: IPv4Address, iface: IPv4Interface) -> str | None:
    """'network' or 'broadcast' when ``address`` is that address of ``iface``'s subnet."""
    net = iface.network
    if net.prefixlen > 30:
        return None  # /31 point-to-point (RFC 3021) and /32 have neither
    if address == net.network_address:
        return "network"
    return "broadcast" if address == net.broadcast_address else None


class TopologyChecks:
    def __init__(self, topology: Topology, doc: YamlDocument, prefix: Path) -> None:
        self.t = topology
        self.at = Locator(doc, prefix)
        self.errors: list[ScenarioError] = []
        self.owners: dict[IPv4Address, str] = {}  # address -> the node holding it
        # per link, the interface name of each end as built (None where unresolvable)
        self.link_ifaces: list[list[str | None]] = []
        # per switch or hub, its ports in the order the builder creates them
        self.ports: dict[str, list[str]] = {n: [] for n, s in topology.nodes.items()
                                            if s.type in ("switch", "hub")}

    def fail(self, path: Path, message: str, field: Path | None = None) -> None:
        self.errors.append(self.at.error(path, message, field))

    def iface_path(self, name: str, ifname: str) -> Path:
        """YAML path of an interface's address (host ``ip`` shorthand or ``interfaces``)."""
        node = self.t.nodes[name]
        if isinstance(node, HostSpec) and (node.ip is not None or node.dhcp is not None):
            return ("nodes", name, "ip")
        if isinstance(node, L3SwitchSpec):
            return ("nodes", name, "groups", ifname, "ip")
        path = ("nodes", name, "interfaces", ifname)
        return path + ("ip",) if isinstance(self.at.yaml(path), dict) else path

    def run(self) -> list[ScenarioError]:
        self.addresses()
        check_dhcp(self)
        for name, node in self.t.nodes.items():
            if isinstance(node, HostSpec):
                self.gateway(name, node)
            elif isinstance(node, (RouterSpec, L3SwitchSpec)):
                self.routes(name, node)
                self.subnets(name, node)
        self.links()
        self.hub_links()
        self.l2_loop()
        check_dns(self)
        return self.errors

    def hub_links(self) -> None:
        """A hub repeats bits as they come: all its links run at one rate and all count
        the preamble and gap, or none do."""
        hubs = {name for name, spec in self.t.nodes.items() if spec.type == "hub"}
        first: dict[str, tuple[int, object]] = {}  # hub -> (its first link, that link's params)
        for i, link in enumerate(self.t.links):
            for name in sorted(hubs.intersection(e.node for e in link.ends)):
                params = self.t.link_params(link)
                j, want = first.setdefault(name, (i, params))
                if params.rate != want.rate:
                    self.fail(("links", i), f"hub '{name}' repeats bits, so all its links need one "
                                            f"rate: {format_rate(params.rate)} here, "
                                            f"{format_rate(want.rate)} on links[{j}] "
                                            "(use a switch to join speeds)")
                elif params.preamble != want.preamble:
                    self.fail(("links", i), f"hub '{name}' repeats bits, so all its links need one "
                                            f"'preamble' setting: {str(params.preamble).lower()} "
                                            f"here, {str(want.preamble).lower()} on links[{j}]")

    def l2_loop(self) -> None:
        """A switched loop without spanning tree (see :mod:`.l2loops`)."""
        loop = find_l2_loop(self.t)
        if loop is not None:
            self.fail(("links", loop[0]), loop[1])

    def host_with(self, address: IPv4Address) -> str | None:
        """The host holding ``address``, if a host does (hosts do not forward)."""
        owner = self.owners.get(address)
        return owner if owner is not None and isinstance(self.t.nodes[owner], HostSpec) else None

    def addresses(self) -> None:
        ips: dict[IPv4Address, str] = {}
        macs: dict[str, str] = {}
        for name, node in self.t.nodes.items():
            for ifname, iface in getattr(node, "interfaces", {}).items():
                where = f"{name}:{ifname}"
                path = self.iface_path(name, ifname)
                if iface.ip is not None:                # None: ip: dhcp
                    if iface.ip.ip in ips:
                        self.fail(path, f"duplicate IP address {iface.ip.ip} (also on {ips[iface.ip.ip]})")
                    ips.setdefault(iface.ip.ip, where)
                    self.owners.setdefault(iface.ip.ip, name)
                if iface.mac is not None:
                    if iface.mac in macs:
                        mac_path = ("nodes", name, "mac") if path[-1] == "ip" and len(path) == 3 \
                            else ("nodes", name, "interfaces", ifname, "mac")
                        self.fail(mac_path, f"duplicate MAC address {iface.mac} (also on {macs[iface.mac]})")
                    macs.setdefault(iface.mac, where)

    def subnets(self, name: str, node: RouterSpec | L3SwitchSpec) -> None:
        """A router has one interface per subnet: two in one make its routes ambiguous.
        (Sorted by first address, a subnet overlaps an earlier one iff it starts before
        the furthest end so far.)"""
        order = list(node.interfaces)
        spans = sorted(order, key=lambda n: (node.interfaces[n].ip.network.network_address,
                                             -node.interfaces[n].ip.network.num_addresses))
        widest: str | None = None
        for ifname in spans:
            net = node.interfaces[ifname].ip.network
            if widest is not None and net.network_address <= \
                    node.interfaces[widest].ip.network.broadcast_address:
                first, second = sorted((widest, ifname), key=order.index)
                self.fail(self.iface_path(name, second),
                          f"{node.interfaces[second].ip} is in the subnet of {name}:{first} "
                          f"({node.interfaces[first].ip.network}); a router needs one interface "
                          f"per subnet")
            if widest is None or net.broadcast_address > \
                    node.interfaces[widest].ip.network.broadcast_address:
                widest = ifname

    def gateway(self, name: str, node: HostSpec) -> None:
        gw = node.gateway
        if gw is None:
            return
        ifaces = [i.ip for i in node.interfaces.values() if i.ip is not None]
        if len(ifaces) < len(node.interfaces) and not any(gw in i.network for i in ifaces):
            return      # on the subnet a DHCP lease brings: installed with the lease
        on = [i for i in ifaces if gw in i.network]
        if any(gw == i.ip for i in ifaces):
            self.fail(("nodes", name, "gateway"), f"gateway {gw} is {name}'s own address")
        elif not on:
            nets = ", ".join(str(i.network) for i in ifaces)
            self.fail(("nodes", name, "gateway"),
                      f"gateway {gw} is not in any of {name}'s subnets ({nets})")
        elif _reserved(gw, on[0]):
            self.fail(("nodes", name, "gateway"),
                      f"gateway {gw} is the {_reserved(gw, on[0])} address of {on[0].network}, "
                      f"not a router's address")
        elif self.host_with(gw):
            self.fail(("nodes", name, "gateway"), f"gateway {gw} is host {self.host_with(gw)}'s "
                                                  f"address; a host does not forward (use a router's)")

    def routes(self, name: str, node: RouterSpec | L3SwitchSpec) -> None:
        for k, route in enumerate(node.routes):
            path = ("nodes", name, "routes", k)
            if route.dev is not None and route.dev not in node.interfaces:
                self.fail(path + ("dev",), f"unknown interface '{route.dev}' on {name} "
                                           f"(interfaces: {', '.join(node.interfaces)})")
                continue
            if route.via is None:
                continue
            ifaces = [node.interfaces[route.dev].ip] if route.dev else \
                [i.ip for i in node.interfaces.values()]
            on = [i for i in ifaces if route.via in i.network]
            if any(route.via == i.ip for i in ifaces):
                self.fail(path + ("via",), f"next hop {route.via} is {name}'s own address")
            elif not on:
                nets = ", ".join(str(i.network) for i in ifaces)
                self.fail(path + ("via",), f"next hop {route.via} is not on a connected subnet "
                                           f"of {name} ({nets})")
            elif _reserved(route.via, on[0]):
                self.fail(path + ("via",), f"next hop {route.via} is the {_reserved(route.via, on[0])} "
                                           f"address of {on[0].network}, not a router's address")
            elif self.host_with(route.via):
                self.fail(path + ("via",), f"next hop {route.via} is host {self.host_with(route.via)}'s "
                                           f"address; a host does not forward (use a router's)")

    def address_of(self, node_name: str, ifname: str) -> IPv4Interface | None:
        """The IP address behind a link end: its interface's, or an L3 switch port's group's."""
        node = self.t.nodes[node_name]
        if isinstance(node, L3SwitchSpec):
            return next(g.ip for g in node.groups.values() if ifname in g.ports)
        iface = getattr(node, "interfaces", {}).get(ifname)
        return iface.ip if iface is not None else None

    def links(self) -> None:
        used: dict[tuple[str, str], int] = {}
        for i, link in enumerate(self.t.links):
            ends = self.link_ends(i, link, used)
            self.link_ifaces.append(ends)
            if None in ends:
                continue
            a, b = (self.address_of(e.node, n) for e, n in zip(link.ends, ends))
            if a is not None and b is not None and (a.ip not in b.network or b.ip not in a.network):
                self.fail(("links", i), f"joins {link.ends[0].node}:{ends[0]} ({a}) and "
                                        f"{link.ends[1].node}:{ends[1]} ({b}), which are in "
                                        f"different subnets")

    def link_ends(self, i: int, link, used: dict[tuple[str, str], int]) -> list[str | None]:
        """The interface name of each end of ``links[i]``, as the builder will make it."""
        shorthand = isinstance(self.at.yaml(("links", i)), list)
        if link.ends[0].node == link.ends[1].node and link.ends[0].node in self.t.nodes:
            self.fail(("links", i), f"link from '{link.ends[0].node}' to itself")
            return [None, None]
        resolved: list[str | None] = []
        for j, end in enumerate(link.ends):
            field = ("links", i, "ends", j)
            path = ("links", i, j) if shorthand else field
            ifname = self.end_name(end, path, field)
            if ifname is not None and (end.node, ifname) in used:
                self.fail(path, f"interface {end.node}:{ifname} is already used by "
                                f"links[{used[end.node, ifname]}]", field)
                ifname = None
            if ifname is not None:
                used[end.node, ifname] = i
                if end.node in self.ports:
                    self.ports[end.node].append(ifname)
            resolved.append(ifname)
        return resolved

    def end_name(self, end, path: Path, field: Path) -> str | None:
        node = self.t.nodes.get(end.node)
        if node is None:
            self.fail(path, f"unknown node '{end.node}' (nodes: {', '.join(sorted(self.t.nodes))})",
                      field)
            return None
        ifname = end.iface
        if end.node in self.ports:  # a switch or hub: a named port, or the next free one
            return ifname if ifname is not None else next_port_name(self.ports[end.node])
        if isinstance(node, L3SwitchSpec):
            if ifname not in node.ports():
                self.fail(path, f"a link to l3switch '{end.node}' names one of its group "
                                f"ports ({', '.join(node.ports())}), e.g. "
                                f"'{end.node}:{node.ports()[0]}'", field)
                return None
            return ifname
        ifaces = node.interfaces
        if ifname is None and len(ifaces) == 1:
            return next(iter(ifaces))
        if ifname is None:
            self.fail(path, f"'{end.node}' has several interfaces ({', '.join(ifaces)}); "
                            f"name one, e.g. '{end.node}:{next(iter(ifaces))}'", field)
            return None
        if ifname not in ifaces:
            self.fail(path, f"unknown interface '{ifname}' on {end.node} "
                            f"(interfaces: {', '.join(ifaces)})", field)
            return None
        return ifname
