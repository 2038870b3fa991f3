"""``routing: auto``: shortest-path static routes for every router, computed
with networkx, recomputed when a link goes down or up.

The computation works on a layer-3 view of the topology. Everything a frame
can cross without an IP hop (links, switches, hubs, an L3 switch's group) is
merged into a *segment* (union-find). Attaching to a segment weighs half the
cost of the attaching link, so two routers sharing a link of cost c are c
apart. Forwarding nodes (routers, L3 switches) that share a segment are
neighbours; hosts are never transit. For every forwarding node, Dijkstra over
that router graph gives each router's distance and the neighbour the path
leaves by (from the predecessors, in order of distance); the route to each
subnet goes via that neighbour, towards the closest router attached to the
subnet's segment. Routes are installed with kind ``auto``, metric = the sum of
the costs of the links crossed, replacing the previous auto routes wholesale.
With tracing on, a recomputation traces each node's routes added and removed
and its whole table after (``routes_changed``) before ``converged``.
"""

import networkx as nx

from simulator.nodes.hub import Hub
from simulator.nodes.ipnode import IpNode
from simulator.nodes.l3switch import L3Switch
from simulator.nodes.switch import Switch
from simulator.stack.routing import Route


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


def segments_of(network) -> dict:
    """Each segment's attachments: ``{segment: [(node, iface, address, weight), ...]}``,
    where ``weight`` is half the cost of the attaching link (hosts included, as
    address holders that never forward)."""
    segments = _Segments()
    for link in network.links:
        if link.up:
            segments.union(_element(link.a), _element(link.b))
    attached: dict = {}
    for node in network.nodes.values():
        if not isinstance(node, IpNode):
            continue
        for iface, address in node.ip.addresses.items():
            if isinstance(node, L3Switch):
                element, cost = ("svi", node.name, iface.name), 1
            else:
                if iface.link is None or not iface.link.up:
                    continue
                element, cost = _element(iface), iface.link.cost
            attached.setdefault(segments.find(element), []).append(
                (node, iface, address, cost / 2))
    return attached


def router_graph(attached: dict) -> nx.Graph:
    """Forwarding nodes, adjacent when they share a segment; an edge keeps the
    cheapest such segment and, for each end, its interface and address there."""
    graph = nx.Graph()
    for segment, members in attached.items():
        routers = [m for m in members if m[0].ip.forwarder is not None]
        for node, *_ in routers:
            graph.add_node(node.name)
        for i, (a, a_iface, a_addr, a_w) in enumerate(routers):
            for b, b_iface, b_addr, b_w in routers[i + 1:]:
                weight = a_w + b_w
                current = graph.get_edge_data(a.name, b.name)
                if current is None or weight < current["weight"]:
                    graph.add_edge(a.name, b.name, weight=weight,
                                   ends={a.name: (a_iface, a_addr), b.name: (b_iface, b_addr)})
    return graph


def compute_routes(network) -> int:
    """Replace every forwarding node's auto routes; returns how many were installed."""
    attached = segments_of(network)
    graph = router_graph(attached)
    segments = []                          # (subnets, {router: weight}) per segment
    for members in attached.values():
        routers = {node.name: weight for node, _, _, weight in members
                   if node.ip.forwarder is not None}
        if routers:
            segments.append((sorted({a.network for _, _, a, _ in members}), routers))
    installed = 0
    for name in graph:
        routes = network.nodes[name].ip.routes
        routes.remove_kind("auto")
        predecessors, distance = nx.dijkstra_predecessor_and_distance(graph, name)
        exits = {}                         # neighbour → (our interface, its address)
        for neighbour, edge in graph[name].items():
            exits[neighbour] = (edge["ends"][name][0], edge["ends"][neighbour][1].ip)
        leave_by = {}                      # router → the exit the path to it takes
        for router in sorted(distance, key=distance.__getitem__):
            if router != name:
                before = predecessors[router][0]
                leave_by[router] = exits[router] if before == name else leave_by[before]
        for networks, routers in segments:
            if name in routers:
                continue                   # directly connected
            best = None
            for router, weight in routers.items():
                d = distance.get(router)
                if d is not None and (best is None or d + 2 * weight < best[0]):
                    best = (d + 2 * weight, router)
            if best is None:
                continue
            dev, via = leave_by[best[1]]
            metric = round(best[0])
            for network_ in networks:
                routes.add(Route(network_, dev, via, metric, "auto"))
            installed += len(networks)
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
        tracer = self.network.sim.tracer
        before = self._tables() if tracer.on else None
        self.routes = compute_routes(self.network)
        if tracer.on:
            for name, after in self._tables().items():
                added = [r for r in after if r not in before[name]]
                removed = [r for r in before[name] if r not in after]
                if added or removed:
                    tracer.emit(name, "routing", "routes_changed", added=added, removed=removed,
                                routes=after)
            tracer.emit("*", "routing", "converged", routes=self.routes)

    def _tables(self) -> dict[str, list[str]]:
        """Every forwarding node's routes as text, for the trace's diffs."""
        return {name: [str(r) for r in node.ip.routes.routes()]
                for name, node in self.network.nodes.items()
                if isinstance(node, IpNode) and node.ip.forwarder is not None}
