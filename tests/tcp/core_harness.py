"""Drive TcpConnection objects with no event loop: crafted peer segments, and a
two-ended pipe with a fixed one-way delay and an optional drop rule."""

import heapq

from simulator.stack.tcp.config import TcpConfig
from simulator.stack.tcp.connection import TcpConnection
from simulator.wire.addr import IPv4Address
from simulator.wire.tcp import (ACK, FIN, PSH, RST, SYN, Mss, Nop, Sack, SackPermitted,
                                TcpSegment, Timestamps, WindowScale)

MS = 1_000_000
S = 1_000_000_000
A_IP, B_IP = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
A_PORT, B_PORT = 40000, 80

__all__ = ["ACK", "FIN", "PSH", "RST", "SYN", "Mss", "Nop", "Sack", "SackPermitted",
           "Timestamps", "WindowScale", "MS", "S", "client", "peer_seg", "Pipe", "cfg",
           "established_client", "TcpSegment"]


def cfg(profile="rfc", **kw):
    return TcpConfig.profile(profile, **kw)


def client(config=None, isn=1000, mss_limit=1460):
    return TcpConnection(config or cfg(), A_IP, A_PORT, B_IP, B_PORT, isn, mss_limit)


def peer_seg(flags, seq, ack=0, win=65535, payload=b"", options=()):
    """A segment from the peer (B:80 → A:40000)."""
    return TcpSegment(B_PORT, A_PORT, seq, ack, flags, win, payload, options)


def established_client(config=None, peer_isn=5000, peer_mss=1460, win=65535, now=0,
                       rtt=10 * MS, peer_options=None):
    """A client that sent its SYN at ``now`` and got a SYN-ACK ``rtt`` later."""
    c = client(config)
    c.open_active(now)
    c.take_output()
    opts = (Mss(peer_mss),) if peer_options is None else peer_options
    c.segment_arrives(peer_seg(SYN | ACK, peer_isn, c.iss + 1, win, options=opts), now + rtt)
    c.take_output()
    c.take_events()
    c.take_trace()
    return c


class Pipe:
    """Two connections joined by a link of ``delay`` each way; ``drop(seg, src)``
    may return True to lose a segment."""

    def __init__(self, config_a=None, config_b=None, delay=10 * MS, drop=None,
                 mss_limit=1460, extra_delay=None):
        self.delay = delay
        self.extra_delay = extra_delay or (lambda seg, src: 0)
        self.drop = drop or (lambda seg, src: False)
        self.now = 0
        self.a = client(config_a, isn=1000, mss_limit=mss_limit)
        self._cfg_b = config_b or config_a or cfg()
        self.b = None
        self.mss_limit = mss_limit
        self.wire: list = []           # (time, n, dst, seg)
        self._n = 0
        self.log: list = []            # (time, "a"/"b", seg) for every segment sent
        self.events = {"a": [], "b": []}

    def connect(self):
        self.a.open_active(self.now)
        self._drain(self.a, "a")

    def _drain(self, conn, name):
        for seg in conn.take_output():
            self.log.append((self.now, name, seg))
            if not self.drop(seg, name):
                self._n += 1
                at = self.now + self.delay + self.extra_delay(seg, name)
                heapq.heappush(self.wire, (at, self._n,
                                           "b" if name == "a" else "a", seg))
        self.events[name] += conn.take_events()
        conn.take_trace()

    def _deliver(self, dst, seg):
        if dst == "b":
            if self.b is None:
                if seg.flags & SYN and not seg.flags & ACK:
                    self.b = TcpConnection.open_passive(
                        self._cfg_b, B_IP, B_PORT, A_IP, A_PORT, 7000, self.mss_limit,
                        seg, self.now)
                    self._drain(self.b, "b")
                return
            self.b.segment_arrives(seg, self.now)
            self._drain(self.b, "b")
        else:
            self.a.segment_arrives(seg, self.now)
            self._drain(self.a, "a")

    def call(self, name, method, *args):
        conn = self.a if name == "a" else self.b
        result = getattr(conn, method)(*args, self.now)
        self._drain(conn, name)
        return result

    def run(self, until, step=None):
        """Advance to ``until``, delivering segments and firing timers in order;
        ``step(pipe)`` runs first and after every event."""
        if step is not None:
            step(self)
        while True:
            times = [(self.wire[0][0], 0)] if self.wire else []
            for name, conn in (("a", self.a), ("b", self.b)):
                if conn is not None and conn.deadline is not None:
                    times.append((conn.deadline, 1 if name == "a" else 2))
            if not times:
                self.now = max(self.now, until)
                return
            t, kind = min(times)
            if t > until:
                self.now = until
                return
            self.now = max(self.now, t)
            if kind == 0:
                _, _, dst, seg = heapq.heappop(self.wire)
                self._deliver(dst, seg)
            else:
                conn, name = (self.a, "a") if kind == 1 else (self.b, "b")
                conn.timer_fires(self.now)
                self._drain(conn, name)
            if step is not None:
                step(self)
