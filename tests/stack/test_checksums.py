"""Checksums are verified on packets that arrive as bytes (RFC 1122 §3.2.1.2, RFC 1812
§5.2.2, RFC 768): a bad IPv4 header, UDP or ICMP checksum is a counted BAD_CHECKSUM
drop, at a host and at a router; UDP checksum zero means "none"."""

from ipaddress import IPv4Address

from simulator.engine.sim import Simulation
from simulator.phy.faults import CorruptedFrame
from simulator.wire.checksum import fcs
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.icmp import IcmpEcho
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.helpers import MS, SECOND, gateway_host, host, link, router

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")


def inject(iface, frame: EthernetFrame, offset: int | None = None) -> None:
    """Hand ``iface`` the frame as bytes with a valid FCS, with the 16-bit word at byte
    ``offset`` flipped first (so only an inner checksum can catch it)."""
    raw = bytearray(frame.pack())
    if offset is not None:
        raw[offset] ^= 0xFF
        raw[offset + 1] ^= 0x0F
    iface.deliver(CorruptedFrame(bytes(raw) + fcs(bytes(raw))))


def receiver():
    sim = Simulation(1)
    h = host(sim, "h", "10.0.0.2/24")
    got = []
    sock = h.udp.bind(53)
    sock.on_datagram = lambda packet, datagram: got.append(datagram.payload)
    return sim, h, got


def udp_frame(h, checksum=None):
    datagram = UdpDatagram(5000, 53, b"query", checksum=checksum)
    return EthernetFrame(h.interfaces["eth0"].mac, h.interfaces["eth0"].mac, ETHERTYPE_IPV4,
                         IPv4Packet(A, B, PROTO_UDP, datagram, identification=1))


def test_intact_bytes_are_delivered():
    sim, h, got = receiver()
    inject(h.interfaces["eth0"], udp_frame(h))
    assert got == [b"query"]


def test_bad_ipv4_header_checksum_is_dropped_at_a_host():
    sim, h, got = receiver()
    inject(h.interfaces["eth0"], udp_frame(h), offset=14 + 10)          # the header checksum
    assert got == []
    assert h.interfaces["eth0"].drops["BAD_CHECKSUM"] == 1
    assert sim.tracer.counters[("h", "drop:BAD_CHECKSUM")] == 1


def test_bad_udp_checksum_is_dropped_and_zero_means_none():
    sim, h, got = receiver()
    inject(h.interfaces["eth0"], udp_frame(h), offset=14 + 20 + 6)      # the UDP checksum
    assert got == [] and sim.tracer.counters[("h", "drop:BAD_CHECKSUM")] == 1
    inject(h.interfaces["eth0"], udp_frame(h, checksum=0))              # RFC 768: no checksum
    assert got == [b"query"]
    # damaged data under a zero checksum cannot be caught, and is not
    inject(h.interfaces["eth0"], udp_frame(h, checksum=0), offset=14 + 20 + 8)
    assert len(got) == 2 and sim.tracer.counters[("h", "drop:BAD_CHECKSUM")] == 1


def test_bad_icmp_checksum_gets_no_echo_reply():
    sim, h, _ = receiver()
    iface = h.interfaces["eth0"]
    h.ip.arps[iface].set_static(A, iface.mac)
    echo = IPv4Packet(A, B, PROTO_ICMP, IcmpEcho.request(1, 1, b"x" * 8), identification=2)
    frame = EthernetFrame(iface.mac, iface.mac, ETHERTYPE_IPV4, echo)
    inject(iface, frame, offset=14 + 20 + 2)
    # no link: a reply would be counted as NO_CARRIER
    assert (iface.drops["NO_CARRIER"], sim.tracer.counters[("h", "drop:BAD_CHECKSUM")]) == (0, 1)
    inject(iface, frame)
    assert iface.drops["NO_CARRIER"] == 1                               # the reply


def test_a_router_does_not_launder_a_bad_header_checksum():
    sim = Simulation(1)
    h = gateway_host(sim, "h", "10.0.0.1/24", "10.0.0.254")
    r = router(sim, "r", "10.0.0.254/24", "10.0.1.254/24")
    s = gateway_host(sim, "s", "10.0.1.1/24", "10.0.1.254")
    link(sim, h.interfaces["eth0"], r.interfaces["e0"])
    link(sim, r.interfaces["e1"], s.interfaces["eth0"])
    got = []
    s.udp.bind(53).on_datagram = lambda packet, datagram: got.append(packet)
    r.ip.arps[r.interfaces["e1"]].set_static(IPv4Address("10.0.1.1"), s.interfaces["eth0"].mac)
    packet = IPv4Packet(IPv4Address("10.0.0.1"), IPv4Address("10.0.1.1"), PROTO_UDP,
                        UdpDatagram(5000, 53, b"x"), identification=7)
    frame = EthernetFrame(r.interfaces["e0"].mac, h.interfaces["eth0"].mac, ETHERTYPE_IPV4, packet)
    inject(r.interfaces["e0"], frame, offset=14 + 10)
    inject(r.interfaces["e0"], frame)
    sim.run(SECOND)
    assert r.interfaces["e0"].drops["BAD_CHECKSUM"] == 1
    assert r.ip.forwarder.forwarded == 1 and len(got) == 1
    assert got[0].ttl == 63 and got[0].verify_checksum()


def test_objects_built_by_the_stack_are_not_verified():
    sim, h, got = receiver()
    # a packet object with no wire checksum is right by construction: taken as is
    packet = IPv4Packet(A, B, PROTO_UDP, UdpDatagram(5000, 53, b"query"), identification=1)
    assert packet.checksum is None and packet.payload.checksum is None
    h.ip.receive(h.interfaces["eth0"], packet)
    assert got == [b"query"]
    sim.run(MS)
