"""tshark's TCP analysis (a reference nobody here wrote) against our own count.

On tcp_lossy's sender capture every segment tshark flags as a retransmission is one of
ours and every one of ours is flagged: most as ``tcp.analysis.retransmission`` (and
fast_retransmission), the rest as ``tcp.analysis.out_of_order``. That is tshark's
definition, not a miscount: Wireshark's tcp_analyze_sequence_number calls a segment
below the highest sequence seen "out-of-order" when it comes less than the
handshake's RTT (``tcp.analysis.initial_rtt``) after the segment that set that
highest sequence, which a SACK recovery's later holes do when sent between new data.
A clean transfer's capture (tcp_handshake) flags nothing.
"""

import json
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import require_tshark, tshark_fields, values

ROOT = Path(__file__).resolve().parents[2]
ANALYSIS = ("-o", "tcp.analyze_sequence_numbers:TRUE")
FLAGS = ["tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
         "tcp.analysis.spurious_retransmission", "tcp.analysis.out_of_order",
         "tcp.analysis.duplicate_ack", "tcp.analysis.lost_segment",
         "tcp.analysis.ack_lost_segment"]


def _run_captured(tmp_path, name: str, point: str):
    """Run scenarios/NAME.yaml with a capture at ``point``; (summary, trace, pcap)."""
    text = (ROOT / "scenarios" / f"{name}.yaml").read_text()
    if "\ncapture:" not in text:
        text += f"\ncapture: [{point}]\n"
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    run_scenario(load_scenario(path), out, plots=False)
    summary = json.loads((out / "summary.json").read_text())
    trace = [json.loads(line) for line in (out / "trace.jsonl").open()]
    return summary, trace, out / f"{point}-eth0.pcap"


def _data_frames(pcap, sport: int) -> list[dict]:
    rows = tshark_fields(pcap, ["frame.time_epoch", "tcp.srcport", "tcp.seq_raw", "tcp.len",
                                "tcp.analysis.initial_rtt", *FLAGS], ANALYSIS)
    return [r for r in rows if r["tcp.srcport"] == str(sport) and int(r["tcp.len"] or 0)]


@pytest.fixture(scope="module")
def lossy(tmp_path_factory):
    require_tshark()
    return _run_captured(tmp_path_factory.mktemp("lossy"), "tcp_lossy", "sender")


def test_tshark_flags_exactly_our_retransmissions(lossy):
    summary, trace, pcap = lossy
    ours = [(r["seq"], r["len"]) for r in trace
            if r["event"] == "tcp.retransmit" and r["node"] == "sender"]
    bulk = next(a for a in summary["apps"] if a["app"] == "bulk_send")
    sport = next(r["sport"] for r in trace if r["event"] == "tcp.tx" and r["node"] == "sender")
    frames = _data_frames(pcap, sport)
    flagged = [(int(r["tcp.seq_raw"]), int(r["tcp.len"])) for r in frames
               if r["tcp.analysis.retransmission"] or r["tcp.analysis.out_of_order"]]
    assert len(ours) == bulk["retransmits"] > 30
    assert sorted(flagged) == sorted(ours)
    assert not any(r["tcp.analysis.spurious_retransmission"] for r in frames)
    # tshark's split: fast retransmissions are a subset of its retransmissions
    fast = sum(1 for r in frames if r["tcp.analysis.fast_retransmission"])
    assert 0 < fast <= sum(1 for r in frames if r["tcp.analysis.retransmission"]) < len(ours)


def test_tshark_out_of_order_means_within_one_handshake_rtt_of_new_data(lossy):
    _, trace, pcap = lossy
    sport = next(r["sport"] for r in trace if r["event"] == "tcp.tx" and r["node"] == "sender")
    highest, highest_ns, ooo = None, 0, 0
    for r in _data_frames(pcap, sport):
        seq, end = int(r["tcp.seq_raw"]), int(r["tcp.seq_raw"]) + int(r["tcp.len"])
        t_ns = round(float(r["frame.time_epoch"]) * 1e9)
        if highest is None or (end - highest) % 2**32 < 2**31 and end != highest:
            highest, highest_ns = end, t_ns            # new data: the highest seq moves
            continue
        gap = t_ns - highest_ns
        rtt_ns = round(float(values(r["tcp.analysis.initial_rtt"])[0]) * 1e9)
        if r["tcp.analysis.out_of_order"]:
            ooo += 1
            assert gap < rtt_ns, (seq, gap, rtt_ns)
        elif not r["tcp.analysis.fast_retransmission"]:
            assert gap >= rtt_ns, (seq, gap, rtt_ns)
    assert ooo > 0


def test_tshark_flags_nothing_in_a_clean_transfer(tmp_path):
    require_tshark()
    summary, trace, pcap = _run_captured(tmp_path, "tcp_handshake", "client")
    rows = tshark_fields(pcap, ["frame.number", *FLAGS], ANALYSIS)
    assert len(rows) > 10
    assert [r["frame.number"] for r in rows if any(r[f] for f in FLAGS)] == []
