"""Our DNS codec against dnspython, both ways: dnspython decodes every message we pack
to the same content, and we decode what dnspython packs to the same content; then
hypothesis: generated messages round-trip, and random or mutated bytes raise nothing
but DecodeError."""

from ipaddress import IPv6Address

import dns.edns
import dns.message
import dns.rrset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.wire.dns import Edns, Message, Question
from simulator.wire.dns_records import (AAAA, CNAME, MX, NS, PTR, ROOT, SOA, TXT, TYPE_AAAA, A,
                                        Name, ResourceRecord, UnknownRdata, class_text,
                                        type_text)
from simulator.wire.errors import DecodeError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rdata_text(rtype: int, text: str) -> str:
    """dnspython's rdata text, AAAA in Python's spelling and without the space it leaves
    after an empty RFC 3597 form (`\\# 0 `)."""
    return str(IPv6Address(text)) if rtype == TYPE_AAAA else text.rstrip()


def ours(m: Message):
    """Our message as plain values, comparable with :func:`theirs`."""
    def records(section):
        return [(str(rr.name), rr.ttl, rr.rclass, rr.rtype, rr.rdata.text()) for rr in section]
    edns = None
    if m.edns is not None:
        e = m.edns
        edns = (e.payload_size, e.version, (0x8000 if e.do else 0) | e.z, list(e.options))
    return (m.id, m._flags() & 0xFFF0, m.rcode,
            [(str(q.name), q.qtype, q.qclass) for q in m.questions],
            records(m.answer), records(m.authority), records(m.additional), edns)


def theirs(d: dns.message.Message):
    def records(section):
        return [(str(rrset.name), rrset.ttl, rrset.rdclass, rrset.rdtype,
                 rdata_text(rrset.rdtype, rd.to_text())) for rrset in section for rd in rrset]
    edns = None
    if d.edns >= 0:
        edns = (d.payload, d.edns, d.ednsflags & 0xFFFF,
                [(o.otype, o.to_wire()) for o in d.options])
    return (d.id, d.flags & 0xFFF0, d.rcode(),
            [(str(q.name), q.rdtype, q.rdclass) for q in d.question],
            records(d.answer), records(d.authority), records(d.additional), edns)


def decode_theirs(data: bytes):
    return dns.message.from_wire(data, one_rr_per_rrset=True)


# -- hand-written messages -----------------------------------------------------------

def sample_response():
    q = Message.query("www.example.com", 1, id=0x5EED, edns=Edns(1232, do=True))
    r = Message.response_to(q)
    r.aa = r.ra = True
    r.edns = Edns(4096, options=[(10, bytes(range(16)))])
    r.answer = [ResourceRecord("www.example.com", 300, CNAME("web.example.com")),
                ResourceRecord("web.example.com", 60, A("93.184.216.34")),
                ResourceRecord("web.example.com", 60, AAAA("2606:2800:220:1::248"))]
    r.authority = [ResourceRecord("example.com", 86400, NS("a.iana-servers.net")),
                   ResourceRecord("example.com", 3600, SOA("ns.icann.org",
                                                           "noc.dns.icann.org", 2024081401,
                                                           7200, 3600, 1209600, 3600))]
    r.additional = [ResourceRecord("example.com", 10, MX(0, ".")),
                    ResourceRecord("example.com", 10, TXT(['v=spf1 -all', b'\x01"\\'])),
                    ResourceRecord("34.216.184.93.in-addr.arpa", 10, PTR("web.example.com")),
                    ResourceRecord("example.com", 10, UnknownRdata(65280, b"\xde\xad"))]
    return r


def test_dnspython_decodes_our_bytes_to_the_same_content():
    r = sample_response()
    data = r.pack()
    assert theirs(decode_theirs(data)) == ours(r)
    text = decode_theirs(data).to_text()
    assert "web.example.com. 60 IN A 93.184.216.34" in text
    assert "example.com. 3600 IN SOA ns.icann.org. noc.dns.icann.org. 2024081401" in text


def test_we_decode_dnspython_bytes_to_the_same_content():
    d = dns.message.make_query("Mixed.Case.example.", "MX", use_edns=0, want_dnssec=True,
                               payload=1400, id=77)
    assert ours(Message.unpack(d.to_wire())) == theirs(d)
    resp = dns.message.make_response(d)
    resp.flags |= dns.flags.AA
    resp.set_rcode(dns.rcode.NXDOMAIN)
    resp.use_edns(0, dns.flags.DO, 1232)
    for section, text in ((resp.answer, "Mixed.Case.example. 5 IN MX 10 mx1.example."),
                          (resp.answer, "Mixed.Case.example. 5 IN MX 20 mx2.example."),
                          (resp.authority, "example. 30 IN SOA ns.example. h.example. 1 2 3 4 5"),
                          (resp.additional, 'mx1.example. 5 IN TXT "a" "b c"'),
                          (resp.additional, "mx1.example. 5 IN TYPE65500 \\# 3 010203")):
        section.append(dns.rrset.from_text(*text.split(" ", 4)))
    wire = resp.to_wire()
    mine = Message.unpack(wire)
    assert ours(mine) == theirs(decode_theirs(wire))
    assert mine.aa and mine.rcode == 3 and mine.edns == Edns(1232, do=True)
    assert [rr.rdata for rr in mine.answer] == [MX(10, "mx1.example"), MX(20, "mx2.example")]


# -- generated messages --------------------------------------------------------------

BASES = [ROOT, Name.of("example.com"), Name.of("Example.COM"), Name.of("a.b.example.com"),
         Name.of("in-addr.arpa")]
LABEL = st.one_of(st.sampled_from([b"www", b"WWW", b"mail", b"a", b"\x00.\\ "]),
                  st.binary(min_size=1, max_size=63))


@st.composite
def names(draw):
    base = draw(st.sampled_from(BASES))
    labels = draw(st.lists(LABEL, max_size=4))
    while labels and 1 + sum(1 + len(x) for x in labels + list(base.labels)) > 255:
        labels.pop()
    return Name(labels + list(base.labels))


U32 = st.integers(0, 2**32 - 1)
U16 = st.integers(0, 2**16 - 1)
RDATA = st.one_of(
    st.builds(A, st.integers(0, 2**32 - 1)),
    st.builds(AAAA, st.integers(0, 2**128 - 1)),
    st.builds(NS, names()), st.builds(CNAME, names()), st.builds(PTR, names()),
    st.builds(MX, U16, names()),
    st.builds(TXT, st.lists(st.binary(max_size=255), min_size=1, max_size=3)),
    st.builds(SOA, names(), names(), U32, U32, U32, U32, U32),
    st.builds(UnknownRdata, st.integers(65280, 65534), st.binary(max_size=40)))


@st.composite
def records(draw):
    rdata = draw(RDATA)
    rclass = 1 if isinstance(rdata, (A, AAAA)) else draw(st.sampled_from([1, 3]))
    return ResourceRecord(draw(names()), draw(st.integers(0, 2**31 - 1)), rdata, rclass)


@st.composite
def messages(draw, opcodes=st.sampled_from([0, 1, 2, 4])):
    edns = None
    if draw(st.booleans()):
        options = draw(st.lists(st.tuples(st.integers(65001, 65534), st.binary(max_size=20)),
                                max_size=2))
        edns = Edns(draw(U16), draw(st.integers(0, 255)), draw(st.booleans()),
                    draw(st.integers(0, 0x7FFF)), options)
    flags = {f: draw(st.booleans()) for f in ("qr", "aa", "tc", "rd", "ra", "z", "ad", "cd")}
    return Message(draw(U16), opcode=draw(opcodes),
                   rcode=draw(st.integers(0, 4095 if edns else 15)),
                   questions=draw(st.lists(st.builds(Question, names(), U16,
                                                     st.sampled_from([1, 3, 255])),
                                           max_size=2)),
                   answer=draw(st.lists(records(), max_size=4)),
                   authority=draw(st.lists(records(), max_size=3)),
                   additional=draw(st.lists(records(), max_size=3)), edns=edns, **flags)


@FUZZ
@given(messages(opcodes=st.integers(0, 15)))
def test_round_trip(m):
    data = m.pack()
    back = Message.unpack(data)
    assert back == m
    assert back.pack() == data


@FUZZ
@given(messages())
def test_dnspython_agrees_both_ways(m):
    data = m.pack()
    d = decode_theirs(data)
    assert theirs(d) == ours(Message.unpack(data))
    again = d.to_wire()
    assert Message.unpack(again) == m
    assert ours(Message.unpack(again)) == theirs(decode_theirs(again))


SAMPLES = [sample_response().pack(),
           Message.query("www.example.com", 1, id=9, edns=Edns()).pack()]


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.sampled_from([0x00, 0xC0, 0x3F, 0x40, 0xFF, data[i] ^ 0x01,
                                        data[i] ^ 0x80]))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[:cut] if draw(st.booleans()) else data)


def decodes_or_decode_error(data: bytes):
    try:
        m = Message.unpack(data)
    except DecodeError:
        return
    assert Message.unpack(m.pack()) == m


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_only_decode_error(data):
    decodes_or_decode_error(data)


@FUZZ
@given(mutated())
def test_mutated_messages_only_decode_error(data):
    decodes_or_decode_error(data)


def test_type_and_class_mnemonics_fall_back_to_rfc3597_forms():
    assert (type_text(1), type_text(65534), class_text(3), class_text(42)) == (
        "A", "TYPE65534", "CH", "CLASS42")
