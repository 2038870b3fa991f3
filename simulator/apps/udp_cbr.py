"""Constant-bit-rate UDP, as ``iperf -u``: the sender sends datagrams of ``size``
payload bytes at ``rate`` (of payload) for ``duration``; the sink reports loss,
reordering and jitter per interval and in total.

Each payload starts with a 16-byte header (sequence number, send time in ns; both
64-bit big-endian), then zeros. Jitter is RFC 3550 §6.4.1's interarrival jitter,
J += (|D| − J)/16 over consecutive datagrams' transit times, as iperf reports it.
Loss counts the sequence numbers missing below the highest one seen (datagrams
lost after the last one to arrive are not known to the sink, as in iperf).
"""

import struct

from pydantic import Field

from simulator.apps import checks
from simulator.apps.bulk import server_error
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.report import Intervals, fmt_bytes, fmt_rate, interval, rate_bps
from simulator.apps.udp import MAX_UDP_PAYLOAD, UdpServer
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, BitsPerSecond, Bool, Bytes, Int, IPv4Addr, Nanoseconds

SECOND = 1_000_000_000
HEADER = struct.Struct("!QQ")


class UdpCbr(Stoppable):
    kind = "udp_cbr"

    def __init__(self, host, dst, port: int = 5001, rate: int = 1_000_000,
                 size: int = 1470, duration_ns: int = 10 * SECOND, df: bool = False,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.port, self.size, self.df = dst, port, size, df
        self.rate, self.duration_ns = rate, duration_ns
        self.period_ns = max(1, size * 8 * SECOND // rate)
        self.name = name or self.kind
        self.sent = self.errors = 0
        self.first_error = None
        self.started_ns = None

    def start(self) -> None:
        self.socket = self.host.udp.bind(0)
        self.started_ns = self.sim.now
        process(self, self._run())

    def _run(self):
        padding = bytes(self.size - HEADER.size)
        end = self.started_ns + self.duration_ns
        while self.sim.now < end:
            data = HEADER.pack(self.sent, self.sim.now) + padding
            error = self.socket.sendto(data, self.dst, self.port, df=self.df)
            self.sent += 1
            if error is not None:
                self.errors += 1
                self.first_error = self.first_error or str(error)
            yield self.sim.env.timeout(self.period_ns)

    def release(self) -> None:
        """Send no more datagrams (the one due next is not sent)."""
        if getattr(self, "socket", None) is not None:
            self.socket.close()

    def result(self) -> dict:
        now = getattr(self, "ended_ns", None) or self.sim.now       # a stopped one: at its stop
        elapsed = min(now - self.started_ns, self.duration_ns) if self.started_ns is not None else 0
        lines = [f"UDP CBR to {self.dst}:{self.port}: {self.size}-byte datagrams at "
                 f"{fmt_rate(self.rate)} (one every {self.period_ns / 1e6:g} ms)",
                 f"sent {self.sent} datagrams, {fmt_bytes(self.sent * self.size)} in "
                 f"{elapsed / SECOND:.2f} sec"]
        if self.errors:
            lines.append(f"{self.errors} not sent: {self.first_error}")
        return {"app": self.kind, "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "transmitted": self.sent, "errors": self.errors,
                "bytes_sent": self.sent * self.size, "output": lines}


class UdpCbrSink(UdpServer):
    kind = "udp_cbr_sink"

    def __init__(self, host, port: int = 5001, interval_ns: int = SECOND,
                 name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.name = name or self.kind
        self.received = self.bytes = self.out_of_order = self.duplicates = 0
        self.highest = -1
        self.seen: set[int] = set()
        self.jitter = 0.0
        self._transit = None
        self.first_ns = self.last_ns = None
        self.error = None
        self.table = Intervals(self, interval_ns, self._sample)

    def _sample(self):
        return self.bytes, (self.jitter, self.received, self.highest + 1)

    def on_datagram(self, packet, datagram) -> None:
        data = datagram.payload
        if len(data) < HEADER.size:
            return
        seq, sent_ns = HEADER.unpack_from(data)
        now = self.sim.now
        if self.first_ns is None:
            self.first_ns = now
            self.table.start()
        self.last_ns = now
        if seq in self.seen:
            self.duplicates += 1
            return
        self.seen.add(seq)
        self.received += 1
        self.bytes += len(data)
        if seq < self.highest:
            self.out_of_order += 1
        self.highest = max(self.highest, seq)
        transit = now - sent_ns
        if self._transit is not None:
            self.jitter += (abs(transit - self._transit) - self.jitter) / 16
        self._transit = transit

    def result(self) -> dict:
        self.table.finish()
        expected = self.highest + 1
        lost = expected - self.received
        lines = ["[ ID] Interval           Transfer     Bitrate         Jitter    Lost/Total"]
        prev_got = prev_expected = 0
        for start, end, delta, (jitter, got, exp) in self.table.rows:
            d_lost, d_exp = exp - prev_expected - (got - prev_got), exp - prev_expected
            lines.append(f"[  1] {interval(start, end, self.table.origin)}  {fmt_bytes(delta):>11}  "
                         f"{fmt_rate(rate_bps(delta, end - start)):>14}  {jitter / 1e6:.3f} ms  "
                         f"{d_lost}/{d_exp} ({d_lost * 100 / d_exp if d_exp else 0:.2g}%)")
            prev_got, prev_expected = got, exp
        span = (self.last_ns - self.first_ns) if self.first_ns is not None else 0
        lines.append(f"[  1] total: {fmt_bytes(self.bytes)}, {fmt_rate(rate_bps(self.bytes, span))}, "
                     f"jitter {self.jitter / 1e6:.3f} ms, lost {lost}/{expected} "
                     f"({lost * 100 / expected if expected else 0:.2g}%), "
                     f"{self.out_of_order} out of order, {self.duplicates} duplicates")
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "received": self.received, "bytes_received": self.bytes, "lost": lost,
                "loss": lost / expected if expected else 0.0, "jitter_ns": round(self.jitter),
                "out_of_order": self.out_of_order, "duplicates": self.duplicates,
                "goodput_bps": round(rate_bps(self.bytes, span)), "output": lines,
                **server_error(self.kind, self.port, self.error)}


class UdpCbrSpec(AppSpec):
    """iperf -u: datagrams of ``size`` bytes at ``rate`` (of payload) for ``duration``."""

    dst: IPv4Addr = Field(description="the sink")
    port: Int = Field(5001, ge=1, le=65535, description="the sink's port")
    rate: BitsPerSecond = Field(1_000_000, gt=0, description=(
        "payload bit rate: one datagram every `size` × 8 / `rate`"))
    size: Bytes = Field(1470, ge=16, le=MAX_UDP_PAYLOAD, description=(
        "payload bytes (the first 16 carry a sequence number and the send time)"))
    duration: Nanoseconds = Field(10 * S, gt=0, description="how long to send")
    df: Bool = Field(False, description="set Don't Fragment")


class UdpCbrSinkSpec(AppSpec):
    """iperf -u's server: loss, reordering and jitter of a ``udp_cbr`` stream."""

    port: Int = Field(5001, ge=1, le=65535, description="port to listen on")
    interval: Nanoseconds = Field(1 * S, gt=0, description="report interval")


def build_source(node, spec: UdpCbrSpec, name: str) -> UdpCbr:
    return UdpCbr(node, spec.dst, spec.port, rate=spec.rate, size=spec.size,
                  duration_ns=spec.duration, df=spec.df, name=name)


def build_sink(node, spec: UdpCbrSinkSpec, name: str) -> UdpCbrSink:
    return UdpCbrSink(node, spec.port, interval_ns=spec.interval, name=name)


UDP_CBR = AppKind("udp_cbr", UdpCbrSpec, build_source, checks.BASIC, Role.UDP_CLIENT)
UDP_CBR_SINK = AppKind("udp_cbr_sink", UdpCbrSinkSpec, build_sink,
                       (*checks.LOSSES, *checks.RECEIVES, *checks.BASIC, *checks.BYTES,
                        *checks.GOODPUTS, checks.JITTER_MAX, checks.JITTER), Role.UDP_SERVER)
