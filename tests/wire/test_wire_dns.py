"""DNS codec: exact bytes from RFC 1035 §4.1, name compression both ways, every kind of
bad input a DecodeError with a message that says what is wrong."""

import pytest

from simulator.wire.dns import (BADVERS, NXDOMAIN, Edns, Message, Question, TcpFramer,
                                frame_tcp, rcode_text)
from simulator.wire.dns_records import (AAAA, CNAME, MX, NS, PTR, ROOT, SOA, TXT, TYPE_A,
                                        TYPE_AAAA, TYPE_MX, A, Name, ResourceRecord,
                                        UnknownRdata)
from simulator.wire.errors import DecodeError

HEADER_RD = bytes.fromhex("1a2b 0100 0001 0000 0000 0000")
WWW = b"\x03www\x07example\x03com\x00"
QUERY = HEADER_RD + WWW + b"\x00\x01\x00\x01"


def raises(data, match):
    with pytest.raises(DecodeError, match=match):
        Message.unpack(data)


def test_query_bytes_are_rfc1035_layout():
    q = Message.query("www.example.com", TYPE_A, id=0x1A2B)
    assert q.pack() == QUERY
    assert Message.unpack(QUERY) == q


def test_answer_owner_compressed_to_the_question():
    q = Message.query("www.example.com", TYPE_A, id=0x1A2B)
    r = Message.response_to(q)
    r.aa = r.ra = True
    r.answer = [ResourceRecord("www.example.com", 300, A("93.184.216.34"))]
    data = r.pack()
    # QR AA RD RA = 0x8580; the owner is a pointer to offset 12 (0xc00c)
    assert data == (bytes.fromhex("1a2b 8580 0001 0001 0000 0000") + WWW + b"\x00\x01\x00\x01"
                    + bytes.fromhex("c00c 0001 0001 0000012c 0004 5db8d822"))
    assert Message.unpack(data) == r


def test_suffix_compression_inside_rdata():
    r = Message(7, qr=True, questions=[Question("example.com", TYPE_MX)])
    r.answer = [ResourceRecord("example.com", 60, MX(10, "mail.example.com"))]
    data = r.pack()
    # question name at 12; MX exchange "mail" + pointer to example.com (offset 12)
    assert data.endswith(b"\x00\x0a\x04mail\xc0\x0c")
    assert Message.unpack(data).answer[0].rdata.exchange == Name.from_text("mail.example.com.")


def test_compression_is_case_insensitive_and_keeps_the_first_spelling():
    q = Message.query("WWW.Example.COM", TYPE_A, id=1)
    r = Message.response_to(q)
    r.answer = [ResourceRecord("www.example.com", 1, A("1.2.3.4"))]
    back = Message.unpack(r.pack())
    assert str(back.question.name) == "WWW.Example.COM."
    assert str(back.answer[0].name) == "WWW.Example.COM."
    assert back.answer[0].name == Name.from_text("www.example.com")


def test_offsets_past_0x3fff_are_never_pointer_targets():
    big = TXT([bytes(255)] * 70)                      # ~17.9 KiB of rdata
    r = Message(3, qr=True, questions=[Question("a.example", TYPE_A)])
    r.answer = [ResourceRecord("a.example", 1, big),
                ResourceRecord("z.late.example", 1, A("10.0.0.1")),
                ResourceRecord("z.late.example", 1, A("10.0.0.2"))]
    data = r.pack()
    assert len(data) > 0x4000
    back = Message.unpack(data)
    assert back == r
    # the second z.late.example cannot point at the first (past 0x3fff): "z" "late" + ptr
    assert data.endswith(b"\x01z\x04late\xc0\x0e\x00\x01\x00\x01\x00\x00\x00\x01\x00\x04"
                         b"\x0a\x00\x00\x02")


def test_names_text_escapes_round_trip():
    name = Name.from_text(r"a\.b.c\032d.\\.")
    assert name.labels == (b"a.b", b"c d", b"\\")
    assert str(name) == r"a\.b.c\032d.\\."
    assert Name.from_text(str(name)) == name
    assert str(Name.from_text("x", origin=Name.from_text("example.com."))) == "x.example.com."
    assert Name.from_text("@", origin=Name.from_text("example.com.")) == Name.of("example.com")
    assert str(ROOT) == "." and ROOT.info() == "<Root>" and len(ROOT) == 1


@pytest.mark.parametrize("text, match", [
    ("a..b", "empty label"), ("x" * 64 + ".com", "label of 64 octets"),
    (".".join(["x" * 63] * 4), "octets > 255"), ("caf\u00e9.fr", "non-ASCII"),
    ("a\\", "backslash"), ("a\\256.b", "> 255")])
def test_bad_name_text(text, match):
    with pytest.raises(ValueError, match=match):
        Name.from_text(text)


def test_name_of_exactly_255_octets_is_allowed():
    name = Name([b"x" * 63] * 3 + [b"y" * 61])
    assert len(name) == 255
    data = Message(1, questions=[Question(name, TYPE_A)]).pack()
    assert Message.unpack(data).question.name == name


def test_every_record_type_round_trips():
    r = Message(9, qr=True, aa=True, rcode=NXDOMAIN, questions=[Question("x.test", 65534)])
    r.answer = [ResourceRecord("x.test", 1, A("10.0.0.1")),
                ResourceRecord("x.test", 2, AAAA("2001:db8::1")),
                ResourceRecord("x.test", 3, NS("ns.test")),
                ResourceRecord("y.test", 4, CNAME("x.test")),
                ResourceRecord("1.0.0.10.in-addr.arpa", 5, PTR("x.test"))]
    r.authority = [ResourceRecord("test", 6, SOA("ns.test", "root.test", 2024010101, 7200,
                                                 3600, 1209600, 300))]
    r.additional = [ResourceRecord("x.test", 7, MX(5, "mx.test")),
                    ResourceRecord("x.test", 8, TXT(["v=spf1 -all", b"\x00\xff"])),
                    ResourceRecord("x.test", 9, UnknownRdata(65534, b"\x01\x02\x03")),
                    ResourceRecord("x.test", 10, UnknownRdata(TYPE_A, b"\x01"), rclass=3)]
    assert Message.unpack(r.pack()) == r
    assert [rr.text() for rr in r.authority + r.additional[1:3]] == [
        "test.\t6\tIN\tSOA\tns.test. root.test. 2024010101 7200 3600 1209600 300",
        'x.test.\t8\tIN\tTXT\t"v=spf1 -all" "\\000\\255"',
        "x.test.\t9\tIN\tTYPE65534\t\\# 3 010203"]


def test_edns_fields_and_extended_rcode():
    r = Message(5, qr=True, rcode=BADVERS, questions=[Question(".", 2)],
                edns=Edns(4096, version=0, do=True, options=[(10, b"\x01" * 8)]))
    data = r.pack()
    # header RCODE is the low 4 bits (0); OPT: root, type 41, class = 4096,
    # TTL = ext-rcode 1 | version 0 | DO, then option 10 of 8 bytes
    assert data[3] & 0xF == 0
    assert data.endswith(bytes.fromhex("00 0029 1000 01008000 000c 000a 0008") + b"\x01" * 8)
    back = Message.unpack(data)
    assert back.rcode == BADVERS and back.edns == r.edns and back.additional == []
    assert rcode_text(back.rcode) == "BADVERS"


def test_extended_rcode_without_edns_cannot_be_packed():
    with pytest.raises(ValueError, match="needs EDNS"):
        Message(1, rcode=BADVERS).pack()


def test_header_flags_each_bit():
    flags = {"aa": 0x0400, "tc": 0x0200, "rd": 0x0100, "ra": 0x0080, "z": 0x0040,
             "ad": 0x0020, "cd": 0x0010, "qr": 0x8000}
    for name, bit in flags.items():
        m = Message(0, **{name: True})
        assert int.from_bytes(m.pack()[2:4], "big") == bit, name
        assert getattr(Message.unpack(m.pack()), name)
    m = Message(0, opcode=5, rcode=5)
    assert m.pack()[2:4] == b"\x28\x05"


# -- decoding errors ------------------------------------------------------------------

def with_name(name_bytes, header=bytes.fromhex("0001 0000 0001 0000 0000 0000")):
    return header + name_bytes + b"\x00\x01\x00\x01"


def test_truncated_header():
    raises(bytes(11), r"truncated header: 12 bytes needed at offset 0, 11 left")


def test_truncated_question():
    raises(QUERY[:-1], r"truncated question 1 of 1")
    raises(HEADER_RD + b"\x03ww", r"truncated label in question 1 of 1")
    raises(HEADER_RD + b"\x03www", r"truncated name in question 1 of 1")


def test_counts_larger_than_the_sections():
    data = bytearray(QUERY)
    data[7] = 2                                     # ANCOUNT 2, no records follow
    raises(bytes(data), r"truncated name in answer record 1 of 2")


def test_rdata_overrunning_the_message():
    data = (bytes.fromhex("0001 8000 0000 0001 0000 0000") + b"\x00"
            + bytes.fromhex("0001 0001 00000001 0008 0a000001"))
    raises(data, r"truncated answer record 1 of 1: 8 bytes needed")


def test_rdlength_disagreeing_with_the_rdata():
    data = (bytes.fromhex("0001 8000 0000 0001 0000 0000") + b"\x00"
            + bytes.fromhex("0001 0001 00000001 0005 0a00000100"))
    raises(data, r"A rdata in answer record 1 of 1 is 4 bytes, RDLENGTH says 5")
    ns = (bytes.fromhex("0001 8000 0000 0001 0000 0000") + b"\x00"
          + bytes.fromhex("0002 0001 00000001 0002 0178 00"))
    raises(ns, r"NS rdata in answer record 1 of 1 is 3 bytes, RDLENGTH says 2")


def test_pointer_to_itself_is_a_forward_pointer():
    raises(with_name(b"\xc0\x0c"), r"pointer at offset 12 in question 1 of 1 points "
                                   r"forward to offset 12")


def test_pointer_forward():
    raises(with_name(b"\xc0\x0e\x00"), r"points forward to offset 14")


def test_pointer_out_of_range():
    raises(with_name(b"\xc1\x00"), r"to offset 256, outside the 18-byte message")


def test_pointer_loop_through_a_label():
    # offset 12: label "a", then a pointer back to offset 12 → a.a.a.a...
    raises(with_name(b"\x01a\xc0\x0c"), r"compression pointer loop at offset 14")


def test_pointer_loop_across_two_names():
    # record 1 (owner root at 12) carries raw rdata "a" + a pointer to offset 27 at 23;
    # record 2's owner at 27 points to 23: 27 → 23 → 27 → ...
    data = (bytes.fromhex("0001 8000 0000 0002 0000 0000") + b"\x00"
            + bytes.fromhex("fffe 0001 00000001 0004") + b"\x01a\xc0\x1b"
            + b"\xc0\x17" + bytes.fromhex("0001 0001 00000001 0004 0a000001"))
    raises(data, r"pointer loop at offset 25 in answer record 2 of 2 \(to offset 27, "
                 r"not before offset 23\)")


def test_label_length_over_63():
    raises(with_name(b"\x40" + b"x" * 64 + b"\x00"), r"label length byte 0x40 at offset 12")
    raises(with_name(b"\x80\x00"), r"label length byte 0x80")


def test_name_longer_than_255_octets():
    long_name = (b"\x3f" + b"x" * 63) * 4 + b"\x00"         # 257 octets
    raises(with_name(long_name), r"name in question 1 of 1 longer than 255 octets")


def test_name_longer_than_255_through_pointers():
    # question 1: 3 labels of 63 (193 octets), question 2: 62-octet label + pointer
    first = (b"\x3f" + b"x" * 63) * 3 + b"\x00"
    second = b"\x3e" + b"y" * 62 + b"\xc0\x0c"              # 63 + 193 = 256 octets
    data = (bytes.fromhex("0001 0000 0002 0000 0000 0000") + first + b"\x00\x01\x00\x01"
            + second + b"\x00\x01\x00\x01")
    raises(data, r"name in question 2 of 2 longer than 255 octets")


def test_trailing_bytes():
    raises(QUERY + b"\x00", r"1 bytes after the last record")


def test_opt_misplaced_or_repeated_or_not_at_the_root():
    opt = b"\x00" + bytes.fromhex("0029 1000 00000000 0000")
    head = bytes.fromhex("0001 0000 0000")
    raises(head + bytes.fromhex("0001 0000 0000") + opt, r"OPT record in the answer section")
    raises(head + bytes.fromhex("0000 0000 0002") + opt + opt, r"more than one OPT")
    raises(head + bytes.fromhex("0000 0000 0001") + b"\x01x" + opt, r"OPT record owned by x.")


def test_bad_edns_options():
    head = bytes.fromhex("0001 0000 0000 0000 0000 0001") + b"\x00"
    raises(head + bytes.fromhex("0029 1000 00000000 0003 000a00"),
           r"truncated EDNS option header")
    raises(head + bytes.fromhex("0029 1000 00000000 0005 000a 0002 01"),
           r"EDNS option 10 of 2 bytes overruns")


def test_empty_txt_is_malformed():
    data = (bytes.fromhex("0001 8000 0000 0001 0000 0000") + b"\x00"
            + bytes.fromhex("0010 0001 00000001 0000"))
    raises(data, r"empty TXT rdata")


def test_unknown_class_a_record_is_kept_raw():
    data = (bytes.fromhex("0001 8000 0000 0001 0000 0000") + b"\x00"
            + bytes.fromhex("0001 0003 00000001 0003 010203"))
    rr = Message.unpack(data).answer[0]
    assert rr.rdata == UnknownRdata(TYPE_A, b"\x01\x02\x03") and rr.rclass == 3


# -- TCP framing, text ----------------------------------------------------------------

def test_tcp_framing_in_pieces():
    framer = TcpFramer()
    a, b = QUERY, Message.query("example.com", TYPE_AAAA, id=2).pack()
    stream = frame_tcp(a) + frame_tcp(b)
    assert stream[:2] == len(a).to_bytes(2, "big")
    assert framer.feed(stream[:1]) == []
    assert framer.feed(stream[1:20]) == []
    assert framer.feed(stream[20:len(a) + 3]) == [a]
    assert framer.feed(stream[len(a) + 3:]) == [b]


def test_info_like_wireshark():
    q = Message.query("www.example.com", TYPE_A, id=0x1A2B)
    r = Message.response_to(q, NXDOMAIN)
    r.authority = [ResourceRecord("example.com", 300, SOA("ns.icann.org", "noc.icann.org",
                                                          1, 2, 3, 4, 5))]
    assert q.info() == "Standard query 0x1a2b A www.example.com"
    assert r.info() == ("Standard query response 0x1a2b No such name A www.example.com "
                        "SOA ns.icann.org")
    assert Message.query(".", 2, id=7, edns=Edns()).info() == "Standard query 0x0007 NS <Root> OPT"


def test_ttl_with_the_top_bit_set_reads_as_zero():
    r = Message(1, qr=True, answer=[ResourceRecord("x", 2**31, A("10.0.0.1")),
                                    ResourceRecord("x", 2**31 - 1, A("10.0.0.2"))])
    assert [rr.ttl for rr in Message.unpack(r.pack()).answer] == [0, 2**31 - 1]   # RFC 2181 §8
