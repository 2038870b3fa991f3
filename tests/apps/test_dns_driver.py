"""DNS running on nodes (topologies/dns_hierarchy.yaml): dig and the host stub against
the ISP resolver, which resolves from the root through com. to example.com.; every
negative path is a result; the cold lookup's time is the sum of its hops' times."""

from simulator.apps.dns.dig_app import Dig, Nslookup
from simulator.apps.dns.authoritative import AuthoritativeServer
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import Edns, Message
from simulator.wire.dns_records import TYPE_A, TYPE_SOA

from tests.apps.dns_net import MS, S, Net

RESOLVER = "10.0.0.53"


def dig(net, t, name, qtype="A", **kw):
    return net.at(t, Dig(net.nodes["pc"], name, qtype, server=kw.pop("server", RESOLVER), **kw))


def queries(net, node=None, transport=None):
    """(sender, server) of each query sent (dns.query events), in order."""
    return [(e["node"], e["server"]) for e in net.wire if e["event"] == "dns.query"
            and node in (None, e["node"]) and transport in (None, e["transport"])]


def warm_arp(net):
    """Pings along every path a lookup takes, so the lookups that follow wait for no
    ARP (entries stay reachable 30 s)."""
    from simulator.apps.ping import Ping
    for src, dst in (("pc", RESOLVER), ("isp-resolver", "198.41.0.4"),
                     ("isp-resolver", "192.5.6.30"), ("isp-resolver", "203.0.113.53")):
        net.at(0, Ping(net.nodes[src], IPv4Address(dst), count=1))


# -------------------------------------------------------------------- timing

def hop_ns(dns_bytes: int, rate: int, delay: int) -> int:
    """One link: the frame (Ethernet 14 + FCS 4 + IPv4 20 + UDP 8 + DNS, padded to 64)
    clocked out at ``rate``, then the propagation delay."""
    wire = 18 + max(46, 28 + dns_bytes)
    return (wire * 8 * S + rate // 2) // rate + delay


LAN = [(100_000_000, 1 * MS), (100_000_000, 1 * MS)]                # pc → switch → resolver
UPLINK = [(100_000_000, 1 * MS), (1_000_000_000, MS // 10), (100_000_000, 5 * MS)]
DELAY_TO = {"a-root": 10 * MS, "a-gtld": 8 * MS, "ns1-example": 20 * MS}


def exchange_ns(links, query: Message, response: Message) -> int:
    """A query along ``links`` and its response back along the same links."""
    return sum(hop_ns(len(query.pack()), r, d) + hop_ns(len(response.pack()), r, d)
               for r, d in links)


def test_cold_lookup_time_is_the_sum_of_the_exchanges_hop_times():
    net = Net()
    warm_arp(net)
    app = dig(net, S, "www.example.com")
    net.run(3 * S)
    assert queries(net, "isp-resolver") == [("isp-resolver", "198.41.0.4"),
                                            ("isp-resolver", "192.5.6.30"),
                                            ("isp-resolver", "203.0.113.53")]
    expected = 0
    for server in ("a-root", "a-gtld", "ns1-example"):
        zones = net.service(server, "dns_server").server.zones
        upstream = Message.query("www.example.com", TYPE_A, rd=False, edns=Edns(1232))
        answer = AuthoritativeServer(zones).answer(upstream)
        expected += exchange_ns(UPLINK + [(100_000_000, DELAY_TO[server])], upstream, answer)
    client_query = Message.query("www.example.com", TYPE_A, rd=True, edns=Edns(1232))
    expected += exchange_ns(LAN, client_query, app.response)
    assert app.query_time_ns == expected
    assert len(app.response.pack()) == 78                    # dig: MSG SIZE rcvd: 78
    # propagation 2 × (2 + 16.1 + 14.1 + 26.1) ms = 116.6 ms, then 196.928 µs of clocking
    assert expected == 116_796_928


# ----------------------------------------------------------------- the lessons

def test_cold_lookup_follows_the_cname_and_the_second_comes_from_the_cache():
    net = Net()
    cold = dig(net, S, "www.example.com")
    warm = dig(net, 11 * S, "www.example.com")
    net.run(12 * S)
    r = cold.result()
    assert (r["rcode"], r["answers"], r["ttls"], r["flags"]) == (
        "NOERROR", ["93.184.216.34"], [300, 300], ["qr", "rd", "ra"])
    assert "www.example.com.\t300\tIN\tCNAME\tweb.example.com." in r["output"]
    w = warm.result()
    stored = cold.query.sent_at + cold.query_time_ns - 2 * hop_ns(0, 100_000_000, MS)
    assert w["ttls"] == [300 - (11 * S - stored) // S] * 2 == [291, 291]
    assert w["answers"] == ["93.184.216.34"]
    assert w["query_time_ns"] < 5 * MS                       # the LAN only
    assert len(queries(net, "isp-resolver")) == 3            # none for the warm lookup
    cache = net.service("isp-resolver", "dns_resolver").engine.cache
    assert cache.hits >= 1


def test_nxdomain_carries_the_soa_with_the_negative_ttl():
    net = Net()
    app = dig(net, S, "nope.example.com")
    net.run(3 * S)
    m = app.response
    assert app.result()["rcode"] == "NXDOMAIN" and m.answer == []
    assert [(rr.rtype, rr.ttl) for rr in m.authority] == [(TYPE_SOA, 300)]


def test_nodata_is_noerror_without_the_type():
    net = Net()
    app = dig(net, S, "web.example.com", "AAAA")
    net.run(3 * S)
    r = app.result()
    assert (r["rcode"], r["answers"], r["nodata"]) == ("NOERROR", [], True)


def test_after_the_ttl_only_the_example_com_server_is_asked_again():
    net = Net()
    dig(net, S, "www.example.com")
    late = dig(net, 305 * S, "www.example.com")
    net.run(306 * S)
    assert queries(net, "isp-resolver")[3:] == [("isp-resolver", "203.0.113.53")]
    assert late.result()["ttls"] == [300, 300]


def test_dead_delegation_gives_servfail_after_two_tries():
    net = Net()
    warm_arp(net)
    app = dig(net, S, "www.broken.com")
    net.run(5 * S)
    assert queries(net, "isp-resolver")[2:] == [("isp-resolver", "192.0.2.53")] * 2
    r = app.result()
    assert r["rcode"] == "SERVFAIL" and r["errors"] == 0
    # the referrals from root and com, then two tries of 1 s each at the dead server
    expected = 2 * S + exchange_ns(LAN, Message.query("www.broken.com", TYPE_A,
                                                      edns=Edns(1232)), app.response)
    for server in ("a-root", "a-gtld"):
        upstream = Message.query("www.broken.com", TYPE_A, rd=False, edns=Edns(1232))
        answer = AuthoritativeServer(net.service(server, "dns_server").server.zones).answer(
            upstream)
        expected += exchange_ns(UPLINK + [(100_000_000, DELAY_TO[server])], upstream, answer)
    assert r["query_time_ns"] == expected


def test_a_server_that_never_answers_is_a_timeout():
    net = Net()
    app = dig(net, S, "www.example.com", server="192.0.2.53", timeout_ns=2 * S, tries=2)
    net.run(10 * S)
    r = app.result()
    assert (r["rcode"], r["errors"]) == ("TIMEOUT", 1)
    assert r["output"][:2] == [";; communications error to 192.0.2.53#53: timed out"] * 2
    assert ";; no servers could be reached" in r["output"]


def test_truncated_answers_are_asked_again_over_tcp():
    net = Net()
    app = dig(net, S, "big.example.com", "TXT")
    net.run(3 * S)
    r = app.result()
    assert (r["rcode"], r["transport"], r["truncated"], len(r["answers"])) == (
        "NOERROR", "tcp", True, 7)
    assert r["output"][0] == ";; Truncated, retrying in TCP mode."
    assert queries(net, transport="tcp") == [("isp-resolver", "203.0.113.53"),
                                             ("pc", RESOLVER)]
    assert len(queries(net, transport="udp")) == 4        # pc, root, com, example.com


def test_nslookup_prints_the_canonical_name_and_address():
    net = Net()
    app = net.at(S, Nslookup(net.nodes["pc"], "www.example.com"))
    net.run(3 * S)
    assert app.result()["output"][:7] == [
        "Server:\t\t10.0.0.53", "Address:\t10.0.0.53#53", "",
        "Non-authoritative answer:", "www.example.com\tcanonical name = web.example.com.",
        "Name:\tweb.example.com", "Address: 93.184.216.34"]


def test_norecurse_answers_from_the_cache_alone():
    net = Net()
    before = dig(net, S, "www.example.com", recurse=False)
    dig(net, 2 * S, "www.example.com")
    after = dig(net, 4 * S, "www.example.com", recurse=False)
    other = dig(net, 5 * S, "mail.example.com", recurse=False)
    net.run(6 * S)
    # nothing cached yet: no answer, no referral (no root NS is cached), nothing sent
    assert (before.result()["rcode"], before.response.answer, before.response.authority) == (
        "NOERROR", [], [])
    assert after.result()["answers"] == ["93.184.216.34"]
    assert after.result()["ttls"] == [299, 299]           # cached at 2.1 s, read at 4.0 s
    # not cached, but example.com's servers are: a referral to them, with their address
    assert other.response.answer == []
    assert [rr.rdata.text() for rr in other.response.authority] == ["ns1.example.com."]
    assert [rr.rdata.text() for rr in other.response.additional] == ["203.0.113.53"]
    assert len(queries(net, "isp-resolver")) == 3              # only the recursive one's
