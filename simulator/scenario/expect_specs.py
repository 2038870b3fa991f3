"""Expectations over the trace: which events an expectation counts, orders or times.

An event is named ``layer.event`` as the trace names it (``arp.arp_state``,
``phy.tx``, ``run.node_down``), or by one of the packet names of :data:`PACKETS`
(``arp.request``: a ``phy.tx`` of an ARP request), which count every frame sent,
hop by hop, so a ``node`` filter picks the sender. docs/yaml.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import Name, Nanoseconds, describe


@dataclass(frozen=True)
class Packet:
    """A packet name: a ``phy.tx`` of protocol ``proto`` whose summary starts with ``info``."""

    proto: str
    info: str


PACKETS = {
    "arp.request": Packet("ARP", "Who has"),
    "arp.reply": Packet("ARP", ""),             # an ARP that is not a request (… is at …)
    "icmp.echo_request": Packet("ICMP", "Echo (ping) request"),
    "icmp.echo_reply": Packet("ICMP", "Echo (ping) reply"),
    "icmp.unreachable": Packet("ICMP", "Destination unreachable"),
    "icmp.time_exceeded": Packet("ICMP", "Time-to-live exceeded"),
}


class EventFilter(Model):
    """Which trace events: ``event`` (``layer.event`` or a packet name), ``layer``,
    ``node``, ``iface`` and a time ``window: [from, to)``, all optional (all given must
    match). YAML: ``arp.request`` or ``{event: arp.request, node: pc, window: [1s, 2s]}``."""

    doc_types: ClassVar = {"layer": "layer name (`arp`)", "node": "node name",
                           "iface": "interface name", "window": "`[time, time]` (`[1s, 2s]`)"}

    event: str | None = Field(None, description=(
        "`layer.event` as the trace names it, or a packet name (below)"))
    layer: Name | None = Field(None, description="any event of this layer")
    node: Name | None = Field(None, description="at this node (a packet: its sender)")
    iface: Name | None = Field(None, description="on this interface")
    window: tuple[Nanoseconds, Nanoseconds] | None = Field(None, description="from ≤ time < to")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"event": data}
        if not isinstance(data, (dict, EventFilter)):
            raise ValueError(f"expected an event like arp.request or a mapping with event, "
                             f"layer, node, iface, window; got {describe(data)}")
        return data

    @field_validator("event")
    @classmethod
    def _layer_dot_event(cls, value: str | None) -> str | None:
        if value is not None and (value.count(".") < 1 or value.startswith(".")
                                  or value.endswith(".")):
            raise ValueError(f"'{value}' is not an event name: expected layer.event, like "
                             f"arp.arp_state, phy.tx or a packet ({', '.join(PACKETS)})")
        return value

    @model_validator(mode="after")
    def _something(self) -> EventFilter:
        if self.event is None and self.layer is None:
            raise ValueError("say which events: event (layer.event) or layer")
        if self.window is not None and self.window[0] >= self.window[1]:
            raise ValueError("a window [from, to) needs from before to")
        return self

    def trace_key(self) -> tuple[str, str | None]:
        """The trace's (layer, event) this filter reads (event None: any of the layer)."""
        if self.event is None:
            return self.layer, None
        if self.event in PACKETS:
            return "phy", "tx"
        layer, _, event = self.event.partition(".")
        return layer, event

    def matches(self, record: dict) -> bool:
        layer, event = self.trace_key()
        if record["layer"] != layer or (event is not None and record["event"] != event):
            return False
        if self.node is not None and record["node"] != self.node:
            return False
        if self.iface is not None and record.get("if") != self.iface:
            return False
        if self.window is not None and not self.window[0] <= record["ns"] < self.window[1]:
            return False
        packet = PACKETS.get(self.event)
        if packet is not None:
            info = record.get("info", "")
            if record.get("proto") != packet.proto:
                return False
            if self.event == "arp.reply":
                return not info.startswith(PACKETS["arp.request"].info)
            return info.startswith(packet.info)
        return True

    def __str__(self) -> str:
        text = self.event or f"{self.layer}.*"
        where = [f"on {self.node}" + (f":{self.iface}" if self.iface else "")] if self.node else []
        if self.window is not None:
            where.append(f"in [{self.window[0] / 1e9:g} s, {self.window[1] / 1e9:g} s)")
        return " ".join([text, *where])

# docs/yaml.md's Expectation table: the YAML forms, defaults and rules of the trace forms' keys
EXPECTATION_DOC = {
    "types": {"on": "node name", "app": "app kind or action name", "after": "action name"},
    "defaults": {"name": "made from what it checks"},
    "rules": {
        "on": "an existing node", "app": "an app kind or action name in `run`",
        "count": "with `equals`, or `at_least` and/or `at_most`",
        "equals": "with `count`", "at_least": "with `count`", "at_most": "with `count`",
        "event": "with `after` and `within`", "after": "with `event`; a name in `run`",
        "within": "with `event`"},
}
