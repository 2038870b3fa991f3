"""``node.resolver`` (the services contract's host resolver API) on the DNS hierarchy,
and the servers' port 53 against garbage; the wire checked by tshark and dnspython."""

import dns.message

from simulator.phy.pcap import PcapWriter
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import FORMERR, Message
from simulator.wire.udp import UdpDatagram

from tests.apps.dns_net import MS, S, Net

RESOLVER = IPv4Address("10.0.0.53")
from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems


def test_resolve_gives_the_addresses_after_the_cname_from_the_server():
    net = Net()
    out = net.resolve("pc", S, "www.example.com")
    net.run(3 * S)
    (res,) = out
    assert (res.rcode, res.addresses, res.nodata, res.source, res.server) == (
        "NOERROR", [IPv4Address("93.184.216.34")], False, "server", IPv4Address("10.0.0.53"))
    assert 116 * MS < res.elapsed_ns < 300 * MS              # cold, ARP on every hop


def test_hosts_table_and_literals_answer_at_once_without_a_query():
    net = Net()
    hosts = net.resolve("pc", S, "printer.lan")
    literal = net.resolve("pc", S, "192.0.2.1")
    net.run(2 * S)
    assert [(r.rcode, r.addresses, r.source, r.elapsed_ns) for r in hosts + literal] == [
        ("NOERROR", [IPv4Address("10.0.0.9")], "hosts", 0),
        ("NOERROR", [IPv4Address("192.0.2.1")], "hosts", 0)]
    assert net.wire == []


def test_negative_answers_are_results():
    net = Net()
    nx = net.resolve("pc", S, "nope.example.com")
    nodata = net.resolve("pc", 2 * S, "web.example.com", "MX")
    servfail = net.resolve("pc", 3 * S, "www.broken.com")
    bad = net.resolve("pc", 3 * S, "a..b")
    net.run(20 * S)
    assert [(r.rcode, r.addresses, r.nodata) for r in nx + nodata + servfail + bad] == [
        ("NXDOMAIN", [], False), ("NOERROR", [], True), ("SERVFAIL", [], False),
        ("BADNAME", [], False)]
    # glibc asks the one server again after SERVFAIL (attempts 2): 2 × (2 s of tries)
    assert 4 * S < servfail[0].elapsed_ns < 5 * S


def test_no_servers_fails_at_once_and_a_dead_server_times_out_as_glibc():
    net = Net()
    none = net.resolve("a-root", S, "www.example.com")
    net.nodes["pc"].resolver.configure(servers=["192.0.2.53"])
    dead = net.resolve("pc", S, "www.example.com")
    net.run(20 * S)
    assert (none[0].rcode, none[0].elapsed_ns, none[0].source) == ("NOSERVERS", 0, None)
    assert (dead[0].rcode, dead[0].elapsed_ns, dead[0].server) == ("TIMEOUT", 10 * S, None)
    summary = net.nodes["pc"].resolver.summary()
    assert summary["rcodes"] == {"TIMEOUT": 1} and summary["queries_sent"] == 2


def test_configure_takes_dhcp_servers_and_search_domain():
    net = Net()
    resolver = net.nodes["a-root"].resolver
    resolver.configure(servers=["10.0.0.53"], domain="example.com")
    out = net.resolve("a-root", S, "web")
    net.run(3 * S)
    assert (out[0].name, out[0].rcode, out[0].addresses) == (
        "web.example.com", "NOERROR", [IPv4Address("93.184.216.34")])
    assert resolver.servers == (IPv4Address("10.0.0.53"),)


def test_garbage_to_port_53_gets_formerr_or_nothing():
    net = Net()
    pc = net.nodes["pc"]
    port = pc.udp.bind(0)
    got = []
    port.on_datagram = lambda packet, datagram: got.append(Message.unpack(datagram.payload))
    query_header = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    net.sim.call_later(S, lambda _e: port.sendto(query_header + b"\x07", RESOLVER, 53))
    net.sim.call_later(S, lambda _e: port.sendto(b"\x00", RESOLVER, 53))
    net.run(2 * S)
    assert [(m.id, m.rcode) for m in got] == [(0x1234, FORMERR)]
    assert net.service("isp-resolver", "dns_resolver").port53.counters() == {
        "queries": 1, "responses": {"FORMERR": 1}}


class _Collect:
    """A capture tap keeping the payload of each UDP datagram from or to port 53."""

    def __init__(self):
        self.payloads = []

    def write(self, ns, frame):
        datagram = getattr(frame.payload, "payload", None)
        if isinstance(datagram, UdpDatagram) and 53 in (datagram.src_port, datagram.dst_port):
            self.payloads.append(datagram.payload)


def test_every_message_decodes_in_tshark_and_dnspython(tmp_path):
    require_tshark()
    net = Net()
    iface = net.nodes["isp-resolver"].interfaces["eth0"]
    path = tmp_path / "resolver.pcap"
    writer, collect = PcapWriter(path), _Collect()
    iface.captures += [writer, collect]
    for t, name, qtype in ((S, "www.example.com", "A"), (2 * S, "nope.example.com", "A"),
                           (3 * S, "web.example.com", "AAAA"), (4 * S, "big.example.com", "TXT"),
                           (5 * S, "www.example.com", "A")):
        net.resolve("pc", t, name, qtype)
    net.run(10 * S)
    writer.close()
    rows = tshark_fields(path, ["dns.id", "udp.srcport", "dns.qry.name"])
    dns_rows = [row for row in rows if row["dns.id"]]
    assert len(dns_rows) == 2 * len(queries_of(net))          # each query and its answer
    assert len([row for row in dns_rows if row["udp.srcport"]]) == len(collect.payloads)
    assert {row["dns.qry.name"] for row in dns_rows} == {
        "www.example.com", "nope.example.com", "web.example.com", "big.example.com"}
    problems = tshark_problems(path)
    assert problems == clean(problems["frames"])
    for payload in collect.payloads:
        ours, theirs = Message.unpack(payload), dns.message.from_wire(payload)
        assert theirs.id == ours.id and theirs.rcode() == ours.rcode
        assert [len(s) for s in (theirs.answer, theirs.authority)] == [
            len({(rr.name.key, rr.rtype) for rr in section})
            for section in (ours.answer, ours.authority)]


def queries_of(net):
    return [e for e in net.wire if e["event"] == "dns.query"]
