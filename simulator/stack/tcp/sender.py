"""The sending side's reaction to ACKs and timeouts: RTT samples, congestion control,
fast retransmit / fast recovery and the retransmission timer's loss recovery.

- A new cumulative ACK frees the send buffer, gives an RTT sample (Karn's rule, RFC
  6298 §3: never from a retransmitted segment), grows cwnd via the cc module, and
  restarts the RTO (§5.3).
- Duplicate ACKs (RFC 5681 §2): the first two may send new data (limited transmit,
  RFC 3042); the third enters fast recovery (RFC 5681 §3.2, not again below
  ``recover``, RFC 6582 §3.2 step 1). In recovery a partial ACK retransmits the next
  hole (NewReno, RFC 6582 §3.2 step 5; Reno leaves recovery instead); the full ACK
  ends it. The amount sent in recovery is window inflation (classic) or PRR
  (RFC 6937).
- The RTO (RFC 6298 §5.4–5.6) backs off, collapses cwnd to one segment (RFC 5681
  §3.1) and retransmits everything outstanding in order as cwnd allows, like Linux's
  loss state (tcp_enter_loss), with ``recover`` set so that the dupACKs this causes
  do not start a fast retransmit (RFC 6582 §4).
"""

from simulator.stack.errno import Errno

from .cc_adapter import make_cc, make_prr
from .seq import seq_add, seq_ge, seq_gt, seq_le, seq_lt, seq_max, seq_sub

OPEN, RECOVERY, LOSS = "open", "recovery", "loss"


class SenderMixin:
    def _init_sender(self) -> None:
        self._data_seq = seq_add(self.iss, 1)   # the sequence number of sndbuf[0]
        self._fin_sent = False
        self._fin_seq = None
        self.cc = None
        self.ca_state = OPEN
        self.dupacks = 0
        self.recover = self.iss
        self._high_rxt = self.iss               # retransmissions reached this far
        self._rtx_owed = False                  # a fast retransmit is to be sent
        self._rtx_cause = "rto"
        self._prr = None
        self._sndcnt = 0
        self._rtt_seq = None                    # the segment being timed, end seq
        self._rtt_sent = 0
        self._snd_sml = self.iss                # end of the last short segment (Nagle)
        self._last_send_ns = None
        self._syn_retransmitted = False

    def _start_sending(self, now: int) -> None:
        """The SYN exchange is done: effective MSS, congestion control, RFC 6298 §5.7."""
        self.snd_mss = self._effective_mss()
        self.cc = make_cc(self.config, self.snd_mss)
        if self._syn_retransmitted:
            self.rtt.fallback(self.config.syn_fallback_rto)
        self._trace_cwnd()

    # --- ACK processing (RFC 9293 §3.10.7.4, fifth step) -------------------------
    def _process_ack(self, seg, now: int) -> None:
        ack = seg.ack
        old_wnd = self.snd_wnd
        if seq_lt(self.snd_wl1, seg.seq) or (self.snd_wl1 == seg.seq
                                             and seq_le(self.snd_wl2, ack)):
            self.snd_wnd = seg.window << self.neg.snd_wscale
            self.snd_wl1, self.snd_wl2 = seg.seq, ack
            self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
        if seq_gt(ack, self.snd_una):
            self._new_ack(seg, ack, now)
        elif (ack == self.snd_una and self.flight > 0 and not seg.payload
              and not seg.flags & 0x03 and self.snd_wnd == old_wnd):
            self._dupack(now)

    def _new_ack(self, seg, ack: int, now: int) -> None:
        acked = seq_sub(ack, self.snd_una)
        data = min(acked, len(self.sndbuf) - seq_sub(self.snd_una, self._data_seq))
        data = max(data, 0)
        self.sndbuf.consume(data)
        self._data_seq = seq_add(self._data_seq, data)
        self.snd_una = ack
        if seq_lt(self._high_rxt, ack):
            self._high_rxt = ack
        self.retransmits = 0
        self._probes = 0
        rtt = self._rtt_from_ack(seg, ack, now)
        flight_before = self.flight + acked
        if self.ca_state == RECOVERY:
            if seq_ge(ack, self.recover) or self.cc.name == "reno":
                self._exit_recovery(now)
            else:
                self._partial_ack(acked, now)
        elif self.ca_state == LOSS and seq_ge(ack, self.recover):
            self.ca_state = OPEN
        if self.ca_state != RECOVERY:
            self.cc.on_ack(now, acked, rtt, flight_before)
        self.dupacks = 0
        self._rto_at = None                     # restarted by _arm_rto_or_persist
        self._trace_cwnd()
        if data and self.sndbuf.free:
            self._event("writable", self.sndbuf.free)

    def _rtt_from_ack(self, seg, ack: int, now: int) -> int | None:
        """One RTT sample per timed segment (RFC 6298 §3 with Karn's rule)."""
        if self._rtt_seq is None or seq_lt(ack, self._rtt_seq):
            return None
        rtt = now - self._rtt_sent
        self._rtt_seq = None
        self._rtt_sample(rtt)
        return rtt

    def _rtt_sample(self, rtt: int) -> None:
        self.rtt.sample(rtt, self.snd_una, self.snd_nxt)
        self._record("tcp.rtt", rtt_ns=rtt, srtt_ns=self.rtt.srtt_ns,
                     rttvar_ns=self.rtt.rttvar_ns, rto_ns=self.rtt.rto_ns)

    def _dupack(self, now: int) -> None:
        self.dupacks += 1
        if self.ca_state == RECOVERY:
            if self._prr is None:
                self.cc.cwnd += self.snd_mss          # RFC 5681 §3.2 step 4: inflate
            else:
                self._prr_ack(self.snd_mss)
        elif self.ca_state == OPEN and self.dupacks == self.config.dupthresh:
            if seq_gt(self.snd_una, self.recover) or self.recover == self.iss:
                self._enter_recovery(now)
        self._trace_cwnd()

    # --- fast recovery ----------------------------------------------------------
    def _enter_recovery(self, now: int) -> None:
        """RFC 5681 §3.2 steps 2–3 / RFC 6582 §3.2 step 2 / RFC 6937 initialisation."""
        flight = self.flight
        self.cc.on_congestion_event(now, flight)
        self.ca_state = RECOVERY
        self.recover = self.snd_nxt
        self._high_rxt = self.snd_una
        self._rtx_owed = True
        self._rtx_cause = "fast"
        self._prr = self._make_prr(flight) if self.config.recovery == "prr" else None
        if self._prr is not None:
            self._prr_ack(self.snd_mss)
            self._sndcnt = max(self._sndcnt, self.snd_mss)   # the fast retransmit
        else:
            self.cc.cwnd = self.cc.ssthresh + self.config.dupthresh * self.snd_mss

    def _partial_ack(self, acked: int, now: int) -> None:
        """RFC 6582 §3.2 step 5: retransmit the first unacknowledged segment; deflate
        cwnd by the amount acked, add back one MSS; restart the timer (RFC 6582 §4)."""
        self._rtx_owed = True
        self._rtx_cause = "fast"
        self._high_rxt = self.snd_una
        if self._prr is None:
            self.cc.cwnd = max(self.cc.cwnd - acked + (self.snd_mss if acked >= self.snd_mss
                                                        else 0), self.snd_mss)
        else:
            self._prr_ack(acked)

    def _exit_recovery(self, now: int) -> None:
        self.ca_state = OPEN
        self._prr = None
        self._rtx_owed = False
        self.cc.on_recovery_exit(now)
        self.cc.cwnd = self.cc.ssthresh

    def _make_prr(self, flight: int):
        return make_prr(self.cc.ssthresh, flight, self.snd_mss)

    def _prr_ack(self, delivered: int) -> None:
        self._sndcnt = self._prr.on_ack(delivered, self._pipe())

    # --- what may be sent -------------------------------------------------------
    def _pipe(self) -> int:
        """Bytes believed in the network (RFC 6675 §4 pipe, with no SACK: FlightSize,
        less what dupACKs say has left it, less lost data not yet retransmitted)."""
        flight = self.flight
        if self.ca_state == LOSS:
            return max(flight - max(seq_sub(self.recover, seq_max(self._high_rxt,
                                                                  self.snd_una)), 0), 0)
        if self.ca_state == RECOVERY and self._prr is not None:
            return max(flight - self.dupacks * self.snd_mss, 0)
        return flight

    def _send_budget(self) -> int:
        """Bytes that congestion control allows now."""
        if self.cc is None:
            return 0
        if self.ca_state == RECOVERY and self._prr is not None:
            return self._sndcnt
        budget = self.cc.cwnd - self._pipe()
        if self.ca_state == OPEN and self.config.limited_transmit and self.dupacks:
            budget += min(self.dupacks, 2) * self.snd_mss      # RFC 3042
        return budget

    def _send_retransmissions(self, now: int) -> None:
        if self._rtx_owed:
            self._rtx_owed = False
            self._retransmit_at(self.snd_una, now)
        if self.ca_state != LOSS:
            return
        while seq_lt(self._high_rxt, self.recover):
            seq = seq_max(self._high_rxt, self.snd_una)
            length = min(self.snd_mss, seq_sub(self.recover, seq))
            if self._send_budget() < min(length, self.snd_mss):
                return
            self._retransmit_at(seq, now, length)

    def _retransmit_at(self, seq: int, now: int, length: int | None = None) -> None:
        if length is None:
            length = self.snd_mss
        length = min(length, max(seq_sub(self.snd_nxt, seq), 0))
        used = self._transmit(seq, length, now, retransmit=True)
        if used == 0:                   # nothing left there (FIN already acked)
            self._high_rxt = self.recover
            return
        self._high_rxt = seq_max(self._high_rxt, seq_add(seq, used))
        if self._prr is not None and self.ca_state == RECOVERY:
            self._prr.on_sent(used)
            self._sndcnt = max(self._sndcnt - used, 0)

    def _on_transmit(self, seq: int, length: int, fin: bool, now: int,
                     retransmit: bool) -> None:
        """Bookkeeping for one data/FIN segment sent."""
        self._last_send_ns = now
        if fin:
            self._fin_sent = True
            self._fin_seq = seq_add(seq, length)
        if retransmit:
            self.total_retrans += 1
            self._rtt_seq = None                          # Karn (RFC 6298 §3)
            self._record("tcp.retransmit", seq=seq, len=length, fin=fin,
                         cause=self._rtx_cause)
        else:
            if self._rtt_seq is None:
                self._rtt_seq = seq_add(seq, length + fin)
                self._rtt_sent = now
            if self._prr is not None and self.ca_state == RECOVERY:
                self._prr.on_sent(length + fin)
                self._sndcnt = max(self._sndcnt - length - fin, 0)

    def _maybe_idle_restart(self, now: int) -> None:
        """RFC 5681 §4.1: idle longer than an RTO → restart from the restart window."""
        if (self.config.slow_start_after_idle and self._last_send_ns is not None
                and now - self._last_send_ns > self.rtt.rto_ns):
            self.cc.on_idle_restart(now, self.rtt.rto_ns)
            self._last_send_ns = now
            self._trace_cwnd()

    # --- the retransmission timer (RFC 6298 §5.4–5.6) ---------------------------
    def _on_rto(self, now: int) -> None:
        if self.retransmits >= self.config.retries2:
            self._enter_closed(self.soft_error or Errno.ETIMEDOUT)
            return
        self.retransmits += 1
        self.rtt.backoff()
        self._record("tcp.rto", rto_ns=self.rtt.rto_ns, backoffs=self.rtt.backoffs,
                     snd_una=self.snd_una)
        self.cc.on_rto(now, self.flight)
        self.ca_state = LOSS
        self._prr = None
        self._rtx_owed = False
        self.recover = self.snd_nxt
        self._high_rxt = self.snd_una
        self.dupacks = 0
        self._rtx_cause = "rto"
        self._rtt_seq = None
        self._trace_cwnd()
        self._output(now)

    def _trace_cwnd(self) -> None:
        cc = self.cc
        key = (cc.cwnd, cc.ssthresh, self.ca_state)
        if key != self._cwnd_traced:
            self._cwnd_traced = key
            self._record("tcp.cwnd", cwnd=cc.cwnd, ssthresh=cc.ssthresh, state=self.ca_state)

    _cwnd_traced = None
