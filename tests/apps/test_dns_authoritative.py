"""The authoritative server's answers (RFC 1034 §4.3.2, RFC 2308, RFC 2181 §9), each
message checked whole, after a trip through bytes."""

from simulator.apps.dns.authoritative import AuthoritativeServer
from simulator.wire.dns import (BADVERS, FORMERR, NOERROR, NOTIMP, NXDOMAIN, REFUSED, Edns,
                                Message, Question)
from simulator.wire.dns_records import (AAAA, CNAME, MX, NS, TYPE_A, TYPE_AAAA, TYPE_ANY,
                                        TYPE_CNAME, TYPE_MX, TYPE_NS, TYPE_SOA, A, Name,
                                        ResourceRecord)

from simulator.apps.dns.zone import Zone
from tests.apps.dns_world import GTLD_A, ROOT_A, hierarchy, zones

SERVERS = hierarchy()
EXAMPLE = AuthoritativeServer([zones()["example.com"], zones()["example.net"]])
NEG_SOA = "example.com.\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. " \
          "2024010101 7200 3600 1209600 300"


def ask(server, name, qtype, transport="udp", **kw):
    query = Message.query(name, qtype, id=0x4242, rd=kw.pop("rd", False), **kw)
    response = server.answer(Message.unpack(query.pack()), transport)
    data = response.pack()
    assert transport == "tcp" or len(data) <= (512 if query.edns is None else 1232)
    return Message.unpack(data)


def texts(section):
    return [rr.text() for rr in section]


def test_positive_answer_is_authoritative_and_keeps_the_question_case():
    r = ask(EXAMPLE, "WwW.Example.COM", TYPE_A, rd=True)
    assert (r.id, r.qr, r.aa, r.rd, r.ra, r.tc, r.rcode) == (0x4242, True, True, True, False,
                                                            False, NOERROR)
    assert str(r.question.name) == "WwW.Example.COM."
    assert texts(r.answer) == ["WwW.Example.COM.\t300\tIN\tA\t93.184.216.34"]
    assert r.authority == [] and r.additional == [] and r.edns is None


def test_referral_from_the_root_has_ns_and_glue_and_no_aa():
    r = ask(SERVERS[ROOT_A], "www.example.com", TYPE_A)
    assert (r.aa, r.rcode, r.answer) == (False, NOERROR, [])
    assert texts(r.authority) == ["com.\t172800\tIN\tNS\ta.gtld-servers.net.",
                                  "com.\t172800\tIN\tNS\tb.gtld-servers.net."]
    assert texts(r.additional) == ["a.gtld-servers.net.\t172800\tIN\tA\t192.5.6.30",
                                   "b.gtld-servers.net.\t172800\tIN\tA\t192.33.14.30"]


def test_referral_for_the_cut_itself_and_for_glueless_delegations():
    gtld = SERVERS[GTLD_A]
    r = ask(gtld, "example.com", TYPE_NS)          # the parent is not authoritative for it
    assert not r.aa and r.answer == []
    assert [rr.rdata for rr in r.authority] == [NS("ns1.example.com"), NS("ns2.example.com")]
    assert [rr.rdata for rr in r.additional] == [A("203.0.113.53"), A("203.0.113.54")]
    r = ask(gtld, "www.glueless.com", TYPE_A)
    assert texts(r.authority) == ["glueless.com.\t172800\tIN\tNS\tns.example.net."]
    assert r.additional == []


def test_in_zone_delegation_gives_a_referral():
    r = ask(EXAMPLE, "host.dept.example.com", TYPE_A)
    assert not r.aa
    assert texts(r.authority) == ["dept.example.com.\t86400\tIN\tNS\tns.dept.example.com."]
    assert texts(r.additional) == ["ns.dept.example.com.\t86400\tIN\tA\t203.0.113.99"]


def test_nxdomain_carries_the_soa_with_the_negative_ttl():
    r = ask(EXAMPLE, "nope.example.com", TYPE_A)
    assert (r.aa, r.rcode, r.answer) == (True, NXDOMAIN, [])
    assert texts(r.authority) == [NEG_SOA]                  # min(3600, 300), RFC 2308 §3


def test_nodata_is_noerror_with_the_soa():
    r = ask(EXAMPLE, "mail.example.com", TYPE_AAAA)
    assert (r.aa, r.rcode, r.answer, texts(r.authority)) == (True, NOERROR, [], [NEG_SOA])


def test_empty_non_terminal_is_nodata_not_nxdomain():
    r = ask(EXAMPLE, "sub.example.com", TYPE_A)
    assert (r.rcode, r.answer, texts(r.authority)) == (NOERROR, [], [NEG_SOA])


def test_cname_chased_inside_the_zone():
    r = ask(EXAMPLE, "alias.example.com", TYPE_A)
    assert r.aa and texts(r.answer) == [
        "alias.example.com.\t300\tIN\tCNAME\twww.example.com.",
        "www.example.com.\t300\tIN\tA\t93.184.216.34"]
    r = ask(EXAMPLE, "alias.example.com", TYPE_CNAME)       # asked for the CNAME itself
    assert [rr.rdata for rr in r.answer] == [CNAME("www.example.com")]


def test_cname_out_of_the_zone_stops_at_the_cname():
    # example.net is on this server too, but another zone: not chased (in-zone only)
    r = ask(EXAMPLE, "outside.example.com", TYPE_A)
    assert r.aa and r.rcode == NOERROR and r.authority == []
    assert texts(r.answer) == ["outside.example.com.\t300\tIN\tCNAME\twww.example.net."]


def test_cname_loop_ends():
    r = ask(EXAMPLE, "loop1.example.com", TYPE_A)
    assert [rr.rdata for rr in r.answer] == [CNAME("loop2.example.com"),
                                            CNAME("loop1.example.com")]
    assert r.rcode == NOERROR


def test_cname_to_a_missing_name_is_nxdomain_with_the_chain():
    z2 = Zone.from_master("$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\na CNAME gone\n", "t.test")
    r = ask(AuthoritativeServer([z2]), "a.t.test", TYPE_A)
    assert r.rcode == NXDOMAIN                               # the last name's (RFC 6604)
    assert [rr.rdata for rr in r.answer] == [CNAME("gone.t.test")]
    assert [rr.rtype for rr in r.authority] == [TYPE_SOA]


def test_mx_answer_adds_the_exchange_address():
    r = ask(EXAMPLE, "example.com", TYPE_MX)
    assert [rr.rdata for rr in r.answer] == [MX(10, "mail.example.com")]
    assert texts(r.additional) == ["mail.example.com.\t300\tIN\tA\t192.0.2.25"]


def test_any_gives_every_rrset():
    r = ask(EXAMPLE, "www.example.com", TYPE_ANY)
    assert [rr.rdata for rr in r.answer] == [A("93.184.216.34"), AAAA("2606:2800:220:1::248")]


def test_refused_outside_its_zones_and_for_other_classes():
    r = ask(EXAMPLE, "www.example.org", TYPE_A)
    assert (r.rcode, r.aa, r.answer) == (REFUSED, False, [])
    r = ask(EXAMPLE, "www.example.com", TYPE_A, qclass=3)
    assert r.rcode == REFUSED


def test_notimp_formerr_badvers_and_responses_ignored():
    notify = Message(5, opcode=4, questions=[Question("example.com", TYPE_SOA)])
    assert EXAMPLE.answer(notify).rcode == NOTIMP
    assert EXAMPLE.answer(Message(6)).rcode == FORMERR
    two = Message(7, questions=[Question("a.example.com", 1), Question("b.example.com", 1)])
    assert EXAMPLE.answer(two).rcode == FORMERR
    r = ask(EXAMPLE, "www.example.com", TYPE_A, edns=Edns(1232, version=1))
    assert r.rcode == BADVERS and r.edns == Edns(1232)
    assert EXAMPLE.answer(Message(8, qr=True)) is None


def test_edns_query_gets_our_opt_record():
    r = ask(EXAMPLE, "www.example.com", TYPE_A, edns=Edns(4096, do=True))
    assert r.edns == Edns(1232)


def test_big_rrset_over_udp_is_truncated_whole_and_complete_over_tcp():
    # 100 A records: 12 + 21 + 100 * 16 = 1633 bytes
    r = ask(EXAMPLE, "big.example.com", TYPE_A)
    assert (r.tc, r.aa, r.answer, r.authority) == (True, True, [], [])    # RFC 2181 §9
    assert len(r.pack()) == 33
    r = ask(EXAMPLE, "big.example.com", TYPE_A, edns=Edns(4096))
    assert r.tc and r.answer == [] and r.edns == Edns(1232)
    r = ask(EXAMPLE, "big.example.com", TYPE_A, transport="tcp")
    assert not r.tc and len(r.answer) == 100 and len(r.pack()) == 1633


def test_additional_records_that_do_not_fit_are_dropped_without_tc():
    z = Zone.from_master(
        "$TTL 60\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"
        + "".join(f"@ MX {i} mx{i:02d}.t.test.\nmx{i:02d} A 10.9.0.{i}\n" for i in range(20)),
        "t.test")
    r = ask(AuthoritativeServer([z]), "t.test", TYPE_MX)
    assert not r.tc and len(r.answer) == 20
    full = AuthoritativeServer([z]).answer(Message.query("t.test", TYPE_MX), "tcp")
    assert len(full.additional) == 20
    assert 0 < len(r.additional) < 20
    kept = len(r.additional)
    assert r.additional == full.additional[:kept]
    one_more = Message.unpack(r.pack())
    one_more.additional = full.additional[:kept + 1]
    assert len(r.pack()) <= 512 < len(one_more.pack())


def test_counts_by_rcode():
    server = AuthoritativeServer([zones()["example.com"]])
    for name in ("www.example.com", "nope.example.com", "nope2.example.com", "x.org"):
        server.answer(Message.query(name, TYPE_A))
    assert server.queries == 4
    assert server.responses_by_rcode == {NOERROR: 1, NXDOMAIN: 2, REFUSED: 1}


def test_owner_names_compare_case_insensitively_in_lookups():
    z = zones()["example.com"]
    assert z.get(Name.of("MAIL.EXAMPLE.COM"), TYPE_A)[0] == ResourceRecord(
        "mail.example.com", 300, A("192.0.2.25"))
    assert z.get(Name.of("example.com"), TYPE_NS)[0].rtype == TYPE_NS
