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
from simulator.wire.tcp_options import (Eol, Mss, Nop, Sack, SackPermitted, Timestamps,
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
    st.builds(UnknownOption, st.integers(9, 255), st.binary(max_size=6)))


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
