"""topologies/dns_hierarchy.yaml built and run from Python: apps started at given times,
DNS messages recorded as they cross the wire."""

from pathlib import Path

from simulator.engine.sim import Simulation
from simulator.scenario.build import build
from simulator.scenario.load import load_topology

S = 1_000_000_000
MS = 1_000_000
TOPOLOGY = Path(__file__).resolve().parents[2] / "topologies" / "dns_hierarchy.yaml"


class Net:
    """The hierarchy's network; ``at(t, app)`` starts an app, ``run(until)``."""

    def __init__(self, seed: int = 1):
        self.sim = Simulation(seed)
        self.net = build(load_topology(TOPOLOGY), self.sim)
        self.nodes = self.net.nodes
        self.apps = []
        self.wire: list[dict] = []          # the dns.query and dns.response events
        self.sim.tracer.add_sink(self._record)

    def _record(self, event: dict) -> None:
        if event["event"] in ("dns.query", "dns.response"):
            self.wire.append(event)

    def at(self, t: int, app):
        self.apps.append(app)
        self.sim.call_later(t, lambda _e: app.start())
        return app

    def resolve(self, node: str, t: int, name: str, qtype: str = "A") -> list:
        """``node.resolver.resolve`` at ``t``; the list gets the Resolution."""
        out: list = []

        def run():
            yield self.sim.env.timeout(t)
            out.append((yield self.nodes[node].resolver.resolve(name, qtype)))
        self.sim.process(run())
        return out

    def run(self, until: int) -> None:
        self.sim.run(until)

    def service(self, node: str, kind: str):
        return self.nodes[node].dns_services[kind]
