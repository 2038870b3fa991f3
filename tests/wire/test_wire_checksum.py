"""RFC 1071 checksum, pseudo-header, Ethernet FCS."""

import os
import zlib

import pytest

from simulator.wire.addr import IPv4Address
from simulator.wire.checksum import fcs, internet_checksum, pseudo_header


def reference_checksum(data: bytes) -> int:
    """Straight RFC 1071 §4.1 loop, for comparison."""
    if len(data) % 2:
        data += b"\x00"
    s = 0
    for i in range(0, len(data), 2):
        s += (data[i] << 8) | data[i + 1]
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def test_rfc1071_example():
    # RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (with end-around carry).
    assert internet_checksum(bytes.fromhex("0001f203f4f5f6f7")) == 0xFFFF - 0xDDF2 == 0x220D


def test_ipv4_header_example():
    # The classic header 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert internet_checksum(header) == 0xB861
    assert internet_checksum(header[:10] + b"\xb8\x61" + header[12:]) == 0


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x00", b"\xff\xff", b"\xff\xff\xff\xff",
                                  b"\x01", b"\xff", b"\x00\x01\xff\xfe", b"\xab\xcd\xef"])
def test_edge_cases_match_reference(data):
    assert internet_checksum(data) == reference_checksum(data)


def test_random_buffers_match_reference():
    rnd = __import__("random").Random(1071)
    for _ in range(300):
        data = rnd.randbytes(rnd.randrange(0, 1600))
        assert internet_checksum(data) == reference_checksum(data)


def test_accepts_bytearray_and_memoryview():
    data = os.urandom(57)
    assert internet_checksum(bytearray(data)) == internet_checksum(memoryview(data)) \
        == internet_checksum(data)


def test_pseudo_header_layout():
    ph = pseudo_header(IPv4Address("10.0.0.1"), IPv4Address("192.168.1.2"), 17, 0x1234)
    assert ph == bytes.fromhex("0a000001" "c0a80102" "00" "11" "1234")
    assert pseudo_header("10.0.0.1", b"\xc0\xa8\x01\x02", 6, 20) == \
        bytes.fromhex("0a000001c0a80102000600" "14")


def test_fcs_crc32_check_value():
    # CRC-32 (IEEE 802.3) catalogue check value: crc("123456789") = 0xCBF43926,
    # transmitted least significant byte first.
    assert fcs(b"123456789") == bytes.fromhex("2639f4cb")


def test_fcs_residue_constant():
    # The CRC over a frame followed by its (correct) FCS is the fixed residue
    # 0x2144DF1C (0xC704DD7B bit-reversed and complemented): how receivers check.
    frame = bytes.fromhex("ffffffffffff020000000001080600010800060400010200000000010a000001"
                          "0000000000000a000002") + bytes(18)
    assert zlib.crc32(frame + fcs(frame)) == 0x2144DF1C
    assert fcs(frame) == zlib.crc32(frame).to_bytes(4, "little")
