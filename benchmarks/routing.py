"""The routing benchmark: grids of routers with ``routing: auto``.

    python benchmarks/routing.py [--routers 1000 3000 10000] [--all-tables 3000]
    python benchmarks/routing.py --rows 25 --cols 40      # one grid, this process

Each router has one host on its own /24 and a /30 to each grid neighbour: the
topology file is ``generate: {kind: grid, rows, cols}`` (networkx
``grid_2d_graph``), timed through the real path: load (generation, schema,
semantic checks), build
(nodes, links, the route computation: router graph, shared prefix index, one
next-hop vector per router made on its first lookup), a ping across the grid
(the routers on its path fill their tables), and, up to ``--all-tables``
routers, every router's table filled (a Dijkstra from each). Each size runs
in a fresh subprocess, so peak RSS (ru_maxrss) is that size's alone.
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulator.apps.ping import Ping  # noqa: E402
from simulator.engine.sim import Simulation  # noqa: E402
from simulator.scenario.autoroute import compute_routes  # noqa: E402
from simulator.scenario.build import build  # noqa: E402
from simulator.scenario.load import load_topology  # noqa: E402

SHAPES = {1000: (25, 40), 3000: (50, 60), 10000: (100, 100)}


def grid_topology(rows: int, cols: int) -> str:
    """The grid as a topology file: ``generate: grid`` (simulator/scenario/generate.py)."""
    return f"name: grid-{rows}x{cols}\ngenerate: {{kind: grid, rows: {rows}, cols: {cols}}}\n"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_grid(rows: int, cols: int, all_tables: bool) -> None:
    n = rows * cols
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.yaml"
        path.write_text(grid_topology(rows, cols))
        t0 = time.perf_counter()
        topology = load_topology(path)
        t_load = time.perf_counter() - t0
    rss_load = _peak_mib()
    sim = Simulation(1)
    t0 = time.perf_counter()
    network = build(topology, sim)          # includes one route computation
    t_build = time.perf_counter() - t0
    rss_build = _peak_mib()
    t0 = time.perf_counter()
    routes = compute_routes(network).routes
    t_routes = time.perf_counter() - t0
    # Ping from one corner as far as a TTL of 64 reaches: the far corner of a 25x40 grid
    # is 64 routers away, one more than a Linux default TTL survives.
    hops = min(rows + cols - 1, 60)
    row = min(rows - 1, hops - 1)
    col = hops - 1 - row
    src, dst = network.nodes["h0"], network.nodes[f"h{row * cols + col}"]
    ping = Ping(src, dst.ip.addresses[dst.interfaces["eth0"]].ip, count=3)
    ping.start()
    t0 = time.perf_counter()
    sim.run(10_000_000_000)
    t_ping = time.perf_counter() - t0
    assert ping.result()["received"] == 3, ping.lines
    assert 64 - int(ping.lines[2].split("ttl=")[1].split()[0]) == hops
    rss_ping = _peak_mib()
    print(f"grid {rows}x{cols}: {n} routers, {n} hosts, {len(network.links)} links")
    print(f"  load (generate, schema, checks){t_load:8.2f} s   peak RSS {rss_load:6.0f} MiB")
    print(f"  build (incl. routes)         {t_build:8.2f} s   peak RSS {rss_build:6.0f} MiB")
    print(f"  route computation again      {t_routes:8.2f} s   {routes} routes "
          f"({routes / n:.0f} per router)")
    print(f"  ping across the grid         {t_ping:8.2f} s   {hops} routers, 3/3 replies, "
          f"peak RSS {rss_ping:6.0f} MiB")
    if all_tables:
        t0 = time.perf_counter()
        for name in network.routing.computation.names:
            network.nodes[name].ip.routes.fib.vectors()
        t_all = time.perf_counter() - t0
        print(f"  every router's table filled  {t_all:8.2f} s   "
              f"({t_all / n * 1000:.1f} ms per router)")
    print(f"  peak RSS                     {_peak_mib():8.0f} MiB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routers", type=int, nargs="+", choices=sorted(SHAPES),
                        default=sorted(SHAPES), help="grid sizes, each in a fresh process")
    parser.add_argument("--all-tables", type=int, default=3000, metavar="N",
                        help="fill every router's table for grids of at most N routers")
    parser.add_argument("--rows", type=int, help="one grid of rows x cols, in this process")
    parser.add_argument("--cols", type=int)
    args = parser.parse_args(argv)
    if args.rows:
        one_grid(args.rows, args.cols or args.rows, args.rows * (args.cols or args.rows)
                 <= args.all_tables)
        return 0
    for n in args.routers:
        rows, cols = SHAPES[n]
        subprocess.run([sys.executable, __file__, "--rows", str(rows), "--cols", str(cols),
                        "--all-tables", str(args.all_tables)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
