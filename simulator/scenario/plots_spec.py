"""The ``plots:`` key of a scenario (what the ladder and the hop-latency plot show),
and a node's ``pos:`` (where the topology figure and the viewer draw it).

YAML::

    plots:
      ladder: {window: [1s, 2s], nodes: [a, r1, b], app: ping1, l2: true, pages: 10}
      hops: {packet: "seq=3"}

``netsim run --plot ladder.window=1s:2s --plot ladder.nodes=a,r1`` sets the same keys.
The reference is docs/plots.md.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import Bool, Int, IPv4Addr, Name, Nanoseconds, Text, describe


def _position(value: Any) -> tuple[float, float]:
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        return float(value[0]), float(value[1])
    raise ValueError(f"expected a position [x, y] (two numbers, y up), got {describe(value)}")


# A node's ``pos: [x, y]``: where the topology figure and the viewer draw it (any units:
# the drawing is scaled to fit; y grows upwards).
Position = Annotated[tuple[float, float], BeforeValidator(_position)]


def _split(value: Any, sep: str) -> Any:
    """``"1s:2s"`` → ``["1s", "2s"]`` (the CLI's spelling of a list); others as given."""
    return [part.strip() for part in value.split(sep)] if isinstance(value, str) else value


class LadderPlotSpec(Model):
    """What the ladder draws: a time ``window``, the lifelines (``nodes``, in order), only
    one app's packets (``app``: its name, or its kind when unnamed) or one ``flow``
    (two IPv4 addresses), the Ethernet line (``l2``), at most ``pages`` pages."""

    doc_types: ClassVar = {"window": "`[time, time]` (`[1s, 2s]`)", "nodes": "list of node names",
                           "app": "app name (or kind)", "flow": "two IPv4 addresses"}
    doc_defaults: ClassVar = {"window": "the whole run", "nodes": "along the path", "app": "all",
                              "flow": "all"}
    doc_rules: ClassVar = {"window": "start ≤ end", "nodes": "existing nodes",
                           "app": "an app of `run:`; not with `flow`", "flow": "not with `app`"}

    window: list[Nanoseconds] | None = Field(None, description=(
        "events from .. to"))
    nodes: list[Name] | None = Field(None, description=(
        "these lifelines, in this order"))
    app: Text | None = Field(None, description=(
        "only its packets, from its start"))
    flow: list[IPv4Addr] | None = Field(None, description=(
        "only packets between them, and ICMP errors to either"))
    l2: Bool = Field(False, description="Ethernet addresses under each line")
    pages: Int = Field(20, gt=0, le=1000, description="at most this many pages")

    @field_validator("window", mode="before")
    @classmethod
    def _window_text(cls, value: Any) -> Any:
        return _split(value, ":")

    @field_validator("nodes", "flow", mode="before")
    @classmethod
    def _list_text(cls, value: Any) -> Any:
        return _split(value, ",")

    @model_validator(mode="after")
    def _shape(self) -> LadderPlotSpec:
        if self.window is not None and (len(self.window) != 2 or self.window[0] > self.window[1]):
            raise ValueError("window: expected [start, end] with start <= end, like [1s, 2s]")
        if self.flow is not None and len(self.flow) != 2:
            raise ValueError("flow: expected two IPv4 addresses, like [10.0.0.1, 10.0.0.2]")
        if self.app is not None and self.flow is not None:
            raise ValueError("give app or flow, not both")
        return self


class HopsPlotSpec(Model):
    """Which packet the hop-latency plot follows: the first whose Info contains
    ``packet`` (e.g. ``seq=3``), or with this IPv4 ``ip_id``; by default the first echo
    request or UDP datagram that needed no ARP on the way."""

    doc_defaults: ClassVar = {"packet": "the first echo/UDP over the most hops that waited for no ARP"}

    packet: Text | None = Field(None, description="the first packet whose Info contains it")
    ip_id: Int | None = Field(None, ge=0, le=65535, description=(
        "the first packet with this IPv4 ID"))


class PlotsSpec(Model):
    doc_types: ClassVar = {"ladder": "`ladder:` (below)", "hops": "`hops:` (below)"}

    ladder: LadderPlotSpec = Field(default_factory=LadderPlotSpec.model_construct, description=(
        "what the ladder shows"))
    hops: HopsPlotSpec = Field(default_factory=HopsPlotSpec.model_construct, description=(
        "which packet the hop-latency plot follows"))


def with_overrides(plots: PlotsSpec, items: list[str]) -> PlotsSpec:
    """``plots`` with the CLI's ``--plot SECTION.KEY=VALUE`` items applied (values as
    YAML would give them; lists as ``a,b`` or ``1s:2s``). Raises ``ValueError`` naming
    the item."""
    import yaml

    sections = {"ladder": LadderPlotSpec, "hops": HopsPlotSpec}
    updates: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, text = item.partition("=")
        section, dot, name = key.strip().partition(".")
        if not (eq and dot) or section not in sections:
            raise ValueError(f"--plot {item}: expected ladder.KEY=VALUE or hops.KEY=VALUE")
        updates.setdefault(section, {})[name] = yaml.safe_load(text) if text.strip() else None
    out = plots
    for section, values in updates.items():
        spec = getattr(out, section)
        merged = {k: v for k, v in spec.model_dump().items() if k not in values}
        try:
            checked = sections[section].model_validate(values, context={"yaml": True})
            merged |= {k: getattr(checked, k) for k in values}
            new = sections[section].model_validate(merged)
        except ValueError as err:
            first = err.errors()[0] if hasattr(err, "errors") else {"msg": str(err), "loc": ()}
            where = "".join(f".{p}" for p in first.get("loc", ()))
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ValueError(f"--plot {section}{where}: {message}") from None
        out = out.model_copy(update={section: new})
    return out
