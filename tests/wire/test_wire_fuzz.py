"""Property tests: every decoder, fed random or mutated bytes, either decodes or
raises DecodeError (never IndexError, struct.error, ...); whatever decodes packs
back to bytes that decode to the same object."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ArpPacket
from simulator.wire.errors import DecodeError
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.icmp import (IcmpDestUnreachable, IcmpEcho, IcmpMessage, IcmpTimeExceeded,
                                 unpack_icmp)
from simulator.wire.icmp_quote import parse_quote
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.tcp import ACK, SYN, TcpSegment
from simulator.wire.tcp_options import (FASTOPEN_MAGIC, Eol, FastOpen, Mss, Nop, Sack,
                                        SackPermitted, Timestamps,
                                        UnknownOption, WindowScale, pack_options,
                                        parse_options)
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
M1, M2 = MacAddress.local(1), MacAddress.local(2)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _samples():
    udp = IPv4Packet(A, B, 17, UdpDatagram(5353, 53, b"query"), identification=3)
    tcp = IPv4Packet(A, B, 6, TcpSegment(
        40000, 80, 1, 2, SYN | ACK, 1000, b"data",
        options=(Mss(1460), Nop(), WindowScale(7), SackPermitted(), Sack([(1, 2)]),
                 Timestamps(3, 4), UnknownOption(30, b"\x01"))))
    echo = IPv4Packet(A, B, 1, IcmpEcho.request(7, 8, b"ping"), options=b"\x94\x04\x00\x00")
    err = IPv4Packet(B, A, 1, IcmpDestUnreachable(4, tcp.quote(), 1400))
    tex = IPv4Packet(B, A, 1, IcmpTimeExceeded(0, udp.quote()))
    frag = IPv4Packet(A, B, 17, bytes(24), mf=True, identification=9)
    frames = [EthernetFrame(M2, M1, 0x0800, p) for p in (udp, tcp, echo, err, tex, frag)]
    frames.append(EthernetFrame(MacAddress.BROADCAST, M1, 0x0806, ArpPacket.request(M1, A, B)))
    return [f.pack() for f in frames]


SAMPLES = _samples()

# Payloads at each layer, so mutations reach every decoder's deeper branches.
LAYERED = {
    "eth": SAMPLES,
    "ip": [s[14:] for s in SAMPLES[:6]],
    "arp": [SAMPLES[6][14:42]],
    "icmp": [s[34:] for s in SAMPLES[2:5]],
    "udp": [SAMPLES[0][34:62]],
    "tcp": [SAMPLES[1][34:]],
    "opts": [SAMPLES[1][54:94]],
}


@st.composite
def mutated(draw, layer):
    data = bytearray(draw(st.sampled_from(LAYERED[layer])))
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    cut = draw(st.integers(0, len(data)))
    return bytes(data[:cut]) if draw(st.booleans()) else bytes(data)


def inputs(layer):
    return st.one_of(st.binary(max_size=200), mutated(layer))


def check(decode, data, repack=lambda obj: obj.pack()):
    """``decode`` raises DecodeError or returns an object whose bytes are a fixed point."""
    try:
        obj = decode(data)
    except DecodeError:
        return None
    packed = repack(obj)
    again = decode(packed)
    # Only a short raw Ethernet payload changes: packing pads it to 46 bytes.
    assert again == obj or (type(obj) is EthernetFrame and isinstance(obj.payload, bytes)
                            and len(obj.payload) < 46)
    assert repack(again) == packed
    return obj


@FUZZ
@given(inputs("eth"))
def test_ethernet(data):
    check(EthernetFrame.unpack, data)
    check(lambda b: EthernetFrame.unpack(b, has_fcs=True), data, lambda f: f.pack_with_fcs())


@FUZZ
@given(st.sampled_from(SAMPLES), st.integers(0, 1000), st.integers(1, 255))
def test_ethernet_fcs_catches_single_byte_corruption(frame, where, flip):
    wire = bytearray(EthernetFrame.unpack(frame).pack_with_fcs())
    wire[where % len(wire)] ^= flip
    try:
        EthernetFrame.unpack(bytes(wire), has_fcs=True)
    except DecodeError:
        return
    raise AssertionError("corrupted frame accepted")


@FUZZ
@given(inputs("arp"))
def test_arp(data):
    obj = check(ArpPacket.unpack, data)
    if obj is not None:
        assert len(obj) == len(obj.pack())


@FUZZ
@given(inputs("ip"))
def test_ipv4(data):
    obj = check(IPv4Packet.unpack, data)
    if obj is not None:
        assert len(obj) == len(obj.pack()) and obj.verify_checksum() in (True, False)
        obj.info()


@FUZZ
@given(inputs("icmp"))
def test_icmp(data):
    for decode in (unpack_icmp, IcmpEcho.unpack, IcmpDestUnreachable.unpack,
                   IcmpTimeExceeded.unpack, IcmpMessage.unpack):
        obj = check(decode, data)
        if obj is not None:
            assert len(obj) == len(obj.pack())
            obj.info()
            if hasattr(obj, "quoted"):
                try:
                    obj.quoted()
                except DecodeError:
                    pass


@FUZZ
@given(inputs("ip"))
def test_icmp_quote(data):
    try:
        parse_quote(data)
    except DecodeError:
        pass


@FUZZ
@given(inputs("udp"))
def test_udp(data):
    obj = check(UdpDatagram.unpack, data)
    if obj is not None:
        assert obj.verify_checksum(A, B) in (True, False)


@FUZZ
@given(inputs("tcp"))
def test_tcp(data):
    obj = check(TcpSegment.unpack, data)
    if obj is not None:
        assert len(obj) == len(obj.pack()) and obj.verify_checksum(A, B) in (True, False)
        obj.info()


@FUZZ
@given(inputs("opts"))
def test_tcp_options(data):
    try:
        opts = parse_options(data)
    except DecodeError:
        opts = None
    if opts is not None and sum(len(o) for o in opts) <= 40:
        # A segment normalizes the list (Eol where padding starts); that form round-trips.
        canonical = TcpSegment(0, 0, 0, 0, 0, 0, options=opts).options
        assert parse_options(pack_options(opts)) == canonical
        assert pack_options(canonical) == pack_options(opts)
    for cls in (Eol, Nop, Mss, WindowScale, SackPermitted, Sack, Timestamps, UnknownOption):
        try:
            opt = cls.unpack(data)
        except DecodeError:
            continue
        assert opt.pack() == data


options = st.one_of(
    st.builds(Mss, st.integers(0, 0xFFFF)), st.builds(WindowScale, st.integers(0, 255)),
    st.just(SackPermitted()), st.just(Nop()),
    st.builds(Timestamps, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.builds(Sack, st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
                             min_size=1, max_size=3)),
    st.builds(FastOpen, st.binary(max_size=16), st.booleans()),
    st.builds(UnknownOption, st.integers(9, 255).filter(lambda kind: kind != 34),
              st.binary(max_size=6)).filter(   # kind 254 with F989 is Fast Open's
        lambda opt: not (opt.kind == 254 and opt.data[:2] == FASTOPEN_MAGIC)))


@FUZZ
@given(st.lists(options, max_size=5), st.booleans(), st.integers(0, 0xFFF),
       st.binary(max_size=40))
def test_tcp_segments_round_trip_exactly(opts, eol, flags, payload):
    if eol:
        opts.append(Eol())
    if sum(len(o) for o in opts) > 40:
        return
    seg = TcpSegment(1, 2, 3, 4, flags | ACK, 5, payload, opts)
    data = seg.pack(A, B)
    back = TcpSegment.unpack(data)
    assert back == seg and back.pack() == data and back.verify_checksum(A, B)


# --- garbled bytes into the receive path of a node (checksums verified there) -------

def _receiver(kind: str):
    """A host or a router at 10.0.0.2 with MAC M2 (the samples' destination), linked to
    a host at 10.0.0.1 so that answers can leave."""
    from simulator.engine.sim import Simulation
    from simulator.nodes.host import Host
    from simulator.nodes.router import Router
    from simulator.phy.link import Link
    from simulator.wire.addr import IPv4Interface

    sim = Simulation(1)
    node = (Host if kind == "host" else Router)(sim, "n")
    iface = node.add_ip_interface("eth0", IPv4Interface("10.0.0.2/24"), mac=M2)
    if kind == "router":
        node.add_ip_interface("eth1", IPv4Interface("10.0.1.2/24"))
    peer = Host(sim, "peer")
    peer.add_ip_interface("eth0", IPv4Interface("10.0.0.1/24"), mac=M1)
    Link(sim, iface, peer.interfaces["eth0"], rate=10_000_000, delay=1000)
    node.udp.bind(53).on_datagram = lambda packet, datagram: None
    return sim, node, iface


@FUZZ
@given(st.sampled_from(["host", "router"]), mutated("eth"), st.booleans())
def test_garbled_frames_into_a_node_are_dropped_with_a_reason_or_delivered(kind, data, good_fcs):
    from simulator.phy.faults import CorruptedFrame
    from simulator.wire.checksum import fcs

    sim, node, iface = _receiver(kind)
    wire = data + fcs(data) if good_fcs else EthernetFrame.unpack(SAMPLES[0]).pack_with_fcs()[:-4] + data[:4]
    iface.deliver(CorruptedFrame(wire))
    nic_dropped = sum(iface.drops[r] for r in ("BAD_FCS", "MALFORMED"))
    assert iface.rx_frames + nic_dropped == 1            # the NIC took it, or counted why not
    assert sim.tracer.counters[("n", "drop:BAD_FCS")] + sim.tracer.counters[
        ("n", "drop:MALFORMED")] == nic_dropped
    if fcs(wire[:-4]) != wire[-4:]:
        assert iface.drops["BAD_FCS"] == 1
    sim.run(5_000_000_000)                  # answers, ARP, timers: nothing may raise


@FUZZ
@given(st.sampled_from(SAMPLES[:5]), st.integers(14, 80), st.integers(1, 255))
def test_a_damaged_header_is_caught_by_a_checksum_or_still_delivered_consistently(frame, where,
                                                                                  flip):
    """One byte of an IPv4/UDP/ICMP/TCP header changed under a valid FCS: the packet is a
    counted drop (BAD_CHECKSUM, MALFORMED, ...) or handled, never an exception."""
    from simulator.phy.faults import CorruptedFrame
    from simulator.wire.checksum import fcs

    sim, node, iface = _receiver("host")
    raw = bytearray(frame)
    raw[where % len(raw)] ^= flip
    iface.deliver(CorruptedFrame(bytes(raw) + fcs(bytes(raw))))
    sim.run(5_000_000_000)
    if 24 <= where % len(raw) < 26:                       # the IPv4 header checksum itself
        assert iface.drops["BAD_CHECKSUM"] == 1
