"""Run limits: a run ends at ``until``, or earlier and cleanly when it runs away.

The loop steps the SimPy environment itself, ``CHUNK`` events at a time, and
looks at the limits between chunks, so the per-event path has nothing added.
Each step is SimPy 4.1.2's ``Environment.step`` done inline (one call less per
event): pop the heap, set the time, run the callbacks, crash on a failed event
nobody defused. That reads SimPy internals (``_queue``, ``_now``, ``_ok``,
``_defused``), so pyproject.toml pins SimPy and tests/engine/test_simpy_pin.py
checks the pin and that this loop and ``step`` agree. A run ends, with the reason:

``until``        simulated time reached the scenario's ``until`` (the normal end);
``max_events``   exactly ``max_events`` events were processed;
``wall_clock``   the run took longer than ``wall_clock`` of real time;
``stalled``      ``stall`` events went by without simulated time advancing
                 (a zero-delay loop), counted at chunk boundaries, so within
                 one chunk of the limit;
``trace_size``   the trace writer reached its size cap (it requests the stop);
``interrupted``  :meth:`StopRequest.request` was called (SIGINT, SIGTERM).

Only ``wall_clock`` depends on the machine; every other end is deterministic.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from heapq import heappop

from simpy.core import EmptySchedule, StopSimulation
from simpy.events import URGENT, Event

CHUNK = 4096
S = 1_000_000_000


@dataclass(frozen=True)
class Limits:
    """Defaults no honest scenario reaches (a 2,000-host LAN run stays far below)."""

    max_events: int = 200_000_000
    wall_clock_ns: int = 3600 * S
    stall: int = 1_000_000


UNLIMITED = Limits(max_events=sys.maxsize, wall_clock_ns=sys.maxsize, stall=sys.maxsize)


@dataclass(frozen=True)
class Ended:
    reason: str
    at_ns: int
    events: int

    def as_dict(self) -> dict:
        return {"reason": self.reason, "at_ns": self.at_ns, "events": self.events}


class StopRequest:
    """A flag a signal handler may set at any moment; the run stops at the next chunk.
    The first reason given is kept; ``requests`` counts them all (a request made after
    the run, while plotting, is seen as a change in it)."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.requests = 0

    def request(self, reason: str = "interrupted") -> None:
        self.requests += 1
        if self.reason is None:
            self.reason = reason


def run_bounded(env, until_ns: int, limits: Limits, stop: StopRequest | None = None) -> Ended:
    """Run ``env`` to ``until_ns`` or to the first limit hit; what ended it."""
    stop = stop or StopRequest()
    end = Event(env)
    end._ok, end._value = True, None
    env.schedule(end, URGENT, until_ns - env.now)   # before any event at until, as env.run does
    end.callbacks.append(StopSimulation.callback)
    queue = env._queue
    events, still, last_now = 0, 0, env.now
    deadline = time.monotonic() + limits.wall_clock_ns / S
    while True:
        if stop.reason is not None:
            return Ended(stop.reason, env.now, events)
        n = min(CHUNK, limits.max_events - events)
        if n <= 0:
            return Ended("max_events", env.now, events)
        i = 0
        try:
            for i in range(n):          # env.step(), inline
                try:
                    env._now, _, _, event = heappop(queue)
                except IndexError:
                    raise EmptySchedule from None
                callbacks, event.callbacks = event.callbacks, None
                try:
                    for callback in callbacks:
                        callback(event)
                except StopSimulation:  # as step: the rest of the callbacks run on resuming
                    event.callbacks = callbacks[callbacks.index(callback) + 1:]
                    env.schedule(event, -1)
                    raise
                if not event._ok and not hasattr(event, "_defused"):
                    raise _failure(event)
        except StopSimulation:          # the end marker: not counted as an event
            return Ended("until", env.now, events + i)
        events += n
        now = env.now
        if now == last_now:
            still += n
            if still >= limits.stall:
                return Ended("stalled", now, events)
        else:
            last_now, still = now, 0
        if time.monotonic() > deadline:
            return Ended("wall_clock", now, events)


def _failure(event: Event) -> BaseException:
    """What ``step`` raises for a failed event nobody defused: a copy of its
    exception, caused by the original."""
    exc = type(event._value)(*event._value.args)
    exc.__cause__ = event._value
    return exc
