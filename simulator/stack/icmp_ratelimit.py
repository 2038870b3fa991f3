"""ICMP error rate limiting, as Linux does it (RFC 1812 §4.3.2.8, RFC 1122 §3.2.2).

Two token buckets, both consulted only for the types in ``icmp_ratemask``
(default 0x1818: Destination Unreachable, Source Quench, Time Exceeded,
Parameter Problem), and never for "fragmentation needed", which path MTU
discovery depends on (Linux ``icmpv4_mask_allow``):

- Global (``icmp_msgs_per_sec`` 1000, ``icmp_msgs_burst`` 50): credit is
  refilled at most once per 20 ms (HZ/50) by ``per_sec × elapsed``, capped at
  the burst; a message is allowed while credit is positive, and a sent
  message consumes 0, 1 or 2 credits at random (1 on average; Linux
  randomizes it so the limiter cannot be used as a side channel).
- Per destination host (``icmp_ratelimit`` 1000 ms; ``inet_peer_xrlim_allow``):
  tokens are nanoseconds of credit, capped at 6 × the interval
  (XRLIM_BURST_FACTOR) and a new peer starts full, so a burst of 6 then one
  per interval: traceroute's 3 probes per hop pass.

A suppressed error is counted as ``ICMP_RATELIMIT``.
"""

from dataclasses import dataclass

from simulator.wire.icmp import DEST_UNREACHABLE, FRAGMENTATION_NEEDED

SECOND = 1_000_000_000
BURST_FACTOR = 6                   # XRLIM_BURST_FACTOR (net/ipv4/inetpeer.c)
NEW_PEER_CREDIT = 60 * SECOND      # inet_getpeer: rate_last = now - 60 s


@dataclass
class IcmpRateLimitConfig:
    ratelimit_ns: int = SECOND     # net.ipv4.icmp_ratelimit (1000 ms); 0 turns the per-host limit off
    ratemask: int = 0x1818         # net.ipv4.icmp_ratemask: bit n limits ICMP type n
    msgs_per_sec: int = 1000       # net.ipv4.icmp_msgs_per_sec; 0 turns the global limit off
    msgs_burst: int = 50           # net.ipv4.icmp_msgs_burst


class IcmpRateLimiter:
    def __init__(self, sim, stream_name: str, config: IcmpRateLimitConfig | None = None):
        self.sim = sim
        self._rng = sim.rng.lazy(stream_name)
        self._stamp = 0
        self._peers: dict[int, tuple[int, int]] = {}     # host → (tokens ns, last ns)
        self.configure(config or IcmpRateLimitConfig())

    def configure(self, config: IcmpRateLimitConfig) -> None:
        """New sysctl values (before the run); the global bucket starts full."""
        self.config = config
        self._credit = config.msgs_burst

    def limited(self, kind: int, code: int) -> bool:
        """Is this type subject to rate limiting (``icmpv4_mask_allow`` negated)?"""
        if kind > 18 or (kind == DEST_UNREACHABLE and code == FRAGMENTATION_NEEDED):
            return False
        return bool(self.config.ratemask >> kind & 1)

    def allow(self, dst, kind: int, code: int) -> bool:
        """May an error of ``kind``/``code`` go to ``dst`` now? Consumes credit if so."""
        if not self.limited(kind, code):
            return True
        now = self.sim.now
        if not (self._global_allow(now) and self._peer_allow(int(dst), now)):
            return False
        if self.config.msgs_per_sec:
            self._credit -= self._rng.randrange(3)        # icmp_global_consume
        return True

    def _global_allow(self, now: int) -> bool:
        config = self.config
        if not config.msgs_per_sec or self._credit > 0:
            return True
        delta = min(now - self._stamp, SECOND)
        if delta < SECOND // 50:
            return False
        increment = config.msgs_per_sec * delta // SECOND
        if not increment:
            return False
        self._stamp = now
        self._credit = min(self._credit + increment, config.msgs_burst)
        return True

    def _peer_allow(self, host: int, now: int) -> bool:
        interval = self.config.ratelimit_ns
        if not interval:
            return True
        tokens, last = self._peers.get(host, (0, now - NEW_PEER_CREDIT))
        tokens = min(tokens + now - last, BURST_FACTOR * interval)
        allowed = tokens >= interval
        if allowed:
            tokens -= interval
        self._peers[host] = (tokens, now)
        return allowed
