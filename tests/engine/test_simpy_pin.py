"""The SimPy internals ``Simulation.call_later`` and ``run_bounded``'s inline step rely
on, and the pin that keeps them.

call_later pushes ``(time, NORMAL, next(env._eid), event)`` onto ``env._queue`` for a
plain Event marked succeeded, as ``Environment.schedule`` does for a Timeout. If a
SimPy release changes any of that, these fail before any timing could drift.
"""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import simpy
from simpy.events import NORMAL

from simulator.engine.limits import Limits, run_bounded
from simulator.engine.sim import Simulation

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_simpy_is_the_pinned_version():
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    pin = next(d for d in deps if d.startswith("simpy"))
    match = re.fullmatch(r"simpy==([\d.]+)", pin.split("#")[0].strip())
    assert match, f"simpy must be pinned exactly, not {pin!r}"
    assert version("simpy") == match.group(1)


def test_schedule_pushes_the_entry_call_later_pushes():
    env = simpy.Environment(initial_time=5)
    timeout = env.timeout(7, "v")
    assert env._queue == [(12, NORMAL, 0, timeout)]
    assert next(env._eid) == 1 and env._now == 5


def test_call_later_orders_with_timeouts_by_time_then_by_scheduling_order():
    sim = Simulation(1)
    seen = []
    sim.env.timeout(10, "t1").callbacks.append(lambda e: seen.append((sim.now, e.value)))
    sim.call_later(10, lambda e: seen.append((sim.now, e.value)), "c1")
    sim.call_later(5, lambda e: seen.append((sim.now, e.value)), "c0")
    sim.env.timeout(10, "t2").callbacks.append(lambda e: seen.append((sim.now, e.value)))
    sim.env.run()
    assert seen == [(5, "c0"), (10, "t1"), (10, "c1"), (10, "t2")]


def test_a_call_later_event_reads_as_a_processed_succeeded_event():
    sim = Simulation(1)
    got = []
    sim.call_later(3, got.append, 42)
    assert sim.pending_events == 1
    sim.env.run()
    (event,) = got
    assert (event.value, event.ok, event.triggered, event.processed) == (42, True, True, True)


def busy_world(sim: Simulation, seen: list) -> None:
    """Timeouts, call_later, processes that wait, fail and are interrupted, an event
    that fails and is defused: every path of ``Environment.step``."""
    env = sim.env

    def worker(name, period):
        try:
            for k in range(5):
                yield env.timeout(period, k)
                seen.append((env.now, name, k))
        except simpy.Interrupt as stop:
            seen.append((env.now, name, "interrupted", stop.cause))

    def failing():
        yield env.timeout(4)
        raise KeyError("caught by its waiter")

    def waiter(proc):
        try:
            yield proc
        except KeyError as error:
            seen.append((env.now, "waiter", repr(error)))

    a = env.process(worker("a", 3))
    env.process(worker("b", 5))
    env.process(waiter(env.process(failing())))
    sim.call_later(7, lambda _e: a.interrupt("stop"))
    sim.call_later(9, lambda e: seen.append((env.now, "late", e.value)), "v")
    defused = env.event()
    defused.callbacks.append(lambda e: setattr(e, "defused", True))
    defused.fail(ValueError("defused"))


def queue_of(env) -> list:
    return [(t, priority, eid, type(event).__name__) for t, priority, eid, event in env._queue]


@pytest.mark.parametrize("until", [6, 7, 12, 40])
def test_the_inline_step_of_run_bounded_does_what_environment_step_does(until):
    """run_bounded (and Simulation.run, through it) steps SimPy inline: the same
    callbacks at the same times, the same heap left behind (the end marker rescheduled
    as step reschedules it), as env.run."""
    runs = []
    for run in (lambda sim: sim.env.run(until=until),
                lambda sim: run_bounded(sim.env, until, Limits()),
                lambda sim: sim.run(until)):
        sim, seen = Simulation(1), []
        busy_world(sim, seen)
        run(sim)
        runs.append((seen, sim.env.now, queue_of(sim.env), next(sim.env._eid)))
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0]


def test_a_failed_event_nobody_defused_crashes_the_run_as_step_does():
    crashes = []
    for run in (lambda env: env.run(until=10), lambda env: run_bounded(env, 10, Limits())):
        sim = Simulation(1)
        sim.env.timeout(2).callbacks.append(lambda _e: sim.env.event().fail(OSError(5, "io")))
        with pytest.raises(OSError) as crash:
            run(sim.env)
        crashes.append((crash.value.args, type(crash.value.__cause__), sim.env.now))
    assert crashes[0] == crashes[1] == ((5, "io"), OSError, 2)
