"""TCP keep-alives (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6), as Linux's tcp_keepalive_timer.

Off unless ``config.keepalive`` (SO_KEEPALIVE). The timer is armed
``keepalive_time`` (TCP_KEEPIDLE, tcp_keepalive_time: 2 h) after the connection is
established. When it fires with nothing in flight and nothing queued, the idle time
is measured from the last acceptable ACK or data (Linux rcv_tstamp, lrcvtime); if it is
short of ``keepalive_time`` the timer waits the rest, else a probe goes: a segment
with SEG.SEQ = SND.NXT − 1 and no data (tcp_xmit_probe_skb), which the peer must
answer with an ACK, and the next check is ``keepalive_intvl`` later (TCP_KEEPINTVL,
75 s). Any acceptable ACK restarts the count of unanswered probes (the count is
Linux's icsk_probes_out, shared with zero-window probes). After ``keepalive_probes``
(TCP_KEEPCNT, 9) unanswered probes — or, with a user timeout (RFC 5482), once one is
unanswered and the idle time reaches it — the connection is reset: RST|ACK at
SND.NXT (tcp_send_active_reset) and ETIMEDOUT. With data in flight or queued the
retransmission timer watches the peer instead: the check is simply postponed.
"""

from simulator.stack.errno import Errno
from simulator.wire.tcp import ACK, RST

from .seq import seq_add
from .states import State

# Linux runs the timer in every state but CLOSE and SYN-SENT (a SYN-RECEIVED child is
# a request sock there, a TIME-WAIT one a timewait sock: neither has the timer).
_KEEPALIVE_STATES = (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2,
                     State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK)


class KeepaliveMixin:
    def _keepalive_start(self, now: int) -> None:
        """The connection is established (tcp_finish_connect, tcp_create_openreq_child):
        the peer was just heard from; the first check is keepalive_time away."""
        self._heard_ns = now
        if self.config.keepalive:
            self._keepalive_at = now + self.config.keepalive_time

    def keepalive_changed(self, enabled_before: bool, now: int) -> None:
        """setsockopt on a live connection. SO_KEEPALIVE on: the check is
        keepalive_time from now (tcp_set_keepalive); off: no timer. TCP_KEEPIDLE
        with keep-alives on: keepalive_time from the last time the peer was heard
        (tcp_sock_set_keepidle_locked)."""
        if self.state not in _KEEPALIVE_STATES:
            return
        cfg = self.config
        if not cfg.keepalive:
            self._keepalive_at = None
        elif not enabled_before:
            self._keepalive_at = now + cfg.keepalive_time
        else:
            heard = max(self._heard_ns, self._data_rcv_ns)
            self._keepalive_at = now + max(cfg.keepalive_time - (now - heard), 0)

    def _keepalive_fires(self, now: int) -> None:
        cfg = self.config
        if not cfg.keepalive or self.state not in _KEEPALIVE_STATES:
            return
        if self.flight or self._unsent() > 0 or self._fin_unsent():
            self._keepalive_at = now + cfg.keepalive_time      # "alive without keepalive"
            return
        idle = now - max(self._heard_ns, self._data_rcv_ns)  # keepalive_time_elapsed
        if idle < cfg.keepalive_time:
            self._keepalive_at = now + cfg.keepalive_time - idle
            return
        if ((cfg.user_timeout and idle >= cfg.user_timeout and self._probes > 0)
                or (not cfg.user_timeout and self._probes >= cfg.keepalive_probes)):
            self._emit(self.snd_nxt, RST | ACK, now)
            self._enter_closed(self.soft_error or Errno.ETIMEDOUT)
            return
        self._probes += 1
        self._record("tcp.keepalive", probes=self._probes, idle_ns=idle)
        self._emit(seq_add(self.snd_nxt, -1), ACK, now)
        self._keepalive_at = now + cfg.keepalive_intvl
