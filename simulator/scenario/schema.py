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

from pydantic import Field, create_model, field_validator, model_validator

from simulator.apps import APPS
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.apps.checks import SHARED
from simulator.apps.kind import AppSpec
from simulator.spec.model import Model
from simulator.spec.values import (Bool, FieldError, Int, Name, Nanoseconds, Text, describe,
                                   parse_ipv4_address, parse_ipv4_interface, parse_ipv4_network,
                                   parse_mac)

from .action_specs import ACTION_DOC, EVENTS, FlushSpec, RouteChange
from .action_specs import LinkChange as _LinkChange
from .expect_specs import EXPECTATION_DOC, EventFilter
from .link_specs import (BUILTIN_LINK, Defaults, Endpoint, LinkOverrides, LinkParams, LinkSpec,
                         QueueLimit)
from .node_specs import (NODE_TYPES, ArpSpec, GroupSpec, HostSpec, HubSpec, InterfaceSpec,
                         L3SwitchSpec, NodeSpec, ReassemblyMemory, RouterSpec, RouteSpec,
                         SwitchSpec)
from .plots_spec import PlotsSpec
from .run_specs import LimitsSpec, TraceSpec
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

class Topology(Model):
    doc_types: ClassVar = {"convergence": "time (`200ms`)", "nodes": "mapping name → node"}
    doc_rules: ClassVar = {"name": "not empty", "nodes": "names as above"}
    # keys compose.py reads before the model sees the file
    doc_rows: ClassVar = {
        "extends": ("file path", "none", "a topology file, relative to this one",
                    "start from that topology: [reuse and generation]"
                    "(#reuse-and-generation-extends-include-generate)"),
        "include": ("file path, or a list of them", "none",
                    "topology files holding only `name`, `params`, `nodes`, `links`",
                    "add their nodes and links"),
        "generate": ("mapping `{kind: ..., ...}`", "none", "a kind below",
                     "add a generated topology (routers, hosts, addresses) and `routing: auto`")}

    name: Text = Field(description="the topology's name")
    defaults: Defaults = Field(default_factory=Defaults.model_construct, description=(
        "`link`: parameters every link starts from"))
    routing: Literal["static", "auto"] = Field("static", description=(
        "`static`: routers use their `routes`; `auto`: routes are computed from the graph "
        "([below](#routing-static-and-auto))"))
    convergence: Nanoseconds = Field(0, ge=0, description=(
        "with `routing: auto`, delay between a link going down/up and the new routes; "
        "ignored with `static`"))
    nodes: dict[Name, NodeSpec] = Field(min_length=1, description="the nodes; `type` picks the kind")
    # an empty default by lambda, not list/dict: pydantic reads a builtin's signature
    # from its text with tokenize (~10 ms of a trivial run, benchmarks/RESULTS.md)
    links: list[LinkSpec] = Field(default_factory=lambda: [], description=(
        "the cables; a node with no links is allowed"))

    def link_params(self, link: LinkSpec) -> LinkParams:
        """Built-in defaults ← this topology's ``defaults.link`` ← the link's own fields
        (each already validated, by the same constraints: put together unvalidated)."""
        merged = dict(BUILTIN_LINK)
        merged.update(self.defaults.link.given())
        merged.update(link.given())
        return LinkParams.model_construct(**merged)


# ----------------------------------------------------------------------- scenario

class LinkChange(_LinkChange):
    __doc__ = _LinkChange.__doc__
    ends: tuple[Endpoint, Endpoint] = Field(description="the link, as in `links:`")


_WHERE = {"link_down": "the link's two ends", "link_up": "the link's two ends",
          "link": "the link in 'ends'", "stop": "the app", "node_down": "the node",
          "node_up": "the node"}


class _Action(Model):
    """At a time, one thing: start an app on a node (exactly one app key, ``ping: ...``)
    or an event (``stop``, ``link_down``, ``link_up``, ``link``, ``node_down``,
    ``node_up``, ``route_add``, ``route_remove``, ``flush``).

    The time is ``at`` (absolute), or ``after`` another action or app has ended, with
    ``at`` as the offset. ``every`` repeats an event: ``repeat`` times in all, or while
    before ``until``, or to the end of the run.
    """

    doc_types: ClassVar = ACTION_DOC["types"]
    doc_defaults: ClassVar = ACTION_DOC["defaults"]
    doc_rules: ClassVar = ACTION_DOC["rules"]

    at: Nanoseconds = Field(None, ge=0, description=(   # None (not given): 0 after `after`
        "when (with `after`: how long after)"))
    after: Name | None = Field(None, description="start at that action's end plus `at`")
    every: Nanoseconds | None = Field(None, gt=0, description="repeat the event this often")
    repeat: Int | None = Field(None, ge=1, description="how many times in all")
    until: Nanoseconds | None = Field(None, gt=0, description="repeat while before this time")
    on: Name | None = Field(None, description="the node that runs the app")
    name: Text | None = Field(None, description="the name `expect` and the outputs use")

    APP_KINDS: ClassVar[tuple[str, ...]] = tuple(APPS)
    EVENTS: ClassVar[tuple[str, ...]] = EVENTS
    LINK_EVENTS: ClassVar[tuple[str, ...]] = ("link_down", "link_up")

    @classmethod
    def app_kinds(cls) -> tuple[str, ...]:
        """The app keys an action may carry (the registered kinds, simulator.apps.APPS)."""
        return cls.APP_KINDS

    @model_validator(mode="after")
    def _exactly_one_thing(self) -> _Action:
        given = [k for k in self.app_kinds() + self.EVENTS if getattr(self, k) is not None]
        if not given:
            raise ValueError("an action needs an app to run (one of: "
                             f"{', '.join(self.app_kinds())}) or an event ({', '.join(self.EVENTS)})")
        if len(given) > 1:
            raise FieldError(f"an action does one thing, got {' and '.join(given)}", given[1])
        if self.at is None and self.after is None:
            raise ValueError("say when: 'at' (a time) or 'after' (an action's name)")
        if given[0] in self.EVENTS:
            if self.on is not None:
                raise FieldError(f"'{given[0]}' names {_WHERE.get(given[0], 'its node inside')}; "
                                 "'on' is for apps", "on")
        elif self.on is None:
            raise ValueError(f"say which node runs the {given[0]} with 'on'")
        if self.every is None:
            for key in ("repeat", "until"):
                if getattr(self, key) is not None:
                    raise FieldError(f"'{key}' bounds a periodic action; give 'every' too", key)
        elif self.repeat is not None and self.until is not None:
            raise FieldError("give 'repeat' or 'until', not both", "until")
        return self

    @property
    def start(self) -> int:
        """``at``, or 0: the time (or the offset after ``after``'s end)."""
        return self.at or 0

    @property
    def kind(self) -> str:
        """The app kind or event, e.g. ``"ping"`` or ``"link_down"``."""
        return next(k for k in self.app_kinds() + self.EVENTS if getattr(self, k) is not None)

    @property
    def is_app(self) -> bool:
        return self.kind not in self.EVENTS

    @property
    def app(self) -> AppSpec:
        """The app's spec, e.g. a :class:`~simulator.apps.ping.PingSpec`."""
        return getattr(self, self.kind)


# One optional field per registered app kind, typed with its spec; then the events.
Action = create_model(
    "Action", __base__=_Action, __module__=__name__, __doc__=_Action.__doc__,
    **{kind.name: (kind.spec | None, None) for kind in APPS.values()},
    stop=(Name | None, Field(None, description="stop that app ([events](#events))")),
    link_down=(tuple[Endpoint, Endpoint] | None, Field(None, description="take that link down")),
    link_up=(tuple[Endpoint, Endpoint] | None, Field(None, description=(
        "bring that link (back) up"))),
    link=(LinkChange | None, Field(None, description="change the link's parameters")),
    node_down=(Name | None, Field(None, description="power the node off")),
    node_up=(Name | None, Field(None, description="power the node on")),
    route_add=(RouteChange | None, Field(None, description="add a static route")),
    route_remove=(RouteChange | None, Field(None, description=(
        "remove the route to that prefix (only `on` and `to`)"))),
    flush=(FlushSpec | None, Field(None, description="empty the node's ARP or DNS caches")),
)


class CaptureSpec(Model):
    """A capture point. YAML: ``pc1`` (all its interfaces), ``sw:p2``, or ``{point: ..., fcs: true}``."""

    doc_types: ClassVar = {"point": "endpoint"}
    doc_rules: ClassVar = {"point": "the node exists, and the interface or port if given; one file per point"}

    point: Endpoint = Field(description="what to capture")
    fcs: Bool = Field(False, description="keep the Ethernet FCS in each frame")

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
    """One expectation, in one of four forms: an app's results (``app:`` and its
    fields), a count of trace events (``count:`` with ``equals``, ``at_least``,
    ``at_most``), an order of events (``sequence:``), or a timing (``event:`` within
    ``within`` after the action ``after``). ``on`` narrows to one node (for the trace
    forms: the events of that node, unless an event names its own). ``name`` names it
    in the report; without one, a name is made from what it checks."""

    doc_types: ClassVar = EXPECTATION_DOC["types"]
    doc_defaults: ClassVar = EXPECTATION_DOC["defaults"]
    doc_rules: ClassVar = EXPECTATION_DOC["rules"]

    name: Text | None = Field(None, description=(
        "the name in the terminal table, `summary.json` (`expectations[].name`), `netsim test` "
        "and the pytest item"))
    on: Name | None = Field(None, description=(
        "an app form: apps on that node; a trace form: the default `node` of its events"))
    app: str | None = Field(None, description=(
        "the apps whose results are checked (kind or action name), with the "
        "[app results](#app-results) keys"))
    count: EventFilter | None = Field(None, description="count these events")
    equals: Int | None = Field(None, ge=0, description="the count is exactly this")
    at_least: Int | None = Field(None, ge=0, description="the count is at least this")
    at_most: Int | None = Field(None, ge=0, description="the count is at most this")
    sequence: list[EventFilter] | None = Field(None, min_length=1, description=(
        "these events happen in this order (a subsequence of the trace: others may come "
        "between)"))
    event: EventFilter | None = Field(None, description=(
        "the first such event at or after the action `after` happened (its first time) comes "
        "at most `within` after it"))
    after: Name | None = Field(None, description="the action the timing starts from")
    within: Nanoseconds | None = Field(None, ge=0, description="the longest wait allowed")

    CHECKS: ClassVar[tuple[str, ...]] = tuple(CHECKS)
    FORMS: ClassVar[tuple[str, ...]] = ("app", "count", "sequence", "event")
    # the keys that go with each form (besides name and on)
    PARTS: ClassVar[dict[str, tuple[str, ...]]] = {
        "count": ("equals", "at_least", "at_most"), "event": ("after", "within")}

    def given(self) -> list[str]:
        """The checks this expectation makes (its keys of :attr:`CHECKS` that are set)."""
        return [k for k in self.CHECKS if getattr(self, k) is not None]

    @property
    def form(self) -> str:
        return next(f for f in self.FORMS if getattr(self, f) is not None)

    def filters(self) -> list[EventFilter]:
        """The trace events a trace form reads (each with ``on`` as its default node)."""
        raw = {"count": [self.count], "sequence": self.sequence or [], "event": [self.event],
               "app": []}[self.form]
        return [f if self.on is None or f.node is not None else f.model_copy(update={"node": self.on})
                for f in raw]

    @model_validator(mode="after")
    def _one_form(self) -> _Expectation:
        forms = [f for f in self.FORMS if getattr(self, f) is not None]
        if not forms:
            raise ValueError("an expectation needs something to check: app (with its fields), "
                             "count, sequence or event")
        if len(forms) > 1:
            raise FieldError(f"an expectation checks one thing, got {' and '.join(forms)}",
                             forms[1])
        form = forms[0]
        for other, parts in self.PARTS.items():
            for key in parts:
                if other != form and getattr(self, key) is not None:
                    raise FieldError(f"'{key}' goes with '{other}'", key)
        if form == "app":
            if not self.given():
                raise ValueError(f"an expectation needs something to check (one of: "
                                 f"{', '.join(self.CHECKS)})")
            return self
        if self.given():
            raise FieldError(f"'{self.given()[0]}' is an app's field; give app too",
                             self.given()[0])
        if form == "count" and (self.equals, self.at_least, self.at_most) == (None,) * 3:
            raise ValueError("say how many: equals, at_least or at_most")
        if form == "count" and self.equals is not None and (self.at_least, self.at_most) != (None,) * 2:
            raise FieldError("give equals, or at_least/at_most, not both", "equals")
        if form == "event" and (self.after is None or self.within is None):
            raise ValueError("a timing needs after (an action's name) and within (a time)")
        return self


# One optional field per expectation field an app supports (simulator.apps.checks).
Expectation = create_model("Expectation", __base__=_Expectation, __module__=__name__,
                           **{name: check.field() for name, check in CHECKS.items()})


class Scenario(Model):
    doc_types: ClassVar = {
        "topology": "path or mapping", "until": "time (`5s`)",
        "run": "list of [actions](#actions-run)",
        "capture": "list of [capture points](#capture-points-capture)",
        "capture_epoch": "integer (seconds)", "expect": "list of [expectations](#expectations-expect)",
        "trace": "`off`, `full` or a [filter](#trace-selection-trace)",
        "limits": "[run limits](#run-limits-limits)", "plots": "[plots](#plots-plots)"}
    doc_defaults: ClassVar = {"trace": "`full`"}
    doc_rules: ClassVar = {"name": "not empty"}

    name: Text = Field(description="the scenario's name (in `summary.json` and plots)")
    topology: Topology = Field(description=(
        "a topology file, relative to the scenario's folder, or the topology inline (as in "
        "`scenarios/campus_l3switch.yaml`)"))
    seed: Int = Field(1, ge=0, description=(
        "seed of every random stream (`netsim run --seed N` overrides it); the same seed gives "
        "byte-identical outputs"))
    until: Nanoseconds = Field(gt=0, description="simulated time to run for")
    run: list[Action] = Field(default_factory=lambda: [], description=(
        "apps to start and link events, each at a time"))
    capture: list[CaptureSpec] = Field(default_factory=lambda: [], description=(
        "pcap files to write (and `capture.pcapng`, all of them merged)"))
    capture_epoch: Int = Field(0, ge=0, lt=1 << 32, description=(
        "added to every timestamp in `capture.pcapng` (not the pcaps): `0` shows simulated time "
        "since 1970-01-01, a Unix time such as `1767225600` shows the run on that date "
        "([outputs.md](outputs.md#capturepcapng))"))
    expect: list[Expectation] = Field(default_factory=lambda: [], description="what must hold at the end")
    limits: LimitsSpec = Field(default_factory=LimitsSpec.model_construct, description=(
        "when a runaway run is stopped"))
    trace: TraceSpec = Field(default_factory=TraceSpec.model_construct,
                             description="what `trace.jsonl` records")
    plots: PlotsSpec = Field(default_factory=PlotsSpec.model_construct, description=(
        "settings of the ladder and hops figures"))

    @field_validator("topology", mode="before")
    @classmethod
    def _no_bare_path(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                "a topology file path is resolved by simulator.scenario.load.load_scenario(); "
                "Scenario.model_validate() needs the topology itself"
            )
        return value
