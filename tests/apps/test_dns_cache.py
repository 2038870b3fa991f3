"""The cache: TTLs counting down in whole seconds of simulated time, negative entries
(RFC 2308 §5), trust ranking (RFC 2181 §5.4.1), the capacity bound, CNAME chains."""

from simulator.apps.dns.cache import (RANK_ANSWER, RANK_GLUE, RANK_REFERRAL, Cache,
                                      cached_answer)
from simulator.wire.dns import NOERROR, NXDOMAIN
from simulator.wire.dns_records import (CNAME, SOA, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_MX, A,
                                        Name, ResourceRecord)

S = 1_000_000_000
N = Name.of
WWW = [ResourceRecord("www.example.com", 300, A("93.184.216.34")),
       ResourceRecord("www.example.com", 300, A("93.184.216.35"))]
SOA_RR = ResourceRecord("example.com", 3600, SOA("ns1.example.com", "h.example.com", 1, 2, 3,
                                                 4, 300))


def test_ttl_counts_down_in_whole_seconds_and_expires_exactly():
    c = Cache()
    c.put(WWW, 5 * S)
    assert [rr.ttl for rr in c.get(N("WWW.example.com"), TYPE_A, 5 * S)] == [300, 300]
    assert c.get(N("www.example.com"), TYPE_A, 5 * S + S - 1)[0].ttl == 300
    assert c.get(N("www.example.com"), TYPE_A, 6 * S)[0].ttl == 299
    assert c.get(N("www.example.com"), TYPE_A, 304 * S + S - 1)[0].ttl == 1
    assert c.get(N("www.example.com"), TYPE_A, 305 * S) is None      # stored + 300 s
    assert len(c) == 0


def test_rrset_takes_its_smallest_ttl_and_ttl_zero_is_not_stored():
    c = Cache(max_ttl=1000)
    c.put([WWW[0].with_ttl(50), WWW[1].with_ttl(40)], 0)
    assert [rr.ttl for rr in c.get(N("www.example.com"), TYPE_A, 0)] == [40, 40]
    c.put([ResourceRecord("x.example.com", 0, A("10.0.0.1"))], 0)
    assert c.get(N("x.example.com"), TYPE_A, 0) is None
    c.put([ResourceRecord("y.example.com", 10**6, A("10.0.0.1"))], 0)
    assert c.get(N("y.example.com"), TYPE_A, 0)[0].ttl == 1000         # max-cache-ttl


def test_nxdomain_covers_every_type_nodata_one():
    c = Cache()
    c.put_negative(N("nope.example.com"), TYPE_A, NXDOMAIN, SOA_RR, 0)
    c.put_negative(N("www.example.com"), TYPE_MX, NOERROR, SOA_RR, 0)
    rcode, soa = c.get_negative(N("nope.example.com"), TYPE_AAAA, 10 * S)
    assert (rcode, soa.ttl) == (NXDOMAIN, 290)            # min(3600, 300) - 10 s
    assert c.get_negative(N("www.example.com"), TYPE_MX, 0)[0] == NOERROR
    assert c.get_negative(N("www.example.com"), TYPE_A, 0) is None
    assert c.get_negative(N("nope.example.com"), TYPE_A, 300 * S) is None
    negative_soa = SOA_RR.with_ttl(30)
    c.put_negative(N("z.example.com"), TYPE_A, NXDOMAIN, negative_soa, 0)
    assert c.get_negative(N("z.example.com"), TYPE_A, 0)[1].ttl == 30


def test_positive_data_replaces_a_negative_entry():
    c = Cache()
    c.put_negative(N("www.example.com"), TYPE_A, NXDOMAIN, SOA_RR, 0)
    c.put(WWW, S)
    assert c.get_negative(N("www.example.com"), TYPE_A, S) is None
    assert len(c.get(N("www.example.com"), TYPE_A, S)) == 2


def test_lower_ranked_data_does_not_replace_live_data():
    c = Cache()
    c.put(WWW[:1], 0, RANK_ANSWER)
    c.put([ResourceRecord("www.example.com", 900, A("6.6.6.6"))], S, RANK_GLUE)
    assert c.get(N("www.example.com"), TYPE_A, S)[0].rdata == A("93.184.216.34")
    c.put([ResourceRecord("www.example.com", 900, A("6.6.6.6"))], 300 * S, RANK_GLUE)
    assert c.get(N("www.example.com"), TYPE_A, 300 * S)[0].rdata == A("6.6.6.6")   # expired
    c.put(WWW[1:], 301 * S, RANK_REFERRAL)
    assert c.get(N("www.example.com"), TYPE_A, 301 * S)[0].rdata == A("93.184.216.35")


def test_capacity_evicts_the_least_recently_used():
    c = Cache(capacity=2)
    a, b, d = ([ResourceRecord(f"{n}.example", 60, A("10.0.0.1"))] for n in "abd")
    c.put(a, 0)
    c.put(b, 0)
    assert c.get(N("a.example"), TYPE_A, 0)               # a is now the most recent
    c.put(d, 0)
    assert (len(c), c.evictions) == (2, 1)
    assert c.get(N("b.example"), TYPE_A, 0) is None
    assert c.get(N("a.example"), TYPE_A, 0) and c.get(N("d.example"), TYPE_A, 0)


def test_cached_answer_follows_cnames():
    c = Cache()
    alias = [ResourceRecord("alias.example.com", 100, CNAME("www.example.com"))]
    c.put(alias, 0)
    assert cached_answer(c, N("alias.example.com"), TYPE_A, 0) == (
        None, alias, [], N("www.example.com"))
    c.put(WWW, 0)
    rcode, answer, authority, last = cached_answer(c, N("alias.example.com"), TYPE_A, 7 * S)
    assert (rcode, authority, last) == (NOERROR, [], N("www.example.com"))
    assert [(rr.rtype, rr.ttl) for rr in answer] == [(TYPE_CNAME, 93), (TYPE_A, 293),
                                                     (TYPE_A, 293)]
    assert cached_answer(c, N("alias.example.com"), TYPE_CNAME, 0)[:2] == (NOERROR, alias)
    assert (c.hits, c.misses) == (2, 1)


def test_cached_answer_with_a_negative_end_and_a_loop():
    c = Cache()
    c.put([ResourceRecord("a.example.com", 100, CNAME("nope.example.com"))], 0)
    c.put_negative(N("nope.example.com"), TYPE_A, NXDOMAIN, SOA_RR, 0)
    rcode, answer, authority, _ = cached_answer(c, N("a.example.com"), TYPE_A, 0)
    assert (rcode, len(answer), authority[0].ttl) == (NXDOMAIN, 1, 300)
    c.put([ResourceRecord("l1.example.com", 100, CNAME("l2.example.com"))], 0)
    c.put([ResourceRecord("l2.example.com", 100, CNAME("l1.example.com"))], 0)
    rcode, answer, _, _ = cached_answer(c, N("l1.example.com"), TYPE_A, 0)
    assert rcode is None and len(answer) == 2
