"""Proportional Rate Reduction (RFC 6937 §3): how much to send on each ACK in recovery.

At the start of recovery the connection makes a ``Prr`` with the congestion control's
new ssthresh and RecoverFS (FlightSize then: SND.NXT - SND.UNA). On every ACK during
recovery, ``on_ack(DeliveredData, pipe)`` returns sndcnt, the bytes that may be sent
now (the connection sets cwnd = pipe + sndcnt); every byte sent or resent is reported
to ``on_sent``. While pipe > ssthresh, sending follows delivery in the proportion
ssthresh / RecoverFS; below ssthresh the reduction bound limits catching up:

- PRR-CRB (``"crb"``): no more than was delivered (strict packet conservation);
- PRR-SSRB (``"ssrb"``, the default): one SMSS more per ACK, slow start in recovery.

Linux counts in whole segments (tcp_cwnd_reduction works in packets): with
``whole_segments`` the proportional share is rounded up to a whole number of SMSS, so
a 20-segment flight with ssthresh 10 sends on ACKs 5, 7, 9, ... as RFC 6937's figures
(drawn in segments) show; in bytes, as the RFC's pseudocode and ns-3 count, the same
share accumulates to one SMSS an ACK later.

Three refinements from Linux's tcp_cwnd_reduction (and RFC 9937, PRR's standards-track
revision): an ACK that delivers nothing changes nothing (what was allowed and not yet
sent stays allowed; RFC 6937's SSRB would add one SMSS); an ACK that delivers data
lets at least one segment out while nothing has been sent in recovery yet (the fast
retransmit); and SSRB's extra SMSS can be refused (``safe_ack=False``) for ACKs that
did not advance SND.UNA or revealed new losses (RFC 9937's SafeACK).
"""

_BOUNDS = ("ssrb", "crb")


class Prr:
    def __init__(self, ssthresh: int, recover_fs: int, mss: int,
                 reduction_bound: str = "ssrb", whole_segments: bool = False):
        if reduction_bound not in _BOUNDS:
            raise ValueError(f"PRR reduction bound {reduction_bound!r} is not one of "
                             f"{', '.join(_BOUNDS)}")
        self.ssthresh = ssthresh
        self.recover_fs = max(recover_fs, 1)
        self.mss = mss
        self.conservative = reduction_bound == "crb"
        self.unit = mss if whole_segments else 1
        self.prr_delivered = 0          # bytes delivered during recovery
        self.prr_out = 0                # bytes sent during recovery
        self._allowed = 0               # the last sndcnt less what was sent since

    def on_ack(self, delivered_bytes: int, pipe: int, safe_ack: bool = True) -> int:
        """One ACK in recovery: return sndcnt (bytes, never negative)."""
        if delivered_bytes <= 0:
            return self._allowed
        self.prr_delivered += delivered_bytes
        if pipe > self.ssthresh:
            share = -(-self.prr_delivered * self.ssthresh // self.recover_fs)
            sndcnt = -(-share // self.unit) * self.unit - self.prr_out
        else:
            limit = self.prr_delivered - self.prr_out
            if not self.conservative:
                limit = max(limit, delivered_bytes) + (self.mss if safe_ack else 0)
            sndcnt = min(self.ssthresh - pipe, limit)
        if self.prr_out == 0:
            sndcnt = max(sndcnt, self.mss)
        self._allowed = max(sndcnt, 0)
        return self._allowed

    def on_sent(self, nbytes: int) -> None:
        self.prr_out += nbytes
        self._allowed = max(self._allowed - nbytes, 0)
