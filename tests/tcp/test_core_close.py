"""Closing and resets segment by segment (RFC 9293 §3.6, §3.10.7.4; RFC 5961; RFC 7323
§5 PAWS): FIN-WAIT, CLOSING, TIME-WAIT, LAST-ACK, half-close, RST and challenge ACKs."""

from simulator.stack.errno import Errno
from simulator.stack.tcp.connection import State
from tests.tcp.core_harness import (ACK, FIN, MS, RST, S, SYN, Mss, Nop, SackPermitted,
                                    Timestamps, WindowScale, cfg, established_client,
                                    peer_seg)

TS_PEER = (Mss(1460), SackPermitted(), Timestamps(100, 1010), Nop(), WindowScale(7))


def flags(segs):
    return [(s.flags, s.seq, s.ack) for s in segs]


def test_active_close_fin_wait_time_wait_closed():
    c = established_client(cfg("linux"))
    c.close(20 * MS)
    assert flags(c.take_output()) == [(FIN | ACK, 1001, 5001)]
    assert c.state is State.FIN_WAIT_1
    c.segment_arrives(peer_seg(ACK, 5001, 1002), 30 * MS)
    assert c.state is State.FIN_WAIT_2 and c.take_output() == []
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1002), 40 * MS)
    assert flags(c.take_output()) == [(ACK, 1002, 5002)]
    assert c.state is State.TIME_WAIT and c.deadline == 40 * MS + 60 * S
    c.timer_fires(40 * MS + 60 * S)
    assert c.state is State.CLOSED
    states = [v for k, v in c.take_events() if k == "state"]
    assert states == [State.FIN_WAIT_1, State.FIN_WAIT_2, State.TIME_WAIT, State.CLOSED]


def test_time_wait_reacks_retransmitted_fin_and_restarts():
    c = established_client(cfg("rfc"))
    c.close(20 * MS)
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1002), 30 * MS)
    c.take_output()
    assert c.state is State.TIME_WAIT and c.deadline == 30 * MS + 240 * S   # 2·MSL
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1002), 5 * S)
    assert flags(c.take_output()) == [(ACK, 1002, 5002)]
    assert c.deadline == 5 * S + 240 * S


def test_passive_close_close_wait_last_ack():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1001), 20 * MS)
    assert flags(c.take_output()) == [(ACK, 1001, 5002)]   # the FIN is ACKed at once
    assert c.state is State.CLOSE_WAIT
    assert ("eof", None) in c.take_events()
    assert c.recv(100, 21 * MS) == b"" and c.eof
    c.send(b"x" * 10, 22 * MS)                 # half-close: we may still send
    assert [len(s.payload) for s in c.take_output()] == [10]
    c.close(23 * MS)
    assert flags(c.take_output()) == [(FIN | ACK, 1011, 5002)]
    assert c.state is State.LAST_ACK
    c.segment_arrives(peer_seg(ACK, 5002, 1012), 40 * MS)
    assert c.state is State.CLOSED and c.error is None and c.deadline is None


def test_simultaneous_close_closing():
    c = established_client(cfg("rfc"))
    c.close(20 * MS)
    c.take_output()
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1001), 25 * MS)   # their FIN, ours unacked
    assert c.state is State.CLOSING
    assert flags(c.take_output()) == [(ACK, 1002, 5002)]
    c.segment_arrives(peer_seg(ACK, 5002, 1002), 30 * MS)
    assert c.state is State.TIME_WAIT


def test_fin_ack_together_goes_straight_to_time_wait():
    c = established_client(cfg("rfc"))
    c.close(20 * MS)
    c.take_output()
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1002), 30 * MS)
    assert c.state is State.TIME_WAIT


def test_half_close_keeps_receiving():
    c = established_client(cfg("rfc"))
    c.shutdown(20 * MS)
    c.take_output()
    c.segment_arrives(peer_seg(ACK, 5001, 1002), 30 * MS)
    c.segment_arrives(peer_seg(ACK, 5001, 1002, payload=b"hello"), 40 * MS)
    assert c.state is State.FIN_WAIT_2 and c.recv(10, 41 * MS) == b"hello"


def test_lost_fin_retransmitted_by_rto():
    c = established_client(cfg("rfc", timestamps=False))
    c.close(20 * MS)
    c.take_output()
    c.timer_fires(1020 * MS)
    assert flags(c.take_output()) == [(FIN | ACK, 1001, 5001)]


def test_fin_beyond_a_hole_waits_for_it():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(FIN | ACK, 5011, 1001, payload=b"b" * 10), 20 * MS)
    assert c.state is State.ESTABLISHED
    c.take_output()
    c.segment_arrives(peer_seg(ACK, 5001, 1001, payload=b"a" * 10), 21 * MS)
    assert c.state is State.CLOSE_WAIT and c.rcv_nxt == 5022
    assert flags(c.take_output()) == [(ACK, 1001, 5022)]


def test_rst_exact_resets_in_window_challenges():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(RST, 5100), 20 * MS)          # in window, not RCV.NXT
    assert flags(c.take_output()) == [(ACK, 1001, 5001)]     # RFC 5961 §3.2
    assert c.state is State.ESTABLISHED
    c.segment_arrives(peer_seg(RST, 5001 + 70000), 21 * MS)  # outside: silently dropped
    assert c.take_output() == []
    c.segment_arrives(peer_seg(RST, 5001), 22 * MS)
    assert c.state is State.CLOSED and c.error is Errno.ECONNRESET
    assert ("error", Errno.ECONNRESET) in c.take_events()


def test_rst_in_close_wait_is_epipe_and_in_last_ack_quiet():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1001), 20 * MS)
    c.segment_arrives(peer_seg(RST, 5002), 21 * MS)
    assert c.error is Errno.EPIPE
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(FIN | ACK, 5001, 1001), 20 * MS)
    c.close(21 * MS)
    c.segment_arrives(peer_seg(RST, 5002), 22 * MS)
    assert c.state is State.CLOSED and c.error is None


def test_syn_in_established_gets_challenge_ack():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(SYN, 9999), 20 * MS)
    assert flags(c.take_output()) == [(ACK, 1001, 5001)]     # RFC 5961 §4.2
    assert c.state is State.ESTABLISHED


def test_ack_of_unsent_data_is_acked_and_dropped():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(ACK, 5001, 1500, payload=b"zz"), 20 * MS)
    assert flags(c.take_output()) == [(ACK, 1001, 5001)]
    assert c.rcvbuf.readable == 0 and c.snd_una == 1001


def test_old_duplicate_segment_is_acked():
    c = established_client(cfg("rfc"))
    c.segment_arrives(peer_seg(ACK, 4000, 1001, payload=b"old"), 20 * MS)
    assert flags(c.take_output()) == [(ACK, 1001, 5001)]


def test_close_with_unread_data_sends_rst():
    c = established_client(cfg("linux"))
    c.segment_arrives(peer_seg(ACK, 5001, 1001, payload=b"unread"), 20 * MS)
    c.take_output()
    c.close(30 * MS)
    assert flags(c.take_output()) == [(RST | ACK, 1001, 5007)]
    assert c.state is State.CLOSED


def test_abort_sends_rst():
    c = established_client(cfg("rfc"))
    c.abort(20 * MS)
    (rst,) = c.take_output()
    assert rst.flags == RST | ACK and rst.seq == 1001 and rst.window == 0
    assert c.state is State.CLOSED


def test_data_after_close_resets():
    """The RST answers the segment, <SEQ=SEG.ACK><CTL=RST> (Linux tcp_v4_send_reset;
    packetdrill's user_timeout/user_timeout.pkt expects `R 1:1(0)` for data that
    does not ACK our FIN), not our SND.NXT."""
    for ack in (1002, 1001):                 # the FIN acknowledged or not
        c = established_client(cfg("linux"))
        c.close(20 * MS)
        c.segment_arrives(peer_seg(ACK, 5001, ack), 30 * MS)
        c.take_output()
        c.segment_arrives(peer_seg(ACK, 5001, ack, payload=b"late"), 40 * MS)
        assert flags(c.take_output()) == [(RST, ack, 0)]
        assert c.state is State.CLOSED


def test_paws_drops_old_timestamp():
    c = established_client(cfg("linux"), peer_options=TS_PEER)
    assert c.ts_recent == 100
    c.segment_arrives(peer_seg(ACK, 5001, 1001, payload=b"a",
                               options=(Nop(), Nop(), Timestamps(200, 1010))), 20 * MS)
    assert c.ts_recent == 200 and c.rcvbuf.readable == 1
    c.take_output()
    c.segment_arrives(peer_seg(ACK, 5002, 1001, payload=b"b",
                               options=(Nop(), Nop(), Timestamps(150, 1010))), 21 * MS)
    (a,) = c.take_output()
    assert a.ack == 5002 and c.rcvbuf.readable == 1          # RFC 7323 §5.3 R1


def test_bare_fin_ignores_cwnd_but_not_a_zero_window():
    c = established_client(cfg("linux", initial_window=1))
    c.send(b"x" * 1460, 20 * MS)
    c.take_output()
    c.shutdown(21 * MS)                        # cwnd full: the FIN goes anyway
    assert flags(c.take_output()) == [(FIN | ACK, 2461, 5001)]
    z = established_client(cfg("linux"))
    z.send(b"x" * 10, 20 * MS)
    z.take_output()
    z.segment_arrives(peer_seg(ACK, 5001, 1011, 0), 30 * MS)     # zero window
    z.shutdown(31 * MS)
    assert z.take_output() == [] and z.deadline is not None     # persist, no FIN
