"""TCP segments (RFC 9293 §3.1; ECN bits RFC 3168 §6.1; options in tcp_options)."""

import struct

from ._fmt import short_bytes
from .checksum import ChecksummedHeader, internet_checksum, pseudo_header
from .errors import DecodeError
from .tcp_options import (MAX_OPTIONS_LEN, Eol, FastOpen, Mss, Nop, Sack, SackPermitted, Timestamps,
                          UnknownOption, WindowScale, pack_options, parse_options)

__all__ = ["TcpSegment", "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE", "NS",
           "HEADER_LEN", "flags_str",
           "Mss", "WindowScale", "SackPermitted", "Sack", "Timestamps", "Nop", "Eol",
           "FastOpen", "UnknownOption"]

# Control bits (RFC 9293 §3.1; ECE/CWR RFC 3168; NS RFC 3540, renamed AE by AccECN).
FIN = 0x01
SYN = 0x02
RST = 0x04
PSH = 0x08
ACK = 0x10
URG = 0x20
ECE = 0x40
CWR = 0x80
AE = NS = 0x100
_FLAG_NAMES = ((FIN, "FIN"), (SYN, "SYN"), (RST, "RST"), (PSH, "PSH"), (ACK, "ACK"),
               (URG, "URG"), (ECE, "ECE"), (CWR, "CWR"), (AE, "AE"),
               (0x200, "Reserved"), (0x400, "Reserved"), (0x800, "Reserved"))

HEADER_LEN = 20
_PROTO_TCP = 6
_HEADER = struct.Struct("!HHIIHHHH")
_EOL = Eol()

_FIELDS = ("src_port", "dst_port", "seq", "ack", "flags", "window", "payload", "options",
           "urgent", "checksum")


def flags_str(flags: int) -> str:
    """Wireshark's flag list: ``SYN, ACK`` (``<None>`` when no bit is set)."""
    names = [name for bit, name in _FLAG_NAMES if flags & bit]
    return ", ".join(names) if names else "<None>"


class TcpSegment(ChecksummedHeader):
    """A TCP segment (RFC 9293 §3.1 "Header Format").

    ``flags`` holds the 12 bits after the data offset (4 reserved bits incl. AE,
    then CWR..FIN). ``options`` is a sequence of option objects; the data offset
    (``header_len``) follows from them, padded to 4 bytes. An unaligned option list
    that does not end with :class:`Eol` gets one appended, since the first padding
    byte reads back as End of Option List. ``checksum=None`` means compute on pack.
    """

    __slots__ = _FIELDS + ("header_len",)

    def __init__(self, src_port: int, dst_port: int, seq: int, ack: int, flags: int,
                 window: int, payload: bytes = b"", options=(), urgent: int = 0,
                 checksum=None):
        self.src_port = src_port
        self.dst_port = dst_port
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.window = window
        self.payload = payload
        self.urgent = urgent
        self.checksum = checksum
        if options:
            if type(options) is not tuple:
                options = tuple(options)
            olen = 0
            eol = False
            for opt in options:
                if eol:
                    raise ValueError("TcpSegment: options after Eol would be lost")
                eol = type(opt) is Eol
                olen += len(opt)
            if olen & 3:
                if type(options[-1]) is not Eol:
                    options += (_EOL,)
                olen = (olen + 3) & ~3
            if olen > MAX_OPTIONS_LEN:
                raise ValueError(f"TcpSegment: options take {olen} bytes > 40")
            self.options = options
            self.header_len = HEADER_LEN + olen
        else:
            self.options = ()
            self.header_len = HEADER_LEN

    def __len__(self) -> int:
        return self.header_len + len(self.payload)

    def replace(self, **fields) -> "TcpSegment":
        """A copy with ``fields`` changed and the checksum reset to None (unless given)."""
        unknown = fields.keys() - _FIELD_SET
        if unknown:
            raise TypeError(f"TcpSegment.replace: unknown field(s) {sorted(unknown)}")
        args = {name: getattr(self, name) for name in _FIELDS}
        args["checksum"] = None
        args.update(fields)
        return TcpSegment(**args)

    def option(self, cls):
        """The first option of class ``cls`` (e.g. ``Mss``), or None."""
        for opt in self.options:
            if type(opt) is cls:
                return opt
        return None

    def pack(self, src_ip=None, dst_ip=None) -> bytes:
        """Header + options + payload; addresses needed only when the checksum is None."""
        head = _HEADER.pack(self.src_port, self.dst_port, self.seq, self.ack,
                            (self.header_len << 10) | (self.flags & 0x0FFF), self.window,
                            0, self.urgent)
        if self.options:
            head += pack_options(self.options)
        ck = self.checksum
        if ck is None:
            if src_ip is None or dst_ip is None:
                raise ValueError("TcpSegment.pack: src_ip and dst_ip are needed for the checksum")
            length = len(head) + len(self.payload)
            ck = internet_checksum(pseudo_header(src_ip, dst_ip, _PROTO_TCP, length)
                                   + head + self.payload)
        return head[:16] + ck.to_bytes(2, "big") + head[18:] + self.payload

    @classmethod
    def unpack(cls, data: bytes) -> "TcpSegment":
        """Decode a segment: header, options (see ``parse_options``), payload."""
        n = len(data)
        if n < HEADER_LEN:
            raise DecodeError(f"TCP: truncated header ({n} bytes < 20)")
        sport, dport, seq, ack, off_flags, window, ck, urgent = _HEADER.unpack_from(data)
        hlen = (off_flags >> 12) << 2
        if hlen < HEADER_LEN:
            raise DecodeError(f"TCP: data offset {hlen >> 2} < 5")
        if hlen > n:
            raise DecodeError(f"TCP: header length {hlen} > {n} bytes available")
        options = parse_options(data[HEADER_LEN:hlen]) if hlen > HEADER_LEN else ()
        return cls(sport, dport, seq, ack, off_flags & 0x0FFF, window, bytes(data[hlen:]),
                   options, urgent, ck)

    def verify_checksum(self, src_ip, dst_ip) -> bool:
        """True if the checksum is right (always when it is still None)."""
        if self.checksum is None:
            return True
        return internet_checksum(pseudo_header(src_ip, dst_ip, _PROTO_TCP, len(self))
                                 + self.pack()) == 0

    def _fields(self):
        return (self.src_port, self.dst_port, self.seq, self.ack, self.flags, self.window,
                bytes(self.payload), self.options, self.urgent)

    def __repr__(self) -> str:
        parts = [f"{self.src_port} → {self.dst_port}", f"[{flags_str(self.flags)}]",
                 f"seq={self.seq}", f"ack={self.ack}", f"window={self.window}"]
        if self.options:
            parts.append(f"options={list(self.options)!r}")
        if self.urgent:
            parts.append(f"urgent={self.urgent}")
        if self.payload:
            parts.append(f"payload={short_bytes(self.payload)}")
        if self.checksum is not None:
            parts.append(f"checksum={self.checksum:#06x}")
        return f"TcpSegment({', '.join(parts)})"

    def info(self) -> str:
        """Wireshark style: ``50000 → 80 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 ...``
        (raw sequence numbers, unscaled window)."""
        f = self.flags
        out = f"{self.src_port} → {self.dst_port} [{flags_str(f)}] Seq={self.seq}"
        if f & ACK:
            out += f" Ack={self.ack}"
        out += f" Win={self.window}"
        if f & URG:
            out += f" Urg={self.urgent}"
        out += f" Len={len(self.payload)}"
        for opt in self.options:
            text = opt.info()
            if text:
                out += " " + text
        return out


_FIELD_SET = frozenset(_FIELDS)
