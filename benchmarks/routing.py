"""The routing benchmark: a grid of routers with ``routing: auto``.

    python benchmarks/routing.py [--rows 25] [--cols 40]

Each router has one host on its own /24 and a /30 to each grid neighbour
(networkx ``grid_2d_graph``). The topology is written as YAML and then timed
through the real path: load (YAML parse, schema, semantic checks), build
(nodes, links), route computation (Dijkstra from every router), and a ping
across the grid to show the routes work. Peak memory is this
process's ru_maxrss. Each phase is timed once; the figures go to RESULTS.md.
"""

import argparse
import resource
import sys
import tempfile
import time
from ipaddress import IPv4Address
from pathlib import Path

import networkx as nx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.apps.ping import Ping  # noqa: E402
from simulator.engine.sim import Simulation  # noqa: E402
from simulator.scenario.autoroute import compute_routes  # noqa: E402
from simulator.scenario.build import build  # noqa: E402
from simulator.scenario.load import load_topology  # noqa: E402


def grid_topology(rows: int, cols: int) -> dict:
    graph = nx.grid_2d_graph(rows, cols)
    index = {node: i for i, node in enumerate(sorted(graph))}
    nodes, links = {}, []
    ifaces = {i: {} for i in index.values()}
    for i in index.values():
        lan = f"10.{i // 256}.{i % 256}"
        ifaces[i]["lan"] = f"{lan}.1/24"
        nodes[f"h{i}"] = {"type": "host", "ip": f"{lan}.10/24", "gateway": f"{lan}.1"}
        links.append([f"h{i}", f"r{i}:lan"])
    for j, (u, v) in enumerate(sorted(graph.edges)):
        a, b = index[u], index[v]
        base = (172 << 24) | (16 << 16) | (4 * j)
        ifaces[a][f"to{b}"] = f"{IPv4Address(base + 1)}/30"
        ifaces[b][f"to{a}"] = f"{IPv4Address(base + 2)}/30"
        links.append([f"r{a}:to{b}", f"r{b}:to{a}"])
    for i in index.values():
        nodes[f"r{i}"] = {"type": "router", "interfaces": ifaces[i]}
    return {"name": f"grid-{rows}x{cols}", "routing": "auto", "nodes": nodes, "links": links}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=25)
    parser.add_argument("--cols", type=int, default=40)
    args = parser.parse_args(argv)
    n = args.rows * args.cols
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.yaml"
        path.write_text(yaml.safe_dump(grid_topology(args.rows, args.cols), sort_keys=False))
        t0 = time.perf_counter()
        topology = load_topology(path)
        t_load = time.perf_counter() - t0
    sim = Simulation(1)
    t0 = time.perf_counter()
    network = build(topology, sim)          # includes one route computation
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    routes = compute_routes(network)
    t_routes = time.perf_counter() - t0
    # Ping from one corner as far as a TTL of 64 reaches: the far corner of a 25x40 grid
    # is 64 routers away, one more than a Linux default TTL survives.
    hops = min(args.rows + args.cols - 1, 60)
    row = min(args.rows - 1, hops - 1)
    col = hops - 1 - row
    src, dst = network.nodes["h0"], network.nodes[f"h{row * args.cols + col}"]
    ping = Ping(src, dst.ip.addresses[dst.interfaces["eth0"]].ip, count=3)
    ping.start()
    t0 = time.perf_counter()
    sim.run(10_000_000_000)
    t_ping = time.perf_counter() - t0
    assert ping.result()["received"] == 3, ping.lines
    assert 64 - int(ping.lines[2].split("ttl=")[1].split()[0]) == hops
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"grid {args.rows}x{args.cols}: {n} routers, {n} hosts, {len(network.links)} links")
    print(f"  load (YAML, schema, checks)  {t_load:8.2f} s")
    print(f"  build (incl. routes)         {t_build:8.2f} s")
    print(f"  route computation            {t_routes:8.2f} s   {routes} routes "
          f"({routes / n:.0f} per router)")
    print(f"  ping across the grid         {t_ping:8.2f} s   {hops} routers, 3/3 replies")
    print(f"  peak RSS                     {peak:8.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
