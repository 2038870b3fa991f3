"""What a run's plots need besides its trace, as plain data (a :class:`PlotJob`, which
can be sent to another process), and the :class:`Watch` that reads the trace for them
and stops them between figures when asked. No matplotlib here: the process that runs
the simulation need not import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simulator.viz.ladder_select import Selection
from simulator.viz.topology_layout import Drawing


def no_frames(layers, events) -> str | None:
    """Why a trace kept as ``trace.layers``/``trace.events`` say holds no frame for the
    ladder and the hop plot (both read the ``phy`` layer's ``tx`` events), as one line
    that says how to get them; ``None`` when it may hold frames."""
    if layers is not None and "phy" not in layers:
        return (f"no ladder or hop plot: the trace keeps the {', '.join(layers)} layers only; "
                "add phy to trace.layers to draw them (from its tx events)")
    if events is not None and "tx" not in events:
        return (f"no ladder or hop plot: the trace keeps {', '.join(events)} events only; "
                "add tx to trace.events to draw them")
    return None


class PlotsInterrupted(Exception):
    """A stop was requested while plotting: the figures drawn so far stand."""


@dataclass(frozen=True)
class HopsPick:
    """``plots.hops``: the packet whose hops are drawn
    (:func:`~simulator.viz.hops.chosen_packet`)."""
    packet: str | None = None
    ip_id: int | None = None


@dataclass(frozen=True)
class PlotJob:
    """The run folder (its trace is read, its ``plots/`` written) and what else the figures show."""
    out_dir: Path
    title: str
    nodes: tuple[str, ...]           # the network's nodes, in its order
    selection: Selection             # the ladder's (``plots.ladder``)
    pages: int                       # the ladder's page limit
    show_l2: bool
    hops: HopsPick
    topology: Drawing
    positions: dict                  # the YAML's ``pos:`` by node name
    cc: dict[str, str]               # each TCP node's congestion control; {} without TCP
    frames: bool = True              # the trace may hold frames (:func:`no_frames`)


class Watch:
    """Reads the trace for the plots, and raises :class:`PlotsInterrupted` at a look
    (every ``EVERY`` events, and between figures) once ``stopped()`` is true."""

    EVERY = 10_000

    def __init__(self, stopped: Callable[[], bool]):
        self.stopped = stopped

    def events(self, path: Path):
        from simulator.viz.trace_io import iter_trace

        for n, event in enumerate(iter_trace(path)):
            if n % self.EVERY == 0:
                self.check()
            yield event

    def check(self) -> None:
        if self.stopped():
            raise PlotsInterrupted
