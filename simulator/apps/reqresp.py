"""Request/response over one TCP connection, as netperf's TCP_RR: the client sends
``requests`` requests of ``request`` bytes, each answered by ``response`` bytes; the
next request goes ``interval`` after the answer. It reports the latency of each
transaction (first request byte written → last response byte read) and the rate.

A request starts with its own length and the response length wanted (two 32-bit
big-endian numbers), so the server needs only a port.
"""

import struct

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import TcpServer, server_error, set_options, tcp_summary
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import SECOND, first_last, rtt_line, rtt_stats
from simulator.apps.sockopts import SocketOptions, options
from simulator.apps.tcp_echo import read_exactly
from simulator.apps.lifecycle import Stoppable, process, spawn
from simulator.spec.values import S, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import SocketError

HEADER = struct.Struct("!II")


class ReqRespServer(TcpServer):
    kind = "reqresp_server"

    def __init__(self, host, port: int = 8000, options: dict | None = None,
                 name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.options = options or {}
        self.name = name or self.kind
        self.served = self.bytes_in = self.bytes_out = 0
        self.sock = self.error = None

    def connected(self, sock, _peer) -> None:
        self.sock = sock
        spawn(self, self._serve(sock))

    def _serve(self, sock):
        try:
            while True:
                head = yield from read_exactly(sock, HEADER.size)
                if len(head) < HEADER.size:
                    break
                length, answer = HEADER.unpack(head)
                rest = yield from read_exactly(sock, length - HEADER.size)
                if len(rest) < length - HEADER.size:
                    break
                self.bytes_in += length
                yield sock.sendall(bytes(answer))
                self.bytes_out += answer
                self.served += 1
        except SocketError:
            pass
        sock.close()

    def result(self) -> dict:
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "received": self.served, "bytes_received": self.bytes_in,
                "connected": self.sock is not None, **tcp_summary(self.sock),
                "output": [f"served {self.served} requests: {self.bytes_in} bytes in, "
                           f"{self.bytes_out} bytes out"],
                **server_error(self.kind, self.port, self.error)}


class ReqResp(Stoppable):
    kind = "reqresp"

    def __init__(self, host, dst, port: int = 8000, requests: int = 10, request: int = 100,
                 response: int = 1000, interval_ns: int = 0, timeout_ns: int = 10 * SECOND,
                 options: dict | None = None, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port = dst, port
        self.requests, self.request, self.response = requests, request, response
        self.interval_ns, self.timeout_ns = interval_ns, timeout_ns
        self.options = options or {}
        self.name = name or self.kind
        self.sock = None
        self.connected_ns = self.done_ns = None
        self.latencies: list[int] = []
        self.received = 0
        self.error = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        env = self.sim.env
        self.sock = self.host.socket("tcp")
        set_options(self.sock, self.options)
        message = HEADER.pack(self.request, self.response) + bytes(self.request - HEADER.size)
        try:
            yield self.sock.connect((self.dst, self.port))
            self.connected_ns = env.now
            for i in range(self.requests):
                start = env.now
                yield self.sock.sendall(message)
                reader = spawn(self, read_exactly(self.sock, self.response))
                yield reader | env.timeout(self.timeout_ns)
                if not reader.triggered or len(reader.value) < self.response:
                    self.error = "timeout" if not reader.triggered else "connection closed"
                    break
                self.received += len(reader.value)
                self.latencies.append(env.now - start)
                if i + 1 < self.requests and self.interval_ns:
                    yield env.timeout(self.interval_ns)
        except SocketError as error:
            self.error = str(error)
        self.release()

    def release(self) -> None:
        self.done_ns = self.sim.now
        if self.sock is not None:
            self.sock.close()

    def result(self) -> dict:
        stats = rtt_stats(self.latencies)
        done = len(self.latencies)
        lines = [f"REQUEST/RESPONSE {self.dst}:{self.port}: {self.requests} x "
                 f"({self.request} B request, {self.response} B response)"]
        lines += first_last([f"transaction {i}: {ns / 1e6:.3f} ms"
                             for i, ns in enumerate(self.latencies, 1)])
        if self.error:
            lines.append(f"reqresp: {self.error}")
        span = (self.done_ns or self.sim.now) - self.connected_ns if self.connected_ns else 0
        rate = done * SECOND / span if span else 0.0
        lines.append(f"{done} of {self.requests} transactions in {span / 1e6:.3f} ms "
                     f"({rate:.2f} transactions/s)")
        if stats:
            lines.append(rtt_line(stats).replace("rtt", "latency", 1))
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "connected": self.connected_ns is not None, "received": done,
                "bytes_received": self.received,
                "loss": (self.requests - done) / self.requests,
                "errors": int(self.error is not None), "transactions_per_s": rate, **stats,
                **tcp_summary(self.sock), "output": lines}


class ReqRespSpec(SocketOptions, AppSpec):
    """netperf TCP_RR: one connection, ``requests`` requests of ``request`` bytes, each
    answered by ``response`` bytes; the next request goes ``interval`` after the answer."""

    dst: IPv4Addr = Field(description="the server")
    port: Int = Field(8000, ge=1, le=65535, description="the server's port")
    requests: Int = Field(10, ge=1, description="transactions")
    request: Bytes = Field(100, ge=8, le=64 << 20, description=(
        "bytes per request (the first 8 carry both sizes)"))
    response: Bytes = Field(1000, ge=1, le=64 << 20, description="bytes per response")
    interval: Nanoseconds = Field(0, ge=0, description="think time between transactions")
    timeout: Nanoseconds = Field(10 * S, gt=0, description="how long to wait for one response")


class ReqRespServerSpec(SocketOptions, AppSpec):
    """netperf's TCP_RR server: answer each request with the response length it asks."""

    port: Int = Field(8000, ge=1, le=65535, description="port to listen on")


def build_client(node, spec: ReqRespSpec, name: str) -> ReqResp:
    return ReqResp(node, spec.dst, spec.port, requests=spec.requests, request=spec.request,
                   response=spec.response, interval_ns=spec.interval, timeout_ns=spec.timeout,
                   options=options(spec), name=name)


def build_server(node, spec: ReqRespServerSpec, name: str) -> ReqRespServer:
    return ReqRespServer(node, spec.port, options=options(spec), name=name)


REQRESP = AppKind("reqresp", ReqRespSpec, build_client,
                  (*checks.LOSSES, *checks.RECEIVES, *checks.RTTS, *checks.BASIC, *checks.TCP,
                   *checks.BYTES, *checks.RETRANSMITTED))
REQRESP_SERVER = AppKind("reqresp_server", ReqRespServerSpec, build_server,
                         (*checks.RECEIVES, *checks.BASIC, *checks.TCP, *checks.BYTES,
                          *checks.RETRANSMITTED), Role.TCP_SERVER)
