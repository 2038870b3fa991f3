"""IPv4 fragmentation (RFC 791 §3.2) and reassembly (RFC 815).

Fragmenting: the payload is cut into pieces of the largest multiple of 8
bytes that fits the MTU after the header; every fragment but the last has
MF set (the last keeps the original MF, so fragments can be re-fragmented);
offsets count 8-byte units; only options with the "copied" flag appear in
non-first fragments.

Reassembling: fragments are grouped by (source, destination, protocol,
identification). Exact duplicates are ignored. A fragment overlapping
different data already received discards the whole datagram, as Linux does
for IPv4 and RFC 5722 requires for IPv6 (overlaps are an evasion trick, not
something a sender does). When the datagram is complete it is decoded as
one packet; if it is still incomplete after the timeout (Linux: 30 s) it
is dropped, and if its first fragment had arrived the source gets ICMP
Time Exceeded, code 1 (RFC 792, RFC 1122 §3.3.2).

Memory is bounded as Linux bounds it (``ipfrag_high_thresh`` 4 MiB,
``ipfrag_low_thresh`` 3 MiB, the evictor of Linux before 4.17): when the
fragments held (counted as IP bytes, header and data) exceed the high
threshold as a fragment arrives, the least recently added-to datagrams are
discarded, drop reason ``FRAG_EVICTED``, without ICMP, until they take no
more than the low threshold. (Linux 4.17 and later refuse new fragments
above the high threshold instead.)

Bookkeeping is linear: the pieces of a datagram are kept sorted by offset
(a fragment is checked against its two neighbours only, found by bisection)
with a running byte count, and one SimPy event at a time watches the
oldest deadline (every datagram has the same timeout, so deadlines expire
in creation order) instead of one timer per datagram.
"""

from bisect import bisect_right
from collections import OrderedDict, deque

from simulator.engine.drops import Drop
from simulator.wire.errors import DecodeError
from simulator.wire.icmp import REASSEMBLY_TIME_EXCEEDED, TIME_EXCEEDED
from simulator.wire.ipv4 import IPv4Packet

MAX_DATAGRAM = 65535


def copied_options(options: bytes) -> bytes:
    """The options a non-first fragment carries: those with the copied flag (RFC 791)."""
    kept, i = bytearray(), 0
    while i < len(options):
        kind = options[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        length = options[i + 1] if i + 1 < len(options) else 0
        if length < 2:
            break
        if kind & 0x80:
            kept += options[i:i + length]
        i += length
    return bytes(kept)


def fragment(packet: IPv4Packet, mtu: int) -> list[IPv4Packet]:
    """Cut ``packet`` into fragments that each fit ``mtu`` bytes (RFC 791 §3.2)."""
    data = packet.payload_bytes()
    fragments, offset = [], 0
    options = packet.options
    while offset < len(data):
        room = (mtu - 20 - len(options)) & ~7
        chunk = data[offset:offset + room]
        last = offset + len(chunk) >= len(data)
        fragments.append(packet.replace(payload=chunk, options=options,
                                        mf=packet.mf if last else True,
                                        frag_offset=packet.frag_offset + offset // 8))
        offset += len(chunk)
        options = copied_options(packet.options)
    return fragments


class _Datagram:
    __slots__ = ("starts", "pieces", "received", "held", "first", "first_in_group", "total",
                 "deadline")

    def __init__(self, deadline: int):
        self.starts: list[int] = []            # sorted start bytes of the pieces
        self.pieces: dict[int, bytes] = {}     # start byte → data
        self.received = 0                      # data bytes held
        self.held = 0                          # IP bytes held (headers too), for the memory bound
        self.first: IPv4Packet | None = None
        self.first_in_group = False            # the first fragment came in a link broadcast
        self.total: int | None = None          # payload length, known once the last fragment came
        self.deadline = deadline


class Reassembler:
    def __init__(self, ip, timeout_ns: int = 30_000_000_000, high_thresh: int = 4 << 20,
                 low_thresh: int = 3 << 20):
        self.ip = ip
        self.timeout_ns = timeout_ns
        self.high_thresh = high_thresh         # Linux ipfrag_high_thresh
        self.low_thresh = low_thresh           # Linux ipfrag_low_thresh
        self.pending: OrderedDict[tuple, _Datagram] = OrderedDict()  # least recently added to first
        self.memory = 0                        # IP bytes held in all pending datagrams
        self._deadlines: deque = deque()       # (deadline, key, datagram) in creation order
        self._watching = False

    def add(self, packet: IPv4Packet) -> IPv4Packet | None:
        """Take one fragment; the whole datagram once its last hole is filled."""
        if self.memory > self.high_thresh:
            self._evict()
        key = (packet.src, packet.dst, packet.protocol, packet.identification)
        datagram = self.pending.get(key)
        if datagram is None:
            datagram = self.pending[key] = _Datagram(self.ip.sim.now + self.timeout_ns)
            self._deadlines.append((datagram.deadline, key, datagram))
            self._watch()
        else:
            self.pending.move_to_end(key)
        data = packet.payload_bytes()
        start = packet.frag_offset * 8
        end = start + len(data)
        index = bisect_right(datagram.starts, start)
        problem = self._check(datagram, packet, start, end, index)
        if problem == "duplicate":
            return None
        if problem:
            self._discard(key, problem, info=packet.info())
            return None
        datagram.starts.insert(index, start)
        datagram.pieces[start] = data
        datagram.received += len(data)
        datagram.held += packet.header_len + len(data)
        self.memory += packet.header_len + len(data)
        if start == 0:
            datagram.first = packet
            datagram.first_in_group = self.ip.rx_link_group
        if not packet.mf:
            datagram.total = end
        if datagram.received != datagram.total:
            return None
        self._forget(key)
        payload = b"".join(datagram.pieces[s] for s in datagram.starts)
        whole = datagram.first.replace(payload=payload, mf=False, frag_offset=0)
        try:
            return IPv4Packet.unpack(whole.pack())
        except DecodeError:
            self.ip.sim.tracer.drop(self.ip.node.name, "ip", Drop.BAD_REASSEMBLED, info=whole.info())
            return None

    @staticmethod
    def _check(datagram: _Datagram, packet, start: int, end: int, index: int) -> Drop | str | None:
        """``index``: where ``start`` goes among the sorted starts. The pieces do not
        overlap, so only the one before and the one after can meet the new one."""
        if end > MAX_DATAGRAM - packet.header_len or (packet.mf and (end - start) % 8):
            return Drop.FRAG_INVALID
        if datagram.total is not None and (end > datagram.total
                                           or (not packet.mf and end != datagram.total)):
            return Drop.FRAG_INVALID
        starts, pieces = datagram.starts, datagram.pieces
        if index:
            before = starts[index - 1]
            before_end = before + len(pieces[before])
            if before == start and before_end == end:
                return "duplicate"
            if before_end > start:
                return Drop.FRAG_OVERLAP
        if index < len(starts) and starts[index] < end:
            return Drop.FRAG_OVERLAP
        return None

    def _forget(self, key) -> _Datagram:
        datagram = self.pending.pop(key)
        self.memory -= datagram.held
        return datagram

    def _discard(self, key, reason: Drop, **fields) -> None:
        self._forget(key)
        self.ip.sim.tracer.drop(self.ip.node.name, "ip", reason, **fields)

    def _evict(self) -> None:
        """Linux's ``inet_frag_evictor``: the least recently added-to datagrams go
        until the rest take no more than the low threshold."""
        while self.pending and self.memory > min(self.low_thresh, self.high_thresh):
            key = next(iter(self.pending))
            self._discard(key, Drop.FRAG_EVICTED, src=str(key[0]), identification=key[3])

    def _watch(self) -> None:
        """Have one event pending at the oldest live deadline."""
        queue = self._deadlines
        while queue and self.pending.get(queue[0][1]) is not queue[0][2]:
            queue.popleft()                    # completed, discarded or evicted since
        if queue and not self._watching:
            self._watching = True
            self.ip.sim.call_later(queue[0][0] - self.ip.sim.now, self._expire_due)

    def _expire_due(self, _event) -> None:
        self._watching = False
        now, queue = self.ip.sim.now, self._deadlines
        while queue and queue[0][0] <= now:
            _, key, datagram = queue.popleft()
            if self.pending.get(key) is datagram:
                self._expire(key)
        self._watch()

    def _expire(self, key) -> None:
        datagram = self._forget(key)
        self.ip.sim.tracer.drop(self.ip.node.name, "ip", Drop.FRAG_TIMEOUT,
                                src=str(key[0]), identification=key[3])
        if datagram.first is not None and not datagram.first_in_group:   # RFC 1122 §3.2.2
            self.ip.icmp.send_error(datagram.first, TIME_EXCEEDED, REASSEMBLY_TIME_EXCEEDED)
