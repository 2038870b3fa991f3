"""The simulation context: a SimPy environment counting integer nanoseconds,
the named random streams and the tracer, handed to every node and link.

``call_later`` schedules a callback as a SimPy ``Timeout`` would, without
running ``Timeout.__init__``: it pushes the very heap entry ``Environment.schedule``
pushes, ``(time, NORMAL, next id, event)``, for a plain ``Event`` already
succeeded. That relies on SimPy internals (``_queue``, ``_eid``, ``_now``,
``_ok``, ``_value``; ``Channel.send_idle`` pushes the same entry inline), so
pyproject.toml pins SimPy's version and
tests/engine/test_simpy_pin.py checks the pin and the internals.
"""

import os
from heapq import heappush
from typing import Callable

import simpy
from simpy.events import NORMAL, Event

from simulator.engine.limits import UNLIMITED, run_bounded
from simulator.engine.rng import RngStreams
from simulator.engine.trace import Tracer


_new = object.__new__
FAST_PATH_ENV = "NETSIM_FAST_PATH"       # "0": every frame takes the layered path


def fast_path_default() -> bool:
    """Whether a new Simulation uses the forwarding fast path (``NETSIM_FAST_PATH=0``: no)."""
    return os.environ.get(FAST_PATH_ENV, "1") != "0"


class Simulation:
    """``fast_path``: routers and switches may forward the common case through fused
    code (simulator/stack/fastpath.py), and hosts send TCP's (stack/hostpath.py),
    instead of the layered reference path; the two give identical results. None: from the environment (:func:`fast_path_default`)."""

    def __init__(self, seed: int = 1, fast_path: bool | None = None):
        self.env = simpy.Environment(initial_time=0)
        self.fast_path = fast_path_default() if fast_path is None else fast_path
        self._queue = self.env._queue
        self._eid = self.env._eid
        self.rng = RngStreams(seed)
        self.tracer = Tracer(lambda: self.env.now)
        self._mac_counter = 0
        self.link_listeners: list = []   # called with a Link when it goes up or down

    @property
    def now(self) -> int:
        """Simulated time in integer nanoseconds."""
        return self.env.now

    def call_later(self, delay_ns: int, fn: Callable[[simpy.Event], None], value=None) -> None:
        """Run ``fn(event)`` after ``delay_ns``; ``event.value`` is ``value``.

        What ``env.timeout(delay_ns, value).callbacks.append(fn)`` does (the same
        heap entry, so the same order among events at one time), without the
        Timeout's Python-level constructor: the per-frame paths call this.
        """
        if delay_ns < 0:
            raise ValueError(f"negative delay {delay_ns}")
        event = _new(Event)
        event.env = self.env
        event.callbacks = [fn]
        event._value = value
        event._ok = True
        heappush(self._queue, (self.env._now + delay_ns, NORMAL, next(self._eid), event))

    def process(self, generator):
        return self.env.process(generator)

    @property
    def pending_events(self) -> int:
        """How many events SimPy has scheduled and not yet processed (a cost measure)."""
        return len(self.env._queue)

    def run(self, until_ns: int) -> None:
        """Run until simulated time reaches ``until_ns``: ``env.run(until=until_ns)``,
        stepping inline as :func:`run_bounded` does, with no limit."""
        if until_ns <= self.env.now:
            raise ValueError(f"until ({until_ns}) must be after now ({self.env.now})")
        run_bounded(self.env, until_ns, UNLIMITED)

    def next_mac_index(self) -> int:
        """Deterministic MAC numbering: in order of interface creation."""
        self._mac_counter += 1
        return self._mac_counter


class Timer:
    """A one-shot timer that costs nothing to restart (RFC 6298 §5's one
    retransmission timer per connection, restarted on every ACK).

    SimPy cannot unschedule an event, so a timer keeps at most one pending
    event and a ``deadline``. Restarting to a later deadline (the common case)
    only records it: when the pending event fires early it re-arms for the
    remainder. Restarting to an earlier deadline schedules a new event; the
    later one, now stale, is ignored when it fires. Cancelling forgets the
    deadline and leaves the pending event to fire into nothing.
    """

    __slots__ = ("_sim", "_fn", "_armed_at", "deadline")

    def __init__(self, sim: Simulation, fn: Callable[[], None]):
        self._sim = sim
        self._fn = fn
        self._armed_at: int | None = None      # the time of the one live pending event
        self.deadline: int | None = None

    @property
    def running(self) -> bool:
        return self.deadline is not None

    def start(self, delay_ns: int) -> None:
        """(Re)start: fire ``delay_ns`` from now, whatever was pending."""
        self.start_at(self._sim.env.now + delay_ns)

    def start_at(self, deadline: int) -> None:
        """(Re)start to fire at the absolute time ``deadline`` (not before now)."""
        self.deadline = deadline
        armed = self._armed_at
        if armed is None or deadline < armed:
            self._armed_at = deadline
            self._sim.env.timeout(deadline - self._sim.env.now, deadline).callbacks.append(
                self._fire)

    def cancel(self) -> None:
        self.deadline = None

    def _fire(self, event) -> None:
        if event._value != self._armed_at:
            return                              # superseded by an earlier arming
        self._armed_at = None
        deadline = self.deadline
        if deadline is None:
            return
        now = self._sim.env.now
        if now < deadline:                      # restarted since: wait for the remainder
            self.start_at(deadline)
            return
        self.deadline = None
        self._fn()
