"""The connection's timers as plain deadlines (RFC 6298 §5: one retransmission timer).

``deadline`` is the earliest of: the retransmission timer (SYN, SYN-ACK, data and FIN;
RFC 6298 §5), the persist timer (zero-window probes, RFC 9293 §3.8.6.1, with
exponential backoff), the delayed-ACK timer (RFC 9293 §3.8.6.3 / RFC 5681 §4.2) and
the TIME-WAIT timer (2·MSL, RFC 9293 §3.10.7.4), RACK-TLP's reorder timer and
probe timeout (RFC 8985 §6.3, §7.2; sender.py) and the keep-alive timer (RFC 9293
§3.8.4; keepalive.py). ``timer_fires(now)`` runs every one
that is due. Re-arming is an assignment: nothing is scheduled here.
"""

from simulator.stack.errno import Errno
from simulator.wire.tcp import ACK

from .seq import seq_add
from .states import State

_NO_RTO = (State.SYN_SENT, State.SYN_RECEIVED, State.CLOSED, State.TIME_WAIT, State.LISTEN)


class TimersMixin:
    def _init_timers(self) -> None:
        self._rto_at: int | None = None
        self._persist_at: int | None = None
        self._delack_at: int | None = None
        self._tw_at: int | None = None
        self._rack_at: int | None = None     # RACK reorder timer
        self._tlp_at: int | None = None      # TLP probe timeout
        self._keepalive_at: int | None = None
        self._heard_ns = 0               # last acceptable ACK (Linux rcv_tstamp)
        self._data_rcv_ns = 0            # last data received (Linux lrcvtime)
        self._probes = 0                 # unanswered probes (Linux icsk_probes_out)
        self._probe_backoff = 0          # persist backoff (Linux icsk_backoff)
        self._probes_stamp: int | None = None   # first zero-window probe (icsk_probes_tstamp)
        self._syn_retries = 0

    @property
    def deadline(self) -> int | None:
        best = self._rto_at
        for t in (self._persist_at, self._delack_at, self._tw_at, self._rack_at,
                  self._tlp_at, self._keepalive_at):
            if t is not None and (best is None or t < best):
                best = t
        return best

    def _cancel_all_timers(self) -> None:
        self._rto_at = self._persist_at = self._delack_at = self._tw_at = None
        self._rack_at = self._tlp_at = self._keepalive_at = None

    def timer_fires(self, now: int) -> None:
        """Run every timer due at ``now`` (earliest first)."""
        if self._tw_at is not None and self._tw_at <= now:
            self._tw_at = None
            self._enter_closed(None)                 # TIME-WAIT timeout
            return
        if self._delack_at is not None and self._delack_at <= now:
            self._delack_at = None
            self._delack_fires(now)             # delack.py
        if self._rack_at is not None and self._rack_at <= now:
            self._rack_at = None
            self._rack_timeout(now)
        if self._tlp_at is not None and self._tlp_at <= now:
            self._tlp_at = None
            self._send_loss_probe(now)
        if self._rto_at is not None and self._rto_at <= now:
            self._rto_at = None
            if self.state in (State.SYN_SENT, State.SYN_RECEIVED):
                self._syn_timeout(now)
            elif self.state is not State.CLOSED:
                self._on_rto(now)
        if self._persist_at is not None and self._persist_at <= now:
            self._persist_at = None
            self._zero_window_probe(now)
        if self._keepalive_at is not None and self._keepalive_at <= now:
            self._keepalive_at = None
            self._keepalive_fires(now)

    # --- SYN / SYN-ACK retransmission --------------------------------------------
    def _syn_timeout(self, now: int) -> None:
        """Retransmit the SYN (syn_retries) or SYN-ACK (synack_retries) with the
        RTO doubled each time (RFC 6298 §5.5); then give up: ETIMEDOUT (retries.py)."""
        if self._write_timeout(now):
            self._enter_closed(self.soft_error or Errno.ETIMEDOUT)
            return
        self._note_retransmit(now)
        self._syn_retries += 1
        self.total_retrans += 1
        self.retransmits += 1
        self.rtt.backoff()
        self._record("tcp.rto", rto_ns=self.rtt.rto_ns, backoffs=self.rtt.backoffs,
                     snd_una=self.snd_una)
        self._record("tcp.retransmit", seq=self.iss, len=0, fin=False,
                     cause="syn" if self.state is State.SYN_SENT else "synack")
        self._send_syn(now)
        self._clamp_rto_to_user_timeout(now)

    # --- RTO / persist arming ---------------------------------------------------
    def _arm_rto_or_persist(self, now: int) -> None:
        """RFC 6298 §5.1/5.2: the RTO runs while data is outstanding; with none and
        a zero window over queued data, the persist timer runs instead."""
        if self.state in _NO_RTO:
            return
        if self.snd_nxt != self.snd_una:             # flight > 0
            self._persist_at = None
            if self._rto_at is None:
                self._rto_at = now + self.rtt.rto_ns
            self._arm_loss_probe(now)
            return
        self._rto_at = self._rack_at = self._tlp_at = None
        if self.snd_wnd == 0 and (self._unsent() > 0 or self._fin_unsent()):
            if self._persist_at is None:
                self._persist_at = now + self._persist_interval()
        else:
            self._persist_at = self._probes_stamp = None
            self._probes = self._probe_backoff = 0

    def _persist_interval(self) -> int:
        """The RTO (at least min_rto) doubled per probe sent while the window stays
        shut, at most max_rto (Linux tcp_probe0_when)."""
        base = max(self.rtt.base_rto_ns, self.config.min_rto)
        return min(base << self._probe_backoff, self.config.max_rto)

    def _probe_answered(self, idle: bool, now: int) -> None:
        """An ACK at or past SND.UNA: RFC 1122 §4.2.2.17, a peer that answers keeps
        the connection open, so the unanswered-probe count restarts (Linux tcp_ack).
        ``linux``: one with nothing in flight also re-arms the persist timer from
        now (tcp_ack_probe), so the next probe is timed from the peer's answer."""
        self._probes = 0
        self._heard_ns = now
        if self.ca_state == "open":
            self._retrans_stamp = None           # Linux tcp_fastretrans_alert, Open
        if idle and self._persist_at is not None and self.config.zero_window_probe == "linux":
            self._persist_at = now + self._persist_interval()

    def _zero_window_probe(self, now: int) -> None:
        """RFC 9293 §3.8.6.1: probe the zero window. ``rfc``: one byte of new data;
        ``linux``: a segment with SND.UNA−1 and no data (tcp_xmit_probe_skb) that the
        peer must answer with an ACK. After retries2 unanswered probes, or with a
        user timeout once that long has passed since the first probe whatever the
        answers (Linux tcp_probe_timer, icsk_probes_tstamp): ETIMEDOUT."""
        if self._probes_stamp is None:
            self._probes_stamp = now
        user_timeout = self.config.user_timeout
        if (self._probes >= self.config.retries2
                or (user_timeout and now - self._probes_stamp >= user_timeout)):
            self._enter_closed(self.soft_error or Errno.ETIMEDOUT)
            return
        self._probes += 1
        self._probe_backoff = min(self._probe_backoff + 1, self.config.retries2)
        self._record("tcp.probe", probes=self._probes)
        if self.config.zero_window_probe == "rfc" and self._unsent() > 0:
            seq = self.snd_nxt
            self.snd_nxt = seq_add(seq, self._transmit(seq, 1, now, retransmit=False))
        else:
            self._emit(seq_add(self.snd_una, -1), ACK, now)
        self._arm_rto_or_persist(now)
        if self._persist_at is None and self._rto_at is None:
            self._persist_at = now + self._persist_interval()

    # --- TIME-WAIT ------------------------------------------------------------
    def _start_time_wait(self, now: int) -> None:
        """Enter TIME-WAIT, or restart its 2·MSL timer (RFC 9293 §3.10.7.4)."""
        self._rto_at = self._persist_at = self._delack_at = None
        self._rack_at = self._tlp_at = self._keepalive_at = None
        self._tw_at = now + self.config.time_wait
