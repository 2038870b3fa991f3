"""What the connection transmits: segmentation, Nagle, sender SWS avoidance, the
receive window it advertises, and every segment's fields and options.

New data goes out in segments of the effective MSS (RFC 9293 §3.7.1: the MSS less the
option bytes every segment carries) within min(cwnd, peer window). A short segment is
sent only if it is all that is queued and Nagle allows (RFC 9293 §3.7.4; Linux's
Minshall variant holds it only while an earlier short segment is unacked), or if it
fills half the peer's largest window (sender SWS avoidance, RFC 9293 §3.8.6.2.1).
The advertised window's right edge moves only by min(RCV.BUFF/2, MSS) or more
(receiver SWS avoidance, §3.8.6.2.2) and never backwards.
"""

from simulator.wire.tcp import ACK, FIN, PSH, RST, SYN, TcpSegment

from .fastopen import with_option
from .options import TS_LEN, max_sack_blocks, segment_options, syn_options
from .seq import seq_add, seq_gt, seq_sub
from .states import RECEIVING, State

_SACK_BASE = 4          # nop, nop, kind, length
_SENDING = (State.ESTABLISHED, State.CLOSE_WAIT, State.FIN_WAIT_1, State.CLOSING,
            State.LAST_ACK)                     # where _output sends data
_NO_ACK = (State.CLOSED, State.LISTEN, State.SYN_SENT)   # where it sends no ACK


class OutputMixin:
    # --- the advertised window ------------------------------------------------
    def _window_field(self, syn: bool = False) -> int:
        """The window field of the next segment; sets RCV.WND and the edge.
        ``config.rcv_ssthresh`` (Linux): the window is also capped by rcv_ssthresh,
        which starts at the SYN's window and grows with the data received
        (receive.py), and is rounded up, not down, to the scale (__tcp_select_window)."""
        rcvbuf = self.rcvbuf
        free = rcvbuf.free
        if not syn and self.config.rcv_ssthresh and self._rcv_ssthresh < free:
            free = self._rcv_ssthresh                # _rcv_space()
        cur = seq_sub(self._rcv_adv, self.rcv_nxt)
        if free - cur >= min(rcvbuf.capacity // 2, self.snd_mss) or free < cur:
            wnd = free
        else:
            wnd = max(cur, 0)
        if syn:
            # A SYN's window is never scaled (RFC 7323 §2.2); Linux rounds the space
            # down to a multiple of the MSS it announces, then caps it at 65535
            # (tcp_select_initial_window).
            if wnd > self.mss_limit:
                wnd -= wnd % self.mss_limit
            field = min(wnd, 65535)
            self.rcv_wnd = self._rcv_ssthresh = field
        else:
            shift = self.neg.rcv_wscale if self.neg else 0
            field = wnd >> shift
            if self.config.rcv_ssthresh and field << shift != wnd:
                field += 1
            field = min(field, 65535)
            self.rcv_wnd = field << shift
        self._rcv_adv = seq_add(self.rcv_nxt, self.rcv_wnd)
        return field

    def _rcv_space(self) -> int:
        """Free receive-buffer space, capped by rcv_ssthresh when modelled."""
        free = self.rcvbuf.free
        return min(free, self._rcv_ssthresh) if self.config.rcv_ssthresh else free

    def _tsval(self, now: int) -> int:
        return (now * self.config.ts_hz // 1_000_000_000 + self.ts_offset) & 0xFFFFFFFF

    # --- building segments ----------------------------------------------------
    def _emit(self, seq: int, flags: int, now: int, payload: bytes = b"") -> TcpSegment:
        """Queue one synchronized-state segment with the current ACK, window and
        options (timestamps, SACK blocks on ACKs)."""
        neg = self.neg
        blocks = ()
        if flags & RST:
            window = 0
        else:
            window = self._window_field()
            if (flags & ACK and neg and neg.sack
                    and (self._dsack is not None or self.rcvbuf.has_gap)):
                blocks = self._sack_option_blocks()
        tsval = self._tsval(now) if neg and neg.timestamps else None
        options = segment_options(tsval, self.ts_recent or 0, blocks)
        ack = self.rcv_nxt if flags & ACK else 0
        seg = TcpSegment(self.local_port, self.remote_port, seq, ack, flags, window,
                         payload, options)
        self._out.append(seg)
        self.segs_out += 1
        if flags & ACK:
            self._ack_sent()
        return seg

    def _send_syn(self, now: int) -> None:
        """Our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), with the options to offer."""
        cfg = self.config
        tsval = self._tsval(now) if cfg.timestamps else None
        self.adv_mss = self.mss_limit
        if self.state is State.SYN_SENT:
            flags, ack, opts = SYN, 0, syn_options(cfg, self.mss_limit, self.rcv_wscale, tsval)
        else:
            offer = self._offer
            if not offer.timestamps:
                tsval = None
            flags, ack = SYN | ACK, self.rcv_nxt
            opts = syn_options(cfg, self.mss_limit, self.rcv_wscale, tsval,
                               self.ts_recent or 0, offer)
        payload = b""
        if not self._syn_retries and not (flags & ACK and self.active_open):
            opts = with_option(opts, self.tfo_option)   # RFC 7413: the first SYN(-ACK)
            if flags == SYN:
                payload = self._fastopen_syn_payload()
                self.snd_nxt = seq_add(self.iss, 1 + len(payload))
        window = self._window_field(syn=True)
        self._out.append(TcpSegment(self.local_port, self.remote_port, self.iss, ack,
                                    flags, window, payload, opts))
        self.segs_out += 1
        if self._syn_sent_ns is None:
            self._syn_sent_ns = now
        if self._rto_at is None:
            self._rto_at = now + self.rtt.rto_ns

    def _send_ack(self, now: int) -> None:
        """A pure ACK <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>."""
        self._emit(self.snd_nxt, ACK, now)

    def _transmit(self, seq: int, length: int, now: int, retransmit: bool) -> int:
        """Send [seq, seq+length) of the stream (plus our FIN if it ends there);
        return the sequence space used."""
        offset = seq_sub(seq, self._data_seq)
        sndbuf = self.sndbuf
        buffered = len(sndbuf)
        length = max(min(length, buffered - offset), 0)
        payload = sndbuf.peek(offset, length)
        flags = ACK
        fin = self.fin_pending and seq_add(seq, length) == self._fin_at()
        if fin:
            flags |= FIN
        if length and (offset + length == buffered
                       or (retransmit and seq_add(seq, length) == self.tfo_data_end)):
            flags |= PSH             # Linux: the SYN data's skb was PSH (tcp_send_syn_data)
        self._emit(seq, flags, now, payload)
        used = length + fin
        self._on_transmit(seq, length, fin, now, retransmit)
        return used

    def _fin_at(self) -> int:
        """The sequence number our FIN takes: right after the last queued byte."""
        return seq_add(self._data_seq, len(self.sndbuf))

    # --- what may be sent -----------------------------------------------------
    def _mss_now(self) -> int:
        """Payload that fits beside this segment's options (SACK blocks, RFC 2018)."""
        if self._dsack is None and not self.rcvbuf.has_gap:
            return self.snd_mss                 # no SACK blocks to carry
        n = len(self._sack_option_blocks(peek=True)) if self.neg and self.neg.sack else 0
        return self.snd_mss - (_SACK_BASE + 8 * n if n else 0)

    def _output(self, now: int) -> None:
        """Send what the windows allow: retransmissions first, then new data; then a
        pure ACK if one is still owed; then (re)arm the RTO or persist timer."""
        st = self.state
        if st in _SENDING or (st is State.SYN_RECEIVED and self.tfo_child):
            self._send_retransmissions(now)
            self._send_new_data(now)
        if self._ack_now and st not in _NO_ACK:
            self._send_ack(now)
        self._arm_rto_or_persist(now)

    def _unsent(self) -> int:
        return len(self.sndbuf) - seq_sub(self.snd_nxt, self._data_seq)

    def _fin_unsent(self) -> bool:
        return self.fin_pending and not self._fin_sent

    def _send_new_data(self, now: int) -> None:
        """Segments of new data while Nagle, SWS avoidance and the windows allow.
        ``config.tso_psh``: every segment of a burst of several carries PSH. Linux
        sends such a burst as TSO packets that each carry PSH (what packetdrill sees;
        on the wire GSO leaves it on each packet's last segment); the packet sizes
        depend on pacing, which is not modelled, so every segment carries it.
        With nothing queued there is nothing to do, not even cwnd validation (Linux
        tcp_write_xmit validates only after sending or when cwnd held data back)."""
        if (len(self.sndbuf) - seq_sub(self.snd_nxt, self._data_seq) <= 0   # _unsent()
                and not self._fin_unsent()):
            return
        first = len(self._out)
        self._send_new_segments(now)
        self._cwnd_validate()
        if self.config.tso_psh and len(self._out) - first > 1:
            burst = [s for s in self._out[first:] if s.payload]
            if len(burst) > 1:
                for seg in burst:
                    seg.flags |= PSH

    def _send_new_segments(self, now: int) -> None:
        sent = 0
        flight_before = self.flight
        buffered = len(self.sndbuf)             # neither changes while sending
        data_seq = self._data_seq
        while True:
            seq = self.snd_nxt
            unsent = buffered - seq_sub(seq, data_seq)                    # _unsent()
            fin = self.fin_pending and not self._fin_sent                 # _fin_unsent()
            if unsent <= 0 and not fin:
                return
            if seq == self.snd_una:                                       # flight 0
                self._maybe_idle_restart(now)
            mss = self._mss_now()
            length = min(mss, max(unsent, 0))
            wnd_left = seq_sub(seq_add(self.snd_una, self.snd_wnd), seq)
            if length:
                edge = wnd_left < length
                if edge:
                    if wnd_left <= 0 or not self._edge_segment_ok(wnd_left, sent,
                                                                  flight_before):
                        return
                    length = wnd_left
                if self._send_budget() < length:
                    return
                if length < mss and not edge and not (length == unsent and fin) \
                        and not self._nagle_allows(length, unsent):
                    return
            elif wnd_left < 1:
                return              # a bare FIN needs window, not cwnd (tcp_cwnd_test)
            used = self._transmit(seq, length, now, retransmit=False)
            self.snd_nxt = seq_add(seq, used)
            sent += 1
            if length < mss:
                self._snd_sml = seq_add(seq, length)
            if used == 0:
                return

    def _edge_segment_ok(self, wnd_left: int, sent: int, flight_before: int) -> bool:
        """May a short segment fill the peer's window to its edge? ``rfc``: if it is
        at least half the largest window offered (sender SWS avoidance, RFC 9293
        §3.8.6.2.1). ``linux``: as the tail of a burst (one TSO packet,
        tcp_mss_split_point) that Nagle/Minshall would not hold."""
        if self.config.sender_sws == "rfc":
            return wnd_left >= self.max_snd_wnd // 2
        if not sent:
            return False
        return (not self.config.nagle or flight_before == 0
                or not seq_gt(self._snd_sml, self.snd_una))

    def _nagle_allows(self, length: int, unsent: int) -> bool:
        """RFC 9293 §3.7.4 (Nagle) and §3.8.6.2.1 case 2: a short segment goes only if
        it is all the queued data and nothing (Minshall: nothing short) is unacked."""
        if length < unsent:
            return False
        if not self.config.nagle:
            return True
        if self.config.nagle_minshall:
            return not seq_gt(self._snd_sml, self.snd_una)
        return self.flight == 0

    def _window_opened(self, now: int) -> None:
        """The app read data: send a window update ACK if the window grew enough.
        ``rfc``: as BSD's tcp_output, if the edge can move by two segments or half
        the buffer (a smaller move waits for the next ACK; RFC 9293 §3.8.6.2.2).
        ``linux`` (tcp_cleanup_rbuf): a pending delayed ACK covering more than one
        segment goes now; else only a window at least doubled is advertised."""
        if self.state not in RECEIVING:
            return
        cur = max(seq_sub(self._rcv_adv, self.rcv_nxt), 0)
        free = self._rcv_space()
        if self.config.window_update == "linux":
            due = ((self._delack_at is not None and self._unacked > self.rcv_mss)
                   or (2 * cur <= self.rcvbuf.capacity and free >= 2 * cur
                       and free - cur >= min(self.rcvbuf.capacity // 2, self.snd_mss)))
        else:
            due = free - cur >= min(self.rcvbuf.capacity // 2, 2 * self.snd_mss)
        if due:
            self._ack_now = True
            self._record("tcp.window_update", rcv_wnd=free)
            self._output(now)

    def _effective_mss(self) -> int:
        """Payload per segment: min(peer MSS, our limit) less the timestamps option
        (RFC 9293 §3.7.1, RFC 7323 §3.2); at least 1."""
        mss = min(self.neg.peer_mss, self.mss_limit)
        if self.neg.timestamps:
            mss -= TS_LEN
        return max(mss, 1)

    def _sack_option_blocks(self, peek: bool = False) -> tuple:
        """D-SACK first (RFC 2883 §4), then the receive buffer's SACK blocks (RFC 2018
        §4), as many as fit beside timestamps."""
        if self._dsack is None and not self.rcvbuf.has_gap:
            return ()                       # nothing to report: the common case
        limit = max_sack_blocks(self.neg.timestamps)
        blocks = []
        if self._dsack is not None:
            blocks.append(self._dsack)
        if self.rcvbuf.has_gap:
            for b in self.rcvbuf.sack_blocks(self.rcv_nxt, limit):
                if len(blocks) >= limit:
                    break
                if not blocks or b != blocks[0]:
                    blocks.append(b)
        if not peek:
            self._dsack = None
        return tuple(blocks)
