"""DHCP captured from running nodes, read by references nobody here wrote: tshark
(checksum validation on: UDP from 0.0.0.0 must checksum right) decodes every
capture of dhcp_lan and dhcp_campus clean with the right option values, and scapy
decodes the same packets to the same fields and checksums."""

from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import (CHECKSUM_GOOD, clean, require_tshark, tshark_fields, tshark_problems,
                          values)

REPO = Path(__file__).resolve().parents[1]
FIELDS = ["ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.checksum.status",
          "dhcp.option.dhcp", "dhcp.id", "dhcp.ip.client", "dhcp.ip.your", "dhcp.ip.relay",
          "dhcp.hops", "dhcp.flags.bc", "dhcp.option.requested_ip_address",
          "dhcp.option.dhcp_server_id", "dhcp.option.subnet_mask", "dhcp.option.router",
          "dhcp.option.domain_name_server", "dhcp.option.domain_name",
          "dhcp.option.ip_address_lease_time", "dhcp.option.renewal_time_value",
          "dhcp.option.rebinding_time_value", "dhcp.option.hostname"]


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    require_tshark()
    out = tmp_path_factory.mktemp("dhcp_lan")
    assert run_scenario(load_scenario(REPO / "scenarios" / "dhcp_lan.yaml"), out,
                        plots=False).passed
    return out


@pytest.fixture(scope="module")
def campus(tmp_path_factory):
    require_tshark()
    out = tmp_path_factory.mktemp("dhcp_campus")
    assert run_scenario(load_scenario(REPO / "scenarios" / "dhcp_campus.yaml"), out,
                        plots=False).passed
    return out


def dhcp_rows(pcap):
    return [r for r in tshark_fields(pcap, FIELDS, ["-Y", "dhcp"])]


def test_every_capture_is_clean(lan, campus):
    for pcap in sorted(lan.glob("*.pcap")) + sorted(campus.glob("*.pcap")):
        problems = tshark_problems(pcap)
        assert problems == clean(problems["frames"]), pcap.name
        assert problems["frames"] > 0


def test_lan_dora_fields_and_zero_source_checksums(lan):
    rows = dhcp_rows(lan / "srv-eth0.pcap")
    kinds = [r["dhcp.option.dhcp"] for r in rows]
    assert kinds[:6] == ["1", "2"] * 3         # each DISCOVER answered by an OFFER at once
    assert kinds.count("4") == 1                              # pc2's DECLINE
    for r in rows:
        assert r["udp.checksum.status"] == str(CHECKSUM_GOOD), r
    zero = [r for r in rows if r["ip.src"] == "0.0.0.0"]
    assert zero and {(r["ip.dst"], r["udp.srcport"], r["udp.dstport"]) for r in zero} == {
        ("255.255.255.255", "68", "67")}
    request = next(r for r in rows if r["dhcp.option.dhcp"] == "3" and r["ip.src"] == "0.0.0.0"
                   and r["dhcp.option.hostname"] == "pc2")
    assert request["dhcp.option.dhcp_server_id"] == "10.0.0.2"
    assert request["dhcp.option.requested_ip_address"] == "10.0.0.100"
    ack = next(r for r in rows if r["dhcp.option.dhcp"] == "5" and r["dhcp.ip.your"] == "10.0.0.10")
    assert (ack["dhcp.option.subnet_mask"], ack["dhcp.option.router"]) == (
        "255.255.255.0", "10.0.0.1")
    assert ack["dhcp.option.domain_name_server"] == "10.0.0.53"
    assert ack["dhcp.option.domain_name"] == "lan.example"
    assert [ack[f"dhcp.option.{k}"] for k in ("ip_address_lease_time", "renewal_time_value",
                                               "rebinding_time_value")] == ["60", "30", "52"]
    assert ack["dhcp.flags.bc"] == "1" and ack["ip.dst"] == "255.255.255.255"
    renew = [r for r in rows if r["dhcp.option.dhcp"] == "3" and r["dhcp.ip.client"] != "0.0.0.0"]
    assert renew and all(r["ip.dst"] == "10.0.0.2" and r["dhcp.flags.bc"] == "0" for r in renew)


def test_campus_relayed_requests_carry_giaddr_and_one_hop(campus):
    rows = [r for r in dhcp_rows(campus / "srv-eth0.pcap") if r["udp.srcport"] == "67"
            and r["dhcp.option.dhcp"] == "1"]
    assert len(rows) >= 60
    assert {r["dhcp.ip.relay"] for r in rows} == {"10.1.0.1", "10.2.0.1", "10.3.0.1"}
    assert {r["dhcp.hops"] for r in rows} == {"1"}
    assert {r["ip.dst"] for r in rows} == {"10.0.0.53"}
    local = dhcp_rows(campus / "r2-c.pcap")
    assert {r["dhcp.ip.relay"] for r in local} == {"0.0.0.0", "10.3.0.1"}   # client's, relay's
    offers = [r for r in local if r["dhcp.option.dhcp"] == "2"]
    assert len(offers) == 20 and {values(r["ip.src"])[0] for r in offers} == {"10.3.0.1"}


def test_scapy_decodes_the_captured_dhcp_and_its_checksums(lan):
    scapy = pytest.importorskip("scapy.all")
    from scapy.layers.dhcp import BOOTP, DHCP
    from scapy.layers.inet import IP, UDP

    from simulator.wire.dhcp import DhcpMessage

    packets = [p for p in scapy.rdpcap(str(lan / "srv-eth0.pcap")) if p.haslayer(BOOTP)]
    assert len(packets) > 10
    for packet in packets:
        ours = DhcpMessage.unpack(bytes(packet[UDP].payload))
        bootp = packet[BOOTP]
        assert (bootp.xid, bootp.op, bootp.yiaddr, bootp.ciaddr) == (
            ours.xid, ours.op, str(ours.yiaddr), str(ours.ciaddr))
        options = dict(o for o in packet[DHCP].options if isinstance(o, tuple))
        assert options["message-type"] == ours.message_type
        rebuilt = packet[IP].copy()
        del rebuilt[UDP].chksum, rebuilt.chksum
        rebuilt = IP(bytes(rebuilt))
        assert (rebuilt[UDP].chksum, rebuilt.chksum) == (packet[UDP].chksum, packet[IP].chksum)
