"""Zone data from dicts and from RFC 1035 master files; what a server refuses to load."""

import pytest

from simulator.apps.dns.zone import Zone, ZoneError
from simulator.wire.dns_records import (MX, NS, SOA, TYPE_A, TYPE_MX, TYPE_NS, TYPE_SOA,
                                        TYPE_TXT, A, Name, UnknownRdata)

from tests.apps.dns_world import EXAMPLE_COM, EXAMPLE_NET

N = Name.of

MINIMAL = [{"name": "@", "type": "SOA", "data": "ns1 hostmaster 1 7200 3600 1209600 300"},
           {"name": "@", "type": "NS", "data": "ns1"}]


def zone(*extra, origin="example.org"):
    return Zone.from_dict({"origin": origin, "ttl": 600, "records": MINIMAL + list(extra)})


def test_master_file_with_ttl_parentheses_comments_and_relative_names():
    z = Zone.from_master(EXAMPLE_COM, "example.com")
    assert z.soa.ttl == 3600
    assert z.soa.rdata == SOA("ns1.example.com", "hostmaster.example.com", 2024010101, 7200,
                              3600, 1209600, 300)
    assert [rr.rdata for rr in z.get(N("example.com"), TYPE_NS)] == [
        NS("ns1.example.com"), NS("ns2.example.com")]
    assert [(rr.ttl, rr.rdata) for rr in z.get(N("example.com"), TYPE_MX)] == [
        (86400, MX(10, "mail.example.com"))]                    # $TTL applies
    assert z.get(N("WWW.example.com"), TYPE_A)[0].ttl == 300
    assert len(z.get(N("big.example.com"), TYPE_A)) == 100


def test_dict_records_relative_to_origin_with_default_ttl():
    z = zone({"name": "www", "type": "A", "data": "192.0.2.1"},
             {"name": "www", "type": "A", "ttl": 60, "data": "192.0.2.2"},
             {"name": "txt", "type": "TXT", "data": '"v=spf1 -all"'},
             {"name": "raw", "type": "TYPE65534", "data": r"\# 2 0102"})
    www = z.get(N("www.example.org"), TYPE_A)
    # the RRset takes the smaller TTL (RFC 2181 §5.2)
    assert [(rr.ttl, rr.rdata) for rr in www] == [(60, A("192.0.2.1")), (60, A("192.0.2.2"))]
    assert z.get(N("txt.example.org"), TYPE_TXT)[0].rdata.strings == (b"v=spf1 -all",)
    assert z.get(N("raw.example.org"), 65534)[0].rdata == UnknownRdata(65534, b"\x01\x02")
    assert z.get(N("example.org"), TYPE_SOA)[0].ttl == 600


def test_dict_and_master_forms_agree():
    z1 = Zone.from_dict(EXAMPLE_NET)
    text = "\n".join(f"{r['name']} {r['ttl']} IN {r['type']} {r['data']}"
                     for r in EXAMPLE_NET["records"])
    z2 = Zone.from_master(text, "example.net")
    for name in ("example.net", "www.example.net", "ns.example.net"):
        for rtype in (TYPE_SOA, TYPE_NS, TYPE_A):
            assert z1.get(N(name), rtype) == z2.get(N(name), rtype)


def test_negative_soa_ttl_is_min_of_ttl_and_minimum():
    assert zone().negative_soa().ttl == 300                   # TTL 600, MINIMUM 300
    z = Zone.from_dict({"origin": "x", "records": [
        {"name": "@", "ttl": 30, "type": "SOA", "data": "ns hm 1 2 3 4 300"},
        {"name": "@", "type": "NS", "data": "ns"}]})
    assert z.negative_soa().ttl == 30                          # RFC 2308 §3


def test_existence_cuts_and_glue():
    z = Zone.from_master(EXAMPLE_COM, "example.com")
    assert z.exists(N("sub.example.com"))                      # empty non-terminal
    assert not z.exists(N("nope.example.com"))
    assert [rr.rdata for rr in z.cut(N("host.dept.example.com"))] == [NS("ns.dept.example.com")]
    assert z.cut(N("www.example.com")) == []
    assert z.cut(N("example.com")) == []                       # the apex is no cut
    assert [rr.rdata for rr in z.glue(N("ns.dept.example.com"))] == [A("203.0.113.99")]
    assert z.glue(N("ns.example.net")) == []


@pytest.mark.parametrize("spec, match", [
    ({"origin": "x.org", "records": MINIMAL[1:]}, "no SOA record at the apex"),
    ({"origin": "x.org", "records": MINIMAL[:1]}, "no NS records at the apex"),
    ({"origin": "x.org", "records": MINIMAL + [
        {"name": "www", "type": "SOA", "data": "a b 1 2 3 4 5"}]},
     r"records\[2\]: a zone has one SOA"),
    ({"origin": "x.org", "records": MINIMAL + [
        {"name": "w", "type": "CNAME", "data": "x"},
        {"name": "w", "type": "A", "data": "1.2.3.4"}]},
     r"records\[3\]: w.x.org. has a CNAME and other data"),
    ({"origin": "x.org", "records": MINIMAL + [
        {"name": "www.other.net.", "type": "A", "data": "1.2.3.4"}]},
     r"records\[2\]: owner www.other.net. is outside the zone x.org."),
    ({"origin": "x.org", "records": MINIMAL + [{"name": "w", "type": "A", "data": "1.2.3"}]},
     r"records\[2\]: .*'1.2.3'"),
    ({"origin": "x.org", "records": MINIMAL + [{"name": "w", "type": "AX", "data": "1"}]},
     r"records\[2\]: .*unknown"),
    ({"origin": "x.org", "records": MINIMAL + [{"name": "w", "type": "A"}]},
     r"records\[2\]: missing field 'data'"),
    ({"origin": "x.org", "records": MINIMAL + [
        {"name": "w", "type": "A", "ttl": -1, "data": "1.2.3.4"}]},
     r"records\[2\]: ttl: -1 is not"),
    ({"origin": "x.org", "ttl": "1h", "records": MINIMAL}, r"^ttl: '1h' is not a TTL"),
    ({"origin": "x.org", "records": "www A 1.2.3.4"}, r"^records: expected a list"),
    ({"origin": "x.org", "records": MINIMAL + ["www A 1.2.3.4"]}, r"records\[2\]: expected a"),
    ({"origin": "a..b", "records": []}, "origin: invalid domain name"),
])
def test_bad_zone_data(spec, match):
    with pytest.raises(ZoneError, match=match):
        Zone.from_dict(spec)


def test_a_zone_that_is_not_a_mapping():
    with pytest.raises(ZoneError, match="expected a mapping, got list"):
        Zone.from_dict([])


def test_bad_master_file_names_the_file():
    with pytest.raises(ZoneError, match=r"^db.example: .*unknown rdatatype"):
        Zone.from_master("$TTL 60\n@ SOA a b 1 2 3 4 5\n@ NS a\nw AX 1\n", "example",
                         filename="db.example")
    with pytest.raises(ZoneError, match="CNAME"):
        Zone.from_master("$TTL 60\n@ SOA a b 1 2 3 4 5\n@ NS a\nw CNAME x\nw A 1.2.3.4\n",
                         "example")
