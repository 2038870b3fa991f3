"""The sender's scoreboard: RFC 2018 marking, RFC 6675 IsLost/SetPipe/NextSeg/§5.1,
RFC 2883 D-SACK detection, across the 2^32 wrap."""

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.stack.tcp.sack import Scoreboard

MSS = 1000
ISN = 0xFFFFFFFF - 4 * MSS + 1          # the sequence space wraps after 4 segments


def seq(n):
    """The wire sequence number ``n`` bytes after ISN."""
    return (ISN + n) & 0xFFFFFFFF


def board(segments=10, size=MSS, dupthresh=3):
    sb = Scoreboard(MSS, dupthresh)
    for i in range(segments):
        sb.on_send(seq(i * size), size, now=i)
    return sb


def sack(sb, *ranges, ack=None):
    """SACK segment ranges [i, j) (in MSS units) with the ACK field at ``ack``."""
    blocks = [(seq(i * MSS), seq(j * MSS)) for i, j in ranges]
    return sb.on_sack(sb.high_ack if ack is None else seq(ack * MSS), blocks)


def test_cumulative_ack_returns_the_acked_segments():
    sb = board()
    acked = sb.on_ack(seq(3 * MSS))
    assert [(s.seq, s.length, s.sent_ns) for s in acked] == [
        (seq(0), MSS, 0), (seq(MSS), MSS, 1), (seq(2 * MSS), MSS, 2)]
    assert (len(sb), sb.high_ack, sb.high_data) == (7, seq(3 * MSS), seq(10 * MSS))
    assert sb.on_ack(seq(2 * MSS)) == []           # old ACK
    assert sb.flight_size == 7 * MSS


def test_partial_ack_splits_a_segment():
    sb = board(2)
    acked = sb.on_ack(seq(1500))
    assert [(s.seq, s.length) for s in acked] == [(seq(0), MSS), (seq(MSS), 500)]
    assert [(s.seq, s.length) for s in sb] == [(seq(1500), 500)]


def test_fin_takes_one_sequence_number():
    sb = Scoreboard(MSS)
    sb.on_send(seq(0), 100, now=0, fin=True)
    assert sb.high_data == seq(101)
    [seg] = sb.on_ack(seq(101))
    assert (seg.length, seg.fin) == (100, True)


def test_a_resent_fin_alone_marks_the_fin_record():
    sb = Scoreboard(MSS)
    sb.on_send(seq(0), 500, now=0, fin=True)
    sb.on_ack(seq(500))                             # the data, not the FIN
    sb.on_send(seq(500), 0, now=9, retransmit=True, fin=True)
    [fin] = list(sb)
    assert (fin.seq, fin.length, fin.fin, fin.retransmitted) == (seq(500), 0, True, True)
    assert sb.high_rxt == sb.high_data == seq(501)
    assert sb.pipe() == 2                           # the FIN and its copy (SetPipe (b))
    assert [s.fin for s in sb.on_ack(seq(501))] == [True] and len(sb) == 0


def test_retransmission_marks_records_and_moves_high_rxt():
    sb = board()
    sb.on_send(seq(0), 2 * MSS, now=50, retransmit=True)    # one resend covering two
    segs = list(sb)
    assert [(s.retransmitted, s.xmits, s.sent_ns) for s in segs[:3]] == [
        (True, 2, 50), (True, 2, 50), (False, 1, 2)]
    assert sb.high_rxt == seq(2 * MSS)


def test_sack_marks_and_repeated_blocks_add_nothing():
    sb = board()
    assert sack(sb, (2, 4)).newly_sacked == 2 * MSS
    assert sack(sb, (2, 5)).newly_sacked == MSS
    assert sack(sb, (2, 5), (7, 8)).newly_sacked == MSS
    assert sb.sacked_bytes == 4 * MSS
    assert [s.sacked for s in sb] == [False, False, True, True, True, False, False, True,
                                      False, False]
    assert sb.high_sacked == seq(8 * MSS)


def test_block_edges_inside_a_segment_split_it():
    sb = board(3)
    update = sb.on_sack(sb.high_ack, [(seq(1500), seq(3 * MSS))])
    assert update.newly_sacked == 1500
    assert [(s.seq, s.length, s.sacked) for s in sb] == [
        (seq(0), MSS, False), (seq(MSS), 500, False), (seq(1500), 500, True),
        (seq(2 * MSS), MSS, True)]


def test_dsack_below_the_ack_and_inside_the_second_block():
    sb = board()
    sb.on_ack(seq(2 * MSS))
    below = sack(sb, (0, 1), (4, 5))
    assert below.dsack and below.dsack_block == (seq(0), seq(MSS))
    assert below.newly_sacked == MSS                # the second block still counts
    inside = sack(sb, (4, 5), (3, 6))
    assert inside.dsack and inside.newly_sacked == 2 * MSS
    plain = sack(sb, (7, 8), (3, 6))
    assert not plain.dsack and plain.newly_sacked == MSS
    repeat = sack(sb, (7, 8), (3, 6))               # a window update repeating them
    assert not repeat.dsack and repeat.newly_sacked == 0


def test_blocks_beyond_high_data_or_empty_are_ignored():
    sb = board(4)
    assert sack(sb, (3, 5)).newly_sacked == 0
    assert sb.on_sack(sb.high_ack, [(seq(2 * MSS), seq(2 * MSS))]).newly_sacked == 0
    assert sb.sacked_bytes == 0


def test_is_lost_counts_three_sacked_segments_above():
    sb = board()
    sack(sb, (1, 3))
    assert not sb.is_lost(seq(0))                   # two segments above: not yet
    sack(sb, (1, 4))
    assert sb.is_lost(seq(0)) and sb.is_lost(seq(500))
    assert not sb.is_lost(seq(MSS))                 # SACKed itself
    assert not sb.is_lost(seq(4 * MSS))             # nothing SACKed above it
    sack(sb, (5, 6), (6, 8))
    assert sb.is_lost(seq(4 * MSS))                 # three above again (5, 6, 7)
    assert not sb.is_lost(seq(8 * MSS))


def test_is_lost_by_bytes_with_large_segments():
    sb = board(6, size=1500)                        # e.g. segments larger than SMSS
    sb.on_sack(sb.high_ack, [(seq(1500), seq(4500))])
    assert sb.is_lost(seq(0))                       # 3000 > (3 - 1) * 1000 bytes
    small = board(8, size=300)
    small.on_sack(small.high_ack, [(seq(300), seq(900))])
    assert not small.is_lost(seq(0))                # 2 segments, 600 bytes
    small.on_sack(small.high_ack, [(seq(300), seq(1200))])
    assert small.is_lost(seq(0))                    # DupThresh segments


def test_pipe_counts_unsacked_not_lost_and_retransmitted():
    sb = board()
    assert sb.pipe() == 10 * MSS
    sack(sb, (1, 4))
    assert sb.pipe() == 6 * MSS                     # 10 - 3 SACKed - 1 lost
    sb.on_send(seq(0), MSS, now=20, retransmit=True)
    assert sb.pipe() == 7 * MSS                     # the resent copy is in flight
    sb.on_ack(seq(4 * MSS))
    assert sb.pipe() == 6 * MSS and sb.sacked_bytes == 0


def test_next_seg_rules():
    sb = board()
    sack(sb, (2, 3), (4, 5), (6, 7), (8, 9))
    sb.enter_recovery()
    # rule 1: the first lost hole above HighRxt (segments 0-1 have 4 SACKed above)
    assert sb.next_seg(sb.high_data, MSS) == (seq(0), MSS)
    sb.on_send(seq(0), MSS, now=20, retransmit=True)
    assert sb.next_seg(sb.high_data, 3 * MSS) == (seq(MSS), MSS)   # stops at a SACK
    sb.on_send(seq(MSS), MSS, now=21, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS) == (seq(3 * MSS), MSS)   # 3 SACKed above
    sb.on_send(seq(3 * MSS), MSS, now=22, retransmit=True)
    assert not sb.is_lost(seq(5 * MSS))             # only two SACKed above
    # rule 2: new data when the caller has some
    assert sb.next_seg(sb.high_data, MSS, new_data=400) == (sb.high_data, 400)
    # rule 3: unSACKed but not lost, below the highest SACKed byte
    assert sb.next_seg(sb.high_data, MSS) == (seq(5 * MSS), MSS)
    sb.on_send(seq(5 * MSS), MSS, now=23, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS) == (seq(7 * MSS), MSS)
    sb.on_send(seq(7 * MSS), MSS, now=24, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS) is None   # nothing below the top SACK left


def test_rescue_retransmission_rule_4_once_per_recovery():
    sb = board()
    sack(sb, (1, 8))                                # segments 8 and 9 not SACKed
    sb.enter_recovery()
    assert sb.next_seg(sb.high_data, MSS, rescue=True) == (seq(0), MSS)    # rule 1
    sb.on_send(seq(0), MSS, now=20, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS) is None   # rules 1-3 have nothing
    # rule (4): the highest outstanding unSACKed segment, HighRxt left where it was
    assert sb.next_seg(sb.high_data, MSS, rescue=True) == (seq(9 * MSS), MSS)
    sb.on_send(seq(9 * MSS), MSS, now=21, retransmit=True)
    assert sb.high_rxt == seq(MSS)
    assert sb.next_seg(sb.high_data, MSS, rescue=True) is None    # once per recovery
    for i in range(10, 14):
        sb.on_send(seq(i * MSS), MSS, now=30)
    sb.on_ack(seq(10 * MSS))                        # HighACK = RecoveryPoint: not yet
    sack(sb, (12, 13))
    sb.enter_recovery()
    sb.on_send(seq(10 * MSS), MSS, now=31, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS, rescue=True) == (seq(11 * MSS), MSS)  # rule 3
    sb.on_send(seq(11 * MSS), MSS, now=31, retransmit=True)
    assert sb.next_seg(sb.high_data, MSS, rescue=True) is None
    sb.on_ack(seq(11 * MSS))                        # HighACK > RescueRxt
    assert sb.next_seg(sb.high_data, 2 * MSS, rescue=True) == (seq(13 * MSS), MSS)


def test_rto_section_5_1():
    sb = board()
    sack(sb, (5, 6))
    sb.on_rto()
    assert sb.recovery_point == seq(10 * MSS)
    assert not sb.recovery_done()
    assert sb.pipe() == 0                           # everything unSACKed is lost
    assert sb.next_seg(sb.high_data, MSS) == (seq(0), MSS)
    for i in range(5):
        sb.on_send(seq(i * MSS), MSS, now=100, retransmit=True)
    assert sb.pipe() == 5 * MSS
    assert sb.next_seg(sb.high_data, MSS) == (seq(6 * MSS), MSS)   # skips the SACKed
    sb.on_ack(seq(10 * MSS))
    assert sb.recovery_done() and len(sb) == 0


def test_clear_sacks_forgets_everything():
    sb = board()
    sack(sb, (1, 5))
    sb.clear_sacks()
    assert sb.sacked_bytes == 0 and not sb.is_lost(seq(0)) and sb.pipe() == 10 * MSS


def test_delivered_counts_each_byte_once():
    sb = board()
    sack(sb, (3, 5))
    sb.on_ack(seq(4 * MSS))                         # covers SACKed segment 3
    sack(sb, (3, 5))
    assert sb.delivered == 5 * MSS


def test_a_large_window_with_every_other_segment_lost():
    n = 3000
    sb = board(n)
    blocks = []
    for i in range(1, n, 2):                        # the receiver's growing block list
        blocks = [(seq(i * MSS), seq((i + 1) * MSS))] + blocks[:3]
        sb.on_sack(sb.high_ack, blocks)
    assert sb.sacked_bytes == n // 2 * MSS
    assert sb.pipe() == 2 * MSS                     # the top two holes are not lost
    assert sb.next_seg(sb.high_data, MSS) == (seq(0), MSS)


# --- against a direct, octet-by-octet reading of RFC 6675

class Reference:
    """RFC 6675 §4 evaluated literally over whole segments."""

    def __init__(self):
        self.segs = []          # [start, end, sacked]
        self.una = self.high_rxt = 0

    def live(self):
        return [s for s in self.segs if s[1] > self.una]

    def is_lost(self, seg):
        above = [s for s in self.live() if s[2] and s[0] >= seg[1]]
        return len(above) >= 3 or sum(s[1] - s[0] for s in above) > 2 * MSS

    def pipe(self):
        total = 0
        for s in self.live():
            if not s[2]:
                total += (0 if self.is_lost(s) else s[1] - s[0])
                total += max(0, min(s[1], self.high_rxt) - s[0])
        return total


ops = st.lists(st.one_of(
    st.tuples(st.just("send"), st.sampled_from([1, 200, 700, MSS, MSS])),
    st.tuples(st.just("sack"), st.integers(0, 12), st.integers(1, 4)),
    st.tuples(st.just("ack"), st.integers(0, 2)),
    st.tuples(st.just("resend"), st.integers(0, 12))), min_size=10, max_size=80)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_scoreboard_matches_the_rfc_definitions(script):
    sb, ref = Scoreboard(MSS), Reference()
    top = 0
    for op in script:
        live = ref.live()
        if op[0] == "send":
            sb.on_send(seq(top), op[1], now=0)
            ref.segs.append([top, top + op[1], False])
            top += op[1]
        elif op[0] == "sack" and live:
            i = min(op[1], len(live) - 1)
            j = min(i + op[2], len(live))
            sb.on_sack(seq(ref.una), [(seq(live[i][0]), seq(live[j - 1][1]))])
            for s in live[i:j]:
                s[2] = True
        elif op[0] == "ack" and live:
            ref.una = live[min(op[1], len(live) - 1)][0]
            sb.on_ack(seq(ref.una))
        elif op[0] == "resend" and live:
            s = live[min(op[1], len(live) - 1)]
            sb.on_send(seq(s[0]), s[1] - s[0], now=1, retransmit=True)
            ref.high_rxt = max(ref.high_rxt, s[1])
        live = ref.live()
        assert sb.sacked_bytes == sum(s[1] - s[0] for s in live if s[2])
        assert sb.pipe() == ref.pipe()
        for s in live:
            assert sb.is_lost(seq(s[0])) == (not s[2] and ref.is_lost(s))
        lost = [s for s in live if not s[2] and ref.is_lost(s)
                and s[0] >= max(ref.high_rxt, ref.una)]
        got = sb.next_seg(seq(top), MSS)
        if lost:
            assert got is not None and got[0] == seq(lost[0][0])


def test_whole_segments_a_block_inside_a_segment_marks_nothing():
    sb = Scoreboard(MSS, whole_segments=True)
    for i in range(4):
        sb.on_send(seq(i * MSS), MSS, now=i)
    update = sb.on_sack(sb.high_ack, [(seq(4 * MSS - 1), seq(4 * MSS))])  # the last byte
    assert update.newly_sacked == 0 and sb.sacked_bytes == 0 and sb.high_sacked is None
    assert len(sb) == 4                                   # no record was cut
    update = sb.on_sack(sb.high_ack, [(seq(1500), seq(4 * MSS))])   # half of segment 1
    assert update.newly_sacked == 2 * MSS                 # segments 2 and 3 only
    assert [s.sacked for s in sb] == [False, False, True, True]
    assert sb.high_sacked == seq(4 * MSS) and not sb.is_lost(seq(1999))


def test_without_whole_segments_every_byte_counts():
    sb = board(4)
    update = sb.on_sack(sb.high_ack, [(seq(4 * MSS - 1), seq(4 * MSS))])
    assert update.newly_sacked == 1
    assert [(s.length, s.sacked) for s in sb][-2:] == [(MSS - 1, False), (1, True)]
