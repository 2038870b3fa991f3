"""FORMERR for undecodable queries, and truncation at RRset boundaries (RFC 2181 §9)."""

from simulator.apps.dns.replies import decode_query, fit, udp_limit
from simulator.wire.dns import FORMERR, Edns, Message
from simulator.wire.dns_records import NS, TXT, TYPE_A, A, ResourceRecord


def test_decode_query_answers_garbage_after_a_header_with_formerr():
    good = Message.query("www.example.com", TYPE_A, id=0xABCD).pack()
    assert decode_query(good) == (Message.unpack(good), None)
    query, reply = decode_query(good[:-2])
    assert query is None
    assert (reply.id, reply.qr, reply.rcode, reply.questions) == (0xABCD, True, FORMERR, [])
    notify = bytearray(good[:-2])
    notify[2] = 4 << 3
    assert decode_query(bytes(notify))[1].opcode == 4
    assert decode_query(good[:11]) == (None, None)                  # no whole header
    response = bytearray(good[:-2])
    response[2] |= 0x80
    assert decode_query(bytes(response)) == (None, None)           # never answer a response


def test_udp_limit():
    q = Message.query("x", TYPE_A)
    assert udp_limit(q, 1232) == 512
    q.edns = Edns(4096)
    assert udp_limit(q, 1232) == 1232
    q.edns = Edns(100)
    assert udp_limit(q, 1232) == 512                               # RFC 6891 §6.2.5


def big(name, n, ttl=60):
    return [ResourceRecord(name, ttl, A(f"10.0.0.{i + 1}")) for i in range(n)]


def test_fit_keeps_whole_rrsets_in_order_and_the_opt_record():
    q = Message.query("a.test", TYPE_A, id=1, edns=Edns(512))
    r = Message.response_to(q)
    r.edns = Edns(1232)
    r.answer = big("a.test", 10) + big("b.test", 20)      # 10 fit in 512, 30 do not
    r.authority = [ResourceRecord("test", 60, NS("ns.test"))]
    cut = fit(r, 512)
    assert cut.tc and cut.answer == r.answer[:10] and cut.authority == []
    assert cut.edns == Edns(1232) and len(cut.pack()) <= 512
    assert fit(r, 65535) is r


def test_fit_drops_additional_data_before_setting_tc():
    r = Message(1, qr=True, answer=big("a.test", 5),
                additional=[ResourceRecord("x.test", 1, TXT([bytes(200)])),
                            ResourceRecord("y.test", 1, TXT([bytes(200)]))])
    cut = fit(r, 512)
    assert not cut.tc and cut.answer == r.answer and cut.additional == r.additional[:1]
