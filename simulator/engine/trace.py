"""The tracer: one stream of typed events that every output is a view of.

An event is a flat dict: ``t`` (seconds), ``ns`` (integer nanoseconds),
``node``, ``layer``, ``event`` and event-specific fields. Sinks receive each
event as it is emitted (a JSON-lines file, a list in tests). With no sink the
tracer is off: call sites test ``tracer.on`` before building an event, so a
run without tracing pays one attribute read per would-be event.

Counters (drops by reason, per node) are kept whether tracing is on or off:
they feed ``summary.json`` and are cheap because drops are rare. Time series
(queue occupancy, for one) are sampled only while tracing is on.
"""

import json
from collections import Counter
from typing import Callable, TextIO

Event = dict
Sink = Callable[[Event], None]


class JsonLinesSink:
    """Writes each event as one JSON object per line."""

    def __init__(self, stream: TextIO):
        self._write = stream.write

    def __call__(self, event: Event) -> None:
        self._write(json.dumps(event, separators=(",", ":")) + "\n")


class Tracer:
    def __init__(self, clock: Callable[[], int]):
        self._clock = clock
        self._sinks: list[Sink] = []
        self.on = False
        self.counters: Counter[tuple[str, str]] = Counter()
        self.series: dict[str, list[tuple[int, float]]] = {}

    def add_sink(self, sink: Sink) -> None:
        self._sinks.append(sink)
        self.on = True

    def emit(self, node: str, layer: str, event: str, ns: int | None = None, **fields) -> None:
        """Emit an event stamped now (or at ``ns``, for a time already known)."""
        if ns is None:
            ns = self._clock()
        record = {"t": ns / 1e9, "ns": ns, "node": node, "layer": layer, "event": event}
        record.update(fields)
        for sink in self._sinks:
            sink(record)

    def sample(self, name: str, value: float) -> None:
        """Append ``(now, value)`` to the time series ``name``."""
        self.series.setdefault(name, []).append((self._clock(), value))

    def count(self, node: str, name: str, n: int = 1) -> None:
        self.counters[(node, name)] += n

    def drop(self, node: str, layer: str, reason: str, what=None, **fields) -> None:
        """A packet or frame discarded, with its reason (a ``Drop``, engine/drops.py).

        ``what``, the frame or packet, gives the event's ``info``; it is only
        summarized when tracing is on, so a counted drop stays cheap.
        """
        self.counters[(node, "drop:" + reason)] += 1
        if self.on:
            if what is not None:
                fields["info"] = what.info()
            self.emit(node, layer, "drop", reason=reason, **fields)
