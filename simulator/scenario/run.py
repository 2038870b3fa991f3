"""Running a scenario: build the network, schedule the actions, capture,
run to ``until``, then write the outputs and judge the expectations.

Outputs in the run folder: ``trace.jsonl`` (every event), one pcap per
captured interface (``<node>-<iface>.pcap``), ``summary.json`` (apps'
results, per-node counters, drops, verdicts), ``plots/ladder.png`` and
``plots/hops.png`` (where one packet's latency went, hop by hop) and, when TCP
ran, ``plots/tcp_*.png`` (time–sequence, cwnd, RTT, goodput; see docs/plots.md).
Nothing in them depends on the wall clock: the same scenario and seed give
byte-identical files.
"""

import json
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path

from simulator.apps import APPS
from simulator.engine.sim import Simulation
from simulator.engine.trace import JsonLinesSink
from simulator.phy.pcap import PcapWriter
from simulator.scenario.build import Network, build
from simulator.scenario.expect import Verdict, evaluate

RFC1918 = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
RFC5737 = [IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]
RFC6598 = IPv4Network("100.64.0.0/10")


@dataclass
class RunResult:
    scenario: object
    network: Network
    apps: list = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def passed(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def results(self) -> list[dict]:
        return [app.result() for app in self.apps]

    def summary(self) -> dict:
        sim = self.network.sim
        drops: dict = {}
        for (node, name), n in sorted(sim.tracer.counters.items()):
            if name.startswith("drop:"):
                drops.setdefault(node, {})[name[5:]] = n
        return {
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "until_ns": self.scenario.until,
            "apps": self.results(),
            "nodes": {name: _node_summary(node) for name, node in self.network.nodes.items()},
            "drops": drops,
            "queue_max_packets": {name.split(":", 1)[1]: max(v for _, v in samples)
                                  for name, samples in sorted(sim.tracer.series.items())
                                  if name.startswith("queue:")},
            "expectations": [v.as_dict() for v in self.verdicts],
            "passed": self.passed,
        }


def _address_summary(address) -> dict:
    """An interface address with what a student would look up for it."""
    network = address.network
    scope = ("private (RFC 1918)" if any(address.ip in net for net in RFC1918)
             else "shared (RFC 6598)" if address.ip in RFC6598
             else "documentation (RFC 5737)" if any(address.ip in net for net in RFC5737)
             else "loopback" if address.ip.is_loopback
             else "link-local" if address.ip.is_link_local
             else "public")
    return {"address": str(address), "network": str(network),
            "broadcast": str(network.broadcast_address) if network.prefixlen < 31 else None,
            "scope": scope}


def _node_summary(node) -> dict:
    summary = {"kind": node.kind, "interfaces": node.counters()}
    ip = getattr(node, "ip", None)
    if ip is not None:
        summary["addresses"] = {iface.name: _address_summary(a) for iface, a in ip.addresses.items()}
        summary["routes"] = [str(route) for route in ip.routes.routes()]
        summary["arp"] = {iface.name: arp.table() for iface, arp in ip.arps.items()}
        if ip.pmtu.entries():
            summary["pmtu"] = ip.pmtu.entries()
        if ip.forwarder is not None:
            summary["forwarded"] = ip.forwarder.forwarded
    elif hasattr(node, "table"):
        summary["mac_table"] = node.table()
    return summary


def _open_captures(scenario, network: Network, out_dir: Path) -> list[PcapWriter]:
    writers = []
    for capture in scenario.capture:
        node = network.nodes[capture.point.node]
        names = [capture.point.iface] if capture.point.iface else list(node.interfaces)
        for name in names:
            iface = node.interfaces[name]
            writer = PcapWriter(out_dir / f"{node.name}-{iface.name}.pcap", fcs=capture.fcs)
            iface.captures.append(writer)
            writers.append(writer)
    return writers


def run_scenario(scenario, out_dir: Path | None = None, plots: bool = True) -> RunResult:
    sim = Simulation(scenario.seed)
    network = build(scenario.topology, sim)
    result = RunResult(scenario, network, out_dir=out_dir)
    writers, trace_file = [], None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        trace_file = open(out_dir / "trace.jsonl", "w")
        sim.tracer.add_sink(JsonLinesSink(trace_file))
        writers = _open_captures(scenario, network, out_dir)
    for action in scenario.run:
        if not action.is_app:
            link = network.find_link(*getattr(action, action.kind))
            up = action.kind == "link_up"
            sim.call_later(action.at, lambda _event, link=link, up=up: link.set_up(up))
            continue
        node = network.nodes[action.on]
        app = APPS[action.kind](node, action.app, action.name or action.kind)
        node.apps.append(app)
        result.apps.append(app)
        sim.call_later(action.at, lambda _event, app=app: app.start())
    try:
        sim.run(scenario.until)
    finally:
        for writer in writers:
            writer.close()
        if trace_file is not None:
            trace_file.close()
    results = result.results()
    result.verdicts = [evaluate(e, results) for e in scenario.expect]
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n")
        if plots:
            _plot(result, out_dir)
    return result


def _plot(result: RunResult, out_dir: Path) -> None:
    from simulator.viz.hops import plot_run
    from simulator.viz.ladder import plot_ladder
    from simulator.viz.tcp import plot_tcp
    from simulator.viz.trace_io import read_trace

    (out_dir / "plots").mkdir(exist_ok=True)
    events = read_trace(out_dir / "trace.jsonl")
    nodes = list(result.network.nodes)
    title = f"{result.scenario.name} (seed {result.scenario.seed})"
    plot_ladder(events, out_dir / "plots" / "ladder.png", nodes=nodes, title=title)
    plot_run(out_dir, nodes=nodes, title=title, events=events)
    cc = {name: node.tcp_config.cc for name, node in result.network.nodes.items()
          if hasattr(node, "tcp_config")}
    plot_tcp(events, out_dir / "plots", title=title, cc=cc)
