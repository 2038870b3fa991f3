"""What an ACK grows cwnd by (``cwnd_growth``): Linux counts the segments it newly
delivers (tcp_cong_control's acked_sacked), RFC 5681 the bytes it acknowledges."""

import pytest

from tests.tcp.core_harness import (ACK, MS, Mss, Nop, Sack, SackPermitted, cfg,
                                    established_client, peer_seg)

MSS = 1460
SACK_PEER = (Mss(MSS), Nop(), Nop(), SackPermitted())


def sender(sack=True, **kw):
    c = established_client(cfg("linux", **kw), peer_options=SACK_PEER if sack else None)
    c.send(bytes(10 * MSS), 20 * MS)
    assert len(c.take_output()) == 10 and c.cc.cwnd == 10 * MSS     # IW10, all sent
    return c


def ack(c, segs, t, sack=()):
    """The peer ACKs ``segs`` segments, SACKing the [i, j) segment ranges given."""
    base = c.iss + 1
    blocks = [(base + i * MSS, base + j * MSS) for i, j in sack]
    opts = (Nop(), Nop(), Sack(blocks)) if blocks else ()
    c.segment_arrives(peer_seg(ACK, 5001, base + segs * MSS, 65535, options=opts), t)
    c.take_output()


@pytest.mark.parametrize("growth, segments", [("delivered", 11), ("acked", 13)])
def test_segments_sacked_before_do_not_grow_cwnd_again(growth, segments):
    c = sender(cwnd_growth=growth)
    ack(c, 0, 30 * MS, sack=[(1, 2)])          # SACKs alone: no growth (FLAG_DATA_ACKED)
    ack(c, 0, 31 * MS, sack=[(1, 3)])
    assert c.cc.cwnd == 10 * MSS
    ack(c, 3, 32 * MS)                         # one segment newly delivered, three acked
    assert c.cc.cwnd == segments * MSS


def test_without_sack_each_dupack_counted_a_segment_delivered():
    c = sender(sack=False)
    ack(c, 0, 30 * MS)
    ack(c, 0, 31 * MS)                         # two dupACKs (limited transmit)
    assert c.dupacks == 2 and c.cc.cwnd == 10 * MSS
    ack(c, 3, 32 * MS)                         # max(3 − 2, 1): tcp_remove_reno_sacks
    assert c.cc.cwnd == 11 * MSS


def test_with_reordering_seen_sacks_alone_grow_cwnd():
    c = sender()
    ack(c, 0, 30 * MS, sack=[(9, 10)])
    assert c.cc.cwnd == 10 * MSS and c.reordering == 3
    ack(c, 0, 31 * MS, sack=[(3, 4), (9, 10)])  # a hole below filled: reordering 7
    assert c.reordering == 7 and c.cc.cwnd == 11 * MSS      # tcp_may_raise_cwnd
