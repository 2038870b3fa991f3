"""summary.json's tables: the ARP, MAC, routing, NAT and DNS cache changes of a run,
in order, each with the table after it; none with trace: off."""

import json
import struct
from pathlib import Path

import pytest

from simulator.engine.units import NS_PER_S

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.scenario.tables import TableLog
from simulator.scenario.schema import TraceSpec
from simulator.viz.trace_io import read_trace

REPO = Path(__file__).resolve().parents[2]


def _summary(tmp_path, name, **update):
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    run_scenario(scenario.model_copy(update=update), tmp_path, plots=False)
    return json.loads((tmp_path / "summary.json").read_text())


def test_lan_ping_tables_start_with_pc1_resolving_pc2(tmp_path):
    tables = _summary(tmp_path, "lan_ping")["tables"]
    assert tables["kept"][:3] == [
        {"ns": 1_000_000_000, "node": "pc1", "table": "ARP eth0",
         "change": "10.0.0.2 (none) INCOMPLETE", "now": {"10.0.0.2": "(none) INCOMPLETE"}},
        {"ns": 1_000_015_120, "node": "sw", "table": "MAC table",
         "change": "02:00:00:00:00:01 p1", "now": {"02:00:00:00:00:01": "p1"}},
        {"ns": 1_000_030_240, "node": "pc2", "table": "ARP eth0",
         "change": "10.0.0.1 02:00:00:00:00:01 STALE",
         "now": {"10.0.0.1": "02:00:00:00:00:01 STALE"}},
    ]
    assert tables["changes"] == len(tables["kept"])
    # the MAC table's last snapshot is the table summary.json reports at the end
    summary = json.loads((tmp_path / "summary.json").read_text())
    last = [c for c in tables["kept"] if c["node"] == "sw"][-1]["now"]
    assert last == summary["nodes"]["sw"]["mac_table"]


def test_failover_routes_after_the_reroute_are_the_final_table(tmp_path):
    summary = _summary(tmp_path, "failover")
    changes = [c for c in summary["tables"]["kept"] if c["table"] == "routes" and c["node"] == "r1"]
    assert [c["ns"] for c in changes] == [2_250_000_000]
    assert changes[0]["now"] == summary["nodes"]["r1"]["routes"]
    assert "+10.3.0.0/24 via 10.0.14.2 dev s metric 5 (auto)" in changes[0]["change"]


def test_no_trace_no_tables_and_no_capture_comments(tmp_path):
    summary = _summary(tmp_path, "failover", trace=TraceSpec(off=True))
    assert summary["tables"] is None
    assert b"LINK_DOWN" not in (tmp_path / "capture.pcapng").read_bytes()


def test_the_log_is_bounded_but_counts_every_change():
    log = TableLog(limit=2)
    for k in range(5):
        log({"event": "learn", "ns": k, "node": "sw", "mac": f"02:00:00:00:00:0{k}",
             "port": "p1", "was": None})
    log({"event": "tx", "ns": 9, "node": "sw"})
    assert log.summary()["changes"] == 5 and len(log.summary()["kept"]) == 2


def test_web_browse_nat_table_and_the_forwarders_dns_cache(tmp_path):
    summary = _summary(tmp_path, "web_browse")
    kept = summary["tables"]["kept"]
    nat = [(c["ns"], c["change"]) for c in kept if c["node"] == "home" and c["table"] == "NAT"]
    # one TCP mapping per browse, gone 240 s after its connection closed (the 4 min
    # transitory timeout, RFC 5382 REQ-5), the last one still there at 450 s
    assert nat == [
        (10_194_149_808, "+tcp 198.51.100.2:32768 ↔ 192.168.1.100:32768"),
        (70_000_604_032, "+tcp 198.51.100.2:32769 ↔ 192.168.1.100:32769"),
        (250_304_865_800, "-tcp 198.51.100.2:32768 ↔ 192.168.1.100:32768"),
        (310_062_580_368, "-tcp 198.51.100.2:32769 ↔ 192.168.1.100:32769"),
        (400_056_652_080, "+tcp 198.51.100.2:32770 ↔ 192.168.1.100:32770")]
    last_nat = [c for c in kept if c["node"] == "home" and c["table"] == "NAT"][-1]["now"]
    assert last_nat == {"tcp 198.51.100.2:32770": "192.168.1.100:32770"}
    # ... which is the NAT's own table at the end of the run
    end = summary["services"]["home"]["nat"]["table"]
    assert {f"{m['proto']} {m['external']}": m["internal"] for m in end} == last_nat
    # the home forwarder caches www once at 10.19 s, its 300 s TTL running out at 310.19 s;
    # the 400 s lookup finds it expired and stores it afresh
    dns = [c for c in kept if c["node"] == "home" and c["table"] == "DNS cache"]
    assert [c["change"] for c in dns] == [
        "+www.example.com. A 203.0.113.80 TTL 300 (until 310.194 s)",
        "-www.example.com. A (expire)",
        "+www.example.com. A 203.0.113.80 TTL 300 (until 700.056 s)"]
    at_70s = [c for c in dns if c["ns"] <= 70 * NS_PER_S][-1]
    assert at_70s["now"] == {"www.example.com. A": "203.0.113.80 TTL 300 (until 310.194 s)"}


def test_the_cached_answer_at_70s_has_the_ttl_the_table_counts_down(tmp_path):
    """dnspython decodes the forwarder's answer to the PC at 70 s from home-lan.pcap: its
    TTL is the stored 300 s less the whole seconds since (RFC 1035 §7.4)."""
    dns_message = pytest.importorskip("dns.message")
    _summary(tmp_path, "web_browse")
    stored = next(e for e in read_trace(tmp_path / "trace.jsonl")
                  if e["event"] == "dns_cache" and e["node"] == "home")
    answers = []
    for ts, frame in _pcap_frames(tmp_path / "home-lan.pcap"):
        udp = frame[14 + 20:]
        if frame[12:14] == b"\x08\x00" and frame[23] == 17 and udp[0:2] == b"\x00\x35":
            message = dns_message.from_wire(udp[8:])
            answers += [(ts, rrset.ttl) for rrset in message.answer]
    at_70s = [(ts, ttl) for ts, ttl in answers if 70 * NS_PER_S <= ts < 71 * NS_PER_S]
    assert len(at_70s) == 1
    ts, ttl = at_70s[0]
    assert ttl == stored["ttl"] - (ts - stored["stored_ns"]) // NS_PER_S == 241


def _pcap_frames(path: Path):
    """(ns, frame) of a nanosecond pcap (the simulator's own time base: epoch at 0)."""
    data = path.read_bytes()
    assert data[:4] == b"\x4d\x3c\xb2\xa1"
    at = 24
    while at < len(data):
        sec, frac, incl, _ = struct.unpack_from("<IIII", data, at)
        yield sec * NS_PER_S + frac, data[at + 16:at + 16 + incl]
        at += 16 + incl
