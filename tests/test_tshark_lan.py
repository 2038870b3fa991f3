"""The shipped LAN demo, read back by Wireshark's tshark: clean frames, good checksums
and FCS, the expected ARP + ping exchange, and pcap timestamps equal to the trace's."""

import json
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems

REPO = Path(__file__).resolve().parents[1]
LAN_PING = REPO / "scenarios" / "lan_ping.yaml"
LAN = REPO / "topologies" / "lan.yaml"

PC1_MAC, PC2_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
PC3_MAC, BROADCAST = "02:00:00:00:00:03", "ff:ff:ff:ff:ff:ff"

# lan.yaml: 100 Mbps (80 ns a byte), 10 us a hop, store-and-forward switch.
ARP_HOP = 64 * 80 + 10_000          # 60 B + FCS
ICMP_HOP = 102 * 80 + 10_000        # 14 + 20 + 8 + 56 B + FCS


def epoch(ns: int) -> str:
    """How tshark prints a nanosecond pcap timestamp (frame.time_epoch)."""
    return f"{ns // 1_000_000_000}.{ns % 1_000_000_000:09d}"


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    require_tshark()
    out = tmp_path_factory.mktemp("lan_ping")
    result = run_scenario(load_scenario(LAN_PING), out, plots=False)
    assert result.passed
    return out


def test_every_capture_is_clean(lan):
    pcaps = sorted(p.name for p in lan.glob("*.pcap"))
    assert pcaps == ["pc1-eth0.pcap", "pc4-eth0.pcap", "sw-p1.pcap", "sw-p2.pcap",
                     "sw-p3.pcap", "sw-p4.pcap"]
    with ThreadPoolExecutor() as pool:
        problems = dict(zip(pcaps, pool.map(tshark_problems, (lan / name for name in pcaps))))
    # every capture point sees 2 ARP requests (broadcasts), 1 ARP reply and 3 echo exchanges
    assert problems == {name: clean(9) for name in pcaps}


PC1_FIELDS = ["frame.number", "frame.time_epoch", "eth.src", "eth.dst", "arp.opcode",
              "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "ip.src", "ip.dst", "icmp.type",
              "icmp.ident", "icmp.seq", "icmp.resp_in", "icmp.resp_to"]


@pytest.fixture(scope="module")
def pc1_frames(lan):
    # two passes, so that a request can point at the reply that follows it (icmp.resp_in)
    return tshark_fields(lan / "pc1-eth0.pcap", PC1_FIELDS, ["-2"])


def test_pc1_sees_arp_then_three_echo_exchanges(pc1_frames):
    shown = PC1_FIELDS[1:12]
    rows = [tuple(r[f] for f in shown) for r in pc1_frames]
    t0 = 1_000_000_000                       # the ping starts at 1 s, ARP cache cold
    arp_done = t0 + 4 * ARP_HOP              # request out and reply back, via the switch
    first_rtt = arp_done + 4 * ICMP_HOP
    req = (PC1_MAC, PC2_MAC, "", "", "", "10.0.0.1", "10.0.0.2", "8", "1")
    rep = (PC2_MAC, PC1_MAC, "", "", "", "10.0.0.2", "10.0.0.1", "0", "1")
    assert rows == [
        (epoch(t0), PC1_MAC, BROADCAST, "1", "10.0.0.1", "10.0.0.2", "", "", "", "", ""),
        (epoch(arp_done), PC2_MAC, PC1_MAC, "2", "10.0.0.2", "10.0.0.1", "", "", "", "", ""),
        (epoch(arp_done), *req, "1"),
        (epoch(first_rtt), *rep, "1"),
        # pc3's request for pc4 is flooded to pc1 too
        (epoch(1_500_000_000 + 2 * ARP_HOP), PC3_MAC, BROADCAST, "1", "10.0.0.3", "10.0.0.4",
         "", "", "", "", ""),
        (epoch(2_000_000_000), *req, "2"),
        (epoch(2_000_000_000 + 4 * ICMP_HOP), *rep, "2"),
        (epoch(3_000_000_000), *req, "3"),
        (epoch(3_000_000_000 + 4 * ICMP_HOP), *rep, "3"),
    ]


def test_echo_replies_answer_their_requests(pc1_frames):
    requests = {(r["icmp.ident"], r["icmp.seq"]): r for r in pc1_frames if r["icmp.type"] == "8"}
    replies = {(r["icmp.ident"], r["icmp.seq"]): r for r in pc1_frames if r["icmp.type"] == "0"}
    assert sorted(requests) == sorted(replies) == [("1", "1"), ("1", "2"), ("1", "3")]
    for key, request in requests.items():
        reply = replies[key]
        assert int(reply["frame.number"]) == int(request["frame.number"]) + 1
        assert request["icmp.resp_in"] == reply["frame.number"]     # tshark pairs them too
        assert reply["icmp.resp_to"] == request["frame.number"]


def test_pcap_timestamps_are_the_trace_times(lan, pc1_frames):
    events = [json.loads(line) for line in (lan / "trace.jsonl").read_text().splitlines()]
    hops = [e for e in events if e["event"] == "tx" and e["fate"] == "ok"]
    sent = [epoch(e["ns"]) for e in hops if e["node"] == "pc1"]
    received = [epoch(e["arrive_ns"]) for e in hops if e["peer"] == "pc1"]
    assert [r["frame.time_epoch"] for r in pc1_frames if r["eth.src"] == PC1_MAC] == sent
    assert [r["frame.time_epoch"] for r in pc1_frames if r["eth.src"] != PC1_MAC] == received
    assert (len(sent), len(received)) == (4, 5)


def _fcs_run(tmp_path) -> Path:
    scenario = tmp_path / "fcs.yaml"
    scenario.write_text(f"""\
name: fcs
topology: {LAN}
until: 3s
run:
  - {{at: 1s, on: pc1, ping: {{dst: 10.0.0.4, count: 2, interval: 500ms, size: 1000}}}}
capture: [{{point: pc1, fcs: true}}]
""")
    out = tmp_path / "out"
    run_scenario(load_scenario(scenario), out, plots=False)
    return out / "pc1-eth0.pcap"


def test_fcs_capture_has_every_fcs_good(tmp_path):
    require_tshark()
    pcap = _fcs_run(tmp_path)
    assert tshark_problems(pcap, fcs=True) == clean(6, fcs=True)   # 2 ARP + 2 × 2 ICMP
    rows = tshark_fields(pcap, ["frame.len", "eth.fcs", "arp.opcode", "icmp.type"],
                         ["-o", "eth.fcs:Always"])
    # 60-byte padded ARP + 4; 14 + 20 + 8 + 1000 + 4
    assert [(r["frame.len"], r["arp.opcode"], r["icmp.type"]) for r in rows] == [
        ("64", "1", ""), ("64", "2", ""), ("1046", "", "8"), ("1046", "", "0"),
        ("1046", "", "8"), ("1046", "", "0")]
    assert all(r["eth.fcs"].startswith("0x") for r in rows)


# --- the checks themselves can fail: damaged copies of real captures -------------

def _records(data: bytes) -> list[int]:
    """Offsets of each frame's first byte in a classic pcap."""
    offsets, at = [], 24
    while at < len(data):
        caplen = struct.unpack_from("<I", data, at + 8)[0]
        offsets.append(at + 16)
        at += 16 + caplen
    return offsets


def test_damaged_checksums_and_truncation_are_reported(lan, tmp_path):
    data = bytearray((lan / "pc1-eth0.pcap").read_bytes())
    frames = _records(data)
    data[frames[2] + 14 + 10] ^= 0xFF            # frame 3: IPv4 header checksum
    data[frames[3] + 14 + 20 + 2] ^= 0xFF        # frame 4: ICMP checksum
    damaged = tmp_path / "damaged.pcap"
    damaged.write_bytes(data)
    problems = tshark_problems(damaged)
    assert (problems["frames"], problems["malformed"], problems["bad_checksums"]) == (9, 0, 2)
    assert problems["expert_errors"] >= 1        # a bad IPv4 checksum is an error

    arp = bytes(data[frames[0]:frames[0] + 20])  # Ethernet header + 6 bytes of ARP
    runt = tmp_path / "runt.pcap"
    runt.write_bytes(bytes(data[:24]) + struct.pack("<IIII", 1, 0, len(arp), len(arp)) + arp)
    assert tshark_problems(runt) == {"frames": 1, "malformed": 1, "expert_errors": 1,
                                     "bad_checksums": 0}


def test_damaged_fcs_is_reported(tmp_path):
    require_tshark()
    data = bytearray(_fcs_run(tmp_path).read_bytes())
    data[_records(data)[1] + 63] ^= 0x01         # last FCS byte of the ARP reply
    damaged = tmp_path / "damaged.pcap"
    damaged.write_bytes(data)
    problems = tshark_problems(damaged, fcs=True)
    assert (problems["bad_fcs"], problems["good_fcs"]) == (1, 5)
