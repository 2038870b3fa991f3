"""The tracer: one stream of typed events that every output is a view of.

An event is a flat dict: ``t`` (seconds), ``ns`` (integer nanoseconds),
``node``, ``layer``, ``event`` and event-specific fields. Sinks receive each
event as it is emitted (a JSON-lines file, a list in tests). With no sink the
tracer is off: call sites test ``tracer.on`` before building an event, so a
run without tracing pays one attribute read per would-be event. A
:class:`TraceFilter` keeps only the events of some nodes, layers or kinds.

Counters (drops by reason, per node) are kept whether tracing is on or off:
they feed ``summary.json`` and are cheap because drops are rare. Time series
(queue occupancy, for one) are sampled only while tracing is on, each in a
:class:`Series` of bounded size.
"""

from array import array
from collections import Counter
from typing import BinaryIO, Callable

import orjson

Event = dict
Sink = Callable[[Event], None]


class JsonLinesSink:
    """Writes each event as one JSON object per line (orjson) to a binary stream,
    gathering the lines and writing them ``block`` bytes at a time (with 0, each as it
    comes): one write of a large block costs less than many of one line each.
    :meth:`close` writes what is gathered and closes the stream; the run calls it
    however it ends.

    With ``cap`` (bytes), the line that would take the file past it is not written:
    the sink stops writing and calls ``on_full`` once.
    """

    def __init__(self, stream: BinaryIO, cap: int | None = None,
                 on_full: Callable[[], None] = lambda: None, block: int = 0):
        self._stream = stream
        self._lines: list[bytes] = []     # gathered, not yet written
        self._gather = self._lines.append
        self._block = block
        self._cap = cap if cap is not None else 1 << 62
        self._room = self._cap            # bytes the file may still take
        self._due = max(self._room - block, 0)   # room below which the lines go out
        self._on_full = on_full
        self.full = False
        self._head_ns = -1                # head's last instant, and its text
        self._head = b""

    @property
    def written(self) -> int:
        """Bytes written so far."""
        return self._cap - self._room

    def __call__(self, event: Event) -> None:
        self.write(_dumps(event, option=_NEWLINE))

    def head(self, ns: int) -> bytes:
        """``{"t":…,"ns":…,``: how an event's line at ``ns`` begins, as orjson writes it
        (``t`` in its shortest form, not repr's: 1e-05 is 0.00001); made once per instant,
        which a routed hop's two lines, and often several hops, share."""
        if ns != self._head_ns:
            self._head_ns = ns
            self._head = b'{"t":%b,"ns":%d,' % (_dumps(ns / 1e9), ns)
        return self._head

    def write(self, lines: bytes) -> None:
        """Write one or more events' lines, each made by the caller exactly as
        :meth:`__call__` makes it (see :meth:`Tracer.line_sink`)."""
        room = self._room - len(lines)
        if room < self._due:
            self._spill(lines, room)
            return
        self._room = room
        self._gather(lines)

    def flush(self) -> None:
        """Write the gathered lines to the stream."""
        if self._lines:
            self._stream.write(b"".join(self._lines))
            self._lines.clear()

    def close(self) -> None:
        self.flush()
        self._stream.close()

    def _spill(self, lines: bytes, room: int) -> None:
        """A block is due (written with ``lines``), or the cap falls within ``lines``:
        then those that fit whole are written, every later line is refused
        (``full``) and ``on_full`` called, once."""
        if room >= 0:
            self._room = room
            self._gather(lines)
            self.flush()
            self._due = max(room - self._block, 0)
            return
        if self.full:
            return
        for line in lines.splitlines(keepends=True):
            if len(line) > self._room:
                break
            self._room -= len(line)
            self._gather(line)
        self.flush()
        self.full = True
        self._cap -= self._room + 1     # room -1 from now on: every later line
        self._room = -1                 # is refused, and written stays right
        self._on_full()


_dumps, _NEWLINE = orjson.dumps, orjson.OPT_APPEND_NEWLINE


def json_fields(fields: dict) -> bytes:
    """``fields`` as the JSON-lines sink writes them inside a line, each ``"key":value,``
    in order: a run of a line's keys made once and memoised by a per-frame site that
    writes lines whole (a copy: orjson's bytes keep its whole output buffer)."""
    return _dumps(fields)[1:-1] + b","


class TraceFilter:
    """Keep an event when its node, layer and event kind are each in the given lists
    (a list not given keeps everything)."""

    def __init__(self, nodes=None, layers=None, events=None):
        self.nodes = None if nodes is None else frozenset(nodes)
        self.layers = None if layers is None else frozenset(layers)
        self.events = None if events is None else frozenset(events)

    def __call__(self, node: str, layer: str, event: str) -> bool:
        return ((self.nodes is None or node in self.nodes)
                and (self.layers is None or layer in self.layers)
                and (self.events is None or event in self.events))


class Series:
    """A time series of ``(ns, value)`` in bounded memory (16 bytes a sample, in arrays).

    The maximum is exact. The samples are all kept up to ``limit``; past it, every
    other one is dropped and from then on only every ``stride``-th sample is kept
    (the stride doubles each time the arrays fill again), so a long run keeps an
    evenly thinned series of at most ``limit`` samples: 16 KiB per series by default,
    whatever the run's length (a 2,000-host LAN has 4,000 transmit queues).
    """

    __slots__ = ("times", "values", "max", "count", "limit", "stride")

    def __init__(self, limit: int = 1024):
        self.times = array("q")
        self.values = array("d")
        self.max: float | None = None
        self.count = 0
        self.limit = limit
        self.stride = 1

    def add(self, ns: int, value: float) -> None:
        if self.max is None or value > self.max:
            self.max = value
        if self.count % self.stride == 0:
            if len(self.times) >= self.limit:
                del self.times[1::2], self.values[1::2]
                self.stride *= 2
            if self.count % self.stride == 0:
                self.times.append(ns)
                self.values.append(value)
        self.count += 1

    def __iter__(self):
        return zip(self.times, self.values)

    def __len__(self) -> int:
        return len(self.times)


class Tracer:
    def __init__(self, clock: Callable[[], int]):
        self._clock = clock
        self._sinks: list[Sink] = []
        self._for_kind: dict[str, tuple] = {}     # event kind -> the sinks that take it
        self._line_sinks: dict[str, JsonLinesSink | None] = {}   # see line_sink
        self._keep: TraceFilter | None = None
        self.on = False
        self.lines: JsonLinesSink | None = None   # see _frame_lines
        self.counters: Counter[tuple[str, str]] = Counter()
        self.series: dict[str, Series] = {}

    def add_sink(self, sink: Sink) -> None:
        """Send events to ``sink``: all of them, or only the kinds in its ``kinds``
        attribute if it has one (a table log needs only the table changes)."""
        self._sinks.append(sink)
        self._for_kind.clear()
        self._line_sinks.clear()
        self.on = True
        self.lines = self._frame_lines()

    def _sinks_for(self, kind: str) -> tuple:
        sinks = self._for_kind[kind] = tuple(
            s for s in self._sinks if getattr(s, "kinds", None) is None or kind in s.kinds)
        return sinks

    def line_sink(self, kind: str) -> JsonLinesSink | None:
        """The JSON-lines sink, when it alone takes events of ``kind`` and no filter is
        set; else None. A per-frame site given it may write the event's line itself
        (``JsonLinesSink.write``, the bytes orjson would make of the record) instead of
        building the record: the fast path does, and is compared with the layered
        path, which always emits records, byte for byte."""
        sink = self._line_sinks.get(kind, False)
        if sink is False:
            sinks = self._sinks_for(kind)
            sink = self._line_sinks[kind] = (
                sinks[0] if self._keep is None and len(sinks) == 1
                and type(sinks[0]) is JsonLinesSink else None)
        return sink

    def select(self, keep: TraceFilter) -> None:
        """Emit only the events ``keep`` accepts (counters and series are not filtered)."""
        self._keep = keep
        self._line_sinks.clear()
        self.lines = self._frame_lines()

    def _frame_lines(self) -> JsonLinesSink | None:
        """The JSON-lines sink when it is :meth:`line_sink` for both per-frame kinds,
        ``tx`` and ``route`` (``lines``, read by the per-frame sites: one attribute
        instead of a call a kind)."""
        sink = self.line_sink("tx")
        return sink if sink is not None and self.line_sink("route") is sink else None

    def emit(self, node: str, layer: str, event: str, ns: int | None = None, **fields) -> None:
        """Emit an event stamped now (or at ``ns``, for a time already known)."""
        self.emit_fields(node, layer, event, ns, fields)

    def emit_fields(self, node: str, layer: str, event: str, ns: int | None, fields: dict) -> None:
        """:meth:`emit` with the fields as a dict, in their order: a per-frame caller
        builds it once instead of passing keywords."""
        if self._keep is not None and not self._keep(node, layer, event):
            return
        if ns is None:
            ns = self._clock()
        record = {"t": ns / 1e9, "ns": ns, "node": node, "layer": layer, "event": event}
        record.update(fields)
        sinks = self._for_kind.get(event)
        for sink in sinks if sinks is not None else self._sinks_for(event):
            sink(record)

    def emit_record(self, record: Event) -> None:
        """Emit an event built whole by its caller: ``t``, ``ns``, ``node``, ``layer``,
        ``event`` first, then its fields (the per-frame events, built in one dict display)."""
        keep, kind = self._keep, record["event"]
        if keep is not None and not keep(record["node"], record["layer"], kind):
            return
        sinks = self._for_kind.get(kind)
        for sink in sinks if sinks is not None else self._sinks_for(kind):
            sink(record)

    def sample(self, name: str, value: float) -> None:
        """Add ``(now, value)`` to the time series ``name``."""
        series = self.series.get(name)
        if series is None:
            series = self.series[name] = Series()
        series.add(self._clock(), value)

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
