"""UDP (RFC 768)."""

import pytest

from simulator.wire.addr import IPv4Address
from simulator.wire.checksum import internet_checksum, pseudo_header
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
GOLDEN = bytes.fromhex("c350" "0035" "0014" "964e") + b"hello world!"


def test_golden_both_ways():
    u = UdpDatagram(50000, 53, b"hello world!")
    assert u.pack(A, B) == GOLDEN and len(u) == 20
    back = UdpDatagram.unpack(GOLDEN)
    assert back == u and back.checksum == 0x964E and back.pack() == GOLDEN
    assert back.verify_checksum(A, B)
    assert not back.verify_checksum(A, IPv4Address("10.0.0.3"))


def test_checksum_covers_pseudo_header():
    u = UdpDatagram(1, 2, b"abc")
    data = u.pack(A, B)
    assert internet_checksum(pseudo_header(A, B, 17, len(data)) + data) == 0


def test_zero_checksum_sent_as_ffff():
    # Choose a payload word that makes the computed checksum 0 (RFC 768: send 0xFFFF).
    base = UdpDatagram(1, 2, b"\x00\x00")
    ck = int.from_bytes(base.pack(A, B)[6:8], "big")
    u = UdpDatagram(1, 2, ck.to_bytes(2, "big"))
    data = u.pack(A, B)
    assert data[6:8] == b"\xff\xff"
    assert UdpDatagram.unpack(data).verify_checksum(A, B)


def test_no_checksum_zero_kept_and_accepted():
    u = UdpDatagram(7, 7, b"echo", checksum=0)
    data = u.pack()
    assert data[6:8] == b"\x00\x00"
    back = UdpDatagram.unpack(data)
    assert back.checksum == 0 and back.verify_checksum(A, B) and back.pack() == data


def test_pack_without_addresses_needs_checksum():
    with pytest.raises(ValueError):
        UdpDatagram(1, 2, b"").pack()


def test_length_field_trims_trailing_bytes():
    back = UdpDatagram.unpack(GOLDEN + b"junk")
    assert back.payload == b"hello world!"


def test_info_repr_eq():
    u = UdpDatagram(50000, 9, bytes(12))
    assert u.info() == "50000 → 9 Len=12"
    assert repr(UdpDatagram(1, 2, b"x")) == "UdpDatagram(1 → 2, payload=b'x')"
    assert u == UdpDatagram(50000, 9, bytes(12)) and hash(u) == hash(UdpDatagram(50000, 9, bytes(12)))
    assert u != UdpDatagram(50000, 10, bytes(12))
