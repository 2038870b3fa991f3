"""UDP traffic: a sender of fixed-size datagrams and a sink that checks them.

``size`` is the payload (UDP adds 8 bytes of header, IPv4 20), as in every app.
The sender fills each payload with the counting pattern 0, 1, 2, ... (mod
256), so the sink can tell a datagram that arrived intact (after
fragmentation and reassembly, say) from one that did not.
"""

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import server_error
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import first_last
from simulator.apps.lifecycle import ended, process
from simulator.spec.values import S, Bool, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import SocketError

SECOND = 1_000_000_000


def pattern(size: int) -> bytes:
    return bytes(i & 0xFF for i in range(size))


class UdpSend:
    kind = "udp_send"

    def __init__(self, host, dst, port: int, size: int = 512, count: int = 1,
                 interval_ns: int = SECOND, df: bool = False, ttl: int | None = None,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.size, self.count = dst, port, size, count
        self.interval_ns, self.df, self.ttl = interval_ns, df, ttl
        self.name = name or self.kind
        self.sent = 0
        self.errors: list[str] = []
        self.lines: list[str] = []

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        socket = self.host.udp.bind(0)
        data = pattern(self.size)
        for i in range(self.count):
            error = socket.sendto(data, self.dst, self.port, ttl=self.ttl, df=self.df)
            self.sent += 1
            if error:
                self.errors.append(str(error))
            self.lines.append(f"sent {self.size} bytes of UDP payload to {self.dst}:{self.port}"
                              + (f" ({error})" if error else ""))
            if i + 1 < self.count:
                yield self.sim.env.timeout(self.interval_ns)

    def result(self) -> dict:
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "sent": self.sent, "errors": len(self.errors), "output": first_last(self.lines)}


class UdpServer:
    """Base of the UDP server apps: at start, bind ``self.port`` and hand every
    datagram to ``on_datagram(packet, datagram)``. A port already taken is the app's
    result (``error``, EADDRINUSE), not a crash."""

    def start(self) -> None:
        try:
            self.socket = self.host.udp.bind(self.port)
        except SocketError as error:
            self.error = error.errno
            return
        self.socket.on_datagram = self.on_datagram

    def stop(self) -> None:
        """Close the socket: datagrams to the port from now on get ICMP port
        unreachable (RFC 1122 §4.1.3.1)."""
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
            self.socket = None
        ended(self)


class UdpSink(UdpServer):
    kind = "udp_sink"

    def __init__(self, host, port: int, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.port = port
        self.name = name or self.kind
        self.received = self.intact = self.bytes = 0
        self.lines: list[str] = []
        self.error = None

    def on_datagram(self, packet, datagram) -> None:
        self.received += 1
        self.bytes += len(datagram.payload)
        whole = datagram.payload == pattern(len(datagram.payload))
        self.intact += whole
        self.lines.append(f"{self.sim.now / 1e9:.9f} s: {len(datagram.payload)} bytes of UDP from "
                          f"{packet.src}:{datagram.src_port}{'' if whole else ' (damaged)'}")

    def result(self) -> dict:
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "received": self.received, "intact": self.intact, "bytes": self.bytes,
                "bytes_received": self.bytes, "output": first_last(self.lines),
                **server_error(self.kind, self.port, self.error)}

MAX_UDP_PAYLOAD = 65507            # 65535 − 20 (IPv4) − 8 (UDP)


class UdpSendSpec(AppSpec):
    dst: IPv4Addr
    port: Int = Field(ge=1, le=65535)
    size: Bytes = Field(512, ge=0, le=MAX_UDP_PAYLOAD)   # payload bytes (UDP adds 8, IPv4 20)
    count: Int = Field(1, ge=1)
    interval: Nanoseconds = Field(1 * S, gt=0)
    df: Bool = False
    ttl: Int | None = Field(None, ge=1, le=255)


class UdpSinkSpec(AppSpec):
    port: Int = Field(ge=1, le=65535)


def build_send(node, spec: UdpSendSpec, name: str) -> UdpSend:
    return UdpSend(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, df=spec.df, ttl=spec.ttl, name=name)


def build_sink(node, spec: UdpSinkSpec, name: str) -> UdpSink:
    return UdpSink(node, spec.port, name=name)


UDP_SEND = AppKind("udp_send", UdpSendSpec, build_send, checks.BASIC, Role.UDP_CLIENT)
UDP_SINK = AppKind("udp_sink", UdpSinkSpec, build_sink,
                   (*checks.RECEIVES, checks.ERRORS, checks.INTACT, checks.OUTPUT_CONTAINS,
                    *checks.BYTES), Role.UDP_SERVER, stops=True)
