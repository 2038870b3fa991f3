"""Link impairments, netem style: loss, corruption, duplication, jitter.

Each impairment draws from its own named random stream, so enabling one never
changes what another draws. Corruption flips one random bit of the frame on
the wire, FCS included (as netem's ``corrupt`` does); the receiving NIC
captures the damaged bytes, then recomputes the CRC-32 and discards the frame
(IEEE 802.3 §3.2.9). A hub repeats it damaged.
"""

import zlib

from simulator.wire.addr import MacAddress
from simulator.wire.ethernet import EthernetFrame


class CorruptedFrame:
    """A frame that exists only as bytes (FCS included): damaged in flight, or
    handed in from outside. ``original`` is the frame it was, if known."""

    __slots__ = ("raw", "original", "wire_len")

    def __init__(self, raw: bytes, original=None):
        self.raw = raw
        self.original = original
        self.wire_len = len(raw)

    @property
    def dst(self) -> MacAddress:
        return MacAddress(self.raw[0:6])

    @property
    def src(self) -> MacAddress:
        return MacAddress(self.raw[6:12])

    @property
    def payload(self) -> bytes:
        """Everything after the Ethernet header, as raw bytes (FCS excluded)."""
        return self.raw[14:-4]

    def fcs_ok(self) -> bool:
        return zlib.crc32(self.raw[:-4]).to_bytes(4, "little") == self.raw[-4:]

    def decode(self):
        return EthernetFrame.unpack(self.raw, has_fcs=True)

    def pack(self) -> bytes:
        """The bytes as a capture without FCS holds them."""
        return self.raw[:-4]

    def pack_with_fcs(self) -> bytes:
        return self.raw

    def info(self) -> str:
        if self.original is None:
            return f"Ethernet frame, {len(self.raw)} bytes [raw]"
        return self.original.info() + " [corrupted]"


class Faults:
    """The impairments of one direction of a link."""

    def __init__(self, rng, name: str, loss=0.0, corrupt=0.0, duplicate=0.0, jitter_ns=0):
        self.loss, self.corrupt, self.duplicate, self.jitter_ns = loss, corrupt, duplicate, jitter_ns
        self._loss = rng.lazy(f"link:{name}:loss")
        self._corrupt = rng.lazy(f"link:{name}:corrupt")
        self._duplicate = rng.lazy(f"link:{name}:duplicate")
        self._jitter = rng.lazy(f"link:{name}:jitter")

    @property
    def active(self) -> bool:
        return bool(self.loss or self.corrupt or self.duplicate or self.jitter_ns)

    def lost(self) -> bool:
        return self.loss > 0 and self._loss.random() < self.loss

    def damage(self, frame):
        """The frame as it arrives: itself, or a copy with one bit flipped."""
        if not (self.corrupt > 0 and self._corrupt.random() < self.corrupt):
            return frame
        raw = bytearray(frame.pack_with_fcs())
        bit = self._corrupt.randrange(len(raw) * 8)
        raw[bit >> 3] ^= 1 << (bit & 7)
        original = frame.original if frame.__class__ is CorruptedFrame else frame
        return CorruptedFrame(bytes(raw), original)

    def duplicated(self) -> bool:
        return self.duplicate > 0 and self._duplicate.random() < self.duplicate

    def extra_delay(self) -> int:
        """Jitter: a uniform extra delay in [0, jitter]; frames may overtake each other."""
        return self._jitter.randint(0, self.jitter_ns) if self.jitter_ns else 0
