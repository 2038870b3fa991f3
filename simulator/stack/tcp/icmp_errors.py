"""ICMP errors for a connection (RFC 5927, RFC 1122 §4.2.3.9, RFC 1191).

The driver hands over the type, code, next-hop MTU and the quoted segment's sequence
number. An error whose quoted sequence number is outside SND.UNA..SND.NXT is ignored
(RFC 5927 §4.1: it cannot be about anything in flight). Fragmentation Needed lowers
the MSS to the next-hop MTU less 40 and resends what is outstanding at the new size,
with no congestion response (Linux tcp_simple_retransmit); about a SYN with Fast Open
data, the SYN is resent at once without it. The other Destination
Unreachable codes that Linux deems hard abort a connection still in its handshake
(RFC 5927 §4.2 allows), and any of them aborts a Fast Open child still in
SYN-RECEIVED, whose window starts at its ISN (Linux tcp_v4_err); otherwise every
error is soft: remembered, and reported instead of ETIMEDOUT if the connection later
times out (Linux sk_err_soft).
"""

from simulator.stack.errno import Errno
from simulator.wire.icmp import DEST_UNREACHABLE, FRAGMENTATION_NEEDED, TIME_EXCEEDED

from .seq import seq_le, seq_lt
from .states import State

MIN_MSS = 48                       # Linux TCP_MIN_SND_MSS
_IP_TCP_HEADERS = 40
# Destination Unreachable code → (errno, hard), as Linux's icmp_err_convert.
_UNREACH = {
    0: (Errno.ENETUNREACH, False), 1: (Errno.EHOSTUNREACH, False),
    2: (Errno.ENOPROTOOPT, True), 3: (Errno.ECONNREFUSED, True),
    5: (Errno.EOPNOTSUPP, False), 6: (Errno.ENETUNREACH, True),
    7: (Errno.EHOSTDOWN, True), 8: (Errno.ENETUNREACH, True),
    9: (Errno.ENETUNREACH, True), 10: (Errno.EHOSTUNREACH, True),
    11: (Errno.ENETUNREACH, False), 12: (Errno.EHOSTUNREACH, False),
    13: (Errno.EHOSTUNREACH, True), 14: (Errno.EHOSTUNREACH, True),
    15: (Errno.EHOSTUNREACH, True),
}


class IcmpErrorsMixin:
    def icmp_error(self, icmp_type: int, code: int, next_hop_mtu: int, quoted_seq: int,
                   now: int) -> None:
        st = self.state
        if st in (State.CLOSED, State.LISTEN, State.TIME_WAIT):
            return
        fast_open = self.tfo_child and st is State.SYN_RECEIVED
        una = self.iss if fast_open else self.snd_una
        if not (seq_le(una, quoted_seq) and seq_lt(quoted_seq, self.snd_nxt)):
            self._record("tcp.icmp_ignored", type=icmp_type, code=code, seq=quoted_seq)
            return
        if icmp_type == DEST_UNREACHABLE and code == FRAGMENTATION_NEEDED:
            self._path_mtu(next_hop_mtu, now)
            return
        if icmp_type == DEST_UNREACHABLE:
            errno, hard = _UNREACH.get(code, (Errno.EHOSTUNREACH, False))
        elif icmp_type == TIME_EXCEEDED:
            errno, hard = Errno.EHOSTUNREACH, False
        else:
            return
        self._record("tcp.icmp", type=icmp_type, code=code, errno=errno.name, hard=hard)
        if fast_open or (hard and st in (State.SYN_SENT, State.SYN_RECEIVED)):
            self._enter_closed(errno)
        else:
            self.soft_error = errno

    def _resend_syn_without_data(self, now: int) -> None:
        """Our SYN's data met a smaller MTU: the SYN goes again at once, without data,
        the RTO restarted but not backed off (Linux tcp_simple_retransmit, which takes
        the Fast Open SYN for lost)."""
        self._note_retransmit(now)
        self._syn_retries += 1
        self.total_retrans += 1
        self._record("tcp.retransmit", seq=self.iss, len=0, fin=False, cause="pmtu")
        self._rto_at = None
        self._send_syn(now)

    def _path_mtu(self, mtu: int, now: int) -> None:
        """RFC 1191 §6.1 for TCP: a smaller MSS, and what is in flight resent."""
        if mtu <= _IP_TCP_HEADERS:
            return
        limit = max(mtu - _IP_TCP_HEADERS, MIN_MSS)
        if limit >= self.mss_limit:
            return
        self.mss_limit = limit
        self._record("tcp.pmtu", mtu=mtu, mss=limit)
        if self.cc is None:                  # still in the handshake
            if self.state is State.SYN_SENT and self._fastopen_syn_payload():
                self._resend_syn_without_data(now)
            return
        self.snd_mss = self._effective_mss()
        self.cc.set_mss(self.snd_mss)
        self.sb.mss = self.snd_mss
        self._loss_without_reduction(now)
