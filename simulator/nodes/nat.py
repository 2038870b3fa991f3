"""A NAT gateway: a router that translates between its inside interfaces and one
outside interface (NAPT, RFC 3022; stack/nat.py, stack/nat_table.py).

Two hooks, in Linux netfilter's places: before routing (PREROUTING), packets
that arrive on the outside interface for the public address get their
destination translated back, so the Forwarder carries them inside, and inside
packets to the public address are hairpinned; after routing (POSTROUTING, the
Forwarder's ``postrouting``), packets from inside leaving by the outside
interface get their source translated. Fragments are reassembled before
translation, as Linux conntrack does (nf_defrag_ipv4), and re-fragmented on the
way out if needed. What the NAT discards is counted on the interface it came in
on and traced with its reason; every mapping's creation and expiry is a ``nat``
trace event. Packets for the gateway itself (pings to its public address, ports
it has a socket on) are delivered to it untranslated.
"""

from collections import Counter

from simulator.engine.sim import Timer
from simulator.nodes.router import Router
from simulator.stack.nat import Napt
from simulator.stack.nat_table import NatConfig
from simulator.wire.ethernet import ETHERTYPE_IPV4
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_UDP


class NatGateway(Router):
    kind = "nat"

    def __init__(self, sim, name: str, processing_delay_ns: int = 0):
        super().__init__(sim, name, processing_delay_ns)
        self.napt: Napt | None = None
        self.outside = None
        self.inside: set = set()
        self._expiry = Timer(sim, self._expire)
        self.mappings: Counter = Counter()       # trace event ("nat.map", "nat.expire") → count
        self.l2.register(ETHERTYPE_IPV4, self._prerouting)
        self.ip.forwarder.postrouting = self._postrouting

    def configure_nat(self, outside: str, inside, public=None, **options) -> Napt:
        """Translate between the interfaces named ``inside`` and ``outside``; the public
        address is ``outside``'s unless given. ``options`` are NatConfig fields."""
        self.outside = self.interfaces[outside]
        self.inside = {self.interfaces[name] for name in inside}
        address = public if public is not None else self.ip.addresses[self.outside].ip
        self.napt = Napt(NatConfig(address, **options), reserved=self._local_port)
        return self.napt

    def _local_port(self, protocol: int, port: int) -> bool:
        """Ports (and echo identifiers) the gateway's own sockets use: never mapped."""
        if protocol == PROTO_UDP:
            return port in self.udp.sockets
        if protocol == PROTO_ICMP:
            return port in self.icmp.echo_sockets
        return False

    def _prerouting(self, iface, packet, link_group: bool = False) -> None:
        napt = self.napt
        if napt is not None and not link_group and (packet.checksum is None
                                                    or packet.verify_checksum()):
            outside = iface is self.outside
            if (outside and packet.dst == napt.public) or (
                    iface in self.inside and packet.dst not in self.ip.local):
                if packet.mf or packet.frag_offset:
                    packet = self.ip.reassembler.add(packet)
                    if packet is None:
                        return
            if outside and packet.dst == napt.public:
                result = napt.inbound(packet, self.sim.now, self._local_port)
            elif iface in self.inside and packet.dst == napt.public:
                result = napt.hairpin(packet, self.sim.now)
            else:
                result = None
            if result is not None:
                packet = self._apply(iface, packet, result)
                if packet is None:
                    return
        self.ip.receive(iface, packet, link_group)

    def _postrouting(self, in_iface, route, packet):
        if self.napt is None or in_iface not in self.inside or route.iface is not self.outside:
            return packet
        return self._apply(in_iface, packet, self.napt.outbound(packet, self.sim.now))

    def _apply(self, iface, packet, result):
        """Trace a translation's events, count its drop; the packet to go on with."""
        if result.events:
            self._trace(result.events)
            self._arm()
        if result.packet is None:
            iface.drop(packet, result.drop, "nat")
        return result.packet

    def _arm(self) -> None:
        """Keep the expiry timer at the earliest mapping expiry."""
        due = self.napt.table.next_expiry()
        if due is not None and (not self._expiry.running or due < self._expiry.deadline):
            self._expiry.start(max(0, due - self.sim.now))

    def _expire(self) -> None:
        self._trace(self.napt.table.expire(self.sim.now))
        self._arm()

    def _trace(self, events) -> None:
        tracer = self.sim.tracer
        for event in events:
            self.mappings[event["event"]] += 1
            if tracer.on:
                tracer.emit(self.name, "nat", **event)

    def summary(self) -> dict:
        """The NAT's configuration, counters and translation table (for summary.json)."""
        if self.napt is None:
            return {}
        return {**self.napt.summary(), "mappings_created": self.mappings["nat.map"],
                "mappings_expired": self.mappings["nat.expire"]}
