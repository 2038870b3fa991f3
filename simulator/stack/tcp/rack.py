"""RACK-TLP (RFC 8985): time-based loss detection and the tail loss probe, as Linux.

RACK (§6, Linux tcp_recovery.c): remember the send time of the most recently sent
segment that has been delivered (cumulatively ACKed or SACKed), RACK.xmit_ts, and that
segment's RTT. A segment sent before it is lost once it has been out for RACK.rtt plus
a reordering window; until then a reorder timer waits for the rest. The window is
min_RTT/4 (at most SRTT), or 0 while no reordering has been seen and either recovery
is under way or DupThresh segments are SACKed (Linux tcp_rack_reo_wnd).

Here the scoreboard's losses are a prefix (every unSACKed byte below a point), so RACK
marks the run of segments from SND.UNA that it finds lost and stops at the first that
is not. A retransmission still in flight (below HighRxt) is judged by the same rule
against its own send time: once a segment sent after it is delivered and it has been
out for RACK.rtt + reo_wnd, it is lost again (RFC 8985 §6.2 step 5: RACK "detects
lost retransmissions"; Linux tcp_rack_detect_loss walks the retransmitted skbs too) and
is sent again before anything else (the scoreboard's ``relost`` records).

TLP (§7, Linux tcp_schedule_loss_probe / tcp_send_loss_probe): in the Open state with
SACK and data in flight, a probe timeout PTO = 2·SRTT, plus WCDelAckT (Linux: the
minimum RTO, 200 ms) when one segment is in flight, else plus Linux's 2 ms timer slack
(TCP_TIMEOUT_MIN), and never after the RTO would fire. When it fires, one new segment
goes out if the peer's window allows (cwnd ignored), else the last segment is resent
(cause "tlp"); one probe at a time, until an ACK covers TLP.end_seq (SND.NXT after the
probe). A resent probe that is ACKed beyond TLP.end_seq without a D-SACK for it
repaired a real loss: cwnd and ssthresh are reduced once (§7.4.2, tcp_process_tlp_ack).
"""

from simulator.wire.tcp import Timestamps

from .seq import seq_add, seq_ge, seq_gt, seq_lt, seq_sub

MS = 1_000_000
TIMEOUT_MIN_NS = 2 * MS          # Linux TCP_TIMEOUT_MIN: two jiffies at HZ=1000


class Rack:
    """RACK's state (RFC 8985 §6.1): RACK.xmit_ts, RACK.end_seq, RACK.rtt, and
    whether reordering has been seen. Positions are the scoreboard's (unwrapped)."""

    def __init__(self):
        self.xmit_ns: int | None = None
        self.end = 0
        self.rtt_ns = 0
        self.fack = 0                    # the highest end delivered (RACK.fack)
        self.reordering_seen = False
        self.advanced = False            # RACK.xmit_ts moved since the last detection

    def on_delivered(self, seg, now: int, min_rtt_ns: int | None,
                     older_copy: bool = False) -> None:
        """§6.2 step 2–3 (RACK_update, RACK_detect_reordering) for one newly ACKed or
        SACKed segment. A retransmitted one whose RTT is below the minimum RTT, or
        whose ACK echoes a timestamp older than its last transmission
        (``older_copy``), was probably delivered by an earlier copy: it does not move
        RACK (Linux tcp_rack_advance)."""
        if not seg.retransmitted and seg.end < self.fack:
            self.reordering_seen = True
        self.fack = max(self.fack, seg.end)
        rtt = now - seg.sent_ns
        if seg.retransmitted and (older_copy or (min_rtt_ns is not None
                                                 and rtt < min_rtt_ns)):
            return
        if self.xmit_ns is not None and not _sent_after(seg.sent_ns, seg.end, self.xmit_ns,
                                                        self.end):
            return
        self.xmit_ns, self.end, self.rtt_ns = seg.sent_ns, seg.end, rtt
        self.advanced = True

    def reo_wnd(self, in_recovery: bool, sacked_segments: int, dupthresh: int,
                min_rtt_ns: int | None, srtt_ns: int | None) -> int:
        """§6.2 step 4 as Linux's tcp_rack_reo_wnd."""
        if not self.reordering_seen and (in_recovery or sacked_segments >= dupthresh):
            return 0
        if min_rtt_ns is None or srtt_ns is None:
            return 0
        return min(min_rtt_ns // 4, srtt_ns)

    def detect_loss(self, segments, lost_to: int, now: int, reo_wnd: int):
        """§6.2 step 5 (RACK_detect_loss) over the scoreboard's records from SND.UNA:
        ``(new_lost_to, wait_ns)``: the position up to which everything unSACKed is
        lost, and how long until the first segment not yet lost would be (None if
        none waits)."""
        self.advanced = False
        if self.xmit_ns is None:
            return lost_to, None
        for seg in segments:
            if seg.sacked or seg.end <= lost_to:
                continue
            if not _sent_after(self.xmit_ns, self.end, seg.sent_ns, seg.end):
                return lost_to, None
            remaining = self.rtt_ns + reo_wnd - (now - seg.sent_ns)
            if remaining > 0:
                return lost_to, remaining
            lost_to = seg.end
        return lost_to, None


    def detect_relost(self, retransmissions, now: int, reo_wnd: int):
        """§6.2 step 5 for retransmissions in flight: ``(lost, wait_ns)``, those now
        lost and how long until the next one would be (None if none waits)."""
        lost, wait = [], None
        if self.xmit_ns is None:
            return lost, wait
        for seg in retransmissions:
            if not _sent_after(self.xmit_ns, self.end, seg.sent_ns, seg.end):
                continue
            remaining = self.rtt_ns + reo_wnd - (now - seg.sent_ns)
            if remaining > 0:
                wait = remaining if wait is None else min(wait, remaining)
            else:
                lost.append(seg)
        return lost, wait


def _sent_after(t1: int, end1: int, t2: int, end2: int) -> bool:
    """Was (t1, end1) sent after (t2, end2)? Ties by sequence (RFC 8985 §6.2)."""
    return t1 > t2 or (t1 == t2 and end1 > end2)


def pto_ns(srtt_ns: int | None, one_segment: bool, wc_delack_ns: int,
           rto_left_ns: int) -> int:
    """RFC 8985 §7.2 PTO, as Linux computes it, capped by the time left to the RTO."""
    if srtt_ns is None:
        pto = 1_000_000_000                  # §7.2: 1 s without an RTT sample
    else:
        pto = 2 * srtt_ns + (wc_delack_ns if one_segment else TIMEOUT_MIN_NS)
    return max(min(pto, rto_left_ns), 0)


class RackTlpMixin:
    """The connection's side of RACK-TLP (sender.py calls in; timers.py fires)."""

    def _init_rack(self) -> None:
        self._rack: Rack | None = None           # set once SACK is on (Linux tcp_is_rack)
        self._min_rtt: int | None = None
        self._tlp_high: int | None = None        # TLP.end_seq: SND.NXT after the probe
        self._tlp_retrans = False                # the probe was a retransmission
        self._tlp_rearm = False                  # (re)start the PTO at the next arming

    def _rack_start(self) -> None:
        if self.config.rack and self.neg.sack:
            self._rack = Rack()

    def _rack_on_ack(self, ack_seg, acked, sack, newly_sacked: int, acked_bytes: int,
                     now: int) -> None:
        """One ACK: RACK_update for what it delivered, then RACK's loss detection;
        the TLP episode's end (§7.4)."""
        rack = self._rack
        ack = ack_seg.ack
        if rack is not None:
            ts = ack_seg.option(Timestamps) if self.neg.timestamps else None

            def older(seg) -> bool:
                return (ts is not None and ts.tsecr != 0
                        and seq_lt(ts.tsecr, self._tsval(seg.sent_ns)))
            # SACKed records were counted then; a piece of a segment shorter than an
            # MSS is not a delivered segment (Linux SACKs whole MSS-sized parts only,
            # tcp_match_skb_to_sack)
            mss = self.snd_mss
            for seg in acked:
                if not seg.sacked and not (seg.split and seg.length < mss):
                    rack.on_delivered(seg, now, self._min_rtt, older(seg))
            for seg in (sack.segments or ()) if sack is not None else ():
                if not (seg.split and seg.length < mss):
                    rack.on_delivered(seg, now, self._min_rtt, older(seg))
            if rack.advanced:
                self._rack_detect(now)
        if self._tlp_high is not None:
            self._tlp_on_ack(sack, ack, newly_sacked, acked_bytes, now)

    def _rack_detect(self, now: int) -> None:
        """RACK_detect_loss; the reorder timer waits for what is not yet lost
        (Linux adds TCP_TIMEOUT_MIN to it)."""
        rack, sb = self._rack, self.sb
        reo = rack.reo_wnd(self.ca_state == "recovery", sb.sacked_bytes // self.snd_mss,
                           self.config.dupthresh, self._min_rtt, self.rtt.srtt_ns)
        lost_to, wait = rack.detect_loss(sb.outstanding(), sb.lost_to, now, reo)
        if lost_to > sb.lost_to:
            sb.mark_lost_to(lost_to)
            self._record("tcp.rack", lost_to=lost_to & 0xFFFFFFFF, reo_wnd_ns=reo)
        relost, rewait = rack.detect_relost(sb.retransmissions_in_flight(), now, reo)
        for seg in relost:
            sb.mark_relost(seg)
            self._record("tcp.rack_relost", seq=seg.seq, len=seg.end - seg.start,
                         reo_wnd_ns=reo)
        if rewait is not None and (wait is None or rewait < wait):
            wait = rewait
        self._rack_at = None if wait is None else now + wait + TIMEOUT_MIN_NS

    def _rack_timeout(self, now: int) -> None:
        """§6.3: the reorder timer fired: detect again; a loss starts recovery."""
        if self._rack is None or self.flight == 0:
            return
        self._rack_detect(now)
        self._maybe_rack_recovery(self.snd_mss, now)   # Linux: as if one was delivered
        self._output(now)

    # --- TLP (§7)
    def _arm_loss_probe(self, now: int) -> None:
        """§7.2: (re)start the PTO after new data went out or an ACK acked new data,
        in the Open state with SACK and no probe outstanding."""
        if not (self.config.tlp and self.neg is not None and self.neg.sack
                and self.ca_state == "open" and self._tlp_high is None):
            self._tlp_at = None
            return
        if self._tlp_rearm:
            self._tlp_rearm = False
            one = self.flight <= self.snd_mss
            self._tlp_at = now + pto_ns(self.rtt.srtt_ns, one, self.config.min_rto,
                                        self._rto_at - now)

    def _send_loss_probe(self, now: int) -> None:
        """§7.3: one new segment if the peer's window allows it, else the last
        segment again; then the RTO restarts."""
        if self.flight == 0 or self.ca_state != "open" or self._tlp_high is not None:
            return
        mss = self._mss_now()
        unsent = self._unsent()
        wnd_left = seq_sub(seq_add(self.snd_una, self.snd_wnd), self.snd_nxt)
        self._rtx_cause = "tlp"
        if unsent > 0 and wnd_left >= min(mss, unsent):
            seq = self.snd_nxt
            self.snd_nxt = seq_add(seq, self._transmit(seq, min(mss, unsent), now,
                                                       retransmit=False))
            self._tlp_retrans = False
        else:
            last, first = self.sb.last(), self.sb.first()
            if last is None:
                return
            end = last.end - last.fin               # the last segment sent (Linux's
            start = (max(end - mss, first.start)    # last skb); a SACK may have cut
                     if last.split else last.start)  # it into pieces: its last MSS
            self._retransmit(start & 0xFFFFFFFF, end - start, now)
            self._tlp_retrans = True
        self._tlp_high = self.snd_nxt
        self._record("tcp.tlp", seq=self.snd_nxt, retransmit=self._tlp_retrans)
        self._rto_at = now + self.rtt.rto_ns
        self._tlp_rearm = False

    def _tlp_on_ack(self, sack, ack: int, newly_sacked: int, acked_bytes: int,
                    now: int) -> None:
        """§7.4 as Linux's tcp_process_tlp_ack: the episode ends when an ACK reaches
        TLP.end_seq; a resent probe ACKed beyond it with no D-SACK for it means the
        probe repaired a loss: cwnd is reduced once (CWR: ssthresh by the cc, cwnd =
        ssthresh)."""
        high = self._tlp_high
        if seq_lt(ack, high):
            return
        dsack = sack is not None and sack.dsack and seq_ge(sack.dsack_block[1], high)
        if not self._tlp_retrans or dsack:
            self._tlp_high = None
        elif seq_gt(ack, high):
            self._tlp_high = None
            self.cc.on_congestion_event(now, self.flight)
            self.cc.cwnd = self.cc.ssthresh
            self._record("tcp.tlp_recovery", cwnd=self.cc.cwnd, ssthresh=self.cc.ssthresh)
        elif acked_bytes <= 0 and not newly_sacked:
            self._tlp_high = None                # a pure dupACK: both copies arrived

    def _maybe_rack_recovery(self, delivered: int, now: int) -> None:
        """RACK found a loss at SND.UNA in the Open state: fast recovery (Linux
        tcp_time_to_recover: lost_out)."""
        if (self._rack is not None and self.ca_state == "open" and self.flight > 0
                and seq_ge(self.snd_una, self.recover) and self.sb.is_lost(self.snd_una)):
            self._enter_recovery(delivered, now)
            self._trace_cwnd()
