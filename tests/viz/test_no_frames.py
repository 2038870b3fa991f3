"""A trace kept without the frames (``trace.layers`` without ``phy``, ``trace.events``
without ``tx``): no empty ladder or hop plot, but one line in the summary and the
terminal output that says why and how to get them."""

import json
from pathlib import Path

from simulator.cli import main
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.scenario.run_specs import TraceSpec
from simulator.viz.plot_job import no_frames

LAN_PING = Path(__file__).resolve().parents[2] / "scenarios" / "lan_ping.yaml"
NOTE = ("no ladder or hop plot: the trace keeps the arp, icmp layers only; add phy to "
        "trace.layers to draw them (from its tx events)")


def test_which_traces_hold_no_frames():
    assert no_frames(["arp", "icmp"], None) == NOTE
    assert no_frames(None, ["drop", "arp_state"]) == (
        "no ladder or hop plot: the trace keeps drop, arp_state events only; add tx to "
        "trace.events to draw them")
    assert no_frames(["phy", "arp"], ["tx"]) is None
    assert no_frames(None, None) is None


def test_a_run_without_frames_draws_no_empty_figure_and_says_why(tmp_path):
    scenario = load_scenario(LAN_PING)
    run_scenario(scenario.model_copy(update={"trace": TraceSpec(layers=["arp", "icmp"])}),
                 tmp_path / "arp")
    assert sorted(p.name for p in (tmp_path / "arp" / "plots").iterdir()) == ["topology.png"]
    assert json.loads((tmp_path / "arp" / "summary.json").read_text())["plots"] == NOTE
    run_scenario(scenario, tmp_path / "full")
    names = {p.name for p in (tmp_path / "full" / "plots").iterdir()}
    assert {"ladder.png", "hops.png", "topology.png"} <= names
    assert "plots" not in json.loads((tmp_path / "full" / "summary.json").read_text())


def test_netsim_run_prints_the_line(tmp_path, capsys):
    assert main(["run", str(LAN_PING), "--trace", "layers=arp,icmp", "--out",
                 str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out.splitlines()
    listed = next(line for line in out if line.startswith("outputs in "))
    assert "plots/topology.png" in listed and "ladder" not in listed and "hops" not in listed
    assert out[out.index(listed) + 1] == NOTE
    assert main(["run", str(LAN_PING), "--trace", "layers=arp,icmp", "--no-plots", "--out",
                 str(tmp_path / "n")]) == 0
    assert NOTE not in capsys.readouterr().out
