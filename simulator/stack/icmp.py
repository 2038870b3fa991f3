"""ICMP on a node (RFC 792, RFC 1122 §3.2.2).

- Answers echo requests to its unicast addresses (broadcast pings are
  ignored, as Linux does by default: icmp_echo_ignore_broadcasts=1).
- Hands echo replies to the echo socket bound to their identifier.
- Feeds "fragmentation needed" into the path MTU cache (RFC 1191; for TCP
  the TCP layer does, after checking the quoted segment), then
  hands errors (destination unreachable, time exceeded) to the socket that
  sent the quoted datagram: echo sockets by identifier, other protocols
  through ``error_handlers``.
- Verifies the checksum of a message decoded from bytes (RFC 1122 §3.2.2;
  ``BAD_CHECKSUM``); messages built here carry ``checksum=None``.
- Builds errors for others, never about an ICMP error (any type Linux marks
  as one: all but echo, timestamp, information, address mask and router
  messages), a datagram that came as a link-layer broadcast or multicast or
  is an IP broadcast or multicast, a non-initial fragment, or a source that
  is not a single host (RFC 1122 §3.2.2); and no faster than the rate limiter
  allows (RFC 1812 §4.3.2.8; see icmp_ratelimit.py).
- A datagram that could not be delivered because ARP gave up gets a Host
  Unreachable: sent to a remote source, or handed to the local socket when
  this node sent it (as Linux reports it from the node's own address).
"""

from typing import Callable

from simulator.engine.drops import Drop
from simulator.stack.icmp_ratelimit import IcmpRateLimiter
from simulator.wire.errors import DecodeError
from simulator.wire.icmp import (DEST_UNREACHABLE, ECHO_REPLY, ECHO_REQUEST,
                                 FRAGMENTATION_NEEDED, HOST_UNREACHABLE, TIME_EXCEEDED,
                                 IcmpDestUnreachable, IcmpEcho, IcmpTimeExceeded)
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP

ERROR_TYPES = (DEST_UNREACHABLE, TIME_EXCEEDED)      # handed to the socket that sent the datagram
# Types that are not errors (Linux icmp_pointers[].error == 0); any other, unknown
# types above 18 included, is treated as an error and never reported on.
QUERY_TYPES = frozenset({0, 8, 9, 10, 13, 14, 15, 16, 17, 18})


class Icmp:
    def __init__(self, ip):
        self.ip = ip
        ip.protocols[PROTO_ICMP] = self.receive
        ip.icmp = self
        self.echo_sockets: dict[int, object] = {}            # identifier → socket
        self.error_handlers: dict[int, Callable] = {}         # protocol → handler(reporter, msg, quoted)
        self.ratelimit = IcmpRateLimiter(ip.sim, f"icmp:{ip.node.name}:ratelimit")
        self._next_ident = 0

    def bind_echo(self, socket) -> int:
        """Bind an echo socket (ping) to a fresh identifier and return it."""
        self._next_ident += 1
        self.echo_sockets[self._next_ident] = socket
        return self._next_ident

    def receive(self, packet, iface) -> None:
        message = packet.payload
        if message.checksum is not None and not message.verify_checksum():
            self.ip.sim.tracer.drop(self.ip.node.name, "icmp", Drop.BAD_CHECKSUM, packet)
            return
        kind = message.type
        if kind == ECHO_REQUEST:
            if packet.dst in self.ip.local:
                self.ip.send(packet.src, PROTO_ICMP, IcmpEcho.reply_to(message), src=packet.dst)
        elif kind == ECHO_REPLY:
            socket = self.echo_sockets.get(message.ident)
            if socket is not None:
                socket.on_echo_reply(packet, message)
        elif kind in ERROR_TYPES:
            self._deliver_error(packet.src, message)

    def _deliver_error(self, reporter, message) -> None:
        try:
            quoted = message.quoted()
        except DecodeError:
            self.ip.sim.tracer.drop(self.ip.node.name, "icmp", Drop.BAD_QUOTE, message)
            return
        if (message.type == DEST_UNREACHABLE and message.code == FRAGMENTATION_NEEDED
                and quoted.src in self.ip.local and quoted.protocol != PROTO_TCP):
            # TCP updates the cache itself, once a connection owns the quoted segment
            # (RFC 5927 §4.1, as Linux tcp_v4_err)
            self.ip.pmtu.update(quoted.dst, message.next_hop_mtu, quoted.total_len)
        if quoted.protocol == PROTO_ICMP:
            socket = self.echo_sockets.get(quoted.ident)
            if socket is not None:
                socket.on_error(reporter, message, quoted)
            return
        handler = self.error_handlers.get(quoted.protocol)
        if handler is not None:
            handler(reporter, message, quoted)

    def send_error(self, offending, kind: int, code: int, next_hop_mtu: int = 0) -> None:
        """Report ``offending`` to its source with an ICMP error, if RFC 1122 allows
        and the rate limiter lets it go (errors to this node itself, over loopback, are
        not limited, as in Linux)."""
        if not self._may_report(offending):
            return
        src = offending.src
        if src not in self.ip.local and not self.ratelimit.allow(src, kind, code):
            self.ip.sim.tracer.drop(self.ip.node.name, "icmp", Drop.ICMP_RATELIMIT, offending,
                                    type=kind, code=code)
            return
        if kind == TIME_EXCEEDED:
            message = IcmpTimeExceeded(code, offending.quote())
        else:
            message = IcmpDestUnreachable(code, offending.quote(), next_hop_mtu=next_hop_mtu)
        self.ip.send(offending.src, PROTO_ICMP, message)

    def _may_report(self, packet) -> bool:
        """RFC 1122 §3.2.2: the datagrams an ICMP error must never be about."""
        if packet.frag_offset or self.ip.rx_link_group:
            return False
        if packet.dst in self.ip.broadcasts or packet.dst.is_multicast:
            return False
        src = packet.src
        if src.is_multicast or src.is_unspecified or src in self.ip.broadcasts:
            return False
        if packet.protocol == PROTO_ICMP:
            payload = packet.payload
            kind = (payload[0] if payload else None) if isinstance(payload, bytes) else payload.type
            return kind in QUERY_TYPES
        return True

    def resolution_failed(self, packet) -> None:
        if packet.src not in self.ip.local:
            self.send_error(packet, DEST_UNREACHABLE, HOST_UNREACHABLE)
        elif self._may_report(packet):
            self._deliver_error(packet.src, IcmpDestUnreachable(HOST_UNREACHABLE, packet.quote()))
