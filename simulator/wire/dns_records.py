"""DNS resource records (RFC 1035 §3.2, §3.3, §4.1.3).

Record data types: A, AAAA (RFC 3596), NS, CNAME, SOA, PTR, MX, TXT; any other type
(or A/AAAA outside class IN) is kept as raw bytes, :class:`UnknownRdata` (RFC 3597).
Names and the message cursor (:class:`Reader`, :class:`Writer`) are in ``dns_name``.
"""

import struct
from ipaddress import IPv4Address, IPv6Address

from .dns_name import ROOT, Name, Reader, Writer
from .errors import DecodeError

__all__ = ["Name", "ROOT", "ResourceRecord", "Rdata", "A", "AAAA", "NS", "CNAME", "PTR",
           "MX", "TXT", "SOA", "UnknownRdata", "Reader", "Writer", "type_text", "class_text",
           "TYPE_A", "TYPE_NS", "TYPE_CNAME", "TYPE_SOA", "TYPE_PTR", "TYPE_MX", "TYPE_TXT",
           "TYPE_AAAA", "TYPE_OPT", "TYPE_ANY", "CLASS_IN", "CLASS_CH", "CLASS_ANY",
           "TYPE_VALUES", "rdata_class", "type_info"]

TYPE_A, TYPE_NS, TYPE_CNAME, TYPE_SOA, TYPE_PTR, TYPE_MX, TYPE_TXT = 1, 2, 5, 6, 12, 15, 16
TYPE_AAAA, TYPE_OPT, TYPE_ANY = 28, 41, 255
CLASS_IN, CLASS_CH, CLASS_HS, CLASS_ANY = 1, 3, 4, 255

_TYPE_NAMES = {TYPE_A: "A", TYPE_NS: "NS", TYPE_CNAME: "CNAME", TYPE_SOA: "SOA",
               TYPE_PTR: "PTR", TYPE_MX: "MX", TYPE_TXT: "TXT", TYPE_AAAA: "AAAA",
               TYPE_OPT: "OPT", 252: "AXFR", TYPE_ANY: "ANY"}
TYPE_VALUES = {name: value for value, name in _TYPE_NAMES.items()}
_CLASS_NAMES = {CLASS_IN: "IN", CLASS_CH: "CH", CLASS_HS: "HS", CLASS_ANY: "ANY"}


def type_text(rtype: int) -> str:
    """The mnemonic for a type, ``TYPE65534`` for one without (RFC 3597 §5)."""
    return _TYPE_NAMES.get(rtype) or f"TYPE{rtype}"


def type_code(text: str) -> int:
    """The type a mnemonic (``A``, ``mx``) or ``TYPE65534`` names; ValueError if none."""
    upper = str(text).upper()
    if upper in TYPE_VALUES:
        return TYPE_VALUES[upper]
    if upper.startswith("TYPE") and upper[4:].isdigit() and int(upper[4:]) < 65536:
        return int(upper[4:])
    raise ValueError(f"unknown record type {text!r} (A, AAAA, NS, CNAME, SOA, PTR, MX, TXT, "
                     "ANY or TYPEnnn)")


def type_info(rtype: int) -> str:
    """A type as Wireshark's Info column names it: ``Unknown (65534)`` without a name."""
    return _TYPE_NAMES.get(rtype) or f"Unknown ({rtype})"


def class_text(rclass: int) -> str:
    """The mnemonic for a class, ``CLASS42`` for one without (RFC 3597 §5)."""
    return _CLASS_NAMES.get(rclass) or f"CLASS{rclass}"


def _eq(a, b):
    return type(a) is type(b) and a._fields() == b._fields()


class Rdata:
    """Record data of one type. Subclasses give ``rtype``, ``_fields()``,
    ``pack_into(writer)``, ``unpack_from(reader, end)`` and ``text()`` (master-file
    form, RFC 1035 §5.1); ``info()`` is the part Wireshark's Info column shows."""

    __slots__ = ()
    rtype = 0

    def __eq__(self, other):
        return _eq(self, other) if isinstance(other, Rdata) else NotImplemented

    def __hash__(self):
        return hash((type(self), self._fields()))

    def info(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text()!r})"


class A(Rdata):
    """An IPv4 address (RFC 1035 §3.4.1)."""

    __slots__ = ("address",)
    rtype = TYPE_A

    def __init__(self, address):
        self.address = IPv4Address(address)

    def _fields(self):
        return (self.address,)

    def pack_into(self, w: Writer) -> None:
        w.buf += self.address.packed

    @classmethod
    def unpack_from(cls, r: Reader, end: int) -> "A":
        return cls(IPv4Address(r.take(4)))

    def text(self) -> str:
        return str(self.address)


class AAAA(Rdata):
    """An IPv6 address (RFC 3596 §2.2)."""

    __slots__ = ("address",)
    rtype = TYPE_AAAA

    def __init__(self, address):
        self.address = IPv6Address(address)

    def _fields(self):
        return (self.address,)

    def pack_into(self, w: Writer) -> None:
        w.buf += self.address.packed

    @classmethod
    def unpack_from(cls, r: Reader, end: int) -> "AAAA":
        return cls(IPv6Address(r.take(16)))

    def text(self) -> str:
        return str(self.address)


class _NameRdata(Rdata):
    """Rdata that is one domain name (NS, CNAME, PTR)."""

    __slots__ = ("target",)

    def __init__(self, target):
        self.target = Name.of(target)

    def _fields(self):
        return (self.target,)

    def pack_into(self, w: Writer) -> None:
        w.name(self.target)

    @classmethod
    def unpack_from(cls, r: Reader, end: int):
        return cls(r.name())

    def text(self) -> str:
        return str(self.target)

    def info(self) -> str:
        return self.target.info()


class NS(_NameRdata):
    """An authoritative name server for the owner (RFC 1035 §3.3.11)."""

    __slots__ = ()
    rtype = TYPE_NS


class CNAME(_NameRdata):
    """The canonical name for the owner, an alias (RFC 1035 §3.3.1)."""

    __slots__ = ()
    rtype = TYPE_CNAME


class PTR(_NameRdata):
    """A pointer to another name, as in ``in-addr.arpa`` (RFC 1035 §3.3.12)."""

    __slots__ = ()
    rtype = TYPE_PTR


class MX(Rdata):
    """A mail exchange and its preference (RFC 1035 §3.3.9)."""

    __slots__ = ("preference", "exchange")
    rtype = TYPE_MX
    _PREF = struct.Struct("!H")

    def __init__(self, preference: int, exchange):
        self.preference = preference
        self.exchange = Name.of(exchange)

    def _fields(self):
        return (self.preference, self.exchange)

    def pack_into(self, w: Writer) -> None:
        w.buf += self._PREF.pack(self.preference)
        w.name(self.exchange)

    @classmethod
    def unpack_from(cls, r: Reader, end: int) -> "MX":
        (preference,) = r.unpack(cls._PREF)
        return cls(preference, r.name())

    def text(self) -> str:
        return f"{self.preference} {self.exchange}"

    def info(self) -> str:
        return f"{self.preference} {self.exchange.info()}"


def _quoted(string: bytes) -> str:
    out = []
    for b in string:
        if b in b'"\\':
            out.append("\\" + chr(b))
        elif 0x20 <= b <= 0x7E:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return '"' + "".join(out) + '"'


class TXT(Rdata):
    """One or more character-strings of up to 255 octets each (RFC 1035 §3.3.14)."""

    __slots__ = ("strings",)
    rtype = TYPE_TXT

    def __init__(self, strings):
        if isinstance(strings, (str, bytes)):
            strings = (strings,)
        strings = tuple(s.encode() if isinstance(s, str) else bytes(s) for s in strings)
        if not strings or any(len(s) > 255 for s in strings):
            raise ValueError("TXT: one or more strings of at most 255 octets each")
        self.strings = strings

    def _fields(self):
        return self.strings

    def pack_into(self, w: Writer) -> None:
        for s in self.strings:
            w.buf.append(len(s))
            w.buf += s

    @classmethod
    def unpack_from(cls, r: Reader, end: int) -> "TXT":
        strings = []
        while r.pos < end:
            strings.append(r.take(r.take(1)[0]))
        if not strings:
            raise DecodeError(f"DNS: empty TXT rdata in {r.where}")
        return cls(strings)

    def text(self) -> str:
        return " ".join(_quoted(s) for s in self.strings)

    def info(self) -> str:
        return ""


class SOA(Rdata):
    """Start of a zone of authority (RFC 1035 §3.3.13); ``minimum`` is the negative
    caching TTL (RFC 2308 §4)."""

    __slots__ = ("mname", "rname", "serial", "refresh", "retry", "expire", "minimum")
    rtype = TYPE_SOA
    _TIMES = struct.Struct("!IIIII")

    def __init__(self, mname, rname, serial: int, refresh: int, retry: int, expire: int,
                 minimum: int):
        self.mname, self.rname = Name.of(mname), Name.of(rname)
        self.serial, self.refresh, self.retry = serial, refresh, retry
        self.expire, self.minimum = expire, minimum

    def _fields(self):
        return (self.mname, self.rname, self.serial, self.refresh, self.retry, self.expire,
                self.minimum)

    def pack_into(self, w: Writer) -> None:
        w.name(self.mname)
        w.name(self.rname)
        w.buf += self._TIMES.pack(self.serial, self.refresh, self.retry, self.expire,
                                  self.minimum)

    @classmethod
    def unpack_from(cls, r: Reader, end: int) -> "SOA":
        mname, rname = r.name(), r.name()
        return cls(mname, rname, *r.unpack(cls._TIMES))

    def text(self) -> str:
        return (f"{self.mname} {self.rname} {self.serial} {self.refresh} {self.retry} "
                f"{self.expire} {self.minimum}")

    def info(self) -> str:
        return self.mname.info()


class UnknownRdata(Rdata):
    """Rdata of a type this codec does not interpret, kept as bytes (RFC 3597)."""

    __slots__ = ("rtype", "data")

    def __init__(self, rtype: int, data: bytes):
        self.rtype = rtype
        self.data = bytes(data)

    def _fields(self):
        return (self.rtype, self.data)

    def pack_into(self, w: Writer) -> None:
        w.buf += self.data

    def text(self) -> str:
        """The generic form ``\\# 4 0a000001`` (RFC 3597 §5)."""
        return f"\\# {len(self.data)}" + (f" {self.data.hex()}" if self.data else "")

    def info(self) -> str:
        return ""


_KNOWN = {cls.rtype: cls for cls in (A, AAAA, NS, CNAME, PTR, MX, TXT, SOA)}
_CLASS_SPECIFIC = (TYPE_A, TYPE_AAAA)        # IN-only formats (RFC 3597 §4)


def rdata_class(rtype: int, rclass: int = CLASS_IN):
    """The Rdata class that decodes ``rtype`` in ``rclass``, or None (kept unknown)."""
    if rtype in _CLASS_SPECIFIC and rclass != CLASS_IN:
        return None
    return _KNOWN.get(rtype)


_RR_FIXED = struct.Struct("!HHIH")


class ResourceRecord:
    """A resource record (RFC 1035 §4.1.3): owner ``name``, ``ttl`` in seconds (one
    received with the top bit set decodes as 0, RFC 2181 §8), ``rdata`` (which gives
    ``rtype``) and ``rclass``."""

    __slots__ = ("name", "ttl", "rdata", "rclass")

    def __init__(self, name, ttl: int, rdata: Rdata, rclass: int = CLASS_IN):
        self.name = Name.of(name)
        self.ttl = ttl
        self.rdata = rdata
        self.rclass = rclass

    @property
    def rtype(self) -> int:
        return self.rdata.rtype

    def with_ttl(self, ttl: int) -> "ResourceRecord":
        return ResourceRecord(self.name, ttl, self.rdata, self.rclass)

    def _fields(self):
        return (self.name, self.ttl, self.rdata, self.rclass)

    def __eq__(self, other):
        return _eq(self, other) if isinstance(other, ResourceRecord) else NotImplemented

    def __hash__(self):
        return hash(self._fields())

    def pack_into(self, w: Writer) -> None:
        w.name(self.name)
        start = len(w.buf)
        w.buf += _RR_FIXED.pack(self.rtype, self.rclass, self.ttl, 0)
        self.rdata.pack_into(w)
        rdlength = len(w.buf) - start - _RR_FIXED.size
        if rdlength > 0xFFFF:
            raise ValueError(f"DNS: rdata of {rdlength} bytes > 65535")
        w.buf[start + 8:start + 10] = rdlength.to_bytes(2, "big")

    @classmethod
    def unpack_from(cls, r: Reader) -> "ResourceRecord":
        name = r.name()
        rtype, rclass, ttl, rdlength = r.unpack(_RR_FIXED)
        if ttl & 0x80000000 and rtype != TYPE_OPT:
            ttl = 0                                 # RFC 2181 §8
        r.need(rdlength)
        end = r.pos + rdlength
        decoder = rdata_class(rtype, rclass)
        if decoder is None:
            return cls(name, ttl, UnknownRdata(rtype, r.take(rdlength)), rclass)
        rdata = decoder.unpack_from(r, end)
        if r.pos != end:
            raise DecodeError(f"DNS: {type_text(rtype)} rdata in {r.where} is "
                              f"{r.pos - end + rdlength} bytes, RDLENGTH says {rdlength}")
        return cls(name, ttl, rdata, rclass)

    def text(self) -> str:
        """Master-file line, tab separated as dig prints it (RFC 1035 §5.1)."""
        return (f"{self.name}\t{self.ttl}\t{class_text(self.rclass)}\t"
                f"{type_text(self.rtype)}\t{self.rdata.text()}")

    def info(self) -> str:
        """Wireshark's Info fragment: ``A 93.184.216.34``."""
        data = self.rdata.info()
        return f"{type_info(self.rtype)} {data}" if data else type_info(self.rtype)

    def __repr__(self) -> str:
        return f"ResourceRecord({self.text()!r})"
