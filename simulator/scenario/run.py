"""Running a scenario: build the network, schedule the actions, capture,
run to ``until`` (or to a run limit, see :mod:`simulator.engine.limits`), then
write the outputs and judge the expectations.

Outputs in the run folder: ``trace.jsonl`` (every event, or those the
scenario's ``trace:`` selects; none with ``trace: off``), one pcap per
captured interface (``<node>-<iface>.pcap``) and all of them merged into
``capture.pcapng`` (drops and run events as comments), ``summary.json`` (apps'
results, per-node counters, drops, verdicts, and ``ended``: why and when
the run ended), ``plots/topology.png`` (the network drawn, with the run's
link failures), ``plots/ladder.png`` and ``plots/hops.png`` (where one
packet's latency went, hop by hop) and, when TCP ran, ``plots/tcp_*.png``
(time–sequence, cwnd, RTT, goodput; see docs/plots.md); all read the trace
as a stream. Files are closed whatever ends the run. Nothing in them
depends on the wall clock (unless the ``wall_clock`` limit ends the run):
the same scenario and seed give byte-identical files.
"""

import json
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path

from simulator.engine.limits import Ended, Limits, StopRequest, run_bounded
from simulator.engine.sim import Simulation
from simulator.engine.trace import JsonLinesSink, TraceFilter
from simulator.phy.pcap import PcapWriter
from simulator.phy.pcapng import PcapngWriter
from simulator.apps import lifecycle
from simulator.scenario.actions import Actions
from simulator.scenario.build import Network, build
from simulator.scenario.dhcp_build import dhcp_results, dhcp_services
from simulator.scenario.dns_build import dns_services
from simulator.scenario.expect import TraceWatch, Verdict, evaluate
from simulator.scenario.web_build import web_services
from simulator.scenario.tables import TableLog

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
    ended: Ended | None = None
    tables: TableLog | None = None          # table changes, when tracing is on
    actions: Actions | None = None          # the run: list as run (its times)

    @property
    def stopped_early(self) -> bool:
        """Whether a run limit or a signal ended the run before ``until``."""
        return self.ended is not None and self.ended.reason != "until"

    @property
    def passed(self) -> bool:
        return not self.stopped_early and all(v.ok for v in self.verdicts)

    def results(self) -> list[dict]:
        return [lifecycle.report(app) for app in self.apps]

    def summary(self) -> dict:
        sim = self.network.sim
        drops: dict = {}
        for (node, name), n in sorted(sim.tracer.counters.items()):
            if name.startswith("drop:"):
                drops.setdefault(node, {})[name[5:]] = n
        summary = {
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "until_ns": self.scenario.until,
            "ended": self._ended(),
            "apps": self.results(),
            "nodes": {name: _node_summary(node, self.scenario.topology.nodes.get(name))
                      for name, node in self.network.nodes.items()},
            "links": [{"a": link.a.node.name, "a_if": link.a.name,
                       "b": link.b.node.name, "b_if": link.b.name} for link in self.network.links],
            "drops": drops,
            "queue_max_packets": {name.split(":", 1)[1]: series.max
                                  for name, series in sorted(sim.tracer.series.items())
                                  if name.startswith("queue:")},
            "tables": None if self.tables is None else self.tables.summary(),
            "expectations": [v.as_dict() for v in self.verdicts],
            "passed": self.passed,
        }
        services = _services(self.network)
        if services:                      # services: {node: {service: {...}}}
            summary["services"] = services
        note = plots_note(self.scenario)
        if note is not None:              # plots: why the ladder cannot be drawn
            summary["plots"] = note
        return summary

    def _ended(self) -> dict | None:
        """Why the run ended, with the limit that ended it (``wall_clock`` in ns)."""
        if self.ended is None:
            return None
        ended = self.ended.as_dict()
        limit = LIMIT_FIELDS.get(self.ended.reason)
        if limit is not None:
            ended["limit"] = getattr(self.scenario.limits, limit)
        return ended


def _services(network) -> dict:
    """Each service's counters by node; one function per service kind adds its keys."""
    services: dict = {}
    for report in SERVICE_REPORTS:
        for node, entries in report(network).items():
            services.setdefault(node, {}).update(entries)
    return dict(sorted(services.items()))


SERVICE_REPORTS = [dhcp_services, dns_services, web_services]
LIMIT_FIELDS = {"max_events": "max_events", "wall_clock": "wall_clock", "stalled": "stall",
                "trace_size": "trace_size"}     # end reason → the `limits:` field behind it


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


def _node_summary(node, spec=None) -> dict:
    summary = {"kind": node.kind, "interfaces": node.counters()}
    if getattr(spec, "pos", None) is not None:
        summary["pos"] = list(spec.pos)                 # the YAML's, for the viewer
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
        if getattr(node, "stp", None) is not None:
            summary["stp"] = node.stp.summary()
    return summary


def _open_captures(scenario, network: Network, out_dir: Path) -> list:
    """One pcap per captured interface, and all of them merged in ``capture.pcapng``."""
    writers = []
    merged = PcapngWriter(out_dir / "capture.pcapng", scenario.capture_epoch) if scenario.capture else None
    for capture in scenario.capture:
        node = network.nodes[capture.point.node]
        names = [capture.point.iface] if capture.point.iface else list(node.interfaces)
        for name in names:
            iface = node.interfaces[name]
            writer = PcapWriter(out_dir / f"{node.name}-{iface.name}.pcap", fcs=capture.fcs)
            iface.captures.append(writer)
            iface.captures.append(merged.interface(iface.label, node.name, capture.fcs))
            writers.append(writer)
    if merged is not None:
        writers.append(merged)
    return writers


def _limits(scenario) -> Limits:
    limits = scenario.limits
    return Limits(max_events=limits.max_events, wall_clock_ns=limits.wall_clock,
                  stall=limits.stall)


TRACE_BLOCK = 1 << 20       # bytes: the trace is written in large blocks


def _open_trace(scenario, sim, out_dir: Path, stop: StopRequest) -> JsonLinesSink | None:
    """The sink writing ``trace.jsonl`` as the scenario selects it; ``None`` with
    ``trace: off``."""
    path = out_dir / "trace.jsonl"
    if scenario.trace.off:
        path.unlink(missing_ok=True)         # not a stale trace from an earlier run
        return None
    trace = JsonLinesSink(open(path, "wb"), cap=scenario.limits.trace_size,
                          on_full=lambda: stop.request("trace_size"), block=TRACE_BLOCK)
    sim.tracer.add_sink(trace)
    spec = scenario.trace
    if spec.filtered:
        sim.tracer.select(TraceFilter(spec.nodes, spec.layers, spec.events))
    return trace


def run_scenario(scenario, out_dir: Path | None = None, plots: bool = True,
                 stop: StopRequest | None = None, plotter=None) -> RunResult:
    """Run ``scenario``; with ``out_dir``, write its outputs there. ``stop`` lets a
    signal handler end the run early ("interrupted"); ``plotter`` (a
    :class:`~simulator.viz.plot_worker.Plotter`) draws the plots in other processes."""
    stop = stop or StopRequest()
    sim = Simulation(scenario.seed)
    network = build(scenario.topology, sim)
    result = RunResult(scenario, network, out_dir=out_dir)
    writers, trace = [], None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        trace = _open_trace(scenario, sim, out_dir, stop)
        writers = _open_captures(scenario, network, out_dir)
        if trace is not None and scenario.capture:
            sim.tracer.add_sink(writers[-1].on_event)       # drops as capture comments
        if trace is not None:
            result.tables = TableLog()
            sim.tracer.add_sink(result.tables)
    actions = result.actions = Actions(scenario, network)
    actions.schedule()
    result.apps = actions.apps
    watch = TraceWatch(scenario.expect)
    if watch:
        watch.times = actions.times
        sim.tracer.add_sink(watch)
    try:
        result.ended = run_bounded(sim.env, scenario.until, _limits(scenario), stop)
    finally:
        for writer in writers:
            writer.close()
        if trace is not None:
            trace.close()
    results = result.results()
    results += dhcp_results(network)          # `app: dhcp` judges the DHCP clients
    result.verdicts = [evaluate(e, results, watch, actions.times) for e in scenario.expect]
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n")
        if plots and trace is not None:
            _plot(result, out_dir, stop, plotter)
    return result


def plot_job(result: RunResult, out_dir: Path):
    """What the run's plots need besides its trace, as plain data
    (:class:`~simulator.viz.plot_job.PlotJob`)."""
    from simulator.viz.plot_job import HopsPick, PlotJob
    from simulator.viz.topology_layout import drawing

    scenario = result.scenario
    ladder, hops = scenario.plots.ladder, scenario.plots.hops
    return PlotJob(out_dir, f"{scenario.name} (seed {scenario.seed})", tuple(result.network.nodes),
                   ladder_selection(result), ladder.pages, ladder.l2,
                   HopsPick(hops.packet, hops.ip_id), drawing(result.network),
                   {name: spec.pos for name, spec in scenario.topology.nodes.items()},
                   {name: node.tcp_config.cc for name, node in result.network.nodes.items()
                    if hasattr(node, "tcp_config")}, frames=plots_note(scenario) is None)


def plots_note(scenario) -> str | None:
    """Why the trace the scenario keeps cannot give its ladder and hop plot, in one line
    that says how to get them (:func:`~simulator.viz.plot_job.no_frames`); else ``None``."""
    from simulator.viz.plot_job import no_frames

    return None if scenario.trace.off else no_frames(scenario.trace.layers, scenario.trace.events)


def _plot(result: RunResult, out_dir: Path, stop: StopRequest, plotter) -> None:
    """Draw the plots, in ``plotter`` (a :class:`~simulator.viz.plot_worker.Plotter`)
    if given, else here; a stop requested meanwhile ends them between two figures."""
    from simulator.viz.plot_job import PlotsInterrupted, Watch

    requests = stop.requests
    stopped = lambda: stop.requests != requests  # noqa: E731
    job = plot_job(result, out_dir)
    try:
        if plotter is not None:
            plotter.draw(job, stopped)
        else:
            from simulator.viz.run_plots import draw

            draw(job, Watch(stopped))
    except PlotsInterrupted:
        pass            # a signal while plotting: the outputs so far stand


def ladder_selection(result: RunResult):
    """The ladder's :class:`~simulator.viz.ladder_select.Selection` from ``plots.ladder``:
    an ``app`` is its node's addresses from the time it starts."""
    from simulator.viz.ladder_select import Selection

    spec = result.scenario.plots.ladder
    start, end = spec.window or (None, None)
    addresses: frozenset[str] = frozenset()
    if spec.flow is not None:
        addresses = frozenset(str(a) for a in spec.flow)
    elif spec.app is not None:
        action = next(a for a in result.scenario.run
                      if a.is_app and (a.name or a.kind) == spec.app)
        node = result.network.nodes[action.on]
        addresses = frozenset(str(a) for a in getattr(getattr(node, "ip", None), "local", ()))
        start = action.at if start is None else max(start, action.at)
    return Selection(start, end, tuple(spec.nodes) if spec.nodes else None, addresses,
                     flow=spec.flow is not None)
