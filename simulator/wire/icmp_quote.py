"""Decoding the datagram an ICMP error quotes (RFC 792; RFC 1812 §4.3.2.3).

An ICMP error carries the offending datagram's IP header and at least its first
64 bits of data: enough for the ports of UDP/TCP (and TCP's sequence number,
RFC 5927 §4.1) or the id/seq of an ICMP echo, so a host can hand the error to
the socket (or ping/traceroute probe) it concerns.
"""

import struct
from ipaddress import IPv4Address
from typing import NamedTuple, Optional

from .errors import DecodeError

__all__ = ["QuotedPacket", "parse_quote"]

_HEADER = struct.Struct("!BBHHHBBH4s4s")
_ECHO_TYPES = (0, 8, 13, 14, 15, 16, 17, 18)  # types whose rest-of-header is id/seq


class QuotedPacket(NamedTuple):
    """What could be read from a quoted datagram; L4 fields are None when absent
    (not quoted, not UDP/TCP/ICMP, or a non-first fragment)."""

    src: IPv4Address
    dst: IPv4Address
    protocol: int
    identification: int
    ttl: int
    total_len: int  # of the original datagram, not of the quote
    df: bool
    mf: bool
    frag_offset: int
    src_port: Optional[int] = None   # UDP/TCP
    dst_port: Optional[int] = None   # UDP/TCP
    seq: Optional[int] = None        # TCP sequence number, or ICMP echo sequence
    ident: Optional[int] = None      # ICMP echo identifier
    icmp_type: Optional[int] = None
    icmp_code: Optional[int] = None


def parse_quote(original: bytes) -> QuotedPacket:
    """Best-effort decode of an ICMP error's quoted datagram.

    Needs a whole IPv4 header (else :class:`DecodeError`); the quote is shorter
    than the original's total length, so that field is not checked.
    """
    n = len(original)
    if n < 20:
        raise DecodeError(f"ICMP quote: truncated IPv4 header ({n} bytes < 20)")
    (ver_ihl, _tos, total, ident, flags, ttl, proto, _ck,
     src, dst) = _HEADER.unpack_from(original)
    if ver_ihl >> 4 != 4:
        raise DecodeError(f"ICMP quote: IP version {ver_ihl >> 4}, expected 4")
    hlen = (ver_ihl & 0x0F) << 2
    if hlen < 20 or hlen > n:
        raise DecodeError(f"ICMP quote: bad IHL {hlen >> 2} for {n} quoted bytes")
    offset = flags & 0x1FFF
    fields = dict(src=IPv4Address(src), dst=IPv4Address(dst), protocol=proto,
                  identification=ident, ttl=ttl, total_len=total, df=bool(flags & 0x4000),
                  mf=bool(flags & 0x2000), frag_offset=offset)
    l4 = original[hlen:]
    if offset == 0:
        if proto in (6, 17) and len(l4) >= 4:
            fields["src_port"], fields["dst_port"] = struct.unpack_from("!HH", l4)
            if proto == 6 and len(l4) >= 8:
                fields["seq"] = int.from_bytes(l4[4:8], "big")
        elif proto == 1 and len(l4) >= 2:
            fields["icmp_type"], fields["icmp_code"] = l4[0], l4[1]
            if l4[0] in _ECHO_TYPES and len(l4) >= 8:
                fields["ident"], fields["seq"] = struct.unpack_from("!HH", l4, 4)
    return QuotedPacket(**fields)
