"""IPv4 on a node (RFC 791; host rules of RFC 1122 §3.3).

Owns the node's addresses, routing table, one ARP instance per interface,
the path MTU cache, the reassembly buffers and the protocol demux (IP
protocol number → handler). ``send`` builds a packet from a local
application, picks the source address of the outgoing interface and routes
it, fragmenting it when it exceeds the interface MTU and DF is clear;
``receive`` reassembles fragments and delivers packets addressed to the node
(its addresses, limited and directed broadcast, joined multicast groups) to
the protocol registered for them. Anything else goes to the ``forwarder``
of a router, or is dropped by a host.

An interface can be attached without an address (``attach``) and be given one
and have it taken away at run time (``add_address``, ``remove_address``), as a
DHCP client does (RFC 2131 §4.1): it sends from 0.0.0.0 out of a named interface
(``send(..., src=0.0.0.0, dev=iface)``) and, while the interface is in
``accept_any``, takes datagrams to any address that reach its MAC (what the
client's packet socket sees before it has an address).

A datagram decoded from bytes keeps the header checksum it arrived with and
is verified (RFC 1122 §3.2.1.2, RFC 1812 §5.2.2), a bad one dropped as
``BAD_CHECKSUM``; one built by a stack here has ``checksum=None`` and is right
by construction, so the common path pays a single ``is None`` test.
"""

from typing import Callable

from simulator.engine.drops import Drop
from simulator.stack.arp import Arp, ArpConfig
from simulator.stack.errno import Errno, SendError
from simulator.stack.fragment import Reassembler, fragment
from simulator.stack.pmtu import PmtuCache
from simulator.stack.routing import Route, RoutingTable
from simulator.wire.addr import IPv4Address, IPv4Interface, IPv4Network, MacAddress, ip_text
from simulator.wire.icmp import DEST_UNREACHABLE, PROTOCOL_UNREACHABLE
from simulator.wire.ipv4 import IPv4Packet

LIMITED_BROADCAST = IPv4Address("255.255.255.255")
UNSPECIFIED = IPv4Address(0)
DEFAULT_TTL = 64                    # Linux net.ipv4.ip_default_ttl
_NETUNREACH = SendError(Errno.ENETUNREACH)
_ANY = IPv4Network("0.0.0.0/0")


class IPv4:
    def __init__(self, node, default_ttl: int = DEFAULT_TTL):
        self.node = node
        self.sim = node.sim
        self.default_ttl = default_ttl
        self.routes = RoutingTable()
        self.protocols: dict[int, Callable] = {}       # protocol → handler(packet, iface)
        self.addresses: dict = {}                       # Interface → IPv4Interface
        self.arps: dict = {}                            # Interface → Arp
        self.local: set[IPv4Address] = set()            # unicast addresses of this node
        self.broadcasts: set[IPv4Address] = {LIMITED_BROADCAST}
        self.groups: set[IPv4Address] = set()           # joined multicast groups
        # The same three as integers, for the per-packet tests (ipaddress hashes slowly).
        self._accepted: set[int] = {int(LIMITED_BROADCAST)}
        self._broadcast_ints: set[int] = {int(LIMITED_BROADCAST)}
        self.icmp = None                                # the node's ICMP layer, once made
        self.forwarder = None                           # routers: a Forwarder
        self.pmtu = PmtuCache(self.sim)
        self.reassembler = Reassembler(self)
        self._identification = 0
        # The datagram being delivered came in a link-layer broadcast or multicast frame
        # (Linux skb->pkt_type): ICMP must not report it (RFC 1122 §3.2.2).
        self.rx_link_group = False
        # The interface the datagram being delivered came in on (IP_PKTINFO's ipi_ifindex).
        self.rx_iface = None
        self.accept_any: set = set()                    # interfaces taking any unicast
        self.sim.link_listeners.append(self._link_changed)

    def _link_changed(self, link) -> None:
        """An interface that loses carrier forgets its neighbours, the PERMANENT ones
        excepted (Linux arp_netdev_event on NETDEV_CHANGE → neigh_carrier_down); what
        waited for a resolution is dropped (``NEIGH_FLUSHED``)."""
        if link.up:
            return
        for iface in (link.a, link.b):
            arp = self.arps.get(iface)
            if arp is not None:
                arp.flush()

    # -- configuration -------------------------------------------------------------
    def attach(self, iface, arp: ArpConfig | None = None) -> None:
        """Run IPv4 and ARP on ``iface`` before it has an address (it can send from
        0.0.0.0 with ``dev=iface`` and hear ARP, RFC 5227 §2.1)."""
        if iface not in self.arps:
            self.arps[iface] = Arp(self.node, iface, UNSPECIFIED, arp or ArpConfig(),
                                   on_failure=self._resolution_failed)

    def add_address(self, iface, address: IPv4Interface, arp: ArpConfig | None = None) -> None:
        self.addresses[iface] = address
        self.local.add(address.ip)
        self._accepted.add(int(address.ip))
        if address.network.prefixlen < 31:
            self.broadcasts.add(address.network.broadcast_address)
            self._accepted.add(int(address.network.broadcast_address))
            self._broadcast_ints.add(int(address.network.broadcast_address))
        if iface in self.arps:            # attached earlier: its neighbour cache stays
            self.arps[iface].address = address.ip
        else:
            self.arps[iface] = Arp(self.node, iface, address.ip, arp or ArpConfig(),
                                   on_failure=self._resolution_failed)
        self.routes.add(Route(address.network, iface, kind="connected"))

    def remove_address(self, iface) -> None:
        """Take ``iface``'s address away (``ip addr del``): its connected route and every
        route out of it go too, as Linux's fib_sync_down_addr removes them; ARP stays
        attached, with no address."""
        address = self.addresses.pop(iface)
        self.local.discard(address.ip)
        self._accepted.discard(int(address.ip))
        self.arps[iface].address = UNSPECIFIED
        self.routes.remove_dev(iface)
        broadcast = address.network.broadcast_address
        if address.network.prefixlen < 31 and not any(
                a.network.broadcast_address == broadcast for a in self.addresses.values()):
            self.broadcasts.discard(broadcast)
            self._accepted.discard(int(broadcast))
            self._broadcast_ints.discard(int(broadcast))

    def add_route(self, network: IPv4Network, via: IPv4Address | None = None, dev=None,
                  metric: int = 0, kind: str = "static") -> Route:
        """Add a route; the interface is ``dev`` or the one whose subnet holds ``via``."""
        if dev is None:
            dev = next((i for i, a in self.addresses.items() if via in a.network), None)
            if dev is None:
                raise ValueError(f"{self.node.name}: next hop {via} is not on any connected subnet")
        route = Route(network, dev, via, metric, kind)
        self.routes.add(route)
        return route

    def join_group(self, group: IPv4Address) -> None:
        """Receive datagrams sent to a multicast group (RFC 1112 §6.4 MAC mapping)."""
        self.groups.add(group)
        self._accepted.add(int(group))
        mac = _multicast_mac(group)
        for iface in self.addresses:
            iface.multicast_macs.add(mac)

    # -- sending ---------------------------------------------------------------------
    def next_identification(self) -> int:
        self._identification = (self._identification + 1) & 0xFFFF
        return self._identification

    def send(self, dst: IPv4Address, protocol: int, payload, ttl: int | None = None,
             df: bool = False, src: IPv4Address | None = None, dev=None,
             link_dst: MacAddress | None = None) -> SendError | None:
        """Send a datagram from a local application; a SendError if it cannot leave
        (EINVAL for TTL 0; ENETUNREACH without a route; EMSGSIZE with the MTU when DF
        forbids fragmenting it, as Linux refuses it before any identification is used).
        A datagram refused here is traced as a drop, as one refused by a router is.

        ``dev`` sends on-link out of that interface, whatever the routes say (a DHCP
        client or server, SO_BINDTODEVICE); ``link_dst`` is the MAC to send to without
        ARP (a DHCP reply to a client that has no address yet, RFC 2131 §4.1)."""
        if ttl == 0:                      # RFC 1122 §3.2.1.7; Linux IP_TTL refuses 0 (EINVAL)
            return SendError(Errno.EINVAL)
        route = self.routes.lookup(dst) if dev is None else Route(_ANY, dev, kind="connected")
        if dev is not None:
            if src is None and dev not in self.addresses:
                self.sim.tracer.drop(self.node.name, "ip", Drop.NO_ROUTE, payload, dst=str(dst))
                return _NETUNREACH
        elif dst._ip in self._accepted and dst in self.local:   # ints first: cheap
            route = None
        elif route is None and (dst == LIMITED_BROADCAST or dst.is_multicast) and self.addresses:
            route = Route(IPv4Network("0.0.0.0/0"), next(iter(self.addresses)), kind="connected")
        elif route is None:
            self.sim.tracer.drop(self.node.name, "ip", Drop.NO_ROUTE, payload, dst=str(dst))
            return _NETUNREACH
        if src is None:
            src = self.addresses[route.iface].ip if route else dst
        if df and route is not None:      # refused before it gets an identification
            mtu = min(route.iface.mtu, self.pmtu.get(dst) or route.iface.mtu)
            if 20 + len(payload) > mtu:
                self.sim.tracer.drop(self.node.name, "ip", Drop.MSG_TOO_LONG, payload,
                                     dst=str(dst), mtu=mtu)
                return SendError(Errno.EMSGSIZE, mtu)
        packet = IPv4Packet(src, dst, protocol, payload,
                            ttl=self.default_ttl if ttl is None else ttl,
                            identification=self.next_identification(), df=df)
        if route is None:                 # to ourselves: the loopback path, no wire
            self.sim.call_later(0, self._loopback, packet)
            return None
        self.output(packet, route, link_dst)
        return None

    def output(self, packet: IPv4Packet, route: Route, link_dst: MacAddress | None = None) -> None:
        """Hand a routed packet to the link layer of ``route.iface``, in fragments
        if it is larger than the interface MTU (the caller has ruled out DF)."""
        if packet.total_len > route.iface.mtu:
            pieces = fragment(packet, route.iface.mtu)
            tracer = self.sim.tracer
            if tracer.on and not packet.is_fragment:   # what a reassembler will get back
                tracer.emit(self.node.name, "ip", "fragment", ip_src=ip_text(packet.src),
                            ip_id=packet.identification, fragments=len(pieces),
                            mtu=route.iface.mtu, info=packet.info())
            for piece in pieces:
                self._link_output(piece, route, link_dst)
        else:
            self._link_output(packet, route, link_dst)

    def _link_output(self, packet: IPv4Packet, route: Route, link_dst=None) -> None:
        """Broadcast and multicast go to the matching group MAC on the link itself,
        never to a gateway; unicast goes to the route's next hop (or on-link), or to
        ``link_dst`` when the sender named the MAC."""
        dst = packet.dst
        arp = self.arps[route.iface]
        if link_dst is not None:
            arp.output(packet, dst, link_dst)
            return
        d = int(dst)
        if d >> 28 == 0xE or (d in self._broadcast_ints and (
                d == 0xFFFFFFFF or dst in self.addresses[route.iface].network)):
            arp.output(packet, dst, _multicast_mac(dst))
        else:
            arp.output(packet, route.via or dst)

    def _loopback(self, event) -> None:
        self.deliver(event.value, None)

    # -- receiving -------------------------------------------------------------------
    def receive(self, iface, packet: IPv4Packet, link_group: bool = False) -> None:
        """A datagram from the link; ``link_group`` if it came in a broadcast or
        multicast frame."""
        if packet.checksum is not None and not packet.verify_checksum():
            iface.drop(packet, Drop.BAD_CHECKSUM, "ip")
            return
        if packet.dst._ip in self._accepted:          # int(packet.dst), but cheaper
            self.rx_link_group = link_group
            self.deliver(packet, iface)
            self.rx_link_group = False
        elif iface in self.accept_any:
            self.deliver(packet, iface)
        elif self.forwarder is not None:
            self.forwarder.forward(iface, packet, link_group)
        else:                             # a host discards datagrams for others (RFC 1122 §3.3.4.2)
            iface.drop(packet, Drop.NOT_FOR_ME, "ip")

    def deliver(self, packet: IPv4Packet, iface) -> None:
        if packet.mf or packet.frag_offset:
            packet = self.reassembler.add(packet)
            if packet is None:
                return
        handler = self.protocols.get(packet.protocol)
        self.rx_iface = iface
        if handler is None:               # RFC 1122 §3.2.2.1: Protocol Unreachable
            self.sim.tracer.drop(self.node.name, "ip", Drop.NO_PROTOCOL, packet)
            self.icmp.send_error(packet, DEST_UNREACHABLE, PROTOCOL_UNREACHABLE)
            return
        handler(packet, iface)

    def arp_receive(self, iface, arp, link_group: bool = False) -> None:
        instance = self.arps.get(iface)
        if instance is not None:
            instance.receive(arp, link_group)

    def confirm_neighbour(self, dst: IPv4Address) -> None:
        """Upper-layer proof that the next hop towards ``dst`` is reachable (a TCP ACK
        that advances, Linux ``dst_confirm_neigh``): its ARP entry stays REACHABLE."""
        route = self.routes.lookup(dst)
        if route is not None and route.iface in self.arps:
            self.arps[route.iface].confirm(route.via or dst)

    def _resolution_failed(self, packet: IPv4Packet) -> None:
        self.icmp.resolution_failed(packet)


def _multicast_mac(ip: IPv4Address) -> MacAddress:
    if not ip.is_multicast:
        return MacAddress.BROADCAST
    return MacAddress(bytes([0x01, 0x00, 0x5E, ip.packed[1] & 0x7F]) + ip.packed[2:])
