"""The host stub resolver (glibc's order and timeouts, hosts table, optional cache) and
the home router's forwarder, alone and in the whole chain stub → forwarder → ISP
resolver → root, com, example.com."""

import random

import pytest

from simulator.apps.dns.cache import Cache
from simulator.apps.dns.resolver import RecursiveResolver
from simulator.apps.dns.stub import Forwarder, HostsTable, ResolvConf, StubResolver
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import NOERROR, NXDOMAIN, SERVFAIL, Message
from simulator.wire.dns_records import AAAA, PTR, TYPE_A, TYPE_AAAA, TYPE_PTR, A

from tests.apps.dns_world import MS, NS1, NS2, ROOT_HINTS, S, World, hierarchy

PC, ROUTER, ISP = (IPv4Address(ip) for ip in ("192.168.1.10", "192.168.1.1", "10.0.0.53"))
DEAD1, DEAD2 = IPv4Address("10.9.9.1"), IPv4Address("10.9.9.2")


def stub_world(servers, hosts=None, cache=None, **conf):
    nodes = hierarchy()
    stub = StubResolver(ResolvConf(tuple(servers), **conf), random.Random(3), hosts, cache)
    nodes[PC] = stub
    return World(nodes), stub


def lookup(w, stub, name, qtype=TYPE_A, at=0):
    w.run(until=at)
    before_sent, before_answers = len(w.sent), len(w.answers)
    w.step(PC, stub.lookup(name, qtype, w.now, client="app"))
    w.run()
    sent = [(s.time // MS, str(s.dst), s.transport) for s in w.sent[before_sent:]
            if s.src == PC]
    (time, answer), = w.answers[before_answers:]
    return time, answer, sent


@pytest.mark.parametrize("servers, sends, gives_up_ms", [
    ([DEAD1], [0, 5000], 10_000),
    ([DEAD1, DEAD2], [0, 5000, 10_000, 15_000], 20_000),
    # three servers: 5 s, (5 << 1) // 3 = 3 s, (5 << 2) // 3 = 6 s, twice
    ([DEAD1, DEAD2, IPv4Address("10.9.9.3")], [0, 5000, 8000, 14_000, 19_000, 22_000],
     28_000)])
def test_glibc_waits_and_attempts_when_no_server_answers(servers, sends, gives_up_ms):
    w, stub = stub_world(servers)
    time, answer, sent = lookup(w, stub, "www.example.com")
    assert [t for t, _, _ in sent] == sends
    assert [ip for _, ip, _ in sent] == [str(servers[i % len(servers)])
                                         for i in range(len(sends))]
    assert (time // MS, answer.message, answer.error) == (gives_up_ms, None, "timed out")


def test_second_server_answers_after_the_first_times_out():
    w, stub = stub_world([DEAD1, NS1])
    time, answer, sent = lookup(w, stub, "www.example.com")
    assert sent == [(0, "10.9.9.1", "udp"), (5000, "203.0.113.53", "udp")]
    assert time == 5 * S + 20 * MS
    assert answer.message.answer[0].rdata == A("93.184.216.34")
    q = next(s.message for s in w.sent if s.dst == NS1)
    assert q.rd and q.edns is None                            # glibc: RD, no EDNS


def test_refused_moves_to_the_next_server_at_once():
    # example.com's servers refuse example.org: each is asked once per round, no waiting
    w, stub = stub_world([NS1, NS2])
    time, answer, sent = lookup(w, stub, "www.example.org")
    assert sent == [(0, "203.0.113.53", "udp"), (20, "203.0.113.54", "udp"),
                    (40, "203.0.113.53", "udp"), (60, "203.0.113.54", "udp")]
    assert time == 80 * MS and answer.error == "server failure"
    assert answer.message.rcode == 5


def test_truncated_answer_is_asked_again_over_tcp():
    w, stub = stub_world([NS1])
    time, answer, sent = lookup(w, stub, "big.example.com")
    assert sent == [(0, "203.0.113.53", "udp"), (20, "203.0.113.53", "tcp")]
    assert len(answer.message.answer) == 100


def test_rotate_starts_each_query_at_the_next_server():
    w, stub = stub_world([NS1, NS2], rotate=True)
    firsts = [lookup(w, stub, "www.example.com", at=i * S)[2][0][1] for i in range(3)]
    assert firsts == ["203.0.113.53", "203.0.113.54", "203.0.113.53"]


def test_hosts_table_answers_first():
    hosts = HostsTable({"www.example.com": ["10.1.2.3", "2001:db8::5"], "printer": ["192.168.1.9"]})
    w, stub = stub_world([NS1], hosts=hosts)
    time, answer, sent = lookup(w, stub, "WWW.example.com")
    assert (time, sent) == (0, [])
    assert [(rr.ttl, rr.rdata) for rr in answer.message.answer] == [(0, A("10.1.2.3"))]
    _, answer, sent = lookup(w, stub, "www.example.com", TYPE_AAAA)
    assert sent == [] and answer.message.answer[0].rdata == AAAA("2001:db8::5")
    _, answer, sent = lookup(w, stub, "9.1.168.192.in-addr.arpa", TYPE_PTR)
    assert sent == [] and answer.message.answer[0].rdata == PTR("printer")
    _, answer, sent = lookup(w, stub, "mail.example.com", at=S)     # not in hosts: DNS
    assert len(sent) == 1 and answer.message.answer[0].rdata == A("192.0.2.25")


def test_stub_cache_when_configured():
    w, stub = stub_world([NS1], cache=Cache())
    lookup(w, stub, "www.example.com")
    time, answer, sent = lookup(w, stub, "www.example.com", at=10 * S)
    assert sent == [] and answer.message.answer[0].ttl == 291      # cached at 20 ms
    _, answer, _ = lookup(w, stub, "nope.example.com", at=11 * S)
    assert answer.message.rcode == NXDOMAIN
    _, answer, sent = lookup(w, stub, "nope.example.com", at=12 * S)
    assert sent == [] and answer.message.rcode == NXDOMAIN


def test_resolv_conf_checks():
    with pytest.raises(ValueError, match="no nameserver"):
        ResolvConf(())
    assert len(ResolvConf(("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4")).nameservers) == 3


# -- the forwarder and the whole chain -------------------------------------------------

def home_world(isp_dead=False):
    nodes = hierarchy()
    nodes[ISP] = RecursiveResolver(ROOT_HINTS, random.Random(11))
    forwarder = Forwarder(ResolvConf((ISP,)), random.Random(12))
    nodes[ROUTER] = forwarder
    nodes[PC] = StubResolver(ResolvConf((ROUTER,)), random.Random(13))
    w = World(nodes)
    if isp_dead:
        w.dead.add(ISP)
    return w, nodes[PC], forwarder


def test_cold_then_warm_through_the_home_router():
    w, stub, forwarder = home_world()
    time, answer, sent = lookup(w, stub, "www.example.com")
    assert [(s.time // MS, str(s.src), str(s.dst)) for s in w.sent if not s.message.qr] == [
        (0, "192.168.1.10", "192.168.1.1"), (10, "192.168.1.1", "10.0.0.53"),
        (20, "10.0.0.53", "198.41.0.4"), (40, "10.0.0.53", "192.5.6.30"),
        (60, "10.0.0.53", "203.0.113.53")]
    assert time == 100 * MS                  # 5 exchanges of 20 ms
    r = answer.message
    assert (r.rcode, r.ra, r.aa) == (NOERROR, True, False)
    assert [rr.text() for rr in r.answer] == ["www.example.com.\t300\tIN\tA\t93.184.216.34"]
    # within the TTL the router answers: nothing leaves the home network
    before = len(w.sent)
    time, answer, _ = lookup(w, stub, "www.example.com", at=60 * S)
    assert {str(s.dst) for s in w.sent[before:]} == {"192.168.1.1", "192.168.1.10"}
    assert time == 60 * S + 20 * MS and answer.message.answer[0].ttl == 241
    assert forwarder.answered_from_cache == 1
    # after it, the router forwards again and the ISP resolver asks example.com only
    before = len(w.sent)
    lookup(w, stub, "www.example.com", at=301 * S)
    assert [str(s.dst) for s in w.sent[before:] if not s.message.qr] == [
        "192.168.1.1", "10.0.0.53", "203.0.113.53"]


def test_forwarder_relays_with_the_client_id_and_a_fresh_upstream_id():
    w, _, forwarder = home_world()
    query = Message.query("Www.Example.com", TYPE_A, id=0xBEEF)
    w.step(ROUTER, forwarder.query(query, 0, "lan-client"))
    w.run()
    (_, answer), = w.answers
    upstream = next(s.message for s in w.sent if s.src == ROUTER)
    assert upstream.id != 0xBEEF and upstream.rd
    assert str(upstream.question.name) == "Www.Example.com."
    assert answer.message.id == 0xBEEF and answer.message.ra
    assert str(answer.message.answer[0].name) == "Www.Example.com."


def test_forwarder_caches_negative_answers():
    w, _, forwarder = home_world()
    w.step(ROUTER, forwarder.query(Message.query("nope.example.com", TYPE_A, id=1), 0, "c"))
    w.run()
    before = len(w.sent)
    w.step(ROUTER, forwarder.query(Message.query("nope.example.com", TYPE_AAAA, id=2),
                                   w.now, "c"))
    w.run()
    assert len(w.sent) == before and w.answers[-1][1].message.rcode == NXDOMAIN


def test_forwarder_answers_servfail_when_upstream_is_silent():
    w, _, forwarder = home_world(isp_dead=True)
    w.step(ROUTER, forwarder.query(Message.query("www.example.com", TYPE_A, id=9), 0, "c"))
    w.run()
    assert [s.time // MS for s in w.sent if s.src == ROUTER] == [0, 5000]
    (time, answer), = w.answers
    assert time == 10 * S and answer.message.rcode == SERVFAIL and answer.message.id == 9

