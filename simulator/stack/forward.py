"""IPv4 forwarding, as a router does it (RFC 1812 §5.2-5.3).

For a packet not addressed to the node: TTL check (Time Exceeded, code 0,
if it would reach zero; §5.3.1), longest-prefix route lookup (Destination
Net Unreachable if none; §5.2.7.1), TTL decrement with a fresh header
checksum, then fragmentation or, with DF set, Fragmentation Needed carrying
the next-hop MTU (RFC 1191 §4). ARP failure on the next hop returns Host
Unreachable (handled by the ICMP layer). Multicast is not routed, and a
unicast datagram that came in a link-layer broadcast or multicast frame is
silently discarded (RFC 1812 §5.3.4). With tracing on, each forwarded
datagram's lookup is traced (``route``: the route matched, next hop, TTL in and out).
"""

from simulator.engine.drops import Drop
from simulator.engine.trace import json_fields
from simulator.phy.link import mac_text, packet_texts
from simulator.wire.addr import ip_text
from simulator.wire.icmp import (DEST_UNREACHABLE, FRAGMENTATION_NEEDED, NET_UNREACHABLE,
                                 TIME_EXCEEDED, TTL_EXCEEDED)


class Forwarder:
    def __init__(self, ip, processing_delay_ns: int = 0):
        self.ip = ip
        self.processing_delay_ns = processing_delay_ns
        self.forwarded = 0
        # postrouting(in_iface, route, packet) → packet or None (dropped): a NAT's hook
        self.postrouting = None

    def forward(self, iface, packet, link_group: bool = False) -> None:
        if int(packet.dst) >> 28 == 0xE:           # 224.0.0.0/4
            iface.drop(packet, Drop.MULTICAST_NOT_ROUTED, "ip")
            return
        if link_group:
            iface.drop(packet, Drop.LINK_BROADCAST, "ip")
            return
        if self.processing_delay_ns:
            self.ip.sim.call_later(self.processing_delay_ns, self._forward_later, (iface, packet))
        else:
            self._forward(iface, packet)

    def _forward_later(self, event) -> None:
        self._forward(*event.value)

    def _forward(self, iface, packet) -> None:
        ip = self.ip
        if packet.ttl <= 1:
            iface.drop(packet, Drop.TTL_EXPIRED, "ip", ttl=packet.ttl)
            ip.icmp.send_error(packet, TIME_EXCEEDED, TTL_EXCEEDED)
            return
        route = ip.routes.lookup(packet.dst)
        if route is None:
            iface.drop(packet, Drop.NO_ROUTE, "ip", ttl=packet.ttl)
            ip.icmp.send_error(packet, DEST_UNREACHABLE, NET_UNREACHABLE)
            return
        out = packet.forwarded()
        mtu = route.iface.mtu
        if out.total_len > mtu and out.df:
            iface.drop(packet, Drop.FRAG_NEEDED, "ip", ttl=packet.ttl)
            ip.icmp.send_error(packet, DEST_UNREACHABLE, FRAGMENTATION_NEEDED, next_hop_mtu=mtu)
            return
        if self.postrouting is not None:
            out = self.postrouting(iface, route, out)
            if out is None:
                return
        self.forwarded += 1
        route.iface.forwarded += 1
        tracer = ip.sim.tracer
        if tracer.on:
            tracer.emit_record(route_record(ip.node.name, ip.sim.env.now, iface, packet, route,
                                            out.ttl))
        ip.output(out, route)


def route_record(node: str, ns: int, iface, packet, route, ttl_out: int) -> dict:
    """The ``route`` event of a datagram forwarded at ``ns``: in at ``iface``, out by
    ``route`` (built in one dict display: a traced run has one per routed hop). Its keys
    run from the node's, the interface's and the route's to the datagram's, as
    :func:`route_line` groups them."""
    _, _, src, dst, _ = packet_texts(packet)
    network, via, out, eth_src, _ = _route_texts(route)
    return {"t": ns / 1e9, "ns": ns, "node": node, "layer": "ip", "event": "route",
            "if": iface.name, "route": network, "via": via, "out": out, "eth_src": eth_src,
            "ip_src": src, "dst": dst, "ip_id": packet.identification, "ttl": packet.ttl,
            "ttl_out": ttl_out}


def route_head(node: str, iface) -> bytes:
    """The fields of a ``route`` line constant for the node and the interface it came
    in at (``json_fields``), for ``ROUTE_LINE``."""
    return json_fields({"node": node, "layer": "ip", "event": "route", "if": iface.name})


def route_fields(route) -> bytes:
    """A ``route`` line's ``route``, ``via``, ``out`` and ``eth_src`` (``json_fields``):
    with :func:`route_head`'s, ``packet_texts``' and the TTLs in and out (RFC 1812
    §5.3.1), ``ROUTE_LINE`` makes :func:`route_record`'s event as the JSON-lines sink
    would write it, where that sink alone takes ``route`` events."""
    return _route_texts(route)[4]


# a route line: the sink's head, route_head, route_fields, packet_texts' json, ttl, ttl_out
ROUTE_LINE = b'%b%b%b%b"ttl":%d,"ttl_out":%d}\n'
_ROUTE_TEXTS: dict[int, tuple] = {}     # id(route) -> (route, network, via, iface, texts)


def _route_texts(route) -> tuple:
    """``(network, via, out, eth_src, json)`` of a route as a ``route`` event writes them
    (``json``: the four as the line's fields, ``json_fields``), memoised by the route
    object (checked against its fields: a route changed in place is redone; the memo
    holds the route, so its id is not reused while in; bounded)."""
    hit = _ROUTE_TEXTS.get(id(route))
    if (hit is not None and hit[0] is route and hit[1] is route.network
            and hit[2] is route.via and hit[3] is route.iface):
        return hit[4]
    via, out = route.via, route.iface
    texts = (str(route.network), ip_text(via) if via else None, out.name, mac_text(out.mac))
    texts += (json_fields(dict(zip(("route", "via", "out", "eth_src"), texts))),)
    if len(_ROUTE_TEXTS) >= 1 << 12:
        _ROUTE_TEXTS.clear()
    _ROUTE_TEXTS[id(route)] = (route, route.network, via, out, texts)
    return texts
