#!/usr/bin/env python
"""The user's path: ``netsim run`` on a YAML chain, a whole process, beside the floor.

    python benchmarks/user_path.py [--frames N] [--repeat R] [--variant router|switch ...]
                                   [--mode off|filter|full ...] [--growth] [--json PATH]
                                   [--baseline NETSIM]

Workload (issue 11): a host, 9 routers (or 9 switches), a host; 10 links of
1 Gbps / 1 ms; one ping resolves every ARP on the path, then at 100 ms
``udp_send`` sends N datagrams whose frames are 1000 bytes on the
wire (954 B of payload), one every 80 us, to a ``udp_sink``. That is the
chain benchmark's traffic (benchmarks/chain.py), paid for as a user pays:
interpreter start, imports, YAML, building, routing, the run, summary.json,
the trace. Every run is a fresh ``netsim run FILE --no-plots`` subprocess, with the
modules' bytecode cached as a user's second run has it (one warm-up run first; the
children run without PYTHONDONTWRITEBYTECODE).

Beside it, in the same command and interleaved with it, runs the floor:
``benchmarks/baselines.py bare_simpy_1event`` (bare SimPy, one event per hop,
the same frames and timing) as a whole process too. Figure of merit:
frame-hops (N × 10) per second of whole-process wall time, and its ratio to the
floor's. Modes: ``off`` (``--trace off``), ``full`` (the default settings: full
trace). Also reported: the child's peak RSS (``wait4`` rusage), the sizes of
trace.jsonl and summary.json, and with ``--growth`` wall(2N)/wall(N) and the
peak RSS at 2N. Best (minimum wall) of R repeats; every figure of a repeat is
measured in one pass, floor and ours one after the other. ``--baseline`` names
the ``netsim`` of another checkout (the branch point, say): its runs go in the
same passes, labelled ``base``, so before and after share the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOPS = 10
PAYLOAD = 1000 - 18 - 20 - 8        # a 1000-byte frame: Ethernet 18, IPv4 20, UDP 8


def scenario_yaml(variant: str, frames: int) -> str:
    """The chain as one scenario file with its topology inline."""
    until_ms = frames * 80 // 1000 + 200
    nodes = ["    src: {type: host, ip: 10.0.0.10/24, gateway: 10.0.0.1}"]
    links = []
    left = "src"
    for i in range(1, HOPS):
        if variant == "router":
            nodes.append(f"    r{i}: {{type: router, interfaces: "
                         f"{{e0: 10.0.{i - 1}.1/24, e1: 10.0.{i}.2/24}}}}")
            links.append(f"    - [{left}, r{i}:e0]")
            left = f"r{i}:e1"
        else:
            nodes.append(f"    s{i}: {{type: switch}}")
            links.append(f"    - [{left}, s{i}]")
            left = f"s{i}"
    dst = f"10.0.{HOPS - 1}.1" if variant == "router" else "10.0.0.20"
    gateway = f", gateway: 10.0.{HOPS - 1}.2" if variant == "router" else ""
    nodes.append(f"    dst: {{type: host, ip: {dst}/24{gateway}}}")
    links.append(f"    - [{left}, dst]")
    return "\n".join([
        f"name: user-path-{variant}",
        "topology:",
        f"  name: chain-{variant}",
        *(["  routing: auto"] if variant == "router" else []),
        "  defaults:",
        "    link: {rate: 1Gbps, delay: 1ms}",
        "  nodes:", *nodes,
        "  links:", *links,
        "seed: 1",
        f"until: {until_ms}ms",
        "run:",
        "  - {at: 0s, on: dst, name: sink, udp_sink: {port: 9}}",
        f"  - {{at: 0s, on: src, name: warm-up, ping: {{dst: {dst}, count: 1}}}}",
        f"  - {{at: 100ms, on: src, name: send, udp_send: {{dst: {dst}, port: 9, "
        f"size: {PAYLOAD}B, count: {frames}, interval: 80us}}}}",
        "expect:",
        f"  - {{app: sink, received: {frames}, intact: {frames}}}",
        "",
    ])


# A user's netsim imports its modules' cached bytecode; an environment with
# PYTHONDONTWRITEBYTECODE (some containers) would have every process compile ~170 modules
# (~0.27 s CPU), so the children run without it, after one warm-up run (see main).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_with_rss(cmd: list[str]) -> dict:
    """Run ``cmd`` to completion: its wall time and its own peak RSS (reaped with wait4)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}\n{err.decode()[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
            "peak_rss_mb": usage.ru_maxrss / 1024.0}


def floor(frames: int) -> dict:
    return run_with_rss([sys.executable, os.path.join(HERE, "baselines.py"), "bare_simpy_1event",
                         "--frames", str(frames), "--hops", str(HOPS)])


def ours(variant: str, frames: int, mode: str, work: str, netsim: str | None = None) -> dict:
    path = os.path.join(work, f"{variant}-{frames}.yaml")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(scenario_yaml(variant, frames))
    out = os.path.join(work, f"out-{variant}-{frames}-{mode}")
    netsim = netsim or os.path.join(os.path.dirname(sys.executable), "netsim")
    cmd = [netsim, "run", path, "--no-plots", "--out", out]
    if mode != "full":
        cmd += ["--trace", mode]
    res = run_with_rss(cmd)
    with open(os.path.join(out, "summary.json"), "rb") as f:
        summary = json.load(f)
    if not summary["passed"]:
        raise RuntimeError(f"{path}: expectations failed: {summary['expectations']}")
    trace = os.path.join(out, "trace.jsonl")
    res["trace_mb"] = os.path.getsize(trace) / 1e6 if os.path.exists(trace) else 0.0
    res["summary_kb"] = os.path.getsize(os.path.join(out, "summary.json")) / 1e3
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="the user's path: netsim run beside the floor")
    ap.add_argument("--frames", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--variant", nargs="+", choices=["router", "switch"],
                    default=["router", "switch"])
    ap.add_argument("--mode", nargs="+", default=["off", "full"],
                    help="trace modes: off, full, or a --trace filter")
    ap.add_argument("--growth", action="store_true", help="also run trace off at 2N")
    ap.add_argument("--json", metavar="PATH")
    ap.add_argument("--baseline", metavar="NETSIM",
                    help="also run this netsim executable (another checkout), as 'base ...'")
    a = ap.parse_args(argv)
    n = a.frames
    print(f"user's path: {n} datagrams x {HOPS} hops, best of {a.repeat}; "
          f"loadavg {' '.join(open('/proc/loadavg').read().split()[:3])}")
    runs: dict[str, list] = {}
    with tempfile.TemporaryDirectory(prefix="netsim-user-path-") as work:
        for netsim in [None] + [a.baseline] * bool(a.baseline):     # warm the .pyc caches
            ours(a.variant[0], 1000, "full", work, netsim)
        for r in range(a.repeat):
            jobs = [("floor", n, lambda n=n: floor(n))]
            for v in a.variant:
                for m in a.mode:
                    jobs.append((f"{v} trace {m}", n, lambda v=v, m=m, n=n: ours(v, n, m, work)))
                    if a.baseline:
                        jobs.append((f"base {v} trace {m}", n, lambda v=v, m=m, n=n: ours(
                            v, n, m, work, a.baseline)))
                if a.growth:
                    jobs.append(("floor 2N", 2 * n, lambda n=n: floor(2 * n)))
                    jobs.append((f"{v} trace off 2N", 2 * n,
                                 lambda v=v, n=n: ours(v, 2 * n, "off", work)))
            for label, frames, job in jobs:
                res = job()
                res["frame_hops_per_s"] = frames * HOPS / res["wall_s"]
                runs.setdefault(label, []).append(res)
                print(f"  run {r + 1}/{a.repeat} {label:<22} wall {res['wall_s']:7.2f} s  "
                      f"CPU {res['cpu_s']:7.2f} s  "
                      f"{res['frame_hops_per_s']:>9,.0f} frame-hops/s  "
                      f"peak RSS {res['peak_rss_mb']:6.1f} MB"
                      + (f"  trace {res['trace_mb']:.1f} MB  summary {res['summary_kb']:.1f} kB"
                         if "trace_mb" in res else ""))
                sys.stdout.flush()
    best = {label: min(rs, key=lambda x: x["wall_s"]) for label, rs in runs.items()}
    print()
    print(f"{'run':<24} {'wall s':>7} {'frame-hops/s':>13} {'x floor':>8} {'CPU s':>7} "
          f"{'x floor CPU':>11} {'peak RSS MB':>12} {'trace MB':>9} {'summary kB':>11}")
    for label, res in best.items():
        floor_best = best["floor 2N"] if label.endswith("2N") else best["floor"]
        ref = floor_best["frame_hops_per_s"]
        cpu = min(x["cpu_s"] for x in runs[label])
        print(f"{label:<24} {res['wall_s']:>7.2f} {res['frame_hops_per_s']:>13,.0f} "
              f"{res['frame_hops_per_s'] / ref:>7.2f}x {cpu:>7.2f} "
              f"{min(x['cpu_s'] for x in runs['floor 2N' if label.endswith('2N') else 'floor']) / cpu:>10.2f}x "
              f"{res['peak_rss_mb']:>12.1f} "
              + (f"{res['trace_mb']:>9.1f} {res['summary_kb']:>11.1f}" if "trace_mb" in res else ""))
    for v in a.variant:
        for who in ("", "base ") if a.baseline else ("",):
            on, off = best.get(f"{who}{v} trace full"), best.get(f"{who}{v} trace off")
            if on and off:
                cpu_on = min(x["cpu_s"] for x in runs[f"{who}{v} trace full"])
                cpu_off = min(x["cpu_s"] for x in runs[f"{who}{v} trace off"])
                print(f"  {who}{v}: trace full / trace off wall = "
                      f"{on['wall_s'] / off['wall_s']:.2f}, CPU = {cpu_on / cpu_off:.2f}")
        if a.growth:
            print(f"  {v}: wall(2N)/wall(N) trace off = "
                  f"{best[f'{v} trace off 2N']['wall_s'] / off['wall_s']:.2f}, peak RSS "
                  f"{off['peak_rss_mb']:.1f} -> {best[f'{v} trace off 2N']['peak_rss_mb']:.1f} MB")
    print(f"  loadavg at end {' '.join(open('/proc/loadavg').read().split()[:3])}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"frames": n, "runs": runs}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
