"""netsim explain: the story of the lan_ping and failover runs line by line, and frames
of capture.pcapng taken apart the way tshark does (fields of -T fields, bytes of -x)."""

import subprocess
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.explain import frame_details, hexdump, story
from tests.tshark import _env, require_tshark, tshark_fields

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    out = tmp_path_factory.mktemp("lan")
    run_scenario(load_scenario(REPO / "scenarios" / "lan_ping.yaml"), out, plots=False)
    return out


@pytest.fixture(scope="module")
def failover(tmp_path_factory):
    out = tmp_path_factory.mktemp("failover")
    run_scenario(load_scenario(REPO / "scenarios" / "failover.yaml"), out, plots=False)
    return out


def test_lan_ping_story_opens_with_arp_learning_and_flooding(lan):
    assert list(story(lan))[:17] == [
        "1.000000000  arp     pc1 ARP 10.0.0.2: INCOMPLETE (new entry)",
        "                       ↳ pc1 ARP eth0: 10.0.0.2 (none) INCOMPLETE",
        "1.000000000  phy     pc1:eth0 sends ARP to sw:p1: Who has 10.0.0.2? Tell 10.0.0.1",
        "1.000015120  l2      sw learns 02:00:00:00:00:01 on p1",
        "                       ↳ sw MAC table: 02:00:00:00:00:01 p1",
        "1.000015120  l2      sw floods: ff:ff:ff:ff:ff:ff broadcast (in on p1)",
        "1.000015120  phy     sw:p2 sends ARP to pc2:eth0: Who has 10.0.0.2? Tell 10.0.0.1",
        "1.000015120  phy     sw:p3 sends ARP to pc3:eth0: Who has 10.0.0.2? Tell 10.0.0.1",
        "1.000015120  phy     sw:p4 sends ARP to hub:p1: Who has 10.0.0.2? Tell 10.0.0.1",
        "1.000025120  phy     hub:p2 sends ARP to pc4:eth0: Who has 10.0.0.2? Tell 10.0.0.1",
        "1.000030240  arp     pc2 ARP 10.0.0.1 is-at 02:00:00:00:00:01: STALE (new entry)",
        "                       ↳ pc2 ARP eth0: 10.0.0.1 02:00:00:00:00:01 STALE",
        "1.000030240  phy     pc2:eth0 sends ARP to sw:p2: 10.0.0.2 is at 02:00:00:00:00:02",
        "1.000045360  l2      sw learns 02:00:00:00:00:02 on p2",
        "                       ↳ sw MAC table: 02:00:00:00:00:01 p1, 02:00:00:00:00:02 p2",
        "1.000045360  phy     sw:p1 sends ARP to pc1:eth0: 10.0.0.2 is at 02:00:00:00:00:02",
        "1.000060480  arp     pc1 ARP 10.0.0.2 is-at 02:00:00:00:00:02: REACHABLE (was INCOMPLETE)",
    ]


def test_a_known_destination_is_not_flooded(lan):
    floods = [line for line in story(lan) if " floods: " in line]
    assert floods == ["1.000015120  l2      sw floods: ff:ff:ff:ff:ff:ff broadcast (in on p1)",
                      "1.500015120  l2      sw floods: ff:ff:ff:ff:ff:ff broadcast (in on p3)"]


def test_failover_story_routes_then_reroutes(failover):
    lines = list(story(failover, node="r1"))
    assert ("1.006018400  ip      r1 matched 10.3.0.0/24 via 10.0.12.2, TTL 64 → 63, out n, "
            "MAC rewritten (src 02:00:00:00:00:03)") in lines
    assert "2.050000000  phy     link r1:n-r2:w goes down" in lines
    assert "2.250000000  routing r1 routes: +3 -3" in lines
    after = [line for line in lines if " matched 10.3.0.0/24 " in line and line > "2.25"]
    assert after and all(" via 10.0.14.2, " in line and " out s," in line for line in after)


def test_hexdump_of_the_arp_request_is_tsharks(lan):
    require_tshark()
    proc = subprocess.run([require_tshark(), "-r", str(lan / "capture.pcapng"), "-x", "-c", "1"],
                          check=True, capture_output=True, text=True, env=_env())
    theirs = [line for line in proc.stdout.splitlines() if line]
    mine = frame_details(lan, 1)
    assert mine[mine.index("") + 1:] == theirs
    assert theirs[0].startswith("0000  ff ff ff ff ff ff 02 00 00 00 00 01 08 06")


FIELDS = {   # tshark field → (the layer's heading, the label explain gives it)
    "eth.dst": ("Ethernet II", "Destination"), "eth.src": ("Ethernet II", "Source"),
    "eth.type": ("Ethernet II", "Type"),
    "arp.opcode": ("Address Resolution Protocol", "Opcode"),
    "arp.src.hw_mac": ("Address Resolution Protocol", "Sender MAC address"),
    "arp.src.proto_ipv4": ("Address Resolution Protocol", "Sender IP address"),
    "arp.dst.hw_mac": ("Address Resolution Protocol", "Target MAC address"),
    "arp.dst.proto_ipv4": ("Address Resolution Protocol", "Target IP address"),
    "ip.ttl": ("Internet Protocol Version 4", "Time to Live"),
    "ip.len": ("Internet Protocol Version 4", "Total Length"),
    "ip.id": ("Internet Protocol Version 4", "Identification"),
    "ip.checksum": ("Internet Protocol Version 4", "Header Checksum"),
    "ip.src": ("Internet Protocol Version 4", "Source Address"),
    "ip.dst": ("Internet Protocol Version 4", "Destination Address"),
    "icmp.type": ("Internet Control Message Protocol", "Type"),
    "icmp.checksum": ("Internet Control Message Protocol", "Checksum"),
    "icmp.seq": ("Internet Control Message Protocol", "Sequence Number (BE)"),
}


@pytest.mark.parametrize("number", [1, 8, 9])      # ARP request, ARP reply, echo request
def test_fields_are_tsharks(lan, number):
    require_tshark()
    row = tshark_fields(lan / "capture.pcapng", list(FIELDS), ["-Y", f"frame.number == {number}",
                                                               "-E", "occurrence=f"])[0]
    details = frame_details(lan, number)
    shown, layer = {}, None
    for line in details[1:details.index("")]:
        if not line.startswith(" "):
            layer = line.split(",")[0].split(" (")[0]
            continue
        label, _, value = line.strip().partition(": ")
        # "request (1)", "0x0001 (1)", "ARP (0x0806)": tshark gives one of the two
        shown[layer, label] = {value.split(" (")[0], value.partition(" (")[2].rstrip(")")}
    checked = [field for field, key in FIELDS.items() if row[field]]
    for field in checked:
        assert row[field] in shown[FIELDS[field]], (field, row[field], shown[FIELDS[field]])
    assert len(checked) >= 7


def test_hexdump_pads_a_short_last_line():
    assert hexdump(b"AB\x00") == ["0000  41 42 00" + " " * 39 + "   AB."]   # 16 columns wide


def test_cli_explain_and_a_frame_out_of_range(lan, capsys):
    assert main(["explain", str(lan), "--frame", "1"]) == 0
    assert "Address Resolution Protocol (request)" in capsys.readouterr().out
    assert main(["explain", str(lan), "--frame", "100000"]) == 2
    assert "--frame: " in capsys.readouterr().err


def test_one_packet_from_source_to_its_drop(tmp_path):
    run_scenario(load_scenario(REPO / "scenarios" / "traceroute.yaml"), tmp_path, plots=False)
    assert list(story(tmp_path, packet="10.0.0.10:2")) == [
        "1.004022400  phy     host:eth0 sends UDP to r1:e0: 32768 → 33435 Len=32",
        "1.005028640  ip      r1:e0 drops TTL_EXPIRED: 32768 → 33435 Len=32",
    ]
    probe = list(story(tmp_path, packet="10.0.0.10:8"))
    assert [line[21:].split()[1] for line in probe] == [
        "sends", "matched", "sends", "matched", "sends", "drops"]
    assert "r2 matched 10.0.5.0/24 via 10.0.2.2, TTL 2 → 1, out e1" in probe[3]
    assert main(["explain", str(tmp_path), "--packet", "x:y"]) == 2


def test_web_browse_story_of_the_home_nat_and_dns_cache(tmp_path):
    run_scenario(load_scenario(REPO / "scenarios" / "web_browse.yaml"), tmp_path, plots=False)
    lines = [line for line in story(tmp_path, node="home") if "NAT" in line or "DNS" in line
             or "caches" in line]
    assert lines[:4] == [
        "10.193747040  dns     home caches www.example.com. A 203.0.113.80 TTL 300",
        "                       ↳ home DNS cache: www.example.com. A 203.0.113.80 TTL 300 (until 310.194 s)",
        "10.194149808  nat     home NAT tcp 192.168.1.100:32768 → 198.51.100.2:32768 (to 203.0.113.80:80)",
        "                       ↳ home NAT: tcp 198.51.100.2:32768 192.168.1.100:32768"]
    assert "310.062580368  nat     home NAT tcp 192.168.1.100:32769 → 198.51.100.2:32769 expires after 240.061976336 s" in lines
    assert "                       ↳ home NAT: (empty)" in lines
    assert "400.000201264  dns     home DNS cache drops www.example.com. A (expire)" in lines
