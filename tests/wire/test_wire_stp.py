"""Spanning-tree BPDUs: byte layout (802.1D-2004 §9.3), round trip, scapy's reading."""

import pytest
from scapy.layers.l2 import STP, Dot3

from simulator.wire.addr import MacAddress
from simulator.wire.errors import DecodeError
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.stp import STP_GROUP, TCN, Bpdu, BridgeId

ROOT = BridgeId(4096, MacAddress("02:00:00:00:00:03"))
BRIDGE = BridgeId(32768, MacAddress("02:00:00:00:00:06"))
SECOND = 1_000_000_000


def config() -> Bpdu:
    return Bpdu(flags=0x01, root=ROOT, cost=200_000, bridge=BRIDGE, port=0x8002,
                message_age=SECOND)


def test_configuration_bpdu_bytes():
    assert config().pack().hex() == (
        "424203" "0000" "00" "00" "01"
        "1000" "020000000003" "00030d40" "8000" "020000000006" "8002"
        "0100" "1400" "0200" "0f00")
    assert len(config()) == 38


def test_round_trip_and_info():
    bpdu = config()
    assert Bpdu.unpack(bpdu.pack() + bytes(8)) == bpdu       # the frame's padding ignored
    assert bpdu.info() == "TC + Conf. Root = 4096/0/02:00:00:00:00:03  Cost = 200000  Port = 0x8002"
    tcn = Bpdu(type=TCN)
    assert tcn.pack() == bytes.fromhex("42420300000080") and Bpdu.unpack(tcn.pack()) == tcn
    assert tcn.info() == "Topology Change Notification"


def test_scapy_reads_the_frame_as_802_3_llc_stp():
    bpdu = config()
    frame = EthernetFrame(STP_GROUP, MacAddress("02:00:00:00:00:06"), len(bpdu), bpdu)
    parsed = Dot3(frame.pack())
    assert parsed.len == 38 and parsed.dst == "01:80:c2:00:00:00"
    stp = parsed[STP]
    assert (stp.bpdutype, stp.bpduflags, stp.rootid, stp.rootmac, stp.pathcost) == (
        0, 1, 4096, "02:00:00:00:00:03", 200_000)
    assert (stp.bridgeid, stp.bridgemac, stp.portid) == (32768, "02:00:00:00:00:06", 0x8002)
    assert (stp.age, stp.maxage, stp.hellotime, stp.fwddelay) == (1, 20, 2, 15)


@pytest.mark.parametrize("data, words", [
    (b"\xaa\xaa\x03\x00\x00\x00\x00", "not an LLC BPDU header"),
    (b"\x42\x42\x03\x00\x00", "truncated BPDU"),
    (b"\x42\x42\x03\x00\x00\x00\x02" + bytes(40), "unknown BPDU type 0x02"),
    (b"\x42\x42\x03\x00\x00\x00\x00" + bytes(10), "configuration BPDU of 14 bytes < 35"),
])
def test_garbled_bpdus_raise_decode_errors(data, words):
    with pytest.raises(DecodeError, match=words):
        Bpdu.unpack(data)
