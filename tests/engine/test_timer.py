"""The lazy Timer: one pending event however often it is restarted, firing
exactly at the last deadline; earlier restarts and cancels still honoured."""

from hypothesis import given
from hypothesis import strategies as st

from simulator.engine.sim import Simulation, Timer

US = 1_000
MS = 1_000_000
SECOND = 1_000_000_000


def test_restarted_every_10us_for_100ms_keeps_one_event_and_fires_at_the_last_deadline():
    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    peak = []

    def restarter():
        for _ in range(10_000):                 # 100 ms of restarts, 10 µs apart
            timer.start(200 * MS)
            peak.append(sim.pending_events)
            yield sim.env.timeout(10 * US)

    sim.process(restarter())
    sim.run(until_ns=SECOND)
    last_restart = 9_999 * 10 * US
    assert fired == [last_restart + 200 * MS]
    assert max(peak) <= 3          # the restarter's own timeout, its process, the timer's event


def test_restart_to_an_earlier_deadline_fires_on_time_and_only_once():
    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    timer.start(100 * MS)
    sim.call_later(10 * MS, lambda e: timer.start(5 * MS))      # now due at 15 ms
    sim.run(until_ns=SECOND)
    assert fired == [15 * MS]


def test_earlier_then_later_restart_uses_the_latest_deadline():
    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    timer.start(100 * MS)
    sim.call_later(10 * MS, lambda e: timer.start(5 * MS))      # armed for 15 ms
    sim.call_later(12 * MS, lambda e: timer.start(200 * MS))    # then pushed to 212 ms
    sim.run(until_ns=SECOND)
    assert fired == [212 * MS]


def test_cancel_then_restart_and_running():
    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    timer.start(50 * MS)
    assert timer.running and timer.deadline == 50 * MS
    sim.call_later(20 * MS, lambda e: timer.cancel())
    sim.run(until_ns=60 * MS)
    assert fired == [] and not timer.running
    timer.start(10 * MS)
    sim.run(until_ns=SECOND)
    assert fired == [70 * MS]


def test_callback_may_restart_its_own_timer():
    sim = Simulation()
    fired = []

    def tick():
        fired.append(sim.now)
        if len(fired) < 3:
            timer.start(7 * MS)

    timer = Timer(sim, tick)
    timer.start(7 * MS)
    sim.run(until_ns=SECOND)
    assert fired == [7 * MS, 14 * MS, 21 * MS]


def test_start_at_absolute_deadline():
    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    sim.call_later(3 * MS, lambda e: timer.start_at(8 * MS))
    sim.run(until_ns=SECOND)
    assert fired == [8 * MS]


@given(st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers(0, 150))),
                max_size=40))
def test_fires_exactly_when_an_eager_timer_would(ops):
    """Random restarts and cancels (None): the lazy timer fires at the same instants
    as the obvious reference, which fires at the latest deadline set and not
    cancelled or superseded before it. Operations happen at even times, deadlines
    fall on odd ones, so no operation coincides with a firing."""
    ops = sorted(((2 * t, None if d is None else 2 * d + 1) for t, d in ops),
                 key=lambda op: op[0])                # stable: same-time ops keep their order
    expected, deadline = [], None
    for at, delay in ops:
        if deadline is not None and deadline < at:
            expected.append(deadline)
        deadline = None if delay is None else at + delay
    if deadline is not None:
        expected.append(deadline)

    sim = Simulation()
    fired = []
    timer = Timer(sim, lambda: fired.append(sim.now))
    for at, delay in ops:
        action = timer.cancel if delay is None else (lambda d=delay: timer.start(d))
        sim.call_later(at, lambda _e, action=action: action())
    sim.run(until_ns=10_000)
    assert fired == expected
