"""The SimPy internals ``Simulation.call_later`` relies on, and the pin that keeps them.

call_later pushes ``(time, NORMAL, next(env._eid), event)`` onto ``env._queue`` for a
plain Event marked succeeded, as ``Environment.schedule`` does for a Timeout. If a
SimPy release changes any of that, these fail before any timing could drift.
"""

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import simpy
from simpy.events import NORMAL

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
