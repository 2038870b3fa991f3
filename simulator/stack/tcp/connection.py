"""One TCP connection as a sans-I/O object (RFC 9293 §3.10, "Event Processing").

The driver calls the app methods (``open_active``, ``send``, ``recv``, ``shutdown``,
``close``, ``abort``), ``segment_arrives``, ``icmp_error`` and ``timer_fires`` with the
current time; after every call it drains ``take_output()`` (segments to transmit, in
order), ``take_events()``, ``take_trace()`` and re-arms one timer at ``deadline``.
Nothing here knows about SimPy, nodes or the tracer.

The class is assembled from one mixin per concern: ``receive`` (segment arrival, the
state machine's input side), ``delack`` (when received data is ACKed), ``sender``
(ACK processing, loss recovery), ``output`` (segmentation, the segments' fields and
options), ``timers``, ``icmp_errors``, ``keepalive`` and ``retries`` (when to give up).
"""

from simulator.stack.errno import Errno
from simulator.wire.tcp import ACK, RST

from . import info as tcp_info
from .buffers import ReceiveBuffer, SendBuffer
from .delack import DelayedAckMixin
from .fastopen import FastOpenMixin
from .icmp_errors import IcmpErrorsMixin
from .keepalive import KeepaliveMixin
from .output import OutputMixin
from .receive import ReceiveMixin
from .retries import RetriesMixin
from .rtt import RttEstimator
from .sender import SenderMixin
from .seq import seq_add
from .states import LINUX_NUMBER, SYNCHRONIZED, State
from .timers import TimersMixin

__all__ = ["State", "TcpConnection", "TcpError"]

_CAN_SEND = (State.ESTABLISHED, State.SYN_SENT, State.SYN_RECEIVED, State.CLOSE_WAIT)


class TcpError(Exception):
    """An app call the connection's state does not allow (``errno`` says why)."""

    def __init__(self, errno: Errno):
        super().__init__(str(errno))
        self.errno = errno


class TcpConnection(ReceiveMixin, DelayedAckMixin, SenderMixin, OutputMixin, TimersMixin,
                    IcmpErrorsMixin, KeepaliveMixin, RetriesMixin, FastOpenMixin):
    """The transmission control block and its event processing (RFC 9293 §3.3.1)."""

    def __init__(self, config, local_ip, local_port: int, remote_ip, remote_port: int,
                 isn: int, mss_limit: int):
        self.config = config
        self.local_ip, self.local_port = local_ip, local_port
        self.remote_ip, self.remote_port = remote_ip, remote_port
        self.state = State.CLOSED
        self.iss = isn & 0xFFFFFFFF
        self.irs: int | None = None
        # send sequence variables (RFC 9293 §3.3.1); snd_nxt is the highest sent
        self.snd_una = self.snd_nxt = self.iss
        self.snd_wnd = self.snd_wl1 = self.snd_wl2 = self.max_snd_wnd = 0
        # receive sequence variables; rcv_wnd is the window last advertised
        self.rcv_nxt = self.rcv_wnd = 0
        self.mss_limit = min(mss_limit, config.mss) if config.mss else mss_limit
        self.adv_mss = self.mss_limit         # the MSS our SYN announced (Linux advmss)
        self.neg = None                       # options.Negotiated after the SYN exchange
        self.snd_mss = min(self.mss_limit, config.mss_default)   # payload per segment
        self.rcv_mss = self.snd_mss           # estimate of the peer's segments (delack)
        self.sndbuf = SendBuffer(config.wmem)
        self.rcvbuf = ReceiveBuffer(config.rmem)
        self.rcv_wscale = config.wscale_for(config.rmem) if config.window_scaling else 0
        self.rtt = RttEstimator(config.initial_rto, config.min_rto, config.max_rto,
                                config.rto_granularity, config.rtt_estimator)
        self.eof = False                      # the peer's FIN was read past
        self.error: Errno | None = None
        self.soft_error: Errno | None = None  # last ICMP soft error (Linux sk_err_soft)
        self.fin_pending = False              # CLOSE/SHUT_WR issued; FIN after the data
        self.app_closed = False               # close(): no more reads
        self.ts_recent: int | None = None     # RFC 7323 §4.3 TS.Recent
        self.ts_offset = self.iss             # TSval = clock + offset (Linux: random)
        self.retransmits = 0                  # consecutive timeouts (icsk_retransmits)
        self.total_retrans = 0
        self.segs_out = self.segs_in = 0
        self.delivered = 0                    # segments acked or SACKed (tp->delivered)
        self._out: list = []
        self._events: list = []
        self._trace: list = []
        self.tracing = True                   # False: the driver drops trace records, so
                                              # the per-ACK ones need not be built
        self._init_sender()
        self._init_receiver()
        self._init_delack()
        self._init_timers()
        self._init_retries()
        self._init_fastopen()

    # --- app calls (RFC 9293 §3.10.1–§3.10.6) ------------------------------------
    @classmethod
    def open_passive(cls, config, local_ip, local_port, remote_ip, remote_port, isn: int,
                     mss_limit: int, syn, now: int, tfo=None) -> "TcpConnection":
        """A listener got ``syn`` (RFC 9293 §3.10.7.2): reply SYN-ACK, SYN-RECEIVED.
        ``tfo``: the listener's Fast Open decision (fastopen.ServerSyn)."""
        conn = cls(config, local_ip, local_port, remote_ip, remote_port, isn, mss_limit)
        conn.state = State.LISTEN
        conn._learn_syn(syn)
        if tfo is not None:
            conn._fastopen_passive(syn, tfo, now)
        conn.snd_wl2 = conn.iss
        conn.snd_nxt = seq_add(conn.iss, 1)
        conn._set_state(State.SYN_RECEIVED)
        conn._send_syn(now)
        return conn

    def open_active(self, now: int) -> None:
        """connect(): send the SYN, enter SYN-SENT (RFC 9293 §3.10.1)."""
        if self.state is not State.CLOSED:
            raise TcpError(Errno.EISCONN)
        self.snd_nxt = seq_add(self.iss, 1)
        self.active_open = True
        self._retrans_stamp = now                # Linux tcp_connect
        self._set_state(State.SYN_SENT)
        self._send_syn(now)

    @property
    def can_send(self) -> bool:
        return self.state in _CAN_SEND and not self.fin_pending

    @property
    def send_ready(self) -> bool:
        """Would ``send`` do anything: room in the send buffer, or an error to raise?"""
        return self.sndbuf.free > 0 or not self.can_send

    def send(self, data: bytes, now: int) -> int:
        """Queue ``data``; return how many bytes the send buffer took (0 = full)."""
        if not self.can_send:
            raise TcpError(self.error or Errno.EPIPE)
        n = self.sndbuf.write(data)
        if n and (self.state in SYNCHRONIZED or self.tfo_child):
            self._output(now)
        return n

    @property
    def recv_ready(self) -> bool:
        """Would ``recv`` do anything: data to read, or the peer's FIN to report?"""
        return self.rcvbuf.readable > 0 or self._fin_received

    def recv(self, n: int, now: int) -> bytes:
        """Take up to ``n`` in-order bytes; b"" at EOF. Opening the window may send a
        window update (RFC 9293 §3.8.6.2.2)."""
        data = self.rcvbuf.read(n)
        if not data and self._fin_received and not self.rcvbuf.readable:
            self.eof = True
        if data:
            self._window_opened(now)
        return data

    def shutdown(self, now: int) -> None:
        """SHUT_WR: send FIN after the queued data (RFC 9293 §3.10.4 CLOSE)."""
        if self.fin_pending or self.state in (State.CLOSED, State.LISTEN):
            return
        if self.state is State.SYN_SENT:
            self._set_state(State.CLOSED)
            self._event("closed", None)
            return
        self.fin_pending = True
        if self.state is State.ESTABLISHED:
            self._set_state(State.FIN_WAIT_1)
        elif self.state is State.CLOSE_WAIT:
            self._set_state(State.LAST_ACK)
        self._output(now)

    def close(self, now: int) -> None:
        """close(): unread data → RST as Linux does (RFC 9293 §3.10.4 allows it);
        otherwise the orderly FIN."""
        self.app_closed = True
        if self.state in (State.CLOSED, State.LISTEN, State.SYN_SENT):
            if self.state is not State.CLOSED:
                self._set_state(State.CLOSED)
                self._event("closed", None)
            return
        if self.rcvbuf.readable and self.config.rst_on_unread_close:
            self.abort(now)
            return
        self.shutdown(now)

    def abort(self, now: int) -> None:
        """ABORT (RFC 9293 §3.10.5; SO_LINGER 0): RST in synchronized states, CLOSED."""
        if self.state in (State.SYN_RECEIVED, State.ESTABLISHED, State.FIN_WAIT_1,
                          State.FIN_WAIT_2, State.CLOSE_WAIT):
            self._emit(self.snd_nxt, RST | ACK, now)
        self._enter_closed(None)

    def vanish(self, now: int) -> None:
        """The host lost power: the TCB is gone and nothing is sent (no RST, no FIN;
        the peer learns only by its own timeouts or a later RST from the rebooted host)."""
        self._enter_closed(None)

    # --- output to the driver ---------------------------------------------------
    def take_output(self) -> list:
        out, self._out = self._out, []
        return out

    def take_events(self) -> list:
        ev, self._events = self._events, []
        return ev

    def take_trace(self) -> list:
        tr, self._trace = self._trace, []
        return tr

    def info(self, now: int | None = None) -> dict:
        """tcp_info; with ``now`` also the times since the last data and ACK received."""
        return tcp_info.build(self, now)

    # --- shared helpers ---------------------------------------------------------
    @property
    def flight(self) -> int:
        """Sequence space sent and not acknowledged (SND.NXT − SND.UNA, modulo 2^32;
        never negative: SND.NXT never moves back and no ACK beyond it is taken)."""
        return (self.snd_nxt - self.snd_una) & 0xFFFFFFFF

    @property
    def linux_state(self) -> int:
        return LINUX_NUMBER[self.state]

    def _set_state(self, new: State) -> None:
        old = self.state
        if new is old:
            return
        self.state = new
        self._trace.append({"event": "tcp.state", "from": old.value, "to": new.value})
        self._event("state", new)

    def _event(self, kind: str, value) -> None:
        self._events.append((kind, value))

    def _record(self, event: str, **fields) -> None:
        fields["event"] = event
        self._trace.append(fields)

    def _enter_closed(self, error: Errno | None) -> None:
        """Delete the TCB (RFC 9293): no timers, an error event if any, "closed"."""
        self._cancel_all_timers()
        if self.state is State.CLOSED:
            return
        if error is not None:
            self.error = error
            self._event("error", error)
        self._set_state(State.CLOSED)
        self._event("closed", None)
