"""Expectation forms (simulator.scenario.expect): ranges and tolerances, counts,
sequences and timings over the trace, names and verdict sentences."""

import json

import pytest

from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

# a — r — b: pings cross r; rtt 4 × (1 ms + serialization) as the links say
ROUTED = """
name: expectations
topology:
  name: t
  defaults: {{link: {{rate: 100Mbps, delay: 1ms}}}}
  nodes:
    a: {{type: host, ip: 10.0.1.10/24, gateway: 10.0.1.1}}
    r: {{type: router, interfaces: {{e0: {{ip: 10.0.1.1/24}}, e1: {{ip: 10.0.2.1/24}}}}}}
    b: {{type: host, ip: 10.0.2.10/24, gateway: 10.0.2.1}}
  links: [[a, "r:e0"], ["r:e1", b]]
until: 5s
{trace}
run:
  - {{at: 1s, on: a, name: p, ping: {{dst: 10.0.2.10, count: 3, interval: 1s}}}}
  - {{at: 1500ms, name: cut, link: {{ends: [r, b], delay: 10ms}}}}
expect:
{expect}
"""


def verdicts(expect, trace="", tmp_path=None):
    result = run_scenario(load_text(ROUTED.format(expect=expect, trace=trace)), out_dir=tmp_path,
                          plots=False)
    return [(v.name, v.ok, v.detail) for v in result.verdicts], result


def test_ranges_tolerances_and_bare_values_with_readable_sentences():
    got, result = verdicts("""
  - {app: p, rtt_min: [8ms, 9ms], rtt_max: {min: 22ms}}
  - {app: p, rtt_avg: {approx: 17ms, tol: 5%}}
  - {app: p, name: exact, received: 3, loss: 0}
  - {app: p, rtt_avg: {max: 5ms}}
  - {app: p, rtt_avg: [1ms, 2ms]}
""")
    ping = result.results()[0]
    rtt_min, rtt_avg, rtt_max = ping["rtt_min_ns"], ping["rtt_avg_ns"], ping["rtt_max_ns"]
    # the first crosses 2 links of 1 ms each way, after an ARP exchange on each; the
    # other two, after the change, 1 ms + 10 ms each way (serialization: 5.12 µs a hop)
    assert (rtt_min, rtt_max) == (8_053_120, 22_032_640)
    assert rtt_avg == round((rtt_min + 2 * rtt_max) / 3) == 17_372_800
    assert got == [
        ("p rtt_max, rtt_min", True, "rtt_max 22.0326 ms ≥ 22 ms; rtt_min 8.05312 ms in [8 ms, 9 ms]"),
        ("p rtt_avg", True, "rtt_avg 17.3728 ms ≈ 17 ms ± 5%"),
        ("exact", True, "loss 0%; received 3"),
        ("p rtt_avg", False, "rtt_avg 17.3728 ms, expected ≤ 5 ms"),
        ("p rtt_avg", False, "rtt_avg 17.3728 ms, expected in [1 ms, 2 ms]"),
    ]


def test_counts_sequences_and_timings_over_the_trace(tmp_path):
    got, result = verdicts("""
  - {count: {event: arp.request, node: a}, equals: 1}
  - {count: {event: arp.request}, at_least: 2, at_most: 2}
  - {count: {event: icmp.echo_reply, node: b, window: [2s, 4s]}, equals: 2}
  - {name: order, on: a, sequence: [arp.request, {event: arp.reply, node: r}, icmp.echo_request]}
  - {sequence: [icmp.echo_reply, arp.request]}
  - {event: {event: icmp.echo_reply, node: b}, after: cut, within: 600ms}
  - {event: {event: icmp.echo_reply, node: b}, after: cut, within: 400ms}
""", tmp_path=tmp_path)
    trace = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    reply = next(e["ns"] for e in trace if e["event"] == "tx" and e["node"] == "b"
                 and e["proto"] == "ICMP" and e["ns"] > 1_500_000_000)
    # a's 2 s request: 1 ms + 10 ms, and 8.16 µs of serialization on each of the 2 links
    assert reply == 2_000_000_000 + 11_000_000 + 2 * 8_160
    assert got == [
        ("count arp.request on a equals 1", True, "1 × arp.request on a"),
        ("count arp.request at_least 2 at_most 2", True, "2 × arp.request"),
        ("count icmp.echo_reply on b in [2 s, 4 s) equals 2", True,
         "2 × icmp.echo_reply on b in [2 s, 4 s)"),
        ("order", True, "arp.request on a → arp.reply on r → icmp.echo_request on a in order"),
        ("sequence icmp.echo_reply → arp.request", False, "icmp.echo_reply, then no arp.request"),
        ("icmp.echo_reply on b within 600 ms after cut", True,
         "icmp.echo_reply on b 511.01632 ms after cut ≤ 600 ms"),
        ("icmp.echo_reply on b within 400 ms after cut", False,
         "icmp.echo_reply on b 511.01632 ms after cut > 400 ms"),
    ]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [v["name"] for v in summary["expectations"]][3] == "order"
    assert result.passed is False


def test_trace_expectations_work_with_trace_off():
    got, _ = verdicts("  - {count: {event: arp.request, node: a}, equals: 1}", trace="trace: off")
    assert got == [("count arp.request on a equals 1", True, "1 × arp.request on a")]


@pytest.mark.parametrize("expect, trace, where, message", [
    ("  - {count: {layer: arp}, equals: 1}", "trace: {layers: [ip]}", "expect[0].count",
     "count needs the trace of layer arp; this run's trace keeps layers ip"),
    ("  - {sequence: [arp.request, phy.tx]}", "trace: {nodes: [a]}", "expect[0].sequence[0]",
     "sequence needs the trace of layer phy; this run's trace keeps nodes a"),
    ("  - {count: {event: arp.request, node: zz}, equals: 1}", "", "expect[0].count",
     "unknown node 'zz' (nodes: a, b, r)"),
    ("  - {event: arp.request, after: nobody, within: 1s}", "", "expect[0].after",
     "no action named 'nobody' in run (names: cut, p)"),
    ("  - {count: arp.request}", "", "expect[0]", "say how many: equals, at_least or at_most"),
    ("  - {count: arp.request, equals: 1, at_most: 2}", "", "expect[0].equals",
     "give equals, or at_least/at_most, not both"),
    ("  - {app: p, equals: 1, received: 3}", "", "expect[0].equals", "'equals' goes with 'count'"),
    ("  - {count: arp, equals: 1}", "", "expect[0].count.event",
     "'arp' is not an event name: expected layer.event, like arp.arp_state, phy.tx or a packet "
     "(arp.request, arp.reply, icmp.echo_request, icmp.echo_reply, icmp.unreachable, "
     "icmp.time_exceeded)"),
    ("  - {app: p, rtt_avg: {approx: 1ms}}", "", "expect[0].rtt_avg",
     "approx needs a tolerance, e.g. tol: 3%"),
])
def test_netsim_check_refuses_broken_expectations(expect, trace, where, message):
    with pytest.raises(ScenarioError) as info:
        load_text(ROUTED.format(expect=expect, trace=trace))
    assert (info.value.field, info.value.message) == (where, message)
