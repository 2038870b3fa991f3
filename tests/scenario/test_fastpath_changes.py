"""Mid-run changes the fast path must see: each scenario here changes what a fused
hop depends on (a link's rate, a route, a neighbour entry) while packets flow, and
runs with the fast path and without, trace off and on; the outputs must be byte for
byte the same, and the fast path must have forwarded packets both before and after
the change (it is not simply switched off by it).
"""

import json

import pytest

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
    # 102-byte frames (84 B of IPv4): 816 ns a hop at 1 Gbps, 816 us at 1 Mbps
    before = 4 * MS + 4 * 816
    after = 4 * MS + 2 * 816 + 2 * 816 * US
    assert ping["rtt_ns"] == {str(i): before for i in range(2, 6)} | {
        "1": ping["rtt_ns"]["1"]} | {str(i): after for i in range(6, 11)}
