"""The sender's scoreboard: the retransmission queue with its SACK state.

Every segment sent and not yet cumulatively acknowledged is a ``SentSegment``. SACK
blocks (RFC 2018) mark them; the loss-recovery queries are RFC 6675's: ``is_lost``
(IsLost, §4), ``pipe`` (SetPipe, §4) and ``next_seg`` (NextSeg rules 1-3, §4), with
HighACK, HighData, HighRxt and RecoveryPoint kept here. ``on_rto`` does §5.1.

D-SACK (RFC 2883 §4, as Linux's tcp_check_dsack): the first block reports a duplicate
when it starts below the ACK field, or lies within the second block. Such a block marks
nothing. (A first block inside an already-SACKed range is *not* taken for a D-SACK: a
window update repeats the current blocks.) Blocks reaching beyond HighData are ignored.
``whole_segments`` (Linux tcp_match_skb_to_sack): a block SACKs only the segments it
covers whole, so a block holding part of a segment marks nothing of it; else (RFC 2018)
every byte it covers.

Sequence numbers come in and go out as 32-bit values; inside they are unwrapped to
plain integers relative to SND.UNA, so comparisons are ordinary ones. Records sit in a
list in sequence order (acked ones are dropped from the front lazily), SACKed ranges in
a separate sorted list of merged intervals, so an ACK costs O(log n) plus the work on
the bytes it newly covers: repeated SACK blocks are not walked again.

IsLost's threshold (DupThresh SACKed segments, or more than (DupThresh - 1)·SMSS SACKed
bytes, above a sequence number) is monotone in the sequence number, so everything
unSACKed below one point is lost: ``_lost_below``, the start of the highest SACKed
interval at which the threshold is met counting down from the top. After an RTO every
segment up to HighData counts as lost too (``mark_all_lost``, as Linux's
tcp_timeout_mark_lost).
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import attrgetter

from .seq import seq_sub

_MASK = 0xFFFFFFFF
_START = attrgetter("start")


class SentSegment:
    """One transmitted range: ``seq`` and ``length`` (payload bytes) on the wire; a FIN
    occupies one more sequence number. ``delivered`` is the scoreboard's delivered-bytes
    count when it was (last) sent, for RACK-style reasoning. ``split``: the record is
    part of a transmitted segment cut by an ACK or SACK edge inside it. ``relost``: RACK
found its last retransmission lost too (rack.py); it is to be sent again."""

    __slots__ = ("seq", "length", "fin", "sent_ns", "retransmitted", "xmits", "sacked",
                 "delivered", "start", "end", "split", "relost")

    def __init__(self, start: int, end: int, fin: bool, sent_ns: int, delivered: int):
        self.start, self.end = start, end         # unwrapped; end exclusive
        self.seq = start & _MASK
        self.fin = fin
        self.length = end - start - fin
        self.sent_ns = sent_ns
        self.retransmitted = False
        self.xmits = 1
        self.sacked = False
        self.delivered = delivered
        self.split = False
        self.relost = False

    def _split(self, pos: int) -> "SentSegment":
        """Cut at ``pos``; self keeps the front, the returned record the rest."""
        rest = SentSegment(pos, self.end, self.fin, self.sent_ns, self.delivered)
        rest.retransmitted, rest.xmits = self.retransmitted, self.xmits
        rest.sacked, rest.relost = self.sacked, self.relost
        rest.split = self.split = True
        self.end, self.fin = pos, False
        self.length = pos - self.start
        return rest

    def __repr__(self) -> str:
        flags = "".join(f for f, on in (("S", self.sacked), ("R", self.retransmitted),
                                         ("F", self.fin)) if on)
        return f"SentSegment(seq={self.seq}, len={self.length}, {flags or '-'})"


@dataclass(slots=True)
class SackUpdate:
    """What one ACK's SACK option changed."""
    newly_sacked: int = 0                       # bytes SACKed for the first time
    dsack: bool = False                         # the first block was a D-SACK
    dsack_block: tuple[int, int] | None = None  # its (left, right) edges
    segments: list | None = None                # the records newly SACKed (for RACK)


class Scoreboard:
    def __init__(self, mss: int, dupthresh: int = 3, dupthresh_rule: bool = True,
                 whole_segments: bool = False):
        self.mss = mss
        self.whole_segments = whole_segments
        self.dupthresh = dupthresh
        self.dupthresh_rule = dupthresh_rule  # IsLost by DupThresh (False: RACK marks)
        self._segs: list[SentSegment] = []
        self._head = 0                    # index of the first record not yet acked
        self._una_seq: int | None = None  # HighACK on the wire; None until first use
        self._una = 0                     # HighACK, unwrapped
        self._high_data = 0               # HighData (one past the last byte sent)
        self._high_rxt = 0                # HighRxt (one past the last byte resent)
        self._recovery_point: int | None = None
        self._rescue_rxt: int | None = None   # RescueRxt (NextSeg rule 4)
        self._rescue: tuple[int, int] | None = None   # the range rule (4) handed out
        self._sl: list[int] = []          # SACKed intervals: starts ...
        self._sr: list[int] = []          # ... and ends, sorted, disjoint, not touching
        self._lost_below = 0              # unSACKed bytes below this are lost (IsLost)
        self._lost_end = 0                # ... and below this after an RTO
        self.sacked_bytes = 0
        self.delivered = 0                # bytes cumulatively acked or SACKed, ever
        self.relost_bytes = 0             # unSACKed bytes of records marked relost

    # --- coordinates
    def _pos(self, seq: int) -> int:
        return self._una + seq_sub(seq, self._una_seq)

    def _anchor(self, seq: int) -> None:
        if self._una_seq is None:
            self._una_seq = seq
            self._una = self._high_data = self._high_rxt = self._lost_below = seq
            self._lost_end = seq

    @property
    def high_ack(self) -> int:
        return self._una & _MASK

    @property
    def high_data(self) -> int:
        return self._high_data & _MASK

    @property
    def high_rxt(self) -> int:
        return max(self._high_rxt, self._una) & _MASK

    @property
    def high_sacked(self) -> int | None:
        """One past the highest SACKed sequence number, or None."""
        return self._sr[-1] & _MASK if self._sr else None

    @property
    def recovery_point(self) -> int | None:
        return None if self._recovery_point is None else self._recovery_point & _MASK

    @property
    def flight_size(self) -> int:
        """RFC 5681 FlightSize: HighData - HighACK, SACKed or not."""
        return self._high_data - self._una

    def __len__(self) -> int:
        return len(self._segs) - self._head

    def __iter__(self):
        return iter(self._segs[self._head:])

    def first(self) -> SentSegment | None:
        return self._segs[self._head] if len(self) else None

    def last(self) -> SentSegment | None:
        return self._segs[-1] if len(self) else None

    # --- the record list
    def _index(self, pos: int) -> int:
        """Index of the first record starting at or after ``pos``."""
        return bisect_left(self._segs, pos, lo=self._head, key=_START)

    def _cut(self, pos: int) -> int:
        """Make a record boundary at ``pos`` (HighACK..HighData); return its index."""
        i = bisect_right(self._segs, pos, lo=self._head, key=_START) - 1
        if i < self._head or pos >= self._segs[i].end:
            return i + 1
        seg = self._segs[i]
        if seg.start == pos:
            return i
        self._segs.insert(i + 1, seg._split(pos))
        return i + 1

    # --- input
    def on_send(self, seq: int, length: int, now: int, retransmit: bool = False,
                fin: bool = False) -> None:
        """A segment went out. The part below HighData is a retransmission (whatever
        ``retransmit`` says) and moves HighRxt; the rest is new data at HighData."""
        self._anchor(seq)
        start = self._pos(seq)
        end = start + length + fin
        if start < self._high_data:
            top = min(end, self._high_data)
            lo = self._cut(max(start, self._una))
            hi = self._cut(top)
            for seg in self._segs[lo:hi]:
                seg.retransmitted = True
                seg.xmits += 1
                seg.sent_ns = now
                if seg.relost:
                    self._unmark_relost(seg)
            if (start, top) == self._rescue:
                self._rescue = None                     # rule (4): HighRxt stays
            else:
                self._high_rxt = max(self._high_rxt, top)
        if end > self._high_data:
            if start > self._high_data:
                raise ValueError(f"segment at {seq} leaves a hole after HighData "
                                 f"{self.high_data}")
            self._segs.append(SentSegment(self._high_data, end, fin, now, self.delivered))
            self._high_data = end

    def on_ack(self, snd_una: int) -> list[SentSegment]:
        """SND.UNA advanced: drop and return the records it covers (a record it cuts
        through is split, and its front part returned)."""
        self._anchor(snd_una)
        pos = self._pos(snd_una)
        if pos > self._high_data and not len(self):    # only unrecorded data (SYN, FIN)
            self._una = self._high_data = self._high_rxt = pos
            self._una_seq = snd_una
            return []
        pos = min(pos, self._high_data)
        if pos <= self._una:
            return []
        end = self._cut(pos)
        acked = self._segs[self._head:end]
        self._head = end
        for seg in acked:
            if seg.sacked:
                self.sacked_bytes -= seg.end - seg.start
            else:
                self.delivered += seg.end - seg.start
                if seg.relost:
                    self._unmark_relost(seg)
        self._una, self._una_seq = pos, snd_una
        self._trim_sacks()
        self._update_lost()
        if self._head > 1024 and self._head * 2 > len(self._segs):
            del self._segs[:self._head]
            self._head = 0
        return acked

    def on_sack(self, snd_una: int, blocks) -> SackUpdate:
        """Apply one ACK's SACK blocks (``snd_una`` is its ACK field, already passed to
        ``on_ack``)."""
        update = SackUpdate()
        if not blocks or self._una_seq is None:
            return update
        first = blocks[0]
        if self._pos(first[0]) < self._pos(snd_una) or (
                len(blocks) > 1 and self._within(first, blocks[1])):
            update.dsack, update.dsack_block = True, tuple(first)
            blocks = blocks[1:]
        for left_seq, right_seq in blocks:
            left, right = self._pos(left_seq), self._pos(right_seq)
            if right <= left or right > self._high_data:
                continue
            left = max(left, self._una)
            if self.whole_segments and left < right:
                left, right = self._whole(left, right)
            if left < right:
                update.newly_sacked += self._mark(left, right, update)
        if update.newly_sacked:
            self.sacked_bytes += update.newly_sacked
            self.delivered += update.newly_sacked
            self._update_lost()
        return update

    def _whole(self, left: int, right: int) -> tuple[int, int]:
        """[left, right) narrowed to the records it covers whole (empty if none)."""
        segs = self._segs
        i = bisect_right(segs, left, lo=self._head, key=_START) - 1
        if i >= self._head and segs[i].start < left:
            left = segs[i].end                   # a record it starts inside: not it
        j = bisect_left(segs, right, lo=self._head, key=_START) - 1
        if j >= self._head and segs[j].end > right:
            right = segs[j].start                # a record it ends inside: not it
        return left, right

    def _within(self, inner, outer) -> bool:
        (a, b), (c, d) = (self._pos(x) for x in inner), (self._pos(x) for x in outer)
        return c <= a and b <= d

    def _mark(self, left: int, right: int, update: SackUpdate) -> int:
        """Merge [left, right) into the SACKed intervals and mark the records in its
        not-yet-SACKed parts (listed in ``update.segments``); return how many bytes
        those parts hold."""
        sl, sr = self._sl, self._sr
        i = bisect_left(sr, left)          # first interval touching or after left
        j = bisect_right(sl, right)        # intervals starting at or before right
        new, cur = [], left
        for k in range(i, j):
            if sl[k] > cur:
                new.append((cur, sl[k]))
            cur = max(cur, sr[k])
        if cur < right:
            new.append((cur, right))
        merged = (min(left, sl[i]), max(right, sr[j - 1])) if i < j else (left, right)
        sl[i:j], sr[i:j] = [merged[0]], [merged[1]]
        if new and update.segments is None:
            update.segments = []
        for a, b in new:
            for seg in self._segs[self._cut(a):self._cut(b)]:
                seg.sacked = True
                update.segments.append(seg)
                if seg.relost:
                    self._unmark_relost(seg)
        return sum(b - a for a, b in new)

    def _trim_sacks(self) -> None:
        sl, sr, una = self._sl, self._sr, self._una
        n = bisect_right(sr, una)
        if n:
            del sl[:n], sr[:n]
        if sl and sl[0] < una:
            sl[0] = una

    def _update_lost(self) -> None:
        """Find the IsLost point: walk the SACKed intervals down from the top."""
        limit = (self.dupthresh - 1) * self.mss
        nbytes = count = 0
        self._lost_below = self._una
        if not self.dupthresh_rule:
            return
        for k in range(len(self._sl) - 1, -1, -1):
            a, b = self._sl[k], self._sr[k]
            nbytes += b - a
            count += self._index(b) - self._index(a)
            if nbytes > limit or count >= self.dupthresh:
                self._lost_below = a
                return

    # --- RFC 6675 queries
    def _sacked_below(self, pos: int) -> int:
        total = 0
        for a, b in zip(self._sl, self._sr):
            if a >= pos:
                break
            total += min(b, pos) - a
        return total

    def _in_sack(self, pos: int) -> int | None:
        """The end of the SACKed interval holding ``pos``, or None."""
        k = bisect_right(self._sl, pos) - 1
        return self._sr[k] if k >= 0 and pos < self._sr[k] else None

    def _lost_limit(self) -> int:
        return min(max(self._lost_below, self._lost_end, self._una), self._high_data)

    def is_lost(self, seq: int) -> bool:
        """RFC 6675 IsLost(seq) for an octet in HighACK..HighData (False if SACKed)."""
        pos = self._pos(seq)
        if not self._una <= pos < self._high_data or self._in_sack(pos) is not None:
            return False
        return pos < self._lost_limit()

    def pipe(self) -> int:
        """RFC 6675 SetPipe in bytes: each unSACKed octet counts once unless lost, and
        once more if below HighRxt (its retransmission is in flight). HighRxt is a
        high-water mark, so this assumes what NextSeg does: retransmissions in sequence
        order from HighACK after ``enter_recovery`` or ``on_rto``."""
        una = self._una
        lost_to = self._lost_limit()
        rxt_to = min(max(self._high_rxt, una), self._high_data)
        unsacked = self.flight_size - self.sacked_bytes
        lost = (lost_to - una) - self._sacked_below(lost_to)
        resent = (rxt_to - una) - self._sacked_below(rxt_to) - self.relost_bytes
        return unsacked - lost + resent

    @property
    def retrans_bytes(self) -> int:
        """Unsacked bytes below HighRxt: retransmissions believed in flight (Linux
        retrans_out, which an RTO's loss marking clears)."""
        rxt_to = min(max(self._high_rxt, self._una), self._high_data)
        return (rxt_to - self._una) - self._sacked_below(rxt_to) - self.relost_bytes

    @property
    def lost_bytes(self) -> int:
        lost_to = self._lost_limit()
        return (lost_to - self._una) - self._sacked_below(lost_to)

    def next_seg(self, snd_nxt: int, max_len: int, new_data: int = 0,
                 rescue: bool = False):
        """RFC 6675 NextSeg: ``(seq, length)`` to send next, or None.

        (1) the first lost unSACKed range above HighRxt; (2) else ``min(max_len,
        new_data)`` new bytes at ``snd_nxt`` (the caller says how much the send buffer
        and the peer's window allow); (3) else the first unSACKed range above HighRxt
        below the highest SACKed byte; (4) with ``rescue``, else once per recovery the
        range ending at the highest outstanding unSACKed byte (its retransmission
        leaves HighRxt alone). A range stops at the next SACKed byte. Before all
        these, a record RACK found lost again (``mark_relost``): as Linux's
        tcp_xmit_retransmit_queue, which resends every lost skb from the head."""
        if self.relost_bytes:
            seg = next(s for s in self.outstanding() if s.relost)
            return seg.seq, min(max_len, seg.end - seg.start)
        pos = max(self._high_rxt, self._una)
        pos = self._in_sack(pos) or pos
        k = bisect_right(self._sl, pos)
        hole_end = self._sl[k] if k < len(self._sl) else self._high_data
        lost_to = self._lost_limit()
        if pos < lost_to:
            return pos & _MASK, min(max_len, hole_end - pos, lost_to - pos)
        if new_data > 0:
            return snd_nxt, min(max_len, new_data)
        if self._sr and pos < self._sr[-1]:
            return pos & _MASK, min(max_len, hole_end - pos)
        return self._rescue_seg(max_len) if rescue else None

    def _rescue_seg(self, max_len: int):
        """NextSeg rule (4): RescueRxt allows one per recovery (HighACK > RescueRxt)."""
        if self._recovery_point is None or (self._rescue_rxt is not None
                                            and self._una <= self._rescue_rxt):
            return None
        top = self._high_data
        if self._sr and self._sr[-1] == top:
            top = self._sl[-1]
        if top <= self._una:
            return None
        k = bisect_right(self._sr, top - 1) - 1
        start = max(top - max_len, self._sr[k] if k >= 0 else self._una)
        self._rescue_rxt = self._recovery_point
        self._rescue = (start, top)
        return start & _MASK, top - start

    # --- recovery bookkeeping
    def enter_recovery(self) -> None:
        """RFC 6675 §5 step (1): RecoveryPoint = HighData; HighRxt starts at HighACK.
        Under RACK (no DupThresh rule) losses stay marked across recoveries, so the
        retransmissions of the last one still in flight keep HighRxt: they are not
        sent again (Linux skips TCPCB_SACKED_RETRANS in tcp_xmit_retransmit_queue)."""
        self._recovery_point = self._high_data
        self._high_rxt = self._una if self.dupthresh_rule else max(self._high_rxt, self._una)

    def recovery_done(self) -> bool:
        """HighACK reached RecoveryPoint (or no recovery happened yet)."""
        return self._recovery_point is None or self._una >= self._recovery_point

    def on_rto(self) -> None:
        """RFC 6675 §5.1: RecoveryPoint = HighData (no new recovery before HighACK
        reaches it); every unSACKed segment is lost and is resent from HighACK."""
        self._recovery_point = self._high_data
        self._high_rxt = self._una
        self.mark_all_lost()
        if self.relost_bytes:                 # all lost anyway, resent from HighACK
            for seg in self.outstanding():
                if seg.relost:
                    self._unmark_relost(seg)

    def mark_all_lost(self) -> None:
        self._lost_end = self._high_data

    # --- RACK (rack.py) works on unwrapped positions
    def outstanding(self):
        """The records not yet cumulatively acked, in sequence order."""
        segs = self._segs
        for i in range(self._head, len(segs)):
            yield segs[i]

    @property
    def lost_to(self) -> int:
        """Everything unSACKed below this position counts as lost."""
        return self._lost_limit()

    def retransmissions_in_flight(self):
        """The unSACKed records below HighRxt last sent as retransmissions and not
        yet found lost again (RACK's candidates for a lost retransmission)."""
        top = max(self._high_rxt, self._una)
        for seg in self.outstanding():
            if seg.start >= top:
                return
            if seg.retransmitted and not seg.sacked and not seg.relost:
                yield seg

    def mark_relost(self, seg: SentSegment) -> None:
        """RACK: the last retransmission of ``seg`` (unSACKed, below HighRxt) was
        lost too; NextSeg sends it again first, and pipe stops counting it."""
        seg.relost = True
        self.relost_bytes += seg.end - seg.start

    def _unmark_relost(self, seg: SentSegment) -> None:
        seg.relost = False
        self.relost_bytes -= seg.end - seg.start

    def mark_lost_to(self, pos: int) -> None:
        """Count every unSACKed byte below ``pos`` as lost (RACK's verdict)."""
        self._lost_end = max(self._lost_end, min(pos, self._high_data))

    def clear_sacks(self) -> None:
        """Forget all SACK information (RFC 2018 §8: the receiver may have reneged)."""
        for seg in self._segs[self._head:]:
            seg.sacked = False
        self._sl.clear()
        self._sr.clear()
        self.sacked_bytes = 0
        self._update_lost()
