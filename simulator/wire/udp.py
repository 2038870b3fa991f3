"""UDP datagrams (RFC 768)."""

import struct

from ._fmt import short_bytes
from .checksum import ChecksummedHeader, internet_checksum, pseudo_header
from .dns import PORT as PORT_DNS, dns_info
from .errors import DecodeError

__all__ = ["UdpDatagram", "HEADER_LEN"]

HEADER_LEN = 8
_PROTO_UDP = 17
_HEADER = struct.Struct("!HHHH")


class UdpDatagram(ChecksummedHeader):
    """A UDP datagram (RFC 768 "Format").

    ``checksum=None`` means compute on :meth:`pack` over the IPv4 pseudo-header; a
    computed 0 is sent as 0xFFFF, and a stored 0 means "no checksum" (RFC 768).
    """

    __slots__ = ("src_port", "dst_port", "payload", "checksum")

    def __init__(self, src_port: int, dst_port: int, payload: bytes = b"", checksum=None):
        self.src_port = src_port
        self.dst_port = dst_port
        self.payload = payload
        self.checksum = checksum

    def __len__(self) -> int:
        return HEADER_LEN + len(self.payload)

    def pack(self, src_ip=None, dst_ip=None) -> bytes:
        """Header + payload; the addresses are needed only when the checksum is None."""
        length = HEADER_LEN + len(self.payload)
        ck = self.checksum
        if ck is None:
            if src_ip is None or dst_ip is None:
                raise ValueError("UdpDatagram.pack: src_ip and dst_ip are needed for the checksum")
            head = _HEADER.pack(self.src_port, self.dst_port, length, 0)
            ck = internet_checksum(pseudo_header(src_ip, dst_ip, _PROTO_UDP, length)
                                   + head + self.payload) or 0xFFFF
        return _HEADER.pack(self.src_port, self.dst_port, length, ck) + self.payload

    @classmethod
    def unpack(cls, data: bytes) -> "UdpDatagram":
        """Decode a datagram; bytes past the UDP length field are ignored."""
        n = len(data)
        if n < HEADER_LEN:
            raise DecodeError(f"UDP: truncated header ({n} bytes < 8)")
        sport, dport, length, ck = _HEADER.unpack_from(data)
        if length < HEADER_LEN:
            raise DecodeError(f"UDP: length field {length} < 8")
        if length > n:
            raise DecodeError(f"UDP: length field {length} > {n} bytes available")
        return cls(sport, dport, bytes(data[HEADER_LEN:length]), ck)

    def verify_checksum(self, src_ip, dst_ip) -> bool:
        """True if the checksum is right, absent (0, RFC 768) or still None."""
        if not self.checksum:
            return True
        length = HEADER_LEN + len(self.payload)
        return internet_checksum(pseudo_header(src_ip, dst_ip, _PROTO_UDP, length)
                                 + self.pack()) == 0

    def _fields(self):
        return (self.src_port, self.dst_port, bytes(self.payload))

    def __repr__(self) -> str:
        ck = "" if self.checksum is None else f", checksum={self.checksum:#06x}"
        return (f"UdpDatagram({self.src_port} → {self.dst_port}, "
                f"payload={short_bytes(self.payload)}{ck})")

    def info(self) -> str:
        """Wireshark style: ``50000 → 9 Len=12``; to or from port 53 a DNS message's
        Info column (``Standard query 0x1a2b A www.example.com``), as Wireshark shows it."""
        if PORT_DNS in (self.src_port, self.dst_port):
            text = dns_info(self.payload)
            if text is not None:
                return text
        return f"{self.src_port} → {self.dst_port} Len={len(self.payload)}"
