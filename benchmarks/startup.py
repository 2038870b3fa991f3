"""The start-up benchmark: what a trivial run costs as a user feels it.

    python benchmarks/startup.py [--repeat 5] [--baseline DIR [--baseline-path DIR]]
                                 [--importtime] [--figures]

Wall time of whole processes, interleaved: ``python -c pass`` (the
interpreter alone), ``netsim check`` and ``netsim run`` of
scenarios/lan_ping.yaml with and without plots. Each command runs once first
to warm the bytecode cache (PYTHONDONTWRITEBYTECODE is dropped from the
environment: an installed package has its .pyc files), then ``--repeat``
times; best and median are printed. ``--baseline DIR`` interleaves the same
commands run from another checkout (e.g. ``git archive`` of an older commit),
``--baseline-path DIR`` puts DIR first on the baseline's PYTHONPATH (another version of a
dependency, e.g. ``pip install --target DIR 'matplotlib==3.11.2' --no-deps``),
``--importtime`` adds the packages that ``netsim run --no-plots`` spends most
import time in (``python -X importtime``), ``--figures`` the wall and CPU time of each
figure of the run drawn in one process, one after the other (best of ``--repeat`` fresh
processes; with ``--baseline-path`` again with that path). CPU times include the
processes' children: ``netsim run`` draws its plots in two forked workers.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = Path("scenarios") / "lan_ping.yaml"
NETSIM = [sys.executable, "-m", "simulator.cli"]      # the simulator package of the cwd


def commands(root: Path, out: str, env: dict,
             tag: str = "") -> dict[str, tuple[Path, list[str], dict]]:
    """Each command as (the checkout it runs in, argv, environment)."""
    return {
        f"python -c pass{tag}": (root, [sys.executable, "-c", "pass"], env),
        f"netsim check lan_ping{tag}": (root, NETSIM + ["check", str(SCENARIO)], env),
        f"netsim run lan_ping --no-plots{tag}": (root, NETSIM + ["run", str(SCENARIO),
                                                                 "--no-plots", "--out", out], env),
        f"netsim run lan_ping (plots){tag}": (root, NETSIM + ["run", str(SCENARIO),
                                                              "--out", out], env),
    }


def _wall(root: Path, argv: list[str], env: dict) -> tuple[float, float]:
    """(wall s, CPU s: user + system) of one process; CPU time moves less with the load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def import_profile(argv: list[str], env: dict, top: int = 12) -> list[tuple[float, str]]:
    """Self import time per top-level package (simulator.* by subpackage), in ms."""
    err = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], cwd=ROOT, env=env,
                         check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True).stderr
    spent: Counter = Counter()
    for m in re.finditer(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", err):
        parts = m.group(2).split(".")
        spent[".".join(parts[:2] if parts[0] == "simulator" else parts[:1])] += int(m.group(1))
    return [(us / 1000, name) for name, us in spent.most_common(top)]


# Runs lan_ping without plots into argv[1], then draws each figure in this process and
# prints "name wall_s cpu_s" per step (the import of the plotting code first).
FIGURES = """
import sys, time
from pathlib import Path
from simulator.scenario.load import load_scenario
from simulator.scenario.run import plot_job, run_scenario
out = Path(sys.argv[1])
job = plot_job(run_scenario(load_scenario(sys.argv[2]), out, plots=False), out)
def step(name, _last=[time.perf_counter(), time.process_time()]):
    wall, cpu = time.perf_counter(), time.process_time()
    print(name, wall - _last[0], cpu - _last[1])
    _last[:] = [wall, cpu]
from simulator.viz import hops, ladder, topology
from simulator.viz.trace_io import read_trace
step("import matplotlib and the figures")
events = read_trace(out / "trace.jsonl")
laid = ladder.lay_out_ladder(events, job.selection, job.pages, job.show_l2)
step("ladder layout")
for i, path in enumerate(ladder.page_paths(out / "plots" / "ladder.png", len(laid.pages))):
    path.parent.mkdir(exist_ok=True)
    ladder.figure(laid, i, job.title).savefig(path, dpi=ladder.DPI, metadata={"Software": None},
                                              pil_kwargs={"compress_level": 3})
    step(f"ladder page {i + 1}")
hops.plot_run(out, list(job.nodes), job.title, list(hops.hop_events(events, list(job.nodes))),
              job.hops)
step("hops.png")
topology.plot_topology(job.topology, out / "plots" / "topology.png", job.title, events,
                       job.positions)
step("topology.png")
"""


def figure_times(env: dict, out: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU of each step of ``FIGURES`` over ``repeat`` processes."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeat):
        lines = subprocess.run([sys.executable, "-c", FIGURES, out, str(SCENARIO)], cwd=ROOT,
                               env=env, check=True, capture_output=True, text=True).stdout
        for line in lines.splitlines():
            name, wall, cpu = line.rsplit(" ", 2)
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], float(wall)), min(old[1], float(cpu)))
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="another checkout to run the same commands from, interleaved")
    parser.add_argument("--baseline-path", type=Path, metavar="DIR",
                        help="put DIR first on the baseline's PYTHONPATH")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--figures", action="store_true")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        runs = commands(ROOT, str(Path(tmp) / "out"), env)
        if args.baseline:
            base_env = env
            if args.baseline_path:
                path = [str(args.baseline_path.resolve()), env.get("PYTHONPATH", "")]
                base_env = dict(env, PYTHONPATH=os.pathsep.join(filter(None, path)))
            runs.update(commands(args.baseline.resolve(), str(Path(tmp) / "base"), base_env,
                                 " [baseline]"))
        walls: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        loads: dict[str, list[float]] = {name: [] for name in runs}
        for root, command, run_env in runs.values():
            _wall(root, command, run_env)                        # warm the .pyc cache
        for _ in range(args.repeat):
            for name, (root, command, run_env) in runs.items():
                loads[name].append(os.getloadavg()[0])
                walls[name].append(_wall(root, command, run_env))
        print(f"{'command':45} {'best s':>7} {'median s':>8} {'best CPU s':>10} "
              f"{'med CPU s':>9} {'load':>9}   ({args.repeat} runs each, interleaved; "
              "wall, CPU = user + system with children; load: the 1-min load average "
              "before its runs, min-max)")
        for name, values in walls.items():
            wall, cpu = [w for w, _ in values], [c for _, c in values]
            load = f"{min(loads[name]):.1f}-{max(loads[name]):.1f}"
            print(f"{name:45} {min(wall):7.3f} {statistics.median(wall):8.3f} "
                  f"{min(cpu):10.3f} {statistics.median(cpu):9.3f} {load:>9}")
        if args.importtime:
            print("import time of netsim run --no-plots, by package (self, ms):")
            for ms, name in import_profile(runs["netsim run lan_ping --no-plots"][1], env):
                print(f"  {ms:7.1f}  {name}")
        if args.figures:
            envs = {"": env}
            if args.baseline and args.baseline_path:     # this checkout's code, their path
                envs[f" [{args.baseline_path}]"] = base_env
            for tag, fig_env in envs.items():
                print(f"each figure drawn in one process{tag} (best of {args.repeat}; load "
                      f"average {os.getloadavg()[0]:.1f}):")
                for name, (wall, cpu) in figure_times(fig_env, str(Path(tmp) / "fig"),
                                                      args.repeat).items():
                    print(f"  {name:38} wall {wall:6.3f} s   CPU {cpu:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
