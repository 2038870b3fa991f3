"""One test per class of malformed input: each raises DecodeError, nothing else."""

import pytest

from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ArpPacket
from simulator.wire.errors import DecodeError, FcsError
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.icmp import IcmpDestUnreachable, IcmpEcho, IcmpTimeExceeded, unpack_icmp
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.tcp import SYN, TcpSegment
from simulator.wire.tcp_options import Mss, Sack, Timestamps, parse_options
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
M1, M2 = MacAddress.local(1), MacAddress.local(2)

UDP_IP = IPv4Packet(A, B, 17, UdpDatagram(1, 2, b"abc")).pack()
TCP_SEG = TcpSegment(1, 2, 3, 4, SYN, 5, options=(Mss(1460),)).pack(A, B)
ARP = ArpPacket.request(M1, A, B).pack()


def set_byte(data, index, value):
    out = bytearray(data)
    out[index] = value
    return bytes(out)


def raises(fn, data, match=None):
    with pytest.raises(DecodeError, match=match):
        fn(data)


# Ethernet
def test_ethernet_truncated_header():
    raises(EthernetFrame.unpack, bytes(13), "truncated")


def test_ethernet_truncated_with_fcs():
    with pytest.raises(DecodeError):
        EthernetFrame.unpack(bytes(17), has_fcs=True)


def test_ethernet_bad_fcs():
    wire = EthernetFrame(M2, M1, 0x88B5, b"x").pack_with_fcs()
    with pytest.raises(FcsError, match="bad FCS"):
        EthernetFrame.unpack(wire[:-1] + bytes([wire[-1] ^ 1]), has_fcs=True)


def test_ethernet_bad_inner_packet():
    raises(EthernetFrame.unpack, bytes(M2) + bytes(M1) + b"\x08\x00" + b"\x60" + bytes(45))


# ARP
def test_arp_truncated_fixed_part():
    raises(ArpPacket.unpack, ARP[:7], "truncated")


def test_arp_truncated_addresses():
    raises(ArpPacket.unpack, ARP[:27], "truncated")


def test_arp_lengths_larger_than_data():
    raises(ArpPacket.unpack, set_byte(ARP, 4, 200))


# IPv4
def test_ipv4_truncated_header():
    raises(IPv4Packet.unpack, UDP_IP[:19], "truncated")


def test_ipv4_wrong_version():
    raises(IPv4Packet.unpack, set_byte(UDP_IP, 0, 0x65), "version")


def test_ipv4_ihl_below_5():
    raises(IPv4Packet.unpack, set_byte(UDP_IP, 0, 0x44), "IHL")


def test_ipv4_ihl_beyond_total_length():
    raises(IPv4Packet.unpack, set_byte(UDP_IP, 0, 0x4F))


def test_ipv4_total_length_beyond_data():
    raises(IPv4Packet.unpack, UDP_IP[:-1], "total length")


def test_ipv4_total_length_below_header():
    raises(IPv4Packet.unpack, set_byte(set_byte(UDP_IP, 2, 0), 3, 19), "total length")


def test_ipv4_bad_transport_header():
    # UDP length field says 200 bytes inside a 31-byte datagram.
    raises(IPv4Packet.unpack, set_byte(UDP_IP, 24, 1))


# ICMP
def test_icmp_truncated():
    raises(unpack_icmp, b"\x08\x00\x00\x00\x00\x01\x00", "truncated")
    raises(IcmpEcho.unpack, b"\x08\x00")
    raises(IcmpDestUnreachable.unpack, b"")
    raises(IcmpTimeExceeded.unpack, b"\x0b")


def test_icmp_wrong_type_for_class():
    raises(IcmpEcho.unpack, b"\x03\x03" + bytes(6))
    raises(IcmpTimeExceeded.unpack, b"\x03\x03" + bytes(6))


def test_icmp_quote_too_short():
    with pytest.raises(DecodeError):
        IcmpDestUnreachable(3, UDP_IP[:19]).quoted()


# UDP
def test_udp_truncated_header():
    raises(UdpDatagram.unpack, b"\x00" * 7, "truncated")


def test_udp_length_field_below_8():
    raises(UdpDatagram.unpack, bytes.fromhex("0001000200070000"), "length")


def test_udp_length_field_beyond_data():
    raises(UdpDatagram.unpack, bytes.fromhex("0001000200090000"), "length")


# TCP
def test_tcp_truncated_header():
    raises(TcpSegment.unpack, TCP_SEG[:19], "truncated")


def test_tcp_data_offset_below_5():
    raises(TcpSegment.unpack, set_byte(TCP_SEG, 12, 0x40), "data offset")


def test_tcp_data_offset_beyond_data():
    raises(TcpSegment.unpack, set_byte(TCP_SEG, 12, 0xF0), "header length")


@pytest.mark.parametrize("options, why", [
    (b"\x02", "missing length"),                      # kind without a length byte
    (b"\x02\x00\x00\x00", "< 2"),                     # length 0
    (b"\x1e\x01\x00\x00", "< 2"),                     # length 1 (unknown kind)
    (b"\x02\x08\x05\xb4", "runs past"),               # length past the options area
    (b"\x02\x03\x05\x00", "bad length"),              # MSS must be 4
    (b"\x03\x04\x07\x00", "bad length"),              # window scale must be 3
    (b"\x04\x03\x00\x00", "bad length"),              # SACK-permitted must be 2
    (b"\x05\x02\x00\x00", "bad length"),              # SACK with no block
    (b"\x05\x0c" + bytes(10), "bad length"),          # SACK not 2 + 8n
    (b"\x08\x08" + bytes(6), "bad length"),           # timestamps must be 10
])
def test_tcp_bad_option_lengths(options, why):
    raises(parse_options, options, why)
    header = bytearray(TcpSegment(1, 2, 3, 4, SYN, 5).pack(A, B))
    padded = options + bytes(-len(options) % 4)
    header[12] = (5 + len(padded) // 4) << 4
    raises(TcpSegment.unpack, bytes(header) + padded)


def test_tcp_option_class_unpack_wrong_bytes():
    raises(Mss.unpack, b"\x02\x04\x05")
    raises(Timestamps.unpack, Mss(1).pack())
    raises(Sack.unpack, b"")
