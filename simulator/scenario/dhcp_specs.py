"""Pydantic models of DHCP in a topology (docs/yaml.md "DHCP"): a host interface's
client (``ip: dhcp`` or ``ip: {dhcp: {...}}``), a node's server (``dhcp_server:``)
and a router's relay agent (``dhcp_relay:``); and the checks that need the whole
topology (:func:`check_dhcp`)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import (S, Bool, Int, IPv4Addr, Mac, Nanoseconds, Text, describe,
                                   parse_ipv4_address)

__all__ = ["DhcpRange", "DhcpClientSpec", "DhcpPoolSpec", "DhcpServerSpec", "DhcpRelaySpec", "check_dhcp", "dhcp_clients",
           "dhcp_shorthand", "pool_network"]


class DhcpClientSpec(Model):
    """An interface configured by DHCP (RFC 2131 §4.4)."""

    hostname: Text | None = Field(None, description="Host Name option (12) in DISCOVER and REQUEST")
    client_id: Literal["mac"] | None = Field(None, description=(
        "send a Client Identifier (61): type 1 + the MAC"))
    probe: Int = Field(3, ge=0, le=10, description=(
        "ARP probes of the offered address before using it (RFC 5227 PROBE_NUM); 0: none"))
    broadcast: Bool = Field(True, description=(  # RFC 2131 §4.1
        "set the BROADCAST flag, so replies are broadcast; `false`: unicast to the MAC"))
    initial_delay: Nanoseconds = Field(0, ge=0, description=(
        "wait a uniform random time below it before starting (RFC 2131 §4.4.1)"))
    release_at: Nanoseconds | None = Field(None, ge=0, description=(
        "send RELEASE then and stop (`dhclient -r`)"))


def dhcp_shorthand(value: Any) -> DhcpClientSpec | dict | None:
    """``dhcp`` or ``{dhcp: {...}}`` (an ``ip:`` value) as client settings, else None."""
    if value == "dhcp":
        return {}
    if isinstance(value, dict) and list(value) == ["dhcp"]:
        return value["dhcp"] if value["dhcp"] is not None else {}
    return None


def _seconds(value: int, what: str) -> int:
    if value % S:
        raise ValueError(f"{what} is carried in whole seconds (RFC 2132 §9.2)")
    return value // S


def _range(value: Any) -> tuple[IPv4Address, IPv4Address]:
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"expected a range like 192.168.1.100-192.168.1.199, got "
                         f"{describe(value)}")
    first, last = (parse_ipv4_address(part.strip()) for part in value.split("-"))
    if first > last:
        raise ValueError(f"range {first}-{last} ends before it starts")
    return first, last


DhcpRange = Annotated[tuple[IPv4Address, IPv4Address], BeforeValidator(_range)]


class DhcpPoolSpec(Model):
    """Addresses ``range`` (``first-last``) of one subnet and the options given with them."""

    doc_types: ClassVar = {"range": "`first-last` (`10.0.0.100-10.0.0.199`)"}
    doc_defaults: ClassVar = {"lease": "`86400s`", "routers": "a router's address on the subnet"}
    doc_rules: ClassVar = {"range": "inside one subnet of the server's interfaces or of a relay's",
                           "lease": "whole seconds", "reservations": "each in the pool's subnet"}

    range: DhcpRange = Field(description="the addresses")
    lease: Nanoseconds = Field(86400 * S, ge=S, description="lease time; T1 = ½, T2 = ⅞ of it")
    routers: list[IPv4Addr] | None = Field(None, description="Router option (3)")
    # an empty default by lambda, not list/dict: pydantic reads a builtin's signature
    # from its text with tokenize (~10 ms of a trivial run, benchmarks/RESULTS.md)
    dns: list[IPv4Addr] = Field(default_factory=lambda: [], description="Domain Name Server option (6)")
    domain: Text | None = Field(None, description="Domain Name option (15)")
    reservations: dict[Mac, IPv4Addr] = Field(default_factory=lambda: {}, description=(
        "a fixed address per client"))

    @field_validator("lease")
    @classmethod
    def _whole_seconds(cls, value: int) -> int:
        _seconds(value, "a lease")
        return value


class DhcpServerSpec(Model):
    doc_types: ClassVar = {"pools": "list of pools (below)"}
    doc_defaults: ClassVar = {"decline_hold": "`10min`"}
    doc_rules: ClassVar = {"pools": "no two overlap"}

    pools: list[DhcpPoolSpec] = Field(min_length=1, description="the addresses given out")
    offer_hold: Nanoseconds = Field(60 * S, gt=0, description=(
        "how long an offered address is kept for the client"))
    decline_hold: Nanoseconds = Field(600 * S, gt=0, description=(
        "how long a DECLINEd address is not offered"))


class DhcpRelaySpec(Model):
    """YAML: ``dhcp_relay: 10.0.0.53`` or ``{servers: [...], interfaces: [...], max_hops: 16}``."""

    doc_types: ClassVar = {"interfaces": "list of interface (group) names"}
    doc_defaults: ClassVar = {"interfaces": "all"}
    doc_rules: ClassVar = {"servers": "each some node's address", "interfaces": "the node's"}

    servers: list[IPv4Addr] = Field(min_length=1, description="where requests are relayed")
    interfaces: list[str] | None = Field(None, description="client-side interfaces to listen on")
    max_hops: Int = Field(16, ge=1, le=16, description=(
        "requests with this many hops already are dropped (RFC 1542 §4.1.1)"))

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"servers": [data]}
        if isinstance(data, list):
            return {"servers": data}
        return data


# ---------------------------------------------------------------- topology checks

def dhcp_clients(topology) -> list[str]:
    """The nodes with an interface configured by DHCP."""
    return [name for name, node in topology.nodes.items()
            if any(getattr(i, "dhcp", None) is not None
                   for i in getattr(node, "interfaces", {}).values())]


def _networks(node) -> dict[str, IPv4Network]:
    """The node's numbered interfaces' subnets, by interface (an L3 switch's groups)."""
    return {name: spec.ip.network for name, spec in getattr(node, "interfaces", {}).items()
            if getattr(spec, "ip", None) is not None}


def relayed_networks(topology) -> list[IPv4Network]:
    """The subnets a relay agent's interfaces are on (a server may have pools there)."""
    return [net for node in topology.nodes.values()
            if getattr(node, "dhcp_relay", None) is not None
            for net in _networks(node).values()]


def pool_network(topology, node, pool: DhcpPoolSpec) -> IPv4Network | None:
    """The subnet a pool is on: one of the server's interfaces', else a relay's."""
    return next((n for n in list(_networks(node).values()) + relayed_networks(topology)
                 if pool.range[0] in n and pool.range[1] in n), None)


def check_dhcp(checks) -> None:
    """What a server, relay or client needs from the rest of the topology; ``checks``
    is the :class:`TopologyChecks` collecting located errors."""
    addresses = checks.owners
    for name, node in checks.t.nodes.items():
        server = getattr(node, "dhcp_server", None)
        relay = getattr(node, "dhcp_relay", None)
        if server is not None:
            _check_server(checks, name, node, server)
        if relay is not None:
            path = ("nodes", name, "dhcp_relay")
            if node.type == "host":
                checks.fail(path, "a host does not relay DHCP; put dhcp_relay on a router "
                                  "or l3switch")
            if server is not None:
                checks.fail(path, "a node runs a DHCP server or a relay on port 67, not both")
            for k, target in enumerate(relay.servers):
                if target not in addresses:
                    where = path + ("servers", k) if isinstance(checks.at.yaml(path), dict) \
                        else path
                    checks.fail(where, f"relay target {target} is no node's address")
            for k, iface in enumerate(relay.interfaces or ()):
                if iface not in _networks(node):
                    checks.fail(path + ("interfaces", k), f"unknown interface '{iface}' on "
                                f"{name} (interfaces: {', '.join(_networks(node))})")


def _check_server(checks, name, node, server) -> None:
    path = ("nodes", name, "dhcp_server", "pools")
    spans: list[tuple[IPv4Address, IPv4Address, int]] = []
    for k, pool in enumerate(server.pools):
        first, last = pool.range
        net = pool_network(checks.t, node, pool)
        if net is None:
            served = list(_networks(node).values()) + relayed_networks(checks.t)
            shown = ", ".join(str(n) for n in served) or "none"
            checks.fail(path + (k, "range"), f"pool {first}-{last} is not inside one subnet "
                        f"{name} serves (its interfaces' or a relay's: {shown})")
            continue
        for j, (a, b, i) in enumerate(spans):
            if first <= b and a <= last:
                checks.fail(path + (k, "range"), f"pool {first}-{last} overlaps pools[{i}] "
                                                 f"({a}-{b})")
        spans.append((first, last, k))
        for mac, address in pool.reservations.items():
            if address not in net:
                checks.fail(path + (k, "reservations", mac),
                            f"reservation {address} is outside the pool's subnet {net}")
