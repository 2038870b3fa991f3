"""ns-3 3.44's non-SACK loss detection (``reno_sack_emulation: ns3``), without an event
loop: the emulated-SACK scoreboard's rules one call at a time, then a connection fed
crafted ACKs, set against RFC 5681/6582 behaviour (the knob off)."""

import pytest

from simulator.stack.tcp.config import TcpConfig
from simulator.stack.tcp.connection import State
from simulator.stack.tcp.ns3_reno_sack import RenoSackScoreboard
from tests.tcp.core_harness import MS, cfg, established_client
from tests.tcp.test_core_data import ack, rel
from tests.tcp.test_core_pipe import transfer

SMSS = 1000
ISN = 0xFFFFF000                # the sequence space wraps inside the window


def board(n):
    sb = RenoSackScoreboard()
    for i in range(n):
        sb.on_send(seq(i), SMSS, retransmit=False)
    return sb


def seq(i):
    """Segment i's first sequence number."""
    return (ISN + i * SMSS) & 0xFFFFFFFF


def flags(sb):
    return ["".join(f for f, on in (("S", i.sacked), ("L", i.lost), ("R", i.retrans))
                    if on) or "-" for i in sb]


def test_dupacks_mark_segments_after_the_head_and_recovery_marks_the_head_lost():
    sb = board(6)
    sb.add_reno_sack()                        # dupACK 1 (limited transmit)
    sb.add_reno_sack()                        # dupACK 2
    assert flags(sb) == ["-", "S", "S", "-", "-", "-"]
    assert not sb.is_lost(seq(0))             # sacked ahead, but no lost flag
    assert sb.bytes_in_flight() == 4 * SMSS   # sent − sacked
    sb.add_reno_sack()                        # dupACK 3: ns-3 EnterRecovery
    sb.mark_head_lost()
    assert flags(sb) == ["L", "S", "S", "S", "-", "-"]
    assert sb.is_lost(seq(0)) and not sb.is_lost(seq(1)) and not sb.is_lost(seq(4))
    assert sb.bytes_in_flight() == 2 * SMSS   # sent − sacked − lost
    assert sb.next_lost() == (seq(0), SMSS)
    sb.on_send(seq(0), SMSS, retransmit=True)
    assert flags(sb)[0] == "LR" and sb.bytes_in_flight() == 3 * SMSS
    assert sb.next_lost() is None             # NextSeg rule 1 skips a resent segment


def test_a_stale_mark_on_the_new_head_moves_on_and_leaves_the_head_lost():
    sb = board(6)
    for _ in range(3):
        sb.add_reno_sack()                    # marks 1, 2, 3
    sb.discard_up_to(seq(2))                  # an ACK of 0..1: segment 2 is now the head
    assert flags(sb) == ["L", "S", "S", "-"]  # its mark went to segment 4, itself lost
    assert sb.is_lost(seq(2))                 # so the next single dupACK enters recovery
    assert sb.next_lost() == (seq(2), SMSS)   # and NextSeg resends it, in any state
    assert sb.bytes_in_flight() == 4 * SMSS - 2 * SMSS - SMSS


def test_marks_outlive_recovery_and_only_the_rto_clears_them():
    sb = board(8)
    for _ in range(4):
        sb.add_reno_sack()                    # marks 1..4
    sb.discard_up_to(seq(3))                  # ACK of 0..2: one mark too many
    sb.discard_up_to(seq(4))                  # the next ACK: the moved mark again
    assert flags(sb) == ["L", "S", "S", "-"]
    sb.on_rto()                               # ResetRenoSack + SetSentListLost
    assert flags(sb) == ["L", "L", "L", "L"]
    assert sb.sacked == 0 and sb.bytes_in_flight() == 0
    assert not sb.is_lost(seq(4))             # no HighSACK: IsLost is false
    assert sb.next_lost() == (seq(4), SMSS)   # go-back-N from the head


def test_highsack_at_or_below_snd_una_is_forgotten():
    sb = board(4)
    sb.add_reno_sack()                        # marks 1
    sb.discard_up_to(seq(2))
    assert sb.highest_sack is None and flags(sb) == ["-", "-"]
    sb.mark_head_lost()
    assert not sb.is_lost(seq(2))             # lost flag, but nothing above it sacked
    assert sb.next_lost() == (seq(2), SMSS)   # without HighSACK, rule 1 has no bound


def test_the_head_is_never_marked_and_a_full_list_takes_no_more_marks():
    sb = board(3)
    for _ in range(5):
        sb.add_reno_sack()
    assert flags(sb) == ["-", "S", "S"] and sb.sacked == 2 * SMSS


def test_acks_and_resends_inside_a_segment_split_it_with_its_flags():
    sb = board(3)
    sb.mark_head_lost()
    sb.discard_up_to(seq(0) + 500)
    assert sb.lost == 500 and sb.bytes_in_flight() == 2 * SMSS
    sb.on_send(seq(0) + 500, SMSS, retransmit=True)     # head half + half of segment 1
    assert [(i.end - i.start, f) for i, f in zip(sb, flags(sb))] == [
        (500, "LR"), (500, "R"), (500, "-"), (SMSS, "-")]
    assert sb.retrans == SMSS and sb.bytes_in_flight() == 3 * SMSS   # 2500 − 500 + 1000


# --- the connection --------------------------------------------------------------------
def ns3(emulation="ns3"):
    return cfg("ns3", sack=False, recovery="classic", timestamps=False,
               reno_sack_emulation=emulation)


def test_profiles_enable_it_only_in_ns3():
    assert TcpConfig.profile("ns3").reno_sack_emulation == "ns3"
    assert TcpConfig.profile("rfc").reno_sack_emulation == "off"
    assert TcpConfig.profile("linux").reno_sack_emulation == "off"
    with pytest.raises(ValueError, match="reno_sack_emulation"):
        TcpConfig.profile("ns3", reno_sack_emulation="bsd")


def test_it_is_off_with_sack_or_prr():
    sack_peer = established_client(cfg("ns3"))
    assert sack_peer._ns3 is None                              # SACK not negotiated...
    c = established_client(cfg("ns3", sack=False))
    assert c._ns3 is None                                      # ...but PRR recovery
    assert established_client(ns3())._ns3 is not None


def test_recovery_entry_halves_ns3s_pipe_and_keeps_cwnd_at_ssthresh():
    c = established_client(ns3())
    c.send(b"a" * 20 * 1460, 20 * MS)
    assert len(c.take_output()) == 10                          # IW10
    assert rel(c, ack(c, 0, 30 * MS)) == [(10 * 1460, 1460)]   # dupACK 1: a mark, one new
    assert rel(c, ack(c, 0, 31 * MS)) == [(11 * 1460, 1460)]   # dupACK 2
    assert rel(c, ack(c, 0, 32 * MS)) == [(0, 1460)]           # dupACK 3: fast retransmit
    # 12 sent, 3 marked, the head lost: pipe 8 segments, plus the head, halved
    assert c.cc.ssthresh == c.cc.cwnd == 9 * 1460 // 2
    # the resent head is in flight again: pipe 9 segments; each dupACK marks one
    # more, and new data goes once cwnd − pipe holds a segment (no inflation)
    for k in range(1, 6):
        assert ack(c, 0, (32 + k) * MS) == [] and c._ns3.bytes_in_flight() == (9 - k) * 1460
    assert rel(c, ack(c, 0, 38 * MS)) == [(12 * 1460, 1460)]
    assert c.cc.cwnd == 9 * 1460 // 2
    out = ack(c, 3 * 1460, 40 * MS)                            # partial ACK
    assert rel(c, out)[0] == (3 * 1460, 1460) and c.cc.cwnd == 9 * 1460 // 2
    ack(c, 13 * 1460, 50 * MS)                                 # full ACK: ssthresh + CA
    assert c.ca_state == "open"
    assert c.cc.cwnd == 9 * 1460 // 2 + 1460 * 1460 // (9 * 1460 // 2)


@pytest.mark.parametrize("emulation", ["ns3", "off"])
def test_a_stale_mark_makes_one_dupack_a_fast_recovery(emulation):
    c = established_client(ns3(emulation))
    c.send(b"a" * 30 * 1460, 20 * MS)
    c.take_output()
    ack(c, 0, 30 * MS)                                         # dupACKs 1 and 2: limited
    ack(c, 0, 31 * MS)                                         # transmit, marks 1 and 2
    out = ack(c, 2 * 1460, 40 * MS)                            # ACK of 0..1 only
    assert c.ca_state == "open"
    resent = [s for s in rel(c, out) if s[0] < 12 * 1460]
    out = ack(c, 2 * 1460, 41 * MS)                            # one dupACK
    if emulation == "ns3":
        assert resent == [(2 * 1460, 1460)]                    # the lost-marked head, in Open
        assert c.ca_state == "recovery"                        # IsLost(HighACK + 1)
        assert rel(c, out)[0] == (2 * 1460, 1460)
    else:                                                      # RFC 5681/6582
        assert resent == [] and c.ca_state == "open" and c.total_retrans == 0


def test_rto_clears_the_marks_and_dupacks_after_it_are_ignored():
    c = established_client(ns3())
    c.send(b"a" * 20 * 1460, 20 * MS)
    c.take_output()
    ack(c, 0, 30 * MS)
    ack(c, 0, 31 * MS)
    assert c._ns3.sacked == 2 * 1460
    c.timer_fires(c.deadline)
    assert rel(c, c.take_output()) == [(0, 1460)] and c.ca_state == "loss"
    assert c._ns3.sacked == 0 and c._ns3.bytes_in_flight() == 1460
    assert ack(c, 0, c.deadline - 1) == [] and c._ns3.sacked == 0   # CA_LOSS: ignored


@pytest.mark.parametrize("loss,seed", [(0.02, 1), (0.05, 2), (0.1, 3), (0.2, 4)])
def test_exact_bytes_or_a_reason_with_the_emulation(loss, seed):
    p, data, got = transfer("ns3", loss, seed, 80_000, jitter=3 * MS, sack=False,
                            recovery="classic")
    assert p.a._ns3 is not None
    assert got == data[:len(got)]
    if p.a.error is None:
        assert got == data
        assert p.a.state in (State.TIME_WAIT, State.CLOSED)
        assert p.b.state is State.CLOSED
