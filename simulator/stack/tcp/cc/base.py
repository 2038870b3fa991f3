"""The congestion-control interface and Reno's window arithmetic (RFC 5681 §3.1, §4.1).

A ``CongestionControl`` owns ``cwnd`` and ``ssthresh`` (bytes). The connection calls:

- ``on_ack`` for every ACK that advances SND.UNA outside loss recovery, with the bytes
  it newly acknowledged, an RTT sample when it has one (Linux takes one from every ACK
  that covers a never-retransmitted segment) and ``flight_bytes``: the bytes in flight
  *as the ACK arrived* (SND.NXT minus the old SND.UNA);
- ``on_congestion_event`` on entering fast recovery, ``on_recovery_exit`` on leaving it;
- ``on_rto`` when the retransmission timer expires;
- ``on_idle_restart`` before sending after an idle period longer than the RTO (§4.1);
- ``on_tx_start`` whenever it sends with nothing in flight (Linux's CA_EVENT_TX_START).

Slow start (RFC 5681 §3.1 eq. 2, RFC 3465): ``cwnd += min(acked, abc·SMSS)`` per ACK,
capped at ssthresh with the rest of the ACK counted in congestion avoidance (as Linux's
tcp_slow_start); ``config.abc == 0`` is Linux's packet counting (no per-ACK cap).
ns-3's TcpNewReno adds one segment per ACK whatever it covers: that is ``abc = 1``.

Congestion avoidance has two variants, ``config.ca_byte_counting``:

- False (RFC 5681 eq. 3, and ns-3 3.44 TcpNewReno): ``cwnd += max(1, SMSS·SMSS // cwnd)``
  once per ACK, whatever it acknowledges;
- True (RFC 3465 §2.1, Linux tcp_cong_avoid_ai's snd_cwnd_cnt, ns-3's TcpLinuxReno):
  acknowledged bytes accumulate, and each full cwnd's worth adds one SMSS.

``config.cwnd_validation`` (Linux tcp_is_cwnd_limited) grows cwnd only while the sender
is using it: in slow start while cwnd < 2·flight, afterwards while flight is within one
SMSS of cwnd. Off (RFC 5681, ns-3) the window grows on every ACK.
"""

INFINITE_SSTHRESH = 0x7FFFFFFF


class CongestionControl:
    """Reno-family growth and reduction; subclasses change what they must."""

    name = "reno"

    def __init__(self, mss: int, initial_window: int, config):
        """``initial_window`` is in bytes (TcpConfig.initial_window_bytes(mss))."""
        self.mss = mss
        self.initial_window = initial_window
        self.cwnd = initial_window
        self.ssthresh = INFINITE_SSTHRESH
        self.abc = getattr(config, "abc", 1)
        self.byte_counting = getattr(config, "ca_byte_counting", False)
        self.cwnd_validation = getattr(config, "cwnd_validation", False)
        self.idle_restart = getattr(config, "idle_restart", "rfc")
        self._ca_bytes = 0          # bytes acked towards the next SMSS (snd_cwnd_cnt)

    # --- queries
    def in_slow_start(self) -> bool:
        return self.cwnd < self.ssthresh

    def set_mss(self, mss: int) -> None:
        """Keep the window's size in segments when the MSS changes (as Linux does)."""
        old, self.mss = self.mss, mss
        self.cwnd = max(self.cwnd * mss // old, mss)
        self.initial_window = max(self.initial_window * mss // old, mss)
        if self.ssthresh != INFINITE_SSTHRESH:
            self.ssthresh = max(self.ssthresh * mss // old, 2 * mss)

    # --- growth
    def on_ack(self, now: int, acked_bytes: int, rtt_ns: int | None,
               flight_bytes: int, grow_bytes: int | None = None) -> None:
        """A new cumulative ACK outside recovery: slow start or congestion avoidance,
        by ``grow_bytes`` (default: the bytes acked)."""
        if grow_bytes is not None:
            acked_bytes = grow_bytes
        if acked_bytes <= 0 or not self._cwnd_limited(flight_bytes):
            return
        if self.in_slow_start():
            acked_bytes = self._slow_start(acked_bytes)
            if acked_bytes <= 0:
                return
        self._congestion_avoidance(now, acked_bytes)

    def _cwnd_limited(self, flight_bytes: int) -> bool:
        if not self.cwnd_validation:
            return True
        if self.in_slow_start():
            return self.cwnd < 2 * flight_bytes
        return flight_bytes + self.mss > self.cwnd

    def _slow_start(self, acked: int) -> int:
        """RFC 5681 eq. 2 with RFC 3465's limit L; returns the bytes left over for
        congestion avoidance once cwnd reaches ssthresh."""
        increase = acked if self.abc == 0 else min(acked, self.abc * self.mss)
        grown = self.cwnd + increase
        if grown <= self.ssthresh:
            self.cwnd = grown
            return 0
        self.cwnd = self.ssthresh
        return grown - self.ssthresh

    def _congestion_avoidance(self, now: int, acked: int) -> None:
        if not self.byte_counting:
            self.cwnd += max(1, self.mss * self.mss // self.cwnd)
            return
        if self._ca_bytes >= self.cwnd:       # credit from a larger window: one SMSS
            self._ca_bytes = 0
            self.cwnd += self.mss
        self._ca_bytes += acked
        if self._ca_bytes >= self.cwnd:
            segments, self._ca_bytes = divmod(self._ca_bytes, self.cwnd)
            self.cwnd += segments * self.mss

    # --- reduction
    def ssthresh_after_loss(self, flight_bytes: int) -> int:
        """RFC 5681 eq. 4: max(FlightSize / 2, 2·SMSS)."""
        return max(flight_bytes // 2, 2 * self.mss)

    def on_congestion_event(self, now: int, flight_bytes: int) -> None:
        """Entering fast recovery: set ssthresh; cwnd is the recovery logic's."""
        self.ssthresh = self.ssthresh_after_loss(flight_bytes)
        self._ca_bytes = 0

    def on_recovery_exit(self, now: int) -> None:
        """Leaving fast recovery: cwnd = ssthresh (RFC 5681 §3.2 step 6, RFC 6582 §3.2
        step 3 option 2; Linux's tcp_end_cwnd_reduction does the same after PRR)."""
        if self.ssthresh != INFINITE_SSTHRESH:
            self.cwnd = self.ssthresh
        self._ca_bytes = 0

    def on_rto(self, now: int, flight_bytes: int, repeated: bool = False) -> None:
        """RFC 5681 §3.1: ssthresh per eq. 4 (held when the segment was already
        retransmitted by the timer, ``repeated``) and cwnd = LW = 1 SMSS."""
        if not repeated:
            self.ssthresh = self.ssthresh_after_loss(flight_bytes)
        self.cwnd = self.mss
        self._ca_bytes = 0

    # --- idle periods
    def on_idle_restart(self, now: int, rto_ns: int, idle_ns: int | None = None) -> None:
        """Before sending after more than an RTO of silence (RFC 5681 §4.1).

        ``idle_restart == "rfc"``: cwnd = RW = min(IW, cwnd). ``"linux"``
        (tcp_cwnd_restart): ssthresh = max(ssthresh, 3/4·cwnd), then cwnd halves for
        every RTO that ``idle_ns`` spans (just over one RTO when not given), not below RW.
        """
        restart = min(self.initial_window, self.cwnd)
        if self.idle_restart != "linux":
            self.cwnd = restart
            return
        self.ssthresh = max(self.ssthresh, self.cwnd * 3 // 4)
        remaining = (rto_ns + 1 if idle_ns is None else idle_ns) - rto_ns
        cwnd = self.cwnd
        while remaining > 0 and cwnd > restart:
            cwnd //= 2
            remaining -= rto_ns
        self.cwnd = max(cwnd, restart)

    def on_tx_start(self, now: int, idle_ns: int) -> None:
        """Sending resumes with nothing in flight after ``idle_ns`` without sending."""
