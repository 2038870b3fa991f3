"""MacAddress and the re-exported IPv4 types."""

import pickle

import pytest

from simulator.wire.addr import IPv4Address, IPv4Interface, IPv4Network, MacAddress


def test_mac_from_string_bytes_int_agree():
    a = MacAddress("02:00:00:00:00:01")
    assert a == MacAddress(b"\x02\x00\x00\x00\x00\x01")
    assert a == MacAddress(0x020000000001)
    assert a == MacAddress("02-00-00-00-00-01") == MacAddress("020000000001")
    assert MacAddress("AA:BB:CC:DD:EE:FF") == bytes.fromhex("aabbccddeeff")


def test_mac_is_real_bytes_and_hashes_like_bytes():
    a = MacAddress("02:00:00:00:00:01")
    assert isinstance(a, bytes) and len(a) == 6
    table = {b"\x02\x00\x00\x00\x00\x01": "port1"}
    assert table[a] == "port1"
    assert hash(a) == hash(bytes(a))
    assert MacAddress(a) is a


def test_mac_str_repr_format():
    a = MacAddress("AA:bb:0C:00:00:01")
    assert str(a) == "aa:bb:0c:00:00:01"
    assert f"{a}" == "aa:bb:0c:00:00:01"
    assert repr(a) == "MacAddress('aa:bb:0c:00:00:01')"
    assert int(a) == 0xAABB0C000001


def test_mac_broadcast_multicast_bits():
    b = MacAddress.BROADCAST
    assert str(b) == "ff:ff:ff:ff:ff:ff" and isinstance(b, MacAddress)
    assert b.is_broadcast and b.is_multicast
    m = MacAddress("01:00:5e:00:00:01")  # IPv4 multicast MAC, I/G bit set
    assert m.is_multicast and not m.is_broadcast and not m.is_unicast
    u = MacAddress("02:00:00:00:00:01")
    assert not u.is_multicast and not u.is_broadcast and u.is_unicast and u.is_local
    assert not MacAddress("00:1b:21:00:00:01").is_local


def test_mac_local_counter():
    assert str(MacAddress.local(1)) == "02:00:00:00:00:01"
    assert str(MacAddress.local(0x123456)) == "02:00:00:12:34:56"
    assert MacAddress.local(7).is_local and MacAddress.local(7).is_unicast
    with pytest.raises(ValueError):
        MacAddress.local(1 << 24)
    with pytest.raises(ValueError):
        MacAddress.local(-1)


@pytest.mark.parametrize("bad", ["", "02:00:00:00:00", "02:00:00:00:00:01:02", "02:00:00:00:00:0g",
                                 "2:0:0:0:0:1", "02:00:00:00:00:001", "hello", "0200000000"])
def test_mac_bad_strings_raise_value_error_with_message(bad):
    with pytest.raises(ValueError, match="invalid MAC address"):
        MacAddress(bad)


def test_mac_bad_bytes_and_ints():
    with pytest.raises(ValueError):
        MacAddress(b"\x00" * 5)
    with pytest.raises(ValueError):
        MacAddress(1 << 48)
    with pytest.raises(ValueError):
        MacAddress(-1)
    with pytest.raises(TypeError):
        MacAddress(1.5)


def test_mac_pickles():
    a = MacAddress("02:00:00:00:00:09")
    b = pickle.loads(pickle.dumps(a))
    assert b == a and type(b) is MacAddress


def test_ipv4_types_are_the_stdlib_ones():
    import ipaddress
    assert IPv4Address is ipaddress.IPv4Address
    assert IPv4Network is ipaddress.IPv4Network
    assert IPv4Interface is ipaddress.IPv4Interface
