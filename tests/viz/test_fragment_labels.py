"""Fragments labelled as Wireshark's Info column labels them: "Fragmented IP protocol
(…)" for all but the last, the reassembled datagram's Info on the last; tshark reads
the fragmentation run's capture and its MF, offset and Info must match the trace's."""

from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.explain import story
from simulator.viz.ladder import lay_out_ladder
from simulator.viz.ladder_labels import reassembled_info
from simulator.viz.trace_io import read_trace
from tests.tshark import tshark_fields

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("fragmentation")
    run_scenario(load_scenario(REPO / "scenarios" / "fragmentation.yaml"), out, plots=False)
    return out


def _sent_by_client(run_dir):
    return [e for e in reassembled_info(read_trace(run_dir / "trace.jsonl"))
            if e["event"] == "tx" and e["node"] == "client" and e.get("ip_src")]


def test_fragment_labels_mf_and_offset_are_tsharks(run_dir):
    theirs = [f for f in tshark_fields(run_dir / "client-eth0.pcap",
                                       ["ip.src", "ip.flags.mf", "ip.frag_offset", "_ws.col.Info"])
              if f["ip.src"] == "192.168.1.10"]
    mine = _sent_by_client(run_dir)
    fragments = [(e, f) for e, f in zip(mine, theirs, strict=True) if "off" in e]
    assert len(fragments) == 3
    for e, f in fragments:
        # the trace's offset is in bytes, as the Info shows it; the field counts 8-byte units
        assert (int(e["mf"]), e["off"]) == (int(f["ip.flags.mf"]), 8 * int(f["ip.frag_offset"]))
        assert e["info"] == f["_ws.col.Info"]
    assert [e["info"] for e, _ in fragments] == [
        "Fragmented IP protocol (proto=UDP 17, off=0, ID=0001)",
        "Fragmented IP protocol (proto=UDP 17, off=1480, ID=0001)",
        "32768 → 9 Len=3992"]
    # a datagram that fits carries neither field
    assert sum("mf" in e for e in mine) == 3 and len(mine) > 3


def test_ladder_and_explain_use_the_reassembled_label(run_dir):
    lines = list(story(run_dir, node="client"))
    assert "1.000000000  ip      client fragments datagram ID 1 into 3 for MTU 1500: 32768 → 9 Len=3992" in lines
    assert "1.002253120  phy     client:eth0 sends UDP to server:eth0: 32768 → 9 Len=3992" in lines
    ladder = lay_out_ladder(read_trace(run_dir / "trace.jsonl"))
    infos = [r.event["info"] for p in ladder.pages for r in p.rows if r.kind == "frame"]
    assert infos.count("32768 → 9 Len=3992") == 1
    assert "Fragmented IP protocol (proto=UDP 17, off=2960, ID=0001)" not in infos
