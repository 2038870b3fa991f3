"""The DHCP client running on a host: one :class:`DhcpClient` per ``ip: dhcp``
interface, driven by the node's stack (docs/dhcp.md "The driver").

The host's UDP port 68 hears every reply (broadcast, or unicast to the client's MAC
while the interface is in ``accept_any``: what ISC dhclient's packet socket sees).
Messages without a lease go out of the interface from 0.0.0.0 (RFC 2131 §4.1); an
ARP probe is sent with sender 0.0.0.0 and any ARP naming the probed address is a
conflict (RFC 5227 §2.1.1). A lease installs the address, its connected route, a
default route (the static ``gateway`` if the topology gives one, else the lease's
first router, RFC 2132 §3.5) and hands DNS servers and domain to the node's
resolver; losing it removes them. ``initial_delay`` waits a uniform random time
before INIT (RFC 2131 §4.4.1, ISC dhclient's ``initial-delay``), ``release_at``
gives the lease back then (``dhclient -r``).
"""

from dataclasses import dataclass
from ipaddress import IPv4Interface
from typing import Literal

from simulator.apps.dhcp.client import PROBING, DhcpClient
from simulator.apps.dhcp.transmit import BROADCAST, SECOND
from simulator.apps.dhcp.wiring import decode, send, trace_events
from simulator.apps.checks import ERRORS, OUTPUT_CONTAINS, Check
from simulator.engine.sim import Timer
from simulator.spec.values import IPv4Net, Nanoseconds
from simulator.wire.addr import IPv4Network
from simulator.wire.dhcp import CLIENT_PORT, DISCOVER, ZERO

__all__ = ["DhcpClients", "ClientOptions", "CHECKS"]

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")

# What `expect: [{app: dhcp, ...}]` can check on a client's result (simulator.apps.checks).
STATES = Literal["INIT", "SELECTING", "REQUESTING", "PROBING", "BOUND", "RENEWING", "REBINDING",
                 "STOPPED"]
DHCP_STATE = Check("dhcp_state", "dhcp_state", STATES, lambda got, want: got == want,
                   description="equal")
ADDRESS_IN = Check("address_in", "address", IPv4Net,
                   lambda got, want: IPv4Interface(got).ip in want, op="in",
                   description="the leased address is in it")
LEASE_WITHIN = Check("lease_within", "lease_obtained_ns", Nanoseconds,
                     lambda got, want: got <= want, lambda ns: f"{ns / 1e6:g} ms", "<=",
                     {"gt": 0},
                     description="the first lease came at most this long after the client started")
CHECKS = (DHCP_STATE, ADDRESS_IN, LEASE_WITHIN, ERRORS, OUTPUT_CONTAINS)


@dataclass(frozen=True)
class ClientOptions:
    """How one interface's client behaves (YAML ``ip: {dhcp: {...}}``)."""
    hostname: str | None = None
    client_id: str | None = None          # "mac": option 61 = type 1 + the MAC
    probe: int = 3                        # RFC 5227 PROBE_NUM
    broadcast: bool = True                # the BROADCAST flag
    initial_delay: int = 0                # ns: start uniformly within it
    release_at: int | None = None         # ns: send RELEASE then


class DhcpClients:
    """Every DHCP client of one host, sharing its UDP port 68."""

    def __init__(self, node, gateway=None):
        self.node = node
        self.gateway = gateway                  # a static default router, or None
        self.by_iface: dict = {}
        self.port = node.udp.bind(CLIENT_PORT)
        self.port.on_datagram = self._datagram

    def add(self, iface, options: ClientOptions) -> "InterfaceClient":
        client = self.by_iface[iface] = InterfaceClient(self, iface, options)
        return client

    def start(self) -> None:
        for client in self.by_iface.values():
            client.start()

    def _datagram(self, packet, datagram) -> None:
        client = self.by_iface.get(self.node.ip.rx_iface)
        if client is not None:
            message = decode(self.node, datagram)
            if message is not None:
                client.apply(client.client.receive(message, self.node.sim.now))

    def results(self) -> list[dict]:
        return [client.result() for client in self.by_iface.values()]


class InterfaceClient:
    def __init__(self, clients: DhcpClients, iface, options: ClientOptions):
        node = self.node = clients.node
        self.clients, self.iface, self.options = clients, iface, options
        self.sim = node.sim
        client_id = b"\x01" + bytes(iface.mac) if options.client_id == "mac" else None
        self.client = DhcpClient(iface.mac, self.sim.rng.stream(f"dhcp:{node.name}:{iface.name}"),
                                 client_id=client_id, hostname=options.hostname,
                                 probe_num=options.probe, broadcast_flag=options.broadcast)
        node.ip.attach(iface)
        node.ip.accept_any.add(iface)
        self.arp = node.ip.arps[iface]
        self.arp.watch = self._arp
        self.timer = Timer(self.sim, self._timer)
        self.started_ns: int | None = None
        self.bound_ns: int | None = None        # when the first lease was installed
        self.send_errors = 0
        self.discover_times: list[int] = []

    def start(self) -> None:
        delay = 0
        if self.options.initial_delay:
            rng = self.sim.rng.stream(f"dhcp:{self.node.name}:{self.iface.name}:boot")
            delay = rng.randrange(self.options.initial_delay)
        self.sim.call_later(delay, lambda _event: self._begin())
        if self.options.release_at is not None:
            self.sim.call_later(self.options.release_at,
                                lambda _event: self.apply(self.client.release(self.sim.now)))

    def _begin(self) -> None:
        self.started_ns = self.sim.now
        self.apply(self.client.start(self.sim.now))

    def _timer(self) -> None:
        self.apply(self.client.timer(self.sim.now))

    def _arp(self, arp) -> None:
        """RFC 5227 §2.1.1: while probing, any ARP whose sender is the address, or a probe
        for it from another host, means someone else has it."""
        if self.client.state != PROBING:
            return
        target = self.client.lease.interface.ip
        if arp.spa == target or (arp.spa == ZERO and arp.tpa == target
                                 and arp.sha != self.iface.mac):
            self.apply(self.client.conflict(self.sim.now))

    def apply(self, step) -> None:
        """Carry out what the client asked for: send (a RELEASE still from the leased
        address, RFC 2131 §4.4.6), then remove an old lease and install a new one."""
        node, ip = self.node, self.node.ip
        for transmit in step.sends:
            if transmit.message.message_type == DISCOVER:
                self.discover_times.append(self.sim.now)
            dev = self.iface if transmit.dst == BROADCAST else None
            if send(node, self.clients.port, transmit, dev) is not None:
                self.send_errors += 1
        if step.deconfigure is not None and self.iface in ip.addresses:
            ip.remove_address(self.iface)
            ip.accept_any.add(self.iface)
            self._resolver(servers=[], domain=None)
        if step.configure is not None:
            self._install(step.configure)
        if step.probe is not None:
            self.arp.probe(step.probe)
        trace_events(node, step.events)
        if step.deadline is None:
            self.timer.cancel()
        else:
            self.timer.start_at(max(step.deadline, self.sim.now))

    def _install(self, lease) -> None:
        ip = self.node.ip
        ip.add_address(self.iface, lease.interface)
        ip.accept_any.discard(self.iface)
        gateway = self.clients.gateway or (lease.routers[0] if lease.routers else None)
        if gateway is not None and gateway in lease.interface.network:
            ip.add_route(DEFAULT_ROUTE, via=gateway, dev=self.iface)
        if self.bound_ns is None:
            self.bound_ns = self.sim.now
        self._resolver(servers=list(lease.dns_servers), domain=lease.domain)

    def _resolver(self, **config) -> None:
        resolver = getattr(self.node, "resolver", None)       # the DNS branch adds it
        if resolver is not None:
            resolver.configure(**config)

    def result(self) -> dict:
        """What the client got, for summary.json and the ``dhcp`` expectations."""
        client, lease = self.client, self.client.lease
        bound = self.iface in self.node.ip.addresses
        obtained = None if self.bound_ns is None or self.started_ns is None \
            else self.bound_ns - self.started_ns
        result = {"app": "dhcp", "name": "dhcp", "node": self.node.name,
                  "iface": self.iface.name, "dhcp_state": client.state,
                  "address": str(self.node.ip.addresses[self.iface]) if bound else None,
                  "server": str(lease.server) if lease is not None and bound else None,
                  "lease_s": lease.lease_s if lease is not None and bound else None,
                  "lease_obtained_ns": obtained, "counters": dict(client.counters),
                  "send_errors": self.send_errors, "errors": self.send_errors}
        result["output"] = [self._line(result)]
        return result

    def _line(self, result) -> str:
        where = f"{self.node.name}:{self.iface.name}"
        if result["address"] is not None:
            return (f"{where}: {result['dhcp_state']} {result['address']} from "
                    f"{result['server']}, lease {result['lease_s']} s, obtained in "
                    f"{result['lease_obtained_ns'] / 1e6:g} ms")
        times, counters = self.discover_times, result["counters"]
        if not times or counters["offer"]:
            seen = ", ".join(f"{counters[k]} {k.upper()}" for k in ("discover", "offer", "ack",
                                                                      "nak", "decline"))
            return f"{where}: no lease yet ({result['dhcp_state']}; {seen})"
        gaps = ", ".join(f"{(b - a) / SECOND:.3f}" for a, b in zip(times, times[1:]))
        return (f"{where}: no lease ({result['dhcp_state']}): {len(times)} DISCOVERs "
                f"unanswered, retrying (RFC 2131 §4.1 backoff, s: {gaps or '-'})")
