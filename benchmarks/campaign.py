"""The campaign benchmark: one 40-run campaign (4 queue sizes × 2 loss rates × 5 seeds)
on 1 and 2 local worker processes and on a 2-worker Dask LocalCluster.

    python benchmarks/campaign.py [--seeds 5]

Each run is a 3 s simulation of a 20 Mb/s UDP stream into a 10 Mb/s bottleneck plus
pings (about 0.2-0.4 s of CPU). Figures: wall time of the campaign (store writes
included, the cluster's start-up excluded and shown apart), speed-up over one worker,
and the overhead per task: (wall × workers − Σ the runs' own wall times) / runs.
Every campaign's table must equal the in-process one (wall times dropped).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402

from simulator.campaign import load, run, sweep  # noqa: E402
from simulator.campaign.grid import points, scenario_dict  # noqa: E402

SCENARIO = """\
name: campaign-benchmark
params: {queue: 10, loss: 0}
topology:
  name: bottleneck
  nodes:
    a: {type: host, ip: 10.0.0.1/24}
    b: {type: host, ip: 10.0.0.2/24}
  links:
    - ends: [a, b]
      rate: 10Mbps
      delay: 10ms
      queue: ${queue}
      loss: ${loss}
until: 3s
trace: off
run:
  - {at: 0s, on: b, name: sink, udp_sink: {port: 9}}
  - {at: 0.2s, on: a, name: flood, udp_send: {dst: 10.0.0.2, port: 9, size: 1000, count: 6000, interval: 0.4ms}}
  - {at: 1s, on: a, name: ping, ping: {dst: 10.0.0.2, count: 15, interval: 100ms, timeout: 1s}}
"""
AXES = {"queue": [5, 10, 20, 40], "loss": [0, 0.02]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    quiet = Console(file=open("/dev/null", "w"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(SCENARIO)
        data = scenario_dict(path)
        tasks = [(p, s) for p in points(AXES) for s in seeds]
        start = time.perf_counter()
        serial = [run(data, p, s) for p, s in tasks]
        inproc = time.perf_counter() - start
        assert all(r.ok for r in serial)
        own = sum(r.wall_s for r in serial)
        print(f"{len(tasks)} runs; in-process, one after another: {inproc:.2f} s "
              f"(mean run {own / len(tasks) * 1e3:.0f} ms)")
        rows, reference = [], None
        for label, workers, dask in (("local, 1 worker", 1, False), ("local, 2 workers", 2, False),
                                     ("Dask LocalCluster, 2 workers", 2, True)):
            out = Path(tmp) / label.replace(" ", "_").replace(",", "")
            cluster, startup = None, 0.0
            if dask:
                from distributed import LocalCluster
                begin = time.perf_counter()
                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                startup = time.perf_counter() - begin
            begin = time.perf_counter()
            report = sweep(path, AXES, seeds, out, workers=None if dask else workers,
                           dask=cluster.scheduler_address if dask else None, console=quiet)
            wall = time.perf_counter() - begin
            if cluster is not None:
                cluster.close()
            assert (report.ran, report.failed) == (len(tasks), 0)
            table = load(out)
            inside = table["wall_s"].sum()
            table = table.drop(columns=["wall_s"])
            if reference is not None and not table.equals(reference):
                diff = [c for c in table.columns if c not in reference or not table[c].equals(reference[c])]
                raise AssertionError(f"{label}: {diff} {list(table.columns) == list(reference.columns)}")
            reference = table
            rows.append((label, wall, inside, workers, startup))
        base = rows[0][1]
        print("| executor | wall s | speed-up | Σ run wall s | overhead per task ms | start-up s |")
        print("|---|---|---|---|---|---|")
        for label, wall, inside, workers, startup in rows:
            overhead = (wall * workers - inside) / len(tasks) * 1e3
            print(f"| {label} | {wall:.2f} | {base / wall:.2f} | {inside:.2f} | {overhead:.0f} | "
                  f"{startup:.2f} |")


if __name__ == "__main__":
    main()
