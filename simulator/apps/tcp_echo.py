"""TCP echo (RFC 862): the server sends back every byte it reads; the client
connects, then ``count`` times writes ``size`` bytes and waits for all of them to
come back, measuring each round trip (first byte written → last byte read back).
"""

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import TcpServer, server_error, set_options, tcp_summary
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import SECOND, first_last, rtt_line, rtt_stats
from simulator.apps.sockopts import SocketOptions, options
from simulator.apps.udp_echo import echo_payload
from simulator.apps.lifecycle import Stoppable, process, spawn
from simulator.spec.values import S, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import SocketError


def read_exactly(sock, n: int):
    """A process step: read until ``n`` bytes came (value: the bytes; fewer at EOF)."""
    got = bytearray()
    while len(got) < n:
        data = yield sock.recv(n - len(got))
        if not data:
            break
        got += data
    return bytes(got)


class TcpEchoServer(TcpServer):
    kind = "tcp_echo_server"

    def __init__(self, host, port: int = 7, options: dict | None = None, name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.options = options or {}
        self.name = name or self.kind
        self.echoed = self.connections = 0
        self.sock = self.error = None

    def connected(self, sock, _peer) -> None:
        self.sock = sock
        self.connections += 1
        spawn(self, self._echo(sock))

    def _echo(self, sock):
        try:
            while True:
                data = yield sock.recv(65536)
                if not data:
                    break
                yield sock.sendall(data)
                self.echoed += len(data)
        except SocketError:
            pass
        sock.close()

    def result(self) -> dict:
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "connected": self.connections > 0, "bytes_received": self.echoed,
                **tcp_summary(self.sock),
                "output": [f"{self.connections} connections, {self.echoed} bytes echoed "
                           f"on port {self.port}"],
                **server_error(self.kind, self.port, self.error)}


class TcpEcho(Stoppable):
    kind = "tcp_echo"

    def __init__(self, host, dst, port: int = 7, size: int = 56, count: int = 4,
                 interval_ns: int = SECOND, timeout_ns: int = 10 * SECOND,
                 options: dict | None = None, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.size, self.count = dst, port, size, count
        self.interval_ns, self.timeout_ns = interval_ns, timeout_ns
        self.options = options or {}
        self.name = name or self.kind
        self.sock = None
        self.connected = False
        self.rtts: list[int] = []
        self.damaged = 0
        self.error = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        env = self.sim.env
        self.sock = self.host.socket("tcp")
        set_options(self.sock, self.options)
        try:
            yield self.sock.connect((self.dst, self.port))
            self.connected = True
            for seq in range(1, self.count + 1):
                data, sent = echo_payload(seq, self.size), env.now
                yield self.sock.sendall(data)
                reader = spawn(self, read_exactly(self.sock, self.size))
                yield reader | env.timeout(self.timeout_ns)
                if not reader.triggered:
                    self.error = "timeout"
                    break
                if reader.value != data:
                    self.damaged += 1
                    break
                self.rtts.append(env.now - sent)
                if seq < self.count:
                    yield env.timeout(self.interval_ns)
        except SocketError as error:
            self.error = str(error)
        self.release()

    def release(self) -> None:
        if self.sock is not None:
            self.sock.close()

    def result(self) -> dict:
        stats = rtt_stats(self.rtts)
        lines = [f"TCP ECHO {self.dst}:{self.port}: {self.size} bytes of data"]
        lines += first_last([f"{self.size} bytes from {self.dst}:{self.port}: seq={i} "
                             f"time={rtt / 1e6:.3f} ms" for i, rtt in enumerate(self.rtts, 1)])
        if self.error:
            lines.append(f"tcp_echo: {self.error}")
        lines.append(f"{self.count} messages, {len(self.rtts)} echoed"
                     + (f", {self.damaged} damaged" if self.damaged else ""))
        if stats:
            lines.append(rtt_line(stats))
        sent = self.count
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "connected": self.connected, "received": len(self.rtts),
                "loss": (sent - len(self.rtts)) / sent, "damaged": self.damaged,
                "errors": int(self.error is not None), **stats, **tcp_summary(self.sock),
                "output": lines}


class TcpEchoSpec(SocketOptions, AppSpec):
    """Connect, then ``count`` times: send ``size`` bytes, wait for them to come back."""

    dst: IPv4Addr = Field(description="the server")
    port: Int = Field(7, ge=1, le=65535, description="the server's port")
    size: Bytes = Field(56, ge=1, le=16 << 20, description="bytes per message")
    count: Int = Field(4, ge=1, description="messages")
    interval: Nanoseconds = Field(1 * S, ge=0, description="between an echo and the next message")
    timeout: Nanoseconds = Field(10 * S, gt=0, description="how long to wait for one echo")


class TcpEchoServerSpec(SocketOptions, AppSpec):
    """Send back whatever a TCP connection brings (RFC 862)."""

    port: Int = Field(7, ge=1, le=65535, description="port to listen on")


def build_client(node, spec: TcpEchoSpec, name: str) -> TcpEcho:
    return TcpEcho(node, spec.dst, spec.port, size=spec.size, count=spec.count,
                   interval_ns=spec.interval, timeout_ns=spec.timeout, options=options(spec),
                   name=name)


def build_server(node, spec: TcpEchoServerSpec, name: str) -> TcpEchoServer:
    return TcpEchoServer(node, spec.port, options=options(spec), name=name)


TCP_ECHO = AppKind("tcp_echo", TcpEchoSpec, build_client,
                   (*checks.LOSSES, *checks.RECEIVES, *checks.RTTS, *checks.BASIC, *checks.TCP,
                    *checks.RETRANSMITTED))
TCP_ECHO_SERVER = AppKind("tcp_echo_server", TcpEchoServerSpec, build_server,
                          (*checks.BASIC, *checks.TCP, *checks.BYTES, *checks.RETRANSMITTED),
                          Role.TCP_SERVER)
