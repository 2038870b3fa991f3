"""The key tables of ``docs/yaml.md``, generated from the pydantic models.

``docs/yaml.md`` stays hand-written prose; each table sits between a marker
``<!-- table: HostSpec -->`` and ``<!-- end -->`` and is rewritten from the model:
key and type/format from the field's annotation, default from its default,
constraints from its ``Field`` bounds plus the model's ``doc_rules`` (rules its
validators enforce), meaning from ``Field(description=...)``; ``doc_types`` and
``doc_defaults`` replace a derived type/format or default where the YAML form says
more (``two endpoints``, ``derived``). A nested model links to the section holding
its own table. ``python -m simulator.scenario.reference`` (``make docs``) rewrites
the file; ``--check`` exits 1 naming the tables that drifted.

The app tables come from the registry (:data:`simulator.apps.APPS`: each kind's spec
model), the ``Checks`` table from the expectation fields the kinds declare
(:mod:`simulator.apps.checks`), so a new app or check gets its rows by registering.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen, MultipleOf
from pydantic import BaseModel, Field
from pydantic_core import PydanticUndefined

from simulator.apps import APPS
from simulator.apps.dhcp.client_node import CHECKS as DHCP_CLIENT_CHECKS
from simulator.apps.dns import values as dns_values
from simulator.apps.sockopts import Keepalive, SocketOptions
from simulator.spec import values

from ..engine.units import format_rate, format_size, format_time
from . import (action_specs, dhcp_specs, dns_specs, expect_specs, generate, node_specs,
               plots_spec, run_specs, schema, transport, web_specs)

DOC = Path(__file__).resolve().parents[2] / "docs" / "yaml.md"
COMMAND = "python -m simulator.scenario.reference"
MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (
    schema.LinkSpec, schema.LinkParams,
    node_specs.HostSpec, node_specs.InterfaceSpec, node_specs.ArpSpec, node_specs.SwitchSpec,
    node_specs.RouterSpec, node_specs.L3SwitchSpec, node_specs.GroupSpec, node_specs.RouteSpec,
    web_specs.NatOptions, web_specs.HttpServerSpec, schema.CaptureSpec, dhcp_specs.DhcpClientSpec,
    dhcp_specs.DhcpServerSpec, dhcp_specs.DhcpPoolSpec, dhcp_specs.DhcpRelaySpec,
    dns_specs.ZoneSpec, dns_specs.DnsResolverSpec, schema.Scenario, schema.LimitsSpec,
    schema.Topology, schema.Defaults, node_specs.HubSpec, transport.TcpSpec,
    dns_specs.DnsServerSpec, dns_specs.RecordSpec, dns_specs.RootHint,
    dns_specs.DnsForwarderSpec, dns_specs.HostDnsSpec, web_specs.NatTimeouts,
    web_specs.NatForward, web_specs.HttpResource, plots_spec.PlotsSpec,
    plots_spec.LadderPlotSpec, plots_spec.HopsPlotSpec, run_specs.TraceSpec, schema.Action,
    schema.LinkChange, action_specs.RouteChange, action_specs.FlushSpec, SocketOptions,
    Keepalive,
    *(kind.spec for kind in APPS.values()), schema.Expectation, expect_specs.EventFilter,
    node_specs.NatSpec, node_specs.ReassemblyMemory, schema.QueueLimit,
)}
# fields a model's table leaves to another: Expectation's app fields are the Checks table's
ELSEWHERE = {"Expectation": set(schema.CHECKS)}
MARKER = re.compile(r"^<!-- table: (\w+) -->\n(.*?)^<!-- end -->\n", re.M | re.S)
HEADER = "| key | type / format | default | constraints | meaning |\n|---|---|---|---|---|\n"

# value types of simulator.spec.values, by their annotation: (name, default formatter)
VALUE_TYPES = {
    values.Nanoseconds: ("time", format_time), values.BitsPerSecond: ("rate", format_rate),
    values.Bytes: ("size", format_size), values.Probability: ("fraction", None),
    values.Int: ("integer", None), values.Bool: ("boolean", None), values.Name: ("name", None),
    values.Text: ("string", None), values.Mac: ("MAC", None), values.Mtu: ("integer", None),
    values.IPv4Addr: ("IPv4 address", None), values.IPv4Iface: ("IPv4 interface (`10.0.0.1/24`)", None),
    values.IPv4Net: ("IPv4 network (`10.0.0.0/24`)", None),
    values.MulticastGroup: ("multicast group", None), values.Hop: ('IPv4 address or `"*"`', None),
    float: ("number", None), str: ("string", None), dns_values.Domain: ("domain name", None),
    dns_values.RecordType: ("record type", None), dns_specs.Seconds: ("whole seconds (`2s`)", format_time),
}


def _strip_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _formatter(hint: Any):
    """How a default or a bound of this value type is written (``format_time``...), or None."""
    return next((f for t, (_, f) in VALUE_TYPES.items() if _strip_none(hint) == t), None)


def type_text(hint: Any, anchors: dict[str, tuple[str, str]]) -> str:
    """How a value of this annotation is written in YAML."""
    hint = _strip_none(hint)
    for value_type, (name, _) in VALUE_TYPES.items():
        if hint == value_type:
            return name
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        quoted = [f"`{a}`" for a in args]
        return " or ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1 else quoted)
    if origin is dict:
        return f"mapping {type_text(args[0], anchors)} → {type_text(args[1], anchors)}"
    if origin in (list, tuple):
        item = type_text(args[0], anchors)
        if not item.replace(" ", "").isalnum():
            return f"list of {item}"
        return f"list of {item}es" if item.endswith("s") else f"list of {item}s"
    if origin in (Union, types.UnionType):
        return " or ".join(type_text(a, anchors) for a in args if a is not type(None))
    if origin is typing.Annotated:
        return type_text(args[0], anchors)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        name = hint.__name__
        if name in anchors:
            return f"[{anchors[name][0]}](#{anchors[name][1]})"
        return f"mapping (`{name}`)"
    return getattr(hint, "__name__", str(hint))


def default_text(model: type[BaseModel], name: str, hint: Any) -> str:
    override = getattr(model, "doc_defaults", {}).get(name)
    if override is not None:
        return override
    field = model.model_fields[name]
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory else field.default
    profile = getattr(model, "doc_profile", None)       # None: the profile's value
    if value is None and hasattr(profile, name):
        value = getattr(profile, name)
    if value is None or value is PydanticUndefined:
        return "none"
    if isinstance(value, BaseModel):
        return "see there"
    if isinstance(value, (dict, list)) and not value:
        return "`{}`" if isinstance(value, dict) else "`[]`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    fmt = _formatter(hint)
    return f"`{fmt(value).replace(' ', '') if fmt and value else value}`"


def description_text(field: Any, hint: Any) -> str:
    """A field's meaning: its description, else its model's first docstring sentence
    (an action's ``ping:`` is described by :class:`PingSpec`)."""
    if field.description:
        return field.description
    model = _strip_none(hint)
    doc = (model.__doc__ or "") if isinstance(model, type) and issubclass(model, BaseModel) else ""
    text = " ".join(doc.split("\n\n")[0].split()).rstrip(".").replace("``", "`")
    return text[:1].lower() + text[1:] if text[1:2] in (" ", *"abcdefghijklmnopqrstuvwxyz") else text


BOUNDS = {Gt: "> {}", Ge: "≥ {}", Lt: "< {}", Le: "≤ {}", MinLen: "at least {}",
          MaxLen: "at most {}", MultipleOf: "a multiple of {}"}


def constraints_text(model: type[BaseModel], name: str, hint: Any) -> str:
    field = model.model_fields[name]
    metadata = list(field.metadata)
    bare = typing.get_args(_strip_none(hint))
    metadata += [m for fi in bare[1:] for m in getattr(fi, "metadata", [])]
    parts = bounds_text(_formatter(hint), metadata)
    rule = getattr(model, "doc_rules", {}).get(name)
    return "; ".join(_joined(parts) + ([rule] if rule else []))


def bounds_text(fmt, metadata) -> list[str]:
    """``Field`` bounds as the YAML writes them: ``> 0``, ``≥ 1ms``."""
    parts = []
    for item in metadata:
        for kind, text in BOUNDS.items():
            if isinstance(item, kind):
                bound = getattr(item, dataclasses.fields(item)[0].name)
                parts.append(text.format(fmt(bound).replace(" ", "") if fmt and bound else bound))
    return parts


def _joined(parts: list[str]) -> list[str]:
    lo = [p for p in parts if p.startswith("≥ ")]
    hi = [p for p in parts if p.startswith("≤ ")]
    if lo and hi:  # ≥ 68, ≤ 65535 → 68..65535
        parts = [f"{lo[0][2:]}..{hi[0][2:]}"] + [p for p in parts if p not in (lo[0], hi[0])]
    return parts


def render(model: type[BaseModel], anchors: dict[str, tuple[str, str]]) -> str:
    """The table of one model: a row per field, in the model's order; consecutive fields
    alike in every other column share a row (`rate`, `delay`, ...). A field whose type
    links to another table takes its constraints from there. A base class setting
    ``doc_shared_as`` (the node's IP stack) gives its fields one row in its subclasses'
    tables, except in one that sets it to ``None`` (the host's, which lists them).
    ``doc_rows`` adds the keys a loader reads before the model (``extends``)."""
    hints = typing.get_type_hints(model, include_extras=True)
    rows: list[tuple[list[str], tuple[str, ...]]] = []
    shared_as = getattr(model, "doc_shared_as", None)
    owner = next((b for b in model.__mro__ if "doc_shared_as" in vars(b)), None)
    shared = owner.model_fields if shared_as and owner is not model else {}
    elsewhere = ELSEWHERE.get(model.__name__, set())
    cells: tuple[str, ...]
    for name, field in model.model_fields.items():
        if name in elsewhere:
            continue
        hint = hints[name]
        if name in shared:
            cells = (shared_as, "", "", "")
        else:
            kind = getattr(model, "doc_types", {}).get(name) or type_text(hint, anchors)
            rule = "" if kind.startswith("[") else constraints_text(model, name, hint)
            cells = (kind, default_text(model, name, hint), rule, description_text(field, hint))
        if rows and rows[-1][1] == cells:
            rows[-1][0].append(name)
        else:
            rows.append(([name], cells))
    rows += [([name], cells) for name, cells in getattr(model, "doc_rows", {}).items()]
    return HEADER + "".join(_row(names, cells) for names, cells in rows)


def _row(names: list[str], cells: tuple[str, ...]) -> str:
    return ("| " + ", ".join(f"`{n}`" for n in names) + " | " + " | ".join(cells) + " |\n"
            ).replace("|  |", "| |").replace("|  |", "| |")


CHECKS_HEADER = ("| key | type / format | reads the result's | passes when | apps that produce it |\n"
                 "|---|---|---|---|---|\n")


def producers(check) -> str:
    """The app kinds whose results a check reads (``every app but traceroute``)."""
    kinds = [k.name for k in APPS.values() if check in k.checks]
    missing = [k for k in APPS if k not in kinds]
    names = ("every app" if not missing else
             "every app but " + ", ".join(f"`{k}`" for k in missing) if len(missing) <= 3 else
             ", ".join(f"`{k}`" for k in kinds))
    return ", ".join(([names] if kinds else []) + (["`app: dhcp`"] if check in DHCP_CLIENT_CHECKS else []))


def checks_table(anchors: dict[str, tuple[str, str]]) -> str:
    """A row per expectation field an app kind declares (``Expectation``'s app fields):
    its value type and bounds, the result key it reads, when it passes, who reports it."""
    rows = []
    for name, check in schema.CHECKS.items():
        bounds = _joined(bounds_text(_formatter(check.type), Field(**check.constraints).metadata))
        kind = " ".join([type_text(check.type, anchors), *bounds]) + (" or range" if check.ranged else "")
        rows.append(([name], (kind, f"`{check.key}`", check.description, producers(check))))
    return CHECKS_HEADER + "".join(_row(names, cells) for names, cells in rows)


GENERATORS_HEADER = "| kind | parameters | routers |\n|---|---|---|\n"


def generators_table(anchors: dict[str, tuple[str, str]]) -> str:
    """A row per ``generate:`` kind (:data:`generate.KINDS`): the keys its model adds
    or redefines beyond every kind's (``hosts``, ``link``), each with its type, default
    and bounds, and the routers it makes (the model's docstring)."""
    common = generate.KINDS["line"].__mro__[1].model_fields
    rows = []
    for kind, model in generate.KINDS.items():
        hints = typing.get_type_hints(model, include_extras=True)
        params = []
        for name, field in model.model_fields.items():
            if name == "kind" or (name in common and field.default == common[name].default):
                continue
            hint = hints[name]
            detail = [getattr(model, "doc_types", {}).get(name) or type_text(hint, anchors),
                      default_text(model, name, hint),
                      constraints_text(model, name, hint)]
            params.append(f"`{name}` ({', '.join(d for d in detail if d)})")
        rows.append(([kind], ("; ".join(params), " ".join((model.__doc__ or "").split()))))
    return GENERATORS_HEADER + "".join(_row(names, cells) for names, cells in rows)


TABLES = {"Checks": checks_table, "Generators": generators_table}


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(text: str) -> dict[str, tuple[str, str]]:
    """Model name → (heading, anchor) of the section its table is in."""
    out, heading = {}, ""
    for line in text.splitlines():
        if line.startswith("#") and not line.startswith("#!"):
            heading = line.lstrip("#").strip()
        match = re.match(r"<!-- table: (\w+) -->", line)
        if match:
            out[match.group(1)] = (heading.replace("`", ""), anchor(heading))
    return out


def regenerate(text: str) -> str:
    anchors = anchors_of(text)

    def table(match: re.Match) -> str:
        name = match.group(1)
        if name in TABLES:
            return f"<!-- table: {name} -->\n{TABLES[name](anchors)}<!-- end -->\n"
        if name not in MODELS:
            raise ValueError(f"docs/yaml.md: <!-- table: {name} --> names no model in "
                             f"simulator.scenario.reference.MODELS")
        return f"<!-- table: {name} -->\n{render(MODELS[name], anchors)}<!-- end -->\n"

    return MARKER.sub(table, text)


def drifted(text: str) -> list[str]:
    """The models whose committed table differs from the generated one."""
    new = {m.group(1): m.group(2) for m in MARKER.finditer(regenerate(text))}
    return [m.group(1) for m in MARKER.finditer(text) if new[m.group(1)] != m.group(2)]


def reachable(*roots: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model a topology or scenario file can hold, by name, from these roots."""
    seen: dict[str, type[BaseModel]] = {}

    def walk(hint: Any) -> None:
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            if hint.__name__ not in seen:
                seen[hint.__name__] = hint
                for sub in typing.get_type_hints(hint, include_extras=True).values():
                    walk(sub)
            return
        for arg in typing.get_args(hint):
            walk(arg)

    for root in roots:
        walk(root)
    return sorted(seen.values(), key=lambda m: m.__name__)


def hand_tables(text: str) -> list[str]:
    """Headings of the sections holding a key table that is not generated."""
    out, heading, inside = [], "", False
    for line in text.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        inside = inside or line.startswith("<!-- table:")
        inside = inside and not line.startswith("<!-- end -->")
        if line.startswith("| key |") and not inside:
            out.append(heading)
    return out


def main(argv: list[str]) -> int:
    text = DOC.read_text()
    if "--check" in argv:
        stale = drifted(text)
        if stale:
            sys.stderr.write(f"docs/yaml.md: tables out of date: {', '.join(stale)}; run `{COMMAND}`\n")
        return 1 if stale else 0
    DOC.write_text(regenerate(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
