"""A channel's ``Arrival`` is an event as far as SimPy's ``Environment.step`` goes:
it is processed in heap order with every other event (by time, then by scheduling
order), its callbacks are called with it, and a run does not mistake it for a failed
event. If a SimPy release needed more of an event, these fail (the version is pinned,
tests/engine/test_simpy_pin.py)."""

from heapq import heappush

from simpy.events import NORMAL

from simulator.engine.sim import Simulation
from simulator.phy.link import Arrival


def arrival(sim, delay: int, fn, frame) -> Arrival:
    """What ``Channel._schedule`` pushes."""
    event = Arrival()
    event.callbacks, event.frame, event.epoch = (fn,), frame, 0
    heappush(sim.env._queue, (sim.env._now + delay, NORMAL, next(sim.env._eid), event))
    return event


def test_an_arrival_is_processed_in_order_with_timeouts_and_call_laters():
    sim = Simulation(1)
    seen = []
    sim.env.timeout(10, "t1").callbacks.append(lambda e: seen.append((sim.now, e.value)))
    arrival(sim, 10, lambda e: seen.append((sim.now, e.frame)), "a1")
    sim.call_later(10, lambda e: seen.append((sim.now, e.value)), "c1")
    arrival(sim, 5, lambda e: seen.append((sim.now, e.frame)), "a0")
    sim.env.run()
    assert seen == [(5, "a0"), (10, "t1"), (10, "a1"), (10, "c1")]


def test_a_processed_arrival_has_no_callbacks_left_and_is_not_a_failure():
    sim = Simulation(1)
    got = []
    event = arrival(sim, 3, got.append, "f")
    sim.env.step()
    assert got == [event] and event.callbacks is None and event._ok is True
    assert sim.pending_events == 0
