"""UDP traffic: a sender of fixed-size datagrams and a sink that checks them.

``size`` is the payload (UDP adds 8 bytes of header, IPv4 20), as in every app.
The sender fills each payload with the counting pattern 0, 1, 2, ... (mod
256), so the sink can tell a datagram that arrived intact (after
fragmentation and reassembly, say) from one that did not.

Both report as iperf does: totals, the first and last few per-datagram lines
(kept in flat memory: per-packet detail is the trace's), and for the sink a
per-interval table when ``interval_ns`` is given.
"""

from functools import lru_cache

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import server_error
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.lifecycle import Stoppable, process
from simulator.apps.report import FirstLast, Intervals, fmt_bytes, fmt_rate, interval, rate_bps
from simulator.spec.values import S, Bool, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import SocketError

SECOND = 1_000_000_000
_COUNTING = bytes(range(256))


@lru_cache(maxsize=64)
def pattern(size: int) -> bytes:
    """0, 1, 2, ... 255, 0, 1, ... : ``size`` bytes of the counting pattern."""
    return (_COUNTING * (size // 256 + 1))[:size]


class UdpSend(Stoppable):
    kind = "udp_send"

    def __init__(self, host, dst, port: int, size: int = 512, count: int = 1,
                 interval_ns: int = SECOND, df: bool = False, ttl: int | None = None,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.size, self.count = dst, port, size, count
        self.interval_ns, self.df, self.ttl = interval_ns, df, ttl
        self.name = name or self.kind
        self.sent = 0
        self.errors = 0
        self.started_ns = self.last_ns = None
        self.lines = FirstLast(self._line)
        self.socket = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        socket = self.socket = self.host.udp.bind(0)
        data = pattern(self.size)
        env, add = self.sim.env, self.lines.add
        dst, port, ttl, df = self.dst, self.port, self.ttl, self.df
        self.started_ns = env.now
        for i in range(self.count):
            error = socket.sendto(data, dst, port, ttl, df)
            self.sent += 1
            self.last_ns = env.now
            if error:
                self.errors += 1
            add(error)
            if i + 1 < self.count:
                yield env.timeout(self.interval_ns)

    def release(self) -> None:
        if self.socket is not None:
            self.socket.close()
            self.socket = None

    def _line(self, error) -> str:
        return (f"sent {self.size} bytes of UDP payload to {self.dst}:{self.port}"
                + (f" ({error})" if error else ""))

    def result(self) -> dict:
        lines = self.lines.lines()
        if self.sent > 1:
            span = self.last_ns - self.started_ns
            lines.append(f"sent {self.sent} datagrams, {fmt_bytes(self.sent * self.size)} in "
                         f"{span / SECOND:.3f} s ({self.errors} errors)")
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "sent": self.sent, "errors": self.errors, "output": lines}


class UdpServer(Stoppable):
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

    def release(self) -> None:
        """Close the socket: datagrams to the port from now on get ICMP port
        unreachable (RFC 1122 §4.1.3.1)."""
        socket = getattr(self, "socket", None)
        if socket is not None:
            socket.close()
            self.socket = None


class UdpSink(UdpServer):
    kind = "udp_sink"

    def __init__(self, host, port: int, interval_ns: int | None = None,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.port = port
        self.name = name or self.kind
        self.received = self.intact = self.bytes = 0
        self.first_ns = self.last_ns = None
        self.lines = FirstLast(_received_line)
        self.table = Intervals(self, interval_ns, self._sample) if interval_ns else None
        self.error = None

    def _sample(self):
        return self.bytes, self.received

    def on_datagram(self, packet, datagram) -> None:
        payload = datagram.payload
        size = len(payload)
        now = self.sim.env.now
        if self.first_ns is None:
            self.first_ns = now
            if self.table is not None:
                self.table.start()
        self.last_ns = now
        self.received += 1
        self.bytes += size
        whole = payload == pattern(size)
        self.intact += whole
        self.lines.add(now, size, packet.src, datagram.src_port, whole)

    def result(self) -> dict:
        lines = self.lines.lines()
        if self.table is not None:
            self.table.finish()
            lines.append("[ ID] Interval           Transfer     Bitrate         Datagrams")
            prev = 0
            for start, end, delta, got in self.table.rows:
                lines.append(f"[  1] {interval(start, end, self.table.origin)}  "
                             f"{fmt_bytes(delta):>11}  {fmt_rate(rate_bps(delta, end - start)):>14}"
                             f"  {got - prev:>9}")
                prev = got
        if self.received > 1:
            span = self.last_ns - self.first_ns
            lines.append(f"received {self.received} datagrams ({self.received - self.intact} "
                         f"damaged), {fmt_bytes(self.bytes)} in {span / SECOND:.3f} s, "
                         f"{fmt_rate(rate_bps(self.bytes, span))}")
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "received": self.received, "intact": self.intact, "bytes": self.bytes,
                "bytes_received": self.bytes, "output": lines,
                **server_error(self.kind, self.port, self.error)}



def _received_line(now: int, size: int, src, src_port: int, whole: bool) -> str:
    return (f"{now / 1e9:.9f} s: {size} bytes of UDP from {src}:{src_port}"
            f"{'' if whole else ' (damaged)'}")


MAX_UDP_PAYLOAD = 65507            # 65535 − 20 (IPv4) − 8 (UDP)


class UdpSendSpec(AppSpec):
    """Send ``count`` UDP datagrams filled with the counting pattern."""

    dst: IPv4Addr = Field(description="destination")
    port: Int = Field(ge=1, le=65535, description="destination port")
    size: Bytes = Field(512, ge=0, le=MAX_UDP_PAYLOAD, description=(
        "payload bytes; the UDP datagram is `size` + 8, the IP packet `size` + 28"))
    count: Int = Field(1, ge=1, description="datagrams to send")
    interval: Nanoseconds = Field(1 * S, gt=0, description="between datagrams")
    df: Bool = Field(False, description="set Don't Fragment")
    ttl: Int | None = Field(None, ge=1, le=255, description=(
        "TTL of the datagrams (none: the node's default, 64)"))


class UdpSinkSpec(AppSpec):
    """Listen on a UDP port and count the datagrams, intact or damaged."""

    port: Int = Field(ge=1, le=65535, description="port to listen on")
    interval: Nanoseconds | None = Field(None, gt=0, description=(
        "report interval: a per-interval table (transfer, bitrate, datagrams) from the first "
        "datagram"))


def build_send(node, spec: UdpSendSpec, name: str) -> UdpSend:
    return UdpSend(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, df=spec.df, ttl=spec.ttl, name=name)


def build_sink(node, spec: UdpSinkSpec, name: str) -> UdpSink:
    return UdpSink(node, spec.port, interval_ns=spec.interval, name=name)


UDP_SEND = AppKind("udp_send", UdpSendSpec, build_send, checks.BASIC, Role.UDP_CLIENT)
UDP_SINK = AppKind("udp_sink", UdpSinkSpec, build_sink,
                   (*checks.RECEIVES, checks.ERRORS, checks.INTACT, checks.OUTPUT_CONTAINS,
                    *checks.BYTES), Role.UDP_SERVER)
