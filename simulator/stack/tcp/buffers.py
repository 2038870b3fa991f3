"""Send and receive buffers; the receiver's reassembly of out-of-order data.

RFC 9293 §3.10.7.4 (seventh step): segments beyond RCV.NXT are held and delivered in
order once the gap fills; duplicates are discarded (and reported for D-SACK,
RFC 2883 §4). ``ReceiveBuffer.sack_blocks`` orders blocks as RFC 2018 §4 asks: the
block holding the most recent segment first, then the most recently reported ones.
"""

from dataclasses import dataclass

from .seq import seq_add


class SendBuffer:
    """Bytes the application wrote and the peer has not yet acknowledged.

    Offsets are from the first unacknowledged byte (SND.UNA's byte)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._data = bytearray()
        self._start = 0          # bytes of _data already consumed (compacted lazily)

    def __len__(self) -> int:
        return len(self._data) - self._start

    @property
    def free(self) -> int:
        return max(self.capacity - len(self), 0)

    def write(self, data: bytes) -> int:
        """Append as much of ``data`` as fits; return how many bytes were taken."""
        n = min(len(data), self.free)
        self._data += data[:n]
        return n

    def peek(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes starting ``offset`` bytes after SND.UNA."""
        s = self._start + offset
        return bytes(self._data[s:s + n])

    def consume(self, n: int) -> None:
        """``n`` bytes were acknowledged."""
        self._start += min(n, len(self))
        if self._start > 65536 and self._start * 2 > len(self._data):
            del self._data[:self._start]
            self._start = 0


@dataclass(slots=True)
class InsertResult:
    """What one insert did. Offsets are relative to RCV.NXT before the insert."""

    advanced: int = 0                    # bytes that became in order (RCV.NXT moves)
    duplicate: tuple[int, int] | None = None   # [start, end) already held (D-SACK)
    out_of_order: bool = False           # new data stored beyond a gap
    trimmed: int = 0                     # bytes beyond the buffer's space, dropped


class ReceiveBuffer:
    """In-order bytes waiting for the application, plus out-of-order blocks."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._data = bytearray()
        self._start = 0
        self._nxt = 0            # stream offset of RCV.NXT
        self._ooo: list[list] = []   # sorted [start, end, bytearray], stream offsets
        self._recent: list[int] = []  # stream offsets of recent OOO arrivals, newest first

    @property
    def readable(self) -> int:
        return len(self._data) - self._start

    @property
    def free(self) -> int:
        """Space from RCV.NXT to the buffer's end: the window's source."""
        return max(self.capacity - (len(self._data) - self._start), 0)   # - readable

    @property
    def has_gap(self) -> bool:
        return bool(self._ooo)

    def insert(self, offset: int, data: bytes) -> InsertResult:
        """Store ``data`` that starts ``offset`` (≥ 0) bytes after RCV.NXT."""
        res = InsertResult()
        room = self.free - offset
        if room < len(data):
            res.trimmed = len(data) - max(room, 0)
            data = data[:max(room, 0)]
        if not data:
            return res
        if offset == 0 and not self._ooo:           # in order, no gap: the usual case
            self._data += data
            self._nxt += len(data)
            res.advanced = len(data)
            return res
        start = self._nxt + offset
        end = start + len(data)
        dup_lo = dup_hi = None
        pieces = []                      # new, non-overlapping parts
        pos = start
        for b_start, b_end, _ in self._ooo:
            if b_end <= pos or b_start >= end:
                continue
            if b_start > pos:
                pieces.append((pos, b_start))
            lo, hi = max(pos, b_start), min(end, b_end)
            dup_lo = lo if dup_lo is None else dup_lo
            dup_hi = hi
            pos = max(pos, b_end)
            if pos >= end:
                break
        if pos < end:
            pieces.append((pos, end))
        if dup_lo is not None:
            res.duplicate = (dup_lo - self._nxt, dup_hi - self._nxt)
        for lo, hi in pieces:
            self._add_block(lo, data[lo - start:hi - start])
        if pieces or dup_lo is not None:
            self._recent = [start] + [r for r in self._recent if r != start][:7]
        if self._ooo and self._ooo[0][0] == self._nxt:
            b_start, b_end, chunk = self._ooo.pop(0)
            self._data += chunk
            res.advanced = b_end - b_start
            self._nxt = b_end
        res.out_of_order = bool(pieces) and res.advanced == 0
        self._recent = [r for r in self._recent if r >= self._nxt]
        return res

    def _add_block(self, lo: int, chunk: bytes) -> None:
        """Insert [lo, lo+len) (which overlaps nothing) and merge with neighbours."""
        hi = lo + len(chunk)
        blocks = self._ooo
        i = 0
        while i < len(blocks) and blocks[i][0] < lo:
            i += 1
        blocks.insert(i, [lo, hi, bytearray(chunk)])
        if i + 1 < len(blocks) and blocks[i + 1][0] == hi:
            nxt = blocks.pop(i + 1)
            blocks[i][1] = nxt[1]
            blocks[i][2] += nxt[2]
        if i > 0 and blocks[i - 1][1] == lo:
            cur = blocks.pop(i)
            blocks[i - 1][1] = cur[1]
            blocks[i - 1][2] += cur[2]

    def read(self, n: int) -> bytes:
        """Take up to ``n`` in-order bytes."""
        s = self._start
        out = bytes(self._data[s:s + n])
        self._start += len(out)
        if self._start > 65536 and self._start * 2 > len(self._data):
            del self._data[:self._start]
            self._start = 0
        return out

    def sack_blocks(self, rcv_nxt: int, max_blocks: int) -> list[tuple[int, int]]:
        """SACK blocks as sequence numbers (RFC 2018 §4): the block holding the most
        recently received segment first, then the blocks of earlier arrivals."""
        out: list[tuple[int, int]] = []
        seen = set()
        for r in self._recent:
            for b_start, b_end, _ in self._ooo:
                if b_start <= r < b_end:
                    if b_start not in seen:
                        seen.add(b_start)
                        out.append((seq_add(rcv_nxt, b_start - self._nxt),
                                    seq_add(rcv_nxt, b_end - self._nxt)))
                    break
            if len(out) >= max_blocks:
                break
        return out
