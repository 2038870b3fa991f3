"""ARP/RARP (RFC 826, RFC 903, RFC 5227 wording in info())."""

import pytest

from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import (ARP_REPLY, ARP_REQUEST, RARP_REPLY, RARP_REQUEST, ArpPacket)

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
M1, M2 = MacAddress.local(1), MacAddress.local(2)
ZERO_MAC = MacAddress(bytes(6))
ZERO_IP = IPv4Address(0)

REPLY = bytes.fromhex("0001" "0800" "06" "04" "0002"
                      "020000000002" "0a000002" "020000000001" "0a000001")


def test_constants():
    assert (ARP_REQUEST, ARP_REPLY, RARP_REQUEST, RARP_REPLY) == (1, 2, 3, 4)


def test_reply_golden_both_ways():
    reply = ArpPacket.reply_to(ArpPacket.request(M1, A, B), M2)
    assert (reply.oper, reply.sha, reply.spa, reply.tha, reply.tpa) == (ARP_REPLY, M2, B, M1, A)
    assert reply.pack() == REPLY
    assert len(reply) == 28 and (reply.hlen, reply.plen) == (6, 4)
    back = ArpPacket.unpack(REPLY)
    assert back == reply and back.pack() == REPLY
    assert type(back.sha) is MacAddress and type(back.spa) is IPv4Address


def test_trailing_padding_ignored():
    assert ArpPacket.unpack(REPLY + bytes(18)).pack() == REPLY


def test_other_address_sizes_stay_raw_bytes():
    # htype 6 (IEEE 802), an 8-byte hardware address and a 2-byte protocol address.
    pkt = ArpPacket(ARP_REQUEST, b"\x01" * 8, b"\xaa\xbb", b"\x00" * 8, b"\xcc\xdd",
                    htype=6, ptype=0x1234)
    assert (pkt.hlen, pkt.plen, len(pkt)) == (8, 2, 28)
    data = pkt.pack()
    assert data[:8] == bytes.fromhex("0006123408020001")
    back = ArpPacket.unpack(data)
    assert back == pkt and back.pack() == data and back.spa == b"\xaa\xbb"


def test_mismatched_address_lengths_rejected():
    with pytest.raises(ValueError):
        ArpPacket(ARP_REQUEST, M1, A, b"\x00" * 4, B)


@pytest.mark.parametrize("pkt, text", [
    (ArpPacket(ARP_REQUEST, M1, A, ZERO_MAC, B), "Who has 10.0.0.2? Tell 10.0.0.1"),
    (ArpPacket(ARP_REPLY, M2, B, M1, A), "10.0.0.2 is at 02:00:00:00:00:02"),
    (ArpPacket(ARP_REQUEST, M1, ZERO_IP, ZERO_MAC, A), "Who has 10.0.0.1? (ARP Probe)"),
    (ArpPacket(ARP_REQUEST, M1, A, ZERO_MAC, A), "ARP Announcement for 10.0.0.1"),
    (ArpPacket(ARP_REQUEST, M1, A, MacAddress.BROADCAST, A), "Gratuitous ARP for 10.0.0.1 (Request)"),
    (ArpPacket(ARP_REPLY, M1, A, MacAddress.BROADCAST, A), "Gratuitous ARP for 10.0.0.1 (Reply)"),
    (ArpPacket(RARP_REQUEST, M1, ZERO_IP, M1, ZERO_IP),
     "Who is 02:00:00:00:00:01? Tell 02:00:00:00:00:01"),
    (ArpPacket(RARP_REPLY, M2, B, M1, IPv4Address("10.0.0.5")),
     "02:00:00:00:00:01 is at 10.0.0.5"),
    (ArpPacket(9, M1, A, M2, B), "Unknown ARP opcode 0x0009"),
])
def test_info(pkt, text):
    assert pkt.info() == text


def test_repr_and_eq():
    r = ArpPacket.request(M1, A, B)
    assert repr(r) == ("ArpPacket(oper=1, sha='02:00:00:00:00:01', spa='10.0.0.1', "
                       "tha='00:00:00:00:00:00', tpa='10.0.0.2')")
    assert r == ArpPacket.request(M1, A, B) and hash(r) == hash(ArpPacket.request(M1, A, B))
    assert r != ArpPacket.request(M2, A, B)
