"""The YAML of a ``run:`` action's events other than apps: link changes, node power,
static routes, cache flushes (docs/yaml.md, "Actions").

An action does one thing; these models are the values of its event keys
(``link: {ends: [r1, r2], rate: 5Mbps}``, ``route_add: {on: r1, to: ..., via: ...}``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import (BitsPerSecond, Bool, FieldError, Int, IPv4Addr, IPv4Net, Mtu,
                                   Name, Nanoseconds, Probability, describe)


class LinkChange(Model):
    """New parameters for a link, mid-run. YAML: ``{ends: [r1, r2], rate: 5Mbps,
    delay: 30ms, loss: 1%, jitter: 2ms, mtu: 1400}`` (at least one parameter). = Field(description=(
        "new propagation delay"))

    A rate applies to the next frame that starts serialization; a delay, loss or
    jitter to frames whose first bit leaves after the change; an MTU to the next
    frame sent (both ends' interfaces take it, as ``ip link set mtu`` on each).
    """

    doc_types: ClassVar = {"ends": "two endpoints (`[r1, r2]`)"}
    doc_rules: ClassVar = {"ends": "a link of the topology"}

    ends: tuple[Any, Any] = Field(description=(
        "the link, as in `links:`"))
    rate: BitsPerSecond | None = Field(None, gt=0, description="new serialization rate")
    delay: Nanoseconds | None = Field(None, ge=0, description="new propagation delay")
    loss: Probability | None = Field(None, description="new loss probability")
    jitter: Nanoseconds | None = Field(None, ge=0, description="new jitter")
    mtu: Mtu | None = Field(None, description="new MTU of the link and both ends' interfaces")

    PARAMS: ClassVar[tuple[str, ...]] = ("rate", "delay", "loss", "jitter", "mtu")

    def given(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.PARAMS if getattr(self, k) is not None}

    @field_validator("ends", mode="before")
    @classmethod
    def _two_ends(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ValueError(f"expected the link's two ends like [r1, r2], got {describe(value)}")
        return value

    @model_validator(mode="after")
    def _changes_something(self) -> LinkChange:
        if not self.given():
            raise ValueError(f"say what changes: one or more of {', '.join(self.PARAMS)}")
        return self


class RouteChange(Model):
    """A static route added or removed. YAML: ``{on: r1, to: 10.0.3.0/24, via: 10.0.12.2}``
    (``route_add`` needs ``via`` or ``dev``; ``route_remove`` needs only ``to``)."""

    doc_types: ClassVar = {"on": "node name", "dev": "interface name"}
    doc_rules: ClassVar = {"on": "an IP node", "via": "on one of its subnets (`route_add`: `via` or `dev`)"}

    on: Name = Field(description="the node")
    to: IPv4Net = Field(description="destination prefix")
    via: IPv4Addr | None = Field(None, description="next hop")
    dev: Name | None = Field(None, description="outgoing interface")
    metric: Int = Field(0, ge=0, description="preference: the lowest wins")


class FlushSpec(Model):
    """Caches emptied, as ``ip neigh flush`` / ``resolvectl flush-caches`` do.
    YAML: ``{on: pc, arp: true}``, ``{on: pc, dns: true}``."""

    doc_types: ClassVar = {"on": "node name"}
    doc_rules: ClassVar = {"on": "an IP node", "arp": "`arp` or `dns` or both"}

    on: Name = Field(description="the node")
    arp: Bool = Field(False, description=(
        "`ip neigh flush` (waiting packets dropped, `NEIGH_FLUSHED`)"))
    dns: Bool = Field(False, description="`resolvectl flush-caches`: each DNS cache on the node")

    @model_validator(mode="after")
    def _flushes_something(self) -> FlushSpec:
        if not (self.arp or self.dns):
            raise FieldError("say which cache to flush: arp: true, dns: true or both", "arp")
        return self


# The non-app event keys of an action, in the order docs/yaml.md lists them.
EVENTS = ("stop", "link_down", "link_up", "link", "node_down", "node_up", "route_add",
          "route_remove", "flush")

# docs/yaml.md's Action table: the YAML forms, defaults and rules of an action's keys
ACTION_DOC = {
    "types": {"at": "time (`1.5s`)", "after": "action name", "on": "node name",
              "stop": "app name", "link_down": "two endpoints (`[r1:n, r2:w]`)",
              "link_up": "two endpoints", "node_down": "node name", "node_up": "node name"},
    "defaults": {"at": "required without `after`; `0` with it",
                 "repeat": "none (to the end of the run)", "until": "none (to the end of the run)",
                 "name": "the app kind (`ping`, …)"},
    "rules": {
        "at": "before `until`",
        "after": "a name in `run` (an unnamed app: its kind) that [ends](#after-an-actions-end); "
                 "no cycle",
        "every": "events only (an app repeats by itself)",
        "repeat": "with `every`, not with `until`", "until": "with `every`",
        "on": "required for an app, not allowed for an event; a host, router or l3switch",
        "name": "unique among named actions", "stop": "an app in `run`",
        "link_down": "a link of the topology", "link_up": "a link of the topology",
        "node_down": "a node of the topology", "node_up": "a node of the topology"},
}
