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
subnet's segment. Routes have kind ``auto`` and metric = the sum of the costs
of the links crossed; a computation replaces the previous one wholesale.

Routers × subnets routes would be millions of objects in a big network, so a
computation keeps the router graph it was made from, numbers the subnets once
(a shared ``PrefixIndex``) and hands each router a ``Fib`` whose next-hop
vectors are filled from its shortest-path tree on its first lookup: routes are
exactly those of the moment of the computation, paid for only where used.
With tracing on, a recomputation traces each node's routes added and removed
and its whole table after (``routes_changed``) before ``converged``.
"""

import heapq

import networkx as nx

from simulator.engine.gc_pause import without_gc

from simulator.nodes.hub import Hub
from simulator.nodes.ipnode import IpNode
from simulator.nodes.l3switch import L3Switch
from simulator.nodes.switch import Switch
from simulator.stack.fib import Fib, PrefixIndex, empty_vectors


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


def shortest_path_tree(adjacency: list, source: int) -> tuple[list, list, list]:
    """Dijkstra from ``source`` over ``adjacency[v] = [(u, weight), ...]``:
    ``(distance, parent, order)`` where ``distance[v]`` is None when unreachable,
    ``parent[v]`` the node the first-found shortest path reaches v from, and
    ``order`` the nodes by distance. Ties break as networkx's
    ``dijkstra_predecessor_and_distance`` breaks them (its first predecessor), so
    equal-cost paths choose the same exit as routes computed with networkx did."""
    distance = [None] * len(adjacency)
    parent = [-1] * len(adjacency)
    seen = {source: 0}
    fringe = [(0, 0, source)]
    pushed = 1
    order = []
    while fringe:
        d, _, v = heapq.heappop(fringe)
        if distance[v] is not None:
            continue
        distance[v] = d
        order.append(v)
        for u, weight in adjacency[v]:
            if distance[u] is not None:
                continue
            du = d + weight
            if u not in seen or du < seen[u]:
                seen[u] = du
                parent[u] = v
                heapq.heappush(fringe, (du, pushed, u))
                pushed += 1
    return distance, parent, order


class RouteComputation:
    """One ``routing: auto`` computation: the router graph at the time it was made,
    the subnets numbered in a shared ``PrefixIndex``, and each router's ``Fib``,
    whose vectors come from a shortest-path tree from that router on first use."""

    def __init__(self, network):
        attached = segments_of(network)
        graph = router_graph(attached)
        self.names = list(graph)
        index = {name: i for i, name in enumerate(self.names)}
        self.adjacency = [[(index[u], edge["weight"]) for u, edge in graph[name].items()]
                          for name in self.names]
        self.exits = [[(edge["ends"][name][0], edge["ends"][u][1].ip)
                       for u, edge in graph[name].items()] for name in self.names]
        numbers: dict = {}                 # network → its number in the prefix index
        self.segments = []                 # ([prefix numbers], [(router, 2 × weight)])
        for members in attached.values():
            routers = {node.name: weight for node, _, _, weight in members
                       if node.ip.forwarder is not None}
            if routers:
                subnets = sorted({a.network for _, _, a, _ in members})
                self.segments.append(([numbers.setdefault(n, len(numbers)) for n in subnets],
                                      [(index[r], 2 * w) for r, w in routers.items()]))
        self.prefixes = PrefixIndex(list(numbers))
        self.routes = self._count(graph, index)

    def _count(self, graph, index) -> int:
        """How many routes the routers hold: each one to every subnet of its connected
        part of the router graph, but the subnets it is attached to."""
        part = [0] * len(self.names)
        for number, names in enumerate(nx.connected_components(graph)):
            for name in names:
                part[index[name]] = number
        in_part = [0] * (max(part, default=0) + 1)
        attached = [0] * len(self.names)
        for prefixes, routers in self.segments:
            in_part[part[routers[0][0]]] += len(prefixes)
            for router, _ in routers:
                attached[router] += len(prefixes)
        return sum(in_part[part[r]] - attached[r] for r in range(len(self.names)))

    def fib(self, router: int) -> Fib:
        return Fib(self.prefixes, lambda: self.vectors(router))

    def vectors(self, source: int) -> tuple:
        """``(exits, exit_of, metric)`` for one router: the route to each subnet goes by
        the exit its shortest path leaves by, towards the closest router on the
        subnet's segment; metric = the cost of the links crossed."""
        distance, parent, order = shortest_path_tree(self.adjacency, source)
        neighbour_exit = {u: i for i, (u, _) in enumerate(self.adjacency[source])}
        leave_by = [-1] * len(self.names)  # router → the exit the path to it takes
        for router in order[1:]:
            before = parent[router]
            leave_by[router] = neighbour_exit[router] if before == source else leave_by[before]
        exit_of, metric = empty_vectors(self.prefixes)
        for prefixes, routers in self.segments:
            best = None
            for router, weight2 in routers:
                if router == source:
                    break                  # directly connected: no computed route
                d = distance[router]
                if d is not None and (best is None or d + weight2 < best[0]):
                    best = (d + weight2, router)
            else:
                if best is None:
                    continue
                exit, cost = leave_by[best[1]], round(best[0])
                for prefix in prefixes:
                    if exit_of[prefix] < 0 or cost < metric[prefix]:
                        exit_of[prefix], metric[prefix] = exit, cost
        return self.exits[source], exit_of, metric


def compute_routes(network) -> RouteComputation:
    """Replace every forwarding node's auto routes (``.routes`` says how many)."""
    with without_gc():
        computation = RouteComputation(network)
        for router, name in enumerate(computation.names):
            network.nodes[name].ip.routes.set_fib(computation.fib(router))
    return computation


class AutoRouting:
    """Keeps auto routes up to date: recompute ``convergence_ns`` after a link change."""

    def __init__(self, network, convergence_ns: int = 0):
        self.network = network
        self.convergence_ns = convergence_ns
        self.recomputations = 0
        self._pending = False
        network.sim.link_listeners.append(self._link_changed)
        self.computation = compute_routes(network)
        self.routes = self.computation.routes

    def _link_changed(self, _link) -> None:
        if not self._pending:
            self._pending = True
            self.network.sim.call_later(self.convergence_ns, self._recompute)

    def _recompute(self, _event) -> None:
        self._pending = False
        self.recomputations += 1
        tracer = self.network.sim.tracer
        before = self._tables() if tracer.on else None
        self.computation = compute_routes(self.network)
        self.routes = self.computation.routes
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
