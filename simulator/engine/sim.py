"""The simulation context: a SimPy environment counting integer nanoseconds,
the named random streams and the tracer, handed to every node and link."""

from typing import Callable

import simpy

from simulator.engine.rng import RngStreams
from simulator.engine.trace import Tracer


class Simulation:
    def __init__(self, seed: int = 1):
        self.env = simpy.Environment(initial_time=0)
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

        A plain SimPy Timeout with a callback: the cheapest way to spend
        simulated time, used on the per-frame paths instead of processes.
        """
        self.env.timeout(delay_ns, value).callbacks.append(fn)

    def process(self, generator):
        return self.env.process(generator)

    def run(self, until_ns: int) -> None:
        self.env.run(until=until_ns)

    def next_mac_index(self) -> int:
        """Deterministic MAC numbering: in order of interface creation."""
        self._mac_counter += 1
        return self._mac_counter


class Timer:
    """A one-shot timer that can be restarted or cancelled.

    SimPy cannot unschedule an event, so each start bumps a generation
    number and a firing from an older generation is ignored.
    """

    __slots__ = ("_sim", "_fn", "_generation", "deadline")

    def __init__(self, sim: Simulation, fn: Callable[[], None]):
        self._sim = sim
        self._fn = fn
        self._generation = 0
        self.deadline: int | None = None

    @property
    def running(self) -> bool:
        return self.deadline is not None

    def start(self, delay_ns: int) -> None:
        self._generation += 1
        self.deadline = self._sim.now + delay_ns
        self._sim.call_later(delay_ns, self._fire, self._generation)

    def cancel(self) -> None:
        self._generation += 1
        self.deadline = None

    def _fire(self, event) -> None:
        if event.value == self._generation and self.deadline is not None:
            self.deadline = None
            self._fn()
