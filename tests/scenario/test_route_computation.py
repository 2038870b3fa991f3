"""The compact route computation: its shortest-path trees break ties as networkx
does, its tables hold what a router needs and a static route keeps its place."""

import random
from ipaddress import IPv4Address as A, IPv4Network as N

import networkx as nx
import pytest

from simulator.scenario.autoroute import compute_routes, shortest_path_tree
from tests.scenario.test_autoroute import route, square


@pytest.mark.parametrize("seed", range(12))
def test_shortest_path_tree_matches_networkx_first_predecessor(seed):
    rng = random.Random(seed)
    graph = nx.gnm_random_graph(40, 90, seed=seed)
    for u, v in graph.edges:                          # few distinct costs: many ties
        graph[u][v]["weight"] = rng.choice([0.5, 1.0, 1.5, 2.0])
    adjacency = [[(u, e["weight"]) for u, e in graph[v].items()] for v in graph]
    source = rng.randrange(40)
    predecessors, distance = nx.dijkstra_predecessor_and_distance(graph, source)
    ours, parent, order = shortest_path_tree(adjacency, source)
    assert {v: d for v, d in enumerate(ours) if d is not None} == distance
    assert {v: parent[v] for v in distance if v != source} == \
        {v: p[0] for v, p in predecessors.items() if v != source}
    assert order[0] == source and sorted(order) == sorted(distance)
    assert [ours[v] for v in order] == sorted(distance.values())


def test_route_count_and_tables_of_the_square():
    sim, net = square()
    # 5 subnets; r1 and r3 are attached to 3 of them, r2 to 2: 2 + 3 + 2 routes
    assert compute_routes(net).routes == 7
    r2 = net.nodes["r2"].ip.routes
    assert [str(r) for r in r2.routes()] == [
        "10.0.12.0/30 dev e0 metric 0 (connected)",
        "10.0.13.0/30 via 10.0.12.1 dev e0 metric 6 (auto)",
        "10.0.23.0/30 dev e1 metric 0 (connected)",
        "10.0.1.0/24 via 10.0.12.1 dev e0 metric 2 (auto)",
        "10.0.3.0/24 via 10.0.23.2 dev e1 metric 2 (auto)",
    ]
    assert len(r2) == 5
    assert r2.lookup_int(int(A("10.0.3.99"))) is r2.lookup(A("10.0.3.99"))
    assert r2.lookup(A("192.0.2.1")) is None


def test_a_static_route_beats_an_equal_auto_route_and_loses_to_a_cheaper_one():
    sim, net = square()
    r1 = net.nodes["r1"]
    r1.ip.add_route(N("10.0.3.0/24"), via=A("10.0.13.2"), metric=3)
    compute_routes(net)
    assert route(r1, "10.0.3.2") == ("10.0.13.2", "e2", 3, "static")    # tie: static
    r1.ip.add_route(N("10.0.23.0/30"), via=A("10.0.13.2"), metric=9)
    compute_routes(net)
    assert route(r1, "10.0.23.1") == ("10.0.12.2", "e1", 2, "auto")       # auto is cheaper
    # the static route is still there: it wins again when the auto one goes
    net.links[1].set_up(False)
    net.links[2].set_up(False)                                            # r2 cut off
    compute_routes(net)
    assert route(r1, "10.0.23.1") == ("10.0.13.2", "e2", 9, "static")


def test_tables_are_filled_only_where_looked_up():
    sim, net = square()
    compute_routes(net)
    fibs = {name: net.nodes[name].ip.routes.fib for name in ("r1", "r2", "r3")}
    net.nodes["r1"].ip.routes.lookup(A("10.0.3.2"))
    assert [name for name, fib in fibs.items() if fib._vectors is not None] == ["r1"]
