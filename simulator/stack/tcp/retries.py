"""When to give up retransmitting (RFC 1122 §4.2.3.5 R2, RFC 9293 §3.8.3) and the
user timeout (RFC 5482, TCP_USER_TIMEOUT), as Linux's tcp_write_timeout().

- ``retries_rule: count`` (RFC 1122): ETIMEDOUT when the RTO fires after
  ``retries2`` retransmissions of the same data.
- ``retries_rule: time`` (Linux retransmits_timed_out): the count is a time budget,
  what ``retries2`` backed-off retransmissions would take from TCP_RTO_MIN
  (tcp_model_timeout: 924.6 s for 15), measured from the first retransmission
  (tp->retrans_stamp); the RTO gives up at the first expiry past it.
- SYN and SYN-ACK retransmissions are counted (``syn_retries``, ``synack_retries``)
  under both rules: Linux's time budget for the SYN never comes first.
- A user timeout replaces the budget: the RTO gives up once that long has passed
  since the first retransmission (since the SYN in SYN-SENT, which Linux stamps in
  tcp_connect), and after an RTO the timer is clamped to what is left of it
  (tcp_clamp_rto_to_user_timeout). Keep-alives use it too (keepalive.py).

The stamp is cleared when the connection is established and on an ACK that finds
loss recovery over (Linux tcp_fastretrans_alert in the Open state).
"""

from .states import State

LINUX_RTO_MIN = 200_000_000             # TCP_RTO_MIN: the budget's base, whatever min_rto


def model_timeout(boundary: int, rto_base: int, rto_max: int) -> int:
    """tcp_model_timeout: the time ``boundary`` retransmissions take with the RTO
    doubling from ``rto_base`` up to ``rto_max``."""
    linear_backoff_thresh = (rto_max // rto_base).bit_length() - 1     # ilog2
    if boundary <= linear_backoff_thresh:
        return ((2 << boundary) - 1) * rto_base
    return (((2 << linear_backoff_thresh) - 1) * rto_base
            + (boundary - linear_backoff_thresh) * rto_max)


class RetriesMixin:
    def _init_retries(self) -> None:
        self._retrans_stamp: int | None = None   # Linux tp->retrans_stamp

    def _note_retransmit(self, now: int) -> None:
        """A retransmission (not a TLP probe, Linux's __tcp_retransmit_skb) was sent."""
        if self._retrans_stamp is None:
            self._retrans_stamp = now

    def _write_timeout(self, now: int) -> bool:
        """The retransmission timer fired: give up now? (tcp_write_timeout)"""
        cfg = self.config
        if self.state in (State.SYN_SENT, State.SYN_RECEIVED):
            count = self._syn_retries
            limit = cfg.syn_retries if self.state is State.SYN_SENT else cfg.synack_retries
            if count >= limit:
                return True
            if self.state is State.SYN_RECEIVED:
                return False                     # a request sock: counted only
            syn = True
        else:
            count, limit, syn = self.retransmits, cfg.retries2, False
            if cfg.retries_rule == "count" and not cfg.user_timeout and count >= limit:
                return True
        if not count or self._retrans_stamp is None:
            return False
        elapsed = now - self._retrans_stamp
        if cfg.user_timeout:
            return elapsed >= cfg.user_timeout
        if syn or cfg.retries_rule == "count":
            return False
        return elapsed >= model_timeout(limit, LINUX_RTO_MIN, cfg.max_rto)

    def _clamp_rto_to_user_timeout(self, now: int) -> None:
        """After an RTO (also of the SYN): fire no later than the user timeout (in
        one tick if it has passed: tcp_clamp_rto_to_user_timeout). SYN-ACKs are a
        request sock's, which has no user timeout."""
        if (not self.config.user_timeout or self._rto_at is None
                or self._retrans_stamp is None or self.state is State.SYN_RECEIVED):
            return
        remaining = self.config.user_timeout - (now - self._retrans_stamp)
        if remaining <= 0:
            remaining = self.config.rto_granularity or 1
        self._rto_at = min(self._rto_at, now + remaining)
