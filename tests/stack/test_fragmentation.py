"""Fragmentation offsets (RFC 791) and reassembly with reordering, duplicates,
overlaps, holes and the reassembly timeout."""

from ipaddress import IPv4Address as A

import pytest

from simulator.engine.sim import Simulation
from simulator.stack.fragment import copied_options, fragment
from simulator.wire.icmp import IcmpTimeExceeded
from simulator.wire.ipv4 import PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.helpers import SECOND, gateway_host, host, link, router

DATA = bytes(range(256)) * 16


def datagram_4000():
    udp = UdpDatagram(5000, 9, DATA[:3992])                  # 8 + 3992 = 4000 bytes of UDP
    return IPv4Packet(A("10.0.0.1"), A("10.0.0.2"), PROTO_UDP, udp, identification=0x1234)


def test_4000_byte_udp_datagram_in_three_fragments():
    pieces = fragment(datagram_4000(), 1500)
    assert [p.frag_offset for p in pieces] == [0, 185, 370]
    assert [p.mf for p in pieces] == [True, True, False]
    assert [p.total_len for p in pieces] == [1500, 1500, 1060]
    assert {p.identification for p in pieces} == {0x1234}
    whole = datagram_4000().payload_bytes()
    assert b"".join(p.payload_bytes() for p in pieces) == whole
    for p in pieces:
        assert IPv4Packet.unpack(p.pack()).verify_checksum()


def test_refragmenting_keeps_mf_on_the_last_piece_of_a_middle_fragment():
    middle = fragment(datagram_4000(), 1500)[1]
    again = fragment(middle, 576)
    assert [p.mf for p in again] == [True, True, True]
    assert again[0].frag_offset == 185


def test_only_copied_options_go_to_later_fragments():
    # security (type 130, copied) and record route (type 7, not copied)
    options = bytes([130, 11]) + bytes(9) + bytes([7, 7, 4]) + bytes(4) + bytes([0, 0])
    assert copied_options(options) == bytes([130, 11]) + bytes(9)


class Node:
    """Just enough of an IP layer for the reassembler."""

    def __init__(self, timeout_ns=30 * SECOND):
        self.sim = Simulation(1)
        h = host(self.sim, "h", "10.0.0.2/24")
        self.ip = h.ip
        self.ip.reassembler.timeout_ns = timeout_ns
        self.errors = []
        self.ip.icmp.send_error = lambda packet, kind, code, **kw: self.errors.append((kind, code))
        self.delivered = []
        self.ip.protocols[PROTO_UDP] = lambda packet, iface: self.delivered.append(packet)

    def feed(self, pieces):
        for p in pieces:
            self.ip.deliver(p, None)


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]])
def test_reassembly_in_any_order(order):
    pieces = fragment(datagram_4000(), 1500)
    node = Node()
    node.feed([pieces[i] for i in order])
    assert len(node.delivered) == 1
    assert node.delivered[0].payload == datagram_4000().payload
    assert node.delivered[0].total_len == 4020 and not node.ip.reassembler.pending


def test_duplicates_are_ignored():
    pieces = fragment(datagram_4000(), 1500)
    node = Node()
    node.feed([pieces[0], pieces[0], pieces[2], pieces[2], pieces[1]])
    assert len(node.delivered) == 1


def test_overlap_discards_the_datagram():
    pieces = fragment(datagram_4000(), 1500)
    overlapping = pieces[1].replace(frag_offset=180)        # starts inside the first fragment
    node = Node()
    node.feed([pieces[0], overlapping, pieces[1], pieces[2]])
    assert node.delivered == []
    assert node.sim.tracer.counters[("h", "drop:FRAG_OVERLAP")] == 1


def test_missing_fragment_times_out_with_icmp_when_first_arrived():
    pieces = fragment(datagram_4000(), 1500)
    node = Node(timeout_ns=30 * SECOND)
    node.feed([pieces[0], pieces[2]])
    node.sim.run(29 * SECOND)
    assert node.errors == [] and node.ip.reassembler.pending
    node.sim.run(31 * SECOND)
    assert node.errors == [(11, 1)] and not node.ip.reassembler.pending
    assert node.sim.tracer.counters[("h", "drop:FRAG_TIMEOUT")] == 1


def test_timeout_without_first_fragment_sends_nothing():
    pieces = fragment(datagram_4000(), 1500)
    node = Node()
    node.feed([pieces[1], pieces[2]])
    node.sim.run(31 * SECOND)
    assert node.errors == [] and node.delivered == []


def test_reassembly_time_exceeded_reaches_the_sender_on_the_wire():
    sim = Simulation(1)
    a = host(sim, "a", "10.0.0.1/24")
    b = host(sim, "b", "10.0.0.2/24")
    link(sim, a.interfaces["eth0"], b.interfaces["eth0"])
    got = []
    a.ip.protocols[1] = lambda packet, iface: got.append(packet.payload)
    pieces = fragment(datagram_4000(), 1500)
    b.ip.deliver(pieces[0], None)
    sim.run(31 * SECOND)
    assert len(got) == 1 and isinstance(got[0], IcmpTimeExceeded) and got[0].code == 1
    assert got[0].quoted().frag_offset == 0 and got[0].quoted().mf


def test_end_to_end_fragmentation_across_a_small_mtu_link():
    sim = Simulation(1)
    a = gateway_host(sim, "a", "10.0.1.2/24", "10.0.1.1")
    r = router(sim, "r", "10.0.1.1/24", "10.0.2.1/24")
    b = gateway_host(sim, "b", "10.0.2.2/24", "10.0.2.1")
    link(sim, a.interfaces["eth0"], r.interfaces["e0"], mtu=9000)
    a.interfaces["eth0"].mtu = r.interfaces["e0"].mtu = 9000
    link(sim, r.interfaces["e1"], b.interfaces["eth0"])
    received = []
    sock = b.udp.bind(9)
    sock.on_datagram = lambda packet, datagram: received.append(datagram.payload)
    a.udp.bind(5000).sendto(DATA[:3992], A("10.0.2.2"), 9)
    sim.run(SECOND)
    assert received == [DATA[:3992]]
    assert r.interfaces["e1"].tx_frames == 3 + 1             # three fragments and an ARP request
