"""Wireshark's DNS dissector reads our messages, over UDP and over TCP (RFC 7766
framing): no malformed frame, no expert error, good checksums, the fields we put in
and our info() equal to its Info column."""

from simulator.phy.pcap import PcapWriter
from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.dns import (NXDOMAIN, REFUSED, SERVFAIL, Edns, Message, frame_tcp)
from simulator.wire.dns_records import (AAAA, CNAME, MX, NS, PTR, SOA, TXT, TYPE_A, TYPE_AAAA,
                                        TYPE_MX, TYPE_NS, TYPE_PTR, TYPE_TXT, A,
                                        ResourceRecord, UnknownRdata)
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.tcp import ACK, PSH, SYN, TcpSegment
from simulator.wire.udp import UdpDatagram

from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems

CLIENT, SERVER = IPv4Address("192.0.2.10"), IPv4Address("198.51.100.53")
M1, M2 = MacAddress.local(1), MacAddress.local(2)
SOA_RR = ResourceRecord("example.com", 300, SOA("ns1.example.com", "hostmaster.example.com",
                                                2024010101, 7200, 3600, 1209600, 300))


def exchanges():
    """(query, response) pairs covering every record type, rcodes, EDNS and TC."""
    def pair(ident, name, qtype, edns=None, rcode=0, **sections):
        q = Message.query(name, qtype, id=ident, edns=edns)
        r = Message.response_to(q, rcode)
        r.aa, r.ra, r.edns = True, True, edns
        for section, rrs in sections.items():
            setattr(r, section, rrs)
        return q, r
    big = [ResourceRecord("big.example.com", 60, A(f"10.0.{i // 256}.{i % 256}"))
           for i in range(40)]
    tc = pair(0x1006, "big.example.com", TYPE_A, answer=big[:30])
    tc[1].tc = True
    return [
        pair(0x1001, "www.example.com", TYPE_A,
             answer=[ResourceRecord("www.example.com", 300, CNAME("web.example.com")),
                     ResourceRecord("web.example.com", 300, A("93.184.216.34"))]),
        pair(0x1002, "www.example.com", TYPE_AAAA, edns=Edns(1232, do=True),
             answer=[ResourceRecord("www.example.com", 300, AAAA("2606:2800:220:1::248"))]),
        pair(0x1003, "nx.example.com", TYPE_A, rcode=NXDOMAIN, authority=[SOA_RR]),
        pair(0x1004, "www.example.com", TYPE_A,
             authority=[ResourceRecord("example.com", 172800, NS("a.iana-servers.net")),
                        ResourceRecord("example.com", 172800, NS("b.iana-servers.net"))],
             additional=[ResourceRecord("a.iana-servers.net", 172800, A("199.43.135.53"))]),
        pair(0x1005, "example.com", TYPE_MX,
             answer=[ResourceRecord("example.com", 60, MX(10, "mail.example.com"))],
             additional=[ResourceRecord("mail.example.com", 60, A("192.0.2.25"))]),
        tc,
        pair(0x1007, "example.com", TYPE_TXT,
             answer=[ResourceRecord("example.com", 60, TXT(["v=spf1 -all", "x"]))]),
        pair(0x1008, "34.216.184.93.in-addr.arpa", TYPE_PTR,
             answer=[ResourceRecord("34.216.184.93.in-addr.arpa", 60, PTR("www.example.com"))]),
        pair(0x1009, "example.com", TYPE_NS, rcode=SERVFAIL),
        pair(0x100A, "other.org", TYPE_A, rcode=REFUSED),
        pair(0x100B, "x.example.com", 65534,
             answer=[ResourceRecord("x.example.com", 60, UnknownRdata(65534, b"\x01\x02"))]),
    ]


def udp_frame(src, dst, sport, dport, message):
    return EthernetFrame(M2, M1, 0x0800, IPv4Packet(src, dst, 17,
                                                    UdpDatagram(sport, dport, message.pack())))


def tcp_frames(query, response, port=40999):
    """A TCP connection carrying one framed query and its framed response."""
    q, r = frame_tcp(query.pack()), frame_tcp(response.pack())

    def seg(src, dst, sport, dport, seq, ack, flags, data=b""):
        return EthernetFrame(M2, M1, 0x0800, IPv4Packet(src, dst, 6, TcpSegment(
            sport, dport, seq, ack, flags, 65535, data), df=True))
    return [seg(CLIENT, SERVER, port, 53, 100, 0, SYN),
            seg(SERVER, CLIENT, 53, port, 500, 101, SYN | ACK),
            seg(CLIENT, SERVER, port, 53, 101, 501, ACK),
            seg(CLIENT, SERVER, port, 53, 101, 501, PSH | ACK, q),
            seg(SERVER, CLIENT, 53, port, 501, 101 + len(q), PSH | ACK, r)]


def test_tshark_reads_our_dns_cleanly(tmp_path):
    require_tshark()
    pairs = exchanges()
    frames, messages = [], []
    for i, (q, r) in enumerate(pairs):
        frames += [udp_frame(CLIENT, SERVER, 40000 + i, 53, q),
                   udp_frame(SERVER, CLIENT, 53, 40000 + i, r)]
        messages += [q, r]
    tcp_q = Message.query("big.example.com", TYPE_A, id=0x2001)
    tcp_r = Message.response_to(tcp_q)
    tcp_r.aa = True
    tcp_r.answer = [ResourceRecord("big.example.com", 60, A(f"10.1.0.{i}")) for i in range(60)]
    frames += tcp_frames(tcp_q, tcp_r)
    path = tmp_path / "dns.pcap"
    writer = PcapWriter(path)
    for i, frame in enumerate(frames):
        writer.write(i * 1_000_000, frame)
    writer.close()

    assert tshark_problems(path) == clean(len(frames))
    rows = tshark_fields(path, ["_ws.col.Info", "dns.id", "dns.flags.response",
                                "dns.flags.truncated", "dns.flags.rcode", "dns.count.answers",
                                "dns.qry.name", "dns.a", "dns.resp.ttl"])
    dns_rows = [row for row in rows if row["dns.id"]]
    assert len(dns_rows) == len(messages) + 2
    for m, row in zip(messages + [tcp_q, tcp_r], dns_rows):
        assert row["_ws.col.Info"] == m.info()
        assert int(row["dns.id"], 16) == m.id
        assert row["dns.flags.response"] == ("1" if m.qr else "0")
        assert row["dns.flags.truncated"] == ("1" if m.tc else "0")
        assert row["dns.flags.rcode"] == (str(m.rcode) if m.qr else "")
        assert int(row["dns.count.answers"]) == len(m.answer)
        assert row["dns.qry.name"] == m.question.name.info()
        answers_a = [str(rr.rdata.address) for rr in m.answer + m.authority + m.additional
                     if rr.rtype == TYPE_A]
        assert row["dns.a"] == ",".join(answers_a)
    tcp_row = dns_rows[-1]
    assert tcp_row["dns.a"].split(",")[-1] == "10.1.0.59"
    assert tcp_row["dns.resp.ttl"].split(",") == ["60"] * 60
