"""TCP options (RFC 9293 §3.1-3.2; window scale and timestamps RFC 7323;
SACK RFC 2018; TCP Fast Open RFC 7413).

Each option is a small immutable object with ``kind``, ``len()``, ``pack()`` and
``unpack(data)`` (the option's whole bytes). :func:`pack_options` zero-pads a
list to a multiple of 4 bytes; :func:`parse_options` reads it back, stopping at
End of Option List (kept in the list; the zeros after it are padding).
"""

import struct

from .errors import DecodeError

__all__ = ["TcpOption", "Eol", "Nop", "Mss", "WindowScale", "SackPermitted", "Sack",
           "Timestamps", "FastOpen", "UnknownOption", "pack_options", "parse_options", "options_len",
           "MAX_OPTIONS_LEN"]

MAX_OPTIONS_LEN = 40  # data offset ≤ 15 words (RFC 9293 §3.1)


class TcpOption:
    """Base: equality/hash over ``_fields()``, ``unpack`` checks kind and length."""

    __slots__ = ()
    kind = -1

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash((self.kind,) + self._fields())

    def _fields(self):
        return ()

    @classmethod
    def unpack(cls, data: bytes) -> "TcpOption":
        """Decode exactly one option of this class from its bytes."""
        opts = parse_options(data)
        if len(opts) != 1 or type(opts[0]) is not cls or len(opts[0]) != len(data):
            raise DecodeError(f"TCP option: {bytes(data).hex()} is not one {cls.__name__}")
        return opts[0]


class Eol(TcpOption):
    """End of Option List, kind 0 (RFC 9293 §3.2)."""

    __slots__ = ()
    kind = 0

    def __len__(self):
        return 1

    def pack(self) -> bytes:
        return b"\x00"

    def __repr__(self):
        return "Eol()"

    def info(self):
        return ""


class Nop(TcpOption):
    """No-Operation, kind 1 (RFC 9293 §3.2)."""

    __slots__ = ()
    kind = 1

    def __len__(self):
        return 1

    def pack(self) -> bytes:
        return b"\x01"

    def __repr__(self):
        return "Nop()"

    def info(self):
        return ""


class Mss(TcpOption):
    """Maximum Segment Size, kind 2, length 4 (RFC 9293 §3.7.1)."""

    __slots__ = ("value",)
    kind = 2

    def __init__(self, value: int):
        self.value = value

    def __len__(self):
        return 4

    def pack(self) -> bytes:
        return b"\x02\x04" + self.value.to_bytes(2, "big")

    def _fields(self):
        return (self.value,)

    def __repr__(self):
        return f"Mss({self.value})"

    def info(self):
        return f"MSS={self.value}"


class WindowScale(TcpOption):
    """Window Scale, kind 3, length 3: shift count (RFC 7323 §2.2)."""

    __slots__ = ("shift",)
    kind = 3

    def __init__(self, shift: int):
        self.shift = shift

    def __len__(self):
        return 3

    def pack(self) -> bytes:
        return bytes((3, 3, self.shift))

    def _fields(self):
        return (self.shift,)

    def __repr__(self):
        return f"WindowScale({self.shift})"

    def info(self):
        return f"WS={1 << min(self.shift, 14)}"  # Wireshark shows the multiplier


class SackPermitted(TcpOption):
    """SACK-Permitted, kind 4, length 2 (RFC 2018 §2)."""

    __slots__ = ()
    kind = 4

    def __len__(self):
        return 2

    def pack(self) -> bytes:
        return b"\x04\x02"

    def __repr__(self):
        return "SackPermitted()"

    def info(self):
        return "SACK_PERM"


class Sack(TcpOption):
    """SACK, kind 5, length 2 + 8n: (left edge, right edge) blocks (RFC 2018 §3)."""

    __slots__ = ("blocks",)
    kind = 5

    def __init__(self, blocks):
        self.blocks = tuple(tuple(b) for b in blocks)

    def __len__(self):
        return 2 + 8 * len(self.blocks)

    def pack(self) -> bytes:
        out = bytes((5, 2 + 8 * len(self.blocks)))
        for left, right in self.blocks:
            out += left.to_bytes(4, "big") + right.to_bytes(4, "big")
        return out

    def _fields(self):
        return (self.blocks,)

    def __repr__(self):
        return f"Sack({list(self.blocks)!r})"

    def info(self):
        return " ".join(f"SLE={left} SRE={right}" for left, right in self.blocks)


class Timestamps(TcpOption):
    """Timestamps, kind 8, length 10: TSval, TSecr (RFC 7323 §3.2)."""

    __slots__ = ("tsval", "tsecr")
    kind = 8

    def __init__(self, tsval: int, tsecr: int):
        self.tsval = tsval
        self.tsecr = tsecr

    def __len__(self):
        return 10

    def pack(self) -> bytes:
        return b"\x08\x0a" + self.tsval.to_bytes(4, "big") + self.tsecr.to_bytes(4, "big")

    def _fields(self):
        return (self.tsval, self.tsecr)

    def __repr__(self):
        return f"Timestamps(tsval={self.tsval}, tsecr={self.tsecr})"

    def info(self):
        return f"TSval={self.tsval} TSecr={self.tsecr}"


class FastOpen(TcpOption):
    """TCP Fast Open cookie, kind 34, length 2 + cookie (RFC 7413 §4.1.1); an empty
    cookie is a cookie request. ``experimental``: the pre-RFC form, kind 254 with
    the magic 0xF989 before the cookie (RFC 6994, Linux ``TCPOPT_EXP``)."""

    __slots__ = ("cookie", "experimental")
    kind = 34

    def __init__(self, cookie: bytes = b"", experimental: bool = False):
        self.cookie = bytes(cookie)
        self.experimental = experimental

    def __len__(self):
        return (4 if self.experimental else 2) + len(self.cookie)

    def pack(self) -> bytes:
        if self.experimental:
            return bytes((254, 4 + len(self.cookie))) + FASTOPEN_MAGIC + self.cookie
        return bytes((34, 2 + len(self.cookie))) + self.cookie

    def _fields(self):
        return (self.cookie, self.experimental)

    def __repr__(self):
        exp = ", experimental=True" if self.experimental else ""
        return f"FastOpen({self.cookie!r}{exp})"

    def info(self):
        return "TFO=C" if self.cookie else "TFO=R"     # Wireshark: cookie / request


class UnknownOption(TcpOption):
    """Any other option: kind, then length (2 + len(data)), then data (RFC 9293 §3.1)."""

    __slots__ = ("kind", "data")

    def __init__(self, kind: int, data: bytes = b""):
        if kind in _KNOWN_KINDS or not 0 <= kind <= 255 or len(data) > 253:
            raise ValueError(f"UnknownOption({kind}, <{len(data)} bytes>): kind is known "
                             "or out of range, or data too long")
        self.kind = kind
        self.data = data

    def __len__(self):
        return 2 + len(self.data)

    def pack(self) -> bytes:
        return bytes((self.kind, 2 + len(self.data))) + self.data

    def _fields(self):
        return (self.kind, bytes(self.data))

    def __hash__(self):
        return hash(("unknown",) + self._fields())

    def __repr__(self):
        return f"UnknownOption({self.kind}, {bytes(self.data)!r})"

    def info(self):
        return ""


_KNOWN_KINDS = frozenset((0, 1, 2, 3, 4, 5, 8, 34))
FASTOPEN_MAGIC = b"\xf9\x89"     # RFC 7413 §4.1.1: the experimental option's ExID
_EOL = Eol()
_NOP = Nop()
_FIXED_LEN = {2: 4, 3: 3, 4: 2, 8: 10}  # kind → the only valid length


def _decode(kind: int, body: bytes) -> TcpOption:
    if kind == 2:
        return Mss(int.from_bytes(body, "big"))
    if kind == 3:
        return WindowScale(body[0])
    if kind == 4:
        return SackPermitted()
    if kind == 8:
        return Timestamps(*struct.unpack("!II", body))
    if kind == 5:
        return Sack(struct.unpack_from("!II", body, i) for i in range(0, len(body), 8))
    if kind == 34:
        return FastOpen(body)
    if kind == 254 and body[:2] == FASTOPEN_MAGIC:
        return FastOpen(body[2:], experimental=True)
    return UnknownOption(kind, bytes(body))


def parse_options(data: bytes) -> tuple:
    """Decode the options area of a TCP header.

    Stops at End of Option List (returned as ``Eol()``); what follows it is
    padding. A length byte that is missing, < 2, past the end, or wrong for a
    known kind (MSS 4, WS 3, SACK-Permitted 2, SACK 10/18/26/34, TS 10) raises
    :class:`DecodeError`.
    """
    opts = []
    i, n = 0, len(data)
    while i < n:
        kind = data[i]
        if kind == 0:
            opts.append(_EOL)
            break
        if kind == 1:
            opts.append(_NOP)
            i += 1
            continue
        if i + 1 >= n:
            raise DecodeError(f"TCP option kind {kind}: missing length byte")
        length = data[i + 1]
        if length < 2:
            raise DecodeError(f"TCP option kind {kind}: length {length} < 2")
        if i + length > n:
            raise DecodeError(f"TCP option kind {kind}: length {length} runs past the "
                              f"options ({n - i} bytes left)")
        want = _FIXED_LEN.get(kind)
        if (want is not None and length != want) or (
                kind == 5 and (length < 10 or (length - 2) % 8)):
            raise DecodeError(f"TCP option kind {kind}: bad length {length}")
        opts.append(_decode(kind, data[i + 2:i + length]))
        i += length
    return tuple(opts)


def options_len(options) -> int:
    """Length of the options area once padded to a multiple of 4."""
    n = sum(len(o) for o in options)
    return (n + 3) & ~3


def pack_options(options) -> bytes:
    """Concatenate the options and zero-pad to a multiple of 4 bytes (RFC 9293 §3.1)."""
    out = b"".join(o.pack() for o in options)
    if len(out) & 3:
        out += bytes(4 - (len(out) & 3))
    return out
