"""DNS domain names (RFC 1035 §3.1, §2.3.1) and their wire codec with message
compression (RFC 1035 §4.1.4).

:class:`Name` is a domain name as its labels (bytes); it compares and hashes without
regard to ASCII case (RFC 4343) and prints in master-file form (RFC 1035 §5.1).
:class:`Reader` and :class:`Writer` are the codec's cursor over a whole message.
"""

import struct

from .errors import DecodeError

__all__ = ["Name", "ROOT", "Reader", "Writer", "MAX_NAME_LEN", "MAX_LABEL_LEN"]

MAX_NAME_LEN = 255          # octets on the wire, length bytes and root included (§3.1)
MAX_LABEL_LEN = 63
_POINTER_LIMIT = 0x4000     # a 14-bit compression offset (§4.1.4)
_ESCAPED = frozenset(b'.\\"();@$')


def _label_text(label: bytes, escaped=_ESCAPED) -> str:
    out = []
    for b in label:
        if b in escaped:
            out.append("\\" + chr(b))
        elif 0x21 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return "".join(out)


def _parse_labels(text: str) -> tuple[list[bytes], bool]:
    """Master-file name text → (labels, ends in an unescaped dot); ``\\X`` and
    ``\\DDD`` escapes (RFC 1035 §5.1)."""
    labels, label, i, n = [], bytearray(), 0, len(text)
    dot = False
    while i < n:
        c = text[i]
        dot = c == "."
        if dot:
            if not label:
                raise ValueError(f"invalid domain name {text!r}: empty label")
            labels.append(bytes(label))
            label = bytearray()
        elif c == "\\":
            digits = text[i + 1:i + 4]
            if len(digits) == 3 and all(d in "0123456789" for d in digits):
                value = int(digits)
                if value > 255:
                    raise ValueError(f"invalid domain name {text!r}: escape \\{value} > 255")
                label.append(value)
                i += 3
            elif i + 1 < n:
                label += text[i + 1].encode("ascii", "strict")
                i += 1
            else:
                raise ValueError(f"invalid domain name {text!r}: ends in a backslash")
        elif c.isascii():
            label.append(ord(c))
        else:
            raise ValueError(f"invalid domain name {text!r}: non-ASCII character {c!r}")
        i += 1
    if label:
        labels.append(bytes(label))
    return labels, dot


class Name:
    """An absolute domain name (RFC 1035 §3.1): ``labels`` from the leftmost, root
    excluded. Equality, hashing and :meth:`is_subdomain` ignore ASCII case (RFC 4343);
    ``key`` is the lower-cased labels. ``str()`` is master-file text with the final dot."""

    __slots__ = ("labels", "key")

    def __init__(self, labels=()):
        labels = tuple(bytes(label) for label in labels)
        size = 1
        for label in labels:
            if not 0 < len(label) <= MAX_LABEL_LEN:
                raise ValueError(f"invalid domain name: label of {len(label)} octets "
                                 f"(1..{MAX_LABEL_LEN} allowed)")
            size += 1 + len(label)
        if size > MAX_NAME_LEN:
            raise ValueError(f"invalid domain name: {size} octets > {MAX_NAME_LEN}")
        self.labels = labels
        self.key = tuple(label.lower() for label in labels)

    @classmethod
    def from_text(cls, text: str, origin: "Name | None" = None) -> "Name":
        """Parse ``www.example.com.``; a name without the final dot is relative to
        ``origin`` (the root when None), and ``@`` is the origin itself (RFC 1035 §5.1)."""
        origin = origin if origin is not None else ROOT
        if text == "@":
            return origin
        if text == ".":
            return ROOT
        labels, absolute = _parse_labels(text)
        if not labels:
            raise ValueError("invalid domain name: empty")
        return cls(labels if absolute else labels + list(origin.labels))

    @classmethod
    def of(cls, value) -> "Name":
        """``value`` if it is a Name, else :meth:`from_text` of it (taken as absolute)."""
        return value if isinstance(value, Name) else cls.from_text(str(value))

    def __len__(self) -> int:
        """Octets on the wire, uncompressed."""
        return 1 + sum(1 + len(label) for label in self.labels)

    def __eq__(self, other):
        if not isinstance(other, Name):
            return NotImplemented
        return self.key == other.key

    def __hash__(self):
        return hash(self.key)

    def is_subdomain(self, other: "Name") -> bool:
        """True if this name is ``other`` or below it."""
        n = len(other.key)
        return n == 0 or self.key[-n:] == other.key

    def parent(self) -> "Name":
        """The name one label up; the root's parent is an error."""
        if not self.labels:
            raise ValueError("the root name has no parent")
        return Name(self.labels[1:])

    def __str__(self) -> str:
        if not self.labels:
            return "."
        return "".join(_label_text(label) + "." for label in self.labels)

    def info(self) -> str:
        """As Wireshark shows a name: no final dot and no escapes of printable
        characters, ``<Root>`` for the root."""
        if not self.labels:
            return "<Root>"
        return ".".join(_label_text(label, b"") for label in self.labels)

    def __repr__(self) -> str:
        return f"Name('{self}')"


ROOT = Name()


class Reader:
    """A cursor over a whole message (names may point anywhere before them).
    ``where`` names the part being read, for the DecodeError messages."""

    __slots__ = ("data", "pos", "where")

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.where = "header"

    def need(self, n: int) -> None:
        left = len(self.data) - self.pos
        if n > left:
            raise DecodeError(f"DNS: truncated {self.where}: {n} bytes needed at offset "
                              f"{self.pos}, {left} left")

    def take(self, n: int) -> bytes:
        self.need(n)
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def unpack(self, fmt: struct.Struct) -> tuple:
        self.need(fmt.size)
        self.pos += fmt.size
        return fmt.unpack_from(self.data, self.pos - fmt.size)

    def name(self) -> Name:
        """A possibly compressed name (RFC 1035 §4.1.4). Every pointer must go to an
        offset before the previous one (or before the name's start), which rules out
        forward pointers and loops."""
        data, end = self.data, len(self.data)
        pos = limit = self.pos
        labels, size, jumped = [], 1, False
        while True:
            if pos >= end:
                raise DecodeError(f"DNS: truncated name in {self.where} at offset {pos}")
            n = data[pos]
            if n == 0:
                pos += 1
                break
            kind = n & 0xC0
            if kind == 0xC0:
                if pos + 1 >= end:
                    raise DecodeError(f"DNS: truncated compression pointer in {self.where} "
                                      f"at offset {pos}")
                target = (n & 0x3F) << 8 | data[pos + 1]
                if target >= end:
                    raise DecodeError(f"DNS: compression pointer at offset {pos} in "
                                      f"{self.where} to offset {target}, outside the "
                                      f"{end}-byte message")
                if target >= pos and not jumped:
                    raise DecodeError(f"DNS: compression pointer at offset {pos} in "
                                      f"{self.where} points forward to offset {target}")
                if target >= limit:
                    raise DecodeError(f"DNS: compression pointer loop at offset {pos} in "
                                      f"{self.where} (to offset {target}, not before "
                                      f"offset {limit})")
                if not jumped:
                    self.pos, jumped = pos + 2, True
                pos = limit = target
                continue
            if kind:
                raise DecodeError(f"DNS: label length byte 0x{n:02x} at offset {pos} in "
                                  f"{self.where}: labels are at most 63 octets and the "
                                  f"extended label types are not supported (RFC 6891 §5)")
            if pos + 1 + n > end:
                raise DecodeError(f"DNS: truncated label in {self.where} at offset {pos}")
            size += 1 + n
            if size > MAX_NAME_LEN:
                raise DecodeError(f"DNS: name in {self.where} longer than {MAX_NAME_LEN} "
                                  f"octets")
            labels.append(data[pos + 1:pos + 1 + n])
            pos += 1 + n
        if not jumped:
            self.pos = pos
        return Name(labels)


class Writer:
    """A message being packed; :meth:`name` compresses against every name suffix
    written so far, case-insensitively as BIND and dnspython do (RFC 1035 §4.1.4)."""

    __slots__ = ("buf", "table")

    def __init__(self):
        self.buf = bytearray()
        self.table: dict[tuple, int] = {}

    def name(self, name: Name) -> None:
        buf, table, key = self.buf, self.table, name.key
        for i, label in enumerate(name.labels):
            offset = table.get(key[i:])
            if offset is not None:
                buf += (0xC000 | offset).to_bytes(2, "big")
                return
            if len(buf) < _POINTER_LIMIT:
                table[key[i:]] = len(buf)
            buf.append(len(label))
            buf += label
        buf.append(0)
