"""NAPT packet translation (RFC 3022 §2.2, §4.1), over the table of nat_table.py.

Outbound (inside → outside): the source address becomes the public one, the
source port (TCP, UDP) or echo identifier (ICMP, RFC 5508 §3.1) the mapping's
external port. Inbound to the public address: the destination goes back to the
internal endpoint, if a mapping exists and its filtering admits the sender;
otherwise the packet is for the node itself (an echo request, a port it has a
socket on, an error about its own packets) or is dropped and counted.
Hairpinning (RFC 4787 §6, REQ-9): an inside packet to the public address and a
mapped port is translated both ways and goes back inside with the sender's
external address and port as its source.

ICMP errors (RFC 5508 §4.2, REQ-3) are translated with the packet they quote:
an inbound error quoting a translated packet gets its outer destination, the
quoted source address and port (or identifier) and the quoted checksums put
back; an outbound error an inside host sends about an inbound packet gets the
reverse.

Checksums (RFC 3022 §4.2): a datagram built in the simulator carries
``checksum=None`` and is summed when packed, after translation; one decoded from
bytes carries the checksum it arrived with, updated incrementally (RFC 1624
eqn. 3) so a wrong checksum stays wrong, as in a real NAT. The IPv4 header
checksum is recomputed on forwarding anyway (RFC 1812 §5.3.1). Non-first
fragments and protocols other than TCP, UDP and ICMP are not translated.
"""

import struct
from collections import Counter
from dataclasses import dataclass, field

from simulator.engine.drops import Drop
from simulator.stack.nat_table import NatConfig, NatTable
from simulator.wire.errors import DecodeError
from simulator.wire.icmp import (ECHO_REPLY, ECHO_REQUEST, IcmpDestUnreachable, IcmpEcho,
                                 IcmpTimeExceeded)
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP, PROTO_UDP, IPv4Packet

__all__ = ["Napt", "Translation", "adjust_checksum"]


@dataclass
class Translation:
    """The outcome for one packet: the packet to go on with (None: dropped with
    ``drop``), whether it was translated (not: the node's own business) and the
    trace events (mappings created or found expired)."""
    packet: IPv4Packet | None
    drop: Drop | None = None
    events: list = field(default_factory=list)
    translated: bool = True


def adjust_checksum(checksum, old: bytes, new: bytes):
    """RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), over the 16-bit words of ``old``
    replaced by ``new`` (same length, even, aligned). None stays None (summed at
    pack); 0 stays 0 (a UDP datagram without checksum, RFC 768)."""
    if checksum is None or checksum == 0:
        return checksum
    total = ~checksum & 0xFFFF
    for i in range(0, len(old), 2):
        total += (~((old[i] << 8) | old[i + 1]) & 0xFFFF) + ((new[i] << 8) | new[i + 1])
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF or 0xFFFF


def _untouched(packet) -> Translation:
    return Translation(packet, translated=False)


def endpoints(packet):
    """(protocol, source port, destination port, TCP flags) of a translatable packet,
    ICMP echo identifiers standing for both ports; None for anything else."""
    if packet.mf or packet.frag_offset:
        return None
    p = packet.payload
    if packet.protocol in (PROTO_UDP, PROTO_TCP) and not isinstance(p, (bytes, bytearray)):
        return packet.protocol, p.src_port, p.dst_port, getattr(p, "flags", 0)
    if packet.protocol == PROTO_ICMP and type(p) is IcmpEcho:
        return PROTO_ICMP, p.ident, p.ident, 0
    return None


def _with_source(packet, ip, port):
    return _rewrite(packet, ip, port, source=True)


def _with_destination(packet, ip, port):
    return _rewrite(packet, ip, port, source=False)


def _rewrite(packet, ip, port, source):
    """``packet`` with its source (or destination) address and port/identifier
    replaced, the L4 checksum adjusted."""
    p = packet.payload
    old_ip = packet.src if source else packet.dst
    if packet.protocol == PROTO_ICMP:
        ck = adjust_checksum(p.checksum, p.ident.to_bytes(2, "big"), port.to_bytes(2, "big"))
        payload = IcmpEcho(p.type, port, p.seq, p.data, ck)
    else:
        old_port = p.src_port if source else p.dst_port
        ck = adjust_checksum(p.checksum, old_ip.packed + old_port.to_bytes(2, "big"),
                             ip.packed + port.to_bytes(2, "big"))
        ports = {"src_port": port} if source else {"dst_port": port}
        if packet.protocol == PROTO_UDP:
            payload = type(p)(ports.get("src_port", p.src_port), ports.get("dst_port", p.dst_port),
                              p.payload, ck)
        else:
            payload = p.replace(checksum=ck, **ports)
    addresses = {"src": ip} if source else {"dst": ip}
    return packet.replace(payload=payload, **addresses)


def _rewrite_quote(quote: bytes, ip, port, source: bool) -> bytes:
    """The quoted datagram of an ICMP error with its source (or destination) address
    and port/identifier replaced and the quoted IP, UDP, TCP or ICMP checksum adjusted
    where the quote holds it."""
    q = bytearray(quote)
    hlen = (q[0] & 0x0F) << 2
    at = 12 if source else 16
    old_ip, new_ip = bytes(q[at:at + 4]), ip.packed
    q[at:at + 4] = new_ip
    ip_ck = adjust_checksum(struct.unpack_from("!H", q, 10)[0], old_ip, new_ip)
    struct.pack_into("!H", q, 10, ip_ck)
    protocol, l4 = q[9], hlen
    new_port = port.to_bytes(2, "big")
    if protocol == PROTO_ICMP:
        old_port = bytes(q[l4 + 4:l4 + 6])
        q[l4 + 4:l4 + 6] = new_port
        changed, ck_at = (old_port, new_port), l4 + 2
    else:
        p_at = l4 + (0 if source else 2)
        old_port = bytes(q[p_at:p_at + 2])
        q[p_at:p_at + 2] = new_port
        changed, ck_at = (old_ip + old_port, new_ip + new_port), l4 + (6 if protocol ==
                                                                     PROTO_UDP else 16)
    if len(q) >= ck_at + 2:
        old_ck = struct.unpack_from("!H", q, ck_at)[0]
        struct.pack_into("!H", q, ck_at, adjust_checksum(old_ck, *changed))
    return bytes(q)


def _with_quote(message, quote: bytes):
    """The ICMP error carrying ``quote`` instead, its own checksum adjusted."""
    ck = message.checksum
    if ck is not None:
        old, new = bytes(message.original), quote
        if len(old) & 1:
            old, new = old + b"\x00", new + b"\x00"
        ck = adjust_checksum(ck, old, new)
    if type(message) is IcmpTimeExceeded:
        return IcmpTimeExceeded(message.code, quote, ck)
    return IcmpDestUnreachable(message.code, quote, message.next_hop_mtu, ck)


class Napt:
    """Translation for one public address; see the module docstring."""

    def __init__(self, config: NatConfig, reserved=None):
        self.config = config
        self.public = config.public
        self.table = NatTable(config, reserved)
        self.counters: Counter = Counter()

    def outbound(self, packet: IPv4Packet, now: int) -> Translation:
        """A packet from inside routed out of the outside interface."""
        return self._count(self._outbound(packet, now), "outbound")

    def inbound(self, packet: IPv4Packet, now: int, local=None) -> Translation:
        """A packet that came in on the outside interface for the public address.
        ``local(protocol, port)`` tells whether the node itself listens there."""
        return self._count(self._inbound(packet, now, local), "inbound")

    def hairpin(self, packet: IPv4Packet, now: int) -> Translation:
        """An inside packet to the public address: back inside if it is for a mapping
        (RFC 4787 REQ-9), else unchanged (for the node itself)."""
        ends = endpoints(packet)
        if not self.config.hairpinning or ends is None or ends[0] == PROTO_ICMP:
            return _untouched(packet)
        if self.table.find_external(ends[0], ends[2], now) is None:
            return _untouched(packet)
        out = self._outbound(packet, now)
        if out.packet is None:
            return self._count(out, "hairpinned")
        back = self._inbound(out.packet, now, None)
        back.events[:0] = out.events
        return self._count(back, "hairpinned")

    def _count(self, result: Translation, what: str) -> Translation:
        if result.drop is not None:
            self.counters[result.drop] += 1
        elif result.translated:
            self.counters[what] += 1
        return result

    def _outbound(self, packet, now) -> Translation:
        if packet.protocol == PROTO_ICMP and type(packet.payload) in (IcmpDestUnreachable,
                                                                        IcmpTimeExceeded):
            return self._error_out(packet, now)
        ends = endpoints(packet)
        if ends is None:
            return Translation(None, Drop.NAT_UNTRANSLATABLE)
        protocol, sport, dport, flags = ends
        m, events = self.table.outbound(protocol, packet.src, sport, packet.dst, dport, now,
                                        flags)
        if m is None:
            return Translation(None, Drop.NAT_PORTS_EXHAUSTED, events)
        return Translation(_with_source(packet, self.public, m.external_port), events=events)

    def _inbound(self, packet, now, local) -> Translation:
        p = packet.payload
        if packet.protocol == PROTO_ICMP and type(p) in (IcmpDestUnreachable, IcmpTimeExceeded):
            return self._error_in(packet, now)
        ends = endpoints(packet)
        if ends is None or (packet.protocol == PROTO_ICMP and p.type != ECHO_REPLY):
            return _untouched(packet)                    # for the node itself
        protocol, sport, dport, flags = ends
        m, why, events = self.table.inbound(protocol, dport, packet.src, sport, now, flags)
        if m is None:
            if local is not None and local(protocol, dport):
                return Translation(packet, events=events, translated=False)
            return Translation(None, Drop.NAT_FILTERED if why == "filtered"
                               else Drop.NAT_NO_MAPPING, events)
        return Translation(_with_destination(packet, m.internal, m.internal_port),
                           events=events)

    # -- ICMP errors (RFC 5508 §4.2) ---------------------------------------------------
    def _error_in(self, packet, now) -> Translation:
        message = packet.payload
        try:
            q = message.quoted()
        except DecodeError:
            return _untouched(packet)
        port = q.ident if q.protocol == PROTO_ICMP else q.src_port
        if q.src != self.public or port is None or (q.protocol == PROTO_ICMP
                                                    and q.icmp_type != ECHO_REQUEST):
            return _untouched(packet)
        m = self.table.find_external(q.protocol, port, now)
        if m is None:
            return _untouched(packet)                    # about the node's own packet
        quote = _rewrite_quote(message.original, m.internal, m.internal_port, source=True)
        self.counters["icmp_errors_inbound"] += 1
        return Translation(packet.replace(dst=m.internal, payload=_with_quote(message, quote)))

    def _error_out(self, packet, now) -> Translation:
        message = packet.payload
        try:
            q = message.quoted()
        except DecodeError:
            return Translation(None, Drop.NAT_UNTRANSLATABLE)
        port = q.ident if q.protocol == PROTO_ICMP else q.dst_port
        m = None
        if port is not None:
            remote_port = q.ident if q.protocol == PROTO_ICMP else q.src_port
            m = self.table.find_internal(q.protocol, q.dst, port, q.src, remote_port, now)
        if m is None:
            return Translation(None, Drop.NAT_UNTRANSLATABLE)
        quote = _rewrite_quote(message.original, self.public, m.external_port, source=False)
        self.counters["icmp_errors_outbound"] += 1
        return Translation(packet.replace(src=self.public, payload=_with_quote(message, quote)))

    # -- reporting -----------------------------------------------------------------
    def summary(self) -> dict:
        return {"public": str(self.public), "mapping": self.config.mapping,
                "filtering": self.config.filtering,
                "counters": dict(sorted(self.counters.items())),
                "table": self.table.summary()}
