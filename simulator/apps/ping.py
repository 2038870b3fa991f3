"""ping, as iputils does it: ICMP echo requests (RFC 792) at an interval.

Each request carries, like iputils, a 16-byte send timestamp (a 64-bit Linux
``struct timeval``) followed by the bytes 0x10, 0x11, ... up to ``size``.
Replies are matched by sequence number; a reply to an already answered
sequence is a duplicate. The run ends ``timeout`` after the last request (as
``ping -W``) or as soon as every request is answered; like iputils, it reads
nothing after that. Output mimics iputils
line for line; the summary's ``time`` runs from the start to the last request
sent (iputils' ``cur_time``), rounded to the millisecond, whatever came back
after it; ``result()`` gives the same figures as data.
"""

import math
import struct

from pydantic import Field

from simulator.apps import checks
from simulator.apps.kind import AppKind, AppSpec
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, Bool, Bytes, Int, IPv4Addr, Nanoseconds
from simulator.stack.errno import Errno
from simulator.wire.icmp import DEST_UNREACHABLE, IcmpEcho, TIME_EXCEEDED
from simulator.wire.ipv4 import PROTO_ICMP

SECOND = 1_000_000_000

UNREACHABLE_TEXT = {0: "Destination Net Unreachable", 1: "Destination Host Unreachable",
                    2: "Destination Protocol Unreachable", 3: "Destination Port Unreachable",
                    4: "Frag needed and DF set (mtu = {mtu})"}
TIME_EXCEEDED_TEXT = {0: "Time to live exceeded", 1: "Frag reassembly time exceeded"}


def payload(size: int, now_ns: int) -> bytes:
    """The echo data iputils sends: a timeval, then a counting pattern."""
    pattern = bytes(i & 0xFF for i in range(size))
    if size < 16:
        return pattern
    sec, nsec = divmod(now_ns, SECOND)
    return struct.pack("<qq", sec, nsec // 1000) + pattern[16:]


def format_ms(ns: int) -> str:
    """An RTT as iputils prints it: three significant digits, at most µs precision."""
    us = (ns + 500) // 1000
    if us >= 100_000 - 50:
        return f"{(us + 500) // 1000}"
    if us >= 10_000 - 5:
        return f"{us / 1000:.1f}"
    if us >= 1000:
        return f"{us / 1000:.2f}"
    return f"{us / 1000:.3f}"


class Ping(Stoppable):
    kind = "ping"

    def __init__(self, host, dst, count: int = 4, interval_ns: int = SECOND, size: int = 56,
                 ttl: int = 64, df: bool = False, timeout_ns: int = 10 * SECOND,
                 name: str | None = None):
        self.host, self.sim = host, host.sim
        self.dst, self.count, self.interval_ns, self.size = dst, count, interval_ns, size
        self.ttl, self.df, self.timeout_ns = ttl, df, timeout_ns
        self.name = name or "ping"
        self.ident = None
        self.sent: dict[int, int] = {}          # seq → send time (ns)
        self.rtts: dict[int, int] = {}          # seq → round-trip time (ns)
        self.duplicates = self.errors = 0
        self.lines: list[str] = []
        self.started_ns = self.finished_ns = None
        self._last_send_ns = None             # iputils' cur_time: the summary's "time"
        self._all_answered = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        env = self.sim.env
        self.ident = self.host.icmp.bind_echo(self)
        self.started_ns = env.now
        self._all_answered = env.event()
        self.lines.append(f"PING {self.dst} ({self.dst}) {self.size}({self.size + 28}) bytes of data.")
        for seq in range(1, self.count + 1):
            self._send(seq)
            if seq < self.count:
                yield env.timeout(self.interval_ns)
        yield env.timeout(self.timeout_ns) | self._all_answered
        self.release()

    def release(self) -> None:
        """Finish now (at its end, or stopped as iputils' ping is by SIGINT): no more
        requests, the statistics of what was sent so far."""
        if self.finished_ns is None and self.started_ns is not None:
            self.finished_ns = self.sim.now
            self._summarize()

    def _send(self, seq: int) -> None:
        now = self.sim.now
        request = IcmpEcho.request(self.ident, seq, payload(self.size, now))
        error = self.host.ip.send(self.dst, PROTO_ICMP, request, ttl=self.ttl, df=self.df)
        self.sent[seq] = now
        self._last_send_ns = now
        if error is not None:
            self.errors += 1
            local = "local error" if error.errno is Errno.EMSGSIZE else "sendmsg"
            self.lines.append(f"ping: {local}: {error}")

    def on_echo_reply(self, packet, message) -> None:
        seq = message.seq
        if seq not in self.sent or self.finished_ns is not None:
            return
        now = self.sim.now
        rtt = now - self.sent[seq]
        duplicate = seq in self.rtts
        line = (f"{len(message)} bytes from {packet.src}: icmp_seq={seq} ttl={packet.ttl} "
                f"time={format_ms(rtt)} ms")
        if duplicate:
            self.duplicates += 1
            self.lines.append(line + " (DUP!)")
            return
        self.rtts[seq] = rtt
        self.lines.append(line)
        if len(self.rtts) == self.count and not self._all_answered.triggered:
            self._all_answered.succeed()

    def on_error(self, reporter, message, quoted) -> None:
        if quoted.seq not in self.sent or self.finished_ns is not None:
            return
        self.errors += 1
        if message.type == DEST_UNREACHABLE:
            text = UNREACHABLE_TEXT.get(message.code, f"Dest Unreachable, Bad Code: {message.code}")
            text = text.format(mtu=getattr(message, "next_hop_mtu", 0))
        elif message.type == TIME_EXCEEDED:
            text = TIME_EXCEEDED_TEXT.get(message.code, f"Time exceeded, Bad Code: {message.code}")
        else:
            text = f"Bad ICMP type: {message.type}"
        self.lines.append(f"From {reporter} icmp_seq={quoted.seq} {text}")

    def _summarize(self) -> None:
        transmitted, received = len(self.sent), len(self.rtts)
        loss = (transmitted - received) * 100 / transmitted if transmitted else 0
        elapsed_ms = (self._last_send_ns - self.started_ns + 500_000) // 1_000_000
        errors = f"+{self.errors} errors, " if self.errors else ""
        duplicates = f"+{self.duplicates} duplicates, " if self.duplicates else ""
        self.lines.append("")
        self.lines.append(f"--- {self.dst} ping statistics ---")
        self.lines.append(f"{transmitted} packets transmitted, {received} received, {duplicates}"
                          f"{errors}{loss:g}% packet loss, time {elapsed_ms}ms")
        if received:
            s = self.stats()
            self.lines.append("rtt min/avg/max/mdev = " + "/".join(
                f"{s[k] / 1e6:.3f}" for k in ("rtt_min_ns", "rtt_avg_ns", "rtt_max_ns", "rtt_mdev_ns"))
                + " ms")

    def stats(self) -> dict:
        rtts = list(self.rtts.values())
        if not rtts:
            return {}
        n = len(rtts)
        mean = sum(rtts) / n
        mdev = math.sqrt(max(sum(r * r for r in rtts) / n - mean * mean, 0.0))
        return {"rtt_min_ns": min(rtts), "rtt_avg_ns": round(mean), "rtt_max_ns": max(rtts),
                "rtt_mdev_ns": round(mdev)}

    def result(self) -> dict:
        transmitted = len(self.sent)
        return {"app": "ping", "name": self.name, "node": self.host.name, "dst": str(self.dst),
                "transmitted": transmitted, "received": len(self.rtts),
                "duplicates": self.duplicates, "errors": self.errors,
                "loss": (transmitted - len(self.rtts)) / transmitted if transmitted else 0.0,
                "rtt_ns": {str(seq): rtt for seq, rtt in sorted(self.rtts.items())},
                **self.stats(), "finished": self.finished_ns is not None, "output": self.lines}


class PingSpec(AppSpec):
    """iputils ping: ICMP echo requests at an interval."""

    dst: IPv4Addr = Field(description="destination")
    count: Int = Field(4, ge=1, description="echo requests to send (`-c`)")
    interval: Nanoseconds = Field(1 * S, gt=0, description="between requests (`-i`)")
    size: Bytes = Field(56, ge=0, le=65507, description=(
        "ICMP data bytes (`-s`); the IP packet is `size` + 28"))
    ttl: Int = Field(64, ge=1, le=255, description="TTL of the requests (`-t`)")
    df: Bool = Field(False, description="set Don't Fragment (`-M do`)")
    timeout: Nanoseconds = Field(10 * S, gt=0, description=(
        "how long to wait after the last request (`-W`)"))


def build(node, spec: PingSpec, name: str) -> Ping:
    return Ping(node, spec.dst, count=spec.count, interval_ns=spec.interval, size=spec.size,
                ttl=spec.ttl, df=spec.df, timeout_ns=spec.timeout, name=name)


PING = AppKind("ping", PingSpec, build,
               (*checks.LOSSES, *checks.RECEIVES, *checks.RTTS, *checks.BASIC))
