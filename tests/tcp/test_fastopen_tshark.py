"""tshark (a decoder nobody here wrote) reads our Fast Open SYNs as RFC 7413 says:
tcp_fastopen's cookie request, the cookie the server sent, the SYN that carries it
with data, and the SYN-ACK that accepts that data; the capture has no fault."""

import json
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from tests.tshark import clean, require_tshark, tshark_fields, tshark_problems

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "tcp_fastopen.yaml"
FIELDS = ["tcp.srcport", "tcp.flags.ack", "tcp.len", "tcp.options.tfo.request",
          "tcp.options.tfo.cookie", "_ws.expert.message", "_ws.col.Info"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    require_tshark()
    out = tmp_path_factory.mktemp("tfo")
    run_scenario(load_scenario(SCENARIO), out, plots=False)
    trace = [json.loads(line) for line in (out / "trace.jsonl").open()]
    return out / "client-eth0.pcap", trace


def test_tshark_decodes_request_cookie_and_syn_data(run):
    pcap, trace = run
    syns = [r for r in tshark_fields(pcap, FIELDS, ("-Y", "tcp.flags.syn == 1"))]
    ours = [r for r in trace if r["event"] == "tcp.tx" and "SYN" in r["flags"]]
    cookie = next(r["tfo"] for r in ours if r["flags"] == "SYN, ACK" and r.get("tfo"))
    assert len(cookie) == 16                                   # 8 bytes, SipHash-2-4
    request, synack, syn_data, accept = syns
    assert request["tcp.options.tfo.request"] == "1" and request["tcp.len"] == "0"
    assert request["_ws.col.Info"].endswith(" TFO=R")
    assert synack["tcp.options.tfo.cookie"] == cookie and synack["tcp.flags.ack"] == "1"
    assert syn_data["tcp.options.tfo.cookie"] == cookie and syn_data["tcp.len"] == "1420"
    assert "TCP SYN with TFO Cookie" in syn_data["_ws.expert.message"]
    assert "TCP SYN-ACK accepting TFO data" in accept["_ws.expert.message"]
    assert accept["tcp.options.tfo.cookie"] == ""              # no new cookie: it was valid


def test_our_info_labels_match_tshark(run):
    pcap, trace = run
    ours = [r["info"] for r in trace if r["event"] == "tx" and r.get("proto") == "TCP"
            and "[SYN" in r["info"]]                  # both ends: one link, in order
    theirs = [r["_ws.col.Info"] for r in tshark_fields(pcap, FIELDS,
                                                       ("-Y", "tcp.flags.syn == 1"))]
    for mine, wireshark in zip(ours, theirs, strict=True):
        assert (" TFO=R" in mine, " TFO=C" in mine) == (" TFO=R" in wireshark,
                                                         " TFO=C" in wireshark)


def test_capture_is_clean(run):
    pcap, _ = run
    problems = tshark_problems(pcap)
    assert problems == clean(problems["frames"])
