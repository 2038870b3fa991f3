"""dig and nslookup output, compared with text written by hand in BIND 9.18's layout
(dig's sections and footer; records at columns 24/32/40/48 reached by 8-wide tabs,
one space when a field already runs past its column)."""

from simulator.apps.dns.dig import dig_text, dig_timeout_text, nslookup_text, record_line
from simulator.wire.dns import NXDOMAIN, SERVFAIL, Edns, Message
from simulator.wire.dns_records import (AAAA, CNAME, NS, PTR, SOA, TYPE_A, TYPE_AAAA, A,
                                        ResourceRecord)

SOA_RR = ResourceRecord("example.com", 300, SOA("ns1.example.com", "hostmaster.example.com",
                                                2024010101, 7200, 3600, 1209600, 300))


def response(name, qtype, rcode=0, edns=None, **sections):
    q = Message.query(name, qtype, id=6699, edns=edns)
    r = Message.response_to(q, rcode)
    r.ra, r.edns = True, edns
    for section, records in sections.items():
        setattr(r, section, records)
    return Message.unpack(r.pack())


def test_dig_answer_with_edns():
    r = response("www.example.com", TYPE_A, edns=Edns(1232),
                 answer=[ResourceRecord("www.example.com", 300, A("93.184.216.34"))])
    assert dig_text(r, args="@10.0.0.53 www.example.com", server="10.0.0.53",
                    query_time_ns=70_999_999) == (
        "\n"
        "; <<>> DiG netsim <<>> @10.0.0.53 www.example.com\n"
        ";; global options: +cmd\n"
        ";; Got answer:\n"
        ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 6699\n"
        ";; flags: qr rd ra; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n"
        "\n"
        ";; OPT PSEUDOSECTION:\n"
        "; EDNS: version: 0, flags:; udp: 1232\n"
        ";; QUESTION SECTION:\n"
        ";www.example.com.\t\tIN\tA\n"
        "\n"
        ";; ANSWER SECTION:\n"
        "www.example.com.\t300\tIN\tA\t93.184.216.34\n"
        "\n"
        ";; Query time: 70 msec\n"
        ";; SERVER: 10.0.0.53#53(10.0.0.53) (UDP)\n"
        ";; MSG SIZE  rcvd: 60\n"
        "\n")


def test_dig_nxdomain_with_authority_and_when():
    r = response("nope.example.com", TYPE_A, NXDOMAIN, authority=[SOA_RR])
    r.aa = True
    text = dig_text(r, args="nope.example.com", server="192.168.1.1", query_time_ns=0,
                    transport="tcp", when="Thu Jan 01 00:00:01 UTC 1970")
    assert text == (
        "\n"
        "; <<>> DiG netsim <<>> nope.example.com\n"
        ";; global options: +cmd\n"
        ";; Got answer:\n"
        ";; ->>HEADER<<- opcode: QUERY, status: NXDOMAIN, id: 6699\n"
        ";; flags: qr aa rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 0\n"
        "\n"
        ";; QUESTION SECTION:\n"
        ";nope.example.com.\t\tIN\tA\n"
        "\n"
        ";; AUTHORITY SECTION:\n"
        "example.com.\t\t300\tIN\tSOA\tns1.example.com. hostmaster.example.com. "
        "2024010101 7200 3600 1209600 300\n"
        "\n"
        ";; Query time: 0 msec\n"
        ";; SERVER: 192.168.1.1#53(192.168.1.1) (TCP)\n"
        ";; WHEN: Thu Jan 01 00:00:01 UTC 1970\n"
        f";; MSG SIZE  rcvd: {len(r.pack())}\n"
        "\n")


def test_dig_referral_and_do_flag():
    r = response("www.example.com", TYPE_A, edns=Edns(4096, do=True),
                 authority=[ResourceRecord("com", 172800, NS("a.gtld-servers.net"))],
                 additional=[ResourceRecord("a.gtld-servers.net", 172800, A("192.5.6.30")),
                             ResourceRecord("a.gtld-servers.net", 172800,
                                            AAAA("2001:503:a83e::2:30"))])
    text = dig_text(r, args="+norecurse @198.41.0.4 www.example.com", server="198.41.0.4",
                    query_time_ns=12_000_000)
    assert ";; flags: qr rd ra; QUERY: 1, ANSWER: 0, AUTHORITY: 1, ADDITIONAL: 3\n" in text
    assert "; EDNS: version: 0, flags: do; udp: 4096\n" in text
    assert (";; AUTHORITY SECTION:\n"
            "com.\t\t\t172800\tIN\tNS\ta.gtld-servers.net.\n"
            "\n"
            ";; ADDITIONAL SECTION:\n"
            "a.gtld-servers.net.\t172800\tIN\tA\t192.5.6.30\n"
            "a.gtld-servers.net.\t172800\tIN\tAAAA\t2001:503:a83e::2:30\n"
            "\n") in text


def test_record_columns_when_fields_run_long():
    # a 27-character owner passes column 24: one space; the TTL then ends at 32 exactly
    assert record_line(ResourceRecord("34.216.184.93.in-addr.arpa", 3600,
                                      PTR("www.example.com"))) == (
        "34.216.184.93.in-addr.arpa. 3600 IN\tPTR\twww.example.com.")
    assert record_line(ResourceRecord("a.b", 0, CNAME("c"))) == "a.b.\t\t\t0\tIN\tCNAME\tc."


def test_dig_timeout():
    assert dig_timeout_text(args="www.example.com", server="10.0.0.53", tries=3) == (
        ";; communications error to 10.0.0.53#53: timed out\n" * 3
        + "\n"
        "; <<>> DiG netsim <<>> www.example.com\n"
        ";; global options: +cmd\n"
        ";; no servers could be reached\n"
        "\n")


def test_nslookup_non_authoritative_with_cname():
    a = response("alias.example.com", TYPE_A,
                 answer=[ResourceRecord("alias.example.com", 300, CNAME("www.example.com")),
                         ResourceRecord("www.example.com", 300, A("93.184.216.34"))])
    aaaa = response("alias.example.com", TYPE_AAAA,
                    answer=[ResourceRecord("alias.example.com", 300, CNAME("www.example.com")),
                            ResourceRecord("www.example.com", 300,
                                           AAAA("2606:2800:220:1::248"))])
    assert nslookup_text("alias.example.com", [a, aaaa], server="10.0.0.53") == (
        "Server:\t\t10.0.0.53\n"
        "Address:\t10.0.0.53#53\n"
        "\n"
        "Non-authoritative answer:\n"
        "alias.example.com\tcanonical name = www.example.com.\n"
        "Name:\twww.example.com\n"
        "Address: 93.184.216.34\n"
        "Name:\twww.example.com\n"
        "Address: 2606:2800:220:1::248\n"
        "\n")


def test_nslookup_failures():
    nx = response("nope.example.com", TYPE_A, NXDOMAIN, authority=[SOA_RR])
    assert nslookup_text("nope.example.com", [nx], server="10.0.0.53").endswith(
        "\n** server can't find nope.example.com: NXDOMAIN\n\n")
    sf = response("x.example.com", TYPE_A, SERVFAIL)
    assert "** server can't find x.example.com: SERVFAIL\n" in nslookup_text(
        "x.example.com", [sf], server="10.0.0.53")
    nodata = response("mail.example.com", TYPE_AAAA, authority=[SOA_RR])
    assert "*** Can't find mail.example.com: No answer\n" in nslookup_text(
        "mail.example.com", [nodata], server="10.0.0.53")
    assert nslookup_text("x", [None], server="10.0.0.53") == (
        ";; connection timed out; no servers could be reached\n\n")
