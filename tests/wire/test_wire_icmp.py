"""ICMP (RFC 792, RFC 1191): echo, errors, quoting, dispatch, info()."""

import pytest

from simulator.wire.addr import IPv4Address
from simulator.wire.errors import DecodeError
from simulator.wire.icmp import (DEST_UNREACHABLE, ECHO_REPLY, ECHO_REQUEST,
                                 FRAGMENTATION_NEEDED, HOST_UNREACHABLE, NET_UNREACHABLE,
                                 PORT_UNREACHABLE, PROTOCOL_UNREACHABLE,
                                 REASSEMBLY_TIME_EXCEEDED, TIME_EXCEEDED, TTL_EXCEEDED,
                                 IcmpDestUnreachable, IcmpEcho, IcmpMessage, IcmpTimeExceeded,
                                 unpack_icmp)
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.tcp import SYN, TcpSegment
from simulator.wire.udp import UdpDatagram

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")

# A Windows ping: id 1, seq 1, 32 bytes "abcdefghijklmnopqrstuvwabcdefghi", checksum 0x4d5a.
WIN_PING = bytes.fromhex("08004d5a00010001") + b"abcdefghijklmnopqrstuvwabcdefghi"


def test_constants():
    assert (ECHO_REPLY, DEST_UNREACHABLE, ECHO_REQUEST, TIME_EXCEEDED) == (0, 3, 8, 11)
    assert (NET_UNREACHABLE, HOST_UNREACHABLE, PROTOCOL_UNREACHABLE, PORT_UNREACHABLE,
            FRAGMENTATION_NEEDED) == (0, 1, 2, 3, 4)
    assert (TTL_EXCEEDED, REASSEMBLY_TIME_EXCEEDED) == (0, 1)


def test_echo_golden_both_ways():
    req = IcmpEcho.request(1, 1, b"abcdefghijklmnopqrstuvwabcdefghi")
    assert req.pack() == WIN_PING and len(req) == 40
    back = unpack_icmp(WIN_PING)
    assert type(back) is IcmpEcho and back == req and back.checksum == 0x4D5A
    assert back.verify_checksum() and back.pack() == WIN_PING
    assert IcmpEcho.unpack(WIN_PING) == back


def test_echo_reply_to():
    req = IcmpEcho.request(0x1234, 7, b"data")
    rep = IcmpEcho.reply_to(req)
    assert (rep.type, rep.ident, rep.seq, rep.data, rep.checksum) == (0, 0x1234, 7, b"data", None)
    data = rep.pack()
    assert data[:2] == b"\x00\x00" and unpack_icmp(data).verify_checksum()
    assert rep.info() == "Echo (ping) reply id=0x1234, seq=7"
    assert req.info() == "Echo (ping) request id=0x1234, seq=7"


def offending_udp():
    return IPv4Packet(B, A, 17, UdpDatagram(50000, 33434, b"probe-data"), ttl=1,
                      identification=0x42)


def test_port_unreachable_layout_and_quoted():
    orig = offending_udp()
    err = IcmpDestUnreachable(PORT_UNREACHABLE, orig.quote())
    data = err.pack()
    assert data[:2] == b"\x03\x03" and data[4:8] == bytes(4) and data[8:] == orig.pack()[:28]
    assert len(err) == 36 == len(data)
    back = unpack_icmp(data)
    assert type(back) is IcmpDestUnreachable and back == err and back.verify_checksum()
    q = back.quoted()
    assert (q.src, q.dst, q.protocol, q.src_port, q.dst_port) == (B, A, 17, 50000, 33434)
    assert (q.identification, q.ttl, q.total_len, q.ident) == (0x42, 1, len(orig), None)
    assert back.info() == "Destination unreachable (Port unreachable)"


def test_fragmentation_needed_mtu_rfc1191():
    orig = IPv4Packet(A, B, 6, TcpSegment(40000, 80, 123456, 0, SYN, 1000), df=True)
    err = IcmpDestUnreachable(FRAGMENTATION_NEEDED, orig.quote(), next_hop_mtu=1400)
    data = err.pack()
    assert data[4:8] == b"\x00\x00\x05\x78"
    back = IcmpDestUnreachable.unpack(data)
    assert back.next_hop_mtu == 1400 and back == err
    q = back.quoted()
    assert (q.src_port, q.dst_port, q.seq, q.df) == (40000, 80, 123456, True)
    assert back.info() == "Destination unreachable (Fragmentation needed)"


def test_time_exceeded_quoting_echo():
    probe = IPv4Packet(A, B, 1, IcmpEcho.request(0xABCD, 9, bytes(56)), ttl=1)
    err = IcmpTimeExceeded(TTL_EXCEEDED, probe.quote())
    back = unpack_icmp(err.pack())
    assert type(back) is IcmpTimeExceeded and back == err and back.verify_checksum()
    q = back.quoted()
    assert (q.protocol, q.icmp_type, q.icmp_code, q.ident, q.seq) == (1, 8, 0, 0xABCD, 9)
    assert back.info() == "Time-to-live exceeded (Time to live exceeded in transit)"
    frag = IcmpTimeExceeded(REASSEMBLY_TIME_EXCEEDED, probe.quote())
    assert frag.info() == "Time-to-live exceeded (Fragment reassembly time exceeded)"


def test_quoted_non_first_fragment_and_short_quote():
    frag = IPv4Packet(A, B, 17, bytes(16), identification=5, frag_offset=2)
    q = IcmpTimeExceeded(1, frag.quote()).quoted()
    assert q.frag_offset == 2 and q.src_port is None and q.dst_port is None
    header_only = IcmpDestUnreachable(1, offending_udp().quote(0)).quoted()
    assert header_only.protocol == 17 and header_only.src_port is None


def test_quoted_garbage_raises_decode_error():
    with pytest.raises(DecodeError):
        IcmpDestUnreachable(3, b"\x45" + bytes(10)).quoted()
    with pytest.raises(DecodeError):
        IcmpDestUnreachable(3, b"\x65" + bytes(27)).quoted()    # version 6
    with pytest.raises(DecodeError):
        IcmpDestUnreachable(3, b"\x4f" + bytes(27)).quoted()    # IHL 15 > 28 bytes


def test_generic_message_redirect():
    quote = offending_udp().quote()
    red = IcmpMessage(5, 1, IPv4Address("10.0.0.254").packed, quote)
    data = red.pack()
    back = unpack_icmp(data)
    assert type(back) is IcmpMessage and back == red and back.verify_checksum()
    assert back.rest == b"\x0a\x00\x00\xfe" and back.quoted().dst_port == 33434
    assert back.info() == "Redirect (Redirect for host)"
    assert len(back) == 8 + 28
    with pytest.raises(ValueError):
        IcmpMessage(5, 1, b"\x00", b"")


@pytest.mark.parametrize("data, cls", [
    (bytes.fromhex("0801f7fe00000000"), IcmpMessage),       # echo with code 1
    (bytes.fromhex("0303fcf400020000") + bytes(8), IcmpMessage),  # RFC 4884 length set
    (bytes.fromhex("0b00f4fe00000001"), IcmpMessage),       # time exceeded, unused bits set
    (bytes.fromhex("0d00f2ff00000000") + bytes(12), IcmpMessage),  # timestamp request
    (bytes.fromhex("0300fcff00000000"), IcmpDestUnreachable),
    (bytes.fromhex("0000ffff00000000"), IcmpEcho),
])
def test_dispatch_always_round_trips(data, cls):
    msg = unpack_icmp(data)
    assert type(msg) is cls and msg.pack() == data and unpack_icmp(msg.pack()) == msg


def test_class_unpack_rejects_other_types():
    with pytest.raises(DecodeError):
        IcmpEcho.unpack(bytes.fromhex("0303000000000000"))
    with pytest.raises(DecodeError):
        IcmpDestUnreachable.unpack(WIN_PING)
    with pytest.raises(DecodeError):
        IcmpTimeExceeded.unpack(WIN_PING)


def test_info_other_codes_and_types():
    assert IcmpDestUnreachable(13, b"").info() == \
        "Destination unreachable (Communication administratively filtered)"
    assert IcmpDestUnreachable(99, b"").info() == "Destination unreachable (Unknown code: 99)"
    assert IcmpMessage(4, 0, bytes(4), b"").info() == "Source quench (flow control)"
    assert IcmpMessage(13, 0, bytes(4), b"").info() == "Timestamp request"
    assert IcmpMessage(200, 0, bytes(4), b"").info() == "Unknown ICMP type 200"


def test_checksum_none_matches_computed_and_repr():
    e = IcmpEcho.request(1, 2, b"x")
    back = unpack_icmp(e.pack())
    assert back == e and back.checksum is not None
    assert back != IcmpEcho(8, 1, 2, b"x", checksum=(back.checksum + 1) & 0xFFFF)
    assert repr(e) == "IcmpEcho(request, ident=0x0001, seq=2, data=b'x')"
    assert "next_hop_mtu=1400" in repr(IcmpDestUnreachable(4, b"", 1400))
