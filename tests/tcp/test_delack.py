"""The delayed-ACK engine (delack.py): Linux's pingpong mode and the quick-ACK budget
refilled after an idle sender, segment by segment."""

import pytest

from simulator.stack.tcp.config import TcpConfig
from tests.tcp.core_harness import ACK, MS, cfg, established_client, peer_seg


def data(c, off, n, t):
    """The peer sends ``n`` bytes at stream offset ``off`` (its ISN is 5000)."""
    c.segment_arrives(peer_seg(ACK, 5001 + off, c.iss + 1 + c._sent, 65535, bytes(n)), t)
    return c.take_output()


def reply(c, n, t):
    """The application writes ``n`` bytes; the peer ACKs them at once (no flight)."""
    c.send(b"r" * n, t)
    out = c.take_output()
    c._sent += n
    c.segment_arrives(peer_seg(ACK, 5001 + c._got, c.iss + 1 + c._sent, 65535), t)
    c.take_output()
    return out


def conn(profile="linux", **kw):
    c = established_client(cfg(profile, **kw))
    c._sent = c._got = 0
    return c


def exchange(c, t, n=100, reply_after=5 * MS):
    """A request of ``n`` bytes at ``t`` and a reply ``reply_after`` later; returns
    the segments the request drew at once and those of the reply."""
    at_once = data(c, c._got, n, t)
    c._got += n
    return at_once, reply(c, 50, t + reply_after)


def test_reply_within_ato_enters_pingpong_and_the_ack_rides_on_the_next_reply():
    c = conn()
    (a,), _ = exchange(c, 100 * MS)            # a quick ACK, then a reply 5 ms later
    assert a.ack == 5101 and not a.payload
    assert c.pingpong
    at_once, (r,) = exchange(c, 200 * MS)      # quick budget left, but interactive
    assert at_once == [] and c._quick > 0
    assert r.payload and r.ack == 5201           # the reply carries the ACK
    assert c.deadline is None                  # the delayed-ACK timer went with it


def test_reply_later_than_ato_is_not_interactive():
    c = conn()
    exchange(c, 100 * MS, reply_after=40 * MS)   # not < 40 ms (TCP_ATO_MIN)
    assert not c.pingpong
    (a,), _ = exchange(c, 300 * MS)
    assert a.ack == 5201                       # still quick-ACKed


def test_delack_timer_in_pingpong_leaves_it():
    c = conn()
    exchange(c, 100 * MS)
    assert data(c, 100, 100, 200 * MS) == []   # no reply this time
    assert c.deadline == 240 * MS
    c.timer_fires(240 * MS)
    (a,) = c.take_output()
    assert a.ack == 5201 and not c.pingpong
    (a,) = data(c, 200, 100, 300 * MS)         # quick-ACKed again
    assert a.ack == 5301


def test_duplicate_data_leaves_pingpong():
    c = conn()
    exchange(c, 100 * MS)
    (a,) = data(c, 0, 100, 150 * MS)           # the first request again: ACK at once
    assert a.ack == 5101 and not c.pingpong
    (a,) = data(c, 100, 100, 200 * MS)
    assert a.ack == 5201


def test_two_full_segments_are_acked_at_once_even_in_pingpong():
    c = conn()
    exchange(c, 100 * MS)
    assert data(c, 100, 1460, 200 * MS) == []
    (a,) = data(c, 1560, 1460, 201 * MS)
    assert a.ack == 5001 + 100 + 2920


@pytest.mark.parametrize("profile, kw", [("rfc", {}), ("linux", {"pingpong_thresh": 0})],
                         ids=["rfc", "thresh-0"])
def test_no_pingpong_without_the_knob(profile, kw):
    c = conn(profile, **kw)
    exchange(c, 100 * MS)
    assert not c.pingpong


def test_threshold_two_needs_two_replies():
    c = conn(pingpong_thresh=2)
    (a,), _ = exchange(c, 100 * MS)
    assert not c.pingpong
    (a,), _ = exchange(c, 200 * MS)            # the second reply reaches the threshold
    assert a.ack == 5201 and c.pingpong
    at_once, _ = exchange(c, 300 * MS)
    assert at_once == []


def test_quick_budget_refilled_after_the_sender_idled_an_rto():
    c = conn(quickack=2)
    assert [len(data(c, i * 100, 100, (100 + 10 * i) * MS)) for i in range(3)] == [1, 1, 0]
    c.timer_fires(160 * MS)                    # the third segment's delayed ACK
    c.take_output()
    rto = c.rtt.rto_ns
    assert data(c, 300, 100, 120 * MS + rto) == []          # an RTO's gap: still delayed
    c.timer_fires(c.deadline)
    c.take_output()
    (a,) = data(c, 400, 100, 120 * MS + 2 * rto + 1)        # longer (tcp_event_data_recv)
    assert a.ack == 5001 + 500


def test_pingpong_thresh_bounds():
    with pytest.raises(ValueError, match="pingpong_thresh"):
        TcpConfig.profile("linux", pingpong_thresh=256)
    assert TcpConfig.profile("rfc").pingpong_thresh == 0
    assert TcpConfig.profile("linux").pingpong_thresh == 1
