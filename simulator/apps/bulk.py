"""Bulk transfer, as iperf3: ``bulk_send`` connects and writes as fast as TCP takes
the data (``bytes`` in all, or for ``duration``), then shuts its side down and waits
for the receiver to close; ``bulk_sink`` accepts connections and reads everything.
Both print iperf3's per-interval table and its summary line; the sink's goodput is
what reached the application: 8 × bytes read / (last byte read − connection accepted).

The sender's ``Transfer`` is the data *acknowledged* in each interval (SND.UNA's
advance; iperf3 counts writes, which run up to a send buffer ahead), with iperf3's
``Retr`` (segments retransmitted, from ``tcpi_total_retrans``) and ``Cwnd``
(``tcpi_snd_cwnd`` × ``tcpi_snd_mss``).
"""

from typing import ClassVar

from pydantic import Field, model_validator

from simulator.apps import checks
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import SECOND, Intervals, fmt_bytes, fmt_rate, interval, rate_bps
from simulator.apps.sockopts import SocketOptions, options
from simulator.apps.lifecycle import Stoppable, process, spawn
from simulator.spec.values import S, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import SocketError
from simulator.stack.sockets import SHUT_WR, TCP_INFO
from simulator.stack.tcp.seq import seq_sub

CHUNK = 128 * 1024          # bytes per write (iperf3's default TCP length)
RULE = "- " * 25


def set_options(sock, options: dict) -> None:
    """setsockopt each ``{option: value}`` (names from ``stack.sockets``)."""
    for option, value in options.items():
        sock.setsockopt(option, value)


class TcpServer(Stoppable):
    """Base of the TCP server apps: at start, listen on ``self.port`` (any address)
    with the app's socket options and hand each accepted connection to
    ``connected(sock, peer)``. A port already taken is the app's result (``error``,
    EADDRINUSE), not a crash. Stopped, it closes the listener (connections not yet
    accepted get a RST, as Linux's) and every accepted connection."""

    listener = None

    def start(self) -> None:
        self.accepted: list = []
        sock = self.host.socket("tcp")
        set_options(sock, self.options)
        try:
            sock.bind(("0.0.0.0", self.port))
            sock.listen()
        except SocketError as error:
            self.error = error.errno
            return
        self.listener = sock
        spawn(self, self._accept())

    def _accept(self):
        while True:
            sock, peer = yield self.listener.accept()
            self.accepted.append(sock)
            self.connected(sock, peer)

    def release(self) -> None:
        for sock in [self.listener, *getattr(self, "accepted", ())]:
            if sock is not None:
                sock.close()


def server_error(kind: str, port: int, error) -> dict:
    """A server's result fields for the error that kept it from listening (or none)."""
    if error is None:
        return {"errors": 0}
    return {"errors": 1, "error": error.name, "output": [f"{kind}: port {port}: {error}"]}


def tcp_summary(sock) -> dict:
    """The result fields every TCP app reports: final state and retransmissions."""
    if sock is None:
        return {"tcp_state": "CLOSED", "retransmits": 0}
    info = sock.getsockopt(TCP_INFO)
    return {"tcp_state": sock.state.value, "retransmits": info.get("tcpi_total_retrans", 0)}


class BulkSend(Stoppable):
    kind = "bulk_send"

    def __init__(self, host, dst, port: int = 5201, nbytes: int | None = None,
                 duration_ns: int | None = 10 * SECOND, interval_ns: int = SECOND,
                 options: dict | None = None, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.nbytes, self.duration_ns = dst, port, nbytes, duration_ns
        self.options = options or {}
        self.name = name or self.kind
        self.sock = None
        self.sent = 0                     # bytes written into the socket
        self._acked, self._una = 0, None  # bytes acknowledged; SND.UNA when last looked
        self.error = None
        self.connected_ns = self.done_ns = None
        self.table = Intervals(self, interval_ns, self._sample)

    def start(self) -> None:
        process(self, self._run())

    @property
    def acked(self) -> int:
        """Data bytes acknowledged so far (SND.UNA's advance past the SYN, FIN excluded)."""
        conn = self.sock.conn if self.sock is not None else None
        if conn is not None and self._una is not None:
            self._acked += seq_sub(conn.snd_una, self._una) & 0xFFFFFFFF
            self._una = conn.snd_una
        return min(self._acked, self.sent)

    def _sample(self):
        info = self.sock.getsockopt(TCP_INFO)
        return self.acked, (info.get("tcpi_total_retrans", 0),
                            info.get("tcpi_snd_cwnd", 0) * info.get("tcpi_snd_mss", 0))

    def _run(self):
        self.sock = self.host.socket("tcp")
        set_options(self.sock, self.options)
        try:
            yield self.sock.connect((self.dst, self.port))
            self.connected_ns = self.sim.now
            self._una = self.sock.conn.snd_una
            self.table.start()
            end = None if self.duration_ns is None else self.sim.now + self.duration_ns
            chunk = bytes(CHUNK)
            while True:
                if self.nbytes is not None:
                    left = self.nbytes - self.sent
                    if left <= 0:
                        break
                    data = chunk[:left]
                elif self.sim.now >= end:
                    break
                else:
                    data = chunk
                self.sent += yield self.sock.send(data)
            self.sock.shutdown(SHUT_WR)
            while (yield self.sock.recv(65536)):
                pass                      # until the receiver, having read all, closes
        except SocketError as error:
            self.error = error.errno
        self.release()

    def release(self) -> None:
        """The transfer ends here: the table and the summary run to now; close()
        sends the FIN after the data written (Linux: a killed iperf3 does the same)."""
        self.done_ns = self.sim.now
        self.table.finish()
        self.acked_by_done = self.acked   # what the summary reports, as iperf3's
        if self.sock is not None:
            self.sock.close()

    def result(self) -> dict:
        self.table.finish()
        lines = [f"Connecting to host {self.dst}, port {self.port}"]
        if self.connected_ns is not None:
            local, port = self.sock.getsockname()
            lines.append(f"[  1] local {local} port {port} connected to {self.dst} port {self.port}")
            lines.append("[ ID] Interval           Transfer     Bitrate         Retr  Cwnd")
            retr = 0
            for start, end, delta, (total_retr, cwnd) in self.table.rows:
                lines.append(f"[  1] {interval(start, end, self.table.origin)}  "
                             f"{fmt_bytes(delta):>11}  {fmt_rate(rate_bps(delta, end - start)):>14}"
                             f"  {total_retr - retr:4d}  {fmt_bytes(cwnd):>11}")
                retr = total_retr
        summary = tcp_summary(self.sock)
        acked = self.acked if self.done_ns is None else self.acked_by_done
        if self.connected_ns is not None:
            span = (self.done_ns or self.sim.now) - self.connected_ns
            lines += [RULE, "[ ID] Interval           Transfer     Bitrate         Retr",
                      f"[  1] {interval(self.connected_ns, self.connected_ns + span, self.connected_ns)}"
                      f"  {fmt_bytes(acked):>11}  {fmt_rate(rate_bps(acked, span)):>14}"
                      f"  {summary['retransmits']:4d}             sender"]
        if self.error is not None:
            lines.append(f"bulk_send: {self.error}")
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "connected": self.connected_ns is not None, "bytes_sent": self.sent,
                "bytes_acked": acked,
                "errors": int(self.error is not None),
                "error": None if self.error is None else self.error.name, **summary,
                "output": lines}


class BulkSink(TcpServer):
    kind = "bulk_sink"

    def __init__(self, host, port: int = 5201, interval_ns: int = SECOND,
                 options: dict | None = None, name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.options = options or {}
        self.name = name or self.kind
        self.received = 0
        self.peers: list[tuple] = []
        self.sock = None                      # the latest accepted connection
        self.active = 0                       # connections being read
        self.first_ns = self.last_ns = None
        self.error = None
        self.table = Intervals(self, interval_ns, lambda: (self.received, None))

    def connected(self, sock, peer) -> None:
        self.sock = sock
        self.peers.append(peer)
        self.active += 1
        if self.first_ns is None:
            self.first_ns = self.sim.now
            self.table.start()
        spawn(self, self._read(sock))

    def _read(self, sock):
        try:
            while True:
                data = yield sock.recv(1 << 20)
                if not data:
                    break
                self.received += len(data)
                self.last_ns = self.sim.now
        except SocketError:
            pass
        sock.close()
        self.active -= 1
        if not self.active:
            self.table.finish()           # the table ends with the last byte, as iperf3's

    @property
    def goodput_bps(self) -> float:
        if self.last_ns is None:
            return 0.0
        return rate_bps(self.received, self.last_ns - self.first_ns)

    def result(self) -> dict:
        self.table.finish()
        lines = [f"Server listening on {self.port}"]
        lines += [f"Accepted connection from {ip}, port {port}" for ip, port in self.peers]
        if self.first_ns is not None:
            lines.append("[ ID] Interval           Transfer     Bitrate")
            lines += [f"[  1] {interval(start, end, self.table.origin)}  {fmt_bytes(delta):>11}  "
                      f"{fmt_rate(rate_bps(delta, end - start)):>14}"
                      for start, end, delta, _ in self.table.rows]
            last = self.last_ns or self.first_ns
            lines += [RULE, f"[  1] {interval(self.first_ns, last, self.first_ns)}  "
                            f"{fmt_bytes(self.received):>11}  {fmt_rate(self.goodput_bps):>14}"
                            "                  receiver"]
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "connected": bool(self.peers), "bytes_received": self.received,
                "goodput_bps": round(self.goodput_bps), **tcp_summary(self.sock),
                "output": lines, **server_error(self.kind, self.port, self.error)}


class BulkSendSpec(SocketOptions, AppSpec):
    """iperf's client: connect and send as fast as TCP allows, ``bytes`` in all or
    for ``duration`` (10 s if neither is given), then close."""

    doc_defaults: ClassVar = {"duration": "`10s` if `bytes` is not given"}

    dst: IPv4Addr = Field(description="the receiver")
    port: Int = Field(5201, ge=1, le=65535, description="port to connect to")
    bytes: Bytes | None = Field(None, gt=0, description=(
        "data to send (`bytes` or `duration`, not both)"))
    duration: Nanoseconds | None = Field(None, gt=0, description="how long to write")
    interval: Nanoseconds = Field(1 * S, gt=0, description=(
        "report interval of the table"))

    @model_validator(mode="after")
    def _bytes_or_duration(self) -> "BulkSendSpec":
        if self.bytes is not None and self.duration is not None:
            raise ValueError("give 'bytes' or 'duration', not both")
        if self.bytes is None and self.duration is None:
            self.duration = 10 * S
        return self


class BulkSinkSpec(SocketOptions, AppSpec):
    """iperf's server: accept connections on ``port``, read and count everything."""

    port: Int = Field(5201, ge=1, le=65535, description="port to listen on")
    interval: Nanoseconds = Field(1 * S, gt=0, description="report interval of the table")


def build_send(node, spec: BulkSendSpec, name: str) -> BulkSend:
    return BulkSend(node, spec.dst, spec.port, nbytes=spec.bytes, duration_ns=spec.duration,
                    interval_ns=spec.interval, options=options(spec), name=name)


def build_sink(node, spec: BulkSinkSpec, name: str) -> BulkSink:
    return BulkSink(node, spec.port, interval_ns=spec.interval, options=options(spec), name=name)


BULK_SEND = AppKind("bulk_send", BulkSendSpec, build_send,
                    (*checks.BASIC, *checks.TCP, *checks.RETRANSMITTED))
BULK_SINK = AppKind("bulk_sink", BulkSinkSpec, build_sink,
                    (*checks.BASIC, *checks.TCP, *checks.BYTES, *checks.GOODPUTS,
                     *checks.RETRANSMITTED), Role.TCP_SERVER)
