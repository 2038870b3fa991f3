"""Every shipped scenario, run with the forwarding fast path and without: the outputs
are byte for byte the same.

Trace off and trace on, with every capture the scenario asks for and with none
(a tap keeps its port off the fast path): summary.json, trace.jsonl and every
pcap must match. The fast path traces a fused hop itself (the router's
``route``, the channel's ``tx``), so the traced runs check that it writes the
layered path's events byte for byte. Long runs are cut at the same event count
both ways (``limits.max_events``), which keeps this test short and is as exact a
check.
"""

from pathlib import Path

import pytest

from simulator.phy.link import Channel
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.scenario.schema import TraceSpec

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
MAX_EVENTS = {"off": 40_000, "full": 20_000}
# scenarios whose routers or switches certainly forward known unicast
FUSED = {"lan_ping", "traceroute", "tcp_bulk", "tcp_ns3_newreno", "pmtud", "failover"}


def outputs(path: Path, out: Path, fast: bool, trace: str, capture: bool, monkeypatch) -> dict:
    monkeypatch.setenv("NETSIM_FAST_PATH", "1" if fast else "0")
    scenario = load_scenario(path)
    limits = scenario.limits.model_copy(update={"max_events": MAX_EVENTS[trace]})
    update = {"trace": TraceSpec.model_validate(trace), "limits": limits}
    if not capture:
        update["capture"] = []
    out.mkdir()
    run_scenario(scenario.model_copy(update=update), out, plots=False)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture
def fused(monkeypatch):
    """Counts the frames Channel.send_idle sent (the fast path's sends)."""
    sent = []
    send_idle = Channel.send_idle

    def counted(self, frame):
        done = send_idle(self, frame)
        sent.append(done)
        return done

    monkeypatch.setattr(Channel, "send_idle", counted)
    return sent


@pytest.mark.parametrize("trace, capture", [("off", True), ("off", False), ("full", True),
                                            ("full", False)])
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_scenario_gives_the_same_outputs_with_and_without_the_fast_path(
        path, trace, capture, tmp_path, monkeypatch, fused):
    fast = outputs(path, tmp_path / "fast", True, trace, capture, monkeypatch)
    fast_sends = sum(fused)
    slow = outputs(path, tmp_path / "slow", False, trace, capture, monkeypatch)
    assert sorted(fast) == sorted(slow)
    for name in fast:
        assert fast[name] == slow[name], f"{path.name}: {name} differs"
    assert sum(fused) == fast_sends, "the layered run took the fast path"
    if path.stem in FUSED and not capture:
        assert fast_sends > 0                   # the comparison is not empty

