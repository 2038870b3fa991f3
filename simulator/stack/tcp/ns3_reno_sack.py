"""ns-3 3.44's loss detection without SACK: the emulated "Reno SACK" scoreboard
(``config.reno_sack_emulation == "ns3"``, on in the ``ns3`` profile when SACK is off).

This is not RFC 5681/6582 behaviour; it is what ns-3's TcpTxBuffer and TcpSocketBase
do, modelled so that the ``ns3`` profile reproduces ns-3's figures (docs/tcp.md, "ns-3's
non-SACK recovery"). ns-3 keeps one scoreboard for both cases and, with SACK off,
fills it with guesses:

- every duplicate ACK outside the loss state marks "sacked" the first unmarked segment
  after the head (``add_reno_sack``: in limited transmit, on entering recovery and in
  recovery); the highest mark is HighSACK for IsLost and NextSeg;
- entering recovery and every partial ACK mark the head lost (``mark_head_lost``);
- when a cumulative ACK makes a marked segment the head, the mark moves to the next
  unmarked segment and the head is marked lost (``discard_up_to``);
- only an RTO clears the marks (``on_rto``: ResetRenoSack, then every segment lost);
  recovery's end does not, so stale marks survive it.

``is_lost(seq)`` is ns-3's IsLost: below HighSACK, the segment holding ``seq`` is
lost if marked so. A head marked lost by a stale mark makes the next single dupACK
enter fast recovery (RFC 6675 §5 step 2 as ns-3 applies it). ``bytes_in_flight`` is
ns-3's pipe: sent − sacked − lost + retransmitted; ``next_lost`` is NextSeg rule 1
(lost, not retransmitted, not sacked, below HighSACK), which ns-3 applies in every
congestion state, so a lost-marked head is resent even outside recovery.

The sender's side (when each of these is called, TcpClassicRecovery's cwnd) is in
:class:`Ns3RenoMixin`; sequence numbers are unwrapped against the first one seen.
"""

from .seq import seq_sub


class _Item:
    """One segment of ns-3's sent list: [start, end) unwrapped, and its three flags."""

    __slots__ = ("start", "end", "sacked", "lost", "retrans")

    def __init__(self, start: int, end: int):
        self.start, self.end = start, end
        self.sacked = self.lost = self.retrans = False

    def __repr__(self) -> str:
        flags = "".join(f for f, on in (("S", self.sacked), ("L", self.lost),
                                         ("R", self.retrans)) if on)
        return f"_Item({self.start}..{self.end} {flags or '-'})"


class RenoSackScoreboard:
    """ns-3's TcpTxBuffer sent list with its emulated-SACK, lost and retransmitted
    flags and their byte counts."""

    def __init__(self):
        self._items: list[_Item] = []
        self._una_seq: int | None = None      # SND.UNA on the wire
        self._una = 0                         # ... unwrapped
        self._high = 0                        # one past the last byte sent, unwrapped
        self.highest_sack: int | None = None  # start of the highest marked segment
        self.sacked = self.lost = self.retrans = 0    # bytes with each flag

    # --- coordinates and queries
    def _pos(self, seq: int) -> int:
        if self._una_seq is None:
            self._una_seq = seq
        return self._una + seq_sub(seq, self._una_seq)

    def _seq(self, pos: int) -> int:
        return (self._una_seq + pos - self._una) & 0xFFFFFFFF

    def __iter__(self):
        return iter(self._items)

    def bytes_in_flight(self) -> int:
        """ns-3 TcpTxBuffer::BytesInFlight: sent − sacked − lost + retransmitted."""
        return self._high - self._una - self.sacked - self.lost + self.retrans

    def is_lost(self, seq: int) -> bool:
        """ns-3 TcpTxBuffer::IsLost: below HighSACK, the lost flag of the segment
        holding ``seq``."""
        pos = self._pos(seq)
        if self.highest_sack is None or pos >= self.highest_sack:
            return False
        item = next((i for i in self._items if i.start <= pos < i.end), None)
        return item is not None and item.lost

    def next_lost(self) -> tuple[int, int] | None:
        """NextSeg rule 1 as ns-3 runs it: (seq, length) of the first segment marked
        lost, neither sacked nor retransmitted, below HighSACK if there is one."""
        for item in self._items:
            if self.highest_sack is not None and item.start >= self.highest_sack:
                return None
            if item.lost and not (item.sacked or item.retrans):
                return self._seq(item.start), item.end - item.start
        return None

    def head_retransmitted(self) -> bool:
        return bool(self._items) and self._items[0].retrans

    # --- input
    def on_send(self, seq: int, length: int, retransmit: bool) -> None:
        """A segment went out (``length`` in sequence space, a FIN counting one):
        new data joins the list; a resend sets the retransmitted flag on what it
        covers (ns-3 CopyFromSequence), the lost flag stays."""
        start = self._pos(seq)
        end = start + length
        if end > self._high:
            self._items.append(_Item(max(start, self._high), end))
            self._high = end
        if start >= self._high or not retransmit:
            return
        for item in self._items:
            if item.start >= end:
                break
            if item.end > start and not item.retrans:
                if item.end > end:
                    self._split(item, end)
                item.retrans = True
                self.retrans += item.end - item.start

    def _split(self, item: _Item, pos: int) -> None:
        """Cut ``item`` at ``pos``: both parts keep its flags (ns-3 fragments so)."""
        rest = _Item(pos, item.end)
        rest.sacked, rest.lost, rest.retrans = item.sacked, item.lost, item.retrans
        item.end = pos
        self._items.insert(self._items.index(item) + 1, rest)

    def _uncount(self, item: _Item, size: int) -> None:
        for flag in ("sacked", "lost", "retrans"):
            if getattr(item, flag):
                setattr(self, flag, getattr(self, flag) - size)

    def discard_up_to(self, ack: int) -> None:
        """ns-3 TcpTxBuffer::DiscardUpTo: drop what ``ack`` covers; a marked head
        cannot be, so its mark moves on (``add_reno_sack``) and the head is marked
        lost; HighSACK at or below SND.UNA is forgotten."""
        pos = self._pos(ack)
        if pos <= self._una:
            return
        items = self._items
        n = 0
        while n < len(items) and items[n].end <= pos:
            self._uncount(items[n], items[n].end - items[n].start)
            n += 1
        del items[:n]
        if items and items[0].start < pos:
            self._uncount(items[0], pos - items[0].start)
            items[0].start = pos
        self._una_seq = ack
        self._una = pos
        self._high = max(self._high, pos)
        if items and items[0].sacked:
            items[0].sacked = False
            self.sacked -= items[0].end - items[0].start
            self.add_reno_sack()
            self.mark_head_lost()
        if self.highest_sack is not None and self.highest_sack <= pos:
            self.highest_sack = None

    def add_reno_sack(self) -> None:
        """ns-3 TcpTxBuffer::AddRenoSack: one dupACK = one segment left the network:
        mark the first unmarked segment after the head (none: a dupACK from a
        spurious retransmission, nothing marked)."""
        for item in self._items[1:]:
            if not item.sacked:
                item.sacked = True
                self.sacked += item.end - item.start
                self.highest_sack = item.start
                return

    def mark_head_lost(self) -> None:
        """ns-3 TcpTxBuffer::MarkHeadAsLost: the head loses its sacked and
        retransmitted flags and is marked lost."""
        if not self._items:
            return
        head = self._items[0]
        size = head.end - head.start
        if head.sacked:
            head.sacked = False
            self.sacked -= size
        if head.retrans:
            head.retrans = False
            self.retrans -= size
        if not head.lost:
            head.lost = True
            self.lost += size

    def on_rto(self) -> None:
        """ns-3's ReTxTimeout without SACK: ResetRenoSack, then SetSentListLost with
        the marks reset: every segment lost, none sacked or retransmitted."""
        for item in self._items:
            item.sacked, item.lost, item.retrans = False, True, False
        self.highest_sack = None
        self.sacked = self.retrans = 0
        self.lost = self._high - self._una


class Ns3RenoMixin:
    """The sender's side of ns-3's non-SACK loss recovery (tcp-socket-base.cc
    DupAck, EnterRecovery, ProcessAck; TcpClassicRecovery), hooked from sender.py
    when ``self._ns3`` is a :class:`RenoSackScoreboard`."""

    def _ns3_dupack(self, now: int) -> None:
        """ns-3 TcpSocketBase::DupAck: ignored after an RTO (CA_LOSS); in recovery
        one more mark (cwnd stays: TcpClassicRecovery inflates only its trace);
        else the DupThresh-th dupACK, or IsLost(HighACK + 1), enters recovery, and
        an earlier one marks a segment (limited transmit)."""
        if self.ca_state == "loss":
            return
        if self.ca_state == "recovery":
            self._ns3.add_reno_sack()
            return
        self.dupacks += 1
        una_passed = seq_sub(self.snd_una, self.recover) >= 0
        if ((self.dupacks == self.config.dupthresh and una_passed)
                or self._ns3.is_lost(self.snd_una)):
            self._enter_recovery(self.snd_mss, now)
        elif self.config.limited_transmit:
            self._ns3.add_reno_sack()

    def _ns3_recovery_flight(self) -> int:
        """ns-3 EnterRecovery without SACK: one more mark and the head lost; the
        flight ssthresh halves is ns-3's pipe plus the head (its "compatibility
        with old ns-3 versions")."""
        self._ns3.add_reno_sack()
        self._ns3.mark_head_lost()
        return self._ns3.bytes_in_flight() + self.snd_mss

    def _ns3_retransmissions(self, now: int) -> None:
        """NextSeg rule 1 in any state (ns-3 SendPendingData): resend segments marked
        lost while cwnd − pipe allows a whole segment (ns-3's SWS check), one
        segment from each (ns-3 merges what follows into it)."""
        while (nxt := self._ns3.next_lost()) is not None:
            if self._send_budget() < self.snd_mss:
                return
            self._retransmit(nxt[0], self.snd_mss, now)
