"""How a run is bounded and what its trace records: the scenario's ``limits:`` and
``trace:`` keys (part of :mod:`simulator.scenario.schema`)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from simulator.spec.model import Model
from simulator.spec.values import S, Bool, Bytes, Int, Name, Nanoseconds, describe


class LimitsSpec(Model):
    """When a run that runs away is stopped (``simulator.engine.limits``). YAML:
    ``limits: {max_events: 1000000, wall_clock: 60s, trace_size: 100MiB, stall: 100000}``."""

    doc_types: ClassVar = {"wall_clock": "time (`60s`)", "trace_size": "size (`1GiB`)"}

    max_events: Int = Field(200_000_000, gt=0, description=(
        "end after exactly this many simulation events (`max_events`); `--max-events N`"))
    wall_clock: Nanoseconds = Field(3600 * S, gt=0, description=(
        "end after this much real time (`wall_clock`; the only machine-dependent end); "
        "`--wall-clock 60s`"))
    trace_size: Bytes = Field(2 * 1024 ** 3, gt=0, description=(
        "end when `trace.jsonl` would grow past this; the file stops at the last whole line "
        "that fits (`trace_size`); `--trace-size 1GiB`"))
    stall: Int = Field(1_000_000, gt=0, description=(
        "end after this many events without simulated time advancing, e.g. a loop at a rate "
        "that rounds serialization to 0 ns (`stalled`; checked every 4096 events); `--stall N`"))


class TraceSpec(Model):
    """What ``trace.jsonl`` records. YAML: ``trace: off``, ``trace: full`` (the default)
    or ``trace: {nodes: [r1], layers: [ip, icmp], events: [tx, drop]}`` (all given must match)."""

    off: Bool = Field(False, description="`true` (`trace: off`): no `trace.jsonl`")
    nodes: list[Name] | None = Field(None, description=(
        "keep the events of these nodes (left out: all)"))
    layers: list[Name] | None = Field(None, description=(
        "keep the events of these layers (left out: all)"))
    events: list[Name] | None = Field(None, description="keep these event kinds (left out: all)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data is False or data == "off":     # YAML 1.1 reads a bare off as false
            return {"off": True}
        if data is True or data == "full":
            return {}
        if not isinstance(data, (dict, TraceSpec)):
            raise ValueError(f"expected off, full or a mapping with nodes, layers, events; "
                             f"got {describe(data)}")
        return data

    @property
    def filtered(self) -> bool:
        return any(v is not None for v in (self.nodes, self.layers, self.events))
