"""When received data is ACKed: the delayed-ACK engine (RFC 9293 §3.8.6.3, RFC 5681
§4.2, RFC 1122 §4.2.3.2), with Linux's quick-ACK and pingpong modes.

- An ACK goes at once while the quick-ACK budget lasts (``config.quickack`` ACKs from
  the first data, min(that, window / (2·rcv_mss)); Linux tcp_incr_quickack), after
  more than ``delayed_ack_segments − 1`` segments unacknowledged, else when the
  ``delayed_ack`` timer (Linux's ATO, TCP_ATO_MIN) fires. A gap of more than an RTO
  since the last data refills the budget (tcp_event_data_recv).
- Pingpong (interactive) mode, ``config.pingpong_thresh`` (Linux icsk_ack.pingpong
  and net.ipv4.tcp_pingpong_thresh, 1): each new data segment sent less than an ATO
  after data was received counts a reply (tcp_event_data_sent); at the threshold the
  connection is interactive. Then the quick-ACK budget is not used
  (tcp_in_quickack_mode) and a lone segment's ACK waits for the timer, to ride on
  the reply. The timer firing in the mode (an ACK was owed) resets the count
  (tcp_delack_timer_handler), as do duplicate or out-of-window data
  (tcp_enter_quickack_mode). 0: no pingpong mode.

The ATO does not adapt to the arrival rate as Linux's does; it stays ``delayed_ack``.
"""


class DelayedAckMixin:
    def _init_delack(self) -> None:
        self._quick = None           # quick-ACK budget; None until the engine starts
        self._ato = 0                # Linux icsk_ack.ato: 0 until then
        self._replies = 0            # Linux icsk_ack.pingpong, the count of replies

    def _delack_started(self) -> None:
        """Start the engine: the first data, or a quick-ACK mode entered before any."""
        self.rcv_mss = min(self.rcv_mss, 536)        # tcp_initialize_rcv_mss
        self._ato = self.config.delayed_ack
        self._refill_quick()

    def _refill_quick(self) -> None:
        """Linux tcp_incr_quickack: at most ``quickack``, at least 2."""
        budget = min(self.config.quickack, max(self.rcvbuf.free // (2 * self.rcv_mss), 2))
        self._quick = max(self._quick or 0, budget)

    def _enter_quickack_mode(self) -> None:
        """Linux tcp_enter_quickack_mode: ACK the next segments at once, not pingpong."""
        if self._quick is None:
            self._delack_started()
        else:
            self._refill_quick()
        self._replies = 0

    @property
    def pingpong(self) -> bool:
        """Linux inet_csk_in_pingpong_mode."""
        thresh = self.config.pingpong_thresh
        return bool(thresh) and self._replies >= thresh

    def _data_received(self, now: int) -> None:
        """New in-order or out-of-order text arrived (Linux tcp_event_data_recv)."""
        if self._quick is None:
            self._delack_started()
        elif now - self._data_rcv_ns > self.rtt.rto_ns:
            self._refill_quick()                      # the sender was idle: ACK quickly
        self._data_rcv_ns = now

    def _ack_or_delay(self, now: int) -> None:
        """In-order text advanced RCV.NXT: ACK now or arm the delayed-ACK timer."""
        cfg = self.config
        if ((self._quick and not self.pingpong) or cfg.delayed_ack == 0
                or self._unacked > (cfg.delayed_ack_segments - 1) * self.rcv_mss):
            self._ack_now = True
        elif self._delack_at is None:
            self._delack_at = now + cfg.delayed_ack

    def _data_sent(self, now: int) -> None:
        """New data went out (Linux tcp_event_data_sent): a reply within an ATO of the
        last data received makes the connection interactive."""
        if now - self._data_rcv_ns < self._ato:
            self._replies = min(self._replies + 1, 255)      # a u8 in Linux

    def _delack_fires(self, now: int) -> None:
        """The delayed-ACK timer (armed only while an ACK is owed): send the ACK; in
        pingpong mode the guess that a reply would carry it was wrong: leave it."""
        if self.pingpong:
            self._replies = 0
        self._ack_now = True
        self._output(now)
