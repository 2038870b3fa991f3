"""summary.json's tables: the ARP, MAC and routing table changes of a run, in order,
each with the table after it; none with trace: off."""

import json
from pathlib import Path

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.scenario.tables import TableLog
from simulator.scenario.schema import TraceSpec

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
