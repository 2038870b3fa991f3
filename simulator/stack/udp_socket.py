"""UDP sockets (RFC 768) for applications: ``node.socket("udp")``.

Built on the node's UDP ports (``stack/udp.py``) with the calls and
conventions of ``stack/sockets.py``: ``sendto`` returns at once, ``recvfrom``
returns a SimPy event, ``*_nowait`` raise EAGAIN. Connected sockets report
ICMP errors the way Linux does (docs/sockets.md).
"""

from collections import deque

from simulator.engine.drops import Drop
from simulator.stack.errno import Errno, SocketError
from simulator.stack.sockets import SocketBase, parse_address
from simulator.wire.addr import IPv4Address

# ICMP errors a connected UDP socket reports (Linux icmp_err_convert, the "fatal"
# ones: __udp4_lib_err ignores the others without IP_RECVERR), by (type, code).
_UDP_HARD_ERRORS = {(3, 2): Errno.ENOPROTOOPT, (3, 3): Errno.ECONNREFUSED,
                    (3, 6): Errno.ENETUNREACH, (3, 7): Errno.EHOSTDOWN,
                    (3, 9): Errno.ENETUNREACH, (3, 10): Errno.EHOSTUNREACH,
                    (3, 13): Errno.EHOSTUNREACH, (3, 14): Errno.EHOSTUNREACH,
                    (3, 15): Errno.EHOSTUNREACH}
UDP_RCVBUF = 212992                 # Linux net.core.rmem_default
MAX_PAYLOAD = 65535 - 20 - 8        # the largest datagram IPv4 can carry


class UdpSocket(SocketBase):
    """A UDP socket (RFC 768) on the node's UDP ports. Once ``connect()``-ed it
    sends to and receives from one peer only, and an ICMP Port Unreachable
    about what it sent fails its next call with ECONNREFUSED (Linux)."""

    def __init__(self, node):
        super().__init__(node)
        self.udp = node.udp
        self.port = None                            # the UdpPort, once bound
        self.bound_ip = 0
        self.peer: tuple[IPv4Address, int] | None = None
        self.rcvbuf = UDP_RCVBUF
        self._queue: deque = deque()                # (data, (ip, port))
        self._queued_bytes = 0
        self._readers: deque = deque()              # (event, n, with_address)

    def getsockname(self) -> tuple[IPv4Address, int]:
        return IPv4Address(self.bound_ip), self.port.port if self.port else 0

    def bind(self, address) -> None:
        if self.port is not None:
            raise SocketError(Errno.EINVAL)
        ip, port = parse_address(address)
        self.bound_ip = self._local_ip(ip)
        self.port = self.udp.bind(port)
        self.port.on_datagram = self._datagram
        self.port.on_error = self._icmp_error

    def connect(self, address) -> None:
        """Fix the peer (RFC 768 has no handshake: nothing is sent)."""
        ip, port = parse_address(address)
        if self.node.ip.routes.lookup(ip) is None and ip not in self.node.ip.local:
            raise SocketError(Errno.ENETUNREACH)
        if self.port is None:
            self.bind(("0.0.0.0", 0))
        self.peer = (ip, port)
        self.port.peer = self.peer

    def sendto(self, data: bytes, address, ttl: int | None = None, df: bool = False) -> int:
        """Send one datagram now; its length, or SocketError (a pending ICMP error
        first, then ENETUNREACH, EMSGSIZE with ``.mtu``...)."""
        error = self._take_error()
        if error is not None:
            raise SocketError(error)
        if len(data) > MAX_PAYLOAD:
            raise SocketError(Errno.EMSGSIZE)
        if self.port is None:
            self.bind(("0.0.0.0", 0))
        ip, port = parse_address(address)
        src = IPv4Address(self.bound_ip) if self.bound_ip else None
        refused = self.port.sendto(bytes(data), ip, port, ttl=ttl, df=df, src=src)
        if refused is not None:
            raise SocketError(refused.errno, refused.mtu)
        return len(data)

    def send(self, data: bytes, ttl: int | None = None, df: bool = False) -> int:
        if self.peer is None:
            raise SocketError(Errno.EDESTADDRREQ)
        return self.sendto(data, self.peer, ttl=ttl, df=df)

    def recvfrom(self, n: int = 65535):
        """An event whose value is ``(data, (ip, port))`` for the next datagram
        (truncated to ``n`` bytes, the rest discarded, as Linux does)."""
        return self._wait(n, True)

    def recv(self, n: int = 65535):
        return self._wait(n, False)

    def recvfrom_nowait(self, n: int = 65535):
        error = self._take_error()
        if error is not None:
            raise SocketError(error)
        if not self._queue:
            raise SocketError(Errno.EAGAIN)
        return self._pop(n)

    def _wait(self, n: int, with_address: bool):
        error = self._take_error()
        if error is not None:
            return self._failed(error)
        if self._queue and not self._readers:
            data, address = self._pop(n)
            return self._done((data, address) if with_address else data)
        event = self.env.event()
        self._readers.append((event, n, with_address))
        return event

    def _pop(self, n: int):
        data, address = self._queue.popleft()
        self._queued_bytes -= len(data)
        return data[:n], address

    def close(self) -> None:
        if self.port is not None:
            self.port.close()
            self.port = None
        self._readers.clear()
        self._queue.clear()

    # -- from the UDP layer -------------------------------------------------------------
    def _datagram(self, packet, datagram) -> None:
        if self.bound_ip and int(packet.dst) != self.bound_ip:
            return
        data = bytes(datagram.payload)
        address = (packet.src, datagram.src_port)
        if self._readers:
            event, n, with_address = self._readers.popleft()
            event.succeed((data[:n], address) if with_address else data[:n])
            return
        if self._queued_bytes + len(data) > self.rcvbuf:
            self.node.sim.tracer.drop(self.node.name, "udp", Drop.RCVBUF_FULL, info=packet.info())
            return
        self._queue.append((data, address))
        self._queued_bytes += len(data)
        self._callback("on_readable")

    def _icmp_error(self, reporter, message, quoted) -> None:
        errno = _UDP_HARD_ERRORS.get((message.type, message.code))
        if errno is None or self.peer is None or (quoted.dst, quoted.dst_port) != self.peer:
            return
        if self._readers:
            self._readers.popleft()[0].fail(SocketError(errno))
        else:
            self.error = errno
