#!/usr/bin/env python
"""Runner for the "chain" benchmark.

    python benchmarks/chain.py [--frames N] [--repeat R] [--hops H]
                               [--impl NAME ...] [--json PATH]

Workload: N frames of 1000 B at 100 Mbit/s CBR (one every 80 us) through a
chain of H (=10) store-and-forward hops, each 1 Gbit/s (8 us serialization)
+ 1 ms propagation.  Figure of merit: frame-hops per wall-clock second.
Every implementation must assert that all frames reached the sink and that
the last frame arrived at send_time + H * (8 us + 1 ms).
See benchmarks/baselines.py for the workload constants and the baselines.

Implementations:
  bare_simpy  benchmarks/baselines.py:bare_simpy   2 events per hop (serialization, propagation)
  bare_1event benchmarks/baselines.py:bare_simpy_1event  1 event per hop (the arrival, computed
              from busy_until): the floor netsim's ratios are taken against
  ns_py       benchmarks/baselines.py:ns_py        ns.py 0.4.3 (pip install ns-py==0.4.3)
  netsim      benchmarks/workloads.py:netsim_switches   our simulator's Switch nodes
  netsim_routers  benchmarks/workloads.py:netsim_routers  our Router nodes (LPM, TTL,
              checksum, ARP-resolved next hops), source and sink hosts at the ends

Method: every (implementation, frame count, repeat) runs in its own fresh
subprocess (``chain.py --worker IMPL --frames n``), so runs cannot disturb
one another and memory high-water marks are per run.  Each implementation
runs at N and 2N frames; the runs are interleaved round-robin (repeat ->
frame count -> implementation) so that slow phases of a noisy machine hit
all implementations alike; the best (minimum wall) of R repeats is reported.
wall(2N)/wall(N) ~ 2.0 shows cost linear in N.

Memory (tracemalloc would slow the runs several-fold, so it is not used):
  peak RSS MB  the child process's ru_maxrss (getrusage RUSAGE_SELF, Linux
               KiB -> MiB) at the end of the run: interpreter + imports +
               workload, the whole process's high-water mark.
  dRSS MB      growth of that high-water mark across the measured call only
               (after imports and a 10-frame warm-up call), i.e. the
               workload's own peak footprint above the baseline process.
  Both are max over the R repeats.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

ALL_IMPLS = ["bare_1event", "bare_simpy", "ns_py", "netsim", "netsim_routers"]
LABEL = {"bare_1event": "bare SimPy 1ev", "bare_simpy": "bare SimPy 2ev", "ns_py": "ns.py 0.4.3",
         "netsim": "netsim Switch",
         "netsim_routers": "netsim Router"}
NETSIM = {"netsim": "netsim_switches", "netsim_routers": "netsim_routers"}


# --------------------------------------------------------------- registry
def load_impl(name):
    """Return (callable, None) or (None, reason-it-is-skipped)."""
    if name == "bare_simpy":
        from benchmarks.baselines import bare_simpy
        return bare_simpy, None
    if name == "bare_1event":
        from benchmarks.baselines import bare_simpy_1event
        return bare_simpy_1event, None
    if name == "ns_py":
        try:
            importlib.import_module("ns")      # importable, without binding a name
        except ImportError as e:
            return None, f"ns.py not importable ({e}); pip install ns-py==0.4.3"
        from benchmarks.baselines import ns_py
        return ns_py, None
    if name in NETSIM:
        # Our simulator: benchmarks/workloads.py defines netsim_switches and netsim_routers
        # (n_frames, hops=10) -> dict with the baselines' keys, asserting delivery and
        # the analytic last arrival.
        try:
            import benchmarks.workloads as workloads
        except Exception as e:            # missing, or crashed on import
            return None, f"benchmarks/workloads.py not available ({type(e).__name__}: {e})"
        return getattr(workloads, NETSIM[name]), None
    raise ValueError(name)


# ----------------------------------------------------------------- worker
def _maxrss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(impl, n_frames, hops):
    fn, why = load_impl(impl)
    if fn is None:
        print(json.dumps({"skipped": why}))
        return 0
    warm = fn(10, hops)                 # lazy imports, first-call costs
    if warm is None:
        print(json.dumps({"skipped": f"{impl} returned None (not importable)"}))
        return 0
    import gc
    gc.collect()
    rss0 = _maxrss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    res = fn(n_frames, hops)
    outer_wall = time.perf_counter() - t0
    outer_cpu = time.process_time() - c0
    rss1 = _maxrss_mb()
    if res is None:
        print(json.dumps({"skipped": f"{impl} returned None"}))
        return 0
    res = dict(res)
    res["impl"] = impl
    res["outer_wall_s"] = outer_wall       # includes the function's own checks
    res["outer_cpu_s"] = outer_cpu         # CPU time of the same: steadier on a busy machine
    res["rss_delta_mb"] = rss1 - rss0
    res["peak_rss_mb"] = rss1
    for k in ("frames", "hops", "frame_hops", "wall_s", "hop_per_s"):
        if k not in res:
            raise KeyError(f"{impl} result lacks {k!r}")
    if res["frames"] != n_frames or res["frame_hops"] != n_frames * hops:
        raise AssertionError(f"{impl}: frame_hops {res['frame_hops']} != {n_frames}*{hops}")
    print(json.dumps(res))
    return 0


def run_child(impl, n_frames, hops):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", impl,
           "--frames", str(n_frames), "--hops", str(hops)]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        return {"error": f"exit {p.returncode}: {p.stderr.strip()[-2000:]}"}
    lines = [l for l in p.stdout.strip().splitlines() if l.startswith("{")]
    if not lines:
        return {"error": f"no result; stdout={p.stdout[-500:]!r} stderr={p.stderr[-1500:]!r}"}
    return json.loads(lines[-1])


# ---------------------------------------------------------------- machine
def machine_info():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {}
    for mod, dist in (("simpy", "simpy"), ("ns", "ns-py")):
        try:
            from importlib.metadata import version
            versions[dist] = version(dist)
        except Exception:
            versions[dist] = "not installed"
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = "?"
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": f"{platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "versions": versions,
        "git": rev,
        "loadavg_start": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None,
    }


# ----------------------------------------------------------------- report
def fmt_ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def main(argv=None):
    ap = argparse.ArgumentParser(description="chain benchmark: frame-hops per wall second")
    ap.add_argument("--frames", type=int, default=100_000, help="N (2N is also run)")
    ap.add_argument("--repeat", type=int, default=3, help="best of R (default 3)")
    ap.add_argument("--hops", type=int, default=10)
    ap.add_argument("--impl", nargs="+", choices=ALL_IMPLS, default=ALL_IMPLS)
    ap.add_argument("--json", metavar="PATH", help="also write machine info + every run as JSON")
    ap.add_argument("--worker", choices=ALL_IMPLS, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.worker:
        return worker(a.worker, a.frames, a.hops)

    N, H, R = a.frames, a.hops, a.repeat
    info = machine_info()
    print(f"chain benchmark  {info['date']}")
    print(f"  machine : {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), {info['platform']}")
    print(f"  python  : {info['python']}")
    print("  packages: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + f"; repo {info['git']}")
    print(f"  workload: N={N} and 2N={2 * N} frames x {H} hops, 1000 B @ 100 Mbit/s CBR, "
          f"1 Gbit/s + 1 ms per hop; best of {R}, fresh subprocess per run")
    print(f"  loadavg at start: {' '.join(info['loadavg_start'] or [])}")

    impls = []
    for name in a.impl:
        fn, why = load_impl(name)
        if fn is None:
            print(f"  SKIP {name}: {why}")
        else:
            impls.append(name)
    sys.stdout.flush()

    runs = {(i, n): [] for i in impls for n in (N, 2 * N)}
    errors = {}
    t_start = time.perf_counter()
    for r in range(R):
        for n in (N, 2 * N):
            for impl in impls:
                if impl in errors:
                    continue
                res = run_child(impl, n, H)
                if "skipped" in res:
                    print(f"  SKIP {impl}: {res['skipped']}")
                    errors[impl] = res["skipped"]
                    continue
                if "error" in res:
                    print(f"  FAIL {impl} n={n}: {res['error']}")
                    errors[impl] = res["error"]
                    continue
                runs[(impl, n)].append(res)
                print(f"  run {r + 1}/{R} {impl:<10} n={n:<8} wall {res['wall_s']:8.3f} s  "
                      f"{res['hop_per_s']:>10,.0f} hop/s  dRSS {res['rss_delta_mb']:6.1f} MB  "
                      + (f"last arrival {res.get('last_arrival_ns', res.get('last_arrival'))} ns "
                         f"(analytic {res['last_arrival_expected']})" if "last_arrival_expected" in res else ""))
                sys.stdout.flush()
    total = time.perf_counter() - t_start
    load_end = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []

    def best(impl, n):
        rs = runs.get((impl, n)) or []
        return min(rs, key=lambda x: x["wall_s"]) if rs else None

    summary = {}
    for impl in impls:
        b1, b2 = best(impl, N), best(impl, 2 * N)
        if b1 is None:
            continue
        walls1 = sorted(x["wall_s"] for x in runs[(impl, N)])
        summary[impl] = {
            "frame_hops": b1["frame_hops"],
            "wall_s": b1["wall_s"],
            "hop_per_s": b1["hop_per_s"],
            "walls_N": walls1,
            "cpu_s": min(x["outer_cpu_s"] for x in runs[(impl, N)]),
            "wall_2N": b2["wall_s"] if b2 else None,
            "growth": (b2["wall_s"] / b1["wall_s"]) if b2 else None,
            "peak_rss_mb": max(x["peak_rss_mb"] for x in runs[(impl, N)]),
            "rss_delta_mb": max(x["rss_delta_mb"] for x in runs[(impl, N)]),
            "rss_delta_2N_mb": max(x["rss_delta_mb"] for x in runs[(impl, 2 * N)]) if b2 else None,
        }
    base = summary.get("bare_1event", {}).get("hop_per_s")
    nsp = summary.get("ns_py", {}).get("hop_per_s")

    print()
    print(f"Results at N={N} frames x {H} hops (best of {R}; ratios are throughput ratios, hop/s / hop/s)")
    hdr = (f"{'implementation':<15} {'frame-hops':>11} {'wall s':>8} {'hop/s':>10} {'x 1ev':>7} "
           f"{'x ns.py':>8} {'peak RSS MB':>11} {'dRSS MB N/2N':>13} {'wall(2N)/wall(N)':>17}")
    print(hdr)
    print("-" * len(hdr))
    for impl in ALL_IMPLS:
        if impl not in summary:
            why = errors.get(impl) or ("not selected" if impl not in a.impl else "skipped (see above)")
            print(f"{LABEL[impl]:<15} -- {why[:100]}")
            continue
        s = summary[impl]
        d2 = f"{s['rss_delta_2N_mb']:.1f}" if s["rss_delta_2N_mb"] is not None else "-"
        g = f"{s['growth']:.2f}" if s["growth"] else "-"
        print(f"{LABEL[impl]:<15} {s['frame_hops']:>11,} {s['wall_s']:>8.3f} {s['hop_per_s']:>10,.0f} "
              f"{fmt_ratio(s['hop_per_s'], base):>7} {fmt_ratio(s['hop_per_s'], nsp):>8} "
              f"{s['peak_rss_mb']:>11.1f} {s['rss_delta_mb']:>6.1f}/{d2:<6} {g:>17}")
    print()
    base_cpu = summary.get("bare_1event", {}).get("cpu_s")
    for impl, s in summary.items():
        print(f"  {LABEL[impl]:<15} walls at N (sorted): {', '.join(f'{w:.3f}' for w in s['walls_N'])} s;"
              f" spread {100 * (s['walls_N'][-1] / s['walls_N'][0] - 1):.0f}%; best CPU {s['cpu_s']:.3f} s"
              + (f" ({base_cpu / s['cpu_s']:.2f}x the 1-event floor's rate)" if base_cpu else ""))
    print(f"  loadavg at end: {' '.join(load_end)}; total runner time {total:.0f} s")
    print("  peak RSS = child's whole-process ru_maxrss; dRSS = growth of ru_maxrss during the measured call")

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"machine": info, "loadavg_end": load_end, "frames": N, "hops": H, "repeat": R,
                       "summary": summary, "errors": errors,
                       "runs": {f"{i}@{n}": v for (i, n), v in runs.items()}}, f, indent=1)
        print(f"  wrote {a.json}")
    return 1 if errors and not summary else 0


if __name__ == "__main__":
    sys.exit(main())
