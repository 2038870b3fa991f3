"""The forwarding fast path: the common case of a router or a switch, fused.

A routed hop through the layered code is a chain of some sixteen calls
(``L2Demux.receive``, ``IPv4.receive``, ``Forwarder.forward``, the route lookup,
``IPv4.output``, ``Arp.output``, ``Interface.send``, ``Channel.send``, ...).
The fast path does what they do, for the case that costs nothing but the
forwarding itself, in one function, and hands anything else, untouched, to
the layered path, which stays the reference:

- router: an IPv4 frame to the port's own MAC; a datagram built
  here (no checksum to verify), not for this node, not multicast, TTL > 1, no
  interface taking any address (a DHCP client's ``accept_any``); a
  route; no fragmentation needed; no processing delay and no postrouting hook
  (NAT); the next hop's ARP entry usable as is (REACHABLE, DELAY, PROBE or
  PERMANENT: nothing to resolve, no STALE → DELAY transition);
- switch (no spanning tree, no processing delay): unicast source
  already learnt on the ingress port, unicast destination learnt on another
  forwarding port and not aged out;
- both: the outgoing channel idle with nothing queued, no faults, no capture
  on the sending port (``Channel.send_idle``).

A router remembers per destination what only a routing table change can
change (the route, the outgoing interface, its channel and ARP cache, the next
hop), in a memo the table empties when it changes (``RoutingTable.memo``);
what can change from packet to packet (the neighbour entry's state and MAC, the
MTU, the flags above) it checks every time.

With the trace on, the fast path emits what the layered path emits for such a
hop: the router's ``route`` event, then the channel's ``tx``. Where the JSON-lines
sink alone takes them (no filter, no other sink), it writes their lines itself,
made from memoised JSON pieces in one format (``forward.ROUTE_LINE`` and
``phy.link.TX_LINE``; a switch and a host through ``Channel.trace_idle``), instead
of building records for orjson; the layered path always builds records.
Nothing is changed before the last check passes, so a fallback sees exactly
what the layered path would have seen. The two give identical outputs
(tests/scenario/test_fastpath_scenarios.py runs every shipped scenario both
ways, trace on and off);
``NETSIM_FAST_PATH=0`` or ``Simulation(fast_path=False)`` turns it off.
"""

from simulator.phy.link import TX_LINE, packet_texts
from simulator.stack.arp import USABLE
from simulator.stack.forward import ROUTE_LINE, route_fields, route_head, route_record
from simulator.stack.routing import CACHE_LIMIT
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame

_new = object.__new__
_HOP_LINES = ROUTE_LINE + TX_LINE       # a routed hop's two lines, in one format


def first_hop(ip, memo: dict, d: int) -> tuple | None:
    """``(route, out interface, its ARP cache, next hop as an int)`` for destination
    ``d``: what the router's and the host's fast paths remember per destination in
    ``memo`` (the routing table's, emptied when it changes; bounded here: an
    interface's channel and ARP are made once); None for a multicast destination, no
    route, or an interface without a link or ARP (the layered path has its answer)."""
    route = None if d >> 28 == 0xE else ip.routes.lookup_int(d)
    if route is None:
        return None
    iface = route.iface
    arp = ip.arps.get(iface)
    if iface.channel is None or arp is None:
        return None
    if len(memo) >= CACHE_LIMIT:
        memo.clear()
    return route, iface, arp.cache, d if route.via is None else route.via._ip


class RouterFastPath:
    """``receive(iface, frame)`` for a Router: forwards the common case (RFC 1812 §5.2-5.3,
    as ``Forwarder`` does it, traced as it traces), else calls the node's layered
    ``l2.receive``."""

    __slots__ = ("name", "heads", "ip", "forwarder", "tracer", "env", "slow", "hops")

    def __init__(self, node):
        self.name = node.name
        self.heads: dict = {}             # ingress interface -> its route_head
        self.ip = node.ip
        self.forwarder = node.ip.forwarder
        self.tracer = node.sim.tracer
        self.env = node.sim.env
        self.slow = node.l2.receive
        self.hops = node.ip.routes.memo()   # destination → _hop's answer, while routes hold

    def receive(self, iface, frame) -> None:
        packet = frame.payload
        if (frame.ethertype != ETHERTYPE_IPV4 or frame.dst != iface.mac
                or packet.checksum is not None or packet.ttl <= 1):
            self.slow(iface, frame)
            return
        ip, forwarder = self.ip, self.forwarder
        d = packet.dst._ip                # int(dst), without ipaddress's Python-level __int__
        if (d in ip._accepted or ip.accept_any
                or forwarder.processing_delay_ns or forwarder.postrouting is not None):
            self.slow(iface, frame)
            return
        hop = self.hops.get(d)
        if hop is None:
            hop = self._hop(d)
            if hop is None:
                self.slow(iface, frame)
                return
        route, out_iface, channel, neighbours, next_hop, _ = hop
        neighbour = neighbours.get(next_hop)
        if packet.total_len > out_iface.mtu or neighbour is None or neighbour.state not in USABLE:
            self.slow(iface, frame)
            return
        forwarded = packet.forwarded()
        # EthernetFrame(neighbour.mac, out_iface.mac, ETHERTYPE_IPV4, forwarded) without
        # __init__'s sums: the datagram is as long as the one that came in
        out = _new(EthernetFrame)
        out.dst, out.src, out.ethertype = neighbour.mac, out_iface.mac, ETHERTYPE_IPV4
        out.payload, out.wire_len = forwarded, frame.wire_len
        if not channel.send_idle(out):
            self.slow(iface, frame)
            return
        now = self.env._now
        neighbour.used = now
        forwarder.forwarded += 1
        out_iface.forwarded += 1
        tracer = self.tracer
        if tracer.on:                   # as Forwarder traces it: route, then the tx
            sink = tracer.lines
            if sink is None or packet.mf or packet.frag_offset:
                tracer.emit_record(route_record(self.name, now, iface, packet, route,
                                                forwarded.ttl))
                channel.trace_idle(out)
                return
            head = sink.head(now)
            node_if = self.heads.get(iface)
            if node_if is None:
                node_if = self.heads[iface] = route_head(self.name, iface)
            route_json, tx_json = (forwarded.texts or packet_texts(forwarded))[4]
            ttl = forwarded.ttl
            sink.write(_HOP_LINES % (head, node_if, hop[5], route_json, ttl + 1, ttl,
                                     head, channel.tx_fields(out),
                                     channel.busy_until + channel.link.delay, now,
                                     tx_json, ttl))

    def _hop(self, d: int) -> tuple | None:
        """``(route, out interface, its channel, its ARP cache, next hop as an int, the
        route's trace fields)`` for destination ``d``, remembered until the routing
        table changes (see :func:`first_hop`)."""
        found = first_hop(self.ip, self.hops, d)
        if found is None:
            return None
        route, out_iface, cache, next_hop = found
        hop = self.hops[d] = (route, out_iface, out_iface.channel, cache, next_hop,
                              route_fields(route))
        return hop


class BridgeFastPath:
    """``receive(port, frame)`` for a Switch: forwards a known unicast frame from a
    learnt source (802.1D §7.7-7.8, as ``Bridge.forward`` does it), else calls
    ``Bridge.forward``."""

    __slots__ = ("bridge", "tracer", "env", "slow")

    def __init__(self, bridge):
        self.bridge = bridge
        self.tracer = bridge.sim.tracer
        self.env = bridge.sim.env
        self.slow = bridge.forward

    def receive(self, port, frame) -> None:
        bridge = self.bridge
        src, dst = frame.src, frame.dst
        table = bridge.mac_port
        if dst[0] & 1 or table.get(src) is not port:
            self.slow(port, frame)      # a group address, a new or moved (or group) source
            return
        out = table.get(dst)
        now = self.env._now
        if (out is None or out is port or out in bridge.blocked
                or now - bridge.mac_seen[dst] > bridge.aging_ns
                or not out.channel.send_idle(frame)):
            self.slow(port, frame)
            return
        bridge.mac_seen[src] = now
        if self.tracer.on:
            out.channel.trace_idle(frame)
