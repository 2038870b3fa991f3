"""The ``plots:`` key, ``--plot`` on the command line and a node's ``pos:``: loaded,
checked, and used by the run (the ladder's selection, the topology's positions, the
links in summary.json that the viewer draws)."""

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.scenario.plots_spec import PlotsSpec, with_overrides
from simulator.scenario.run import ladder_selection, run_scenario
from simulator.viz.topology import layout

REPO = Path(__file__).resolve().parents[2]

SCENARIO = """
name: two
until: 3s
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24, pos: [0, 1]}
    b: {type: host, ip: 10.0.0.2/24, pos: [4, 1]}
    c: {type: host, ip: 10.0.0.3/24}
    sw: {type: switch, pos: [2, 0]}
  links:
    - [a, sw]
    - [b, sw]
    - [c, sw]
run:
  - {at: 1s, on: a, name: p, ping: {dst: 10.0.0.2, count: 2}}
"""


def scenario(extra: str = ""):
    return load_text(SCENARIO + extra, "s.yaml")


def test_plots_key_loads_with_units_and_defaults():
    s = scenario("plots:\n  ladder: {window: [1s, 2500ms], nodes: [a, sw, b], l2: true}\n"
                 "  hops: {packet: seq=2}\n")
    assert s.plots.ladder.window == [1_000_000_000, 2_500_000_000]
    assert s.plots.ladder.nodes == ["a", "sw", "b"] and s.plots.ladder.l2
    assert s.plots.ladder.pages == 20 and s.plots.hops.packet == "seq=2"
    assert scenario().plots == PlotsSpec()


@pytest.mark.parametrize("extra, message", [
    ("plots: {ladder: {window: [2s, 1s]}}", "window: expected [start, end] with start <= end"),
    ("plots: {ladder: {nodes: [a, zz]}}", "plots.ladder.nodes[1]"),
    ("plots: {ladder: {app: nope}}", "no app named 'nope' runs (apps: p)"),
    ("plots: {ladder: {windw: [1s, 2s]}}", "unknown field 'windw' (did you mean 'window'?)"),
    ("plots: {ladder: {flow: [10.0.0.1]}}", "flow: expected two IPv4 addresses"),
])
def test_plots_key_mistakes_are_located(extra, message):
    with pytest.raises(ScenarioError) as err:
        scenario(extra)
    assert message in str(err.value) and "s.yaml:" in str(err.value)


def test_pos_must_be_two_numbers():
    with pytest.raises(ScenarioError) as err:
        load_text(SCENARIO.replace("pos: [0, 1]", "pos: [0, x]"), "s.yaml")
    assert "nodes.a.pos: expected a position [x, y] (two numbers, y up)" in str(err.value)


def test_command_line_items_set_the_same_keys():
    plots = with_overrides(PlotsSpec(), ["ladder.window=1s:2s", "ladder.nodes=a,sw",
                                         "hops.ip_id=3", "ladder.app=p"])
    assert plots.ladder.window == [1_000_000_000, 2_000_000_000]
    assert plots.ladder.nodes == ["a", "sw"] and plots.ladder.app == "p"
    assert plots.hops.ip_id == 3
    with pytest.raises(ValueError, match=r"--plot ladder: window: expected \[start, end\] with start <= end"):
        with_overrides(PlotsSpec(), ["ladder.window=2s:1s"])
    with pytest.raises(ValueError, match="expected ladder.KEY=VALUE or hops.KEY=VALUE"):
        with_overrides(PlotsSpec(), ["window=1s"])


def test_cli_plot_option(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--plot", "ladder.app=p",
                 "--plot", "hops.packet=seq=2"]) == 0
    assert (out / "plots" / "ladder.png").exists() and (out / "plots" / "hops.png").exists()
    assert main(["run", str(path), "--out", str(out), "--plot", "ladder.nodes=zz"]) == 2
    assert "--plot ladder.nodes: no node named 'zz'" in capsys.readouterr().err


def test_the_run_uses_selection_positions_and_lists_every_link(tmp_path):
    s = scenario("plots: {ladder: {app: p, window: [0s, 2s]}}")
    result = run_scenario(s, out_dir=tmp_path, plots=False)
    sel = ladder_selection(result)
    assert (sel.start_ns, sel.end_ns, sel.addresses) == (1_000_000_000, 2_000_000_000,
                                                         frozenset({"10.0.0.1"}))
    summary = json.loads((tmp_path / "summary.json").read_text())
    # c's link carried no frame: it is listed all the same, for the viewer to draw
    assert {"a": "c", "a_if": "eth0", "b": "sw", "b_if": "p3"} in summary["links"]
    assert summary["nodes"]["sw"]["pos"] == [2.0, 0.0] and "pos" not in summary["nodes"]["c"]
    positions = {n: spec.pos for n, spec in s.topology.nodes.items()}
    every = layout(result.network, positions | {"c": (0.0, 0.0)})
    assert every == {"a": (-1.0, 1.0), "b": (1.0, 1.0), "c": (-1.0, -1.0), "sw": (0.0, -1.0)}
    pos = layout(result.network, positions)     # c placed around the others, all scaled
    (ax, ay), (bx, by), (sx, sy) = pos["a"], pos["b"], pos["sw"]
    assert ay == by > sy and ax < sx < bx and sx == pytest.approx((ax + bx) / 2)
    assert all(-1 <= v <= 1 for p in pos.values() for v in p)
    from simulator.viz.viewer.gather import gather
    data = gather(tmp_path)
    assert {"a": "c", "a_if": "eth0", "b": "sw", "b_if": "p3"} in data["links"]
    (ax, ay), (bx, by) = data["positions"]["a"], data["positions"]["b"]
    assert ay == by < data["positions"]["sw"][1] and ax < bx         # y down on the page
