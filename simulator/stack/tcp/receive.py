"""SEGMENT ARRIVES (RFC 9293 §3.10.7.3–§3.10.7.4), in the RFC's order of checks.

SYN-SENT: the ACK check, RST (only with an acceptable ACK, RFC 5961 §3.2), the SYN
(SYN-ACK → ESTABLISHED; a bare SYN → simultaneous open, SYN-RECEIVED). Synchronized
states: PAWS (RFC 7323 §5.3), sequence acceptability (unacceptable → ACK, drop),
RST (exactly RCV.NXT → reset; else in window → challenge ACK, RFC 5961 §3.2), SYN
(challenge ACK, RFC 5961 §4.2), the ACK (RFC 5961 §5.2 range, then sender.py),
the text (reassembly, ACK policy: out of order / gap filled / FIN → at once, else
delayed), the FIN.
"""

from simulator.stack.errno import Errno
from simulator.wire.tcp import ACK, FIN, RST, SYN, TcpSegment, Timestamps

from .options import peer_offer, settle
from .seq import seq_add, seq_ge, seq_gt, seq_le, seq_lt, seq_sub
from .states import CLOSED, LISTEN, RECEIVING, SYN_RECEIVED, SYN_SENT, State

SYN_REARM_NS = 2_000_000             # Linux TCP_TIMEOUT_MIN
DELACK_MAX_NS = 200_000_000          # Linux TCP_DELACK_MAX


class ReceiveMixin:
    def _init_receiver(self) -> None:
        self._fin_received = False
        self._rcv_adv = 0                # right edge of the window last advertised
        self._rcv_ssthresh = 0           # Linux's window cap (config.rcv_ssthresh)
        self._ack_now = False            # an ACK is owed now
        self._unacked = 0                # bytes received since our last ACK
        self._dsack = None               # (left, right) to report once (RFC 2883)
        self._ooo_fin = None             # sequence number of a FIN beyond a gap
        self._offer = None               # options.Negotiated from the peer's SYN
        self._last_ack_sent = 0
        self._syn_sent_ns = None
        self.active_open = False
        self.write_pending = False       # a writer waits for the handshake (Linux)

    # --- bookkeeping used by output --------------------------------------------
    def _ack_sent(self) -> None:
        self._ack_now = False
        self._unacked = 0
        self._delack_at = None
        self._last_ack_sent = self.rcv_nxt
        if self._quick:
            self._quick -= 1                 # Linux tcp_dec_quickack_mode

    def _learn_syn(self, seg) -> None:
        """The peer's SYN: IRS, its options, its (unscaled) window."""
        self.irs = seg.seq
        self.rcv_nxt = seq_add(seg.seq, 1)
        self._rcv_adv = self._last_ack_sent = self.rcv_nxt
        self._offer = peer_offer(self.config, seg)
        self.neg = settle(self.config, self._offer, self.rcv_wscale)
        ts = seg.option(Timestamps)
        if ts is not None and self.neg.timestamps:
            self.ts_recent = ts.tsval
        self.snd_wnd = self.max_snd_wnd = seg.window
        self.snd_wl1 = seg.seq

    def _reset_reply(self, seq: int) -> None:
        """<SEQ=seq><CTL=RST> (RFC 9293 §3.10.7.3, §3.10.7.4 SYN-RECEIVED)."""
        self._out.append(TcpSegment(self.local_port, self.remote_port, seq, 0, RST, 0))

    def _challenge_ack(self, now: int) -> None:
        """RFC 5961 §3.2 / §4.2 / §5.2: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>."""
        self._ack_now = True
        self._output(now)

    # --- entry point --------------------------------------------------------------
    def segment_arrives(self, seg, now: int) -> None:
        self.segs_in += 1
        st = self.state
        if st is SYN_SENT:
            self._syn_sent_arrives(seg, now)
        elif st is not CLOSED and st is not LISTEN:
            self._synchronized_arrives(seg, now)

    def _syn_sent_arrives(self, seg, now: int) -> None:
        f = seg.flags
        if f & ACK and (seq_le(seg.ack, self.iss) or seq_gt(seg.ack, self.snd_nxt)):
            if not f & RST:
                self._reset_reply(seg.ack)
            if self.config.synsent_rearm and not self._syn_retries:
                # Linux: the SYN may have met a stale connection; try again soon
                self._rto_at = now + SYN_REARM_NS
            return
        if f & RST:
            if f & ACK:
                self._enter_closed(Errno.ECONNREFUSED)
            return
        if not f & SYN:
            return
        self._learn_syn(seg)
        if f & ACK:
            self.snd_una = seg.ack
            self.snd_wl2 = seg.ack
            self.delivered += 1                      # the SYN (and its data: one)
            self._rto_at = None
            self._syn_rtt(seg, now)
            self._established(now)
            if self.write_pending:                   # its data will carry the ACK
                self._enter_quickack_mode()
                self._delack_at = now + DELACK_MAX_NS
            else:
                self._ack_now = True
            self._fastopen_synack(seg, now)
            self._output(now)
        else:                                        # simultaneous open (§3.5)
            self._set_state(State.SYN_RECEIVED)
            self._rto_at = None
            self._send_syn(now)

    def _syn_rtt(self, seg, now: int) -> None:
        """An RTT sample from the SYN exchange, unless the SYN was retransmitted
        (Karn); with timestamps, from TSecr even then (as Linux does)."""
        if not self._syn_retries and self._syn_sent_ns is not None:
            rtt = now - self._syn_sent_ns
        else:
            ts = seg.option(Timestamps) if self.neg.timestamps else None
            if ts is None or ts.tsecr == 0:
                return
            ticks = seq_sub(self._tsval(now), ts.tsecr)
            rtt = ticks * 1_000_000_000 // self.config.ts_hz
        self._rtt_sample(rtt)

    def _established(self, now: int) -> None:
        self._set_state(State.FIN_WAIT_1 if self.fin_pending else State.ESTABLISHED)
        if not self.tfo_child:                       # a Fast Open child started at once
            self._start_sending(now)
        self._retrans_stamp = None
        self._data_rcv_ns = now                  # Linux icsk_ack.lrcvtime
        self._keepalive_start(now)
        self._event("established", None)

    # --- synchronized states ------------------------------------------------------
    def _synchronized_arrives(self, seg, now: int) -> None:
        f = seg.flags
        st = self.state
        if st is SYN_RECEIVED and f & (SYN | ACK | RST) == SYN and seg.seq == self.irs:
            self._send_syn(now)                      # the peer retransmitted its SYN
            return
        # Simultaneous open: the peer's SYN-ACK acks our SYN (Linux accepts it).
        simopen = (st is SYN_RECEIVED and f & (SYN | ACK) == SYN | ACK
                   and seg.seq == self.irs and seg.ack == self.snd_nxt)
        seq = seq_add(seg.seq, 1) if simopen else seg.seq
        payload = seg.payload
        seg_len = len(payload) + bool(f & FIN) + bool(f & SYN and not simopen)
        ts = seg.option(Timestamps) if self.neg.timestamps else None
        # RFC 7323 §5.3 R1: PAWS
        if (ts is not None and self.ts_recent is not None and not f & RST
                and seq_lt(ts.tsval, self.ts_recent)):
            self._challenge_ack(now)
            return
        acceptable, text_ok = self._acceptable(seq, seg_len)
        if not acceptable:
            if f & RST:
                return
            if st is State.TIME_WAIT and f & FIN:
                self._start_time_wait(now)           # a retransmitted FIN: re-ACK it
            end = seq_add(seq, len(payload))
            if seg_len and seq_lt(seq, self.rcv_nxt):
                self._enter_quickack_mode()          # Linux tcp_send_dupack
            if payload and self.config.dsack and self.neg.sack and seq_le(end, self.rcv_nxt):
                self._dsack = (seq, end)             # RFC 2883 §4: a duplicate
            self._challenge_ack(now)
            return
        if f & RST:
            if seq == self.rcv_nxt:
                self._reset_received()
            else:
                self._challenge_ack(now)
            return
        if f & SYN and not simopen:
            self._challenge_ack(now)
            return
        if not f & ACK:
            return
        if st is SYN_RECEIVED:
            if not (seq_lt(self.iss, seg.ack) and seq_le(seg.ack, self.snd_nxt)):
                self._reset_reply(seg.ack)
                return
            self._update_ts_recent(ts, seq)
            if not self.tfo_child:     # whose SYN-ACK counts as acked from the start
                self.snd_una = seg.ack
            self.snd_wnd = seg.window << self.neg.snd_wscale
            self.max_snd_wnd = max(self.max_snd_wnd, self.snd_wnd)
            self.snd_wl1, self.snd_wl2 = seq, seg.ack
            self._rto_at = None
            self.delivered += 1                      # the SYN-ACK
            self._syn_rtt(seg, now)
            self._established(now)
            if simopen:                              # Linux tcp_data_queue: "a
                self._ack_now = True                 # retransmit", its SYN a D-SACK
                self._enter_quickack_mode()
                if self.config.dsack and self.neg.sack:
                    self._dsack = (seg.seq, seq)
            if self.tfo_child:
                self._process_ack(seg, now)
        elif not self._ack_arrives(seg, seq, ts, now):
            return
        if self.state is CLOSED:
            return
        if payload:
            if not text_ok:                          # a zero window: Linux out_of_window
                self._enter_quickack_mode()
                self._ack_now = True
            elif self.state in RECEIVING:
                if self.app_closed:
                    # RFC 1122 §4.2.2.13, Linux: data after close() → a RST in reply
                    # to the segment, <SEQ=SEG.ACK> (tcp_v4_send_reset), then CLOSED
                    self._reset_reply(seg.ack)
                    self._enter_closed(None)
                    return
                if not self._accept_data(seq, payload, now):
                    f &= ~FIN                        # the FIN was beyond what fit
        if f & FIN and text_ok:
            fin_seq = seq_add(seq, len(payload))
            if fin_seq == self.rcv_nxt:
                self._fin_arrives(now)
            elif seq_gt(fin_seq, self.rcv_nxt):
                self._ooo_fin = fin_seq
        self._output(now)

    def _acceptable(self, seq: int, seg_len: int) -> tuple[bool, bool]:
        """RFC 9293 §3.10.7.4's four cases → (acceptable, text acceptable). A segment
        at RCV.NXT into a zero window is let through for its ACK and RST (the RFC's
        "special allowance"), its text is not."""
        wnd = max(seq_sub(self._rcv_adv, self.rcv_nxt), 0)
        off = seq_sub(seq, self.rcv_nxt)
        if seg_len == 0:
            ok = off == 0 if wnd == 0 else 0 <= off < wnd
            return ok, ok
        if wnd == 0:
            return off == 0, False
        last = off + seg_len - 1
        ok = 0 <= off < wnd or 0 <= last < wnd
        return ok, ok

    def _reset_received(self) -> None:
        """RFC 9293 §3.10.7.4 second check, errors as Linux's tcp_reset reports them."""
        st = self.state
        if st is State.SYN_RECEIVED:
            # a Fast Open child already has its socket: reset like an established one
            self._enter_closed(Errno.ECONNREFUSED if self.active_open else
                               Errno.ECONNRESET if self.tfo_child else None)
        elif st is State.CLOSE_WAIT:
            self._enter_closed(Errno.EPIPE)
        elif st in (State.CLOSING, State.LAST_ACK, State.TIME_WAIT):
            self._enter_closed(None)
        else:
            self._enter_closed(Errno.ECONNRESET)

    def _ack_arrives(self, seg, seq: int, ts, now: int) -> bool:
        """The ACK field in a synchronized state; False if the segment is dropped."""
        ack = seg.ack
        if seq_gt(ack, self.snd_nxt):
            # RFC 9293: ACK it and drop; Linux drops it silently
            if self.config.ack_unsent == "ack":
                self._challenge_ack(now)
            return False
        if seq_lt(ack, seq_add(self.snd_una, -self.max_snd_wnd)):
            self._challenge_ack(now)                 # RFC 5961 §5.2
            return False
        self._update_ts_recent(ts, seq)
        self._process_ack(seg, now)
        if self._fin_sent and self.snd_una == seq_add(self._fin_seq, 1):
            st = self.state
            if st is State.FIN_WAIT_1:
                self._set_state(State.FIN_WAIT_2)
            elif st is State.CLOSING:
                self._set_state(State.TIME_WAIT)
                self._start_time_wait(now)
            elif st is State.LAST_ACK:
                self._enter_closed(None)
                return False
        return True

    def _update_ts_recent(self, ts, seq: int) -> None:
        """RFC 7323 §4.3 (2): TS.Recent from a segment that covers Last.ACK.sent."""
        if (ts is not None and (self.ts_recent is None or seq_ge(ts.tsval, self.ts_recent))
                and seq_le(seq, self._last_ack_sent)):
            self.ts_recent = ts.tsval

    # --- text and FIN ---------------------------------------------------------------
    def _accept_data(self, seq: int, payload: bytes, now: int) -> bool:
        """Queue the segment's text (RFC 9293 §3.10.7.4 seventh); choose when to ACK.
        Returns False if some of it did not fit in the buffer."""
        self._data_received(now)
        skip = seq_sub(self.rcv_nxt, seq)
        if skip > 0:                                 # starts below RCV.NXT: trim
            if self.config.dsack and self.neg.sack:
                self._dsack = (seq, self.rcv_nxt)
            payload = payload[skip:]
            seq = self.rcv_nxt
        if len(payload) > self.rcv_mss:
            self.rcv_mss = min(len(payload), self.mss_limit)
        if len(payload) >= 128:                      # Linux tcp_grow_window
            advmss = self.mss_limit - (12 if self.neg.timestamps else 0)
            self._rcv_ssthresh = min(self.rcvbuf.capacity, self._rcv_ssthresh
                                     + max(2 * advmss, 2 * len(payload)))
        had_gap = self.rcvbuf.has_gap
        res = self.rcvbuf.insert(seq_sub(seq, self.rcv_nxt), payload)
        if res.duplicate is not None and self.config.dsack and self.neg.sack:
            self._dsack = (seq_add(self.rcv_nxt, res.duplicate[0]),
                           seq_add(self.rcv_nxt, res.duplicate[1]))
        if res.advanced:
            self.rcv_nxt = seq_add(self.rcv_nxt, res.advanced)
            self._unacked += res.advanced
            self._event("readable", self.rcvbuf.readable)
            if self._ooo_fin is not None and self._ooo_fin == self.rcv_nxt:
                self._ooo_fin = None
                self._fin_arrives(now)
        if (res.out_of_order or res.duplicate is not None or res.trimmed or had_gap
                or skip > 0):
            self._ack_now = True                     # RFC 5681 §4.2, RFC 9293 §3.10.7.4
        elif res.advanced:
            self._ack_or_delay(now)
        return not res.trimmed

    def _fin_arrives(self, now: int) -> None:
        """RFC 9293 §3.10.7.4 eighth: advance RCV.NXT over the FIN, ACK it."""
        if self._fin_received:
            return
        self._fin_received = True
        self.rcv_nxt = seq_add(self.rcv_nxt, 1)
        self._ack_now = True
        self._event("eof", None)
        st = self.state
        if st in (State.SYN_RECEIVED, State.ESTABLISHED):
            self._set_state(State.CLOSE_WAIT)
        elif st is State.FIN_WAIT_1:
            self._set_state(State.CLOSING)
        elif st is State.FIN_WAIT_2:
            self._set_state(State.TIME_WAIT)
            self._start_time_wait(now)
