"""Plots drawn beside the run, on the second core: ``netsim run`` forks a worker before
it loads the scenario, so that the worker's import of matplotlib overlaps the
simulation; after the run it sends the worker the run's
:class:`~simulator.viz.plot_job.PlotJob` and waits. The worker forks once more (with
matplotlib loaded, a fork is cheap) and the two draw a share of the figures each
(:func:`~simulator.viz.run_plots.draw`: the same code as in-process, so the same bytes).

The workers have their own process group: a stop request (SIGINT, SIGTERM) reaches the
parent, which passes a SIGTERM to the group; each worker then stops after the figure
under way, as the in-process plots do. A worker whose parent is gone reads the end of
its job pipe and exits.
"""

from __future__ import annotations

import mmap
import os
import pickle
import select
import signal
import threading
import traceback
from collections.abc import Callable

from simulator.viz.plot_job import PlotsInterrupted, Watch

POLL_S = 0.05           # how often the waiting parent looks at the stop request
_STOPS = {signal.SIGINT, signal.SIGTERM}


class Plotter:
    """The parent's handle on a plot worker (:meth:`start`)."""

    def __init__(self, pid: int, jobs: int, results: int):
        self.pid, self.jobs, self.results = pid, jobs, results

    @classmethod
    def start(cls) -> Plotter | None:
        """Fork the worker; ``None`` where that is unsafe or impossible (no ``fork``, or
        other threads running: the child of a threaded process may deadlock)."""
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        jobs_r, jobs_w = os.pipe()
        results_r, results_w = os.pipe()
        # SIGINT and SIGTERM stay blocked in the child until its handlers are in: a stop
        # request that comes at once is then taken as one, not as the worker's death
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            pid = _fork(lambda: _serve(jobs_r, results_w), jobs_w, results_r)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(jobs_r)
        os.close(results_w)
        try:
            os.setpgid(pid, pid)           # also done by the child: whichever runs first
        except OSError:
            pass
        return cls(pid, jobs_w, results_r)

    def draw(self, job, stopped: Callable[[], bool]) -> None:
        """Have ``job`` drawn and wait for it; once ``stopped()`` is true the workers are
        told to stop (raises :class:`~simulator.viz.plot_job.PlotsInterrupted`). A
        worker's error is raised here as a ``RuntimeError``."""
        with os.fdopen(self.jobs, "wb") as pipe:
            self.jobs = None
            pickle.dump(job, pipe)
        data, told = bytearray(), False
        while True:
            if not told and stopped():
                _signal_group(self.pid)
                told = True
            if select.select([self.results], [], [], POLL_S)[0]:
                chunk = os.read(self.results, 1 << 16)
                if not chunk:
                    break
                data += chunk
        self.close()
        outcome = pickle.loads(data) if data else "the plot worker ended without a word"
        if outcome == "interrupted":
            raise PlotsInterrupted
        if outcome is not None:
            raise RuntimeError(f"plotting: {outcome}")

    def close(self) -> None:
        """End an unused worker (it reads the end of its job pipe) and reap it."""
        if self.jobs is not None:
            os.close(self.jobs)
            self.jobs = None
        if self.results is not None:
            os.close(self.results)
            self.results = None
            os.waitpid(self.pid, 0)


def _signal_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        pass                               # already done


def _serve(jobs: int, results: int) -> None:
    """The worker: load the plotting code, read one job, draw it in two shares."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass                               # the parent did it first
    # the stop flag lives in memory shared with the helper forked below: a SIGTERM
    # caught by the worker just as it forks (CPython forgets a caught signal whose
    # handler has not run yet in the child) still stops both shares
    stop = mmap.mmap(-1, 1)

    def stop_requested(_signum, _frame) -> None:
        stop[0] = 1

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop_requested)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)     # blocked by Plotter.start
    # numpy's OpenBLAS starts a thread per core at import, which spin for ~0.1 s of CPU
    # against the run beside them; the figures do no linear algebra to share out
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from simulator.viz.run_plots import draw   # matplotlib: the import this worker is for

    with os.fdopen(jobs, "rb") as pipe:
        data = pipe.read()
    if not data:
        return                             # the parent needs no plots
    job = pickle.loads(data)
    watch = Watch(lambda: stop[0] == 1)
    shares = 2 if _cores() > 1 else 1
    if shares == 1:
        _write(results, _outcome(draw, job, watch, 0, 1))
        return
    mine, theirs = os.pipe()
    helper = _fork(lambda: _write(theirs, _outcome(draw, job, watch, 1, shares)),
                   mine, results)
    os.close(theirs)
    outcome = _outcome(draw, job, watch, 0, shares)
    with os.fdopen(mine, "rb") as pipe:
        other = pipe.read()
    os.waitpid(helper, 0)
    _write(results, _worse(outcome, pickle.loads(other) if other else
                           "the second plot worker ended without a word"))


def _fork(body: Callable[[], None], *parents_fds: int) -> int:
    """Fork a child that closes the parent's ends of its pipes, runs ``body`` and exits
    (never returning into the parent's code); the child's pid."""
    pid = os.fork()
    if pid == 0:
        try:
            for fd in parents_fds:
                os.close(fd)
            body()
        finally:
            os._exit(0)
    return pid


def _cores() -> int:
    """The cores this process may run on (all of them where the OS does not say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _worse(a, b):
    """Of two shares' outcomes, the one to report: an error, else an interruption."""
    errors = [o for o in (a, b) if o not in (None, "interrupted")]
    return errors[0] if errors else "interrupted" if "interrupted" in (a, b) else None


def _outcome(draw, job, watch, share: int, shares: int):
    """``None`` when drawn, ``"interrupted"``, or the error in one line."""
    try:
        draw(job, watch, share, shares)
    except PlotsInterrupted:
        return "interrupted"
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return f"{type(exc).__name__}: {exc} ({os.path.basename(where.filename)}:{where.lineno})"
    return None


def _write(fd: int, outcome) -> None:
    with os.fdopen(fd, "wb") as pipe:
        pickle.dump(outcome, pipe)
