"""CUBIC (RFC 9438), in bytes, with Linux's HyStart for the first slow start.

Congestion avoidance follows the cubic function of the time t since the epoch (the
first ACK of this congestion-avoidance stage), §4.2:

    W_cubic(t) = C·(t - K)³ + W_max        K = ∛((W_max - cwnd_epoch) / C)

with windows in segments there and ``C·SMSS·(t - K)³`` bytes here. Each ACK aims at
``target = W_cubic(t + RTT)`` clamped to [cwnd, 1.5·cwnd] (§4.2), RTT being the minimum
RTT seen (as Linux's delay_min), and grows cwnd by ``(target - cwnd)·acked / cwnd``
(§4.3, §4.4: the per-segment rule counted in bytes). The Reno-friendly estimate W_est
(§4.3) starts at cwnd_epoch and grows by ``α·acked·SMSS / cwnd`` with
α = 3(1 - β)/(1 + β), or 1 once W_est reaches cwnd_prior; while W_cubic(t) < W_est,
cwnd follows W_est (or the cubic growth when that is faster, as in Linux, where the
Reno-friendly rule only ever shortens the per-ACK step). After a timeout, or when slow
start ended without a loss (HyStart), K = 0 and W_max is the window at the epoch
(§4.8, §4.10); Linux then still grows at least 5 % per RTT (tcp_cubic.c: ``cnt = 20``
while last_max_cwnd is 0), as here.

A congestion event (§4.6, §4.7): ssthresh = max(β·cwnd, 2·SMSS), W_max = cwnd, or
cwnd·(1 + β)/2 when cwnd had not regained the previous W_max (fast convergence).
ssthresh comes from cwnd, as in Linux; RFC 9438 allows this when cwnd cannot grow past
what is in flight, which ``cwnd_validation`` (on in the linux profile) ensures.
An idle period shifts the epoch (Linux CA_EVENT_TX_START) so that it does not count.

Config read: ``cubic_c`` (0.4), ``cubic_beta`` (0.7), ``cubic_fast_convergence`` (True),
``cubic_reno_friendly`` (True), ``hystart`` (True), and the base class's knobs.
"""

from .base import CongestionControl
from .hystart import HyStart

_S = 1_000_000_000
_POST_RECOVERY_NS = _S      # tcp_cubic.c: RTT samples are ignored 1 s after an epoch


class Cubic(CongestionControl):
    name = "cubic"

    def __init__(self, mss: int, initial_window: int, config):
        super().__init__(mss, initial_window, config)
        self.c = getattr(config, "cubic_c", 0.4)
        self.beta = getattr(config, "cubic_beta", 0.7)
        self.fast_convergence = getattr(config, "cubic_fast_convergence", True)
        self.reno_friendly = getattr(config, "cubic_reno_friendly", True)
        self.hystart = HyStart() if getattr(config, "hystart", True) else None
        self.alpha = 3 * (1 - self.beta) / (1 + self.beta)
        self.w_max: float | None = None      # bytes; None: no loss since the last reset
        self.cwnd_prior: int | None = None   # cwnd before the last reduction
        self.min_rtt_ns: int | None = None
        self.epoch_start: int | None = None  # ns
        self.k = 0.0                         # seconds
        self.origin = 0.0                    # W_cubic(K), bytes
        self.w_est = 0.0
        self._carry = 0.0                    # fractional bytes of growth not yet applied

    # --- the cubic function (§4.2)
    def w_cubic(self, t: float) -> float:
        """W_cubic(t) in bytes, ``t`` seconds after the epoch."""
        return self.c * self.mss * (t - self.k) ** 3 + self.origin

    def _start_epoch(self, now: int) -> None:
        self.epoch_start = now
        self.w_est = float(self.cwnd)
        self._carry = 0.0
        if self.w_max is None or self.w_max <= self.cwnd:
            self.k, self.origin = 0.0, float(self.cwnd)
        else:
            self.k = ((self.w_max - self.cwnd) / (self.c * self.mss)) ** (1 / 3)
            self.origin = self.w_max

    # --- growth
    def on_ack(self, now: int, acked_bytes: int, rtt_ns: int | None,
               flight_bytes: int, grow_bytes: int | None = None) -> None:
        if acked_bytes > 0:                  # SND.UNA advanced (cubictcp_acked)
            if self.hystart is not None:
                self.hystart.on_acked(acked_bytes)
            if rtt_ns is not None:
                self._rtt_sample(now, max(rtt_ns, 1), flight_bytes - acked_bytes)
        super().on_ack(now, acked_bytes, rtt_ns, flight_bytes, grow_bytes)

    def _rtt_sample(self, now: int, rtt_ns: int, outstanding: int) -> None:
        """tcp_cubic.c cubictcp_acked: the min RTT, and HyStart in slow start."""
        if self.epoch_start is not None and now - self.epoch_start < _POST_RECOVERY_NS:
            return
        if self.min_rtt_ns is None or rtt_ns < self.min_rtt_ns:
            self.min_rtt_ns = rtt_ns
        hy = self.hystart
        if (hy is not None and not hy.found and self.in_slow_start()
                and hy.update(now, rtt_ns, self.min_rtt_ns, self.cwnd, self.mss,
                              outstanding)):
            self.ssthresh = self.cwnd

    def _congestion_avoidance(self, now: int, acked: int) -> None:
        if self.epoch_start is None:
            self._start_epoch(now)
        cwnd = self.cwnd
        t = (now - self.epoch_start) / _S
        rtt = (self.min_rtt_ns or 0) / _S
        target = min(max(self.w_cubic(t + rtt), cwnd), 1.5 * cwnd)
        if self.w_max is None:
            target = max(target, 1.05 * cwnd)
        self._carry += (target - cwnd) * acked / cwnd
        whole = int(self._carry)
        self.cwnd += whole
        self._carry -= whole
        if self.reno_friendly:
            prior = self.cwnd_prior
            alpha = 1.0 if prior is None or self.w_est >= prior else self.alpha
            self.w_est += alpha * acked * self.mss / cwnd
            if self.w_cubic(t) < self.w_est:
                self.cwnd = max(self.cwnd, int(self.w_est))

    # --- reduction
    def ssthresh_after_loss(self, flight_bytes: int) -> int:
        return max(int(self.cwnd * self.beta + 0.5), 2 * self.mss)

    def on_congestion_event(self, now: int, flight_bytes: int) -> None:
        """§4.6 multiplicative decrease, §4.7 fast convergence."""
        cwnd = self.cwnd
        if self.fast_convergence and self.w_max is not None and cwnd < self.w_max:
            self.w_max = cwnd * (1 + self.beta) / 2
        else:
            self.w_max = float(cwnd)
        self.cwnd_prior = cwnd
        self.epoch_start = None
        super().on_congestion_event(now, flight_bytes)

    def on_rto(self, now: int, flight_bytes: int, repeated: bool = False) -> None:
        """§4.8: ssthresh by β; the next epoch starts afresh (K = 0), and HyStart is
        armed again (tcp_cubic.c resets its state on entering TCP_CA_Loss)."""
        if not repeated:
            self.cwnd_prior = self.cwnd
        super().on_rto(now, flight_bytes, repeated)
        self.w_max = None
        self.epoch_start = None
        if self.hystart is not None:
            self.hystart.reset()

    def on_tx_start(self, now: int, idle_ns: int) -> None:
        """Shift the epoch by the idle time so it does not count as growth time."""
        if self.epoch_start is not None and idle_ns > 0:
            self.epoch_start = min(self.epoch_start + idle_ns, now)

    def set_mss(self, mss: int) -> None:
        old = self.mss
        super().set_mss(mss)
        if self.w_max is not None:
            self.w_max = self.w_max * mss / old
        if self.cwnd_prior is not None:
            self.cwnd_prior = self.cwnd_prior * mss // old
        self.epoch_start = None

