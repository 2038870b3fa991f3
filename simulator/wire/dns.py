"""DNS messages (RFC 1035 §4.1) with EDNS(0) (RFC 6891) and TCP framing (RFC 1035
§4.2.2, RFC 7766 §8).

A UDP datagram's payload stays bytes (wire/udp.py does not look at ports); the DNS
apps call :meth:`Message.unpack` and :meth:`Message.pack` themselves. Names and
records are in ``dns_records``; the OPT pseudo-record is not kept among the
additional records but as the message's :class:`Edns`, and the extended RCODE bits
it carries are merged into :attr:`Message.rcode` (RFC 6891 §6.1.3).
"""

import struct

from .dns_records import (CLASS_IN, ROOT, TYPE_OPT, Name, Reader, ResourceRecord, Writer,
                          class_text, type_info, type_text)
from .errors import DecodeError

__all__ = ["Message", "Question", "Edns", "TcpFramer", "frame_tcp", "dns_info", "rcode_text", "opcode_text",
           "OPCODE_QUERY", "OPCODE_IQUERY", "OPCODE_STATUS", "OPCODE_NOTIFY",
           "OPCODE_UPDATE", "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
           "REFUSED", "BADVERS", "HEADER_LEN", "UDP_LIMIT", "PORT"]

PORT = 53
HEADER_LEN = 12
UDP_LIMIT = 512            # without EDNS0 (RFC 1035 §4.2.1)

OPCODE_QUERY, OPCODE_IQUERY, OPCODE_STATUS, OPCODE_NOTIFY, OPCODE_UPDATE = 0, 1, 2, 4, 5
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = range(6)
BADVERS = 16               # RFC 6891 §6.1.3, needs EDNS

# dig's names (BIND's dns_rcode_totext) and Wireshark's (packet-dns.c rcode_vals).
_RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
                5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH",
                10: "NOTZONE", 16: "BADVERS"}
_RCODE_INFO = {1: "Format error", 2: "Server failure", 3: "No such name",
               4: "Not implemented", 5: "Refused", 6: "Name exists", 7: "RRset exists",
               8: "RRset does not exist", 9: "Not authoritative", 10: "Name out of zone",
               16: "Bad OPT Version or TSIG Signature Failure"}
_OPCODE_NAMES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
_OPCODE_INFO = {0: "Standard query", 1: "Inverse query", 2: "Server status request",
                4: "Zone change notification", 5: "Dynamic update"}

# Header flag bits (RFC 1035 §4.1.1; AD and CD RFC 4035 §3.2)
_QR, _AA, _TC, _RD, _RA, _Z, _AD, _CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x80, 0x40, 0x20, 0x10
_DO = 0x8000               # in the OPT TTL's low 16 bits (RFC 3225)
_HEADER = struct.Struct("!HHHHHH")
_QUESTION = struct.Struct("!HH")
_OPT_FIXED = struct.Struct("!HHIH")
_OPTION = struct.Struct("!HH")


def rcode_text(rcode: int) -> str:
    """dig's status word for an RCODE (``NXDOMAIN``), ``RESERVED12`` without one."""
    return _RCODE_NAMES.get(rcode) or f"RESERVED{rcode}"


def opcode_text(opcode: int) -> str:
    return _OPCODE_NAMES.get(opcode) or f"RESERVED{opcode}"


class Question:
    """An entry of the question section (RFC 1035 §4.1.2)."""

    __slots__ = ("name", "qtype", "qclass")

    def __init__(self, name, qtype: int, qclass: int = CLASS_IN):
        self.name = Name.of(name)
        self.qtype = qtype
        self.qclass = qclass

    def _fields(self):
        return (self.name, self.qtype, self.qclass)

    def __eq__(self, other):
        if type(other) is not Question:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def text(self) -> str:
        """dig's line: ``;www.example.com.\\t\\tIN\\tA``."""
        return f";{self.name}\t\t{class_text(self.qclass)}\t{type_text(self.qtype)}"

    def info(self) -> str:
        return f"{type_info(self.qtype)} {self.name.info()}"

    def __repr__(self) -> str:
        return f"Question({str(self.name)!r}, {type_text(self.qtype)})"


class Edns:
    """The OPT pseudo-record's content (RFC 6891 §6.1): the requestor's UDP payload
    size, the EDNS version, the DO bit (RFC 3225), the other flag bits ``z`` and the
    options as ``(code, bytes)`` pairs. The extended RCODE is in Message.rcode."""

    __slots__ = ("payload_size", "version", "do", "z", "options")

    def __init__(self, payload_size: int = 1232, version: int = 0, do: bool = False,
                 z: int = 0, options=()):
        self.payload_size = payload_size
        self.version = version
        self.do = do
        self.z = z
        self.options = tuple((code, bytes(data)) for code, data in options)

    def _fields(self):
        return (self.payload_size, self.version, self.do, self.z, self.options)

    def __eq__(self, other):
        if type(other) is not Edns:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def pack_into(self, w: Writer, rcode: int) -> None:
        w.name(ROOT)
        rdata = b"".join(_OPTION.pack(code, len(data)) + data for code, data in self.options)
        ttl = (rcode >> 4) << 24 | self.version << 16 | (_DO if self.do else 0) | self.z
        w.buf += _OPT_FIXED.pack(TYPE_OPT, self.payload_size, ttl, len(rdata)) + rdata

    @classmethod
    def unpack_rr(cls, name: Name, payload_size: int, ttl: int, rdata: bytes):
        """(Edns, the upper 8 bits of the RCODE) from the OPT record's fields."""
        if name != ROOT:
            raise DecodeError(f"DNS: OPT record owned by {name}, not the root (RFC 6891 §6.1.2)")
        options, pos = [], 0
        while pos < len(rdata):
            if pos + 4 > len(rdata):
                raise DecodeError("DNS: truncated EDNS option header")
            code, length = _OPTION.unpack_from(rdata, pos)
            if pos + 4 + length > len(rdata):
                raise DecodeError(f"DNS: EDNS option {code} of {length} bytes overruns the "
                                  f"OPT rdata")
            options.append((code, rdata[pos + 4:pos + 4 + length]))
            pos += 4 + length
        edns = cls(payload_size, ttl >> 16 & 0xFF, bool(ttl & _DO), ttl & 0x7FFF, options)
        return edns, ttl >> 24

    def text(self) -> str:
        """dig's OPT PSEUDOSECTION line."""
        flags = " do" if self.do else ""
        return f"; EDNS: version: {self.version}, flags:{flags}; udp: {self.payload_size}"

    def __repr__(self) -> str:
        return f"Edns(udp={self.payload_size}, version={self.version}, do={self.do})"


_SECTIONS = ("answer", "authority", "additional")


class Message:
    """A DNS message (RFC 1035 §4.1): header fields, the four sections as lists, and
    ``edns`` (an :class:`Edns` or None). ``rcode`` is the full 12-bit value when EDNS
    is present (RFC 6891 §6.1.3), else 4 bits."""

    __slots__ = ("id", "qr", "opcode", "aa", "tc", "rd", "ra", "z", "ad", "cd", "rcode",
                 "questions", "answer", "authority", "additional", "edns")

    def __init__(self, id: int = 0, *, qr=False, opcode=OPCODE_QUERY, aa=False, tc=False,
                 rd=False, ra=False, z=False, ad=False, cd=False, rcode=NOERROR,
                 questions=(), answer=(), authority=(), additional=(), edns=None):
        self.id = id
        self.qr, self.opcode, self.aa, self.tc, self.rd, self.ra = qr, opcode, aa, tc, rd, ra
        self.z, self.ad, self.cd, self.rcode = z, ad, cd, rcode
        self.questions = list(questions)
        self.answer = list(answer)
        self.authority = list(authority)
        self.additional = list(additional)
        self.edns = edns

    @classmethod
    def query(cls, name, qtype: int, id: int = 0, rd: bool = True, edns=None,
              qclass: int = CLASS_IN) -> "Message":
        """A standard query with one question."""
        return cls(id, rd=rd, questions=[Question(name, qtype, qclass)], edns=edns)

    @classmethod
    def response_to(cls, query: "Message", rcode: int = NOERROR) -> "Message":
        """An empty response: ID, opcode, RD, CD and the question copied (RFC 1035
        §4.1.1; CD RFC 4035 §3.2.2)."""
        return cls(query.id, qr=True, opcode=query.opcode, rd=query.rd, cd=query.cd,
                   rcode=rcode, questions=query.questions)

    @property
    def question(self) -> Question | None:
        return self.questions[0] if self.questions else None

    def _flags(self) -> int:
        if self.rcode > 0xF and self.edns is None:
            raise ValueError(f"DNS: RCODE {self.rcode} needs EDNS (RFC 6891 §6.1.3)")
        return ((_QR if self.qr else 0) | (self.opcode & 0xF) << 11 | (_AA if self.aa else 0)
                | (_TC if self.tc else 0) | (_RD if self.rd else 0) | (_RA if self.ra else 0)
                | (_Z if self.z else 0) | (_AD if self.ad else 0) | (_CD if self.cd else 0)
                | (self.rcode & 0xF))

    def pack(self) -> bytes:
        w = Writer()
        extra = self.edns is not None
        w.buf += _HEADER.pack(self.id, self._flags(), len(self.questions), len(self.answer),
                              len(self.authority), len(self.additional) + extra)
        for q in self.questions:
            w.name(q.name)
            w.buf += _QUESTION.pack(q.qtype, q.qclass)
        for section in (self.answer, self.authority, self.additional):
            for rr in section:
                rr.pack_into(w)
        if extra:
            self.edns.pack_into(w, self.rcode)
        if len(w.buf) > 0xFFFF:
            raise ValueError(f"DNS: message of {len(w.buf)} bytes > 65535")
        return bytes(w.buf)

    def __len__(self) -> int:
        return len(self.pack())

    @classmethod
    def unpack(cls, data: bytes) -> "Message":
        """Decode a whole message; bytes after its last record are an error."""
        r = Reader(bytes(data))
        ident, flags, qdcount, ancount, nscount, arcount = r.unpack(_HEADER)
        m = cls(ident, qr=bool(flags & _QR), opcode=flags >> 11 & 0xF, aa=bool(flags & _AA),
                tc=bool(flags & _TC), rd=bool(flags & _RD), ra=bool(flags & _RA),
                z=bool(flags & _Z), ad=bool(flags & _AD), cd=bool(flags & _CD),
                rcode=flags & 0xF)
        for i in range(qdcount):
            r.where = f"question {i + 1} of {qdcount}"
            name = r.name()
            m.questions.append(Question(name, *r.unpack(_QUESTION)))
        for title, count, section in (("answer", ancount, m.answer),
                                      ("authority", nscount, m.authority),
                                      ("additional", arcount, m.additional)):
            for i in range(count):
                r.where = f"{title} record {i + 1} of {count}"
                rr = ResourceRecord.unpack_from(r)
                if rr.rtype == TYPE_OPT:
                    m._take_opt(title, rr)
                else:
                    section.append(rr)
        if r.pos != len(r.data):
            raise DecodeError(f"DNS: {len(r.data) - r.pos} bytes after the last record")
        return m

    def _take_opt(self, section: str, rr: ResourceRecord) -> None:
        """The OPT record: only one, only in the additional section (RFC 6891 §6.1.1)."""
        if section != "additional":
            raise DecodeError(f"DNS: OPT record in the {section} section")
        if self.edns is not None:
            raise DecodeError("DNS: more than one OPT record (RFC 6891 §6.1.1)")
        self.edns, high = Edns.unpack_rr(rr.name, rr.rclass, rr.ttl, rr.rdata.data)
        self.rcode |= high << 4

    def _fields(self):
        return (self.id, self.qr, self.opcode, self.aa, self.tc, self.rd, self.ra, self.z,
                self.ad, self.cd, self.rcode, tuple(self.questions), tuple(self.answer),
                tuple(self.authority), tuple(self.additional), self.edns)

    def __eq__(self, other):
        if type(other) is not Message:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None

    def flags_text(self) -> str:
        """dig's flag list: ``qr aa rd ra``."""
        names = ("qr", "aa", "tc", "rd", "ra", "ad", "cd")
        return " ".join(n for n in names if getattr(self, n))

    def info(self) -> str:
        """Wireshark's Info column: ``Standard query 0x1a2b A www.example.com`` and
        ``Standard query response 0x1a2b A www.example.com A 93.184.216.34``. Like
        Wireshark, it names the header's 4-bit RCODE only."""
        opcode = _OPCODE_INFO.get(self.opcode) or f"Unknown operation ({self.opcode})"
        parts = [opcode + (" response" if self.qr else ""), f"0x{self.id:04x}"]
        rcode = self.rcode & 0xF
        if self.qr and rcode:
            parts.append(_RCODE_INFO.get(rcode) or f"Unknown error ({rcode})")
        parts += [q.info() for q in self.questions]
        for section in (self.answer, self.authority, self.additional):
            parts += [rr.info() for rr in section]
        if self.edns is not None:
            parts.append("OPT")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"Message({self.info()!r})"


def frame_tcp(message: bytes) -> bytes:
    """A message as sent over TCP: a two-byte length, then the message (RFC 1035
    §4.2.2)."""
    return len(message).to_bytes(2, "big") + message


def dns_info(data: bytes) -> str | None:
    """Wireshark's Info column for the DNS message in ``data``; None if it does not
    decode (the carrier shows its own)."""
    try:
        return Message.unpack(data).info()
    except DecodeError:
        return None


class TcpFramer:
    """Collects a TCP byte stream and hands out whole messages' bytes (RFC 7766 §8)."""

    __slots__ = ("_buf",)

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """The messages completed by ``data``, in order."""
        self._buf += data
        out = []
        while len(self._buf) >= 2:
            length = int.from_bytes(self._buf[:2], "big")
            if len(self._buf) < 2 + length:
                break
            out.append(bytes(self._buf[2:2 + length]))
            del self._buf[:2 + length]
        return out
