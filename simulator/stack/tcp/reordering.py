"""Linux's measure of reordering (tp->reordering, tp->reord_seen), reported in
tcp_info as tcpi_reordering and tcpi_reord_seen (tcp_check_sack_reordering).

It starts at net.ipv4.tcp_reordering (``dupthresh``). When an ACK SACKs, or
cumulatively ACKs, a segment that was never retransmitted and lies below the
highest SACKed sequence seen before that ACK (Linux's "fack"), a hole was filled
by reordering, not by a retransmission: that is one more reordering event, and
if the distance from that segment to the highest SACKed sequence is more than
``reordering`` segments, ``reordering`` becomes that distance in segments (at most
net.ipv4.tcp_max_reordering, 300). DupThresh and RACK's reordering window keep
their own rules (rack.py); with ``cwnd_growth: delivered``, once it exceeds
``dupthresh`` an ACK that only SACKs grows cwnd too (Linux tcp_may_raise_cwnd).
"""

from .seq import seq_lt, seq_sub

MAX_REORDERING = 300                    # net.ipv4.tcp_max_reordering


class ReorderingMixin:
    def _init_reordering(self) -> None:
        self.reordering = self.config.dupthresh
        self.reord_seen = 0

    def _fack(self) -> int:
        """Linux tcp_highest_sack_seq: one past the highest SACKed byte, else SND.UNA."""
        high = self.sb.high_sacked
        return self.snd_una if high is None else high

    def _reordering_on_ack(self, prior_fack: int, acked, sack) -> None:
        """After one ACK: newly SACKed (tcp_sacktag_one), then newly cumulatively
        ACKed and not SACKed before (tcp_clean_rtx_queue) never-retransmitted records."""
        newly_sacked = sack.segments if sack is not None and sack.segments else ()
        for records in (newly_sacked, [s for s in acked if not s.sacked]):
            low = None
            for seg in records:
                if not seg.retransmitted and (low is None or seq_lt(seg.seq, low)):
                    low = seg.seq
            if low is not None and seq_lt(low, prior_fack):
                self._check_reordering(low)

    def _check_reordering(self, low_seq: int) -> None:
        fack = self._fack()
        if not seq_lt(low_seq, fack):
            return
        metric, mss = seq_sub(fack, low_seq), self.snd_mss
        if mss and metric > self.reordering * mss:
            self.reordering = min(-(-metric // mss), MAX_REORDERING)
        self.reord_seen += 1
