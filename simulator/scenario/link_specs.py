"""Pydantic models of links: their parameters (rate, delay, MTU, queue, faults), the
overrides a topology's `defaults:` and each link set, and a link's two endpoints.
:mod:`simulator.scenario.schema` builds topology and scenario files from them."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ConfigDict, Field, field_validator, model_validator

from simulator.spec.model import Model
from simulator.spec.values import (BitsPerSecond, Bool, Bytes, Int, Mtu, Name, Nanoseconds,
                                   Probability, describe)

from ..engine.units import parse_size

class QueueLimit(Model):
    """Transmit queue limit: in packets or in bytes (exactly one).

    YAML: ``queue: 100`` (packets), ``queue: 64KiB`` (bytes), ``{packets: 100}``, ``{bytes: 64KiB}``.
    """

    packets: Int | None = Field(None, gt=0, description="frames queued at most")
    bytes: Bytes | None = Field(None, gt=0, description="bytes of Ethernet frames queued at most")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, (bool, float)):
            raise ValueError(f"expected a packet count like 100 or a size like 64KiB, got {describe(data)}")
        if isinstance(data, int):
            return {"packets": data}
        if isinstance(data, str):
            text = data.strip()
            if text.isascii() and text.isdigit():
                return {"packets": int(text)}
            return {"bytes": parse_size(text)}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> QueueLimit:
        if (self.packets is None) == (self.bytes is None):
            raise ValueError("give the queue limit in packets or in bytes (exactly one)")
        return self


class LinkParams(Model):
    """Every parameter of a link, resolved (see :meth:`Topology.link_params`)."""

    doc_types: ClassVar = {"rate": "rate (`100Mbps`)", "delay": "time (`10us`)",
                           "queue": "queue limit (`100`, `64KiB`)", "loss": "fraction (`1%`)",
                           "jitter": "time (`1ms`)"}
    doc_defaults: ClassVar = {"queue": "`100` (packets)"}
    doc_rules: ClassVar = {"queue": "> 0; packets or bytes, exactly one",
                           **dict.fromkeys(("loss", "corrupt", "duplicate"), "0..1")}

    rate: BitsPerSecond = Field(100_000_000, gt=0, description="serialization rate")
    delay: Nanoseconds = Field(1_000_000, ge=0, description="propagation delay")
    mtu: Mtu = Field(1500, description=(
        "largest IP packet; the MTU of both ends' interfaces unless they set their own; "
        "larger frames are dropped (`OVERSIZE`)"))
    queue: QueueLimit = Field(default_factory=lambda: QueueLimit.model_construct(packets=100),
                              description=(
        "transmit queue of each direction (drop-tail; the frame being sent is not counted)"))
    loss: Probability = Field(0.0, description=(
        "probability a frame is lost (serialized, never arrives)"))
    corrupt: Probability = Field(0.0, description=(
        "probability one bit of a frame is flipped (the receiver drops it, `BAD_FCS`)"))
    duplicate: Probability = Field(0.0, description="probability a frame arrives twice")
    jitter: Nanoseconds = Field(0, ge=0, description=(
        "uniform random extra delay in [0, jitter] per frame; frames may overtake each other"))
    preamble: Bool = Field(False, description=(
        "count the 8 B preamble + SFD and the 12 B inter-frame gap in every frame's time on "
        "the wire (a 64 B frame then takes 84 byte-times)"))


# made without a validator of its own: its values are the defaults (tests/test_startup_
# imports.py checks that validation makes the same); so is each link's merge of them
BUILTIN_LINK = LinkParams.model_construct()


class LinkOverrides(Model):
    """The fields of :class:`LinkParams`, each optional (``None`` = not given)."""

    rate: BitsPerSecond | None = Field(None, gt=0, description="this link's value")
    delay: Nanoseconds | None = Field(None, ge=0, description="this link's value")
    mtu: Mtu | None = Field(None, description="this link's value")
    queue: QueueLimit | None = Field(None, description="this link's value")
    loss: Probability | None = Field(None, description="this link's value")
    corrupt: Probability | None = Field(None, description="this link's value")
    duplicate: Probability | None = Field(None, description="this link's value")
    jitter: Nanoseconds | None = Field(None, ge=0, description="this link's value")
    preamble: Bool | None = Field(None, description="this link's value")

    def given(self) -> dict[str, Any]:
        """The link parameters this object sets (those not ``None``)."""
        return {k: getattr(self, k) for k in LinkOverrides.model_fields if getattr(self, k) is not None}


class Defaults(Model):
    doc_types: ClassVar = {"link": "[link parameters](#link-parameters)"}

    link: LinkOverrides = Field(default_factory=LinkOverrides.model_construct, description=(
        "parameters every link starts from (not `cost` or `up`)"))


class Endpoint(Model):
    """One end of a link or a capture point. YAML: ``"pc1"`` or ``"home:lan"``."""

    model_config = ConfigDict(frozen=True)

    node: Name
    iface: Name | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            node, colon, iface = data.strip().partition(":")
            if not node or (colon and not iface) or ":" in iface:
                raise ValueError(f"'{data}' is not an endpoint (expected 'node' or 'node:interface')")
            return {"node": node, "iface": iface or None}
        if not isinstance(data, (dict, Endpoint)):
            raise ValueError(f"expected an endpoint like 'pc1' or 'r1:e0', got {describe(data)}")
        return data

    def __str__(self) -> str:
        return self.node if self.iface is None else f"{self.node}:{self.iface}"


class LinkSpec(LinkOverrides):
    """A link. YAML: ``[pc1, sw]`` or ``{ends: [home:wan, isp:e0], rate: 50Mbps, ...}``."""

    doc_types: ClassVar = {"ends": "two endpoints (`[home:wan, isp:e0]`)",
                           **dict.fromkeys(LinkOverrides.model_fields, "[link parameters](#link-parameters)")}
    doc_defaults: ClassVar = dict.fromkeys(LinkOverrides.model_fields, "from `defaults.link`, else built-in")
    doc_rules: ClassVar = {"ends": "exactly two; different nodes"}

    ends: tuple[Endpoint, Endpoint] = Field(description="what the link joins")
    cost: Int = Field(1, gt=0, description=(
        "path cost for `routing: auto` (not allowed in `defaults.link`)"))
    up: Bool = Field(True, description="`false`: the link starts down (a `link_up` action can raise it)")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, (list, tuple)):
            return {"ends": data}
        if not isinstance(data, (dict, LinkSpec)):
            raise ValueError(f"expected a link like [pc1, sw] or a mapping with 'ends', got {describe(data)}")
        return data

    @field_validator("ends", mode="before")
    @classmethod
    def _two_ends(cls, value: Any) -> Any:
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list of two ends like [pc1, sw], got {describe(value)}")
        if len(value) != 2:
            raise ValueError(f"a link needs exactly two ends, got {len(value)}")
        return value
