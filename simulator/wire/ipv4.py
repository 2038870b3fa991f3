"""IPv4 packets (RFC 791 §3.1; DSCP/ECN RFC 2474, RFC 3168)."""

import struct
from ipaddress import IPv4Address

from ._fmt import short_bytes
from .checksum import ChecksummedHeader, internet_checksum, ip_bytes
from .errors import DecodeError
from .icmp import unpack_icmp
from .tcp import TcpSegment
from .udp import UdpDatagram

__all__ = ["IPv4Packet", "PROTO_ICMP", "PROTO_TCP", "PROTO_UDP", "FLAG_RESERVED",
           "FLAG_DF", "FLAG_MF", "MIN_HEADER_LEN", "MAX_HEADER_LEN", "PROTOCOL_NAMES"]

PROTO_ICMP = 1
PROTO_TCP = 6
PROTO_UDP = 17
PROTOCOL_NAMES = {PROTO_ICMP: "ICMP", PROTO_TCP: "TCP", PROTO_UDP: "UDP"}

# Flag bits of the 16-bit flags/fragment-offset word (RFC 791 §3.1 "Flags").
FLAG_RESERVED = 0x8000
FLAG_DF = 0x4000
FLAG_MF = 0x2000
_OFFSET_MASK = 0x1FFF

MIN_HEADER_LEN = 20
MAX_HEADER_LEN = 60

_HEADER = struct.Struct("!BBHHHBBH4s4s")
_BYTES_LIKE = (bytes, bytearray, memoryview)
_DECODERS = {PROTO_ICMP: unpack_icmp, PROTO_UDP: UdpDatagram.unpack,
             PROTO_TCP: TcpSegment.unpack}

_FIELDS = ("src", "dst", "protocol", "payload", "ttl", "identification", "df", "mf",
           "frag_offset", "dscp", "ecn", "options", "reserved_flag", "checksum")


_new = object.__new__


class IPv4Packet(ChecksummedHeader):
    """An IPv4 packet (RFC 791 §3.1).

    ``payload`` is an ICMP/UDP/TCP object from this package or raw bytes (e.g. a
    fragment's slice). ``frag_offset`` counts 8-byte units. ``options`` are raw
    bytes, zero-padded here to a multiple of 4 (IHL follows from them).
    ``checksum=None`` means "compute when packing"; :meth:`unpack` keeps the value
    it read, so a packet decoded from bad bytes packs back to the same bytes.
    ``header_len`` and ``total_len`` (== ``len(packet)``) are computed once.
    ``texts`` is an opaque memo slot (None until set) for the trace's texts of the
    datagram (``phy.link.packet_texts``): a packet is never changed in place (NAT,
    fragmentation and :meth:`replace` build new ones, with None), and
    :meth:`forwarded` carries it to the copy, whose fields it describes too.
    """

    __slots__ = _FIELDS + ("header_len", "total_len", "texts")

    def __init__(self, src: IPv4Address, dst: IPv4Address, protocol: int, payload,
                 ttl: int = 64, identification: int = 0, df: bool = False, mf: bool = False,
                 frag_offset: int = 0, dscp: int = 0, ecn: int = 0, options: bytes = b"",
                 reserved_flag: bool = False, checksum=None):
        self.src = src
        self.dst = dst
        self.protocol = protocol
        self.payload = payload
        self.ttl = ttl
        self.identification = identification
        self.df = df
        self.mf = mf
        self.frag_offset = frag_offset
        self.dscp = dscp
        self.ecn = ecn
        self.reserved_flag = reserved_flag
        self.checksum = checksum
        self.texts = None
        if options:
            if len(options) & 3:
                options = bytes(options) + bytes(4 - (len(options) & 3))
            if len(options) > MAX_HEADER_LEN - MIN_HEADER_LEN:
                raise ValueError(f"IPv4 options too long: {len(options)} bytes > 40")
            self.options = options
            self.header_len = MIN_HEADER_LEN + len(options)
        else:
            self.options = b""
            self.header_len = MIN_HEADER_LEN
        self.total_len = self.header_len + len(payload)

    def __len__(self) -> int:
        return self.total_len

    @property
    def is_fragment(self) -> bool:
        """True for any fragment: MF set or a non-zero offset (RFC 791 §2.3)."""
        return bool(self.mf or self.frag_offset)

    def forwarded(self) -> "IPv4Packet":
        """This packet one router further: TTL - 1, header checksum recomputed at pack
        (RFC 1812 §5.3.1). A field-by-field copy: routers call it for every packet (one
        assignment a field: four or more in one statement build and unpack a tuple)."""
        new = _new(IPv4Packet)
        new.src = self.src
        new.dst = self.dst
        new.protocol = self.protocol
        new.payload = self.payload
        new.ttl = self.ttl - 1
        new.identification = self.identification
        new.df = self.df
        new.mf = self.mf
        new.frag_offset = self.frag_offset
        new.dscp = self.dscp
        new.ecn = self.ecn
        new.options = self.options
        new.reserved_flag = self.reserved_flag
        new.checksum = None
        new.header_len = self.header_len
        new.total_len = self.total_len
        new.texts = self.texts
        return new

    def replace(self, **fields) -> "IPv4Packet":
        """A copy with ``fields`` changed and the checksum reset to None (unless given)."""
        unknown = fields.keys() - _FIELD_SET
        if unknown:
            raise TypeError(f"IPv4Packet.replace: unknown field(s) {sorted(unknown)}")
        g = fields.get
        return IPv4Packet(
            g("src", self.src), g("dst", self.dst), g("protocol", self.protocol),
            g("payload", self.payload), g("ttl", self.ttl),
            g("identification", self.identification), g("df", self.df), g("mf", self.mf),
            g("frag_offset", self.frag_offset), g("dscp", self.dscp), g("ecn", self.ecn),
            g("options", self.options), g("reserved_flag", self.reserved_flag),
            g("checksum", None))

    def _header(self, checksum: int) -> bytes:
        flags = ((FLAG_RESERVED if self.reserved_flag else 0) | (FLAG_DF if self.df else 0)
                 | (FLAG_MF if self.mf else 0) | self.frag_offset)
        return _HEADER.pack(
            0x40 | (self.header_len >> 2), (self.dscp << 2) | self.ecn, self.total_len,
            self.identification, flags, self.ttl, self.protocol, checksum,
            ip_bytes(self.src), ip_bytes(self.dst)) + self.options

    def header_bytes(self) -> bytes:
        """The header (with options) as packed, checksum filled in."""
        if self.checksum is not None:
            return self._header(self.checksum)
        h = self._header(0)
        ck = internet_checksum(h)
        return h[:10] + ck.to_bytes(2, "big") + h[12:]

    def payload_bytes(self) -> bytes:
        """The packed payload (L4 checksums computed with this packet's addresses)."""
        p = self.payload
        if isinstance(p, _BYTES_LIKE):
            return bytes(p)
        return p.pack(self.src, self.dst)

    def pack(self) -> bytes:
        return self.header_bytes() + self.payload_bytes()

    def quote(self, data_len: int = 8) -> bytes:
        """Header + first ``data_len`` payload bytes: what an ICMP error quotes
        (RFC 792: "Internet Header + 64 bits of Original Data Datagram")."""
        return self.header_bytes() + self.payload_bytes()[:data_len]

    def verify_checksum(self) -> bool:
        """True if the header checksum is right (always when it is still None)."""
        if self.checksum is None:
            return True
        return internet_checksum(self._header(self.checksum)) == 0

    @classmethod
    def unpack(cls, data: bytes) -> "IPv4Packet":
        """Decode a packet. Bytes beyond the total length (link padding) are ignored.

        The payload is decoded by protocol (ICMP, UDP, TCP) only for unfragmented
        packets; fragments and other protocols keep raw bytes.
        """
        n = len(data)
        if n < MIN_HEADER_LEN:
            raise DecodeError(f"IPv4: truncated header ({n} bytes < 20)")
        (ver_ihl, tos, total, ident, flags, ttl, proto, ck,
         src, dst) = _HEADER.unpack_from(data)
        if ver_ihl >> 4 != 4:
            raise DecodeError(f"IPv4: version {ver_ihl >> 4}, expected 4")
        hlen = (ver_ihl & 0x0F) << 2
        if hlen < MIN_HEADER_LEN:
            raise DecodeError(f"IPv4: IHL {hlen >> 2} < 5")
        if total < hlen:
            raise DecodeError(f"IPv4: total length {total} < header length {hlen}")
        if total > n:
            raise DecodeError(f"IPv4: total length {total} > {n} bytes available")
        mf = bool(flags & FLAG_MF)
        offset = flags & _OFFSET_MASK
        payload = bytes(data[hlen:total])
        if not mf and not offset:
            decode = _DECODERS.get(proto)
            if decode is not None:
                payload = decode(payload)
        return cls(IPv4Address(src), IPv4Address(dst), proto, payload, ttl, ident,
                   bool(flags & FLAG_DF), mf, offset, tos >> 2, tos & 3,
                   bytes(data[MIN_HEADER_LEN:hlen]), bool(flags & FLAG_RESERVED), ck)

    def _fields(self):
        return tuple(getattr(self, f) for f in _FIELDS[:-1])  # all but checksum

    def __repr__(self) -> str:
        p = self.payload
        shown = short_bytes(p) if isinstance(p, _BYTES_LIKE) else repr(p)
        parts = [f"src='{self.src}'", f"dst='{self.dst}'", f"protocol={self.protocol}",
                 f"ttl={self.ttl}"]
        for name, default in (("identification", 0), ("df", False), ("mf", False),
                              ("frag_offset", 0), ("dscp", 0), ("ecn", 0), ("options", b""),
                              ("reserved_flag", False), ("checksum", None)):
            value = getattr(self, name)
            if value != default:
                parts.append(f"{name}={value:#06x}" if name in ("identification", "checksum")
                             else f"{name}={value!r}")
        parts.append(f"payload={shown}")
        return f"IPv4Packet({', '.join(parts)})"

    def info(self) -> str:
        """Wireshark-style summary: the payload's, or the fragment line of packet-ip.c."""
        name = PROTOCOL_NAMES.get(self.protocol, "Unknown")
        if self.mf or self.frag_offset:
            return (f"Fragmented IP protocol (proto={name} {self.protocol}, "
                    f"off={self.frag_offset * 8}, ID={self.identification:04x})")
        p = self.payload
        if isinstance(p, _BYTES_LIKE):
            return f"{self.src} → {self.dst} IP protocol {self.protocol} Len={len(p)}"
        return p.info()


_FIELD_SET = frozenset(_FIELDS)
