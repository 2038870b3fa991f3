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
"""

from simulator.engine.drops import Drop
from simulator.engine.sim import Timer
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
    __slots__ = ("pieces", "first", "total", "timer")

    def __init__(self):
        self.pieces: dict[int, bytes] = {}     # start byte → data
        self.first: IPv4Packet | None = None
        self.total: int | None = None          # payload length, known once the last fragment came
        self.timer: Timer | None = None


class Reassembler:
    def __init__(self, ip, timeout_ns: int = 30_000_000_000):
        self.ip = ip
        self.timeout_ns = timeout_ns
        self.pending: dict[tuple, _Datagram] = {}

    def add(self, packet: IPv4Packet) -> IPv4Packet | None:
        """Take one fragment; the whole datagram once its last hole is filled."""
        key = (packet.src, packet.dst, packet.protocol, packet.identification)
        datagram = self.pending.get(key)
        if datagram is None:
            datagram = self.pending[key] = _Datagram()
            datagram.timer = Timer(self.ip.sim, lambda: self._expire(key))
            datagram.timer.start(self.timeout_ns)
        data = packet.payload_bytes()
        start = packet.frag_offset * 8
        end = start + len(data)
        problem = self._check(datagram, packet, start, end)
        if problem == "duplicate":
            return None
        if problem:
            self._discard(key, problem, packet)
            return None
        datagram.pieces[start] = data
        if start == 0:
            datagram.first = packet
        if not packet.mf:
            datagram.total = end
        if datagram.total is None or sum(map(len, datagram.pieces.values())) != datagram.total:
            return None
        del self.pending[key]
        datagram.timer.cancel()
        payload = b"".join(datagram.pieces[s] for s in sorted(datagram.pieces))
        whole = datagram.first.replace(payload=payload, mf=False, frag_offset=0)
        try:
            return IPv4Packet.unpack(whole.pack())
        except DecodeError:
            self.ip.sim.tracer.drop(self.ip.node.name, "ip", Drop.BAD_REASSEMBLED, whole)
            return None

    @staticmethod
    def _check(datagram: _Datagram, packet, start: int, end: int) -> str | None:
        if end > MAX_DATAGRAM - packet.header_len or (packet.mf and (end - start) % 8):
            return Drop.FRAG_INVALID
        if datagram.total is not None and (end > datagram.total
                                           or (not packet.mf and end != datagram.total)):
            return Drop.FRAG_INVALID
        for s, piece in datagram.pieces.items():
            e = s + len(piece)
            if s == start and e == end:
                return "duplicate"
            if s < end and start < e:
                return Drop.FRAG_OVERLAP
        return None

    def _discard(self, key, reason: Drop, packet) -> None:
        datagram = self.pending.pop(key)
        datagram.timer.cancel()
        self.ip.sim.tracer.drop(self.ip.node.name, "ip", reason, packet)

    def _expire(self, key) -> None:
        datagram = self.pending.pop(key)
        self.ip.sim.tracer.drop(self.ip.node.name, "ip", Drop.FRAG_TIMEOUT,
                                src=str(key[0]), identification=key[3])
        if datagram.first is not None:
            self.ip.icmp.send_error(datagram.first, TIME_EXCEEDED, REASSEMBLY_TIME_EXCEEDED)
