"""generate: every kind's shape, the shared address plan, Topology Zoo rates and
delays, determinism from the seed, and a generated network that routes."""

import math
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import networkx as nx
import pytest

from simulator.scenario.load import load_text, load_topology
from simulator.scenario.run import run_scenario

ROOT = Path(__file__).resolve().parents[2]


def generated(spec: str, base_dir="."):
    return load_text(f"name: g\ngenerate: {spec}\n", base_dir=base_dir)


def kinds(topology):
    count = {}
    for spec in topology.nodes.values():
        count[spec.type] = count.get(spec.type, 0) + 1
    return count


def router_graph(topology):
    graph = nx.Graph()
    for link in topology.links:
        a, b = (end.node for end in link.ends)
        if topology.nodes[a].type == topology.nodes[b].type == "router":
            graph.add_edge(a, b)
    return graph


@pytest.mark.parametrize("spec,routers,hosts,router_links", [
    ("{kind: line, n: 4}", 4, 4, 3),
    ("{kind: ring, n: 5}", 5, 5, 5),
    ("{kind: star, n: 3}", 4, 4, 3),
    ("{kind: grid, rows: 3, cols: 4}", 12, 12, 3 * 3 + 2 * 4),
    ("{kind: tree, branching: 2, height: 2}", 7, 4, 6),           # hosts on the 4 leaves
    ("{kind: fat_tree, k: 4}", 20, 16, 32),                       # k³/4 + k³/4 links
    ("{kind: fat_tree, k: 6, hosts: 1}", 45, 18, 108),
    ("{kind: random, n: 10, edges: 15, seed: 3}", 10, 10, 15),
    ("{kind: line, n: 3, hosts: 0}", 3, 0, 2),
])
def test_each_kind_has_its_shape(spec, routers, hosts, router_links):
    t = generated(spec)
    assert t.routing == "auto"
    assert kinds(t).get("router") == routers and kinds(t).get("host", 0) == hosts
    graph = router_graph(t)
    assert graph.number_of_edges() == router_links and nx.is_connected(graph)


def test_fat_tree_roles_follow_al_fares():
    t = generated("{kind: fat_tree, k: 4}")
    graph = router_graph(t)
    assert sorted(graph["c0"]) == ["a0_0", "a1_0", "a2_0", "a3_0"]      # one agg per pod
    assert sorted(graph["e2_1"]) == ["a2_0", "a2_1"]                     # every agg of its pod
    assert sorted(graph["a1_1"]) == ["c2", "c3", "e1_0", "e1_1"]


def test_the_address_plan():
    t = generated("{kind: line, n: 3, hosts: 2, link: {rate: 1Gbps, delay: 5us}}")
    r1 = t.nodes["r1"].interfaces
    assert r1["lan"].ip == IPv4Interface("10.0.1.1/24")
    assert r1["to_r0"].ip == IPv4Interface("172.16.0.2/30")              # link 0: r0 .1, r1 .2
    assert r1["to_r2"].ip == IPv4Interface("172.16.0.5/30")              # link 1
    h2 = t.nodes["h2"]                                                   # r1's first host
    assert (h2.interfaces["eth0"].ip, h2.gateway) == (IPv4Interface("10.0.1.10/24"),
                                                      IPv4Address("10.0.1.1"))
    assert t.nodes["r1_lan"].type == "switch"
    routed = [link for link in t.links if link.ends[0].iface and link.ends[0].iface.startswith("to_")]
    assert {(t.link_params(link).rate, t.link_params(link).delay) for link in routed} == \
        {(1_000_000_000, 5_000)}


def test_dumbbell_bottleneck():
    t = generated("{kind: dumbbell, hosts: 3, bottleneck: {rate: 10Mbps, delay: 20ms}}")
    assert kinds(t) == {"router": 2, "switch": 2, "host": 6}
    middle = next(link for link in t.links if {e.node for e in link.ends} == {"left", "right"})
    assert (t.link_params(middle).rate, t.link_params(middle).delay) == (10_000_000, 20_000_000)


def test_random_is_deterministic_from_its_seed():
    def edges(seed):
        return sorted(router_graph(generated(f"{{kind: random, n: 30, seed: {seed}}}")).edges)
    assert edges(4) == edges(4)
    assert edges(4) != edges(5)


def test_zoo_rates_and_great_circle_delays(tmp_path):
    (tmp_path / "two.graphml").write_text(
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
        '<key attr.name="Latitude" attr.type="double" for="node" id="la"/>'
        '<key attr.name="Longitude" attr.type="double" for="node" id="lo"/>'
        '<key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="s"/>'
        '<graph edgedefault="undirected">'
        '<node id="a"><data key="la">0</data><data key="lo">10</data></node>'
        '<node id="b"><data key="la">0</data><data key="lo">11</data></node>'
        '<node id="c"/>'
        '<edge source="a" target="b"><data key="s">155520000.0</data></edge>'
        '<edge source="b" target="c"/></graph></graphml>')
    t = generated("{kind: zoo, file: two.graphml, link: {rate: 1Mbps, delay: 3ms}}", tmp_path)
    links = {frozenset(e.node for e in link.ends): t.link_params(link) for link in t.links}
    ab, bc = links[frozenset({"r0", "r1"})], links[frozenset({"r1", "r2"})]
    # one degree of the equator, 6371 km × π/180, at 2/3 × 299,792.458 km/s
    assert ab.delay == round(6371 * math.pi / 180 / (299_792.458 * 2 / 3) * 1e9) == 556_360
    assert ab.rate == 155_520_000                       # an OC-3, from LinkSpeedRaw
    assert (bc.rate, bc.delay) == (1_000_000, 3_000_000)  # no speed, no coordinates: link:


def test_shipped_zoo_topology_loads():
    t = load_topology(ROOT / "topologies" / "zoo_tiny.yaml")
    assert kinds(t) == {"router": 4, "host": 4}
    delays = sorted(t.link_params(link).delay for link in t.links if link.ends[0].iface is not None
                    and link.ends[0].iface.startswith("to_"))
    assert 8.0e6 < delays[-2] < 8.4e6                   # Seattle-Denver, ~1,640 km


def test_a_generated_grid_routes_across():
    scenario = load_text("""
name: s
topology: {name: g, generate: {kind: grid, rows: 3, cols: 3}}
until: 5s
run:
  - {at: 1s, on: h0, name: p, ping: {dst: 10.0.8.10, count: 2}}
""")
    result = run_scenario(scenario)
    app = result.apps[0]
    assert app.result()["received"] == 2
    assert "ttl=59" in "\n".join(app.lines)            # r0 .. r8: five routers on the way
