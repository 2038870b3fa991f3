"""IPv4 packets (RFC 791): header layout, checksum, options, fragments, replace/quote."""

import pytest

from simulator.wire.addr import IPv4Address
from simulator.wire.icmp import IcmpEcho
from simulator.wire.ipv4 import (FLAG_DF, FLAG_MF, PROTO_ICMP, PROTO_TCP, PROTO_UDP,
                                 IPv4Packet)
from simulator.wire.tcp import ACK, TcpSegment
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")

# The classic example header: 192.168.0.1 → 192.168.0.199, UDP, DF, total length 0x73.
CLASSIC_HEADER = bytes.fromhex("45000073000040004011b861c0a80001c0a800c7")
UDP_PACKET = bytes.fromhex("450000281c46400040110a7d0a0000010a000002"
                           "c35000350014964e68656c6c6f20776f726c6421")


def test_constants():
    assert (PROTO_ICMP, PROTO_TCP, PROTO_UDP) == (1, 6, 17)
    assert (FLAG_DF, FLAG_MF) == (0x4000, 0x2000)


def test_classic_header_golden():
    udp = UdpDatagram(1234, 5678, bytes(0x73 - 28), checksum=0)
    ip = IPv4Packet(IPv4Address("192.168.0.1"), IPv4Address("192.168.0.199"), PROTO_UDP, udp,
                    df=True)
    assert ip.header_len == 20 and ip.total_len == 0x73 == len(ip)
    assert ip.header_bytes() == CLASSIC_HEADER
    data = ip.pack()
    assert data[:20] == CLASSIC_HEADER and len(data) == 0x73
    back = IPv4Packet.unpack(data)
    assert back == ip and back.checksum == 0xB861 and back.verify_checksum()
    assert back.pack() == data


def test_udp_packet_golden_both_ways():
    ip = IPv4Packet(A, B, PROTO_UDP, UdpDatagram(50000, 53, b"hello world!"),
                    identification=0x1C46, df=True)
    assert ip.pack() == UDP_PACKET
    back = IPv4Packet.unpack(UDP_PACKET)
    assert back == ip and back.pack() == UDP_PACKET
    assert back.payload.verify_checksum(A, B)


def test_all_header_fields_round_trip():
    ip = IPv4Packet(A, B, 200, b"raw", ttl=3, identification=0xBEEF, df=True, dscp=46, ecn=3,
                    reserved_flag=True)
    data = ip.pack()
    assert data[1] == (46 << 2) | 3 and data[6] & 0x80 and data[8] == 3 and data[9] == 200
    back = IPv4Packet.unpack(data)
    assert back == ip and back.reserved_flag and back.dscp == 46 and back.ecn == 3
    assert back.payload == b"raw"


def test_options_padded_and_ihl():
    # Router Alert (RFC 2113) is 4 bytes; a 3-byte option is padded with one zero.
    ip = IPv4Packet(A, B, 253, b"", options=b"\x94\x04\x00\x00")
    assert ip.header_len == 24 and ip.pack()[0] == 0x46
    odd = IPv4Packet(A, B, 253, b"x", options=b"\x07\x03\x04")
    assert odd.options == b"\x07\x03\x04\x00" and odd.header_len == 24 and len(odd) == 25
    for pkt in (ip, odd):
        back = IPv4Packet.unpack(pkt.pack())
        assert back == pkt and back.options == pkt.options and back.verify_checksum()
    with pytest.raises(ValueError):
        IPv4Packet(A, B, 253, b"", options=bytes(41))


def test_fragments_keep_raw_payload():
    first = IPv4Packet(A, B, PROTO_UDP, b"\xc3\x50\x00\x35" + bytes(20), identification=1,
                       mf=True)
    later = IPv4Packet(A, B, PROTO_UDP, bytes(16), identification=1, frag_offset=3)
    for pkt in (first, later):
        back = IPv4Packet.unpack(pkt.pack())
        assert back == pkt and isinstance(back.payload, bytes) and back.is_fragment
    assert later.pack()[6:8] == b"\x00\x03"
    assert first.pack()[6:8] == b"\x20\x00"
    assert first.info() == "Fragmented IP protocol (proto=UDP 17, off=0, ID=0001)"
    assert later.info() == "Fragmented IP protocol (proto=UDP 17, off=24, ID=0001)"


def test_unknown_protocol_raw_and_info():
    pkt = IPv4Packet(A, B, 99, b"abc")
    back = IPv4Packet.unpack(pkt.pack())
    assert back.payload == b"abc"
    assert pkt.info() == "10.0.0.1 → 10.0.0.2 IP protocol 99 Len=3"


def test_link_padding_ignored():
    data = UDP_PACKET + bytes(6)
    back = IPv4Packet.unpack(data)
    assert back.pack() == UDP_PACKET


def test_bad_checksum_round_trips_and_is_detected():
    bad = bytearray(UDP_PACKET)
    bad[10:12] = b"\x12\x34"
    back = IPv4Packet.unpack(bytes(bad))
    assert back.checksum == 0x1234 and not back.verify_checksum()
    assert back.pack() == bytes(bad)


def test_replace_decrements_ttl_and_resets_checksum():
    pkt = IPv4Packet.unpack(UDP_PACKET)
    hop = pkt.replace(ttl=pkt.ttl - 1)
    assert hop.ttl == 63 and hop.checksum is None and pkt.ttl == 64
    assert hop.payload is pkt.payload and hop.identification == 0x1C46 and hop.df
    data = hop.pack()
    assert data[8] == 63 and IPv4Packet.unpack(data).verify_checksum()
    # RFC 1624: TTL 64 → 63 raises the checksum by 0x0100.
    assert int.from_bytes(data[10:12], "big") == 0x0A7D + 0x0100
    with pytest.raises(TypeError):
        pkt.replace(tll=3)


def test_quote_is_header_plus_8_bytes():
    pkt = IPv4Packet(A, B, PROTO_UDP, UdpDatagram(50000, 33434, bytes(32)))
    q = pkt.quote()
    assert len(q) == 28 and q == pkt.pack()[:28]
    assert len(pkt.quote(100)) == 20 + 40


def test_info_delegates_and_len():
    echo = IcmpEcho.request(1, 1, b"abc")
    pkt = IPv4Packet(A, B, PROTO_ICMP, echo)
    assert len(pkt) == 20 + 8 + 3
    assert pkt.info() == "Echo (ping) request id=0x0001, seq=1"
    tcp = TcpSegment(1, 2, 3, 4, ACK, 5, b"xy")
    assert IPv4Packet(A, B, PROTO_TCP, tcp).info() == "1 → 2 [ACK] Seq=3 Ack=4 Win=5 Len=2"


def test_equality_and_repr():
    p1 = IPv4Packet(A, B, PROTO_UDP, UdpDatagram(1, 2, b"x"), identification=7)
    p2 = IPv4Packet(IPv4Address("10.0.0.1"), B, PROTO_UDP, UdpDatagram(1, 2, b"x"),
                    identification=7)
    assert p1 == p2 and hash(p1) == hash(p2)
    assert p1 != p1.replace(ttl=1)
    # Two explicit checksums must agree; None ("compute on pack") matches any.
    assert p1.replace(checksum=0x1234) != p1.replace(checksum=0x4321)
    assert p1.replace(checksum=0x1234) == p1
    text = repr(p1)
    assert text.startswith("IPv4Packet(src='10.0.0.1', dst='10.0.0.2', protocol=17, ttl=64")
    assert "identification=0x0007" in text and "UdpDatagram(" in text


def test_forwarded_is_the_same_packet_one_hop_on():
    from ipaddress import IPv4Address as A

    from simulator.wire.ipv4 import IPv4Packet

    p = IPv4Packet(A("10.0.0.1"), A("10.0.9.9"), 253, b"\x01\x02", ttl=9, identification=7,
                   df=True, dscp=46, ecn=1, options=b"\x94\x04\x00\x00")
    q = p.forwarded()
    assert q.ttl == 8 and q.checksum is None
    assert q.pack() == p.replace(ttl=8).pack()
    assert IPv4Packet.unpack(q.pack()).verify_checksum()
