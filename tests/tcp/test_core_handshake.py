"""The SYN exchange segment by segment (RFC 9293 §3.5, §3.10.7.2–3; RFC 7323; RFC 2018;
RFC 6298 §5.7): exact seq/ack/window/options/times."""

from simulator.stack.errno import Errno
from simulator.stack.tcp.connection import State, TcpConnection
from tests.tcp.core_harness import (ACK, MS, RST, S, SYN, A_IP, A_PORT, B_IP, B_PORT, Mss,
                                    Nop, Sack, SackPermitted, Timestamps, WindowScale, cfg, client,
                                    established_client, peer_seg)

LINUX_SYN_OPTS = (Mss(1460), SackPermitted(), Timestamps(0 + 1000, 0), Nop(), WindowScale(7))


def test_active_open_linux_syn():
    c = client(cfg("linux"))
    c.open_active(0)
    (syn,) = c.take_output()
    assert syn.flags == SYN and syn.seq == 1000 and syn.ack == 0
    assert syn.window == 65535                 # rmem rounded down to 1460s, then capped
    assert syn.options == LINUX_SYN_OPTS       # TSval = 0 ms + offset (ISN)
    assert c.state is State.SYN_SENT and c.deadline == 1 * S
    assert c.take_events() == [("state", State.SYN_SENT)]


def test_syn_window_rounded_to_mss_below_65535():
    c = client(cfg("linux", rmem=50000))
    c.open_active(0)
    (syn,) = c.take_output()
    assert syn.window == 49640                 # 34 · 1460 (tcp_select_initial_window)


def test_rfc_profile_scales_from_rmem():
    c = client(cfg("rfc"))
    c.open_active(0)
    (syn,) = c.take_output()
    assert syn.option(WindowScale) == WindowScale(2)     # 131072 >> 2 ≤ 65535


def test_syn_ack_establishes_and_acks():
    c = client(cfg("linux"))
    c.open_active(0)
    c.take_output()
    synack = peer_seg(SYN | ACK, 5000, 1001, 65535,
                      options=(Mss(1400), SackPermitted(), Timestamps(777, 1000), Nop(),
                               WindowScale(3)))
    c.segment_arrives(synack, 30 * MS)
    (ack,) = c.take_output()
    assert (ack.flags, ack.seq, ack.ack) == (ACK, 1001, 5001)
    assert ack.window == 512                   # rcv_ssthresh 65535, rounded up to 2^7
    assert ack.option(Timestamps) == Timestamps(30 + 1000, 777)
    assert c.state is State.ESTABLISHED
    assert c.snd_mss == 1400 - 12              # peer's MSS less the timestamps option
    assert c.snd_wnd == 65535                  # never scaled in a SYN
    assert c.rtt.srtt_ns == 30 * MS
    assert c.rtt.rto_ns == 230 * MS            # linux: srtt + max(mdev·4, 200 ms)
    assert ("established", None) in c.take_events()
    assert c.deadline is None


def test_mss_default_536_without_option_and_no_scaling():
    c = client(cfg("rfc", timestamps=False))
    c.open_active(0)
    c.take_output()
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, 8000), 10 * MS)
    (ack,) = c.take_output()
    assert c.snd_mss == 536                    # RFC 9293 §3.7.1
    assert c.neg.rcv_wscale == 0 and c.neg.snd_wscale == 0
    assert ack.window == 65535                 # unscaled: capped at the field
    assert ack.options == ()


def test_passive_open_answers_only_offered_options():
    syn = peer_seg(SYN, 5000, 0, 29200, options=(Mss(1200),))
    c = TcpConnection.open_passive(cfg("linux"), A_IP, A_PORT, B_IP, B_PORT, 9000, 1460,
                                   syn, 0)
    (synack,) = c.take_output()
    assert synack.flags == SYN | ACK and (synack.seq, synack.ack) == (9000, 5001)
    assert synack.options == (Mss(1460),)
    assert c.state is State.SYN_RECEIVED
    c.segment_arrives(peer_seg(ACK, 5001, 9001, 29200), 5 * MS)
    assert c.state is State.ESTABLISHED and c.snd_mss == 1200
    assert c.rtt.srtt_ns == 5 * MS


def test_syn_retries_back_off_then_etimedout():
    c = client(cfg("linux"))
    c.open_active(0)
    c.take_output()
    times = []
    while c.state is State.SYN_SENT:
        t = c.deadline
        c.timer_fires(t)
        times.append(t)
        for seg in c.take_output():
            assert seg.flags == SYN and seg.seq == 1000
    # Linux tcp_syn_retries = 6: SYNs at 0, 1, 3, 7, 15, 31, 63 s; gives up at 127 s
    assert times == [s * S for s in (1, 3, 7, 15, 31, 63, 127)]
    assert c.error is Errno.ETIMEDOUT
    assert ("error", Errno.ETIMEDOUT) in c.take_events()


def test_retransmitted_syn_gives_rto_fallback_three_seconds():
    c = client(cfg("rfc", timestamps=False))
    c.open_active(0)
    c.timer_fires(1 * S)
    c.take_output()
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, options=(Mss(1460),)), 1100 * MS)
    assert c.rtt.srtt_ns is None               # Karn: no sample from the retransmitted SYN
    assert c.rtt.rto_ns == 3 * S               # RFC 6298 §5.7


def test_retransmitted_syn_with_timestamps_measures_from_tsecr():
    c = client(cfg("linux"))
    c.open_active(0)
    c.take_output()
    c.timer_fires(1 * S)
    (syn2,) = c.take_output()
    tsval = syn2.option(Timestamps).tsval
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, options=(
        Mss(1460), SackPermitted(), Timestamps(1, tsval), Nop(), WindowScale(7))), 1050 * MS)
    assert c.rtt.srtt_ns == 50 * MS


def test_simultaneous_open():
    c = client(cfg("rfc"))
    c.open_active(0)
    c.take_output()
    c.segment_arrives(peer_seg(SYN, 5000, 0, 65535, options=(Mss(1460),)), 10 * MS)
    (synack,) = c.take_output()
    assert c.state is State.SYN_RECEIVED
    assert synack.flags == SYN | ACK and (synack.seq, synack.ack) == (1000, 5001)
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, 65535, options=(Mss(1460),)), 20 * MS)
    (ack,) = c.take_output()
    assert c.state is State.ESTABLISHED
    assert (ack.flags, ack.seq, ack.ack) == (ACK, 1001, 5001)


def test_simultaneous_open_with_sack_dsacks_the_synack():
    c = client(cfg("linux", timestamps=False))
    c.open_active(0)
    c.take_output()
    opts = (Mss(1460), Nop(), Nop(), SackPermitted())
    c.segment_arrives(peer_seg(SYN, 5000, 0, 65535, options=opts), 10 * MS)
    c.take_output()
    c.segment_arrives(peer_seg(SYN | ACK, 5000, 1001, 65535, options=opts), 20 * MS)
    (ack,) = c.take_output()                   # its SYN is old: reported as a duplicate
    assert (ack.flags, ack.ack) == (ACK, 5001) and ack.option(Sack) == Sack([(5000, 5001)])


def test_rst_in_syn_sent():
    c = client(cfg("rfc"))
    c.open_active(0)
    c.take_output()
    c.segment_arrives(peer_seg(RST, 0, 0), 1 * MS)               # no ACK: ignored
    assert c.state is State.SYN_SENT
    c.segment_arrives(peer_seg(RST | ACK, 0, 1000), 1 * MS)      # ACK not acceptable
    assert c.state is State.SYN_SENT
    c.segment_arrives(peer_seg(RST | ACK, 0, 1001), 2 * MS)
    assert c.state is State.CLOSED and c.error is Errno.ECONNREFUSED


def test_bad_ack_in_syn_sent_gets_reset():
    c = client(cfg("rfc"))
    c.open_active(0)
    c.take_output()
    c.segment_arrives(peer_seg(ACK, 77, 4242), 1 * MS)
    (rst,) = c.take_output()
    assert (rst.flags, rst.seq) == (RST, 4242)                   # <SEQ=SEG.ACK><CTL=RST>
    assert c.state is State.SYN_SENT


def test_syn_received_bad_ack_reset_and_retransmitted_syn():
    syn = peer_seg(SYN, 5000, 0, options=(Mss(1460),))
    c = TcpConnection.open_passive(cfg("rfc"), A_IP, A_PORT, B_IP, B_PORT, 9000, 1460, syn, 0)
    c.take_output()
    c.segment_arrives(syn, 100 * MS)                             # the SYN again
    (again,) = c.take_output()
    assert again.flags == SYN | ACK and again.seq == 9000
    c.segment_arrives(peer_seg(ACK, 5001, 12345), 110 * MS)
    (rst,) = c.take_output()
    assert (rst.flags, rst.seq) == (RST, 12345)
    assert c.state is State.SYN_RECEIVED


def test_synack_retries_then_closed():
    syn = peer_seg(SYN, 5000, 0, options=(Mss(1460),))
    c = TcpConnection.open_passive(cfg("linux"), A_IP, A_PORT, B_IP, B_PORT, 9000, 1460, syn, 0)
    c.take_output()
    times = []
    while c.state is State.SYN_RECEIVED:
        times.append(c.deadline)
        c.timer_fires(c.deadline)
    assert times == [s * S for s in (1, 3, 7, 15, 31, 63)]      # synack_retries 5


def test_rst_in_syn_received_passive_closes_quietly():
    syn = peer_seg(SYN, 5000, 0, options=(Mss(1460),))
    c = TcpConnection.open_passive(cfg("rfc"), A_IP, A_PORT, B_IP, B_PORT, 9000, 1460, syn, 0)
    c.take_output()
    c.segment_arrives(peer_seg(RST, 5001), 1 * MS)
    assert c.state is State.CLOSED and c.error is None


def test_established_client_helper_state():
    c = established_client(cfg("rfc"))
    assert c.state is State.ESTABLISHED and c.snd_una == 1001 and c.rcv_nxt == 5001


def test_handshake_ack_updates_ts_recent():
    """RFC 7323 §4.3 (2) / Linux tcp_check_req: the ACK completing a passive open
    covers Last.ACK.sent, so its TSval becomes TS.Recent and our next TSecr."""
    syn = peer_seg(SYN, 5000, 0, 29200, options=(Mss(1460), SackPermitted(),
                                                 Timestamps(100, 0), Nop(), WindowScale(7)))
    c = TcpConnection.open_passive(cfg("linux"), A_IP, A_PORT, B_IP, B_PORT, 9000, 1460,
                                   syn, 0)
    (synack,) = c.take_output()
    assert synack.option(Timestamps).tsecr == 100
    c.segment_arrives(peer_seg(ACK, 5001, 9001, 229, options=(
        Nop(), Nop(), Timestamps(200, synack.option(Timestamps).tsval))), 100 * MS)
    assert c.state is State.ESTABLISHED and c.ts_recent == 200
    c.send(b"x" * 10, 101 * MS)
    (seg,) = c.take_output()
    assert seg.option(Timestamps).tsecr == 200
