"""netsim view, Python side: the data the page embeds for the lan_ping run is the run
itself (every trace event, the nodes and links, each frame's bytes as the pcaps hold
them, decoded per layer), within a bounded size, and the command's edges."""

import json
import re
import struct
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.trace_io import read_trace
from simulator.viz.viewer import write_view
from simulator.viz.viewer.gather import gather
from simulator.viz.viewer.page import _embedded_json, render

REPO = Path(__file__).resolve().parents[2]
LAN_PING = REPO / "scenarios" / "lan_ping.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lan_ping")
    assert run_scenario(load_scenario(LAN_PING), out, plots=False).passed
    return out


@pytest.fixture(scope="module")
def data(run_dir):
    return gather(run_dir)


def pcap_records(path: Path) -> list[tuple[int, bytes]]:
    raw = path.read_bytes()
    assert struct.unpack_from("<I", raw)[0] == 0xA1B23C4D
    out, off = [], 24
    while off < len(raw):
        sec, nsec, caplen, _ = struct.unpack_from("<IIII", raw, off)
        out.append((sec * 10**9 + nsec, raw[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return out


def test_events_are_the_trace_in_order(run_dir, data):
    trace = read_trace(run_dir / "trace.jsonl")
    assert data["events_total"] == len(trace) == len(data["events"]) > 45
    for mine, theirs in zip(data["events"], trace, strict=True):
        extra = {k: mine.pop(k) for k in ("frame", "captured_at") if k in mine}
        assert mine == {k: v for k, v in theirs.items() if k != "t"}
        mine.update(extra)
    assert all("frame" in e for e in data["events"] if e["event"] == "tx")


def test_nodes_links_and_tables(data):
    assert [(n["name"], n["kind"]) for n in data["nodes"]] == [
        ("pc1", "host"), ("pc2", "host"), ("pc3", "host"), ("sw", "switch"), ("hub", "hub"), ("pc4", "host")]
    assert data["nodes"][0]["addresses"] == {"eth0": "10.0.0.1/24"}
    assert data["nodes"][0]["routes"] == ["10.0.0.0/24 dev eth0 metric 0 (connected)"]
    assert data["nodes"][3]["mac_table"] == {f"02:00:00:00:00:0{i}": f"p{i}" for i in range(1, 5)}
    assert data["links"] == [
        {"a": "hub", "a_if": "p1", "b": "sw", "b_if": "p4"}, {"a": "hub", "a_if": "p2", "b": "pc4", "b_if": "eth0"},
        {"a": "pc1", "a_if": "eth0", "b": "sw", "b_if": "p1"}, {"a": "pc2", "a_if": "eth0", "b": "sw", "b_if": "p2"},
        {"a": "pc3", "a_if": "eth0", "b": "sw", "b_if": "p3"}]
    assert set(data["positions"]) == {n["name"] for n in data["nodes"]}
    assert all(0 <= c <= 1 for p in data["positions"].values() for c in p)


def test_arp_request_bytes_are_the_pcaps(run_dir, data):
    first = next(e for e in data["events"] if e["event"] == "tx")
    assert (first["node"], first["proto"], first["info"]) == ("pc1", "ARP", "Who has 10.0.0.2? Tell 10.0.0.1")
    ns, raw = pcap_records(run_dir / "pc1-eth0.pcap")[0]
    assert ns == first["ns"] and first["captured_at"] == "pc1:eth0"
    frame = data["frames"][first["frame"]]
    assert bytes.fromhex(frame["hex"]) == raw and frame["fcs"] is False
    eth, arp = frame["layers"]
    assert [(f["n"], f["v"], f["o"], f["l"]) for f in arp["fields"]] == [
        ("Hardware type", "Ethernet (1)", 14, 2), ("Protocol type", "IPv4 (0x0800)", 16, 2),
        ("Hardware size", "6", 18, 1), ("Protocol size", "4", 19, 1), ("Opcode", "request (1)", 20, 2),
        ("Sender MAC address", "02:00:00:00:00:01", 22, 6), ("Sender IP address", "10.0.0.1", 28, 4),
        ("Target MAC address", "00:00:00:00:00:00", 32, 6), ("Target IP address", "10.0.0.2", 38, 4)]
    assert [(f["n"], f["v"]) for f in eth["fields"]] == [
        ("Destination", "ff:ff:ff:ff:ff:ff"), ("Source", "02:00:00:00:00:01"), ("Type", "ARP (0x0806)"),
        ("Padding", "00" * 18)]
    for f in arp["fields"]:      # each field's bytes are where its value is
        if "MAC" in f["n"]:
            assert raw[f["o"]:f["o"] + f["l"]].hex(":") == f["v"]


def test_uncaptured_sender_takes_the_receivers_capture(run_dir, data):
    reply = next(e for e in data["events"] if e.get("info") == "10.0.0.2 is at 02:00:00:00:00:02")
    assert reply["node"] == "pc2"      # pc2 is not captured; sw:p2 received it
    assert reply["captured_at"] == "sw:p2"
    records = dict(pcap_records(run_dir / "sw-p2.pcap"))
    assert bytes.fromhex(data["frames"][reply["frame"]]["hex"]) == records[reply["arrive_ns"]]


def test_icmp_echo_layers(data):
    echo = next(e for e in data["events"] if e.get("proto") == "ICMP")
    titles = [layer["title"] for layer in data["frames"][echo["frame"]]["layers"]]
    assert titles == ["Ethernet II, Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02",
                      "Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2",
                      "Internet Control Message Protocol"]
    icmp = {f["n"]: f["v"] for f in data["frames"][echo["frame"]]["layers"][2]["fields"]}
    assert icmp["Type"] == "8 (Echo (ping) request)" and icmp["Sequence Number (BE)"] == "1 (0x0001)"


def test_event_cap(run_dir):
    capped = gather(run_dir, max_events=10)
    assert len(capped["events"]) == 10 and capped["events_total"] == len(read_trace(run_dir / "trace.jsonl"))
    assert len(capped["frames"]) <= 10


def test_page_embeds_exactly_the_data_and_loads_nothing(run_dir, data):
    page = render(data)
    assert len(page.encode()) < 200_000
    embedded = re.search(r'<script id="netsim-data" type="application/json">(.*?)</script>', page, re.S)
    assert json.loads(embedded.group(1)) == json.loads(json.dumps(data))
    assert not re.search(r"\s(src|href)=", page)
    assert "default-src 'none'" in page


def test_embedded_json_cannot_close_the_script():
    text = _embedded_json({"info": "</script><script>alert(1)</script> <!--"})
    assert "<" not in text and json.loads(text)["info"].startswith("</script>")


def test_cli_view_writes_the_page(run_dir, tmp_path, capsys):
    out = tmp_path / "v.html"
    assert main(["view", str(run_dir), "--out", str(out), "--no-open"]) == 0
    assert capsys.readouterr().out.strip() == f"viewer in {out}"
    assert out.read_text() == render(gather(run_dir))
    assert write_view(run_dir) == run_dir / "view.html"


def test_cli_view_refuses_a_folder_that_is_no_run(tmp_path, capsys):
    assert main(["view", str(tmp_path), "--no-open"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path}: not a run folder (no summary.json; make one with netsim run)"
