"""ICMPv4 messages (RFC 792; "Fragmentation needed" MTU field RFC 1191 §4).

Every message is type, code, checksum and a 4-byte "rest of header", then data.
Echo, Destination Unreachable and Time Exceeded get their own classes; any other
message (or one of those with non-standard bits) is an :class:`IcmpMessage`.
``pack()`` takes and ignores source/destination addresses (ICMPv4 has no
pseudo-header), so IPv4 can pack any L4 payload as ``payload.pack(src, dst)``.
"""

import struct

from ._fmt import short_bytes
from .checksum import ChecksummedHeader, internet_checksum
from .errors import DecodeError
from .icmp_quote import QuotedPacket, parse_quote

__all__ = ["IcmpEcho", "IcmpDestUnreachable", "IcmpTimeExceeded", "IcmpMessage",
           "unpack_icmp", "QuotedPacket",
           "ECHO_REPLY", "DEST_UNREACHABLE", "SOURCE_QUENCH", "REDIRECT", "ECHO_REQUEST",
           "TIME_EXCEEDED", "PARAMETER_PROBLEM",
           "NET_UNREACHABLE", "HOST_UNREACHABLE", "PROTOCOL_UNREACHABLE", "PORT_UNREACHABLE",
           "FRAGMENTATION_NEEDED", "SOURCE_ROUTE_FAILED", "TTL_EXCEEDED",
           "REASSEMBLY_TIME_EXCEEDED"]

# Types (RFC 792)
ECHO_REPLY = 0
DEST_UNREACHABLE = 3
SOURCE_QUENCH = 4
REDIRECT = 5
ECHO_REQUEST = 8
TIME_EXCEEDED = 11
PARAMETER_PROBLEM = 12

# Destination Unreachable codes (RFC 792; RFC 1191 §4 for 4)
NET_UNREACHABLE = 0
HOST_UNREACHABLE = 1
PROTOCOL_UNREACHABLE = 2
PORT_UNREACHABLE = 3
FRAGMENTATION_NEEDED = 4
SOURCE_ROUTE_FAILED = 5

# Time Exceeded codes (RFC 792)
TTL_EXCEEDED = 0
REASSEMBLY_TIME_EXCEEDED = 1

_HEAD = struct.Struct("!BBH")
_ECHO = struct.Struct("!BBHHH")

# Wireshark's wording (packet-icmp.c), used by info().
TYPE_NAMES = {
    0: "Echo (ping) reply", 3: "Destination unreachable", 4: "Source quench (flow control)",
    5: "Redirect", 6: "Alternate host address", 8: "Echo (ping) request",
    9: "Router advertisement", 10: "Router solicitation", 11: "Time-to-live exceeded",
    12: "Parameter problem", 13: "Timestamp request", 14: "Timestamp reply",
    15: "Information request", 16: "Information reply", 17: "Address mask request",
    18: "Address mask reply",
}
CODE_NAMES = {
    3: ("Network unreachable", "Host unreachable", "Protocol unreachable",
        "Port unreachable", "Fragmentation needed", "Source route failed",
        "Destination network unknown", "Destination host unknown", "Source host isolated",
        "Network administratively prohibited", "Host administratively prohibited",
        "Network unreachable for TOS", "Host unreachable for TOS",
        "Communication administratively filtered", "Host precedence violation",
        "Precedence cutoff in effect"),
    5: ("Redirect for network", "Redirect for host", "Redirect for TOS and network",
        "Redirect for TOS and host"),
    11: ("Time to live exceeded in transit", "Fragment reassembly time exceeded"),
    12: ("Pointer indicates the error", "Required option missing", "Bad length"),
}


def _describe(type_: int, code: int) -> str:
    name = TYPE_NAMES.get(type_, f"Unknown ICMP type {type_}")
    codes = CODE_NAMES.get(type_)
    if codes is not None:
        return f"{name} ({codes[code] if code < len(codes) else f'Unknown code: {code}'})"
    return name if code == 0 else f"{name} (Unknown code: {code})"


def _finish(msg: bytes, checksum) -> bytes:
    """Insert the checksum (computed over the whole message when None)."""
    if checksum is None:
        checksum = internet_checksum(msg)
    return msg[:2] + checksum.to_bytes(2, "big") + msg[4:]


def _verify(msg) -> bool:
    return msg.checksum is None or internet_checksum(msg.pack()) == 0


def _head(data: bytes, what: str):
    n = len(data)
    if n < 8:
        raise DecodeError(f"ICMP {what}: truncated ({n} bytes < 8)")
    return _HEAD.unpack_from(data)


class _Icmp(ChecksummedHeader):
    """Shared plumbing of the ICMP messages."""

    __slots__ = ()

    def verify_checksum(self) -> bool:
        """True if the checksum is right (always when it is still None)."""
        return _verify(self)

    def info(self) -> str:
        return _describe(self.type, self.code)


class IcmpEcho(_Icmp):
    """Echo request (type 8) or reply (type 0), RFC 792 "Echo or Echo Reply Message"."""

    __slots__ = ("type", "ident", "seq", "data", "checksum")
    code = 0

    def __init__(self, type: int, ident: int, seq: int, data: bytes = b"", checksum=None):
        self.type = type
        self.ident = ident
        self.seq = seq
        self.data = data
        self.checksum = checksum

    @classmethod
    def request(cls, ident: int, seq: int, data: bytes = b"") -> "IcmpEcho":
        return cls(ECHO_REQUEST, ident, seq, data)

    @classmethod
    def reply_to(cls, request: "IcmpEcho") -> "IcmpEcho":
        """The reply: same identifier, sequence number and data (RFC 792)."""
        return cls(ECHO_REPLY, request.ident, request.seq, request.data)

    def __len__(self) -> int:
        return 8 + len(self.data)

    def pack(self, src=None, dst=None) -> bytes:
        msg = _ECHO.pack(self.type, 0, 0, self.ident, self.seq) + self.data
        return _finish(msg, self.checksum)

    @classmethod
    def unpack(cls, data: bytes) -> "IcmpEcho":
        type_, code, ck = _head(data, "echo")
        if type_ not in (ECHO_REQUEST, ECHO_REPLY) or code != 0:
            raise DecodeError(f"ICMP echo: type {type_} code {code} is not an echo")
        _, _, _, ident, seq = _ECHO.unpack_from(data)
        return cls(type_, ident, seq, bytes(data[8:]), ck)

    def _fields(self):
        return (self.type, self.ident, self.seq, bytes(self.data))

    def __repr__(self) -> str:
        kind = {ECHO_REQUEST: "request", ECHO_REPLY: "reply"}.get(self.type, self.type)
        ck = "" if self.checksum is None else f", checksum={self.checksum:#06x}"
        return (f"IcmpEcho({kind}, ident={self.ident:#06x}, seq={self.seq}, "
                f"data={short_bytes(self.data)}{ck})")

    def info(self) -> str:
        return f"{_describe(self.type, 0)} id=0x{self.ident:04x}, seq={self.seq}"


class _IcmpError(_Icmp):
    """An error message quoting the offending datagram in ``original``."""

    __slots__ = ()

    def __len__(self) -> int:
        return 8 + len(self.original)

    def quoted(self) -> QuotedPacket:
        """Decode the quoted IP header and first L4 bytes (DecodeError if unusable)."""
        return parse_quote(self.original)


class IcmpDestUnreachable(_IcmpError):
    """Destination Unreachable (type 3, RFC 792); for code 4 ``next_hop_mtu`` is the
    low 16 bits of the second word (RFC 1191 §4), the high 16 bits are zero."""

    __slots__ = ("code", "original", "next_hop_mtu", "checksum")
    type = DEST_UNREACHABLE

    def __init__(self, code: int, original: bytes, next_hop_mtu: int = 0, checksum=None):
        self.code = code
        self.original = original
        self.next_hop_mtu = next_hop_mtu
        self.checksum = checksum

    def pack(self, src=None, dst=None) -> bytes:
        msg = _ECHO.pack(DEST_UNREACHABLE, self.code, 0, 0, self.next_hop_mtu) + self.original
        return _finish(msg, self.checksum)

    @classmethod
    def unpack(cls, data: bytes) -> "IcmpDestUnreachable":
        type_, code, ck = _head(data, "destination unreachable")
        if type_ != DEST_UNREACHABLE:
            raise DecodeError(f"ICMP: type {type_} is not destination unreachable")
        _, _, _, unused, mtu = _ECHO.unpack_from(data)
        if unused:
            raise DecodeError("ICMP destination unreachable: unused bits set (RFC 4884?)")
        return cls(code, bytes(data[8:]), mtu, ck)

    def _fields(self):
        return (self.code, bytes(self.original), self.next_hop_mtu)

    def __repr__(self) -> str:
        mtu = f", next_hop_mtu={self.next_hop_mtu}" if self.next_hop_mtu else ""
        ck = "" if self.checksum is None else f", checksum={self.checksum:#06x}"
        return (f"IcmpDestUnreachable(code={self.code}{mtu}, "
                f"original={short_bytes(self.original)}{ck})")


class IcmpTimeExceeded(_IcmpError):
    """Time Exceeded (type 11, RFC 792): code 0 TTL exceeded in transit,
    code 1 fragment reassembly time exceeded. The second word is unused (zero)."""

    __slots__ = ("code", "original", "checksum")
    type = TIME_EXCEEDED

    def __init__(self, code: int, original: bytes, checksum=None):
        self.code = code
        self.original = original
        self.checksum = checksum

    def pack(self, src=None, dst=None) -> bytes:
        msg = _ECHO.pack(TIME_EXCEEDED, self.code, 0, 0, 0) + self.original
        return _finish(msg, self.checksum)

    @classmethod
    def unpack(cls, data: bytes) -> "IcmpTimeExceeded":
        type_, code, ck = _head(data, "time exceeded")
        if type_ != TIME_EXCEEDED:
            raise DecodeError(f"ICMP: type {type_} is not time exceeded")
        if any(data[4:8]):
            raise DecodeError("ICMP time exceeded: unused bits set (RFC 4884?)")
        return cls(code, bytes(data[8:]), ck)

    def _fields(self):
        return (self.code, bytes(self.original))

    def __repr__(self) -> str:
        ck = "" if self.checksum is None else f", checksum={self.checksum:#06x}"
        return f"IcmpTimeExceeded(code={self.code}, original={short_bytes(self.original)}{ck})"


class IcmpMessage(_Icmp):
    """Any other ICMP message: type, code, the 4-byte rest of header, and data."""

    __slots__ = ("type", "code", "rest", "data", "checksum")

    def __init__(self, type: int, code: int, rest: bytes, data: bytes, checksum=None):
        if len(rest) != 4:
            raise ValueError(f"IcmpMessage: rest of header must be 4 bytes, got {len(rest)}")
        self.type = type
        self.code = code
        self.rest = rest
        self.data = data
        self.checksum = checksum

    def __len__(self) -> int:
        return 8 + len(self.data)

    def pack(self, src=None, dst=None) -> bytes:
        msg = _HEAD.pack(self.type, self.code, 0) + bytes(self.rest) + self.data
        return _finish(msg, self.checksum)

    @classmethod
    def unpack(cls, data: bytes) -> "IcmpMessage":
        type_, code, ck = _head(data, "message")
        return cls(type_, code, bytes(data[4:8]), bytes(data[8:]), ck)

    def quoted(self) -> QuotedPacket:
        """For error types (3, 4, 5, 11, 12), decode the quoted datagram in ``data``."""
        return parse_quote(self.data)

    def _fields(self):
        return (self.type, self.code, bytes(self.rest), bytes(self.data))

    def __repr__(self) -> str:
        ck = "" if self.checksum is None else f", checksum={self.checksum:#06x}"
        return (f"IcmpMessage(type={self.type}, code={self.code}, rest={bytes(self.rest)!r}, "
                f"data={short_bytes(self.data)}{ck})")


def unpack_icmp(data: bytes):
    """Decode an ICMP message into the most specific class that packs it back
    identically: IcmpEcho, IcmpDestUnreachable, IcmpTimeExceeded or IcmpMessage."""
    type_, code, _ = _head(data, "message")
    if type_ == ECHO_REQUEST or type_ == ECHO_REPLY:
        if code == 0:
            return IcmpEcho.unpack(data)
    elif type_ == DEST_UNREACHABLE:
        if not (data[4] or data[5]):
            return IcmpDestUnreachable.unpack(data)
    elif type_ == TIME_EXCEEDED:
        if not any(data[4:8]):
            return IcmpTimeExceeded.unpack(data)
    return IcmpMessage.unpack(data)
