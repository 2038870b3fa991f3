"""Mid-run changes the fast path must see: each scenario here changes what a fused
hop depends on (a link's rate, a route, a neighbour entry) while packets flow, and
runs with the fast path and without, trace off and on; the outputs must be byte for
byte the same, and the fast path must have forwarded packets both before and after
the change (it is not simply switched off by it).
"""

import json

from simulator.phy.link import Channel
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.scenario.schema import TraceSpec

US = 1_000
MS = 1_000_000
# a: 10.0.0.10 — r — b: 10.0.1.10, 1 Gbps / 1 ms links; ping every 100 ms
TOPOLOGY = """\
name: {name}
topology:
  name: t
  defaults:
    link: {{rate: 1Gbps, delay: 1ms}}
  nodes:
    a: {{type: host, ip: 10.0.0.10/24, gateway: 10.0.0.1}}
    r: {{type: router, interfaces: {{e0: 10.0.0.1/24, e1: 10.0.1.1/24}}}}
    b: {{type: host, ip: 10.0.1.10/24, gateway: 10.0.1.1}}
  links:
    - [a, r:e0]
    - [r:e1, b]
seed: 1
until: 2s
run:
  - {{at: 0s, on: a, name: p, ping: {{dst: 10.0.1.10, count: 10, interval: 100ms}}}}
{events}
"""
# 102-byte echo frames (84 B of IPv4): 816 ns a hop at 1 Gbps (816 us at 1 Mbps); the
# first also waits for a to resolve r and r to resolve b (64-byte ARP frames, 512 ns)
FIRST = 8 * MS + 4 * 816 + 4 * 512
RATE_CHANGE = "  - {at: 450ms, name: slow, link: {ends: [r, b], rate: 1Mbps}}"


def run(tmp_path, text: str, fast: bool, trace: str, monkeypatch) -> tuple[dict, list]:
    """The run's output files and, per send_idle call, (time, whether it sent)."""
    monkeypatch.setenv("NETSIM_FAST_PATH", "1" if fast else "0")
    sent = []
    send_idle = Channel.send_idle

    def counted(self, frame):
        done = send_idle(self, frame)
        sent.append((self.sim.now, done))
        return done

    monkeypatch.setattr(Channel, "send_idle", counted)
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    out = tmp_path / f"out-{fast}-{trace}"
    out.mkdir()
    run_scenario(scenario.model_copy(update={"trace": TraceSpec.model_validate(trace)}), out,
                 plots=False)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}, sent


def both_ways(tmp_path, text: str, monkeypatch, at_ns: int) -> dict:
    """Run ``text`` both ways, trace off and full: the same bytes; the fast path sent
    before and after ``at_ns``. The fast run's summary (trace off)."""
    summary = None
    for trace in ("off", "full"):
        fast, sent = run(tmp_path, text, True, trace, monkeypatch)
        slow, slow_sent = run(tmp_path, text, False, trace, monkeypatch)
        assert sorted(fast) == sorted(slow)
        for name in fast:
            assert fast[name] == slow[name], f"{name} differs (trace {trace})"
        assert not slow_sent
        assert any(done for t, done in sent if t < at_ns)
        assert any(done for t, done in sent if t > at_ns)
        summary = summary or json.loads(fast["summary.json"])
    return summary


def test_a_rate_change_reaches_the_fast_path_serialization_times(tmp_path, monkeypatch):
    summary = both_ways(tmp_path, TOPOLOGY.format(name="rate", events=RATE_CHANGE),
                        monkeypatch, 450 * MS)
    (ping,) = summary["apps"]
    before = 4 * MS + 4 * 816
    after = 4 * MS + 2 * 816 + 2 * 816 * US
    assert ping["rtt_ns"] == {"1": FIRST} | {str(i): before for i in range(2, 6)} | {
        str(i): after for i in range(6, 11)}


def test_an_mtu_change_sends_what_no_longer_fits_to_the_layered_path(tmp_path, monkeypatch):
    text = TOPOLOGY.format(name="mtu", events="  - {at: 450ms, name: small, link: "
                           "{ends: [r, b], mtu: 576}}").replace(
        "count: 10, interval: 100ms", "count: 10, interval: 100ms, size: 1000")
    summary = both_ways(tmp_path, text, monkeypatch, 450 * MS)
    (ping,) = summary["apps"]
    assert ping["received"] == 10
    assert summary["nodes"]["r"]["interfaces"]["e1"]["tx_frames"] > 10 + 5   # fragments


def test_an_arp_flush_sends_the_next_packet_to_a_resolution(tmp_path, monkeypatch):
    text = TOPOLOGY.format(name="flush", events="  - {at: 450ms, flush: {on: r, arp: true}}")
    summary = both_ways(tmp_path, text, monkeypatch, 450 * MS)
    (ping,) = summary["apps"]
    assert ping["received"] == 10
    # after the flush r resolves b for the request and a for the reply, as for the first
    assert ping["rtt_ns"]["6"] == ping["rtt_ns"]["1"] == FIRST
    assert {ping["rtt_ns"][str(i)] for i in (2, 3, 4, 5, 7, 8, 9, 10)} == {4 * MS + 4 * 816}


# a — r1 — r2 — b over two parallel links r1–r2: auto routing takes the cheap one (e1),
# a /32 added at r1 sends b's packets over e2 until it is removed
TWO_PATHS = """\
name: paths
topology:
  name: t
  routing: auto
  defaults:
    link: {rate: 1Gbps, delay: 1ms}
  nodes:
    a: {type: host, ip: 10.0.0.10/24, gateway: 10.0.0.1}
    r1: {type: router, interfaces: {e0: 10.0.0.1/24, e1: 10.0.1.1/24, e2: 10.0.2.1/24}}
    r2: {type: router, interfaces: {e0: 10.0.1.2/24, e1: 10.0.2.2/24, e2: 10.0.3.1/24}}
    b: {type: host, ip: 10.0.3.10/24, gateway: 10.0.3.1}
  links:
    - [a, r1:e0]
    - [r1:e1, r2:e0]
    - {ends: [r1:e2, r2:e1], cost: 5}
    - [r2:e2, b]
seed: 1
until: 2s
run:
  - {at: 0s, on: a, name: p, ping: {dst: 10.0.3.10, count: 10, interval: 100ms}}
  - {at: 450ms, route_add: {on: r1, to: 10.0.3.10/32, via: 10.0.2.2}}
  - {at: 750ms, route_remove: {on: r1, to: 10.0.3.10/32}}
"""


def test_a_route_change_moves_the_fast_path_to_the_new_next_hop(tmp_path, monkeypatch):
    summary = both_ways(tmp_path, TWO_PATHS, monkeypatch, 450 * MS)
    r1 = summary["nodes"]["r1"]["interfaces"]
    # requests 5..7 (at 500, 600, 700 ms) went out of e2; the rest, and the first
    # request's ARP, out of e1; r2 answers every one over e0 (its route to a)
    assert r1["e2"]["forwarded"] == 3
    assert r1["e1"]["forwarded"] == 7
