"""``routing: auto``: shortest-path static routes for every router, computed
with networkx, recomputed when a link goes down or up.

The computation works on a layer-3 view of the topology. Everything a frame
can cross without an IP hop (links, switches, hubs, an L3 switch's group) is
merged into a *segment*; forwarding nodes (routers, L3 switches) and
segments are the vertices, and an interface of a forwarding node on a
segment is an edge weighing half the cost of its link (so a link of cost c
between two routers costs c). Hosts are never transit. For every forwarding
node, Dijkstra gives the path to each segment; the route to each subnet on
that segment goes via the next forwarding node's address on the first
segment of the path. Routes are installed with kind ``auto``, metric = the sum of
the costs of the links crossed, replacing the previous auto routes wholesale.
"""

import networkx as nx

from simulator.nodes.hub import Hub
from simulator.nodes.ipnode import IpNode
from simulator.nodes.l3switch import L3Switch
from simulator.nodes.switch import Switch


class _Segments:
    """Union-find over the layer-2 elements of the topology."""

    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent.setdefault(x, x)
        if parent != x:
            parent = self.parent[x] = self.find(parent)
        return parent

    def union(self, a, b) -> None:
        self.parent[self.find(a)] = self.find(b)


def _element(iface):
    """The layer-2 element an interface belongs to."""
    node = iface.node
    if isinstance(node, (Switch, Hub)):
        return ("l2", node.name)
    if isinstance(node, L3Switch):
        group = next(name for name, svi in node.groups.items() if iface in svi.bridge.ports)
        return ("svi", node.name, group)
    return ("if", node.name, iface.name)


def layer3_graph(network) -> tuple[nx.Graph, dict]:
    """The graph of forwarding nodes and segments, and each segment's subnets."""
    segments = _Segments()
    for link in network.links:
        if link.up:
            segments.union(_element(link.a), _element(link.b))
    graph = nx.Graph()
    subnets: dict = {}
    for node in network.nodes.values():
        if not isinstance(node, IpNode):
            continue
        forwarding = node.ip.forwarder is not None
        for iface, address in node.ip.addresses.items():
            if isinstance(node, L3Switch):
                element, cost = ("svi", node.name, iface.name), 1
            else:
                if iface.link is None or not iface.link.up:
                    continue
                element, cost = _element(iface), iface.link.cost
            segment = ("seg", segments.find(element))
            subnets.setdefault(segment, set()).add(address.network)
            if forwarding:
                graph.add_edge(node.name, segment, weight=cost / 2, iface=iface,
                               address=address.ip)
    return graph, subnets


def compute_routes(network) -> int:
    """Replace every forwarding node's auto routes; returns how many were installed."""
    graph, subnets = layer3_graph(network)
    installed = 0
    for name, node in network.nodes.items():
        if not isinstance(node, IpNode) or node.ip.forwarder is None:
            continue
        node.ip.routes.remove_kind("auto")
        if name not in graph:
            continue
        distances, paths = nx.single_source_dijkstra(graph, name, weight="weight")
        for segment, networks in subnets.items():
            path = paths.get(segment)
            if path is None or len(path) < 4:       # unreachable, or directly connected
                continue
            first_segment, next_node = path[1], path[2]
            dev = graph.edges[name, first_segment]["iface"]
            via = graph.edges[next_node, first_segment]["address"]
            last = path[-2]          # the router attached to the destination segment
            metric = round(distances[last] + 2 * graph.edges[last, segment]["weight"])
            for network_ in networks:
                node.ip.add_route(network_, via=via, dev=dev, metric=metric, kind="auto")
                installed += 1
    return installed


class AutoRouting:
    """Keeps auto routes up to date: recompute ``convergence_ns`` after a link change."""

    def __init__(self, network, convergence_ns: int = 0):
        self.network = network
        self.convergence_ns = convergence_ns
        self.recomputations = 0
        self._pending = False
        network.sim.link_listeners.append(self._link_changed)
        self.routes = compute_routes(network)

    def _link_changed(self, _link) -> None:
        if not self._pending:
            self._pending = True
            self.network.sim.call_later(self.convergence_ns, self._recompute)

    def _recompute(self, _event) -> None:
        self._pending = False
        self.recomputations += 1
        self.routes = compute_routes(self.network)
        tracer = self.network.sim.tracer
        if tracer.on:
            tracer.emit("*", "routing", "converged", routes=self.routes)
