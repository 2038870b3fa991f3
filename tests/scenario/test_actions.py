"""Actions at times (simulator.scenario.actions): every event kind, with exact times
read from the trace."""

import json

import pytest

from simulator.phy.link import serialization_ns
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

MS, US = 1_000_000, 1_000
S = 1000 * MS

# a and b with static ARP entries, so the first datagram leaves at once
PAIR = """
name: actions
topology:
  name: t
  defaults: {{link: {{rate: 10Mbps, delay: 1ms}}}}
  nodes:
    a: {{type: host, ip: 10.0.0.1/24, mac: "02:00:00:00:00:01",
        arp: {{static: {{10.0.0.2: "02:00:00:00:00:02"}}}}}}
    b: {{type: host, ip: 10.0.0.2/24, mac: "02:00:00:00:00:02",
        arp: {{static: {{10.0.0.1: "02:00:00:00:00:01"}}}}}}
  links: [[a, b]]
until: 4s
run:
{run}
"""

# a — r — b, dynamic ARP everywhere
ROUTED = """
name: routed
topology:
  name: t
  nodes:
    a: {{type: host, ip: 10.0.1.10/24, gateway: 10.0.1.1}}
    r: {{type: router, interfaces: {{e0: {{ip: 10.0.1.1/24}}, e1: {{ip: 10.0.2.1/24}}}}}}
    b: {{type: host, ip: 10.0.2.10/24{b_gateway}}}
  links: [[a, "r:e0"], ["r:e1", b]]
until: {until}
run:
{run}
"""


def run(text, tmp_path):
    result = run_scenario(load_text(text), out_dir=tmp_path, plots=False)
    events = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    return result, events


def txs(events, node, proto):
    return [e for e in events if e["event"] == "tx" and e["node"] == node and e["proto"] == proto]


def runs(events, kind=None):
    return [e for e in events if e["layer"] == "run" and kind in (None, e["event"])]


def test_a_rate_change_applies_to_the_next_frame_to_start_and_a_delay_to_the_next_to_leave(tmp_path):
    # two 1000-byte datagrams at 1 s and 1 s + 1 µs: the second waits for the first;
    # the change comes while the first is being serialized
    _, events = run(PAIR.format(run="""
  - {at: 1s, on: b, udp_sink: {port: 9}}
  - {at: 1s, on: a, udp_send: {dst: 10.0.0.2, port: 9, size: 1000B, count: 2, interval: 1us}}
  - {at: 1000500us, name: slow, link: {ends: [a, b], rate: 5Mbps, delay: 30ms}}
"""), tmp_path)
    first, second = txs(events, "a", "UDP")
    size = first["bytes"]
    assert first["ns"] == 1 * S and first["ser_ns"] == serialization_ns(size, 10_000_000) == 836_800
    assert first["arrive_ns"] == 1 * S + 836_800 + 1 * MS          # left before the change
    assert second["ns"] == 1 * S + 836_800                           # waited for the first
    assert second["ser_ns"] == serialization_ns(size, 5_000_000) == 1_673_600
    assert second["arrive_ns"] == second["ns"] + 1_673_600 + 30 * MS
    (change,) = runs(events, "link")
    assert (change["ns"], change["node"], change["action"], change["rate"], change["delay"]) == \
        (1_000_500 * US, "a", "slow", 5_000_000, 30 * MS)


def test_a_loss_change_drops_frames_from_then_on_and_an_mtu_change_refuses_big_frames(tmp_path):
    result, events = run(PAIR.format(run="""
  - {at: 0s, on: b, name: sink, udp_sink: {port: 9}}
  - {at: 1s, on: a, udp_send: {dst: 10.0.0.2, port: 9, size: 100B, count: 4, interval: 500ms}}
  - {at: 1200ms, link: {ends: [a, b], loss: 100%}}
  - {at: 2200ms, link: {ends: [b, a], loss: 0%, mtu: 1400}}
  - {at: 2300ms, on: a, udp_send: {dst: 10.0.0.2, port: 9, size: 1390B, df: true}}
"""), tmp_path)
    fates = [e["fate"] for e in txs(events, "a", "UDP")]
    assert fates == ["ok", "lost", "lost", "ok"]       # 1 s, 1.5 s, 2 s, 2.5 s
    sink = next(r for r in result.results() if r["name"] == "sink")
    assert sink["received"] == 2                        # the 1418-byte datagram exceeds MTU 1400:
    assert result.results()[2]["errors"] == 1          # EMSGSIZE, not sent
    assert result.network.nodes["a"].interfaces["eth0"].mtu == 1400


def test_every_repeats_an_event_at_exact_times_and_until_bounds_it(tmp_path):
    _, events = run(PAIR.format(run="""
  - {at: 500ms, every: 1s, repeat: 3, name: f, flush: {on: a, arp: true}}
  - {at: 1s, every: 700ms, until: 3s, flush: {on: b, arp: true}}
"""), tmp_path)
    assert [e["ns"] for e in runs(events) if e["node"] == "a"] == [500 * MS, 1500 * MS, 2500 * MS]
    assert [e["ns"] for e in runs(events) if e["node"] == "b"] == [1000 * MS, 1700 * MS, 2400 * MS]


def test_flushing_arp_makes_the_next_packet_resolve_again(tmp_path):
    text = ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="5s", run="""
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.2.10, count: 3, interval: 1s}}
  - {at: 2500ms, flush: {on: a, arp: true}}
""")
    result, events = run(text, tmp_path)
    requests = [e["ns"] for e in txs(events, "a", "ARP") if "who has" in e["info"].lower()]
    assert len(requests) == 2 and requests[0] == 1 * S and requests[1] == 3 * S
    assert result.verdicts == [] and result.results()[0]["received"] == 3


def test_after_starts_at_the_end_of_an_app_plus_the_offset(tmp_path):
    text = ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="5s", run="""
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.2.10, count: 1}}
  - {after: p, at: 100ms, name: late, flush: {on: r, arp: true}}
  - {after: late, name: later, flush: {on: a, arp: true}}
""")
    result, events = run(text, tmp_path)
    ping = result.apps[0]
    reply = [e for e in events if e["event"] == "tx" and e["node"] == "r" and e["proto"] == "ICMP"
             and e["peer"] == "a"][0]
    assert ping.ended_ns == reply["arrive_ns"] == ping.finished_ns   # all answered: the end
    assert [e["ns"] for e in runs(events, "flush")] == [ping.ended_ns + 100 * MS] * 2
    assert result.actions.times["later"] == ping.ended_ns + 100 * MS


def test_node_down_loses_links_state_and_apps_and_node_up_restores_the_links(tmp_path):
    text = ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="8s", run="""
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.2.10, count: 6, interval: 1s, timeout: 500ms}}
  - {at: 2500ms, node_down: r}
  - {at: 4500ms, node_up: r}
""")
    result, events = run(text, tmp_path)
    r = result.network.nodes["r"]
    downs = [e["ns"] for e in events if e["event"] == "link_down"]
    ups = [e["ns"] for e in events if e["event"] == "link_up"]
    assert downs == [2500 * MS] * 2 and ups == [4500 * MS] * 2
    rtt = result.results()[0]["rtt_ns"]
    # a's link lost carrier at 2.5 s, so a forgot r (neigh_carrier_down): the pings of 3 s
    # and 4 s wait for r's address; the requests of 3 s and 4 s are lost, the one of 5 s
    # is answered (r is up): both arrive, ping 3 with 2 s more than ping 1 (which also
    # resolved r, and r resolved b), ping 4 with 1 s more, behind it
    assert sorted(rtt) == ["1", "2", "3", "4", "5", "6"]
    assert rtt["3"] == 2 * S + rtt["1"] and S < rtt["4"] < rtt["3"] - 999 * MS
    assert [e["event"] for e in runs(events)] == ["node_down", "node_up"]
    # r resolved b again after power-up; it learnt a from a's request
    states = [e for e in events if e["node"] == "r" and e["event"] == "arp_state"
              and e["ns"] > 4500 * MS and e["state"] in ("INCOMPLETE", "STALE")]
    assert [(e["ip"], e["state"]) for e in states] == [("10.0.1.10", "STALE"),
                                                       ("10.0.2.10", "INCOMPLETE")]
    assert all(link.up for link in result.network.links)
    assert r.ip.arps


def test_node_down_forgets_tcp_connections_without_sending_a_segment(tmp_path):
    text = ROUTED.format(b_gateway=", gateway: 10.0.2.1", until="4s", run="""
  - {at: 0s, on: b, name: srv, bulk_sink: {port: 5001}}
  - {at: 1s, on: a, name: bulk, bulk_send: {dst: 10.0.2.10, port: 5001, bytes: 100MB}}
  - {at: 1500ms, node_down: b}
""")
    result, events = run(text, tmp_path)
    b = result.network.nodes["b"]
    assert b.tcp.connections == {} and b.tcp.listeners == {}
    assert not [e for e in txs(events, "b", "TCP") if e["ns"] >= 1500 * MS]


def test_route_add_and_remove(tmp_path):
    text = ROUTED.format(b_gateway="", until="6s", run="""
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.2.10, count: 4, interval: 1s, timeout: 500ms}}
  - {at: 1500ms, route_add: {on: b, to: 10.0.1.0/24, via: 10.0.2.1}}
  - {at: 3500ms, route_remove: {on: b, to: 10.0.1.0/24}}
""")
    result, events = run(text, tmp_path)
    assert sorted(result.results()[0]["rtt_ns"]) == ["2", "3"]
    added, removed = runs(events)
    assert added["route"] == "10.0.1.0/24 via 10.0.2.1 dev eth0 metric 0 (static)"
    assert removed["route"] == added["route"] and removed["ns"] == 3500 * MS


def test_stop_ends_an_app_at_once(tmp_path):
    result, events = run(PAIR.format(run="""
  - {at: 0s, on: b, name: sink, udp_cbr_sink: {port: 5001}}
  - {at: 1s, on: a, name: cbr, udp_cbr: {dst: 10.0.0.2, rate: 1Mbps, size: 1250B}}
  - {at: 1095ms, stop: cbr}
  - {at: 2s, stop: sink}
  - {at: 2500ms, on: a, udp_send: {dst: 10.0.0.2, port: 5001}}
"""), tmp_path)
    cbr = next(r for r in result.results() if r["name"] == "cbr")
    assert cbr["transmitted"] == 10                     # one each 10 ms from 1 s: 1.00 … 1.09 s
    assert cbr["output"][1] == "sent 10 datagrams, 12.2 KBytes in 0.10 sec"   # 12,500 B; 95 ms, rounded
    assert result.apps[1].ended_ns == 1095 * MS
    assert [e["app"] for e in runs(events, "stop")] == ["cbr", "sink"]
    # the closed port answers with ICMP port unreachable
    assert txs(events, "b", "ICMP")[-1]["ns"] > 2500 * MS


@pytest.mark.parametrize("run_lines, where, message", [
    ("  - {at: 1s, after: nobody, flush: {on: a, arp: true}}",
     "run[0].after", "no action named 'nobody' in run"),
    ("  - {at: 1s, name: x, after: y, flush: {on: a, arp: true}}\n"
     "  - {at: 1s, name: y, after: x, flush: {on: a, arp: true}}",
     "run[0].after", "'after' goes round in a circle: x → y → x"),
    ("  - {at: 1s, link: {ends: [a, c], rate: 1Mbps}}",
     "run[0].link.ends", "unknown node 'c' (nodes: a, b)"),
    ("  - {at: 1s, link: {ends: [a, b], mtu: 60}}",
     "run[0].link.mtu", "must be at least 68, got 60"),
        ("  - {at: 1s, name: t, on: a, traceroute: {dst: 10.0.0.2}}\n"
         "  - {at: 1s, name: f, flush: {on: a, arp: true}}\n  - {at: 2s, stop: f}",
         "run[2].stop", "no app named 'f' in run (names: t)"),
    ("  - {at: 1s, every: 1s, name: f, flush: {on: a, arp: true}}\n"
     "  - {after: f, flush: {on: b, arp: true}}",
     "run[1].after", "'f' repeats to the end of the run, so it never ends; give it repeat or until"),
    ("  - {at: 1s, on: b, name: s, udp_sink: {port: 9}}\n  - {after: s, node_down: b}",
     "run[1].after", "'s' is a udp_sink, which runs until stopped; stop it with a stop action"),
    ("  - {at: 1s, route_add: {on: a, to: 10.9.0.0/16, via: 10.1.0.1}}",
     "run[0].route_add.via", "next hop 10.1.0.1 is not on any subnet of a"),
    ("  - {at: 1s, repeat: 2, flush: {on: a, arp: true}}",
     "run[0].repeat", "'repeat' bounds a periodic action; give 'every' too"),
    ("  - {at: 1s, node_down: z}", "run[0].node_down", "unknown node 'z' (nodes: a, b)"),
])
def test_netsim_check_refuses_broken_actions(run_lines, where, message):
    with pytest.raises(ScenarioError) as info:
        load_text(PAIR.format(run=run_lines))
    assert (info.value.field, info.value.message) == (where, message)
