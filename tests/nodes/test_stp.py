"""802.1D spanning tree on switches with `stp: true`: the shipped triangle converges to
the expected tree at the 802.1D times, data never crosses the blocked link, tshark
reads the BPDUs on the wire, and a loop at 100 Tbps with no delay stays quiet."""

import json
from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario, load_text
from simulator.scenario.run import run_scenario
from simulator.viz.trace_io import read_trace
from tests.tshark import clean, tshark_fields, tshark_problems

REPO = Path(__file__).resolve().parents[2]
SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def triangle(tmp_path_factory):
    out = tmp_path_factory.mktemp("stp")
    result = run_scenario(load_scenario(REPO / "scenarios" / "stp_triangle.yaml"), out,
                          plots=False)
    return result, out, json.loads((out / "summary.json").read_text())


def test_the_lowest_priority_is_root_and_the_s2_s3_link_blocks_at_s3(triangle):
    result, _, summary = triangle
    assert result.passed
    stp = {name: summary["nodes"][name]["stp"] for name in ("s1", "s2", "s3")}
    assert all(s["root_id"] == "4096/0/02:00:00:00:00:03" for s in stp.values())
    assert stp["s1"]["root_port"] is None and stp["s1"]["root_cost"] == 0
    assert (stp["s2"]["root_port"], stp["s2"]["root_cost"]) == ("p1", 200_000)
    assert (stp["s3"]["root_port"], stp["s3"]["root_cost"]) == ("p2", 200_000)
    roles = {(n, p): (v["role"], v["state"]) for n, s in stp.items() for p, v in s["ports"].items()}
    assert roles.pop(("s3", "p1")) == ("alternate", "blocking")
    assert set(roles.values()) <= {("root", "forwarding"), ("designated", "forwarding")}
    blocked = summary["nodes"]["s3"]["interfaces"]["p1"]
    assert blocked["drops"] == {"STP_DISCARDING": 1}          # pc1's ARP broadcast, flooded by s2
    drops = summary["drops"]
    assert {n: d for n, d in drops.items() if n.startswith("s")} == {"s3": {"STP_DISCARDING": 1}}
    # The hosts' NICs filter the BPDUs their switch port sends every hello time.
    assert set(drops) == {"s3", "pc1", "pc2"}
    assert all(set(drops[h]) == {"L2_FILTERED"} and drops[h]["L2_FILTERED"] >= 20 for h in ("pc1", "pc2"))


def test_ports_forward_two_forward_delays_after_the_tree_forms(triangle):
    _, out, _ = triangle
    changes = [(e["node"], e["port"], e["state"], e["ns"]) for e in read_trace(out / "trace.jsonl")
               if e["event"] == "port_state"]
    for node, port in (("s1", "p1"), ("s2", "p1"), ("s3", "p3")):
        mine = [(state, ns) for n, p, state, ns in changes if (n, p) == (node, port)]
        assert mine == [("listening", 0), ("learning", 15 * SECOND), ("forwarding", 30 * SECOND)]
    # s3:p1 first believed itself designated, then blocked once s2's better BPDU came
    s3p1 = [(state, ns) for n, p, state, ns in changes if (n, p) == ("s3", "p1")]
    assert [state for state, _ in s3p1] == ["listening", "blocking"] and s3p1[1][1] < SECOND


def test_no_data_frame_crosses_the_blocked_link(triangle):
    _, out, _ = triangle
    tx = [e for e in read_trace(out / "trace.jsonl") if e["event"] == "tx"]
    icmp = [(e["node"], e["if"]) for e in tx if e.get("proto") == "ICMP"]
    assert len(icmp) == 3 * 2 * 4                            # 3 echoes and replies, 4 hops each
    assert ("s2", "p2") not in icmp and ("s3", "p1") not in icmp
    assert {("s2", "p1"), ("s1", "p1"), ("s1", "p2"), ("s3", "p2")} <= set(icmp)


def test_the_root_sends_a_hello_every_two_seconds_and_answers_the_tcn(triangle):
    _, out, _ = triangle
    sent = [(e["ns"], e["info"]) for e in read_trace(out / "trace.jsonl")
            if e["event"] == "tx" and e["node"] == "s1" and e["if"] == "p1"
            and e["eth_dst"] == "01:80:c2:00:00:00" and e["ns"] >= 2 * SECOND]
    assert [ns for ns, _ in sent if ns % (2 * SECOND)] == [30 * SECOND + 15_120]   # the TCA
    assert [ns for ns, _ in sent if not ns % (2 * SECOND)] == [k * 2 * SECOND
                                                               for k in range(1, 18)]
    # ports started forwarding at 30 s: a topology change, announced with TC from then on
    assert all(info.startswith("TC + Conf.") == (ns >= 30 * SECOND) for ns, info in sent)


def test_a_tcn_goes_up_to_the_root_when_ports_start_forwarding(triangle):
    _, out, _ = triangle
    tcns = [(e["node"], e["if"], e["ns"]) for e in read_trace(out / "trace.jsonl")
            if e["event"] == "tx" and e.get("info") == "Topology Change Notification"]
    assert tcns == [("s2", "p1", 30 * SECOND), ("s3", "p2", 30 * SECOND)]


def test_tshark_decodes_the_bpdus_on_the_blocked_link(triangle):
    _, out, _ = triangle
    pcap = out / "s3-p1.pcap"
    problems = tshark_problems(pcap)
    assert problems == clean(problems["frames"])
    rows = tshark_fields(pcap, ["stp.type", "stp.root.hw", "stp.root.prio", "stp.root.cost",
                                "stp.bridge.hw", "stp.port", "stp.msg_age", "llc.dsap"])
    settled = rows[-1]
    assert settled == {"stp.type": "0x00", "stp.root.hw": "02:00:00:00:00:03",
                       "stp.root.prio": "4096", "stp.root.cost": "200000",
                       "stp.bridge.hw": "02:00:00:00:00:04", "stp.port": "0x8002",
                       "stp.msg_age": "1", "llc.dsap": "0x42"}


LOOP = """
name: fast-loop
topology:
  name: t
  defaults: {{link: {{rate: 100Tbps, delay: 0}}}}
  nodes:
    a: {{type: host, ip: 10.0.0.1/24}}
    b: {{type: host, ip: 10.0.0.2/24}}
    s1: {{type: switch, stp: true}}
    s2: {{type: switch{stp2}}}
    {hub}
  links: {links}
until: 40s
run:
  - {{at: 31s, on: a, ping: {{dst: 10.0.0.2, count: 3}}}}
limits: {{stall: 100000}}
expect:
  - {{app: ping, loss: 0%}}
"""


FAILOVER = (REPO / "scenarios" / "stp_triangle.yaml").read_text().replace(
    "until: 35s", "until: 80s").replace("capture: [s2, s3]", """\
  - {at: 40s, link_down: [s3, s1]}
  - {at: 71s, on: pc1, name: after, ping: {dst: 10.0.0.2, count: 3, interval: 1s}}""")


def test_when_the_root_link_fails_the_alternate_port_forwards_30_s_later():
    result = run_scenario(load_text(FAILOVER))
    assert result.passed, [v.detail for v in result.verdicts]
    s3 = result.network.nodes["s3"].stp.summary()
    assert s3["root_port"] == "p1" and s3["root_cost"] == 400_000
    assert s3["ports"]["p1"] == {"role": "root", "state": "forwarding", "cost": 200_000}
    assert s3["ports"]["p2"]["state"] == "disabled"
    after = next(app for app in result.apps if app.name == "after").result()
    assert after["received"] == 3


def test_a_zero_delay_loop_with_stp_carries_a_ping_and_never_stalls():
    scenario = load_text(LOOP.format(stp2=", stp: true", hub="",
                                     links="[[a, s1], [s1, s2], [s2, s1], [s2, b]]"))
    result = run_scenario(scenario)
    assert result.ended.reason == "until" and result.passed
    s2 = result.network.nodes["s2"].stp.summary()
    assert s2["ports"]["p2"] == {"role": "alternate", "state": "blocking", "cost": 1}


def test_a_switch_looped_through_a_hub_blocks_its_backup_port():
    scenario = load_text(LOOP.format(stp2="", hub="h: {type: hub}",
                                     links="[[a, s1], [s1, h], [h, s1], [s1, s2], [s2, b]]"))
    result = run_scenario(scenario)
    assert result.ended.reason == "until" and result.passed
    ports = result.network.nodes["s1"].stp.summary()["ports"]
    assert (ports["p2"]["role"], ports["p3"]["role"]) == ("designated", "backup")
    assert ports["p3"]["state"] == "blocking"
