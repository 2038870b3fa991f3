"""Pydantic models of a topology's nodes: hosts, switches, hubs, routers and L3
switches, with their interfaces, ARP, routes and reassembly settings. Imported by
:mod:`simulator.scenario.schema` (which documents the conventions every model follows);
``docs/yaml.md`` is the reference for every field."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Union

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import (S, Bool, Bytes, FieldError, Int, IPv4Addr, IPv4Iface, IPv4Net,
                                   Mac, Mtu, MulticastGroup, Name, Nanoseconds, describe)

from .dhcp_specs import DhcpClientSpec, DhcpRelaySpec, DhcpServerSpec, dhcp_shorthand
from .dns_specs import DnsForwarderSpec, DnsResolverSpec, DnsServerSpec, HostDnsSpec
from .plots_spec import Position
from .transport import TcpSpec
from .web_specs import HttpServerSpec, NatOptions

# -------------------------------------------------------------------------- nodes

class ArpSpec(Model):
    doc_types: ClassVar = {"queue": "size with its unit (`212992B`, `64KiB`; a bare number is "
                                    "refused, since a bare queue length means packets on links)"}

    # an empty default by lambda, not list/dict: pydantic reads a builtin's signature
    # from its text with tokenize (~10 ms of a trivial run, benchmarks/RESULTS.md)
    static: dict[IPv4Addr, Mac] = Field(default_factory=lambda: {}, description=(
        "permanent entries (PERMANENT: never expire, never requested, never overwritten)"))
    timeout: Nanoseconds = Field(30 * S, gt=0, description=(
        "Linux `base_reachable_time`: a confirmed entry stays REACHABLE for a random 0.5–1.5 × "
        "this, then STALE (used again: DELAY 5 s, then 3 unicast probes)"))
    retries: Int = Field(3, ge=0, description=(
        "Linux `mcast_solicit`: broadcast requests in all (the first counts; one is always "
        "sent) before the waiting packets fail (`NO_ARP_REPLY`, Host Unreachable)"))
    retry_interval: Nanoseconds = Field(1 * S, gt=0, description=(
        "Linux `retrans_time`: between requests (broadcast or unicast probes), and after the "
        "last one before giving up"))
    queue: Bytes = Field(212_992, ge=0, description=(
        "Linux `unres_qlen_bytes`: bytes of IP packets held per address while resolving; the "
        "oldest are dropped (`ARP_QUEUE_FULL`) to make room"))
    notify: Bool = Field(False, description=(
        "Linux `arp_notify`: each interface with an address sends a gratuitous ARP (a broadcast "
        "request for its own address) when it comes up at t = 0. As Linux, not when an address "
        "is added later (a DHCP lease); a neighbour that already has an entry takes the new MAC "
        "at once (no `locktime` wait), one without an entry learns nothing (`arp_accept` 0)"))

    @field_validator("queue", mode="before")
    @classmethod
    def _queue_has_unit(cls, value: Any, info) -> Any:
        """A bare count reads as packets elsewhere (a link's ``queue: 100``), so the
        ARP queue, which Linux limits in bytes, wants its unit spelt out."""
        if (info.context or {}).get("yaml") and isinstance(value, int) and value:
            raise ValueError(f"write the ARP queue as a size with its unit, e.g. {value}B or "
                             "208KiB (Linux unres_qlen_bytes); a bare number is ambiguous")
        return value


class InterfaceSpec(Model):
    """A numbered interface. YAML: ``"10.0.0.1/24"`` or ``{ip: ..., mac: ..., mtu: ...}``;
    ``ip: dhcp`` (or ``ip: {dhcp: {...}}``) on a host: configured by DHCP."""

    doc_types: ClassVar = {"ip": "IPv4 interface (`10.0.0.1/24`), or `dhcp` / `{dhcp: {...}}` (hosts)",
                           "dhcp": "[DHCP](#dhcp-ip-dhcp-dhcp_server-dhcp_relay)"}
    doc_defaults: ClassVar = {"ip": "required", "mac": "derived", "mtu": "the MTU of its link",
                              "dhcp": "none"}
    doc_rules: ClassVar = {"ip": "unique in the topology",
                           "mac": "unicast; unique among configured MACs"}

    ip: IPv4Iface | None = Field(None, description=(
        "address and subnet; `dhcp`: [configured by DHCP](#dhcp-ip-dhcp-dhcp_server-dhcp_relay) "
        "(the interface may also be written `eth0: dhcp`)"))
    mac: Mac | None = Field(None, description="the interface's MAC")
    mtu: Mtu | None = Field(None, description=(
        "largest IP packet sent on it (bigger ones are fragmented, or refused with DF)"))
    dhcp: DhcpClientSpec | None = Field(None, description=(
        "the DHCP client's settings, written `ip: {dhcp: {...}}`"))

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"ip": data}
        if not isinstance(data, (dict, InterfaceSpec)):
            raise ValueError(f"expected an address like 10.0.0.1/24 or a mapping with 'ip', got {describe(data)}")
        if isinstance(data, dict) and dhcp_shorthand(data.get("ip")) is not None:
            data = {**data, "ip": None, "dhcp": dhcp_shorthand(data["ip"])}
        return data

    @model_validator(mode="after")
    def _addressed(self) -> InterfaceSpec:
        if self.ip is None and self.dhcp is None:
            raise ValueError("an interface needs 'ip' (an address like 10.0.0.1/24, or dhcp)")
        return self


class ReassemblyMemory(Model):
    """Bytes of fragments a node holds for reassembly: past ``high`` the oldest datagrams
    are evicted down to ``low`` (Linux ``ipfrag_high_thresh``/``ipfrag_low_thresh``)."""

    high: Bytes = Field(4 * 1024 * 1024, gt=0, description=(
        "past this, datagrams are evicted (Linux `ipfrag_high_thresh`)"))
    low: Bytes = Field(3 * 1024 * 1024, ge=0, description=(
        "eviction stops at this (Linux `ipfrag_low_thresh`)"))

    @model_validator(mode="after")
    def _low_below_high(self) -> ReassemblyMemory:
        if self.low > self.high:
            raise ValueError(f"low ({self.low} B) must not be above high ({self.high} B)")
        return self


class IpStackSpec(Model):
    """What every node with an IPv4 stack (host, router, L3 switch) sets."""

    doc_shared_as: ClassVar = "as on a [host](#type-host)"
    doc_types: ClassVar = {
        "reassembly_memory": "mapping `{high: size, low: size}`",
        "tcp": "[TCP settings](#tcp-settings)",
        **dict.fromkeys(("dns_server", "dns_resolver", "dns_forwarder", "dns"),
                        "[DNS](#dns-dns_server-dns_resolver-dns_forwarder-dns)"),
        "http_server": "[HTTP server](#http_server)",
        **dict.fromkeys(("dhcp_server", "dhcp_relay"), "[DHCP](#dhcp-ip-dhcp-dhcp_server-dhcp_relay)"),
        "icmp_ratemask": "integer (`0x1818` in YAML is fine)",
    }
    doc_defaults: ClassVar = {"reassembly_memory": "`{high: 4MiB, low: 3MiB}`",
                              "pmtu_expiry": "`10min`", "tcp": "the `linux` profile",
                              "icmp_ratemask": "`0x1818` (6168)"}
    doc_rules: ClassVar = {"reassembly_memory": "high > 0; low ≤ high"}

    reassembly_timeout: Nanoseconds = Field(30 * S, gt=0, description=(
        "how long fragments wait for the rest of their datagram (Linux `ipfrag_time`); then "
        "ICMP Time Exceeded code 1 if the first fragment came"))
    # a default spec is made with model_construct: its values are the defaults, which a
    # validator (built for it alone, ~1-5 ms each) would only confirm (tests/scenario/
    # test_schema.py checks that they validate to the same)
    reassembly_memory: ReassemblyMemory = Field(
        default_factory=ReassemblyMemory.model_construct, description=(
        "bytes of fragments (IP header and data) held for reassembly; past `high`, the "
        "datagrams least recently added to are dropped (`FRAG_EVICTED`, no ICMP) until `low` "
        "is left (Linux `ipfrag_high_thresh`/`ipfrag_low_thresh`)"))
    pmtu_expiry: Nanoseconds = Field(600 * S, gt=0, description=(
        "how long a learned path MTU is kept (RFC 1191 §6.3)"))
    icmp_ratelimit: Nanoseconds = Field(1 * S, ge=0, description=(
        "Linux `icmp_ratelimit`: ICMP errors to one destination host, after a burst of 6, at "
        "most one per this; `0` turns the per-host limit off (the global `icmp_msgs_per_sec` "
        "bucket stays)"))
    arp: ArpSpec = Field(default_factory=ArpSpec.model_construct,
                         description="ARP on every interface")
    tcp: TcpSpec = Field(default_factory=TcpSpec.model_construct, description=(
        "the node's TCP: a profile and any knob overridden"))
    dns_server: DnsServerSpec | None = Field(None, description="an authoritative DNS server")
    dns_resolver: DnsResolverSpec | None = Field(None, description="a recursive DNS resolver")
    dns_forwarder: DnsForwarderSpec | None = Field(None, description="a DNS forwarder")
    dns: HostDnsSpec = Field(default_factory=HostDnsSpec.model_construct, description=(
        "the node's stub resolver (the servers its apps ask)"))
    http_server: HttpServerSpec | None = Field(None, description="an HTTP server (docs/http.md)")
    dhcp_server: DhcpServerSpec | None = Field(None, description="a DHCP server")
    dhcp_relay: DhcpRelaySpec | None = Field(None, description="a DHCP relay agent")
    icmp_msgs_per_sec: Int = Field(1000, ge=0, description=(
        "Linux `icmp_msgs_per_sec`: the node's global bucket of ICMP errors, refilled at most "
        "every 20 ms by this × the time gone by; `0` turns it off"))
    icmp_msgs_burst: Int = Field(50, ge=0, description=(
        "Linux `icmp_msgs_burst`: the global bucket's size; a sent error takes 0, 1 or 2 "
        "credits at random (1 on average, as Linux)"))
    icmp_ratemask: Int = Field(0x1818, ge=0, le=0x7FFFF, description=(
        "Linux `icmp_ratemask`: bit *n* set = ICMP type *n* is rate limited (default: "
        "Destination Unreachable, Source Quench, Time Exceeded, Parameter Problem); "
        "\"fragmentation needed\" never is"))

    @model_validator(mode="after")
    def _dhcp_clients_on_hosts(self) -> IpStackSpec:
        for name, spec in getattr(self, "interfaces", {}).items():
            if getattr(spec, "dhcp", None) is not None and self.type != "host":
                raise FieldError(f"a {self.type}'s interfaces have fixed addresses; "
                                 "ip: dhcp is for hosts", "interfaces", name)
        return self


class HostSpec(IpStackSpec):
    doc_shared_as: ClassVar = None
    doc_types: ClassVar = {**IpStackSpec.doc_types, "pos": "`[x, y]` (two numbers, y up)",
                           "dhcp": "[DHCP](#dhcp-ip-dhcp-dhcp_server-dhcp_relay)",
                           "ip": "IPv4 interface (`10.0.0.1/24`), or `dhcp` / `{dhcp: {...}}`"}
    doc_defaults: ClassVar = {**IpStackSpec.doc_defaults, "ip": "—", "mac": "derived"}
    doc_rules: ClassVar = {**IpStackSpec.doc_rules, "ip": "`ip` or `interfaces`, not both",
                           "interfaces": "`ip` or `interfaces`, not both", "mac": "only with `ip`",
                           "gateway": "inside one of the host's subnets; not its own address",
                           "multicast": "each in 224.0.0.0/4"}

    type: Literal["host"] = Field(description="the node's kind")
    ip: IPv4Iface | None = Field(None, description=(
        "shorthand for one interface named `eth0`; `dhcp`: "
        "[configured by DHCP](#dhcp-ip-dhcp-dhcp_server-dhcp_relay)"))
    mac: Mac | None = Field(None, description="MAC of `eth0`")
    gateway: IPv4Addr | None = Field(None, description="default gateway: a `default` route via it")
    interfaces: dict[Name, InterfaceSpec] = Field(default_factory=lambda: {}, description=(
        "several (or named) interfaces"))
    multicast: list[MulticastGroup] = Field(default_factory=lambda: [], description=(
        "groups joined: datagrams to them are delivered"))
    dhcp: DhcpClientSpec | None = Field(None, description=(
        "eth0's DHCP client settings, written `ip: {dhcp: {...}}`"))

    @model_validator(mode="before")
    @classmethod
    def _dhcp_ip(cls, data: Any) -> Any:
        """``ip: dhcp`` or ``ip: {dhcp: {...}}``: eth0 configured by DHCP."""
        if isinstance(data, dict) and dhcp_shorthand(data.get("ip")) is not None:
            data = {**data, "ip": None, "dhcp": dhcp_shorthand(data["ip"])}
        return data

    @model_validator(mode="after")
    def _one_way_to_address(self) -> HostSpec:
        if self.dhcp is not None and not self.interfaces:
            self.interfaces = {"eth0": InterfaceSpec(dhcp=self.dhcp, mac=self.mac)}
            return self
        if self.dhcp is not None:
            if self.interfaces == {"eth0": InterfaceSpec(dhcp=self.dhcp, mac=self.mac)}:
                return self  # already expanded
            raise FieldError("give either 'ip' (one interface, eth0) or 'interfaces', not both",
                             "interfaces")
        if self.ip is not None and self.interfaces == {"eth0": InterfaceSpec(ip=self.ip, mac=self.mac)}:
            return self  # already expanded (model_dump() output validated again)
        if self.ip is not None and self.interfaces:
            raise FieldError("give either 'ip' (one interface, eth0) or 'interfaces', not both",
                             "interfaces")
        if self.ip is None and not self.interfaces:
            raise ValueError("a host needs 'ip' (e.g. ip: 10.0.0.2/24) or 'interfaces'")
        if self.mac is not None and self.ip is None:
            raise FieldError("'mac' goes with 'ip'; with 'interfaces', set mac inside each interface",
                             "mac")
        if self.ip is not None:
            self.interfaces = {"eth0": InterfaceSpec(ip=self.ip, mac=self.mac)}
        return self

    pos: Position | None = Field(None, description=(
        "where the topology figure and the viewer draw it ([plots.md](plots.md#topology-topologypng))"))


class SwitchSpec(Model):
    doc_types: ClassVar = {"aging": "time (`300s`)", "processing_delay": "time (`2us`)",
                           "pos": "`[x, y]` (two numbers, y up)"}

    type: Literal["switch"] = Field(description="the node's kind")
    aging: Nanoseconds = Field(300 * S, ge=0, description=(
        "MAC table entry lifetime (`0`: entries expire at once, every frame is flooded)"))
    table_size: Int = Field(8192, gt=0, description="MAC table capacity; when full nothing new is learnt")
    processing_delay: Nanoseconds = Field(0, ge=0, description=(
        "per-frame delay before forwarding (store-and-forward)"))
    stp: Bool = Field(False, description=(       # IEEE 802.1D spanning tree
        "run IEEE 802.1D spanning tree: BPDUs on the wire, loops broken by blocking ports; a "
        "port forwards 30 s after the tree forms ([architecture.md](architecture.md#spanning-tree))"))
    priority: Int = Field(32768, ge=0, le=61440, multiple_of=4096, description=(  # 802.1D-2004 §17.13.7
        "bridge priority (the first 2 bytes of the bridge id; the lowest id is the root)"))
    pos: Position | None = Field(None, description=(
        "where the topology figure and the viewer draw it ([plots.md](plots.md#topology-topologypng))"))


class HubSpec(Model):
    doc_types: ClassVar = {"pos": "`[x, y]` (two numbers, y up)"}

    type: Literal["hub"] = Field(description="the node's kind")
    pos: Position | None = Field(None, description=(
        "where the topology figure and the viewer draw it "
        "([plots.md](plots.md#topology-topologypng))"))


class RouteSpec(Model):
    doc_types: ClassVar = {"to": "IPv4 network (`172.16.0.0/12`) or `default`",
                           "dev": "interface name (router) or group name (l3switch)"}
    doc_defaults: ClassVar = {"dev": "the interface whose subnet holds `via`"}
    doc_rules: ClassVar = {
        "to": "host bits clear; a bare address is a /32",
        "via": "on a connected subnet (of `dev` if given); not the node's own address",
        "dev": "one of the node's"}

    to: IPv4Net = Field(description="destination prefix")
    via: IPv4Addr | None = Field(None, description="next hop")
    dev: Name | None = Field(None, description=(
        "outgoing interface; without `via`, the destination is on-link there"))
    metric: Int = Field(0, ge=0, description=(
        "preference among routes to the same prefix: the lowest wins"))

    @model_validator(mode="after")
    def _via_or_dev(self) -> RouteSpec:
        if self.via is None and self.dev is None:
            raise ValueError("a route needs 'via' (next-hop address) or 'dev' (interface), or both")
        return self


class RouterSpec(IpStackSpec):
    doc_types: ClassVar = {"processing_delay": "time (`10us`)", "pos": "`[x, y]` (two numbers, y up)"}

    type: Literal["router"] = Field(description="the node's kind")
    interfaces: dict[Name, InterfaceSpec] = Field(min_length=1, description=(
        "the router's numbered interfaces"))
    routes: list[RouteSpec] = Field(default_factory=lambda: [], description=(
        "static routes (connected subnets are implicit)"))
    processing_delay: Nanoseconds = Field(0, ge=0, description="per-packet delay before forwarding")
    pos: Position | None = Field(None, description=(
        "where the topology figure and the viewer draw it ([plots.md](plots.md#topology-topologypng))"))


class NatSpec(RouterSpec):
    """A NAT gateway (docs/nat.md): a router translating between its inside
    interfaces and the outside one."""

    type: Literal["nat"] = Field(description="the node's kind")
    nat: NatOptions = Field(description=(
        "the translation: which side is outside, and its knobs (below)"))

    @model_validator(mode="after")
    def _nat_interfaces(self) -> NatSpec:
        nat = self.nat
        if nat.outside not in self.interfaces:
            raise FieldError(f"'{nat.outside}' is not an interface of this gateway "
                             f"(interfaces: {', '.join(self.interfaces)})", "nat", "outside")
        for k, name in enumerate(nat.inside or ()):
            if name not in self.interfaces or name == nat.outside:
                raise FieldError(f"'{name}' is not an inside interface of this gateway",
                                 "nat", "inside", k)
        inside = [self.interfaces[n].ip.network for n in self.inside_interfaces()]
        for k, forward in enumerate(nat.forwards):
            if not any(forward.to[0] in net for net in inside):
                raise FieldError(f"{forward.to[0]} is not on an inside network "
                                 f"({', '.join(map(str, inside))})", "nat", "forwards", k, "to")
        return self

    def inside_interfaces(self) -> list[str]:
        """The inside interfaces: those listed, else every one but the outside."""
        if self.nat.inside is not None:
            return list(self.nat.inside)
        return [name for name in self.interfaces if name != self.nat.outside]


class GroupSpec(Model):
    """A subnet of an L3 switch: its routed interface (SVI) address and its ports."""

    doc_types: ClassVar = {"ip": "IPv4 interface (`10.10.0.1/24`)"}
    doc_defaults: ClassVar = {"mac": "derived", "mtu": "SVI 1500; ports their link's MTU"}
    doc_rules: ClassVar = {"ip": "unique in the topology", "ports": "not in another group",
                           "mac": "unicast"}

    ip: IPv4Iface = Field(description="the SVI's address: the hosts' gateway on this subnet")
    ports: list[Name] = Field(min_length=1, description="the group's switch ports, created here")
    mac: Mac | None = Field(None, description="the SVI's MAC")
    mtu: Mtu | None = Field(None, description="MTU of the SVI and of the group's ports")


class L3SwitchSpec(IpStackSpec):
    doc_types: ClassVar = {"pos": "`[x, y]` (two numbers, y up)", "groups": "mapping name → group (below)"}
    doc_rules: ClassVar = {"groups": "a port in one group only", "routes": "`dev` names a group"}

    type: Literal["l3switch"] = Field(description="the node's kind")
    groups: dict[Name, GroupSpec] = Field(min_length=1, description="the subnets")
    routes: list[RouteSpec] = Field(default_factory=lambda: [], description=(
        "static routes beyond the groups' subnets"))
    aging: Nanoseconds = Field(300 * S, ge=0, description=(
        "MAC table entry lifetime (each group has its own table)"))
    table_size: Int = Field(8192, gt=0, description="MAC table capacity per group")
    processing_delay: Nanoseconds = Field(0, ge=0, description=(
        "per-packet delay when routing between groups (switching within a group has none)"))

    @model_validator(mode="after")
    def _ports_in_one_group(self) -> L3SwitchSpec:
        seen: dict[str, str] = {}
        for group, spec in self.groups.items():
            for k, port in enumerate(spec.ports):
                if port in seen:
                    raise FieldError(f"port '{port}' is in two groups ({seen[port]} and {group})",
                                     "groups", group, "ports", k)
                seen[port] = group
        return self

    @property
    def interfaces(self) -> dict[str, GroupSpec]:
        """The routed interfaces, one per group (for address checks)."""
        return self.groups

    def ports(self) -> list[str]:
        return [port for spec in self.groups.values() for port in spec.ports]

    pos: Position | None = Field(None, description=(
        "where the topology figure and the viewer draw it ([plots.md](plots.md#topology-topologypng))"))


NodeSpec = Annotated[Union[HostSpec, SwitchSpec, HubSpec, RouterSpec, L3SwitchSpec, NatSpec],
                     Field(discriminator="type")]
NODE_TYPES: tuple[str, ...] = tuple(
    typing.get_args(m.model_fields["type"].annotation)[0]
    for m in typing.get_args(typing.get_args(NodeSpec)[0])
)
