"""UDP echo (RFC 862), as ns-3's UdpEchoClient and UdpEchoServer (``first.cc``): the
client sends ``count`` datagrams of ``size`` payload bytes, one per ``interval``; the
server sends each back to where it came from. The client measures each round trip.

The payload starts with the 4-byte sequence number (big-endian), then the counting
pattern 0, 1, 2, ...; a reply that is not an exact copy is counted as damaged.
"""

import struct

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import server_error
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import first_last, rtt_line, rtt_stats
from simulator.apps.udp import MAX_UDP_PAYLOAD, UdpServer
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, Bytes, Int, IPv4Addr, Nanoseconds

SECOND = 1_000_000_000


COUNTING = bytes(range(256))


def echo_payload(seq: int, size: int) -> bytes:
    """The sequence number, then the counting pattern up to ``size`` bytes."""
    return struct.pack("!I", seq) + (COUNTING * (size // 256 + 1))[4:size]


class UdpEchoServer(UdpServer):
    kind = "udp_echo_server"

    def __init__(self, host, port: int = 7, name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.name = name or self.kind
        self.echoed = self.bytes = 0
        self.error = None

    def on_datagram(self, packet, datagram) -> None:
        self.echoed += 1
        self.bytes += len(datagram.payload)
        self.socket.sendto(datagram.payload, packet.src, datagram.src_port)

    def result(self) -> dict:
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "received": self.echoed, "bytes_received": self.bytes,
                "output": [f"echoed {self.echoed} datagrams ({self.bytes} bytes) on port {self.port}"],
                **server_error(self.kind, self.port, self.error)}


class UdpEcho(Stoppable):
    kind = "udp_echo"

    def __init__(self, host, dst, port: int = 7, size: int = 56, count: int = 4,
                 interval_ns: int = SECOND, timeout_ns: int = 10 * SECOND,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.size, self.count = dst, port, size, count
        self.interval_ns, self.timeout_ns = interval_ns, timeout_ns
        self.name = name or self.kind
        self.sent: dict[int, int] = {}      # seq → send time
        self.rtts: dict[int, int] = {}      # seq → round trip
        self.damaged = self.duplicates = self.errors = 0
        self.lines: list[str] = []
        self.done = False

    def start(self) -> None:
        self.socket = self.host.udp.bind(0)
        self.socket.on_datagram = self.on_datagram
        process(self, self._run())

    def _run(self):
        for seq in range(1, self.count + 1):
            self.sent[seq] = self.sim.now
            error = self.socket.sendto(echo_payload(seq, self.size), self.dst, self.port)
            if error is not None:
                self.errors += 1
                self.lines.append(f"udp_echo: seq={seq}: {error}")
            if seq < self.count:
                yield self.sim.env.timeout(self.interval_ns)
        yield self.sim.env.timeout(self.timeout_ns)
        self.done = True

    def release(self) -> None:
        """Send no more; a reply arriving later is not counted (the socket is closed)."""
        self.done = True
        if getattr(self, "socket", None) is not None:
            self.socket.close()

    def on_datagram(self, packet, datagram) -> None:
        data = datagram.payload
        seq = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else None
        if self.done or seq not in self.sent:
            return
        if data != echo_payload(seq, self.size):
            self.damaged += 1
            return
        if seq in self.rtts:
            self.duplicates += 1
            return
        self.rtts[seq] = self.sim.now - self.sent[seq]

    def result(self) -> dict:
        sent, got = len(self.sent), len(self.rtts)
        replies = [f"{self.size} bytes from {self.dst}:{self.port}: seq={seq} "
                   f"time={rtt / 1e6:.3f} ms" for seq, rtt in sorted(self.rtts.items())]
        stats = rtt_stats(list(self.rtts.values()))
        extra = "".join(f", {n} {what}" for n, what in ((self.duplicates, "duplicates"),
                                                       (self.damaged, "damaged"),
                                                       (self.errors, "errors")) if n)
        lines = [f"UDP ECHO {self.dst}:{self.port}: {self.size} bytes of data"]
        lines += self.lines + first_last(replies)
        lines.append(f"{sent} datagrams sent, {got} echoed{extra}, "
                     f"{(sent - got) * 100 / sent if sent else 0:g}% loss")
        if stats:
            lines.append(rtt_line(stats))
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "transmitted": sent, "received": got, "duplicates": self.duplicates,
                "damaged": self.damaged, "errors": self.errors,
                "loss": (sent - got) / sent if sent else 0.0, **stats, "output": lines}


class UdpEchoSpec(AppSpec):
    """ns-3's UdpEchoClient: ``count`` datagrams of ``size`` bytes, each echoed back."""

    dst: IPv4Addr = Field(description="the server")
    port: Int = Field(7, ge=1, le=65535, description="the server's port")
    size: Bytes = Field(56, ge=4, le=MAX_UDP_PAYLOAD, description=(
        "payload bytes (the first 4 carry the sequence number)"))
    count: Int = Field(4, ge=1, description="datagrams")
    interval: Nanoseconds = Field(1 * S, gt=0, description="between datagrams")
    timeout: Nanoseconds = Field(10 * S, gt=0, description=(
        "how long after the last one replies are counted"))


class UdpEchoServerSpec(AppSpec):
    """ns-3's UdpEchoServer: each datagram back to where it came from."""

    port: Int = Field(7, ge=1, le=65535, description="port to listen on")


def build_client(node, spec: UdpEchoSpec, name: str) -> UdpEcho:
    return UdpEcho(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, timeout_ns=spec.timeout, name=name)


def build_server(node, spec: UdpEchoServerSpec, name: str) -> UdpEchoServer:
    return UdpEchoServer(node, spec.port, name=name)


UDP_ECHO = AppKind("udp_echo", UdpEchoSpec, build_client,
                   (*checks.LOSSES, *checks.RECEIVES, *checks.RTTS, *checks.BASIC),
                   Role.UDP_CLIENT)
UDP_ECHO_SERVER = AppKind("udp_echo_server", UdpEchoServerSpec, build_server,
                          (*checks.RECEIVES, *checks.BASIC, *checks.BYTES), Role.UDP_SERVER)
