"""``netsim test``: run every scenario under some paths, in parallel, and tabulate.

A file is a scenario when its top level has ``topology:``; topology files are
skipped, a file that cannot be read or parsed is an error of its own. Each run
happens in a fresh worker process (a forkserver pool, ``jobs`` at a time) with its
own output folder, is judged on its expectations and compared with its golden
result (:mod:`simulator.scenario.golden`), or, with ``update``, stores it.

A result is ``passed``, ``failed`` (an expectation or the golden result),
``error`` (bad input), ``internal`` (a bug), ``stopped`` (a run limit ended the run)
or ``not run`` (interrupted before it started). The exit status is the worst one
met, in the order 3 (internal) > 2 (bad input) > 4 (stopped) > 1 (failed) > 0.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from ..engine.limits import StopRequest
from . import golden
from .golden import Comparison
from .errors import ScenarioError, printable
from .yamlpos import load_yaml_file

SUFFIXES = (".yaml", ".yml")
EXIT_STATUS = {"passed": 0, "failed": 1, "error": 2, "internal": 3, "stopped": 4, "not run": 4}
SEVERITY = ("internal", "error", "stopped", "not run", "failed", "passed")


@dataclass
class Outcome:
    """What became of one scenario file (picklable: it comes back from a worker)."""

    path: str
    status: str
    seconds: float = 0.0
    verdicts: list[tuple[bool, str]] = field(default_factory=list)
    golden: Comparison | None = None
    message: str = ""


def discover(paths: list[str]) -> tuple[list[Path], list[Outcome]]:
    """The scenario files under ``paths`` (files, or folders searched recursively for
    ``*.yaml``/``*.yml``), in order, and an error for each path that cannot be read."""
    candidates: list[Path] = []
    errors: list[Outcome] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.exists():
            candidates.append(path)
        else:
            errors.append(Outcome(given, "error", message=f"{given}: no such file or folder"))
    scenarios, seen = [], set()
    for path in candidates:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            doc = load_yaml_file(path)
        except ScenarioError as error:
            errors.append(Outcome(str(path), "error", message=str(error)))
            continue
        if isinstance(doc.data, dict) and "topology" in doc.data:
            scenarios.append(path)
    return scenarios, errors


# ------------------------------------------------------------------- one run (worker)

_STOP = StopRequest()


def _worker_init(stop_all) -> None:
    """In each worker: SIGINT/SIGTERM (Ctrl-C reaches the whole process group) or
    ``stop_all`` set by the parent ask the run to stop at its next safe point."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda _n, _frame: _STOP.request("interrupted"))
    threading.Thread(target=lambda: stop_all.wait() and _STOP.request("interrupted"),
                     daemon=True).start()


def run_one(path: str, out_dir: str, update: bool = False, prepare=None) -> Outcome:
    """Load, run and judge one scenario, writing its outputs to ``out_dir``
    (``prepare(out_dir)`` first when given, e.g. the CLI's safe ``--out`` rule)."""
    from .load import load_scenario
    from .run import run_scenario

    start = time.perf_counter()
    outcome = Outcome(path, "passed")
    try:
        scenario = load_scenario(path)
        out = Path(out_dir)
        if prepare is not None:
            prepare(out)
        result = run_scenario(scenario, out, plots=False, stop=_STOP)
        outcome.verdicts = [(v.ok, f"{v.name}: {v.detail}") for v in result.verdicts]
        if result.stopped_early:
            outcome.status = "stopped"
            outcome.message = (f"stopped early: {result.ended.reason} at simulated time "
                               f"{result.ended.at_ns / 1e9:.9f} s after {result.ended.events} events")
        else:
            outcome.golden = (golden.update if update else golden.compare)(path, out)
            if not (result.passed and outcome.golden.ok):
                outcome.status = "failed"
    except ScenarioError as error:      # the scenario, its topology or its golden file
        outcome.status, outcome.message = "error", str(error)
    except Exception as exc:  # noqa: BLE001 - a bug is one result among the others
        outcome.status = "internal"
        outcome.message = printable(f"internal error: {type(exc).__name__}: {exc} "
                                    "(this is a bug; please report it with the scenario)")
    outcome.seconds = time.perf_counter() - start
    return outcome


# ------------------------------------------------------------------- many runs

def _out_names(scenarios: list[Path]) -> list[str]:
    """One output folder name per scenario: its file's stem, numbered when two clash."""
    names, used = [], set()
    for path in scenarios:
        name, k = path.stem or "scenario", 1
        while name in used:
            k += 1
            name = f"{path.stem}-{k}"
        used.add(name)
        names.append(name)
    return names


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_all(paths: list[str], jobs: int | None = None, out: str | None = None,
            update: bool = False, prepare=None) -> list[Outcome]:
    """Every scenario under ``paths``, ``jobs`` at a time; outputs under ``out``
    (one folder per scenario) or a temporary folder removed afterwards. A SIGINT or
    SIGTERM stops the running scenarios early and starts no more."""
    scenarios, outcomes = discover(paths)
    if not scenarios:
        return outcomes
    jobs = max(1, min(jobs or default_jobs(), len(scenarios)))
    with tempfile.TemporaryDirectory(prefix="netsim-test-") as tmp:
        root = Path(out) if out else Path(tmp)
        folders = [str(root / name) for name in _out_names(scenarios)]
        outcomes += _pool(scenarios, folders, jobs, update, prepare if out else None)
    return outcomes


def _pool(scenarios, folders, jobs, update, prepare) -> list[Outcome]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["simulator.scenario.run", "simulator.scenario.load"])
    stop_all = context.Event()
    signums = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(n, lambda _n, _frame: stop_all.set()) for n in signums]
    done: dict[int, Outcome] = {}
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_worker_init,
                                 initargs=(stop_all,), max_tasks_per_child=1) as pool:
            futures = {pool.submit(run_one, str(path), folder, update, prepare): k
                       for k, (path, folder) in enumerate(zip(scenarios, folders))}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for future in finished:
                    done[futures[future]] = _collected(future, str(scenarios[futures[future]]))
                if stop_all.is_set():
                    for future in pending:
                        future.cancel()
    finally:
        for signum, handler in zip(signums, previous):
            signal.signal(signum, handler)
    return [done.get(k, Outcome(str(path), "not run", message="interrupted before it started"))
            for k, path in enumerate(scenarios)]


def _collected(future, path: str) -> Outcome:
    if future.cancelled():
        return Outcome(path, "not run", message="interrupted before it started")
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - the worker died (killed, out of memory)
        return Outcome(path, "internal", message=printable(
            f"internal error: the worker running it died ({type(exc).__name__}: {exc})"))


def exit_status(outcomes: list[Outcome]) -> int:
    """The worst status met (see the module's docstring); 0 for no scenario at all."""
    statuses = {o.status for o in outcomes}
    worst = next((s for s in SEVERITY if s in statuses), "passed")
    return EXIT_STATUS[worst]


# ------------------------------------------------------------------- the table

STYLE = {"passed": "green", "failed": "red", "error": "red", "internal": "red bold",
         "stopped": "yellow", "not run": "yellow"}


def render(outcomes: list[Outcome], console, seconds: float, jobs: int) -> None:
    """One row per scenario (never wrapped), then what went wrong with each that did not pass."""
    from rich.markup import escape

    width = max([len(o.path) for o in outcomes] + [8])
    console.print(f"[bold]{'scenario':<{width}}  {'result':<8}  {'checks':>6}  {'golden':<8}  "
                  f"{'time':>8}[/bold]")
    for o in outcomes:
        checks = f"{sum(ok for ok, _ in o.verdicts)}/{len(o.verdicts)}" if o.verdicts else "-"
        result = f"[{STYLE[o.status]}]{o.status.upper():<8}[/]"
        console.print(f"{escape(f'{o.path:<{width}}')}  {result}  {checks:>6}  "
                      f"{o.golden.status if o.golden else '-':<8}  {o.seconds:>6.2f} s",
                      highlight=False)
    for o in outcomes:
        lines = [f"FAIL {detail}" for ok, detail in o.verdicts
                 if not ok and o.status != "stopped"]     # a cut-short run proves nothing
        if o.golden is not None and (not o.golden.ok or o.golden.status == "updated"):
            lines += o.golden.lines
        if o.message:
            lines.append(o.message)
        if lines and (o.status != "passed" or o.golden.status == "updated"):
            console.rule(escape(o.path), style="dim")
            for line in lines:
                console.print(printable(line), markup=False, highlight=False)
    counts = {s: sum(o.status == s for o in outcomes) for s in reversed(SEVERITY)}
    told = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    console.print(f"{told or 'no scenarios'} in {seconds:.1f} s ({jobs} at a time)")
