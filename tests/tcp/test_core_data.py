"""Data transfer segment by segment: segmentation, Nagle, delayed ACKs, reassembly,
SACK/D-SACK generation, windows, persist, RTO, fast retransmit, limited transmit."""

from simulator.stack.tcp.connection import State
from tests.tcp.core_harness import (ACK, MS, PSH, S, Mss, Nop, Sack, SackPermitted,
                                    WindowScale, cfg, established_client,
                                    peer_seg)

SACK_PEER = (Mss(1460), Nop(), Nop(), SackPermitted())


def ack(c, upto, t, win=65535, sack=None):
    """The peer acknowledges ``upto`` bytes of our data."""
    opts = (Nop(), Nop(), Sack(sack)) if sack else ()
    c.segment_arrives(peer_seg(ACK, 5001, c.iss + 1 + upto, win, options=opts), t)
    return c.take_output()


def data(c, off, n, t, win=65535):
    c.segment_arrives(peer_seg(ACK, 5001 + off, c.iss + 1, win, bytes(n)), t)
    return c.take_output()


def rel(c, segs):
    return [(s.seq - c.iss - 1, len(s.payload)) for s in segs]


def test_segmentation_and_psh_linux_iw10():
    c = established_client(cfg("linux"))
    c.send(b"a" * 5000, 20 * MS)
    out = c.take_output()
    assert rel(c, out) == [(0, 1460), (1460, 1460), (2920, 1460), (4380, 620)]
    assert [s.flags for s in out] == [ACK | PSH] * 4       # Linux's TSO packets: PSH
    assert all(s.ack == 5001 and s.window == 65535 for s in out)
    c.send(b"b" * 20000, 21 * MS)
    assert len(c.take_output()) == 6           # IW10 = 14600 bytes in flight at most


def test_rfc_psh_only_at_end_of_queued_data():
    c = established_client(cfg("rfc", initial_window=10))
    c.send(b"a" * 4380, 20 * MS)
    assert [s.flags for s in c.take_output()] == [ACK, ACK, ACK | PSH]


def test_window_edge_partial_segment():
    linux = established_client(cfg("linux"), win=5000)
    linux.send(b"a" * 8000, 20 * MS)           # 3 full segments and 620 to the edge
    assert rel(linux, linux.take_output()) == [(0, 1460), (1460, 1460), (2920, 1460),
                                               (4380, 620)]
    rfc = established_client(cfg("rfc", initial_window=10), win=5000)
    rfc.send(b"a" * 8000, 20 * MS)             # 620 < half the max window: held
    assert rel(rfc, rfc.take_output()) == [(0, 1460), (1460, 1460), (2920, 1460)]


def test_rfc_initial_window_three_segments():
    c = established_client(cfg("rfc"))
    c.send(b"a" * 10000, 20 * MS)
    assert rel(c, c.take_output()) == [(0, 1460), (1460, 1460), (2920, 1460)]  # RFC 5681 IW


def test_slow_start_one_mss_per_ack_rfc():
    c = established_client(cfg("rfc"))
    c.send(b"a" * 100000, 20 * MS)
    c.take_output()
    out = ack(c, 2920, 30 * MS)                # one ACK for two segments: abc = 1
    assert c.cc.cwnd == 4 * 1460
    assert rel(c, out) == [(4380, 1460), (5840, 1460), (7300, 1460)]


def test_nagle_rfc_holds_small_segment_while_data_unacked():
    c = established_client(cfg("rfc", initial_window=10))
    c.send(b"a" * 3020, 20 * MS)
    assert rel(c, c.take_output()) == [(0, 1460), (1460, 1460)]
    out = ack(c, 2920, 30 * MS)
    assert rel(c, out) == [(2920, 100)]


def test_nagle_linux_minshall_sends_first_small_segment():
    c = established_client(cfg("linux"))
    c.send(b"a" * 3020, 20 * MS)
    assert rel(c, c.take_output()) == [(0, 1460), (1460, 1460), (2920, 100)]
    c.send(b"b" * 100, 21 * MS)
    assert c.take_output() == []               # a short segment is still unacked
    assert rel(c, ack(c, 3020, 30 * MS)) == [(3020, 100)]


def test_nodelay_sends_every_write():
    c = established_client(cfg("rfc", nagle=False))
    c.send(b"a" * 10, 20 * MS)
    c.send(b"b" * 10, 21 * MS)
    assert rel(c, c.take_output()) == [(0, 10), (10, 10)]


def test_delayed_ack_timer_and_every_second_segment_rfc():
    c = established_client(cfg("rfc"))
    assert data(c, 0, 1460, 100 * MS) == []
    assert c.deadline == 300 * MS              # 200 ms delayed-ACK timer
    c.timer_fires(300 * MS)
    (a,) = c.take_output()
    assert a.ack == 5001 + 1460 and a.flags == ACK
    assert data(c, 1460, 1460, 400 * MS) == []
    (a,) = data(c, 2920, 1460, 410 * MS)       # second full-sized segment: ACK now
    assert a.ack == 5001 + 4380 and c.deadline is None


def test_linux_quickack_at_start():
    c = established_client(cfg("linux"))
    acks = [data(c, i * 1460, 1460, (100 + i) * MS) for i in range(20)]
    assert all(len(a) == 1 for a in acks[:16])  # 16 quick ACKs (TCP_MAX_QUICKACKS)
    assert [len(a) for a in acks[16:]] == [0, 1, 0, 1]
    assert c.config.delayed_ack == 40 * MS


def test_out_of_order_held_sack_then_reassembled():
    c = established_client(cfg("rfc"), peer_options=SACK_PEER)
    (a,) = data(c, 1460, 1460, 100 * MS)       # a hole at 0
    assert a.ack == 5001 and a.option(Sack) == Sack([(6461, 7921)])
    (a,) = data(c, 4380, 1460, 101 * MS)
    assert a.option(Sack) == Sack([(9381, 10841), (6461, 7921)])   # newest block first
    (a,) = data(c, 0, 1460, 102 * MS)          # fills the first hole: ACK at once
    assert a.ack == 5001 + 2920 and a.option(Sack) == Sack([(9381, 10841)])
    assert c.rcvbuf.readable == 2920
    (a,) = data(c, 2920, 1460, 103 * MS)
    assert a.ack == 5001 + 5840 and a.option(Sack) is None
    assert len(c.recv(100000, 104 * MS)) == 5840


def test_dsack_for_duplicate():
    c = established_client(cfg("rfc"), peer_options=SACK_PEER)
    data(c, 0, 1460, 100 * MS)
    (a,) = data(c, 0, 1460, 110 * MS)          # the same segment again
    assert a.ack == 5001 + 1460 and a.option(Sack) == Sack([(5001, 6461)])  # RFC 2883
    c.timer_fires(c.deadline) if c.deadline else None
    (a,) = data(c, 2920, 100, 120 * MS)
    assert a.option(Sack) == Sack([(7921, 8021)])   # the D-SACK is reported once


def test_receive_window_and_window_update_rfc():
    c = established_client(cfg("rfc", rmem=4096))
    assert data(c, 0, 1460, 100 * MS) == []
    (a,) = data(c, 1460, 1460, 110 * MS)
    assert a.window == 4096 - 2920
    c.recv(1000, 400 * MS)
    assert c.take_output() == []               # the edge would move 1000 < 2048: wait
    c.recv(2000, 410 * MS)
    (upd,) = c.take_output()                   # ≥ min(RCV.BUFF/2, 2·MSS): update (BSD)
    assert upd.window == 4096 and upd.ack == 5001 + 2920


def test_window_update_linux_only_when_doubled():
    c = established_client(cfg("linux", rmem=8192, quickack=0, delayed_ack=0,
                               rcv_ssthresh=False))
    (a,) = data(c, 0, 1460, 100 * MS)
    assert a.window == 8192 - 1460
    c.recv(1460, 110 * MS)
    assert c.take_output() == []               # 8192 < 2 · 6732: not doubled
    for i in range(1, 5):
        data(c, i * 1460, 1460, (110 + i) * MS)
    assert c.rcv_wnd == 8192 - 1460 * 4       # the first segment was read
    c.recv(8000, 120 * MS)
    (upd,) = c.take_output()                   # 8192 ≥ 2 · 2352: tcp_cleanup_rbuf ACKs
    assert upd.window == 8192


def test_linux_receive_window_grows_from_64k():
    c = established_client(cfg("linux"), peer_options=(Mss(1460), Nop(), WindowScale(7)))
    (a,) = data(c, 0, 1460, 100 * MS)          # a quick ACK
    # rcv_ssthresh 65535 + max(2 · advmss, 2 · len) = 68455, rounded up to 2^7
    assert a.window == 535 and c.rcv_wnd == 535 << 7


def test_small_read_no_window_update_receiver_sws():
    c = established_client(cfg("rfc", rmem=8192))
    data(c, 0, 1460, 100 * MS)
    c.timer_fires(c.deadline)
    c.take_output()
    c.recv(1000, 400 * MS)
    assert c.take_output() == []               # 1000 < min(4096, 1460)


def test_zero_window_persist_linux_probe_and_backoff():
    c = established_client(cfg("linux"))
    c.send(b"a" * 1460, 20 * MS)
    c.take_output()
    ack(c, 1460, 30 * MS, win=0)
    c.send(b"b" * 100, 31 * MS)
    assert c.take_output() == []
    rto = c.rtt.rto_ns
    first = c.deadline
    assert first == 31 * MS + rto              # persist armed when data waits
    c.timer_fires(first)
    (probe,) = c.take_output()
    assert probe.seq == c.iss + 1460 and probe.payload == b""   # SND.UNA − 1
    ack(c, 1460, first + 10 * MS, win=0)
    assert c.deadline == first + 10 * MS + 2 * rto   # re-armed from the answer
    c.timer_fires(c.deadline)
    c.take_output()
    out = ack(c, 1460, c.deadline, win=65535)  # the window opens: the data goes
    assert rel(c, out) == [(1460, 100)]


def test_zero_window_answered_probes_never_time_out():
    """RFC 1122 §4.2.2.17: while the peer ACKs the probes the connection stays open
    (Linux resets icsk_probes_out on each ACK), the interval still backing off to
    max_rto; unanswered, retries2 probes end it with ETIMEDOUT."""
    c = established_client(cfg("linux", retries2=3))
    c.send(b"a" * 1460, 20 * MS)
    c.take_output()
    ack(c, 1460, 30 * MS, win=0)
    c.send(b"b" * 100, 31 * MS)
    base = c.deadline - 31 * MS
    for n in range(1, 11):
        t = c.deadline
        c.timer_fires(t)
        assert len(c.take_output()) == 1
        ack(c, 1460, t + 10 * MS, win=0)
        assert c.deadline == t + 10 * MS + min(base << min(n, 3), 120 * S)
    assert c.state is State.ESTABLISHED and c.info()["tcpi_probes"] == 0
    probes = 0
    while c.state is State.ESTABLISHED:
        c.timer_fires(c.deadline)
        probes += len(c.take_output())
    assert probes == 3 and c.error.name == "ETIMEDOUT"


def test_zero_window_rfc_probe_one_byte():
    c = established_client(cfg("rfc"))
    c.send(b"a" * 1460, 20 * MS)
    c.take_output()
    ack(c, 1460, 30 * MS, win=0)
    c.send(b"b" * 100, 31 * MS)
    c.timer_fires(c.deadline)
    (probe,) = c.take_output()
    assert rel(c, [probe]) == [(1460, 1)]


def test_rto_retransmit_backoff_and_karn():
    c = established_client(cfg("rfc", timestamps=False))
    assert c.rtt.rto_ns == 1 * S               # rfc min RTO
    c.send(b"a" * 1000, 20 * MS)
    c.take_output()
    assert c.deadline == 1020 * MS
    c.timer_fires(1020 * MS)
    (r,) = c.take_output()
    assert rel(c, [r]) == [(0, 1000)]
    assert c.deadline == 3020 * MS             # backed off to 2 s
    assert c.cc.cwnd == 1460 and c.cc.ssthresh == 2 * 1460
    ack(c, 1000, 3100 * MS)
    assert c.rtt.srtt_ns == 10 * MS            # no sample from the retransmission
    assert c.rtt.rto_ns == 2 * S               # Karn: the backoff stays until a sample
    c.send(b"b" * 1000, 3200 * MS)
    c.take_output()
    ack(c, 2000, 3300 * MS)
    assert c.rtt.rto_ns == 1 * S


def test_rto_gives_up_after_retries2():
    c = established_client(cfg("rfc", retries2=3, timestamps=False))
    c.send(b"a" * 100, 20 * MS)
    while c.state is State.ESTABLISHED:
        c.timer_fires(c.deadline)
    assert c.total_retrans == 3 and c.error.name == "ETIMEDOUT"


def test_fast_retransmit_and_newreno_partial_ack():
    c = established_client(cfg("rfc", initial_window=8, timestamps=False))
    c.send(b"a" * 8 * 1460, 20 * MS)
    assert len(c.take_output()) == 8
    ack(c, 1460, 30 * MS)                      # seg 1 acked, seg 2 and 4 lost
    assert ack(c, 1460, 31 * MS) == []         # dupack 1 (limited transmit: nothing new)
    ack(c, 1460, 32 * MS)
    (fr,) = ack(c, 1460, 33 * MS)              # the third: fast retransmit
    assert rel(c, [fr]) == [(1460, 1460)]
    flight = 8 * 1460 - 1460
    assert c.cc.ssthresh == flight // 2
    assert c.cc.cwnd == flight // 2 + 3 * 1460
    out = ack(c, 2 * 1460 + 1460, 40 * MS)     # partial ACK: up to the next hole
    assert rel(c, out)[0] == (4380, 1460)      # NewReno retransmits it at once
    assert c.ca_state == "recovery"
    ack(c, 8 * 1460, 50 * MS)
    assert c.ca_state == "open" and c.cc.cwnd == c.cc.ssthresh


def test_limited_transmit_rfc3042():
    c = established_client(cfg("rfc", initial_window=4, timestamps=False))
    c.send(b"a" * 10 * 1460, 20 * MS)
    assert len(c.take_output()) == 4
    assert rel(c, ack(c, 0, 30 * MS)) == [(4 * 1460, 1460)]   # dupACK 1: a new segment
    assert rel(c, ack(c, 0, 31 * MS)) == [(5 * 1460, 1460)]   # dupACK 2: another
    assert rel(c, ack(c, 0, 32 * MS)) == [(0, 1460)]          # dupACK 3: fast retransmit


def test_sack_recovery_retransmits_holes_rfc6675():
    c = established_client(cfg("rfc", initial_window=10, timestamps=False),
                           peer_options=SACK_PEER)
    base = c.iss + 1
    c.send(b"a" * 20 * 1460, 20 * MS)
    c.take_output()
    out = []
    sent = []
    for k in (2, 3, 4):                        # seg 0 and 1 lost; 2, 3, 4 arrive
        sent.append(rel(c, ack(c, 0, (30 + k) * MS,
                               sack=[(base + 2 * 1460, base + (k + 1) * 1460)])))
    assert sent[:2] == [[(10 * 1460, 1460)], [(11 * 1460, 1460)]]   # limited transmit
    assert c.ca_state == "recovery"
    assert sent[2] == [(0, 1460)]              # RFC 6675 §5 (4.3): HighACK+1 at once
    assert c.cc.cwnd == c.cc.ssthresh == 12 * 1460 // 2
    # pipe: 12 sent - 3 SACKed - 2 lost + 1 resent = 8 segments > cwnd 6: wait
    assert ack(c, 0, 40 * MS, sack=[(base + 2 * 1460, base + 6 * 1460)]) == []
    # 6 SACKed: pipe 5 < 6, NextSeg rule 1 picks the other hole
    out = ack(c, 0, 41 * MS, sack=[(base + 2 * 1460, base + 8 * 1460)])
    assert rel(c, out) == [(1460, 1460)]
