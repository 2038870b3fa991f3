"""Where a campaign's runs execute: a local process pool (the default) or a Dask
distributed cluster. Both call :func:`simulator.campaign.task.run` on plain data and
hand each :class:`~simulator.campaign.task.Result` to ``done`` as it arrives, in
completion order (the store does not depend on the order).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulator.scenario.errors import ScenarioError

from .task import Result, code_version, run

__all__ = ["run_local", "run_dask"]

Task = tuple[dict[str, Any], int]          # (params, seed)
Done = Callable[[Result], None]
ATTEMPTS = 2    # a task running when a worker process died is tried once more


def _died(params: dict, seed: int) -> Result:
    return Result(dict(params), seed, False, "the worker process died (killed, or out of memory?)",
                  0.0, {}, code_version())


def run_local(scenario: dict, tasks: Iterable[Task], done: Done, workers: int | None = None,
              artefacts: str | None = None) -> None:
    """Run ``tasks`` on ``workers`` processes (default: all cores). At most
    ``workers`` tasks are in flight, so a worker that dies takes down only the runs
    beside it: those are retried in a fresh pool, then recorded as failed."""
    workers = workers or os.cpu_count() or 1
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["simulator.campaign.version", "simulator.campaign.task",
                                   "simulator.scenario.run"])
    todo = deque((params, seed, 0) for params, seed in tasks)
    while todo:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: dict = {}
            while todo or pending:
                while todo and len(pending) < workers:
                    params, seed, tries = todo.popleft()
                    pending[pool.submit(run, scenario, params, seed, artefacts)] = (params, seed, tries)
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    params, seed, tries = pending.pop(future)
                    try:
                        done(future.result())
                    except BrokenProcessPool:
                        broken = True
                        if tries + 1 < ATTEMPTS:
                            todo.append((params, seed, tries + 1))
                        else:
                            done(_died(params, seed))
                if broken:
                    for future, (params, seed, tries) in pending.items():
                        todo.append((params, seed, tries))   # not yet run: no attempt spent
                    break


def run_dask(scenario: dict, tasks: Iterable[Task], done: Done, address: str,
             artefacts: str | None = None) -> None:
    """Submit ``tasks`` to the Dask scheduler at ``address`` (``tcp://host:8786``).
    Dask retries a task whose worker died; one that keeps killing workers is
    recorded as failed."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ScenarioError("needs Dask: pip install 'netsim-sim[campaign]'", field="--dask") from None
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ScenarioError(f"cannot reach the Dask scheduler: {exc}", field=f"--dask {address}") from None
    with client:
        shared = client.scatter(scenario, broadcast=True)
        futures = {client.submit(run, shared, params, seed, artefacts, pure=False): (params, seed)
                   for params, seed in tasks}
        for future in as_completed(futures):
            params, seed = futures[future]
            try:
                done(future.result())
            except Exception as exc:  # noqa: BLE001 - KilledWorker and the like: a failed run
                done(Result(dict(params), seed, False, f"{type(exc).__name__}: {exc}", 0.0, {},
                            code_version()))
