"""ICMP on a node (RFC 792, RFC 1122 §3.2.2).

- Answers echo requests to its unicast addresses (broadcast pings are
  ignored, as Linux does by default: icmp_echo_ignore_broadcasts=1).
- Hands echo replies to the echo socket bound to their identifier.
- Feeds "fragmentation needed" into the path MTU cache (RFC 1191; for TCP
  the TCP layer does, after checking the quoted segment), then
  hands errors (destination unreachable, time exceeded) to the socket that
  sent the quoted datagram: echo sockets by identifier, other protocols
  through ``error_handlers``.
- Builds errors for others, never about an ICMP error, a broadcast or
  multicast datagram, a non-initial fragment, or a source that is not a
  single host (RFC 1122 §3.2.2).
- A datagram that could not be delivered because ARP gave up gets a Host
  Unreachable: sent to a remote source, or handed to the local socket when
  this node sent it (as Linux reports it from the node's own address).
"""

from typing import Callable

from simulator.wire.errors import DecodeError
from simulator.wire.icmp import (DEST_UNREACHABLE, ECHO_REPLY, ECHO_REQUEST,
                                 FRAGMENTATION_NEEDED, HOST_UNREACHABLE, TIME_EXCEEDED,
                                 IcmpDestUnreachable, IcmpEcho, IcmpTimeExceeded)
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP

ERROR_TYPES = (DEST_UNREACHABLE, TIME_EXCEEDED)


class Icmp:
    def __init__(self, ip):
        self.ip = ip
        ip.protocols[PROTO_ICMP] = self.receive
        ip.icmp = self
        self.echo_sockets: dict[int, object] = {}            # identifier → socket
        self.error_handlers: dict[int, Callable] = {}         # protocol → handler(reporter, msg, quoted)
        self._next_ident = 0

    def bind_echo(self, socket) -> int:
        """Bind an echo socket (ping) to a fresh identifier and return it."""
        self._next_ident += 1
        self.echo_sockets[self._next_ident] = socket
        return self._next_ident

    def receive(self, packet, iface) -> None:
        message = packet.payload
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
            self.ip.sim.tracer.drop(self.ip.node.name, "icmp", "BAD_QUOTE", info=message.info())
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
        """Report ``offending`` to its source with an ICMP error, if RFC 1122 allows."""
        if not self._may_report(offending):
            return
        if kind == TIME_EXCEEDED:
            message = IcmpTimeExceeded(code, offending.quote())
        else:
            message = IcmpDestUnreachable(code, offending.quote(), next_hop_mtu=next_hop_mtu)
        self.ip.send(offending.src, PROTO_ICMP, message)

    def _may_report(self, packet) -> bool:
        if packet.frag_offset:
            return False
        if packet.dst in self.ip.broadcasts or packet.dst.is_multicast:
            return False
        src = packet.src
        if src.is_multicast or src.is_unspecified or src in self.ip.broadcasts:
            return False
        if packet.protocol == PROTO_ICMP and not isinstance(packet.payload, bytes):
            return packet.payload.type not in ERROR_TYPES
        return True

    def resolution_failed(self, packet) -> None:
        if packet.src not in self.ip.local:
            self.send_error(packet, DEST_UNREACHABLE, HOST_UNREACHABLE)
        elif self._may_report(packet):
            self._deliver_error(packet.src, IcmpDestUnreachable(HOST_UNREACHABLE, packet.quote()))
