"""PRR (RFC 6937 §3), replaying the examples of its §3.1 through a scoreboard."""

import pytest

from simulator.stack.tcp.prr import Prr
from simulator.stack.tcp.sack import Scoreboard

MSS = 1000


def flight(lost):
    """cwnd = FlightSize = 20 segments, segments in ``lost`` dropped (§3.1's setup)."""
    sb = Scoreboard(MSS)
    for i in range(20):
        sb.on_send(i * MSS, MSS, now=0)
    return sb, [i for i in range(20) if i not in lost]


def replay(lost, bound, whole_segments=True):
    """One ACK per arriving segment; limited transmit (RFC 3042) on the first two
    duplicate ACKs, PRR from the third. Returns (pipe before sending, segments sent,
    pipe after sending) for each ACK."""
    sb, arriving = flight(lost)
    prr, rows, dupacks = None, [], 0
    for seg in arriving:
        before = sb.delivered
        sb.on_sack(0, [(arriving[0] * MSS, (seg + 1) * MSS)])
        delivered = sb.delivered - before
        dupacks += 1
        pipe = sb.pipe()
        if dupacks < 3:
            budget = MSS                                # limited transmit: 1 new segment
        else:
            if prr is None:
                sb.enter_recovery()
                prr = Prr(ssthresh=10 * MSS, recover_fs=20 * MSS, mss=MSS,
                          reduction_bound=bound, whole_segments=whole_segments)
            budget = prr.on_ack(delivered, pipe)
        sent = []
        while budget >= MSS:
            seq, length = sb.next_seg(sb.high_data, MSS, new_data=MSS)
            sent.append("R" if seq < sb.high_data else "N")
            sb.on_send(seq, length, now=1, retransmit=seq < sb.high_data)
            if prr is not None:
                prr.on_sent(length)
            budget -= length
        rows.append((pipe // MSS, "".join(sent), sb.pipe() // MSS))
    return rows, sb


def test_single_loss_spreads_the_reduction_over_the_round_trip():
    """§3.1, one loss, in whole segments as Linux: the figure's pipe row (after each
    ACK's transmissions) from the 4th ACK on, one new segment every other ACK."""
    rows, sb = replay({0}, "ssrb")
    assert [before for before, _, _ in rows[:3]] == [19, 19, 18]   # as in the figures
    assert [sent for _, sent, _ in rows] == ["N", "N", "R"] + ["", "N"] * 7 + ["", ""]
    assert [after for _, _, after in rows[3:]] == [18, 18, 17, 17, 16, 16, 15, 15, 14,
                                                   14, 13, 13, 12, 12, 11, 10]
    assert sb.pipe() == 10 * MSS                                 # = ssthresh at the end


def test_single_loss_counted_in_bytes():
    """The RFC's pseudocode in bytes: the share reaches a full segment an ACK later,
    and on the last ACK pipe < ssthresh lets one more out (sndcnt = ssthresh - pipe)."""
    rows, sb = replay({0}, "ssrb", whole_segments=False)
    sent = [sent for _, sent, _ in rows]
    assert sent == ["N", "N", "R"] + ["", "", "N"] + ["", "N"] * 5 + ["", "", "N"]
    assert sb.pipe() == 10 * MSS


def test_single_loss_is_the_same_with_either_bound():
    assert replay({0}, "crb")[0] == replay({0}, "ssrb")[0]


def test_burst_loss_conservative_bound():
    """Segments 0-14 lost: PRR-CRB sends what is delivered (figure "PRR-CRB")."""
    rows, _ = replay(set(range(15)), "crb")
    assert [row[:2] for row in rows] == [(19, "N"), (19, "N"), (4, "R"), (4, "R"),
                                         (4, "R")]


def test_burst_loss_slow_start_bound():
    """PRR-SSRB: one segment more per ACK, pipe 4, 5, 6 (figure "PRR-SSRB")."""
    rows, _ = replay(set(range(15)), "ssrb")
    assert [row[:2] for row in rows] == [(19, "N"), (19, "N"), (4, "RR"), (5, "RR"),
                                         (6, "RR")]


def test_proportional_part_is_ceil_of_delivered_times_ssthresh_over_recoverfs():
    prr = Prr(ssthresh=7000, recover_fs=10000, mss=1000)
    assert prr.on_ack(1000, pipe=9000) == 1000      # 700, but the first send is 1 MSS
    prr.on_sent(1000)
    assert prr.on_ack(1000, pipe=9000) == 400                   # ceil(1400) - 1000
    assert prr.on_ack(500, pipe=9000) == 750                    # ceil(1750) - 1000


def test_reduction_bounds_and_safe_ack():
    crb = Prr(10000, 20000, 1000, "crb")
    crb.on_sent(3000)
    assert crb.on_ack(2000, pipe=4000) == 0                     # 2000 delivered, 3000 out
    ssrb = Prr(10000, 20000, 1000, "ssrb")
    ssrb.on_sent(3000)
    assert ssrb.on_ack(2000, pipe=4000) == 3000                 # DeliveredData + MSS
    assert ssrb.on_ack(2000, pipe=4000, safe_ack=False) == 2000
    assert ssrb.on_ack(1000, pipe=9500) == 500                  # ssthresh - pipe


def test_the_first_delivering_ack_always_lets_the_fast_retransmit_out():
    prr = Prr(ssthresh=10000, recover_fs=20000, mss=1000)
    assert prr.on_ack(1000, pipe=10000) == 1000                 # ssthresh - pipe = 0
    prr.on_sent(1000)
    assert prr.on_ack(1000, pipe=10000) == 0
    assert Prr(10000, 20000, 1000).on_ack(0, pipe=12000) == 0   # nothing delivered


def test_an_ack_that_delivers_nothing_changes_nothing():
    prr = Prr(ssthresh=10000, recover_fs=20000, mss=1000)
    assert prr.on_ack(3000, pipe=12000) == 1500
    prr.on_sent(1000)
    assert prr.on_ack(0, pipe=12000) == 500                     # the rest, no more
    ssrb = Prr(10000, 20000, 1000, "ssrb")
    ssrb.on_sent(2000)
    assert ssrb.on_ack(1000, pipe=5000) == 2000                 # DeliveredData + MSS
    ssrb.on_sent(2000)
    assert ssrb.on_ack(0, pipe=7000) == 0                       # RFC 6937 would say 1000


def test_unknown_bound():
    with pytest.raises(ValueError, match="reduction bound 'fast'"):
        Prr(1, 1, 1, "fast")
