"""DHCP messages: the BOOTP format of RFC 2131 §2 with the options of RFC 2132.

A message is the fixed 236-byte BOOTP header, the magic cookie 99.130.83.99
(RFC 2131 §3) and the options, ending with End (255). Options are an ordered
tuple of ``(code, value)`` pairs so a decoded message packs back to the same
bytes; the options this project uses get typed values, every other option
keeps its raw bytes:

=====  ======================  ===========================================
code   name (RFC 2132)         value
=====  ======================  ===========================================
0      Pad (§3.1)              None (kept where it stood)
1      Subnet Mask (§3.3)      IPv4Address
3      Router (§3.5)           tuple of IPv4Address
6      Domain Name Server      tuple of IPv4Address
12     Host Name (§3.14)       str
15     Domain Name (§3.17)     str
50     Requested IP (§9.1)     IPv4Address
51     Lease Time (§9.2)       int seconds (0xFFFFFFFF: infinite)
53     Message Type (§9.6)     int (DISCOVER .. INFORM)
54     Server Identifier       IPv4Address
55     Parameter Request List  tuple of int
58/59  T1 / T2 (§9.11, §9.12)  int seconds
61     Client Identifier       bytes (type octet + identifier)
=====  ======================  ===========================================

Option overload (52) is not interpreted: ``sname`` and ``file`` stay raw.
Bytes after End are kept in ``trailer`` (a built message is zero-padded to
the 300-byte BOOTP minimum, RFC 1542 §2.1, as ISC dhclient does).
"""

import struct
from ipaddress import IPv4Address

from .addr import MacAddress
from .errors import DecodeError

__all__ = ["DhcpMessage", "BOOTREQUEST", "BOOTREPLY", "SERVER_PORT", "CLIENT_PORT",
           "DISCOVER", "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM",
           "MESSAGE_TYPES", "BROADCAST_FLAG", "INFINITE_LEASE", "ZERO",
           "OPT_PAD", "OPT_SUBNET_MASK", "OPT_ROUTER", "OPT_DNS", "OPT_HOST_NAME",
           "OPT_DOMAIN_NAME", "OPT_REQUESTED_IP", "OPT_LEASE_TIME", "OPT_MESSAGE_TYPE",
           "OPT_SERVER_ID", "OPT_PARAMETER_REQUEST_LIST", "OPT_T1", "OPT_T2",
           "OPT_CLIENT_ID", "OPT_END"]

SERVER_PORT, CLIENT_PORT = 67, 68          # RFC 2131 §4.1
BOOTREQUEST, BOOTREPLY = 1, 2
BROADCAST_FLAG = 0x8000                    # RFC 2131 §2, Figure 2
INFINITE_LEASE = 0xFFFFFFFF
MAGIC_COOKIE = b"\x63\x82\x53\x63"
ZERO = IPv4Address(0)
MIN_LEN = 300                              # RFC 1542 §2.1: BOOTP messages of 300 octets

DISCOVER, OFFER, REQUEST, DECLINE, ACK, NAK, RELEASE, INFORM = range(1, 9)
MESSAGE_TYPES = {DISCOVER: "Discover", OFFER: "Offer", REQUEST: "Request",
                 DECLINE: "Decline", ACK: "ACK", NAK: "NAK", RELEASE: "Release",
                 INFORM: "Inform"}
# Wireshark's names (packet-dhcp.c) for info(), later message types included
# (RFC 3203 Force Renew, RFC 4388/6926/7724 lease query, RFC 8996 TLS).
_SHOWN_TYPES = {**MESSAGE_TYPES, 9: "Force Renew", 10: "Lease query", 11: "Lease Unassigned",
                12: "Lease Unknown", 13: "Lease Active", 14: "Bulk Lease Query",
                15: "Lease Query Done", 16: "Active LeaseQuery", 17: "Lease Query Status",
                18: "TLS"}

OPT_PAD, OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS = 0, 1, 3, 6
OPT_HOST_NAME, OPT_DOMAIN_NAME = 12, 15
OPT_REQUESTED_IP, OPT_LEASE_TIME, OPT_MESSAGE_TYPE, OPT_SERVER_ID = 50, 51, 53, 54
OPT_PARAMETER_REQUEST_LIST, OPT_T1, OPT_T2, OPT_CLIENT_ID = 55, 58, 59, 61
OPT_END = 255

_HEADER = struct.Struct("!BBBBIHH4s4s4s4s16s64s128s")
HEADER_LEN = _HEADER.size                  # 236


def _address(raw: bytes) -> IPv4Address:
    return IPv4Address(raw)


def _addresses(raw: bytes) -> tuple:
    if len(raw) % 4:
        raise ValueError("not a multiple of 4 octets")
    return tuple(IPv4Address(raw[i:i + 4]) for i in range(0, len(raw), 4))


def _u32(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


# code → (decode(raw) → value, encode(value) → raw, allowed lengths or None for ≥1)
_ADDRESS = (_address, lambda v: IPv4Address(v).packed, (4,))
_ADDRESSES = (_addresses, lambda v: b"".join(IPv4Address(a).packed for a in v), None)
_SECONDS = (_u32, lambda v: int(v).to_bytes(4, "big"), (4,))
_TEXT = (lambda raw: raw.decode("latin-1"), lambda v: v.encode("latin-1"), None)
_CODECS = {
    OPT_SUBNET_MASK: _ADDRESS,
    OPT_ROUTER: _ADDRESSES,
    OPT_DNS: _ADDRESSES,
    OPT_HOST_NAME: _TEXT,
    OPT_DOMAIN_NAME: _TEXT,
    OPT_REQUESTED_IP: _ADDRESS,
    OPT_LEASE_TIME: _SECONDS,
    OPT_MESSAGE_TYPE: (lambda raw: raw[0], lambda v: bytes((v,)), (1,)),
    OPT_SERVER_ID: _ADDRESS,
    OPT_PARAMETER_REQUEST_LIST: (tuple, bytes, None),
    OPT_T1: _SECONDS,
    OPT_T2: _SECONDS,
    OPT_CLIENT_ID: (bytes, bytes, None),
}
_MIN_LEN = {OPT_CLIENT_ID: 2}              # RFC 2132 §9.14: type octet + at least one


def encode_option(code: int, value) -> bytes:
    """One option as code, length, data (Pad: the single zero octet)."""
    if code == OPT_PAD:
        return b"\x00"
    codec = _CODECS.get(code)
    raw = bytes(value) if codec is None else codec[1](value)
    if len(raw) > 255 or (codec is not None and not raw):
        raise ValueError(f"DHCP option {code}: {len(raw)} octets do not fit")
    return bytes((code, len(raw))) + raw


def decode_option(code: int, raw: bytes):
    """The typed value of an option's data (raw bytes for codes not in the table)."""
    codec = _CODECS.get(code)
    if codec is None:
        return bytes(raw)
    decode, _, lengths = codec
    if (lengths is not None and len(raw) not in lengths) or len(raw) < _MIN_LEN.get(code, 1):
        raise DecodeError(f"DHCP option {code}: bad length {len(raw)}")
    try:
        return decode(raw)
    except ValueError as error:
        raise DecodeError(f"DHCP option {code}: {error}") from None


def _normalize(code: int, value):
    """A value as decoding would give it (``"10.0.0.1"`` → IPv4Address, list → tuple)."""
    if code == OPT_PAD:
        return None
    return decode_option(code, encode_option(code, value)[2:])


def _parse_options(data: bytes, start: int) -> tuple[tuple, bytes]:
    options, i, n = [], start, len(data)
    while i < n:
        code = data[i]
        if code == OPT_END:
            return tuple(options), bytes(data[i + 1:])
        if code == OPT_PAD:
            options.append((OPT_PAD, None))
            i += 1
            continue
        if i + 1 >= n:
            raise DecodeError(f"DHCP option {code}: truncated before its length")
        length = data[i + 1]
        if i + 2 + length > n:
            raise DecodeError(f"DHCP option {code}: length {length} runs past the message")
        options.append((code, decode_option(code, data[i + 2:i + 2 + length])))
        i += 2 + length
    raise DecodeError("DHCP: options do not end with End (255)")


class DhcpMessage:
    """A DHCP message (RFC 2131 §2, Figure 1). Addresses are IPv4Address, ``chaddr``
    the 16-octet client hardware address field, ``options`` ordered (code, value)."""

    __slots__ = ("op", "htype", "hlen", "hops", "xid", "secs", "flags", "ciaddr", "yiaddr",
                 "siaddr", "giaddr", "chaddr", "sname", "file", "options", "trailer")

    def __init__(self, op: int, xid: int, chaddr, options=(), *, htype: int = 1,
                 hlen: int = 6, hops: int = 0, secs: int = 0, flags: int = 0,
                 ciaddr=ZERO, yiaddr=ZERO, siaddr=ZERO, giaddr=ZERO, sname: bytes = b"",
                 file: bytes = b"", trailer: bytes | None = None):
        self.op, self.htype, self.hlen, self.hops = op, htype, hlen, hops
        self.xid, self.secs, self.flags = xid, secs, flags
        self.ciaddr, self.yiaddr = IPv4Address(ciaddr), IPv4Address(yiaddr)
        self.siaddr, self.giaddr = IPv4Address(siaddr), IPv4Address(giaddr)
        if len(chaddr) > 16 or len(sname) > 64 or len(file) > 128:
            raise ValueError("DHCP: chaddr, sname or file too long (16, 64, 128 octets)")
        self.chaddr = bytes(chaddr).ljust(16, b"\x00")
        self.sname, self.file = bytes(sname).ljust(64, b"\x00"), bytes(file).ljust(128, b"\x00")
        self.options = tuple((c, _normalize(c, v)) for c, v in options)
        self.trailer = trailer

    # -- options -----------------------------------------------------------------
    def option(self, code: int, default=None):
        """The value of the first option ``code`` (RFC 2131 §4.1: at most once)."""
        for c, value in self.options:
            if c == code:
                return value
        return default

    @property
    def message_type(self) -> int | None:
        return self.option(OPT_MESSAGE_TYPE)

    @property
    def client_mac(self) -> MacAddress:
        return MacAddress(self.chaddr[:6])

    @property
    def broadcast(self) -> bool:
        return bool(self.flags & BROADCAST_FLAG)

    def client_key(self) -> bytes:
        """What identifies the client to a server: its client identifier, else htype
        and chaddr (RFC 2131 §4.2)."""
        cid = self.option(OPT_CLIENT_ID)
        if cid is not None:
            return b"id:" + cid
        return b"hw:" + bytes((self.htype,)) + self.chaddr[:self.hlen]

    def replace(self, **fields) -> "DhcpMessage":
        """A copy with ``fields`` changed (a relay sets ``hops`` and ``giaddr``)."""
        args = {name: getattr(self, name) for name in self.__slots__}
        args.update(fields)
        return DhcpMessage(args.pop("op"), args.pop("xid"), args.pop("chaddr"),
                           args.pop("options"), **args)

    # -- bytes -------------------------------------------------------------------
    def pack(self, src=None, dst=None) -> bytes:
        head = _HEADER.pack(self.op, self.htype, self.hlen, self.hops, self.xid, self.secs,
                            self.flags, self.ciaddr.packed, self.yiaddr.packed,
                            self.siaddr.packed, self.giaddr.packed, self.chaddr, self.sname,
                            self.file)
        body = head + MAGIC_COOKIE + b"".join(encode_option(c, v) for c, v in self.options)
        body += b"\xff"
        if self.trailer is None:
            return body + bytes(max(0, MIN_LEN - len(body)))
        return body + self.trailer

    @classmethod
    def unpack(cls, data: bytes) -> "DhcpMessage":
        n = len(data)
        if n < HEADER_LEN + 4:
            raise DecodeError(f"DHCP: truncated ({n} bytes < 240)")
        (op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr,
         sname, file) = _HEADER.unpack_from(data)
        if op not in (BOOTREQUEST, BOOTREPLY):
            raise DecodeError(f"DHCP: op {op} is neither BOOTREQUEST nor BOOTREPLY")
        if hlen > 16:
            raise DecodeError(f"DHCP: hardware address length {hlen} > 16")
        if bytes(data[HEADER_LEN:HEADER_LEN + 4]) != MAGIC_COOKIE:
            raise DecodeError("DHCP: no magic cookie 99.130.83.99 (plain BOOTP?)")
        options, trailer = _parse_options(data, HEADER_LEN + 4)
        return cls(op, xid, chaddr, options, htype=htype, hlen=hlen, hops=hops, secs=secs,
                   flags=flags, ciaddr=ciaddr, yiaddr=yiaddr, siaddr=siaddr, giaddr=giaddr,
                   sname=sname, file=file, trailer=trailer)

    def __len__(self) -> int:
        return len(self.pack())

    def _fields(self):
        return tuple(getattr(self, name) for name in self.__slots__[:-1])

    def __eq__(self, other):
        if type(other) is not DhcpMessage:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self) -> str:
        kind = _SHOWN_TYPES.get(self.message_type, self.message_type or "BOOTP")
        return (f"DhcpMessage({kind}, xid={self.xid:#010x}, chaddr={self.client_mac}, "
                f"ciaddr={self.ciaddr}, yiaddr={self.yiaddr}, giaddr={self.giaddr}, "
                f"options={list(self.options)!r})")

    def info(self) -> str:
        """Wireshark's Info column (packet-dhcp.c): ``DHCP Discover - Transaction ID
        0x3903f326``; a message without a message type is plain BOOTP."""
        kind = self.message_type
        if kind is None:
            if self.op == BOOTREQUEST:
                return f"Boot Request from {self.client_mac} ({self.client_mac})"
            return "Boot Reply"
        name = _SHOWN_TYPES.get(kind, f"Unknown Message Type (0x{kind:02x})")
        return f"DHCP {name:<8} - Transaction ID 0x{self.xid:x}"
