"""The recursive resolver against the authoritative servers in-process: every upstream
query in order with its time (10 ms one way, so each exchange takes 20 ms), and the
client's answer. Cold cache, warm cache, expiry, negative caching, timeouts and
server selection, SERVFAIL, TC → TCP, CNAMEs across zones, glueless delegations."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.apps.dns.authoritative import AuthoritativeServer
from simulator.apps.dns.resolver import RecursiveResolver, ResolverConfig
from simulator.apps.dns.zone import Zone
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import NOERROR, NXDOMAIN, SERVFAIL, Edns, Message
from simulator.wire.dns_records import TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_MX, TYPE_SOA, Name

from tests.apps.dns_world import (COM_ZONE, GTLD_A, GTLD_B, MS, NET_ZONE, NS1, ROOT_A, ROOT_B,
                                  ROOT_HINTS, S, World, hierarchy, records)

RESOLVER = IPv4Address("10.0.0.53")
CLIENT = IPv4Address("10.0.0.1")
ROOT = ("198.41.0.4", "170.247.170.2")


def world(config=ResolverConfig(), nodes=None):
    nodes = nodes or hierarchy()
    resolver = RecursiveResolver(ROOT_HINTS, random.Random(7), config=config)
    nodes[RESOLVER] = resolver
    return World(nodes), resolver


def ask(w, name, qtype=TYPE_A, at=None, transport="udp", edns=None, ident=0x1111):
    """Send a client query at ``at`` (default: now), run the world, return the answer
    (``time``: when the resolver sends it) and the upstream queries it caused (time in
    ms, server, kind, question, transport)."""
    if at is not None:
        w.run(until=at)
    before = len(w.sent)
    w._transmit(CLIENT, RESOLVER, Message.query(name, qtype, id=ident, edns=edns), transport)
    w.run()
    sent = w.sent[before:]
    answers = [s for s in sent if s.dst == CLIENT]
    assert len(answers) == 1
    upstream = [s.brief() for s in sent if s.src == RESOLVER and s.dst != CLIENT]
    return answers[0], upstream


def test_cold_cache_asks_root_then_com_then_example_com():
    w, resolver = world()
    answer, upstream = ask(w, "www.example.com")
    assert upstream == [(10, "198.41.0.4", "query", "www.example.com. A", "udp"),
                        (30, "192.5.6.30", "query", "www.example.com. A", "udp"),
                        (50, "203.0.113.53", "query", "www.example.com. A", "udp")]
    assert answer.time == 70 * MS
    r = answer.message
    assert (r.id, r.qr, r.aa, r.ra, r.rd, r.rcode) == (0x1111, True, False, True, True, NOERROR)
    assert [rr.text() for rr in r.answer] == ["www.example.com.\t300\tIN\tA\t93.184.216.34"]
    assert resolver.queries_sent == 3
    # upstream queries: RD clear, EDNS0 with 1232 bytes, fresh IDs
    q = next(s.message for s in w.sent if s.dst == NS1)
    assert (q.rd, q.edns) == (False, Edns(1232))


def test_warm_cache_answers_alone_with_ttls_counted_down():
    w, _ = world()
    ask(w, "www.example.com")
    answer, upstream = ask(w, "www.example.com", at=10 * S + 70 * MS)
    assert upstream == []
    assert answer.time == 10 * S + 80 * MS
    assert [rr.ttl for rr in answer.message.answer] == [290]      # cached at 70 ms


def test_after_the_ttl_only_the_zone_server_is_asked_again():
    w, _ = world()
    ask(w, "www.example.com")
    answer, upstream = ask(w, "www.example.com", at=300 * S + 60 * MS)
    assert upstream == [(300_070, "203.0.113.53", "query", "www.example.com. A", "udp")]
    assert answer.message.answer[0].ttl == 300


def test_nxdomain_is_cached_negatively_for_the_soa_minimum():
    w, _ = world()
    answer, upstream = ask(w, "nope.example.com")
    assert [u[1] for u in upstream] == list(ROOT[:1]) + ["192.5.6.30", "203.0.113.53"]
    r = answer.message
    assert (r.rcode, r.answer) == (NXDOMAIN, [])
    assert [(rr.rtype, rr.ttl) for rr in r.authority] == [(TYPE_SOA, 300)]
    again, upstream = ask(w, "nope.example.com", qtype=TYPE_AAAA, at=100 * S)
    assert upstream == [] and again.message.rcode == NXDOMAIN       # any type: NXDOMAIN
    assert again.message.authority[0].ttl == 201        # 99.94 s after it was cached
    _, upstream = ask(w, "nope.example.com", at=300 * S + 60 * MS)
    assert len(upstream) == 1


def test_nodata_is_cached_for_that_type_only():
    w, _ = world()
    answer, _ = ask(w, "mail.example.com", qtype=TYPE_AAAA)
    assert (answer.message.rcode, answer.message.answer) == (NOERROR, [])
    assert answer.message.authority[0].rtype == TYPE_SOA
    _, upstream = ask(w, "mail.example.com", qtype=TYPE_AAAA, at=S)
    assert upstream == []
    answer, upstream = ask(w, "mail.example.com", qtype=TYPE_A, at=2 * S)
    assert len(upstream) == 1 and answer.message.answer[0].ttl == 300


def test_timeout_moves_to_the_next_server_and_remembers_it():
    w, _ = world()
    w.dead.add(ROOT_A)
    answer, upstream = ask(w, "www.example.com")
    assert upstream == [(10, "198.41.0.4", "query", "www.example.com. A", "udp"),
                        (1010, "170.247.170.2", "query", "www.example.com. A", "udp"),
                        (1030, "192.5.6.30", "query", "www.example.com. A", "udp"),
                        (1050, "203.0.113.53", "query", "www.example.com. A", "udp")]
    assert answer.time == 1070 * MS
    # a root server that timed out is asked after the one that answered
    _, upstream = ask(w, "www.example.org", at=2 * S)
    assert upstream[0][1] == "170.247.170.2"


def test_all_servers_dead_gives_servfail_after_two_tries_each():
    w, _ = world()
    w.dead.update({ROOT_A, ROOT_B})
    answer, upstream = ask(w, "www.example.com")
    assert [(t, ip) for t, ip, *_ in upstream] == [(10, ROOT[0]), (1010, ROOT[1]),
                                                  (2010, ROOT[0]), (3010, ROOT[1])]
    assert answer.time == 4010 * MS                 # 10 ms in, then 4 tries × 1 s
    assert (answer.message.rcode, answer.message.answer) == (SERVFAIL, [])


def test_resolution_timeout_caps_the_whole_resolution():
    w, _ = world(ResolverConfig(resolution_timeout_ns=1500 * MS))
    w.dead.add(ROOT_A)
    w.dead.add(GTLD_A)
    answer, upstream = ask(w, "www.example.com")
    assert [(t, ip) for t, ip, *_ in upstream] == [(10, ROOT[0]), (1010, ROOT[1]),
                                                  (1030, "192.5.6.30")]
    assert answer.time == 1510 * MS and answer.message.rcode == SERVFAIL


def test_truncated_udp_answer_is_asked_again_over_tcp():
    w, _ = world()
    answer, upstream = ask(w, "big.example.com", transport="tcp")
    assert upstream[2:] == [(50, "203.0.113.53", "query", "big.example.com. A", "udp"),
                            (70, "203.0.113.53", "query", "big.example.com. A", "tcp")]
    assert len(answer.message.answer) == 100 and not answer.message.tc
    # a UDP client without EDNS gets TC (and would come back over TCP)
    udp, upstream = ask(w, "big.example.com", at=S)
    assert upstream == [] and udp.message.tc and udp.message.answer == []


def test_qname_case_is_kept_upstream_and_in_the_answer():
    w, _ = world()
    answer, _ = ask(w, "WwW.ExAmPlE.CoM")
    assert {str(s.message.question.name) for s in w.sent} == {"WwW.ExAmPlE.CoM."}
    assert str(answer.message.answer[0].name) == "WwW.ExAmPlE.CoM."


def test_cname_into_another_zone_is_followed_from_the_root():
    w, _ = world()
    ask(w, "www.example.com")
    answer, upstream = ask(w, "outside.example.com", at=S)
    assert [u[1:4] for u in upstream] == [
        ("203.0.113.53", "query", "outside.example.com. A"),
        ("198.41.0.4", "query", "www.example.net. A"),
        ("192.5.6.30", "query", "www.example.net. A"),
        ("203.0.113.53", "query", "www.example.net. A")]
    assert [rr.text() for rr in answer.message.answer] == [
        "outside.example.com.\t300\tIN\tCNAME\twww.example.net.",
        "www.example.net.\t120\tIN\tA\t198.51.100.80"]


def test_glueless_delegation_resolves_the_server_name_first():
    w, _ = world()
    ask(w, "www.example.net")
    answer, upstream = ask(w, "www.glueless.com", at=S)
    assert [u[1:4] for u in upstream] == [
        ("192.5.6.30", "query", "www.glueless.com. A"),
        ("203.0.113.53", "query", "ns.example.net. A"),
        ("203.0.113.60", "query", "www.glueless.com. A")]
    assert answer.message.answer[0].rdata.address == IPv4Address("198.51.100.7")


def test_cname_loop_is_servfail():
    w, _ = world()
    answer, upstream = ask(w, "loop1.example.com")
    assert len(upstream) == 3 and answer.message.rcode == SERVFAIL


def custom_com(*extra):
    """The hierarchy with more delegations in com."""
    nodes = hierarchy()
    com = Zone.from_dict({"origin": "com", "records": COM_ZONE["records"] + records(*extra)})
    gtld = AuthoritativeServer([com, Zone.from_dict(NET_ZONE)])
    nodes[GTLD_A] = nodes[GTLD_B] = gtld
    return nodes


def test_lame_delegation_refused_everywhere_is_servfail_without_retries():
    w, _ = world(nodes=custom_com("lame 172800 NS ns1.example.com."))
    answer, upstream = ask(w, "www.lame.com")
    # ns1 REFUSES (not its zone) and is not asked again; ns1's address came from cache
    assert [u[1] for u in upstream] == [ROOT[0], "192.5.6.30", "203.0.113.53"]
    assert answer.message.rcode == SERVFAIL


def test_mutually_glueless_delegations_end_in_servfail():
    w, _ = world(nodes=custom_com("loopa 172800 NS ns.loopb.com.",
                                  "loopb 172800 NS ns.loopa.com."))
    answer, upstream = ask(w, "www.loopa.com")
    assert [u[1:4] for u in upstream] == [
        (ROOT[0], "query", "www.loopa.com. A"),
        ("192.5.6.30", "query", "www.loopa.com. A"),
        ("192.5.6.30", "query", "ns.loopb.com. A")]
    # ns.loopb.com's zone is served by ns.loopa.com, whose zone (cached) is served by
    # ns.loopb.com, already being looked up: a loop, given up without asking further
    assert answer.message.rcode == SERVFAIL


def test_a_response_that_matches_no_query_is_ignored():
    w, resolver = world()
    step = resolver.query(Message.query("www.example.com", TYPE_A, id=5), 0, "app")
    sent = step.sends[0]
    forged = Message.response_to(sent.message)
    forged.id ^= 1
    assert resolver.response_arrives(forged, sent.server, MS).sends == []
    wrong_server = Message.response_to(sent.message)
    assert resolver.response_arrives(wrong_server, ROOT_B, MS).sends == []
    other_question = Message.response_to(Message.query("x.example.com", TYPE_A,
                                                       id=sent.message.id))
    assert resolver.response_arrives(other_question, sent.server, MS).sends == []
    real = hierarchy()[ROOT_A].answer(sent.message)
    assert resolver.response_arrives(real, sent.server, MS).sends[0].server == GTLD_A


def test_deadline_is_the_pending_query_timeout():
    _, resolver = world()
    step = resolver.query(Message.query("www.example.com", TYPE_A, id=5), 3 * MS, "app")
    assert step.deadline == 3 * MS + S
    assert resolver.timer_fires(S).sends == []              # too early: nothing
    step = resolver.timer_fires(3 * MS + S)
    assert [s.server for s in step.sends] == [ROOT_B] and step.deadline == 3 * MS + 2 * S


# -- the resolver agrees with the zones, whatever the order and timing of queries -----

NAMES = ["www.example.com", "alias.example.com", "outside.example.com", "nope.example.com",
         "mail.example.com", "sub.example.com", "a.sub.example.com", "example.com",
         "www.example.net", "www.glueless.com", "nx.glueless.com", "loop1.example.com"]


def oracle(name, qtype):
    """The answer straight from the zones: the deepest zone holding the name answers,
    and a CNAME leaving that zone is followed into the next (RFC 1034 §5.3.3); a CNAME
    loop is a failure."""
    servers = list({id(s): s for s in hierarchy().values()}.values())
    chain = []
    while True:
        name = Name.of(name)
        zone, server = max(((s.zone_for(name), s) for s in servers if s.zone_for(name)),
                           key=lambda pair: len(pair[0].origin.labels))
        r = server.answer(Message.query(name, qtype))
        chain += r.answer
        if not r.answer or r.answer[-1].rtype != TYPE_CNAME:
            break
        target = r.answer[-1].rdata.target
        if any(rr.name == target for rr in chain):
            return SERVFAIL, []
        if target.is_subdomain(zone.origin):
            break                            # NXDOMAIN or NODATA at the target
        name = target
    return r.rcode, chain


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from([TYPE_A, TYPE_AAAA, TYPE_MX]),
                          st.integers(0, 400)), min_size=1, max_size=8))
def test_answers_match_the_zones_and_ttls_only_count_down(queries):
    w, _ = world()
    at = 0
    for name, qtype, gap in queries:
        at += gap * S
        answer, _ = ask(w, name, qtype, at=at, transport="tcp")
        rcode, records = oracle(name, qtype)
        r = answer.message
        assert r.rcode == rcode, (name, qtype)
        if rcode == SERVFAIL:
            continue
        assert [(rr.name.key, rr.rtype, rr.rdata) for rr in r.answer] == [
            (rr.name.key, rr.rtype, rr.rdata) for rr in records]
        for got, full in zip(r.answer, records):
            # cached at most `at` ago: the TTL only counts down, never up
            assert max(1, full.ttl - at // S - 1) <= got.ttl <= full.ttl
