#!/usr/bin/env python
"""The TCP benchmark: tcp_bulk's 20 s bulk transfer, netsim beside ns-3 3.44.

    python benchmarks/tcp.py [--repeat R] [--cc newreno cubic] [--kinds K ...] [--json PATH]

Workload: sender –100 Mbps/1 ms– r1 –10 Mbps/20 ms, 100-packet drop-tail– r2
–100 Mbps/1 ms– receiver, 4 MiB buffers, bulk send for 20 s. NewReno runs
``scenarios/tcp_ns3_newreno.yaml`` (the ``ns3`` profile: ns-3's TCP settings);
CUBIC runs ``scenarios/tcp_bulk.yaml`` (the ``linux`` profile).

Rows, each in its own fresh subprocess, best (minimum wall; CPU: minimum CPU) of R
interleaved repeats:
  ns-3 Run()        ns-3 3.44 on the same topology (benchmarks/ns3_bulk.py), only
                    ``Simulator::Run()`` timed; skipped, with the reason, if absent
  core, trace off   load outside the clock; build + ``run_scenario`` without outputs
  core, full trace  the same writing trace.jsonl and summary.json (no plots)
  CLI, trace off    ``netsim run FILE --no-plots --trace off``: the user's wall,
                    interpreter start and imports included
  CLI, full trace   ``netsim run FILE --no-plots``

Figures: CPU s (user + system time of the process over the same span as the wall:
``time.process_time()`` around the timed call; for the CLI rows the child's rusage;
what a loaded machine distorts least, both simulators being single-threaded);
sim-s/wall-s (simulated seconds per wall second); segments/s (link-level
frame transmissions, data and ACKs, every hop, summed over all interfaces, per wall
second); events/tx (SimPy events processed per link-level transmission; ns-3's
executed events per PhyTxBegin); peak RSS (ru_maxrss of the process that ran it);
goodput (bytes at the sink by 20 s × 8 / 20 s); × ns-3 (our wall / ns-3 Run() wall
for the same congestion control); × CPU (the same with the best CPU times). Targets (issue 7): within 3× (stretch 2×) of
ns-3's Run(), at most 2 SimPy events per link-level transmission.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.chain import machine_info  # noqa: E402

SCENARIO = {"newreno": "scenarios/tcp_ns3_newreno.yaml", "cubic": "scenarios/tcp_bulk.yaml"}
KINDS = ["ns3", "core_off", "core_full", "cli_off", "cli_full"]
LABEL = {"ns3": "ns-3 3.44 Run()", "core_off": "netsim core, trace off",
         "core_full": "netsim core, full trace", "cli_off": "netsim CLI, trace off",
         "cli_full": "netsim CLI, full trace"}
DURATION_S = 20


def _maxrss_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024.0


def _tx_frames(nodes: dict) -> int:
    """Link-level transmissions: every interface's tx_frames, from summary.json's nodes."""
    return sum(i["tx_frames"] for node in nodes.values() for i in node["interfaces"].values())


def _sink_bytes(apps: list) -> int:
    return next(a["bytes_received"] for a in apps if a["app"] == "bulk_sink")


# ---------------------------------------------------------------- workers
def core(cc: str, trace: bool) -> dict:
    from simulator.scenario.load import load_scenario
    from simulator.scenario.run import run_scenario

    t0 = time.perf_counter()
    scenario = load_scenario(os.path.join(ROOT, SCENARIO[cc]))
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        result = run_scenario(scenario, out_dir=Path(tmp) if trace else None,
                              plots=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        trace_mb = (os.path.getsize(os.path.join(tmp, "trace.jsonl")) / 2**20) if trace else 0
    nodes = {name: {"interfaces": node.counters()} for name, node in result.network.nodes.items()}
    return {"wall_s": wall, "cpu_s": cpu, "load_s": load_s, "events": result.ended.events,
            "sim_s": result.ended.at_ns / 1e9, "tx_frames": _tx_frames(nodes),
            "bytes_received": _sink_bytes(result.results()), "trace_mb": trace_mb,
            "passed": result.passed, "peak_rss_mb": _maxrss_mb()}


def cli(cc: str, trace: bool) -> dict:
    netsim = os.path.join(os.path.dirname(sys.executable), "netsim")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [netsim, "run", SCENARIO[cc], "--no-plots", "--out", tmp]
        if not trace:
            cmd += ["--trace", "off"]
        t0, r0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr[-1000:]}")
        with open(os.path.join(tmp, "summary.json")) as f:
            summary = json.load(f)
    return {"wall_s": wall, "cpu_s": cpu, "events": summary["ended"]["events"],
            "sim_s": summary["ended"]["at_ns"] / 1e9, "tx_frames": _tx_frames(summary["nodes"]),
            "bytes_received": _sink_bytes(summary["apps"]), "passed": summary["passed"],
            "peak_rss_mb": _maxrss_mb(resource.RUSAGE_CHILDREN)}


def ns3(cc: str, count_tx: bool) -> dict:
    from benchmarks import ns3_bulk

    why = ns3_bulk.available()
    if why:
        return {"skipped": why}
    res = ns3_bulk.run(cc, count_tx)
    res["peak_rss_mb"] = _maxrss_mb()
    return res


def worker(kind: str, cc: str) -> dict:
    if kind == "ns3_count":
        return ns3(cc, True)
    if kind == "ns3":
        return ns3(cc, False)
    fn = core if kind.startswith("core") else cli
    return fn(cc, kind.endswith("full"))


def run_child(kind: str, cc: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--cc", cc]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"error": f"exit {p.returncode}: {p.stderr.strip()[-1500:]}"}
    return json.loads(lines[-1])


# ----------------------------------------------------------------- report
def figures(res: dict, tx_frames: int | None) -> dict:
    wall = res["wall_s"]
    tx = res.get("tx_frames", tx_frames)
    return {"wall_s": wall, "cpu_s": res.get("cpu_s"), "sim_per_wall": res["sim_s"] / wall,
            "tx_per_s": tx / wall if tx else None,
            "events_per_tx": res["events"] / tx if tx else None,
            "events": res["events"], "tx_frames": tx,
            "peak_rss_mb": res["peak_rss_mb"], "goodput_bps": res["bytes_received"] * 8 / DURATION_S}


def _f(value, fmt):
    return "-" if value is None else format(value, fmt)


def print_table(summary: dict, skipped: dict) -> None:
    hdr = (f"{'cc':<8} {'implementation':<24} {'wall s':>7} {'CPU s':>7} {'sim-s/wall-s':>12} "
           f"{'segments/s':>11} "
           f"{'events/tx':>9} {'events':>9} {'tx frames':>9} {'peak RSS MB':>11} "
           f"{'goodput Mb/s':>12} {'x ns-3':>7} {'x CPU':>6}")
    print(hdr)
    print("-" * len(hdr))
    for cc, rows in summary.items():
        base = rows.get("ns3", {}).get("wall_s")
        base_cpu = rows.get("ns3", {}).get("best_cpu_s")
        for kind in KINDS:
            if kind not in rows:
                print(f"{cc:<8} {LABEL[kind]:<24} -- {skipped.get((kind, cc), 'not run')[:110]}")
                continue
            s = rows[kind]
            ratio = s["wall_s"] / base if base else None
            cpu = s["best_cpu_s"]
            cpu_ratio = cpu / base_cpu if base_cpu and cpu else None
            print(f"{cc:<8} {LABEL[kind]:<24} {s['wall_s']:>7.3f} {_f(cpu, '.3f'):>7} "
                  f"{s['sim_per_wall']:>12.2f} "
                  f"{_f(s['tx_per_s'], ',.0f'):>11} {_f(s['events_per_tx'], '.2f'):>9} "
                  f"{s['events']:>9,} {_f(s['tx_frames'], ','):>9} {s['peak_rss_mb']:>11.1f} "
                  f"{s['goodput_bps'] / 1e6:>12.3f} {_f(ratio, '.2f'):>7} "
                  f"{_f(cpu_ratio, '.2f'):>6}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="TCP bulk benchmark: netsim beside ns-3 3.44")
    ap.add_argument("--repeat", type=int, default=3, help="best of R (default 3)")
    ap.add_argument("--cc", nargs="+", choices=sorted(SCENARIO), default=["newreno", "cubic"])
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=KINDS,
                    help="rows to run (default all)")
    ap.add_argument("--json", metavar="PATH", help="also write machine info and every run")
    ap.add_argument("--worker", choices=KINDS + ["ns3_count"], help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        print(json.dumps(worker(a.worker, a.cc[0])))
        return 0

    info = machine_info()
    print(f"tcp benchmark  {info['date']}  repo {info['git']}")
    print(f"  machine : {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable)")
    print(f"  python  : {info['python']}")
    print(f"  loadavg at start: {' '.join(info['loadavg_start'] or [])}; best of {a.repeat}, "
          f"fresh subprocess per run, interleaved")
    runs = {(k, cc): [] for cc in a.cc for k in a.kinds}
    skipped: dict = {}
    ns3_tx: dict = {}
    for cc in a.cc:                       # ns-3's transmissions, in an untimed run of its own
        res = run_child("ns3_count", cc)
        if "tx_frames" in res:
            ns3_tx[cc] = res["tx_frames"]
    for r in range(a.repeat):
        for cc in a.cc:
            for kind in a.kinds:
                if (kind, cc) in skipped:
                    continue
                res = run_child(kind, cc)
                if "skipped" in res or "error" in res:
                    skipped[(kind, cc)] = res.get("skipped") or res["error"]
                    print(f"  SKIP {kind} {cc}: {skipped[(kind, cc)]}")
                    continue
                runs[(kind, cc)].append(res)
                print(f"  run {r + 1}/{a.repeat} {cc:<8} {kind:<10} wall {res['wall_s']:7.3f} s  "
                      f"CPU {_f(res.get('cpu_s'), '7.3f')} s  "
                      f"events {res['events']:,}  rx {res['bytes_received']:,} B")
                sys.stdout.flush()
    load_end = open("/proc/loadavg").read().split()[:3]
    summary = {cc: {} for cc in a.cc}
    for (kind, cc), rs in runs.items():
        if rs:
            best = min(rs, key=lambda x: x["wall_s"])
            summary[cc][kind] = figures(best, ns3_tx.get(cc) if kind == "ns3" else None)
            summary[cc][kind]["walls"] = sorted(x["wall_s"] for x in rs)
            cpus = sorted(x["cpu_s"] for x in rs if x.get("cpu_s") is not None)
            summary[cc][kind]["cpus"] = cpus
            summary[cc][kind]["best_cpu_s"] = cpus[0] if cpus else None
    print()
    print_table(summary, skipped)
    print()
    for cc, rows in summary.items():
        for kind, s in rows.items():
            print(f"  {cc:<8} {LABEL[kind]:<24} walls: {', '.join(f'{w:.3f}' for w in s['walls'])} s"
                  f"  CPU: {', '.join(f'{c:.3f}' for c in s['cpus'])} s")
    print(f"  loadavg at end: {' '.join(load_end)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": info, "loadavg_end": load_end, "summary": summary,
                       "skipped": {f"{k}@{cc}": v for (k, cc), v in skipped.items()},
                       "runs": {f"{k}@{cc}": v for (k, cc), v in runs.items()}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
