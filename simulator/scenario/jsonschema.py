"""JSON Schema of topology and scenario files (``netsim schema``), for editors.

Generated from the pydantic models of :mod:`simulator.scenario.schema`, adapted to
what a YAML file holds rather than what the models hold: unit fields are strings
like ``10Mbps`` (or ``0``), ratios ``0.3`` or ``"30%"``, addresses strings, and each
shorthand form (``[pc1, sw]`` links, ``"10.0.0.1/24"`` interfaces, ``queue: 100``,
``pc1:eth0`` endpoints and capture points, ``trace: off``) is an alternative to its
mapping; a scenario's ``topology`` is a file path or a mapping. ``params:`` (see
:mod:`simulator.scenario.params`) is allowed at the top, and any value may be a
string holding a ``${name}`` reference (its type is checked once substituted,
by the loader). The schema checks
shape and spelling; value rules it cannot express (a /24's broadcast address,
a port that does not exist) are ``netsim check``'s.
"""

from __future__ import annotations

import json

from pydantic import BeforeValidator
from pydantic.json_schema import GenerateJsonSchema

from simulator.spec import values

from ..engine.units import RATE_UNITS, SIZE_UNITS, TIME_UNITS, format_rate, format_size, format_time
from . import dhcp_specs, dns_specs, schema, web_specs

# Draft 7: what yaml-language-server (VS Code's YAML extension) implements.
DRAFT = "http://json-schema.org/draft-07/schema#"
NUMBER = r"[0-9][0-9_]*(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+"
NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
DOTTED = r"[0-9]{1,3}(\.[0-9]{1,3}){3}"


def _quantity(units: dict, bare: bool, fmt) -> tuple[dict, object]:
    suffixes = "|".join(sorted(units, key=len, reverse=True))
    text = {"type": "string", "pattern": rf"^\s*({NUMBER})\s*({suffixes}){'?' if bare else ''}\s*$"}
    number = {"type": "integer", "minimum": 0} if bare else {"const": 0}
    return {"anyOf": [text, number]}, lambda v: fmt(v).replace(" ", "") if isinstance(v, int) else v


def _string(pattern: str, example: str) -> tuple[dict, None]:
    return {"type": "string", "pattern": rf"^\s*({pattern})\s*$", "examples": [example]}, None


def _validator(alias) -> object:
    return next(m.func for m in alias.__metadata__ if isinstance(m, BeforeValidator))


# The value types, by their validator: (the JSON Schema of what YAML holds, default in YAML form)
FORMS = {
    _validator(values.Nanoseconds): _quantity(TIME_UNITS, False, format_time),
    _validator(values.BitsPerSecond): _quantity(RATE_UNITS, False, format_rate),
    _validator(values.Bytes): _quantity(SIZE_UNITS, True, format_size),
    _validator(values.Probability): ({"anyOf": [
        {"type": "number", "minimum": 0, "maximum": 1},
        {"type": "string", "pattern": rf"^\s*({NUMBER})\s*%?\s*$"}]}, None),
    _validator(values.Mac): _string(r"[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}", "02:00:00:00:00:01"),
    _validator(values.IPv4Addr): _string(DOTTED, "192.168.0.1"),
    _validator(values.MulticastGroup): _string(DOTTED, "239.1.1.1"),
    _validator(values.IPv4Iface): _string(rf"{DOTTED}/([0-9]{{1,2}}|{DOTTED})", "10.0.0.1/24"),
    _validator(values.IPv4Net): _string(rf"default|{DOTTED}(/([0-9]{{1,2}}|{DOTTED}))?",
                                        "10.0.0.0/8"),
    _validator(values.Hop): _string(rf"\*|{DOTTED}", "10.0.0.1"),
    _validator(dhcp_specs.DhcpRange): _string(rf"{DOTTED}\s*-\s*{DOTTED}",
                                              "192.168.1.100-192.168.1.199"),
    _validator(web_specs.PortRange): (_string(r"[0-9]{1,5}\s*-\s*[0-9]{1,5}", "1024-65535")[0],
                                      lambda v: f"{v[0]}-{v[1]}" if isinstance(v, list) else v),
    _validator(web_specs.AddressPort): _string(rf"{DOTTED}:[0-9]{{1,5}}", "192.168.1.10:80"),
}

ENDPOINT = {"type": "string", "pattern": rf"^\s*{NAME}(:{NAME})?\s*$", "examples": ["pc1", "r1:e0"]}
# Models with a shorthand: the forms YAML may give instead of the mapping.
SHORTHANDS = {
    schema.QueueLimit: [{"type": "integer", "minimum": 1}, FORMS[_validator(values.Bytes)][0]],
    schema.Endpoint: [ENDPOINT],
    schema.LinkSpec: [{"type": "array", "items": ENDPOINT, "minItems": 2, "maxItems": 2}],
    schema.InterfaceSpec: [FORMS[_validator(values.IPv4Iface)][0], {"const": "dhcp"}],
    dhcp_specs.DhcpRelaySpec: [FORMS[_validator(values.IPv4Addr)][0],
                               {"type": "array", "items": FORMS[_validator(values.IPv4Addr)][0]}],
    schema.CaptureSpec: [ENDPOINT],
    web_specs.HttpResource: [{"type": "string", "examples": ["10KB", "<html>...</html>"]}],
    schema.TraceSpec: [{"enum": ["off", "full", False, True]}],
    dns_specs.RootHint: [FORMS[_validator(values.IPv4Addr)][0]],
}


class YamlSchema(GenerateJsonSchema):
    """pydantic's schema generator, speaking the YAML forms (see the module's docstring)."""

    def function_before_schema(self, core):
        form = FORMS.get(core["function"]["function"])
        return dict(form[0]) if form else super().function_before_schema(core)

    def default_schema(self, core):
        out = super().default_schema(core)
        inner = core["schema"]
        form = FORMS.get(inner["function"]["function"]) if inner["type"] == "function-before" else None
        if form and form[1] and "default" in out:
            out["default"] = form[1](out["default"])
        return out

    def model_schema(self, core):
        out = super().model_schema(core)
        alternatives = SHORTHANDS.get(core["cls"])
        if alternatives is None:
            return out
        return {"anyOf": [out, *alternatives], **{k: out.pop(k) for k in ("title", "description")
                                                  if k in out}}


def json_schema(kind: str) -> dict:
    """The JSON Schema of a ``"topology"`` or ``"scenario"`` file."""
    model = {"topology": schema.Topology, "scenario": schema.Scenario}[kind]
    out = model.model_json_schema(schema_generator=YamlSchema)
    out.setdefault("$defs", {})
    if kind == "scenario":
        out["properties"]["topology"] = {
            "anyOf": [{"type": "string", "description": "a topology file, relative to this one"},
                      {"$ref": "#/$defs/Topology"}]}
        _composition(out["$defs"]["Topology"], out["$defs"])
    else:
        _composition(out, out["$defs"])
    _dhcp_ip(out["$defs"])
    out = _with_references(_draft7(out))
    out["properties"]["params"] = {
        "type": "object", "description": "parameters and their defaults, used as ${name}",
        "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    return {"$schema": DRAFT, "$id": f"netsim-{kind}.schema.json", **out}


def _dhcp_ip(defs: dict) -> None:
    """``ip: dhcp`` and ``ip: {dhcp: {...}}`` (a host's or an interface's) besides an address."""
    client = {"anyOf": [{"$ref": "#/$defs/DhcpClientSpec"}, {"type": "null"}]}
    forms = [{"const": "dhcp"}, {"type": "object", "properties": {"dhcp": client},
                                 "required": ["dhcp"], "additionalProperties": False}]
    for model in ("HostSpec", "InterfaceSpec"):
        mapping = defs[model]["anyOf"][0] if "anyOf" in defs[model] else defs[model]
        ip = mapping["properties"]["ip"]
        ip["anyOf"] = ip["anyOf"] + forms
def _composition(topology: dict, defs: dict) -> None:
    """``extends``, ``include`` and ``generate`` (compose.py) in a topology's schema: with
    them, ``nodes`` (and with ``extends``, ``name``) may come from elsewhere."""
    from .generate import KINDS

    kinds = []
    for kind, model in KINDS.items():
        one = model.model_json_schema(schema_generator=YamlSchema)
        defs.update(one.pop("$defs", {}))
        one["properties"]["kind"] = {"const": kind}
        kinds.append(one)
    path = {"type": "string", "description": "a topology file, relative to this one"}
    topology["properties"].update({
        "extends": {**path, "description": "a topology file this one starts from"},
        "include": {"anyOf": [path, {"type": "array", "items": path, "minItems": 1}],
                    "description": "topology files whose nodes and links are added"},
        "generate": {"anyOf": kinds, "description": "a generated topology (routers, hosts, "
                                                    "addresses, routing: auto)"}})
    topology.pop("required", None)
    topology["anyOf"] = [{"required": ["name", "nodes"]}, {"required": ["extends"]},
                         {"required": ["name", "include"]}, {"required": ["name", "generate"]}]


REFERENCE = {"type": "string", "pattern": r"\$\{[A-Za-z_][A-Za-z0-9_]*\}",
             "description": "a parameter reference, e.g. ${rate}"}


def _with_references(node):
    """Every field's value, list item and mapping value may also be a ``${name}`` string."""
    if isinstance(node, list):
        return [_with_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _with_references(value) for key, value in node.items()}
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = {"anyOf": [out[key], REFERENCE]}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: _or_reference(value) for name, value in out["properties"].items()}
    return out


def _or_reference(field: dict) -> dict:
    """``{"anyOf": [field, REFERENCE]}``, with the field's title, description and
    default kept outside, where editors show them."""
    inner = dict(field)
    shown = {key: inner.pop(key) for key in ("title", "description", "default") if key in inner}
    return {"anyOf": [inner, REFERENCE], **shown}


def _draft7(node):
    """pydantic writes 2020-12; draft 7 spells a tuple's items ``items: [...]``."""
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _draft7(value) for key, value in node.items()}
    if "prefixItems" in out:
        out["items"] = out.pop("prefixItems")
    return out


def schema_text(kind: str) -> str:
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"
