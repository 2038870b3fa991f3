"""Pydantic models of a topology's nodes: hosts, switches, hubs, routers and L3
switches, with their interfaces, ARP, routes and reassembly settings. Imported by
:mod:`simulator.scenario.schema` (which documents the conventions every model follows);
``docs/yaml.md`` is the reference for every field."""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Union

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
    static: dict[IPv4Addr, Mac] = Field(default_factory=dict)
    timeout: Nanoseconds = Field(30 * S, gt=0)         # Linux base_reachable_time
    retries: Int = Field(3, ge=0)                       # mcast_solicit
    retry_interval: Nanoseconds = Field(1 * S, gt=0)    # retrans_time
    queue: Bytes = Field(212_992, ge=0)                 # unres_qlen_bytes
    notify: Bool = False                                # arp_notify: gratuitous ARP on up

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

    ip: IPv4Iface | None = None
    mac: Mac | None = None
    mtu: Mtu | None = None
    dhcp: DhcpClientSpec | None = None

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

    high: Bytes = Field(4 * 1024 * 1024, gt=0)
    low: Bytes = Field(3 * 1024 * 1024, ge=0)

    @model_validator(mode="after")
    def _low_below_high(self) -> ReassemblyMemory:
        if self.low > self.high:
            raise ValueError(f"low ({self.low} B) must not be above high ({self.high} B)")
        return self


class IpStackSpec(Model):
    """What every node with an IPv4 stack (host, router, L3 switch) sets."""

    reassembly_timeout: Nanoseconds = Field(30 * S, gt=0)   # Linux ipfrag_time
    reassembly_memory: ReassemblyMemory = Field(default_factory=ReassemblyMemory)
    pmtu_expiry: Nanoseconds = Field(600 * S, gt=0)         # RFC 1191 §6.3
    icmp_ratelimit: Nanoseconds = Field(1 * S, ge=0)        # Linux icmp_ratelimit; 0: off
    arp: ArpSpec = Field(default_factory=ArpSpec)
    tcp: TcpSpec = Field(default_factory=TcpSpec)
    dns_server: DnsServerSpec | None = None
    dns_resolver: DnsResolverSpec | None = None
    dns_forwarder: DnsForwarderSpec | None = None
    dns: HostDnsSpec = Field(default_factory=HostDnsSpec)
    http_server: HttpServerSpec | None = None                # docs/http.md
    dhcp_server: DhcpServerSpec | None = None
    dhcp_relay: DhcpRelaySpec | None = None
    icmp_msgs_per_sec: Int = Field(1000, ge=0)          # Linux icmp_msgs_per_sec; 0: off
    icmp_msgs_burst: Int = Field(50, ge=0)              # Linux icmp_msgs_burst
    icmp_ratemask: Int = Field(0x1818, ge=0, le=0x7FFFF)  # Linux icmp_ratemask: bit n, type n

    @model_validator(mode="after")
    def _dhcp_clients_on_hosts(self) -> IpStackSpec:
        for name, spec in getattr(self, "interfaces", {}).items():
            if getattr(spec, "dhcp", None) is not None and self.type != "host":
                raise FieldError(f"a {self.type}'s interfaces have fixed addresses; "
                                 "ip: dhcp is for hosts", "interfaces", name)
        return self


class HostSpec(IpStackSpec):
    type: Literal["host"]
    ip: IPv4Iface | None = None
    mac: Mac | None = None
    gateway: IPv4Addr | None = None
    interfaces: dict[Name, InterfaceSpec] = Field(default_factory=dict)
    multicast: list[MulticastGroup] = Field(default_factory=list)
    dhcp: DhcpClientSpec | None = None                  # eth0 by DHCP (YAML ip: dhcp)

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

    pos: Position | None = None                     # where drawn (plots, viewer)


class SwitchSpec(Model):
    type: Literal["switch"]
    aging: Nanoseconds = Field(300 * S, ge=0)
    table_size: Int = Field(8192, gt=0)
    processing_delay: Nanoseconds = Field(0, ge=0)
    stp: Bool = False                                   # IEEE 802.1D spanning tree
    priority: Int = Field(32768, ge=0, le=61440, multiple_of=4096)   # 802.1D-2004 §17.13.7
    pos: Position | None = None                     # where drawn (plots, viewer)


class HubSpec(Model):
    type: Literal["hub"]
    pos: Position | None = None                     # where drawn (plots, viewer)


class RouteSpec(Model):
    to: IPv4Net
    via: IPv4Addr | None = None
    dev: Name | None = None
    metric: Int = Field(0, ge=0)

    @model_validator(mode="after")
    def _via_or_dev(self) -> RouteSpec:
        if self.via is None and self.dev is None:
            raise ValueError("a route needs 'via' (next-hop address) or 'dev' (interface), or both")
        return self


class RouterSpec(IpStackSpec):
    type: Literal["router"]
    interfaces: dict[Name, InterfaceSpec] = Field(min_length=1)
    routes: list[RouteSpec] = Field(default_factory=list)
    processing_delay: Nanoseconds = Field(0, ge=0)
    pos: Position | None = None                     # where drawn (plots, viewer)


class NatSpec(RouterSpec):
    """A NAT gateway (docs/nat.md): a router translating between its inside
    interfaces and the outside one."""

    type: Literal["nat"]
    nat: NatOptions

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

    ip: IPv4Iface
    ports: list[Name] = Field(min_length=1)
    mac: Mac | None = None
    mtu: Mtu | None = None


class L3SwitchSpec(IpStackSpec):
    type: Literal["l3switch"]
    groups: dict[Name, GroupSpec] = Field(min_length=1)
    routes: list[RouteSpec] = Field(default_factory=list)
    aging: Nanoseconds = Field(300 * S, ge=0)
    table_size: Int = Field(8192, gt=0)
    processing_delay: Nanoseconds = Field(0, ge=0)

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

    pos: Position | None = None                     # where drawn (plots, viewer)


NodeSpec = Annotated[Union[HostSpec, SwitchSpec, HubSpec, RouterSpec, L3SwitchSpec, NatSpec],
                     Field(discriminator="type")]
NODE_TYPES: tuple[str, ...] = tuple(
    typing.get_args(m.model_fields["type"].annotation)[0]
    for m in typing.get_args(typing.get_args(NodeSpec)[0])
)
