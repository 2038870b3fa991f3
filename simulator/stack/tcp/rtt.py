"""The retransmission timer's estimator (RFC 6298), and Linux's variant of it.

``variant="rfc"`` follows RFC 6298 §2 exactly, in integer nanoseconds (divisions round
down): the first sample R gives SRTT = R, RTTVAR = R/2; later ones
RTTVAR = 3/4·RTTVAR + 1/4·|SRTT − R'|, then SRTT = 7/8·SRTT + 1/8·R';
RTO = max(min_rto, SRTT + max(G, 4·RTTVAR)), at most max_rto (§2.4, §2.5).

``variant="linux"`` computes as Linux's tcp_rtt_estimator()/tcp_set_rto() do, in
microseconds with SRTT scaled by 8 and mdev by 4: a falling RTT moves mdev with the
smaller gain 1/32, and the variance term used in the RTO (rttvar) is never below
min_rto and decays only once per RTT (at the first sample after SND.UNA passes the
SND.NXT of the previous round). RTO = SRTT + rttvar, rounded up to the granularity G
(the jiffy), at most max_rto.

Both: the backoff doubles the RTO (§5.5) up to max_rto; a new sample clears it.
"""

from .seq import seq_gt


def _ceil_to(x: int, g: int) -> int:
    return -(-x // g) * g if g > 1 else x


class RttEstimator:
    """SRTT, RTTVAR and the RTO with its exponential backoff (RFC 6298)."""

    def __init__(self, initial_rto_ns: int, min_rto_ns: int, max_rto_ns: int,
                 granularity_ns: int = 1_000_000, variant: str = "rfc"):
        if variant not in ("rfc", "linux"):
            raise ValueError(f"RttEstimator: unknown variant {variant!r}")
        self.variant = variant
        self.min_rto_ns = min_rto_ns
        self.max_rto_ns = max_rto_ns
        self.granularity_ns = granularity_ns
        self.srtt_ns: int | None = None
        self.rttvar_ns: int | None = None
        self.backoffs = 0
        self._base_rto_ns = min(initial_rto_ns, max_rto_ns)
        # Linux state, microseconds: srtt << 3, mdev << 2, mdev_max, rttvar, rtt_seq.
        self._srtt8 = self._mdev4 = self._mdev_max = self._rttvar4 = 0
        self._rtt_seq: int | None = None

    @property
    def rto_ns(self) -> int:
        """The current RTO, backoff included (§5.5), clamped to max_rto (§2.5)."""
        return min(self._base_rto_ns << self.backoffs, self.max_rto_ns)

    @property
    def base_rto_ns(self) -> int:
        """The RTO computed from the samples, without backoff."""
        return self._base_rto_ns

    def sample(self, rtt_ns: int, snd_una: int | None = None,
               snd_nxt: int | None = None) -> None:
        """Take one RTT measurement (§2.2, §2.3); clears the backoff (Linux does this in
        tcp_ack_update_rtt). ``snd_una``/``snd_nxt`` drive the linux variant's
        once-per-RTT rttvar decay; without them every sample starts a new round."""
        rtt_ns = max(rtt_ns, 0)
        if self.variant == "rfc":
            self._sample_rfc(rtt_ns)
        else:
            self._sample_linux(rtt_ns, snd_una, snd_nxt)
        self.backoffs = 0

    def _sample_rfc(self, r: int) -> None:
        if self.srtt_ns is None:
            self.srtt_ns = r
            self.rttvar_ns = r // 2
        else:
            self.rttvar_ns = (3 * self.rttvar_ns + abs(self.srtt_ns - r)) // 4
            self.srtt_ns = (7 * self.srtt_ns + r) // 8
        rto = self.srtt_ns + max(self.granularity_ns, 4 * self.rttvar_ns)
        self._base_rto_ns = min(max(rto, self.min_rto_ns), self.max_rto_ns)

    def _sample_linux(self, rtt_ns: int, snd_una, snd_nxt) -> None:
        m = max(rtt_ns // 1000, 1)
        rto_min_us = self.min_rto_ns // 1000
        if self._srtt8:
            m -= self._srtt8 >> 3
            self._srtt8 += m
            if m < 0:
                m = -m - (self._mdev4 >> 2)
                if m > 0:
                    m >>= 3
            else:
                m -= self._mdev4 >> 2
            self._mdev4 += m
            if self._mdev4 > self._mdev_max:
                self._mdev_max = self._mdev4
                if self._mdev_max > self._rttvar4:
                    self._rttvar4 = self._mdev_max
            if snd_una is None or self._rtt_seq is None or seq_gt(snd_una, self._rtt_seq):
                if self._mdev_max < self._rttvar4:
                    self._rttvar4 -= (self._rttvar4 - self._mdev_max) >> 2
                self._rtt_seq = snd_nxt
                self._mdev_max = rto_min_us
        else:
            self._srtt8 = m << 3
            self._mdev4 = m << 1
            self._rttvar4 = max(self._mdev4, rto_min_us)
            self._mdev_max = self._rttvar4
            self._rtt_seq = snd_nxt
        self._srtt8 = max(1, self._srtt8)
        self.srtt_ns = (self._srtt8 >> 3) * 1000
        self.rttvar_ns = (self._mdev4 >> 2) * 1000
        rto_ns = ((self._srtt8 >> 3) + self._rttvar4) * 1000
        self._base_rto_ns = min(_ceil_to(rto_ns, self.granularity_ns), self.max_rto_ns)

    def backoff(self) -> None:
        """The timer expired: double the RTO (§5.5), up to max_rto."""
        self.backoffs += 1

    def reset_backoff(self) -> None:
        """New data was acknowledged: the backed-off RTO goes back to the computed one."""
        self.backoffs = 0

    def fallback(self, rto_ns: int) -> None:
        """RFC 6298 §5.7: the SYN was retransmitted and no RTT was measured; data
        transmission starts with this RTO (3 s)."""
        if self.srtt_ns is None:
            self._base_rto_ns = min(max(rto_ns, self.min_rto_ns), self.max_rto_ns)
            self.backoffs = 0
