"""RACK-TLP's pieces without a connection (RFC 8985 §6.2, §7.2; Linux's arithmetic)."""

from simulator.stack.tcp.rack import TIMEOUT_MIN_NS, Rack, pto_ns
from simulator.stack.tcp.sack import SentSegment

MS = 1_000_000


def seg(start, end, sent_ms, retransmitted=False, sacked=False):
    s = SentSegment(start, end, False, sent_ms * MS, 0)
    s.retransmitted, s.sacked = retransmitted, sacked
    return s


def test_pto_is_two_srtt_plus_timer_slack_or_wcdelack_and_never_past_the_rto():
    assert TIMEOUT_MIN_NS == 2 * MS
    assert pto_ns(100 * MS, False, 200 * MS, 300 * MS) == 202 * MS
    assert pto_ns(100 * MS, True, 200 * MS, 900 * MS) == 400 * MS
    assert pto_ns(100 * MS, True, 200 * MS, 300 * MS) == 300 * MS     # RTO comes first
    assert pto_ns(None, False, 200 * MS, 3000 * MS) == 1000 * MS      # no RTT sample yet
    assert pto_ns(100 * MS, False, 200 * MS, -5) == 0


def test_rack_follows_the_most_recently_sent_delivered_segment():
    rack = Rack()
    rack.on_delivered(seg(1000, 2000, 10), 110 * MS, None)
    assert (rack.xmit_ns, rack.end, rack.rtt_ns, rack.advanced) == (10 * MS, 2000, 100 * MS, True)
    rack.advanced = False
    rack.on_delivered(seg(0, 1000, 10), 120 * MS, None)      # sent together, lower end
    assert (rack.end, rack.advanced) == (2000, False)
    assert rack.reordering_seen                                # delivered below fack
    # a retransmission acked faster than the minimum RTT: the original's ACK
    rack.on_delivered(seg(2000, 3000, 115, retransmitted=True), 125 * MS, 100 * MS)
    assert rack.xmit_ns == 10 * MS


def test_reordering_window():
    rack = Rack()
    assert rack.reo_wnd(False, 1, 3, 100 * MS, 100 * MS) == 25 * MS       # min_RTT/4
    assert rack.reo_wnd(False, 1, 3, 100 * MS, 20 * MS) == 20 * MS        # at most SRTT
    assert rack.reo_wnd(False, 3, 3, 100 * MS, 100 * MS) == 0             # DupThresh SACKed
    assert rack.reo_wnd(True, 0, 3, 100 * MS, 100 * MS) == 0              # in recovery
    rack.reordering_seen = True
    assert rack.reo_wnd(True, 5, 3, 100 * MS, 100 * MS) == 25 * MS


def test_detect_loss_marks_the_run_that_has_waited_rtt_plus_window():
    rack = Rack()
    segs = [seg(0, 1000, 0), seg(1000, 2000, 0), seg(2000, 3000, 5, sacked=True),
            seg(3000, 4000, 6)]
    rack.on_delivered(segs[2], 105 * MS, None)                 # RACK.rtt 100 ms
    assert rack.detect_loss(segs, 0, 105 * MS, 25 * MS) == (0, 20 * MS)   # 100+25-105
    assert rack.detect_loss(segs, 0, 130 * MS, 25 * MS) == (2000, None)
    # the segment sent after RACK.xmit_ts is not judged
    assert rack.detect_loss(segs, 2000, 200 * MS, 0) == (2000, None)
    assert not rack.advanced
