"""DHCP messages (RFC 2131 §2, RFC 2132): exact bytes, round trips, typed options,
unknown options kept raw, DecodeError on garbage (hypothesis-fuzzed)."""

from ipaddress import IPv4Address

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DISCOVER,
                                 OPT_CLIENT_ID, OPT_DNS, OPT_DOMAIN_NAME, OPT_LEASE_TIME,
                                 OPT_MESSAGE_TYPE, OPT_PAD, OPT_PARAMETER_REQUEST_LIST,
                                 OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK, OPT_T1, OPT_T2,
                                 DhcpMessage)
from simulator.wire.errors import DecodeError

MAC = MacAddress("02:00:00:00:00:2a")


def discover():
    return DhcpMessage(BOOTREQUEST, 0x3903F326, MAC, [
        (OPT_MESSAGE_TYPE, DISCOVER), (OPT_CLIENT_ID, b"\x01" + MAC),
        (OPT_PARAMETER_REQUEST_LIST, (1, 3, 6, 15))], flags=BROADCAST_FLAG)


def ack():
    return DhcpMessage(BOOTREPLY, 0x3903F326, MAC, [
        (OPT_MESSAGE_TYPE, ACK), (OPT_SERVER_ID, "192.168.1.1"), (OPT_LEASE_TIME, 86400),
        (OPT_T1, 43200), (OPT_T2, 75600), (OPT_SUBNET_MASK, "255.255.255.0"),
        (OPT_ROUTER, ["192.168.1.1"]), (OPT_DNS, ["192.168.1.1", "9.9.9.9"]),
        (OPT_DOMAIN_NAME, "home.arpa")], yiaddr="192.168.1.100", siaddr="192.168.1.1")


def test_discover_bytes_exactly():
    data = discover().pack()
    assert len(data) == 300                                   # padded to the BOOTP minimum
    assert data[:12] == bytes.fromhex("010106003903f32600008000")
    assert data[12:28] == bytes(16)                           # ciaddr .. giaddr
    assert data[28:44] == bytes(MAC) + bytes(10)
    assert data[44:236] == bytes(192)                         # sname, file
    assert data[236:240] == bytes((99, 130, 83, 99))
    assert data[240:259] == bytes.fromhex("350101" "3d0701" "02000000002a" "37040103060f" "ff")
    assert data[259:] == bytes(41)


def test_ack_round_trip_and_typed_values():
    msg = ack()
    back = DhcpMessage.unpack(msg.pack())
    assert back == msg and back.pack() == msg.pack()
    assert back.option(OPT_DNS) == (IPv4Address("192.168.1.1"), IPv4Address("9.9.9.9"))
    assert back.option(OPT_LEASE_TIME) == 86400 and back.message_type == ACK
    assert back.option(OPT_DOMAIN_NAME) == "home.arpa"
    assert back.yiaddr == IPv4Address("192.168.1.100") and back.client_mac == MAC
    assert back.option(99) is None


def test_info_like_wireshark():
    assert discover().info() == "DHCP Discover - Transaction ID 0x3903f326"
    assert ack().info() == "DHCP ACK      - Transaction ID 0x3903f326"
    assert DhcpMessage(BOOTREQUEST, 0x2A, MAC, [(OPT_MESSAGE_TYPE, 9)]).info() == \
        "DHCP Force Renew - Transaction ID 0x2a"
    assert DhcpMessage(BOOTREQUEST, 1, MAC, [(OPT_MESSAGE_TYPE, 99)]).info() == \
        "DHCP Unknown Message Type (0x63) - Transaction ID 0x1"
    assert DhcpMessage(BOOTREQUEST, 1, MAC).info() == \
        "Boot Request from 02:00:00:00:00:2a (02:00:00:00:00:2a)"
    assert DhcpMessage(BOOTREPLY, 1, MAC).info() == "Boot Reply"


def test_unknown_options_and_pads_are_kept_in_place():
    msg = DhcpMessage(BOOTREQUEST, 7, MAC, [(OPT_MESSAGE_TYPE, DISCOVER), (OPT_PAD, None),
                                             (82, b"\x01\x03abc"), (80, b"")])
    data = msg.pack()
    assert data[240:254] == bytes.fromhex("350101" "00" "5205" "0103616263" "5000" "ff")
    back = DhcpMessage.unpack(data)
    assert back.options == ((53, 1), (0, None), (82, b"\x01\x03abc"), (80, b""))
    assert back.pack() == data


def test_trailer_after_end_is_kept():
    data = discover().pack()[:259] + b"\x00\x00\x00"
    assert DhcpMessage.unpack(data).pack() == data


def test_client_key_prefers_the_client_identifier():
    assert discover().client_key() == b"id:\x01" + MAC
    assert ack().client_key() == b"hw:\x01" + MAC


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d[:239], "truncated"),
    (lambda d: b"\x03" + d[1:], "op 3"),
    (lambda d: d[:2] + b"\x11" + d[3:], "hardware address length 17"),
    (lambda d: d[:236] + b"\x00\x00\x00\x00" + d[240:], "magic cookie"),
    (lambda d: d[:240] + b"\x35\x01\x01", "End"),
    (lambda d: d[:240] + b"\x35", "truncated before its length"),
    (lambda d: d[:240] + b"\x35\x09\x01", "runs past"),
    (lambda d: d[:240] + b"\x35\x02\x01\x01\xff", "option 53: bad length 2"),
    (lambda d: d[:240] + b"\x03\x05\x01\x02\x03\x04\x05\xff", "option 3: not a multiple"),
    (lambda d: d[:240] + b"\x3d\x01\x01\xff", "option 61: bad length 1"),
])
def test_garbage_is_a_decode_error(mutate, message):
    with pytest.raises(DecodeError, match=message):
        DhcpMessage.unpack(mutate(discover().pack()))


def test_bad_construction_is_refused():
    with pytest.raises(ValueError):
        DhcpMessage(BOOTREQUEST, 1, bytes(17))
    with pytest.raises(ValueError):
        DhcpMessage(BOOTREQUEST, 1, MAC, [(200, bytes(256))])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_random_bytes_decode_or_raise_decode_error(data):
    try:
        msg = DhcpMessage.unpack(data)
    except DecodeError:
        return
    assert DhcpMessage.unpack(msg.pack()) == msg


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 254), st.binary(max_size=20)), max_size=12),
       st.integers(0, 2**32 - 1))
def test_fuzz_options_after_a_valid_header(options, xid):
    head = DhcpMessage(BOOTREQUEST, xid, MAC).pack()[:240]
    data = head + b"".join(bytes((c, len(v))) + v for c, v in options) + b"\xff"
    try:
        msg = DhcpMessage.unpack(data)
    except DecodeError:
        return
    assert msg.pack() == data and msg.xid == xid
