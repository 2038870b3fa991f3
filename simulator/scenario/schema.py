"""Pydantic (v2) models of topology and scenario files.

Models hold exact integers in base units — nanoseconds, bits per second, bytes —
parsed from unit strings by :mod:`simulator.engine.units`, and ``ipaddress``
objects for addresses. Every model forbids unknown keys; an unknown key is reported
as ``unknown field 'gatway' (did you mean 'gateway'?)``.

Value validators raise ``ValueError`` with a complete, plain-English message;
:mod:`simulator.scenario.load` turns pydantic's errors into a located
:class:`~simulator.scenario.errors.ScenarioError`. The reference for every field is
``docs/yaml.md``.

Unit fields and bare numbers: YAML input (validated by ``load.py`` with the context
``{"yaml": True}``) must spell units out (``delay: 2ms``; only ``0`` may stand
alone). Python callers may pass ints, taken as base units (``LinkParams(delay=2_000_000)``),
so ``model_dump()`` output validates again.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

from simulator.apps import APPS
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.apps.checks import SHARED
from simulator.apps.kind import AppSpec
from simulator.spec.model import Model
from simulator.spec.values import (S, BitsPerSecond, Bool, Bytes, FieldError, Int, Mtu, Name,
                                   Nanoseconds, Probability, Text, describe, parse_ipv4_address,
                                   parse_ipv4_interface, parse_ipv4_network, parse_mac)

from ..engine.units import parse_size
from .node_specs import (NODE_TYPES, ArpSpec, GroupSpec, HostSpec, HubSpec, InterfaceSpec,
                         L3SwitchSpec, NodeSpec, ReassemblyMemory, RouterSpec, RouteSpec,
                         SwitchSpec)
from .plots_spec import PlotsSpec
from .transport import TcpSpec

__all__ = [
    "Model", "QueueLimit", "ReassemblyMemory", "LinkParams", "LinkOverrides", "Defaults",
    "ArpSpec",
    "InterfaceSpec", "HostSpec", "SwitchSpec", "HubSpec", "RouterSpec", "RouteSpec",
    "GroupSpec", "L3SwitchSpec",
    "NodeSpec", "NODE_TYPES", "Endpoint", "LinkSpec", "Topology", "AppSpec",
    "Action", "CaptureSpec", "Expectation", "LimitsSpec", "TraceSpec", "Scenario",
    "BUILTIN_LINK", "describe",
    "parse_ipv4_address", "parse_ipv4_interface", "parse_ipv4_network", "parse_mac",
    "TcpSpec",
]

# -------------------------------------------------------------------------- links

class QueueLimit(Model):
    """Transmit queue limit: in packets or in bytes (exactly one).

    YAML: ``queue: 100`` (packets), ``queue: 64KiB`` (bytes), ``{packets: 100}``, ``{bytes: 64KiB}``.
    """

    packets: Int | None = Field(None, gt=0)
    bytes: Bytes | None = Field(None, gt=0)

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

    rate: BitsPerSecond = Field(100_000_000, gt=0)
    delay: Nanoseconds = Field(1_000_000, ge=0)
    mtu: Mtu = 1500
    queue: QueueLimit = Field(default_factory=lambda: QueueLimit(packets=100))
    loss: Probability = 0.0
    corrupt: Probability = 0.0
    duplicate: Probability = 0.0
    jitter: Nanoseconds = Field(0, ge=0)
    preamble: Bool = False      # count the 8 B preamble+SFD and 12 B inter-frame gap on the wire


BUILTIN_LINK = LinkParams()


class LinkOverrides(Model):
    """The fields of :class:`LinkParams`, each optional (``None`` = not given)."""

    rate: BitsPerSecond | None = Field(None, gt=0)
    delay: Nanoseconds | None = Field(None, ge=0)
    mtu: Mtu | None = None
    queue: QueueLimit | None = None
    loss: Probability | None = None
    corrupt: Probability | None = None
    duplicate: Probability | None = None
    jitter: Nanoseconds | None = Field(None, ge=0)
    preamble: Bool | None = None

    def given(self) -> dict[str, Any]:
        """The link parameters this object sets (those not ``None``)."""
        return {k: getattr(self, k) for k in LinkOverrides.model_fields if getattr(self, k) is not None}


class Defaults(Model):
    link: LinkOverrides = Field(default_factory=LinkOverrides)


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

    ends: tuple[Endpoint, Endpoint]
    cost: Int = Field(1, gt=0)
    up: Bool = True

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


class Topology(Model):
    name: Text
    defaults: Defaults = Field(default_factory=Defaults)
    routing: Literal["static", "auto"] = "static"
    convergence: Nanoseconds = Field(0, ge=0)
    nodes: dict[Name, NodeSpec] = Field(min_length=1)
    links: list[LinkSpec] = Field(default_factory=list)

    def link_params(self, link: LinkSpec) -> LinkParams:
        """Built-in defaults ← this topology's ``defaults.link`` ← the link's own fields."""
        merged = BUILTIN_LINK.model_dump()
        merged.update(self.defaults.link.given())
        merged.update(link.given())
        return LinkParams.model_validate(merged)


# ----------------------------------------------------------------------- scenario

class _Action(Model):
    """At a time: start one app on a node (exactly one app key, ``ping: ...``),
    or take a link down or up (``link_down: [r1, r2]``)."""

    at: Nanoseconds = Field(ge=0)
    on: Name | None = None
    name: Text | None = None

    APP_KINDS: ClassVar[tuple[str, ...]] = tuple(APPS)
    LINK_EVENTS: ClassVar[tuple[str, ...]] = ("link_down", "link_up")

    @classmethod
    def app_kinds(cls) -> tuple[str, ...]:
        """The app keys an action may carry (the registered kinds, simulator.apps.APPS)."""
        return cls.APP_KINDS

    @model_validator(mode="after")
    def _exactly_one_thing(self) -> _Action:
        given = [k for k in self.app_kinds() + self.LINK_EVENTS if getattr(self, k) is not None]
        if not given:
            raise ValueError("an action needs an app to run (one of: "
                             f"{', '.join(self.app_kinds())}) or a link event (link_down, link_up)")
        if len(given) > 1:
            raise FieldError(f"an action does one thing, got {' and '.join(given)}", given[1])
        if given[0] in self.LINK_EVENTS:
            if self.on is not None:
                raise FieldError(f"'{given[0]}' names the link's two ends; 'on' is for apps", "on")
        elif self.on is None:
            raise ValueError(f"say which node runs the {given[0]} with 'on'")
        return self

    @property
    def kind(self) -> str:
        """The app kind or link event, e.g. ``"ping"`` or ``"link_down"``."""
        return next(k for k in self.app_kinds() + self.LINK_EVENTS if getattr(self, k) is not None)

    @property
    def is_app(self) -> bool:
        return self.kind not in self.LINK_EVENTS

    @property
    def app(self) -> AppSpec:
        """The app's spec, e.g. a :class:`~simulator.apps.ping.PingSpec`."""
        return getattr(self, self.kind)


# One optional field per registered app kind, typed with its spec; then the link events
# (the link's two ends, as in `links:`).
Action = create_model(
    "Action", __base__=_Action, __module__=__name__, __doc__=_Action.__doc__,
    **{kind.name: (kind.spec | None, None) for kind in APPS.values()},
    link_down=(tuple[Endpoint, Endpoint] | None, None),
    link_up=(tuple[Endpoint, Endpoint] | None, None),
)


class CaptureSpec(Model):
    """A capture point. YAML: ``pc1`` (all its interfaces), ``sw:p2``, or ``{point: ..., fcs: true}``."""

    point: Endpoint
    fcs: Bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"point": data}
        if not isinstance(data, (dict, CaptureSpec)):
            raise ValueError(f"expected a capture point like 'pc1' or 'sw:p2', got {describe(data)}")
        return data


def _checks() -> dict:
    """Every registered kind's checks by field: the shared ones first (in their order),
    then each app's own, in table order."""
    out = {check.name: check for check in SHARED}
    for kind in APPS.values():
        for check in kind.checks:
            out.setdefault(check.name, check)
    for check in DHCP_CLIENT_CHECKS:                 # app: dhcp, the ip: dhcp clients
        out.setdefault(check.name, check)
    return out


CHECKS = _checks()


class _Expectation(Model):
    on: Name | None = None
    app: str

    CHECKS: ClassVar[tuple[str, ...]] = tuple(CHECKS)

    def given(self) -> list[str]:
        """The checks this expectation makes (its keys of :attr:`CHECKS` that are set)."""
        return [k for k in self.CHECKS if getattr(self, k) is not None]

    @model_validator(mode="after")
    def _checks_something(self) -> _Expectation:
        if not self.given():
            raise ValueError(f"an expectation needs something to check (one of: {', '.join(self.CHECKS)})")
        return self


# One optional field per expectation field an app supports (simulator.apps.checks).
Expectation = create_model("Expectation", __base__=_Expectation, __module__=__name__,
                           **{name: check.field() for name, check in CHECKS.items()})


# -------------------------------------------------- run limits and trace selection

class LimitsSpec(Model):
    """When a run that runs away is stopped (``simulator.engine.limits``). YAML:
    ``limits: {max_events: 1000000, wall_clock: 60s, trace_size: 100MiB, stall: 100000}``."""

    max_events: Int = Field(200_000_000, gt=0)
    wall_clock: Nanoseconds = Field(3600 * S, gt=0)
    trace_size: Bytes = Field(2 * 1024 ** 3, gt=0)
    stall: Int = Field(1_000_000, gt=0)    # events without simulated time advancing


class TraceSpec(Model):
    """What ``trace.jsonl`` records. YAML: ``trace: off``, ``trace: full`` (the default)
    or ``trace: {nodes: [r1], layers: [ip, icmp], events: [tx, drop]}`` (all given must match)."""

    off: Bool = False
    nodes: list[Name] | None = None
    layers: list[Name] | None = None
    events: list[Name] | None = None

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


class Scenario(Model):
    name: Text
    topology: Topology
    seed: Int = Field(1, ge=0)
    until: Nanoseconds = Field(gt=0)
    run: list[Action] = Field(default_factory=list)
    capture: list[CaptureSpec] = Field(default_factory=list)
    capture_epoch: Int = Field(0, ge=0, lt=1 << 32)   # s added to capture.pcapng's timestamps
    expect: list[Expectation] = Field(default_factory=list)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)
    trace: TraceSpec = Field(default_factory=TraceSpec)
    plots: PlotsSpec = Field(default_factory=PlotsSpec)

    @field_validator("topology", mode="before")
    @classmethod
    def _no_bare_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                "a topology file path is resolved by simulator.scenario.load.load_scenario(); "
                "Scenario.model_validate() needs the topology itself"
            )
        return value
