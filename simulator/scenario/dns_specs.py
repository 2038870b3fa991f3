"""YAML specs for DNS on a node: ``dns_server`` (authoritative zones), ``dns_resolver``
(iterative, from root hints), ``dns_forwarder`` (a caching proxy) and ``dns`` (the
node's stub resolver: resolv.conf and /etc/hosts); the ``dig`` and ``nslookup`` apps
declare theirs in apps/dns/dig_app.py. The reference is ``docs/yaml.md`` (DNS) and ``docs/dns.md``.

Record TTLs are whole seconds, as in zone files (``ttl: 300``); the resolvers' waits
are durations with their unit (``timeout: 2s``), glibc's in whole seconds.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import (AfterValidator, BeforeValidator, Field, PrivateAttr, WithJsonSchema,
                      field_validator, model_validator)

from simulator.apps.dns.values import Domain, RecordType
from simulator.apps.dns.zone import Zone, ZoneError
from simulator.spec.model import Model
from simulator.spec.values import S, Bool, FieldError, Int, IPv4Addr, Nanoseconds, Text
from simulator.wire.dns_records import Name as DomainName

MAX_TTL = 2**31 - 1                 # RFC 2181 §8
_RECORD = re.compile(r"records\[(\d+)\]: (.*)", re.S)


def _whole_seconds(value: int) -> int:
    if value % S:
        raise ValueError(f"glibc counts this wait in whole seconds, got {value / S:g} s")
    return value


def _listed(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


Seconds = Annotated[Nanoseconds, AfterValidator(_whole_seconds)]
_ADDRESS = {"type": "string", "pattern": r"^\s*[0-9]{1,3}(\.[0-9]{1,3}){3}\s*$"}
# /etc/hosts: one address or a list of them
Addresses = Annotated[list[IPv4Addr], BeforeValidator(_listed),
                      WithJsonSchema({"anyOf": [_ADDRESS, {"type": "array", "items": _ADDRESS}]})]


class RecordSpec(Model):
    """One record: ``{name: www, type: A, ttl: 300, data: 93.184.216.34}``; ``name``
    relative to the zone's origin (``@`` the origin, a final dot absolute)."""

    name: Text = Field("@", description=(
        "relative to the origin (`@` the origin, a final dot absolute)"))
    type: RecordType = Field(description="A, AAAA, NS, CNAME, SOA, PTR, MX, TXT or `TYPEnnn`")
    ttl: Int | None = Field(None, ge=0, le=MAX_TTL, description=(
        "whole seconds (none: the zone's `ttl`)"))
    data: Text | Int = Field(description="in master-file syntax (`10 mail`, `\"some text\"`)")


class ZoneSpec(Model):
    """A zone: ``origin`` with inline ``records``, or an RFC 1035 master ``file``
    (relative to the YAML file; parsed by dnspython)."""

    doc_types: ClassVar = {"origin": "domain name (`example.com`, `.` for the root)",
                           "ttl": "whole seconds", "records": "list of `{name, type, ttl, data}`",
                           "file": "path"}
    doc_rules: ClassVar = {"origin": "origins distinct", "records": "`records` or `file`, not both",
                           "file": "`records` or `file`, not both"}

    origin: Domain = Field(description="the zone's apex")
    ttl: Int = Field(3600, ge=0, le=MAX_TTL, description="the default TTL of inline records")
    records: list[RecordSpec] | None = Field(None, description=(
        "inline records: `name` relative to the origin (`@` the origin, a final dot absolute; "
        "default `@`), `type` A, AAAA, NS, CNAME, SOA, PTR, MX, TXT or `TYPEnnn`, `ttl` whole "
        "seconds (default the zone's), `data` in master-file syntax (`10 mail`, `\"some text\"`)"))
    file: Text | None = Field(None, description=(
        "an RFC 1035 master file, relative to the YAML file (`$ORIGIN`, `$TTL`, parentheses, "
        "comments; parsed by dnspython)"))
    _zone: Zone | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _build(self) -> ZoneSpec:
        if (self.records is None) == (self.file is None):
            raise ValueError("a zone needs 'records' (inline) or 'file' (a master file), "
                             "exactly one")
        if self.records is not None:
            spec = {"origin": self.origin, "ttl": self.ttl,
                    "records": [r.model_dump(exclude_none=True) for r in self.records]}
            try:
                self._zone = Zone.from_dict(spec)
            except ZoneError as error:
                found = _RECORD.fullmatch(str(error))
                if found is None:
                    raise ValueError(str(error)) from None
                raise FieldError(found[2], "records", int(found[1])) from None
        return self

    def zone(self) -> Zone:
        """The zone (a ``file`` zone once :func:`~.dns_checks.load_zone_files` read it)."""
        if self._zone is None:
            raise RuntimeError(f"zone file {self.file} was not loaded")
        return self._zone


class DnsServerSpec(Model):
    doc_types: ClassVar = {"zones": "list of zones (below)"}

    zones: list[ZoneSpec] = Field(min_length=1, description="the zones it is authoritative for")

    @model_validator(mode="after")
    def _distinct_origins(self) -> DnsServerSpec:
        seen: dict = {}
        for i, zone in enumerate(self.zones):
            key = DomainName.of(zone.origin).key
            if key in seen:
                raise FieldError(f"zone {zone.origin} is already zones[{seen[key]}]",
                                 "zones", i, "origin")
            seen[key] = i
        return self


class RootHint(Model):
    """A root server: ``198.41.0.4`` or ``{name: a.root-servers.net, ip: 198.41.0.4}``."""

    name: Text | None = Field(None, description=(
        "the server's name (default: made from the address)"))
    ip: IPv4Addr = Field(description="its address")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return data if isinstance(data, (dict, RootHint)) else {"ip": data}

    def pair(self) -> tuple[str, Any]:
        return (self.name or f"hint-{str(self.ip).replace('.', '-')}.", self.ip)


class DnsResolverSpec(Model):
    doc_types: ClassVar = {"root_hints": "list of addresses or `{name, ip}`",
                           "edns_payload": "integer or null"}
    doc_rules: ClassVar = {"root_hints": "each a node's address"}

    root_hints: list[RootHint] = Field(min_length=1, description="where resolution starts")
    timeout: Nanoseconds = Field(1 * S, gt=0, description="wait per try")
    tries_per_server: Int = Field(2, ge=1, le=10, description="tries for each server of a zone")
    resolution_timeout: Nanoseconds = Field(10 * S, gt=0, description=(
        "a whole resolution (BIND's resolver-query-timeout), then SERVFAIL"))
    max_queries: Int = Field(50, ge=1, description="upstream queries per resolution")
    cache_size: Int = Field(10_000, ge=1, description=(
        "entries (RRsets and negative answers), least recently used out"))
    edns_payload: Int | None = Field(1232, ge=512, le=4096, description=(
        "EDNS0 UDP size of its queries and answers; null: no EDNS"))


class _ResolvConfSpec(Model):
    """resolv.conf's options, glibc's defaults and limits (RES_MAXRETRANS, RES_MAXRETRY)."""

    timeout: Seconds = Field(5 * S, ge=S, le=30 * S, description=(
        "glibc `options timeout:`; server *i* of *n* waits `timeout << i` (÷ n for i > 0), ≥ 1 s"))
    attempts: Int = Field(2, ge=1, le=5, description="rounds over the servers")
    rotate: Bool = Field(False, description="start each query at the next server")
    edns0: Bool = Field(False, description="EDNS0 (1200 bytes) on queries")


class DnsForwarderSpec(_ResolvConfSpec):
    servers: list[IPv4Addr] = Field(min_length=1, max_length=3, description=(
        "`nameserver` lines: the upstream servers"))
    cache_size: Int = Field(150, ge=1, description=(
        "cache entries (dnsmasq's default)"))


class HostDnsSpec(_ResolvConfSpec):
    """The node's stub: ``servers`` (resolv.conf nameserver lines, at most 3),
    ``hosts`` (/etc/hosts: ``{printer.lan: 192.168.1.5}``), ``domain`` (search)."""

    doc_types: ClassVar = {"hosts": "mapping name → IPv4 address or list of them"}

    # an empty default by lambda, not list/dict: pydantic reads a builtin's signature
    # from its text with tokenize (~10 ms of a trivial run, benchmarks/RESULTS.md)
    servers: list[IPv4Addr] = Field(default_factory=lambda: [], max_length=3, description=(
        "`nameserver` lines: the servers its apps ask"))
    hosts: dict[Text, Addresses] = Field(default_factory=lambda: {}, description=(
        "/etc/hosts, answered first (A, and PTR of the reverse name)"))
    domain: Domain | None = Field(None, description=(
        "search domain appended to a name without a dot"))
    cache_size: Int = Field(0, ge=0, description=(
        "cache entries (glibc has none)"))

    @field_validator("hosts")
    @classmethod
    def _names(cls, value: dict) -> dict:
        """Each name a domain name."""
        for name in value:
            try:
                DomainName.of(name)
            except ValueError as error:
                raise FieldError(f"'{name}': {error}", name) from None
        return value
