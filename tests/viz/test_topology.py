"""plots/topology.png: every shipped scenario's network drawn with its nodes by kind,
interfaces and addresses, link parameters, and the run's link failures."""

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from simulator.engine.sim import Simulation
from simulator.scenario.build import build
from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.topology import DPI, HEIGHT_IN, KINDS, WIDTH_IN, draw_topology, link_events
from simulator.viz.trace_io import read_trace

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_node_interface_and_link_is_labelled(path):
    scenario = load_scenario(path)
    network = build(scenario.topology, Simulation(1))
    fig = draw_topology(network, scenario.name)
    try:
        shown = texts(fig)
        for name, node in network.nodes.items():
            assert any(t.split("\n")[0] == name for t in shown), name
            ip = getattr(node, "ip", None)
            for iface in node.interfaces.values():
                if iface.link is not None:
                    address = ip.addresses.get(iface) if ip else None
                    label = iface.name if address is None else f"{iface.name}\n{address}"
                    assert label in shown, (name, label)
        rates = [t for t in shown if "\nMTU " in t]
        assert len(rates) == len(network.links)
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        down = ["link down in the run"] if any(not link.up for link in network.links) else []
        assert legend == [KINDS[k][2] for k in KINDS
                          if any(n.kind == k for n in network.nodes.values())] + down
        assert tuple(fig.get_size_inches()) == (WIDTH_IN, HEIGHT_IN)
    finally:
        plt.close(fig)


def test_lan_labels_say_rate_delay_mtu_and_switch_ports():
    network = build(load_scenario(REPO / "scenarios" / "lan_ping.yaml").topology, Simulation(1))
    fig = draw_topology(network, "lan")
    shown = texts(fig)
    plt.close(fig)
    assert shown.count("100 Mb/s, 10 µs\nMTU 1500") == 3
    assert shown.count("10 Mb/s, 10 µs\nMTU 1500") == 2
    assert {"p1", "p2", "p3", "p4"} <= set(shown)
    assert "eth0\n10.0.0.1/24" in shown


def test_failover_draws_the_failed_link_dashed_red_with_its_time(tmp_path):
    run_scenario(load_scenario(REPO / "scenarios" / "failover.yaml"), tmp_path, plots=True)
    events = read_trace(tmp_path / "trace.jsonl")
    assert link_events(events) == {"stp": {}, "r1:n-r2:w": [("down", 2_050_000_000)]}
    network = build(load_scenario(REPO / "scenarios" / "failover.yaml").topology, Simulation(1))
    fig = draw_topology(network, "failover", events)
    try:
        assert "100 Mb/s, 2 ms\nMTU 1500\ndown at 2.05 s" in texts(fig)
        dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
        assert len(dashed) == 1 and dashed[0].get_color() == "#d62728"
        assert "link down in the run" in [t.get_text() for t in fig.legends[0].get_texts()]
    finally:
        plt.close(fig)
    png = tmp_path / "plots" / "topology.png"
    assert Image.open(png).size == (WIDTH_IN * DPI, HEIGHT_IN * DPI)


def test_stp_triangle_marks_the_port_spanning_tree_blocks(tmp_path):
    scenario = load_scenario(REPO / "scenarios" / "stp_triangle.yaml")
    result = run_scenario(scenario, tmp_path, plots=False)
    blocked = [f"{name}:{port}" for name, node in result.network.nodes.items()
               if getattr(node, "stp", None) is not None
               for port, info in node.stp.summary()["ports"].items() if info["state"] == "blocking"]
    assert blocked == ["s3:p1"]
    fig = draw_topology(result.network, "stp", read_trace(tmp_path / "trace.jsonl"))
    try:
        marked = [t for t in fig.axes[0].texts if t.get_text().endswith("(blocking)")]
        assert [t.get_text() for t in marked] == ["p1 (blocking)"]
        assert marked[0].get_color() == "#d62728"
    finally:
        plt.close(fig)
