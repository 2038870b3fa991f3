"""UDP (RFC 768) on a node: port demux to bound ports.

A datagram to a port nobody listens on gets an ICMP Port Unreachable (RFC
1122 §4.1.3.1), unless it was sent to a broadcast or multicast address: that one is
dropped as ``IGNORED_MULTI`` in silence (§3.2.2). ICMP errors about datagrams a port sent reach that port.
A datagram decoded from bytes with a non-zero checksum is verified (RFC 768,
RFC 1122 §4.1.3.4; zero means none was sent) and dropped as ``BAD_CHECKSUM``.
A ``UdpPort`` is the callback-level endpoint; the BSD-style ``UdpSocket``
of ``stack/udp_socket.py`` (``node.socket("udp")``) is built on one.
"""

from typing import Callable

from simulator.stack.errno import Errno, SendError, SocketError
from simulator.stack.hostpath import HostSendPath
from simulator.stack.ports import PortAllocator
from simulator.engine.drops import Drop
from simulator.wire.icmp import DEST_UNREACHABLE, PORT_UNREACHABLE
from simulator.wire.ipv4 import PROTO_UDP
from simulator.wire.udp import UdpDatagram


class UdpPort:
    """A bound UDP port. ``on_datagram(packet, datagram)`` and
    ``on_error(reporter, icmp_message, quoted)`` are set by the application."""

    def __init__(self, udp: "Udp", port: int):
        self.udp = udp
        self.port = port
        self.on_datagram: Callable | None = None
        self.on_error: Callable | None = None
        self.peer = None            # (ip, port) of a connected socket: the only sender it hears

    def sendto(self, data: bytes, dst, port: int, ttl: int | None = None, df: bool = False,
               src_port: int | None = None, src=None, dev=None,
               link_dst=None) -> SendError | None:
        """Send one datagram; a SendError (ENETUNREACH, EMSGSIZE...) if it could not leave.
        ``dev`` and ``link_dst`` as for ``IPv4.send`` (a DHCP client, server or relay)."""
        datagram = UdpDatagram(src_port or self.port, port, data)
        return self.udp.ip_send(dst, PROTO_UDP, datagram, ttl, df, src, dev, link_dst)

    def close(self) -> None:
        self.udp.sockets.pop(self.port, None)


class Udp:
    def __init__(self, ip, icmp):
        self.ip = ip
        self.icmp = icmp
        # IPv4.send, or the same with the common case fused (stack/hostpath.py)
        self.ip_send = HostSendPath(ip).send if ip.sim.fast_path else ip.send
        ip.protocols[PROTO_UDP] = self.receive
        icmp.error_handlers[PROTO_UDP] = self._error
        self.sockets: dict[int, UdpPort] = {}
        self._ephemeral = PortAllocator()

    def bind(self, port: int = 0) -> UdpPort:
        """The port ``port``, or a free ephemeral one when 0; SocketError
        EADDRINUSE if taken, EADDRNOTAVAIL when no ephemeral port is left."""
        if port == 0:
            port = self._ephemeral.allocate(lambda p: p not in self.sockets)
            if port is None:
                raise SocketError(Errno.EADDRNOTAVAIL)
        if port in self.sockets:
            raise SocketError(Errno.EADDRINUSE)
        socket = self.sockets[port] = UdpPort(self, port)
        return socket

    def receive(self, packet, iface) -> None:
        datagram = packet.payload
        if datagram.checksum and not datagram.verify_checksum(packet.src, packet.dst):
            self.ip.sim.tracer.drop(self.ip.node.name, "udp", Drop.BAD_CHECKSUM, packet)
            return
        socket = self.sockets.get(datagram.dst_port)
        if socket is None or socket.on_datagram is None or (
                socket.peer is not None and socket.peer != (packet.src, datagram.src_port)):
            self._no_port(packet)
            return
        socket.on_datagram(packet, datagram)

    def _no_port(self, packet) -> None:
        """Nobody hears the datagram. To a broadcast or multicast address it is only
        counted (Linux UdpIgnoredMulti), never answered (RFC 1122 §3.2.2, §4.1.3.1)."""
        if packet.dst.is_multicast or packet.dst in self.ip.broadcasts:
            self.ip.sim.tracer.drop(self.ip.node.name, "udp", Drop.IGNORED_MULTI, packet)
            return
        self.ip.sim.tracer.drop(self.ip.node.name, "udp", Drop.PORT_UNREACHABLE, packet)
        if packet.dst in self.ip.local:
            self.icmp.send_error(packet, DEST_UNREACHABLE, PORT_UNREACHABLE)

    def _error(self, reporter, message, quoted) -> None:
        socket = self.sockets.get(quoted.src_port)
        if socket is not None and socket.on_error is not None:
            socket.on_error(reporter, message, quoted)
