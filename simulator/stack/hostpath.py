"""The host fast paths: a datagram sent to a resolved neighbour, and one received
for the host itself, each fused.

Every datagram a host sends goes through ``IPv4.send``, ``IPv4.output``,
``IPv4._link_output``, ``Arp.output`` and ``Interface.send``: five calls, each
with its checks. ``HostSendPath.send`` does what they do for the common case of
a TCP segment or a UDP datagram, in one function, and hands anything else,
untouched, to ``IPv4.send``, which stays the reference:

- no ``dev`` and no ``link_dst`` (a DHCP client's or server's sends), TTL not 0;
- a route; a destination that is none of the node's own, broadcast or group
  addresses (``IPv4._accepted``) and not multicast; a source address given
  (TCP's segments) or the outgoing interface's;
- the datagram within the interface MTU, and with DF set (TCP's segments, RFC
  1191 PMTUD; a UDP socket's with ``df``) within the path MTU too: no EMSGSIZE,
  no fragmentation (with DF clear the path MTU plays no part, as in
  ``IPv4.output``); an interface with a link;
- the next hop's ARP entry usable as is (REACHABLE, DELAY, PROBE or PERMANENT:
  nothing to resolve, no STALE → DELAY transition).

The route's outgoing interface, channel, ARP cache, next hop and source address
are remembered per destination until the routing table changes
(``RoutingTable.memo``). An idle channel sends the frame at once
(``Channel.send_idle``, traced by ``trace_idle``); a busy one queues it
(``Channel.send``), as ``Interface.send`` would.

Every frame a host receives goes through ``L2Demux.receive``, ``IPv4.receive``
and ``IPv4.deliver`` to its protocol. ``HostReceivePath.receive`` hands a datagram
straight to the protocol when those three would (a unicast frame to the port's
MAC carrying IPv4; a datagram built here, no checksum to verify; not a fragment;
to one of the host's addresses, ``IPv4._accepted``; a protocol registered), with
the stack's ``rx_iface`` and ``rx_link_group`` set as they set them; anything
else goes to ``L2Demux.receive``.

Nothing is changed before the last check passes (the path MTU cache's lookup,
which may forget an expired entry, is one ``IPv4.send`` repeats with the same
answer), so a fallback sees exactly what the layered path would have seen.
``Simulation(fast_path=False)`` or ``NETSIM_FAST_PATH=0`` turns them off, as it does
the routers' (tests/scenario/test_fastpath_scenarios.py runs every shipped
scenario both ways and compares the outputs byte for byte).
"""

from simulator.stack.arp import USABLE
from simulator.stack.fastpath import first_hop
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import IPv4Packet


class HostSendPath:
    """``send(...)``: ``IPv4.send``'s result for the same arguments, the common case
    fused (see the module docstring)."""

    __slots__ = ("ip", "env", "tracer", "hops")

    def __init__(self, ip):
        self.ip = ip
        self.env = ip.sim.env
        self.tracer = ip.sim.tracer
        self.hops = ip.routes.memo()      # destination → _hop's answer, while routes hold

    def send(self, dst, protocol: int, payload, ttl: int | None = None, df: bool = False,
             src=None, dev=None, link_dst=None):
        ip = self.ip
        d = dst._ip                       # int(dst), without ipaddress's Python-level __int__
        if dev is not None or link_dst is not None:
            hop = None
        else:
            hop = self.hops.get(d) or self._hop(d)
        if hop is None or ttl == 0 or d in ip._accepted:
            return ip.send(dst, protocol, payload, ttl=ttl, df=df, src=src, dev=dev,
                           link_dst=link_dst)
        iface, channel, neighbours, next_hop, address, source = hop
        mtu = iface.mtu
        if df:
            pmtu = ip.pmtu.get(dst)
            if pmtu is not None and pmtu < mtu:
                mtu = pmtu
        if src is None:                   # IPv4.send's choice: the outgoing interface's
            if ip.addresses.get(iface) is not address:
                source = None
        else:
            source = src
        neighbour = neighbours.get(next_hop)
        if (source is None or 20 + len(payload) > mtu or neighbour is None
                or neighbour.state not in USABLE):
            return ip.send(dst, protocol, payload, ttl=ttl, df=df, src=src)
        packet = IPv4Packet(source, dst, protocol, payload,
                            ip.default_ttl if ttl is None else ttl, ip.next_identification(), df)
        neighbour.used = self.env._now
        frame = EthernetFrame(neighbour.mac, iface.mac, ETHERTYPE_IPV4, packet)
        if channel.send_idle(frame):      # Interface.send → Channel.send, the idle case fused
            if self.tracer.on:
                channel.trace_idle(frame)
        else:
            channel.send(frame)
        return None

    def _hop(self, d: int) -> tuple | None:
        """``(out interface, its channel, its ARP cache, next hop as an int, its address,
        that address's IP)`` for destination ``d``, remembered until the routing table
        changes (the address is checked at each send; see ``fastpath.first_hop``)."""
        found = first_hop(self.ip, self.hops, d)
        if found is None:
            return None
        _, iface, cache, next_hop = found
        address = self.ip.addresses.get(iface)
        hop = self.hops[d] = (iface, iface.channel, cache, next_hop, address,
                              None if address is None else address.ip)
        return hop


class HostReceivePath:
    """``receive(iface, frame)`` for a Host: ``L2Demux.receive``'s result, the
    common case of a datagram for the host fused (see the module docstring)."""

    __slots__ = ("ip", "slow")

    def __init__(self, node):
        self.ip = node.ip
        self.slow = node.l2.receive

    def receive(self, iface, frame) -> None:
        packet = frame.payload
        ip = self.ip
        if (frame.dst != iface.mac or frame.ethertype != ETHERTYPE_IPV4
                or packet.checksum is not None or packet.mf or packet.frag_offset
                or packet.dst._ip not in ip._accepted):
            self.slow(iface, frame)
            return
        handler = ip.protocols.get(packet.protocol)
        if handler is None:
            self.slow(iface, frame)
            return
        ip.rx_link_group = False          # a unicast frame (IPv4.receive)
        ip.rx_iface = iface               # IPv4.deliver
        handler(packet, iface)
        ip.rx_link_group = False
