"""YAML specs of issue 9's web side on nodes: a NAT gateway's ``nat:`` settings
(docs/nat.md) and a node's ``http_server:`` (docs/http.md). The ``http_get`` and
``browse`` apps declare theirs in :mod:`simulator.apps.http`.

The node type itself (``type: nat``, a router with ``nat:``) is
:class:`~simulator.scenario.node_specs.NatSpec`; its checks against the interfaces
(the outside one exists, forwards go to an inside address) live there.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from ..engine.units import parse_size
from simulator.spec.model import Model
from simulator.spec.values import (S, Bool, Bytes, Int, IPv4Addr, Name, Nanoseconds, describe,
                                   parse_ipv4_address)

Behaviour = Literal["endpoint-independent", "address-dependent", "address-and-port-dependent"]


def _port(text: str, original: Any) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"'{original}': '{text}' is not a port number")
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(f"'{original}': port {port} is out of range 1-65535")
    return port


class NatTimeouts(Model):
    """Mapping timeouts (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-1)."""

    udp: Nanoseconds = Field(300 * S, gt=0, description="a UDP mapping (RFC 4787 REQ-5)")
    tcp_established: Nanoseconds = Field(7440 * S, gt=0, description=(
        "an established TCP mapping (RFC 5382 REQ-5)"))
    tcp_transitory: Nanoseconds = Field(240 * S, gt=0, description=(
        "a TCP mapping opening or closing (RFC 5382 REQ-5)"))
    icmp: Nanoseconds = Field(60 * S, gt=0, description="an ICMP query mapping (RFC 5508 REQ-1)")


def _address_port(value: Any) -> Any:
    """``"192.168.1.10:80"``: an inside address and port."""
    if isinstance(value, tuple):
        return value
    if not isinstance(value, str) or value.count(":") != 1:
        raise ValueError(f"expected an inside address and port like 192.168.1.10:80, "
                         f"got {describe(value)}")
    address, port = value.strip().split(":")
    return parse_ipv4_address(address), _port(port, value)


def _port_range(value: Any) -> Any:
    """``"1024-65535"``: a range of ports, both ends included."""
    if isinstance(value, tuple):
        return value
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f"expected a port range like 1024-65535, got {describe(value)}")
    low, high = (_port(part.strip(), value) for part in value.split("-"))
    if low > high:
        raise ValueError(f"'{value}': the range is empty ({low} > {high})")
    return low, high


AddressPort = Annotated[tuple[IPv4Address, int], BeforeValidator(_address_port)]
PortRange = Annotated[tuple[int, int], BeforeValidator(_port_range)]


class NatForward(Model):
    """A static port forward (DNAT). YAML: ``{proto: tcp, port: 8080, to: 192.168.1.10:80}``."""

    doc_types: ClassVar = {"to": "`ADDRESS:PORT` (`192.168.1.10:80`)"}

    proto: Literal["tcp", "udp"] = Field(description="the protocol forwarded")
    port: Int = Field(ge=1, le=65535, description="the external port")
    to: AddressPort = Field(description="where it goes: `ADDRESS:PORT` on an inside network")


class NatOptions(Model):
    """A NAT gateway's ``nat:`` key: which interface is outside, and the knobs of
    :class:`~simulator.stack.nat_table.NatConfig`."""

    doc_types: ClassVar = {
        "outside": "interface name", "inside": "list of interface names",
        "ports": "range `1024-65535`", "filtering": "as `mapping`",
        "timeouts": "`{udp, tcp_established, tcp_transitory, icmp}` times",
        "forwards": "list of `{proto: tcp\\|udp, port, to: ADDRESS:PORT}`"}
    doc_defaults: ClassVar = {"inside": "every other interface", "public": "`outside`'s address",
                              "ports": "`1024-65535`", "timeouts": "`5min`, `7440s`, `4min`, `60s`"}
    doc_rules: ClassVar = {"outside": "one of the gateway's interfaces",
                           "inside": "gateway interfaces, not `outside`",
                           "ports": "1-65535, low ≤ high", "timeouts": "> 0",
                           "forwards": "`to` on an inside network"}

    outside: Name = Field(description="the public side")
    inside: list[Name] | None = Field(None, description="the private side")
    public: IPv4Addr | None = Field(None, description="the translated source address")
    ports: PortRange = Field((1024, 65535), description="external TCP and UDP ports")
    mapping: Behaviour = Field("endpoint-independent", description="RFC 4787 §4.1")
    filtering: Behaviour = Field("address-and-port-dependent", description="RFC 4787 §5")
    timeouts: NatTimeouts = Field(default_factory=NatTimeouts.model_construct, description=(
        "RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508 REQ-1"))
    hairpinning: Bool = Field(True, description="RFC 4787 REQ-9")
    # an empty default by lambda, not list/dict: pydantic reads a builtin's signature
    # from its text with tokenize (~10 ms of a trivial run, benchmarks/RESULTS.md)
    forwards: list[NatForward] = Field(default_factory=lambda: [], description="static forwards (DNAT)")


# ------------------------------------------------------------------------- HTTP

SIZE = re.compile(r"\s*\d+(\.\d+)?\s*[kKMG]?i?B\s*")
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".css": "text/css",
                 ".js": "text/javascript", ".json": "application/json",
                 ".txt": "text/plain", ".png": "image/png", ".jpg": "image/jpeg",
                 ".svg": "image/svg+xml"}
DEFAULT_TYPE = "application/octet-stream"


def content_type(path: str) -> str:
    """The Content-Type for ``path`` by its extension; a directory (``/``) is HTML."""
    if path.endswith("/"):
        return "text/html"
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return CONTENT_TYPES.get(name[dot:].lower(), DEFAULT_TYPE) if dot >= 0 else DEFAULT_TYPE


class HttpResource(Model):
    """One path's content. YAML: ``10KB`` (a generated body of that size), a string
    (the body itself) or ``{body: ..., type: text/css}`` / ``{size: 1MB}``."""

    body: str | None = Field(None, description="the body")
    size: Bytes | None = Field(None, ge=0, description="a generated body of this many bytes")
    type: str | None = Field(None, description="its `Content-Type`")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"size": parse_size(data.strip())} if SIZE.fullmatch(data) else {"body": data}
        if not isinstance(data, (dict, HttpResource)):
            raise ValueError(f"expected a body (a string), a size like 10KB or a mapping "
                             f"with body or size, got {describe(data)}")
        return data

    @model_validator(mode="after")
    def _one_content(self) -> HttpResource:
        if (self.body is None) == (self.size is None):
            raise ValueError("give the content as 'body' or 'size' (exactly one)")
        return self


def _path(value: Any) -> Any:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValueError(f"a path starts with '/', got {describe(value)}")
    return value


class HttpServerSpec(Model):
    """A node's ``http_server:``: an HTTP/1.1 origin server from time 0 (docs/http.md)."""

    doc_types: ClassVar = {"paths": "mapping path → content", "redirects": "mapping path → location"}
    doc_rules: ClassVar = {"paths": "paths start with `/`", "redirects": "not also in `paths`"}

    port: Int = Field(80, ge=1, le=65535, description="TCP port listened on")
    paths: dict[str, HttpResource] = Field(default_factory=lambda: {}, description=(
        "content: a size (`10KB`, a generated body), a string (the body), or `{size: ...}` / "
        "`{body: ..., type: ...}`"))
    redirects: dict[str, str] = Field(default_factory=lambda: {}, description="301 with `Location`")
    keep_alive: Nanoseconds = Field(5 * S, gt=0, description=(
        "an idle persistent connection is closed after it"))

    @field_validator("paths", "redirects", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for key in value:
                _path(key)
        return value

    @model_validator(mode="after")
    def _redirect_or_content(self) -> HttpServerSpec:
        for path in self.redirects:
            if path in self.paths:
                raise ValueError(f"'{path}' is both in paths and in redirects")
        return self
