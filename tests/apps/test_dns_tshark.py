"""tshark reads every message of a whole resolution chain (stub → home forwarder → ISP
resolver → root, com, example.com), cold and warm, NXDOMAIN included: 0 malformed,
0 expert errors, good checksums, and our info() as its Info column."""

from simulator.phy.pcap import PcapWriter
from simulator.wire.addr import MacAddress
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.udp import UdpDatagram

from tests.apps.dns_world import S
from tests.apps.test_dns_stub import home_world, lookup
from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems


def frame(sent):
    """A message as a UDP datagram: the asker's port is 1024 + the message ID."""
    port = 1024 + sent.message.id % 60000
    sport, dport = (53, port) if sent.message.qr else (port, 53)
    udp = UdpDatagram(sport, dport, sent.message.pack())
    return EthernetFrame(MacAddress.local(2), MacAddress.local(1), 0x0800,
                         IPv4Packet(sent.src, sent.dst, 17, udp))


def test_a_resolution_chain_reads_clean_in_tshark(tmp_path):
    require_tshark()
    w, stub, _ = home_world()
    lookup(w, stub, "www.example.com")
    lookup(w, stub, "alias.example.com", at=S)
    lookup(w, stub, "nope.example.com", at=2 * S)
    lookup(w, stub, "www.example.com", at=3 * S)
    path = tmp_path / "chain.pcap"
    writer = PcapWriter(path)
    for sent in w.sent:
        writer.write(sent.time, frame(sent))
    writer.close()
    assert tshark_problems(path) == clean(len(w.sent))
    rows = tshark_fields(path, ["_ws.col.Info"])
    assert [row["_ws.col.Info"] for row in rows] == [s.message.info() for s in w.sent]
    assert len(w.sent) == 10 + 6 + 6 + 2     # cold: 5 exchanges; then 3, 3 and 1
