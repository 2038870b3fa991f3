"""Runs that run away end cleanly: which limit, in summary.json; trace selection."""

import json

import pytest

from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario
from simulator.scenario.schema import Scenario
from simulator.viz.trace_io import read_trace
from tests.tshark import clean, tshark_problems

FLOOD = """
name: flood
topology:
  name: t
  nodes:
    a: {{type: host, ip: 10.0.0.1/24}}
    sw: {{type: switch}}
    b: {{type: host, ip: 10.0.0.2/24}}
  links: [[a, sw], [sw, b]]
until: 10s
run:
  - {{at: 1s, on: a, ping: {{dst: 10.0.0.2, count: 1000000000000, interval: 1us}}}}
capture: [a, b]
{extra}
"""


def flood(extra: str = "") -> Scenario:
    return load_text(FLOOD.format(extra=extra))


def test_the_event_limit_ends_the_run_with_every_file_closed(tmp_path):
    result = run_scenario(flood("limits: {max_events: 30000}"), tmp_path, plots=False)
    assert result.stopped_early and not result.passed
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["ended"] == {"reason": "max_events", "at_ns": result.ended.at_ns,
                                "events": 30000, "limit": 30000}
    assert 1_000_000_000 < result.ended.at_ns < 10_000_000_000
    assert summary["passed"] is False
    for pcap in ("a-eth0.pcap", "b-eth0.pcap"):
        problems = tshark_problems(tmp_path / pcap)
        assert problems["frames"] > 0 and problems == clean(problems["frames"])
    assert read_trace(tmp_path / "trace.jsonl")           # complete lines only


def test_a_run_to_until_says_so():
    text = FLOOD.format(extra="").replace("count: 1000000000000, interval: 1us", "count: 2")
    result = run_scenario(load_text(text))
    assert not result.stopped_early
    assert (result.ended.reason, result.ended.at_ns) == ("until", 10_000_000_000)


def test_the_trace_size_cap_ends_the_run_before_the_file_passes_it(tmp_path):
    result = run_scenario(flood("limits: {trace_size: 200KiB}"), tmp_path, plots=False)
    assert result.ended.reason == "trace_size"
    size = (tmp_path / "trace.jsonl").stat().st_size
    assert 200 * 1024 - 2000 < size <= 200 * 1024      # stops at the last whole line that fits
    ended = json.loads((tmp_path / "summary.json").read_text())["ended"]
    assert (ended["reason"], ended["limit"]) == ("trace_size", 200 * 1024)


def test_trace_off_writes_no_trace_and_no_plots(tmp_path):
    (tmp_path / "trace.jsonl").write_text("stale\n")
    scenario = flood("limits: {max_events: 20000}\ntrace: off")
    assert scenario.trace.off
    result = run_scenario(scenario, tmp_path, plots=True)
    assert result.ended.reason == "max_events"
    assert not (tmp_path / "trace.jsonl").exists() and not (tmp_path / "plots").exists()
    assert (tmp_path / "a-eth0.pcap").stat().st_size > 24


def test_a_filtered_trace_keeps_only_the_selected_events(tmp_path):
    scenario = flood("limits: {max_events: 20000}\n"
                     "trace: {nodes: [sw], layers: [phy], events: [tx]}")
    run_scenario(scenario, tmp_path, plots=False)
    events = read_trace(tmp_path / "trace.jsonl")
    assert events and {(e["node"], e["layer"], e["event"]) for e in events} == {("sw", "phy", "tx")}


@pytest.mark.parametrize("text, message", [
    ("trace: partial", "expected off, full or a mapping"),
    ("trace: {nodes: [a], level: 3}", "unknown field 'level'"),
    ("limits: {max_events: 0}", "greater than 0"),
    ("limits: {wall_clock: 10}", "10"),
    ("trace: {nodes: [a, pc9]}", "trace.nodes[1]: unknown node 'pc9' (nodes: a, b, sw)"),
])
def test_bad_limits_and_trace_settings_are_located_errors(text, message):
    from simulator.scenario.errors import ScenarioError

    with pytest.raises(ScenarioError) as error:
        flood(text)
    assert message in str(error.value)


def zero_time_triangle() -> Scenario:
    """Three switches in a loop at 100 Tbps with no delay: one broadcast circles forever
    and serialization rounds to 0 ns. Built without `check` (which refuses the loop)."""
    link = {"rate": 100 * 10**12, "delay": 0}
    return Scenario.model_validate({
        "name": "zero-time", "until": 5_000_000_000,
        "topology": {"name": "t", "nodes": {
            "a": {"type": "host", "ip": "10.0.0.1/24"}, "s1": {"type": "switch"},
            "s2": {"type": "switch"}, "s3": {"type": "switch"}},
            "links": [{"ends": ["a", "s1"], **link}, {"ends": ["s1", "s2"], **link},
                      {"ends": ["s2", "s3"], **link}, {"ends": ["s3", "s1"], **link}]},
        "run": [{"at": 1_000_000_000, "on": "a", "ping": {"dst": "10.0.0.9", "count": 1}}],
        "limits": {"stall": 50_000},
    })


def test_a_loop_that_makes_no_progress_in_simulated_time_is_stalled(tmp_path):
    result = run_scenario(zero_time_triangle(), tmp_path, plots=False)
    assert result.ended.reason == "stalled"
    assert result.ended.at_ns == 1_000_000_000         # time never left the ARP broadcast
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["ended"]["reason"] == "stalled" and summary["ended"]["limit"] == 50_000


def test_a_signal_while_plotting_stops_the_plots_and_keeps_the_outputs(tmp_path, monkeypatch):
    from simulator.engine.limits import StopRequest
    from simulator.viz import ladder

    stop = StopRequest()
    seen = []

    def interrupted_ladder(events, out_path, **kwargs):
        for i, event in enumerate(events):
            seen.append(event)
            if i == 5:
                stop.request()                     # Ctrl-C while the ladder reads the trace

    monkeypatch.setattr(ladder, "plot_ladder", interrupted_ladder)
    text = FLOOD.format(extra="").replace("count: 1000000000000, interval: 1us",
                                          "count: 3000, interval: 1ms")
    result = run_scenario(load_text(text), tmp_path, plots=True, stop=stop)
    assert result.ended.reason == "until" and len(seen) == 10_000   # read up to the next look
    assert json.loads((tmp_path / "summary.json").read_text())["ended"]["reason"] == "until"
    assert not (tmp_path / "plots" / "hops.png").exists()
