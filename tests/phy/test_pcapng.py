"""capture.pcapng, read back by tshark: one interface per captured interface named
node:iface, nanosecond timestamps, nothing malformed, the same frames as the
per-interface pcaps, drops and link events as comments, and the epoch option."""

import json
import struct
import subprocess
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.trace_io import read_trace
from tests.tshark import _env, clean, require_tshark, tshark_fields, tshark_problems

REPO = Path(__file__).resolve().parents[2]
LAN_IFACES = ["pc1:eth0", "pc4:eth0", "sw:p1", "sw:p2", "sw:p3", "sw:p4"]


def _run(name, out, **update):
    scenario = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    if update:
        scenario = scenario.model_copy(update=update)
    run_scenario(scenario, out, plots=False)
    return out


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    require_tshark()
    return _run("lan_ping", tmp_path_factory.mktemp("lan"))


@pytest.fixture(scope="module")
def failover(tmp_path_factory):
    require_tshark()
    return _run("failover", tmp_path_factory.mktemp("failover"))


def pcap_records(path) -> list[tuple[int, bytes]]:
    """(ns, bytes) of each record of a nanosecond pcap."""
    data = Path(path).read_bytes()
    assert struct.unpack_from("<I", data)[0] == 0xA1B23C4D
    records, at = [], 24
    while at < len(data):
        sec, nsec, incl, _ = struct.unpack_from("<IIII", data, at)
        records.append((sec * 1_000_000_000 + nsec, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return records


def tshark_comments(path) -> list[str]:
    """Every packet comment, in frame order (comments hold commas: one a line here)."""
    proc = subprocess.run([require_tshark(), "-r", str(path), "-T", "fields", "-E", "occurrence=a",
                           "-E", "aggregator=\n", "-e", "frame.comment"],
                          check=True, capture_output=True, text=True, env=_env())
    return [line for line in proc.stdout.splitlines() if line]


def test_one_interface_per_captured_interface_named_node_colon_iface(lan):
    rows = tshark_fields(lan / "capture.pcapng", ["frame.interface_id", "frame.interface_name"])
    names = {}
    for row in rows:
        names.setdefault(int(row["frame.interface_id"]), row["frame.interface_name"])
    assert [names[i] for i in sorted(names)] == LAN_IFACES


def test_no_frame_is_malformed(lan, failover):
    for out in (lan, failover):
        frames = sum(len(pcap_records(p)) for p in out.glob("*.pcap"))
        assert tshark_problems(out / "capture.pcapng") == clean(frames)


@pytest.mark.parametrize("iface", LAN_IFACES)
def test_frames_and_nanosecond_times_equal_the_interface_pcap(lan, tmp_path, iface):
    # tshark reads the pcapng and writes this interface's frames as a nanosecond pcap
    out = tmp_path / "one.pcap"
    subprocess.run([require_tshark(), "-r", str(lan / "capture.pcapng"), "-F", "nsecpcap",
                    "-Y", f'frame.interface_name == "{iface}"', "-w", str(out)],
                   check=True, capture_output=True, env=_env())
    mine = pcap_records(lan / (iface.replace(":", "-") + ".pcap"))
    assert mine and pcap_records(out) == mine


def test_times_are_the_trace_times_to_the_nanosecond(lan):
    rows = tshark_fields(lan / "capture.pcapng", ["frame.interface_name", "frame.time_epoch"])
    first = rows[0]
    tx = next(e for e in read_trace(lan / "trace.jsonl") if e["event"] == "tx")
    assert first["frame.interface_name"] == "pc1:eth0"
    assert first["frame.time_epoch"] == f"{tx['ns'] // 10**9}.{tx['ns'] % 10**9:09d}"


def test_link_down_and_every_drop_are_comments(failover):
    comments = tshark_comments(failover / "capture.pcapng")
    assert "2.050000000 s r1 link r1:n-r2:w down" in comments
    drops = [e for e in read_trace(failover / "trace.jsonl") if e["event"] == "drop"]
    assert len(drops) > 0
    assert len([c for c in comments if " drop " in c]) == len(drops)
    # r1 forgot r2 with the carrier (neigh_carrier_down): its request for r2 is what is lost
    assert "2.102008160 s r1:n phy drop LINK_DOWN: Who has 10.0.12.2? Tell 10.0.12.1" in comments
    summary = json.loads((failover / "summary.json").read_text())
    assert sum(n for node in summary["drops"].values() for n in node.values()) == len(drops)


def test_a_drop_off_the_capture_comments_the_next_frame(tmp_path):
    # traceroute captures at host only: a probe's TTL_EXPIRED at a router is commented
    # on the next frame host sees, the Time Exceeded that reports it
    require_tshark()
    out = _run("traceroute", tmp_path)
    rows = tshark_fields(out / "capture.pcapng", ["frame.interface_name", "icmp.type"])
    comments = tshark_fields(out / "capture.pcapng", ["frame.comment"])
    commented = [(r["frame.interface_name"], r["icmp.type"].split(",")[0])   # not the quote's
                 for r, c in zip(rows, comments) if "TTL_EXPIRED" in c["frame.comment"]]
    expired = [e for e in read_trace(out / "trace.jsonl") if e.get("reason") == "TTL_EXPIRED"]
    assert len(commented) == len(expired) == 30         # 10 hops' routers, 3 probes each
    assert set(commented) == {("host:eth0", "11")}


def test_capture_epoch_shifts_only_the_pcapng(tmp_path):
    require_tshark()
    out = _run("lan_ping", tmp_path, capture_epoch=1_700_000_000)
    rows = tshark_fields(out / "capture.pcapng", ["frame.time_epoch"])
    assert rows[0]["frame.time_epoch"] == "1700000001.000000000"
    assert pcap_records(out / "pc1-eth0.pcap")[0][0] == 1_000_000_000
