"""A NAT gateway in a hand-built network: home LAN (192.168.1.0/24) → NAT → ISP router
→ server. Pings and UDP translate both ways; tshark, checksum validation on, finds the
outside capture with only public addresses and the inside one without the public
address, quoted headers included; Time Exceeded from beyond the NAT reaches the inside
host; unsolicited inbound is dropped and counted; port forwarding; hairpinning;
fragments; mapping creation and expiry in the trace."""

from ipaddress import IPv4Address as A
from ipaddress import IPv4Network

from simulator.engine.sim import Simulation
from simulator.nodes.nat import NatGateway
from simulator.nodes.switch import Switch
from simulator.phy.pcap import PcapWriter
from simulator.stack.nat_table import ENDPOINT_INDEPENDENT, StaticForward
from simulator.wire.addr import IPv4Interface
from simulator.wire.ipv4 import PROTO_UDP
from tests.helpers import MS, SECOND, gateway_host, link, ping, router
from tests.tshark import clean, tshark_fields, tshark_problems, values

PUBLIC = A("203.0.113.1")
HOME = IPv4Network("192.168.0.0/16")


def network(**nat_options):
    sim = Simulation(1)
    pc = gateway_host(sim, "pc", "192.168.1.10/24", "192.168.1.1")
    pc2 = gateway_host(sim, "pc2", "192.168.1.11/24", "192.168.1.1")
    sw = Switch(sim, "sw")
    nat = NatGateway(sim, "nat")
    nat.add_ip_interface("lan", IPv4Interface("192.168.1.1/24"))
    nat.add_ip_interface("wan", IPv4Interface("203.0.113.1/24"))
    nat.set_gateway(A("203.0.113.2"))
    nat.configure_nat("wan", ["lan"], **nat_options)
    isp = router(sim, "isp", "203.0.113.2/24", "198.51.100.1/24")
    server = gateway_host(sim, "server", "198.51.100.10/24", "198.51.100.1")
    for h in (pc, pc2):
        link(sim, h.interfaces["eth0"], sw.add_port())
    link(sim, sw.add_port(), nat.interfaces["lan"])
    link(sim, nat.interfaces["wan"], isp.interfaces["e0"])
    link(sim, isp.interfaces["e1"], server.interfaces["eth0"])
    return sim, pc, pc2, nat, server


def udp_echo(host, port):
    """A UDP echo server on ``host``; returns the list of (src, sport) it heard."""
    heard = []
    sock = host.udp.bind(port)

    def answer(packet, datagram):
        heard.append((packet.src, datagram.src_port))
        sock.sendto(datagram.payload, packet.src, datagram.src_port)
    sock.on_datagram = answer
    return heard


def udp_client(host, port):
    got = []
    sock = host.udp.bind(port)
    sock.on_datagram = lambda packet, datagram: got.append(
        (packet.src, datagram.src_port, datagram.payload))
    return sock, got


def capture(tmp_path, nat):
    taps = {}
    for name in ("lan", "wan"):
        taps[name] = PcapWriter(tmp_path / f"nat-{name}.pcap")
        nat.interfaces[name].captures.append(taps[name])
    return taps


def addresses(path):
    rows = tshark_fields(path, ["ip.src", "ip.dst"])
    return {A(a) for row in rows for field in ("ip.src", "ip.dst") for a in values(row[field])}


def test_ping_udp_and_time_exceeded_translate_both_ways_and_tshark_agrees(tmp_path):
    sim, pc, pc2, nat, server = network()
    taps = capture(tmp_path, nat)
    heard = udp_echo(server, 7)
    sock, got = udp_client(pc, 5000)
    app = ping(sim, pc, "198.51.100.10", count=3)
    sock.sendto(b"over the nat", A("198.51.100.10"), 7)
    traced = ping(sim, pc, "198.51.100.10", count=1, ttl=2)
    sim.run(5 * SECOND)
    for tap in taps.values():
        tap.close()
    assert app.result()["received"] == 3
    assert heard == [(PUBLIC, 5000)]                              # the server sees the NAT
    assert got == [(A("198.51.100.10"), 7, b"over the nat")]      # the pc sees the server
    assert traced.lines[1] == "From 203.0.113.2 icmp_seq=1 Time to live exceeded"
    wan, lan = tmp_path / "nat-wan.pcap", tmp_path / "nat-lan.pcap"
    assert tshark_problems(wan) == clean(taps["wan"].frames)
    assert tshark_problems(lan) == clean(taps["lan"].frames)
    outside, inside = addresses(wan), addresses(lan)
    assert not any(a in HOME for a in outside)                    # quoted headers included
    assert PUBLIC not in inside and A("192.168.1.10") in inside
    assert outside == {PUBLIC, A("198.51.100.10"), A("203.0.113.2")}
    summary = nat.summary()
    assert summary["counters"] == {"icmp_errors_inbound": 1, "inbound": 5, "outbound": 5}
    assert [row["internal"] for row in summary["table"]] == [
        "192.168.1.10:1", "192.168.1.10:2", "192.168.1.10:5000"]


def test_unsolicited_inbound_is_dropped_and_counted_but_the_nat_answers_pings():
    sim, pc, pc2, nat, server = network()
    sock, got = udp_client(pc, 6000)
    probe = server.udp.bind(9)
    probe.sendto(b"knock", PUBLIC, 6000)
    app = ping(sim, server, str(PUBLIC), count=1)
    sim.run(2 * SECOND)
    assert got == [] and nat.interfaces["wan"].drops["NAT_NO_MAPPING"] == 1
    assert app.result()["received"] == 1
    assert nat.summary()["counters"] == {"NAT_NO_MAPPING": 1}


def test_static_port_forward_reaches_the_inside_server_and_replies_go_back():
    sim, pc, pc2, nat, server = network(forwards=(StaticForward(PROTO_UDP, 8053, A(
        "192.168.1.10"), 53),))
    heard = udp_echo(pc, 53)
    sock, got = udp_client(server, 4444)
    sock.sendto(b"query", PUBLIC, 8053)
    sim.run(SECOND)
    assert heard == [(A("198.51.100.10"), 4444)]
    assert got == [(PUBLIC, 8053, b"query")]


def test_hairpinning_inside_to_the_public_address():
    sim, pc, pc2, nat, server = network(filtering=ENDPOINT_INDEPENDENT)
    heard = udp_echo(pc2, 6000)
    pc2.udp.sockets[6000].sendto(b"open", A("198.51.100.10"), 9)   # maps public:6000
    sock, got = udp_client(pc, 5000)
    sim.run(100 * MS)
    sock.sendto(b"hairpin", PUBLIC, 6000)
    sim.run(SECOND)
    assert heard == [(PUBLIC, 5000)]                        # RFC 4787 REQ-9b
    assert got == [(PUBLIC, 6000, b"hairpin")]
    assert nat.summary()["counters"]["hairpinned"] == 2


def test_fragmented_ping_is_reassembled_translated_and_refragmented():
    sim, pc, pc2, nat, server = network()
    app = ping(sim, pc, "198.51.100.10", count=1, size=3000)
    sim.run(2 * SECOND)
    assert app.result()["received"] == 1
    assert server.interfaces["eth0"].rx_frames >= 3


def test_mapping_creation_and_expiry_are_traced_at_their_times():
    sim, pc, pc2, nat, server = network(udp_timeout_ns=10 * SECOND)
    events = []
    sim.tracer.add_sink(events.append)
    udp_client(server, 7)                                  # hears, never answers
    sock, got = udp_client(pc, 5000)
    sock.sendto(b"x", A("198.51.100.10"), 7)
    sim.run(30 * SECOND)
    created, expired = [e for e in events if e["layer"] == "nat"]
    assert (created["event"], expired["event"]) == ("nat.map", "nat.expire")
    assert created["internal"] == "192.168.1.10:5000"
    assert created["external"] == "203.0.113.1:5000"
    assert created["remote"] == "198.51.100.10:7"
    assert expired["ns"] == created["ns"] + 10 * SECOND == created["ns"] + expired["lifetime_ns"]
    assert nat.summary()["table"] == []
