"""The sending side's reaction to ACKs and timeouts: RTT samples, congestion control,
fast retransmit / fast recovery, SACK-based recovery and the RTO's loss recovery.

- Every segment sent goes into the scoreboard (sack.py), the retransmission queue.
- A new cumulative ACK frees the send buffer, gives an RTT sample (Karn's rule, RFC
  6298 §3: none from a retransmitted segment; with timestamps the TSecr gives one
  then, as Linux does), grows cwnd via the cc module, restarts the RTO (§5.3).
- Duplicate ACKs (RFC 5681 §2): the first two may send new data (limited transmit,
  RFC 3042); the DupThresh-th, or with SACK IsLost(HighACK+1) (RFC 6675 §5), enters
  fast recovery, but not before SND.UNA passes ``recover`` (RFC 6582 §3.2 step 1).
- In recovery without SACK a partial ACK retransmits the next hole (NewReno, RFC 6582
  §3.2 step 5; Reno leaves recovery instead). With SACK, NextSeg (RFC 6675 §4) picks
  what to send. The amount is window inflation (RFC 5681 §3.2), pipe < cwnd (RFC
  6675 §5) or PRR (RFC 6937), by ``config.recovery``.
- The RTO (RFC 6298 §5.4–5.6) backs off, collapses cwnd to one segment (RFC 5681
  §3.1), marks everything outstanding lost (RFC 6675 §5.1) and resends it in order as
  cwnd allows (Linux's loss state).
- With SACK and ``config.rack``/``config.tlp``, RACK-TLP (RFC 8985, rack.py) marks
  losses by time instead of DupThresh and probes a silent tail before the RTO.
- Without SACK, with ``config.reno_sack_emulation == "ns3"`` and classic recovery,
  ns-3 3.44's emulated-SACK scoreboard (ns3_reno_sack.py) replaces DupThresh counting,
  window inflation and the RTO's resend order (the ``_ns3`` hooks below).
"""

from simulator.stack.errno import Errno
from simulator.wire.tcp import Sack, Timestamps

from .cc import make as make_cc
from .ns3_reno_sack import Ns3RenoMixin, RenoSackScoreboard
from .prr import Prr
from .rack import RackTlpMixin
from .reordering import ReorderingMixin
from .sack import Scoreboard
from .seq import seq_add, seq_ge, seq_le, seq_lt, seq_sub

OPEN, RECOVERY, LOSS = "open", "recovery", "loss"


class SenderMixin(RackTlpMixin, Ns3RenoMixin, ReorderingMixin):
    def _init_sender(self) -> None:
        self._init_rack()
        self._init_reordering()
        self._data_seq = seq_add(self.iss, 1)   # the sequence number of sndbuf[0]
        self._fin_sent = False
        self._fin_seq = None
        self.cc = None
        self.sb = None
        self._ns3 = None                        # ns-3's emulated Reno SACK, or None
        self.ca_state = OPEN
        self.dupacks = 0
        self.recover = self.iss
        self._rtx_owed = False                  # a NewReno retransmission is due
        self._partial_acks = 0
        self._rtx_cause = "rto"
        self._prr = None
        self._sndcnt = 0
        self._snd_sml = self.iss                # end of the last short segment (Nagle)
        self._last_send_ns = None
        self._cwnd_traced = None
        self._cwnd_limited = False              # tcp_cwnd_validate's state
        self._max_flight = 0
        self._cwnd_usage_seq = self.iss

    def _start_sending(self, now: int) -> None:
        """The SYN exchange is done: effective MSS, cc, scoreboard, RFC 6298 §5.7."""
        self.snd_mss = self._effective_mss()
        cfg = self.config
        self.cc = make_cc(cfg.cc, self.snd_mss, cfg.initial_window_bytes(self.snd_mss), cfg)
        self.sb = Scoreboard(self.snd_mss, cfg.dupthresh,
                             dupthresh_rule=not (cfg.rack and self.neg.sack),
                             whole_segments=cfg.sack_whole_segments)
        self._rack_start()
        if (cfg.reno_sack_emulation == "ns3" and not self.neg.sack
                and cfg.recovery == "classic"):
            self._ns3 = RenoSackScoreboard()
        if self._syn_retries and self.rtt.srtt_ns is None:
            self.rtt.fallback(cfg.syn_fallback_rto)
        if 0 < cfg.syn_loss_window_after <= self._syn_retries:
            self.cc.cwnd = self.snd_mss                  # RFC 5681 §3.1 loss window
        self._trace_cwnd()

    # --- ACK processing (RFC 9293 §3.10.7.4, fifth step) -------------------------
    def _process_ack(self, seg, now: int) -> None:
        ack = seg.ack
        old_wnd = self.snd_wnd
        neg = self.neg
        wl1 = self.snd_wl1
        if seq_lt(wl1, seg.seq) or (wl1 == seg.seq and seq_le(self.snd_wl2, ack)):
            wnd = self.snd_wnd = seg.window << neg.snd_wscale
            self.snd_wl1, self.snd_wl2 = seg.seq, ack
            if wnd > self.max_snd_wnd:
                self.max_snd_wnd = wnd
        newly_sacked = 0
        rtt = None
        acked = seq_sub(ack, self.snd_una)
        flight_before = self.flight
        segs, update = (), None
        prior_fack = self._fack() if self.neg.sack else None
        delivered_before = self.sb.delivered
        if acked > 0:
            rtt, segs = self._new_ack(seg, ack, now)
        if neg.sack:
            sack = seg.option(Sack)
            if sack is not None:
                update = self.sb.on_sack(ack, list(sack.blocks))
                newly_sacked = update.newly_sacked
                self.delivered += -(-newly_sacked // self.snd_mss)
            if segs or newly_sacked:
                self._reordering_on_ack(prior_fack, segs, update)    # reordering.py
        if acked < 0:
            return                              # an old ACK: nothing more
        self._rack_on_ack(seg, segs, update, newly_sacked, acked, now)
        if acked > 0:
            grow = self._grow_bytes(acked, delivered_before)
            self._after_new_ack(acked, newly_sacked, grow, rtt, flight_before, now)
        elif (self.snd_nxt != self.snd_una and not seg.payload and not seg.flags & 0x03
              and (self.snd_wnd == old_wnd or newly_sacked
                   or self._ns3 is not None)):  # ns-3: a dupACK whatever its window
            self._dupack(newly_sacked, now)     # ack == SND.UNA, data in flight
        self._probe_answered(flight_before == 0, now)
        self._maybe_rack_recovery(acked + newly_sacked, now)
        if (acked == 0 and newly_sacked and self.ca_state != RECOVERY
                and self.config.cwnd_growth == "delivered"
                and self.reordering > self.config.dupthresh):
            # Linux tcp_may_raise_cwnd: with reordering seen, SACKs grow cwnd too
            self.cc.on_ack(now, 0, None, self._usage_flight(flight_before), newly_sacked)
            self._trace_cwnd()

    def _new_ack(self, seg, ack: int, now: int):
        """SND.UNA advances: free the buffer, take an RTT sample; (rtt, the records
        the ACK covered)."""
        data = max(min(seq_sub(ack, self._data_seq), len(self.sndbuf)), 0)
        self.sndbuf.consume(data)
        self._data_seq = seq_add(self._data_seq, data)
        self.snd_una = ack
        self.retransmits = 0
        acked = self.sb.on_ack(ack)
        self.delivered += sum(1 for s in acked if not s.sacked)
        if self._ns3 is not None:
            self._ns3.discard_up_to(ack)
        rtt = None
        first = None                    # the first record not SACKed, if none was resent
        for s in acked:
            if s.retransmitted:
                first = None
                break
            if first is None and not s.sacked:
                first = s
        if first is not None:
            rtt = now - first.sent_ns
        if rtt is None and self.neg.timestamps:
            ts = seg.option(Timestamps)
            if ts is not None and ts.tsecr:
                rtt = (seq_sub(self._tsval(now), ts.tsecr) * 1_000_000_000
                       // self.config.ts_hz)
        if rtt is not None:
            self._rtt_sample(rtt)
        if data and self.sndbuf.free:
            self._event("writable", self.sndbuf.free)
        return rtt, acked

    def _grow_bytes(self, acked: int, delivered_before: int) -> int | None:
        """What an ACK advancing SND.UNA grows cwnd by. ``cwnd_growth: acked``: the
        bytes it acks (RFC 5681; None). ``delivered`` (Linux tcp_cong_control's
        acked_sacked): the bytes it newly delivers, so not those SACKed before but
        those it SACKs now; without SACK each duplicate ACK since the last new ACK
        counts a segment delivered then (tcp_remove_reno_sacks), one at least."""
        if self.config.cwnd_growth == "acked":
            return None
        if self.neg.sack:
            return self.sb.delivered - delivered_before
        return max(acked - self.dupacks * self.snd_mss, min(acked, self.snd_mss))

    def _after_new_ack(self, acked: int, newly_sacked: int, grow: int | None, rtt,
                       flight_before: int, now: int) -> None:
        was = self.ca_state
        if self.ca_state == RECOVERY:
            if seq_ge(self.snd_una, self.recover) or (self.cc.name == "reno"
                                                      and not self.neg.sack):
                self._exit_recovery(now)
            else:
                self._partial_ack(acked, newly_sacked)
        elif self.ca_state == LOSS and seq_ge(self.snd_una, self.recover):
            self.ca_state = OPEN
        # the ACK ending recovery sets cwnd only (ns-3 also grows it, from ssthresh)
        if was != RECOVERY or (self._ns3 is not None and self.ca_state == OPEN):
            self.cc.on_ack(now, acked, rtt, self._usage_flight(flight_before), grow)
        self.dupacks = 0
        self._tlp_rearm = True                  # RFC 8985 §7.2: an ACK of new data
        # RFC 6298 §5.3: restart the RTO; NewReno's "Impatient" variant (RFC 6582
        # §3.2 step 5, §4) only on the first partial ACK of a recovery
        if not (self.ca_state == RECOVERY and self._partial_acks > 1
                and self.config.newreno_impatient and not self.neg.sack):
            self._rto_at = None                 # restarted by _arm_rto_or_persist
        self._trace_cwnd()

    def _usage_flight(self, flight_before: int) -> int:
        """The flight the cc module judges cwnd use by (its cwnd_validation): as
        Linux's tcp_cwnd_validate, the most in flight in the current window, or all
        of cwnd if sending was cwnd-limited in it."""
        if self._cwnd_limited:
            return max(self.cc.cwnd, flight_before)
        return max(self._max_flight, flight_before)

    def _cwnd_validate(self) -> None:
        """After sending: remember how much of cwnd this window used."""
        limited = self._pipe() >= self.cc.cwnd
        if (seq_ge(self.snd_una, self._cwnd_usage_seq) or limited
                or (not self._cwnd_limited and self.flight > self._max_flight)):
            self._cwnd_limited = limited
            self._max_flight = self.flight
            self._cwnd_usage_seq = self.snd_nxt

    def _rtt_sample(self, rtt: int) -> None:
        self.rtt.sample(rtt, self.snd_una, self.snd_nxt)
        self._min_rtt = rtt if self._min_rtt is None else min(self._min_rtt, rtt)
        if self.tracing:
            self._record("tcp.rtt", rtt_ns=rtt, srtt_ns=self.rtt.srtt_ns,
                         rttvar_ns=self.rtt.rttvar_ns, rto_ns=self.rtt.rto_ns)

    def _dupack(self, newly_sacked: int, now: int) -> None:
        if self._ns3 is not None:
            self._ns3_dupack(now)
            self._trace_cwnd()
            return
        self.dupacks += 1
        if self.ca_state == RECOVERY:
            if self._prr is not None:
                self._prr_ack(newly_sacked if self.neg.sack else self.snd_mss, safe=False)
            elif not self.neg.sack:
                self.cc.cwnd += self.snd_mss          # RFC 5681 §3.2 step 4: inflate
        elif self.ca_state == OPEN and seq_ge(self.snd_una, self.recover) and (
                (self._rack is None and self.dupacks >= self.config.dupthresh)
                or (self.neg.sack and self.sb.is_lost(self.snd_una))):
            self._enter_recovery(newly_sacked if self.neg.sack else self.snd_mss, now)
        self._trace_cwnd()

    # --- fast recovery ----------------------------------------------------------
    def _enter_recovery(self, delivered: int, now: int) -> None:
        """RFC 5681 §3.2 steps 2–3 / RFC 6582 §3.2 step 2 / RFC 6675 §5 / RFC 6937
        (``delivered``: what the ACK starting recovery delivered, PRR's first
        DeliveredData)."""
        flight = self.flight if self._ns3 is None else self._ns3_recovery_flight()
        cc = self.cc
        cwnd_before = cc.cwnd
        cc.on_congestion_event(now, flight)
        self.ca_state = RECOVERY
        self.recover = self.snd_nxt
        self._rtx_cause = "fast"
        self._partial_acks = 0
        self._tlp_high = self._tlp_at = None    # Linux tcp_init_cwnd_reduction
        self.sb.enter_recovery()
        # RFC 6675 §5 (4.3) / RFC 5681 step 3; under RACK not if the head's last
        # retransmission is still in flight (Linux skips it)
        head = self.sb.first()
        self._rtx_owed = not (self._rack is not None and head is not None
                              and head.retransmitted)
        if self.config.recovery == "prr":
            recover_fs = cwnd_before if self.config.prr_recover_fs == "cwnd" else flight
            self._prr = Prr(cc.ssthresh, recover_fs, self.snd_mss, self.config.prr_bound,
                            whole_segments=self.config.prr_units == "segments")
            self._prr_ack(delivered, safe=False)
        elif self.neg.sack or self._ns3 is not None:
            cc.cwnd = cc.ssthresh              # RFC 6675 §5 step (4.2); ns-3 classic
        else:
            cc.cwnd = cc.ssthresh + self.config.dupthresh * self.snd_mss

    def _partial_ack(self, acked: int, newly_sacked: int) -> None:
        """RFC 6582 §3.2 step 5: retransmit the first unacknowledged segment, deflate
        cwnd by the amount acked, add back one MSS."""
        self._rtx_cause = "fast"
        self._partial_acks += 1
        if not self.neg.sack:
            self._rtx_owed = True
        if self._ns3 is not None:
            self._ns3.mark_head_lost()          # ns-3: cwnd stays at ssthresh
        elif self._prr is not None:
            self._prr_ack(acked + newly_sacked)
        elif not self.neg.sack:
            mss = self.snd_mss
            self.cc.cwnd = max(self.cc.cwnd - acked + (mss if acked >= mss else 0), mss)

    def _exit_recovery(self, now: int) -> None:
        self.ca_state = OPEN
        self._prr = None
        self._rtx_owed = False
        self.cc.on_recovery_exit(now)

    def _prr_ack(self, delivered: int, safe: bool = True) -> None:
        """RFC 6937 on one ACK; cwnd = pipe + sndcnt as Linux's tcp_cwnd_reduction.
        ``safe``: RFC 9937's SafeACK (SND.UNA advanced), which alone earns the slow-
        start reduction bound's extra segment (Linux 6.x)."""
        pipe = self._pipe()
        self._sndcnt = self._prr.on_ack(delivered, pipe, safe_ack=safe)
        self.cc.cwnd = max(pipe + self._sndcnt, self.snd_mss)

    # --- what may be sent -------------------------------------------------------
    def _pipe(self) -> int:
        """Bytes believed in the network: RFC 6675 SetPipe from the scoreboard (in
        SACK recovery, and after an RTO); in PRR recovery without SACK FlightSize
        less one segment per dupACK (Linux's emulated SACK count); else FlightSize
        (RFC 5681, RFC 3042)."""
        if self._ns3 is not None:
            return self._ns3.bytes_in_flight()
        if self.ca_state == LOSS or (self.ca_state == RECOVERY and self.neg.sack):
            return self.sb.pipe()
        if self.ca_state == RECOVERY and self._prr is not None:
            return max(self.flight - self.dupacks * self.snd_mss, 0)
        return self.flight

    def _send_budget(self) -> int:
        """Bytes that congestion control allows now."""
        if self.cc is None:
            return 0
        if self.ca_state == RECOVERY and self._prr is not None:
            return self._sndcnt
        budget = self.cc.cwnd - self._pipe()
        if (self.ca_state == OPEN and self.config.limited_transmit and self.dupacks
                and self._ns3 is None):
            budget += min(self.dupacks, 2) * self.snd_mss      # RFC 3042
        return budget

    def _send_retransmissions(self, now: int) -> None:
        """NewReno's owed retransmission; then, in SACK recovery or after an RTO,
        NextSeg rules 1 and 3 (RFC 6675 §4) while the budget lasts."""
        if self._rtx_owed:
            self._rtx_owed = False
            self._retransmit(self.snd_una, self.snd_mss, now)
        if self._ns3 is not None:
            self._ns3_retransmissions(now)
            return
        if self.ca_state == OPEN or (self.ca_state == RECOVERY and not self.neg.sack):
            return
        while True:
            new = 0
            if self.ca_state == RECOVERY:       # rule 2 only if the window allows it
                wnd_left = seq_sub(seq_add(self.snd_una, self.snd_wnd), self.snd_nxt)
                new = max(min(self._unsent(), wnd_left), 0)
            nxt = self.sb.next_seg(self.snd_nxt, self._mss_now(), new)
            if nxt is None or nxt[0] == self.snd_nxt:
                return                                  # rule 2: new data, sent later
            seq, length = nxt
            if self._send_budget() < length:
                return
            self._retransmit(seq, length, now)

    def _retransmit(self, seq: int, length: int, now: int) -> None:
        length = min(length, max(seq_sub(self.snd_nxt, seq), 0))
        if length or (self._fin_sent and seq == self._fin_seq):
            self._transmit(seq, length, now, retransmit=True)

    def _on_transmit(self, seq: int, length: int, fin: bool, now: int,
                     retransmit: bool) -> None:
        """Bookkeeping for one data/FIN segment sent."""
        if self.flight == 0 and not retransmit and self._last_send_ns is not None:
            self.cc.on_tx_start(now, now - self._last_send_ns)
        self._last_send_ns = now
        if not retransmit:
            self._tlp_rearm = True              # RFC 8985 §7.2: new data sent
            self._data_sent(now)                # delack.py: pingpong mode
        if fin:
            self._fin_sent = True
            self._fin_seq = seq_add(seq, length)
        self.sb.on_send(seq, length, now, retransmit, fin)
        if self._ns3 is not None:
            self._ns3.on_send(seq, length + fin, retransmit)
        if retransmit:
            if self._rtx_cause != "tlp":
                self._note_retransmit(now)
            self.total_retrans += 1
            self._record("tcp.retransmit", seq=seq, len=length, fin=fin,
                         cause=self._rtx_cause)
        if self._prr is not None:
            self._prr.on_sent(length + fin)
            self._sndcnt = max(self._sndcnt - length - fin, 0)

    def _maybe_idle_restart(self, now: int) -> None:
        """RFC 5681 §4.1: idle longer than an RTO → restart from the restart window."""
        if (self.config.slow_start_after_idle and self._last_send_ns is not None
                and now - self._last_send_ns > self.rtt.rto_ns):
            self.cc.on_idle_restart(now, self.rtt.rto_ns, now - self._last_send_ns)
            self._trace_cwnd()

    # --- the retransmission timer (RFC 6298 §5.4–5.6) ---------------------------
    def _on_rto(self, now: int) -> None:
        if self._write_timeout(now):                    # retries.py
            self._enter_closed(self.soft_error or Errno.ETIMEDOUT)
            return
        repeated = self.ca_state == LOSS and self.retransmits > 0
        flight = self.flight
        if self._ns3 is not None:               # ns-3 ReTxTimeout: its pipe, its rule
            flight = self._ns3.bytes_in_flight()
            repeated = self.ca_state == LOSS and self._ns3.head_retransmitted()
            self._ns3.on_rto()
        self.retransmits += 1
        self.rtt.backoff()
        self._record("tcp.rto", rto_ns=self.rtt.rto_ns, backoffs=self.rtt.backoffs,
                     snd_una=self.snd_una)
        self.cc.on_rto(now, flight, repeated)
        self.ca_state = LOSS
        self._prr = None
        self._rtx_owed = False
        self.recover = self.snd_nxt
        self.sb.on_rto()
        self._tlp_high = self._tlp_at = self._rack_at = None
        self.dupacks = 0
        self._rtx_cause = "rto"
        self._trace_cwnd()
        self._output(now)
        self._clamp_rto_to_user_timeout(now)

    def _loss_without_reduction(self, now: int, cause: str = "pmtu") -> None:
        """Resend everything outstanding without a congestion response (the MSS
        shrank: Linux tcp_simple_retransmit enters the loss state, cwnd kept)."""
        if self.flight == 0:
            return
        self.ca_state = LOSS
        self._prr = None
        self._rtx_owed = False
        self.recover = self.snd_nxt
        self.sb.on_rto()
        if self._ns3 is not None:
            self._ns3.on_rto()
        self._rtx_cause = cause
        self._trace_cwnd()
        self._output(now)

    def _trace_cwnd(self) -> None:
        cc = self.cc
        key = (cc.cwnd, cc.ssthresh, self.ca_state)
        if key != self._cwnd_traced:
            self._cwnd_traced = key
            if self.tracing:
                self._record("tcp.cwnd", cwnd=cc.cwnd, ssthresh=cc.ssthresh,
                             state=self.ca_state)
