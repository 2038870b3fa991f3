"""ARP and RARP packets (RFC 826; RARP RFC 903; probe/announcement RFC 5227)."""

import struct
from ipaddress import IPv4Address

from ._fmt import short_bytes
from .addr import MacAddress
from .errors import DecodeError

__all__ = ["ArpPacket", "ARP_REQUEST", "ARP_REPLY", "RARP_REQUEST", "RARP_REPLY",
           "HTYPE_ETHERNET", "PTYPE_IPV4"]

ARP_REQUEST = 1
ARP_REPLY = 2
RARP_REQUEST = 3
RARP_REPLY = 4

HTYPE_ETHERNET = 1
PTYPE_IPV4 = 0x0800

_FIXED = struct.Struct("!HHBBH")
_ETH_IPV4 = struct.Struct("!HHBBH6s4s6s4s")


def _hw_bytes(addr) -> bytes:
    return addr if isinstance(addr, bytes) else bytes(addr)


def _proto_bytes(addr) -> bytes:
    return addr.packed if type(addr) is IPv4Address else bytes(addr)


class ArpPacket:
    """An ARP/RARP packet (RFC 826 "Packet format").

    For Ethernet/IPv4 (hlen 6, plen 4, ptype 0x0800) ``sha``/``tha`` are
    :class:`MacAddress` and ``spa``/``tpa`` are ``IPv4Address``; for other
    address sizes they are raw ``bytes``. ``hlen``/``plen`` are derived from them.
    """

    __slots__ = ("oper", "sha", "spa", "tha", "tpa", "htype", "ptype", "hlen", "plen")

    def __init__(self, oper, sha, spa, tha, tpa, htype=HTYPE_ETHERNET, ptype=PTYPE_IPV4):
        self.oper = oper
        self.sha = sha
        self.spa = spa
        self.tha = tha
        self.tpa = tpa
        self.htype = htype
        self.ptype = ptype
        self.hlen = len(sha)
        self.plen = 4 if type(spa) is IPv4Address else len(spa)
        tplen = 4 if type(tpa) is IPv4Address else len(tpa)
        if len(tha) != self.hlen or tplen != self.plen:
            raise ValueError("ArpPacket: sender and target addresses differ in length")

    @classmethod
    def request(cls, sha: MacAddress, spa: IPv4Address, tpa: IPv4Address) -> "ArpPacket":
        """Who-has request for ``tpa`` (target hardware address zero, RFC 826)."""
        return cls(ARP_REQUEST, sha, spa, MacAddress(bytes(6)), tpa)

    @classmethod
    def reply_to(cls, request: "ArpPacket", sha: MacAddress) -> "ArpPacket":
        """The reply to ``request`` announcing that its ``tpa`` is at ``sha``."""
        return cls(ARP_REPLY, sha, request.tpa, request.sha, request.spa,
                   request.htype, request.ptype)

    def __len__(self) -> int:
        return 8 + 2 * (self.hlen + self.plen)

    def pack(self) -> bytes:
        return (_FIXED.pack(self.htype, self.ptype, self.hlen, self.plen, self.oper)
                + _hw_bytes(self.sha) + _proto_bytes(self.spa)
                + _hw_bytes(self.tha) + _proto_bytes(self.tpa))

    @classmethod
    def unpack(cls, data: bytes) -> "ArpPacket":
        """Decode an ARP packet; bytes after it (link padding) are ignored."""
        n = len(data)
        if n < 8:
            raise DecodeError(f"ARP: truncated header ({n} bytes < 8)")
        htype, ptype, hlen, plen, oper = _FIXED.unpack_from(data)
        need = 8 + 2 * (hlen + plen)
        if n < need:
            raise DecodeError(f"ARP: truncated ({n} bytes < {need} for hlen={hlen} plen={plen})")
        if hlen == 6 and plen == 4 and ptype == PTYPE_IPV4:
            _, _, _, _, _, sha, spa, tha, tpa = _ETH_IPV4.unpack_from(data)
            new = MacAddress.__new__
            return cls(oper, new(MacAddress, sha), IPv4Address(spa),
                       new(MacAddress, tha), IPv4Address(tpa), htype, ptype)
        o = 8
        sha = bytes(data[o:o + hlen]); o += hlen
        spa = bytes(data[o:o + plen]); o += plen
        tha = bytes(data[o:o + hlen]); o += hlen
        tpa = bytes(data[o:o + plen])
        if hlen == 6:
            sha, tha = MacAddress(sha), MacAddress(tha)
        return cls(oper, sha, spa, tha, tpa, htype, ptype)

    def _fields(self):
        return (self.oper, bytes(self.sha), _proto_bytes(self.spa), bytes(self.tha),
                _proto_bytes(self.tpa), self.htype, self.ptype)

    def __eq__(self, other):
        if type(other) is not ArpPacket:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self) -> str:
        def show(a):
            return short_bytes(a) if type(a) is bytes else f"'{a}'"
        extra = ""
        if self.htype != HTYPE_ETHERNET or self.ptype != PTYPE_IPV4:
            extra = f", htype={self.htype}, ptype=0x{self.ptype:04x}"
        return (f"ArpPacket(oper={self.oper}, sha={show(self.sha)}, spa={show(self.spa)}, "
                f"tha={show(self.tha)}, tpa={show(self.tpa)}{extra})")

    def info(self) -> str:
        """Wireshark-style summary (its packet-arp.c wording)."""
        op, spa, tpa = self.oper, self.spa, self.tpa
        if op == ARP_REQUEST:
            if _proto_bytes(spa) == _proto_bytes(tpa):
                if not any(_hw_bytes(self.tha)):
                    return f"ARP Announcement for {tpa}"
                return f"Gratuitous ARP for {tpa} (Request)"
            if not any(_hw_bytes(self.tha)) and not any(_proto_bytes(spa)):
                return f"Who has {tpa}? (ARP Probe)"
            return f"Who has {tpa}? Tell {spa}"
        if op == ARP_REPLY:
            if _proto_bytes(spa) == _proto_bytes(tpa):
                return f"Gratuitous ARP for {spa} (Reply)"
            return f"{spa} is at {self.sha}"
        if op == RARP_REQUEST:
            return f"Who is {self.tha}? Tell {self.sha}"
        if op == RARP_REPLY:
            return f"{self.tha} is at {self.tpa}"
        return f"Unknown ARP opcode 0x{op:04x}"
