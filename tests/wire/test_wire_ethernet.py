"""Ethernet II frames: sizes, padding, FCS, payload decoding."""

import pytest

from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ArpPacket
from simulator.wire.checksum import fcs
from simulator.wire.errors import DecodeError, FcsError
from simulator.wire.ethernet import (ETHERTYPE_ARP, ETHERTYPE_IPV4, FCS_LEN, HEADER_LEN,
                                     MIN_PAYLOAD, EthernetFrame)
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
M1, M2 = MacAddress.local(1), MacAddress.local(2)

ARP_REQUEST_FRAME = bytes.fromhex(
    "ffffffffffff" "020000000001" "0806"                  # dst, src, ethertype ARP
    "0001" "0800" "06" "04" "0001"                        # Ethernet, IPv4, 6, 4, request
    "020000000001" "0a000001" "000000000000" "0a000002"   # sha, spa, tha, tpa
) + bytes(18)                                             # padding to 46 payload bytes


def test_constants():
    assert (ETHERTYPE_IPV4, ETHERTYPE_ARP) == (0x0800, 0x0806)
    assert (HEADER_LEN, FCS_LEN, MIN_PAYLOAD) == (14, 4, 46)


def test_arp_request_golden_bytes_both_ways():
    frame = EthernetFrame(MacAddress.BROADCAST, M1, ETHERTYPE_ARP, ArpPacket.request(M1, A, B))
    assert frame.pack() == ARP_REQUEST_FRAME
    assert len(frame.pack()) == 60 == len(frame)
    assert frame.wire_len == 64
    back = EthernetFrame.unpack(ARP_REQUEST_FRAME)
    assert back == frame and back.pack() == ARP_REQUEST_FRAME
    assert isinstance(back.payload, ArpPacket) and type(back.dst) is MacAddress


def test_wire_len_full_mtu_packet_is_1518():
    ip = IPv4Packet(A, B, 17, UdpDatagram(1, 2, bytes(1472)))
    assert len(ip) == 1500
    frame = EthernetFrame(M2, M1, ETHERTYPE_IPV4, ip)
    assert frame.wire_len == 1518
    assert len(frame.pack()) == 1514
    assert len(frame.pack_with_fcs()) == 1518


@pytest.mark.parametrize("n, wire", [(0, 64), (1, 64), (46, 64), (47, 65), (100, 118)])
def test_wire_len_padding(n, wire):
    assert EthernetFrame(M2, M1, 0x88B5, bytes(n)).wire_len == wire


def test_ipv4_padding_trimmed_by_total_length():
    ip = IPv4Packet(A, B, 17, UdpDatagram(1000, 2000, b"hi"))   # 30 bytes
    data = EthernetFrame(M2, M1, ETHERTYPE_IPV4, ip).pack()
    assert len(data) == 60 and data[14 + 30:] == bytes(16)
    back = EthernetFrame.unpack(data)
    assert back.payload == ip and back.payload.payload.payload == b"hi"
    assert back.pack() == data


def test_fcs_round_trip_and_mismatch():
    frame = EthernetFrame(M2, M1, ETHERTYPE_IPV4, IPv4Packet(A, B, 99, b"x" * 50))
    wire = frame.pack_with_fcs()
    assert wire[-4:] == fcs(wire[:-4])
    assert EthernetFrame.unpack(wire, has_fcs=True) == frame
    corrupted = bytearray(wire)
    corrupted[20] ^= 0x01
    with pytest.raises(FcsError):
        EthernetFrame.unpack(bytes(corrupted), has_fcs=True)
    assert issubclass(FcsError, DecodeError)


def test_raw_payload_and_info():
    frame = EthernetFrame(M2, M1, 0x88B5, b"hello")
    assert frame.info() == "Ethernet II, type 0x88b5"
    data = frame.pack()
    assert data == bytes(M2) + bytes(M1) + b"\x88\xb5" + b"hello" + bytes(41)
    back = EthernetFrame.unpack(data)
    assert back.payload == b"hello" + bytes(41) and back.ethertype == 0x88B5
    assert back.pack() == data


def test_info_delegates_to_payload():
    frame = EthernetFrame(MacAddress.BROADCAST, M1, ETHERTYPE_ARP, ArpPacket.request(M1, A, B))
    assert frame.info() == "Who has 10.0.0.2? Tell 10.0.0.1"
    ip = IPv4Packet(A, B, 17, UdpDatagram(50000, 9, bytes(12)))
    assert EthernetFrame(M2, M1, ETHERTYPE_IPV4, ip).info() == "50000 → 9 Len=12"
    dns = IPv4Packet(A, B, 17, UdpDatagram(50000, 53, bytes(12)))      # a header: a query
    assert EthernetFrame(M2, M1, ETHERTYPE_IPV4, dns).info() == "Standard query 0x0000"
    runt = IPv4Packet(A, B, 17, UdpDatagram(50000, 53, bytes(5)))
    assert EthernetFrame(M2, M1, ETHERTYPE_IPV4, runt).info() == "50000 → 53 Len=5"


def test_equality_repr_hash():
    f1 = EthernetFrame(M2, M1, 0x88B5, b"abc")
    f2 = EthernetFrame(MacAddress("02:00:00:00:00:02"), M1, 0x88B5, b"abc")
    assert f1 == f2 and hash(f1) == hash(f2)
    assert f1 != EthernetFrame(M2, M1, 0x88B6, b"abc")
    assert f1 != EthernetFrame(M1, M2, 0x88B5, b"abc")
    assert "dst='02:00:00:00:00:02'" in repr(f1) and "0x88b5" in repr(f1)


def test_slots_no_dict():
    f = EthernetFrame(M2, M1, 0x88B5, b"abc")
    assert not hasattr(f, "__dict__")
