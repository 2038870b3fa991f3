"""Ethernet II frames (IEEE 802.3 §3.1.1 / DIX Ethernet II)."""

from .addr import MacAddress
from .arp import ArpPacket
from .checksum import fcs
from .errors import DecodeError, FcsError
from .ipv4 import IPv4Packet

__all__ = ["EthernetFrame", "ETHERTYPE_IPV4", "ETHERTYPE_ARP", "HEADER_LEN", "FCS_LEN",
           "MIN_PAYLOAD"]

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806

HEADER_LEN = 14
FCS_LEN = 4
MIN_PAYLOAD = 46  # IEEE 802.3 §4.4.2: minFrameSize 64 B = 14 + 46 + 4

_BYTES_LIKE = (bytes, bytearray, memoryview)
_PAD = bytes(MIN_PAYLOAD)


class EthernetFrame:
    """An Ethernet II frame: ``dst``, ``src``, ``ethertype`` and a payload.

    ``payload`` is an :class:`ArpPacket`, an :class:`IPv4Packet` or raw bytes.
    ``wire_len`` is the size on the wire: header + payload padded to 46 bytes +
    FCS (no preamble, SFD or inter-frame gap), e.g. 1518 for a 1500-byte packet.
    """

    __slots__ = ("dst", "src", "ethertype", "payload", "wire_len")

    def __init__(self, dst: MacAddress, src: MacAddress, ethertype: int, payload):
        self.dst = dst
        self.src = src
        self.ethertype = ethertype
        self.payload = payload
        # an IPv4Packet knows its length (len() would call its __len__: per frame, it counts)
        n = payload.total_len if payload.__class__ is IPv4Packet else len(payload)
        self.wire_len = HEADER_LEN + FCS_LEN + (n if n > MIN_PAYLOAD else MIN_PAYLOAD)

    def __len__(self) -> int:
        """Length of :meth:`pack` (header + padded payload, no FCS)."""
        return self.wire_len - FCS_LEN

    def pack(self) -> bytes:
        """The frame as a pcap holds it: header + payload zero-padded to 46 bytes, no FCS."""
        p = self.payload
        body = p if isinstance(p, _BYTES_LIKE) else p.pack()
        if len(body) < MIN_PAYLOAD:
            body = bytes(body) + _PAD[len(body):]
        return (bytes(MacAddress(self.dst)) + bytes(MacAddress(self.src))
                + self.ethertype.to_bytes(2, "big") + body)

    def pack_with_fcs(self) -> bytes:
        """:meth:`pack` followed by the 4-byte FCS, as transmitted."""
        frame = self.pack()
        return frame + fcs(frame)

    @classmethod
    def unpack(cls, data: bytes, has_fcs: bool = False) -> "EthernetFrame":
        """Decode a frame; the payload is decoded by ethertype (ARP, IPv4, else bytes).

        With ``has_fcs`` the last 4 bytes are checked as the FCS (:class:`FcsError`
        on mismatch). Link padding after an ARP or IPv4 packet is dropped, so only
        frames padded with zeros to the minimum size pack back identically.
        """
        n = len(data)
        if has_fcs:
            if n < HEADER_LEN + FCS_LEN:
                raise DecodeError(f"Ethernet: truncated frame ({n} bytes < 18 with FCS)")
            body, trailer = data[:-FCS_LEN], data[-FCS_LEN:]
            if fcs(body) != bytes(trailer):
                raise FcsError(f"Ethernet: bad FCS {bytes(trailer).hex()}, "
                               f"expected {fcs(body).hex()}")
            data, n = body, n - FCS_LEN
        if n < HEADER_LEN:
            raise DecodeError(f"Ethernet: truncated header ({n} bytes < 14)")
        new = MacAddress.__new__
        dst = new(MacAddress, data[0:6])
        src = new(MacAddress, data[6:12])
        ethertype = (data[12] << 8) | data[13]
        payload = data[HEADER_LEN:]
        if ethertype == ETHERTYPE_IPV4:
            payload = IPv4Packet.unpack(payload)
        elif ethertype == ETHERTYPE_ARP:
            payload = ArpPacket.unpack(payload)
        else:
            payload = bytes(payload)
        return cls(dst, src, ethertype, payload)

    def __eq__(self, other):
        if type(other) is not EthernetFrame:
            return NotImplemented
        return (self.dst == other.dst and self.src == other.src
                and self.ethertype == other.ethertype and self.payload == other.payload)

    def __hash__(self):
        return hash((bytes(self.dst), bytes(self.src), self.ethertype, self.payload))

    def __repr__(self) -> str:
        p = self.payload
        shown = repr(p) if not isinstance(p, _BYTES_LIKE) else f"<{len(p)} bytes>"
        return (f"EthernetFrame(dst='{self.dst}', src='{self.src}', "
                f"ethertype=0x{self.ethertype:04x}, payload={shown})")

    def info(self) -> str:
        """Wireshark-style Info column: the payload's summary."""
        p = self.payload
        if isinstance(p, _BYTES_LIKE):
            return f"Ethernet II, type 0x{self.ethertype:04x}"
        return p.info()
