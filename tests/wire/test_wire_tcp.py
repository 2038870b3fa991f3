"""TCP segments and options (RFC 9293, RFC 7323, RFC 2018)."""

import pytest

from simulator.wire.addr import IPv4Address
from simulator.wire.errors import DecodeError
from simulator.wire.tcp import (ACK, AE, CWR, ECE, FIN, NS, PSH, RST, SYN, URG, TcpSegment,
                                flags_str)
from simulator.wire.tcp_options import (Eol, Mss, Nop, Sack, SackPermitted, Timestamps,
                                        UnknownOption, WindowScale, pack_options,
                                        parse_options)

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")

SYN_GOLDEN = bytes.fromhex(
    "c350" "0050" "000003e8" "00000000" "a002" "ffff" "6c74" "0000"   # doff 10, SYN
    "020405b4" "01" "030307" "0402" "080a" "00000001" "00000000")     # MSS NOP WS SACKP TS
SYNACK_GOLDEN = bytes.fromhex(
    "0050" "c350" "00001388" "000003e9" "8012" "7210" "0ddd" "0000"   # doff 8, SYN+ACK
    "020405b4" "0101" "0402" "01" "030307")
DATA_GOLDEN = bytes.fromhex(
    "c350" "0050" "000003e9" "00001389" "8018" "01f6" "a5cb" "0000"   # doff 8, PSH+ACK
    "0101" "080a" "00000064" "000000c8") + b"GET / HTTP/1.1\r\n\r\n"


def test_flag_constants():
    assert (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR) == (1, 2, 4, 8, 16, 32, 64, 128)
    assert NS == AE == 0x100


@pytest.mark.parametrize("seg, golden, src, dst", [
    (TcpSegment(50000, 80, 1000, 0, SYN, 65535,
                options=(Mss(1460), Nop(), WindowScale(7), SackPermitted(), Timestamps(1, 0))),
     SYN_GOLDEN, A, B),
    (TcpSegment(80, 50000, 5000, 1001, SYN | ACK, 29200,
                options=[Mss(1460), Nop(), Nop(), SackPermitted(), Nop(), WindowScale(7)]),
     SYNACK_GOLDEN, B, A),
    (TcpSegment(50000, 80, 1001, 5001, PSH | ACK, 502, b"GET / HTTP/1.1\r\n\r\n",
                options=(Nop(), Nop(), Timestamps(100, 200))),
     DATA_GOLDEN, A, B),
])
def test_golden_both_ways(seg, golden, src, dst):
    assert seg.pack(src, dst) == golden
    assert len(seg) == len(golden) and seg.header_len == (golden[12] >> 4) * 4
    back = TcpSegment.unpack(golden)
    assert back == seg and back.pack() == golden
    assert back.verify_checksum(src, dst) and not back.verify_checksum(src, src)


def test_flags_12_bits_round_trip():
    seg = TcpSegment(1, 2, 3, 4, 0xFFF, 5, urgent=9)
    data = seg.pack(A, B)
    assert data[12] & 0x0F == 0x0F and data[13] == 0xFF
    back = TcpSegment.unpack(data)
    assert back.flags == 0xFFF and back.urgent == 9 and back == seg


def test_unaligned_options_get_eol_and_round_trip():
    seg = TcpSegment(1, 2, 0, 0, SYN, 0, options=(Mss(536), Nop()))
    assert seg.options == (Mss(536), Nop(), Eol()) and seg.header_len == 28
    back = TcpSegment.unpack(seg.pack(A, B))
    assert back.options == seg.options and back == seg
    explicit = TcpSegment(1, 2, 0, 0, SYN, 0, options=(Mss(536), Eol()))
    assert explicit.options == (Mss(536), Eol())
    assert TcpSegment.unpack(explicit.pack(A, B)).options == (Mss(536), Eol())


def test_options_validation():
    with pytest.raises(ValueError):
        TcpSegment(1, 2, 0, 0, 0, 0, options=(Eol(), Mss(1)))
    with pytest.raises(ValueError):
        TcpSegment(1, 2, 0, 0, 0, 0, options=(Sack([(1, 2)] * 4), Timestamps(1, 2)))
    with pytest.raises(ValueError):
        UnknownOption(2, b"\x05\xb4")


def test_every_option_kind_round_trips():
    opts = (Mss(1460), WindowScale(14), SackPermitted(), Sack([(1, 2), (3, 4)]),
            Timestamps(0xFFFFFFFF, 7), Nop(), UnknownOption(30, b"\x01\x02"), Eol())
    for opt in opts:
        assert type(opt).unpack(opt.pack()) == opt
        assert len(opt.pack()) == len(opt)
    packed = pack_options(opts)
    assert len(packed) % 4 == 0
    assert parse_options(packed) == opts


def test_option_byte_layouts():
    assert Mss(1460).pack() == b"\x02\x04\x05\xb4"
    assert WindowScale(7).pack() == b"\x03\x03\x07"
    assert SackPermitted().pack() == b"\x04\x02"
    assert Sack([(1, 2)]).pack() == b"\x05\x0a" + bytes.fromhex("0000000100000002")
    assert Timestamps(1, 2).pack() == b"\x08\x0a" + bytes.fromhex("0000000100000002")
    assert UnknownOption(254, b"\xf9\x89").pack() == b"\xfe\x04\xf9\x89"   # RFC 6994 ExID
    assert pack_options([Mss(1460), WindowScale(7)]) == bytes.fromhex("020405b403030700")


def test_padding_after_eol_is_dropped():
    assert parse_options(bytes.fromhex("020405b400000000")) == (Mss(1460), Eol())
    assert parse_options(b"") == ()


def test_option_unpack_rejects_wrong_class_or_extra_bytes():
    with pytest.raises(DecodeError):
        Mss.unpack(WindowScale(1).pack())
    with pytest.raises(DecodeError):
        Nop.unpack(b"\x01\x01")


def test_option_equality_and_repr():
    assert Mss(1460) == Mss(1460) and Mss(1460) != Mss(536) and Mss(1) != WindowScale(1)
    assert hash(Sack([(1, 2)])) == hash(Sack(((1, 2),)))
    assert repr(Sack([(1, 2)])) == "Sack([(1, 2)])"
    assert repr(Timestamps(1, 2)) == "Timestamps(tsval=1, tsecr=2)"


def test_info_wireshark_style():
    syn = TcpSegment(50000, 80, 0, 0, SYN, 65535,
                     options=(Mss(1460), Nop(), WindowScale(7), SackPermitted()))
    assert syn.info() == "50000 → 80 [SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=128 SACK_PERM"
    ack = TcpSegment(50000, 80, 1, 1, ACK, 501,
                     options=(Nop(), Nop(), Sack([(100, 200), (300, 400)])))
    assert ack.info() == ("50000 → 80 [ACK] Seq=1 Ack=1 Win=501 Len=0 "
                          "SLE=100 SRE=200 SLE=300 SRE=400")
    urg = TcpSegment(1, 2, 3, 4, FIN | PSH | ACK | URG, 5, b"hello", urgent=3,
                     options=(Nop(), Nop(), Timestamps(5, 6)))
    assert urg.info() == ("1 → 2 [FIN, PSH, ACK, URG] Seq=3 Ack=4 Win=5 Urg=3 Len=5 "
                          "TSval=5 TSecr=6")
    assert flags_str(0) == "<None>"
    assert flags_str(ECE | CWR | AE | SYN) == "SYN, ECE, CWR, AE"


def test_replace_option_helper_repr():
    seg = TcpSegment.unpack(SYN_GOLDEN)
    moved = seg.replace(src_port=1)
    assert moved.src_port == 1 and moved.checksum is None and moved.options == seg.options
    assert seg.option(Mss) == Mss(1460) and seg.option(Sack) is None
    assert repr(TcpSegment(1, 2, 3, 4, SYN | ACK, 5)) == \
        "TcpSegment(1 → 2, [SYN, ACK], seq=3, ack=4, window=5)"
    with pytest.raises(TypeError):
        seg.replace(flagz=1)


def test_pack_without_addresses_needs_checksum():
    with pytest.raises(ValueError):
        TcpSegment(1, 2, 3, 4, 0, 5).pack()
    assert TcpSegment(1, 2, 3, 4, 0, 5, checksum=0xABCD).pack()[16:18] == b"\xab\xcd"
