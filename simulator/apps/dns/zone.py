"""Zone data (RFC 1034 §4.2, §4.3.2): a zone's records by owner and type, its cut
points (delegations) and its SOA, built from YAML-like dicts or from an RFC 1035 §5
master file. Record data text is parsed with dnspython and converted to our rdata
through its wire form, so both spellings mean exactly what a name server means.

Checks (each a :class:`ZoneError` naming the record): one SOA, at the apex; NS at the
apex; every owner at or below the origin; no CNAME beside other data (RFC 1034
§3.6.2, RFC 2181 §10.1). An RRset's TTL is the smallest of its records' (RFC 2181
§5.2 asks for equal TTLs; this is what BIND and dnspython settle on).
"""

from simulator.wire.dns_records import (CLASS_IN, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_NS,
                                        TYPE_SOA, Name, Reader, ResourceRecord,
                                        UnknownRdata, rdata_class)

__all__ = ["Zone", "ZoneError"]


class ZoneError(ValueError):
    """Zone data that a name server would refuse to load."""


def _ttl(where: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ZoneError(f"{where}: {value!r} is not a TTL in seconds, 0..2147483647 "
                        f"(RFC 2181 §8)")
    return value


def _from_dnspython(rdata) -> object:
    """Our rdata for a dnspython rdata, via its uncompressed wire form."""
    wire = rdata.to_wire()
    decoder = rdata_class(rdata.rdtype, CLASS_IN)
    if decoder is None:
        return UnknownRdata(rdata.rdtype, wire)
    return decoder.unpack_from(Reader(wire), len(wire))


class Zone:
    """The records of one zone. ``get(name, rtype)`` gives an RRset (a list, empty if
    none); ``exists(name)`` is true for owners and for empty non-terminals (RFC 8020);
    ``cut(name)`` finds the delegation a name falls under."""

    def __init__(self, origin, records):
        self.origin = Name.of(origin)
        self._nodes: dict[tuple, dict[int, list[ResourceRecord]]] = {}
        self._names: set[tuple] = set()             # owners and their ancestors
        for where, rr in records:
            self._add(where, rr)
        self._check()

    # -- building ----------------------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: dict) -> "Zone":
        """``{origin: example.com, ttl: 3600, records: [{name: www, type: A, ttl: 300,
        data: 192.0.2.1}, ...]}``; ``name`` is relative to the origin (``@`` is the
        origin), ``ttl`` defaults to the zone's."""
        import dns.exception   # dnspython only where zone data is parsed: not at start-up
        import dns.name
        import dns.rdata

        if not isinstance(spec, dict):
            raise ZoneError(f"zone: expected a mapping, got {type(spec).__name__}")
        try:
            origin = Name.of(spec["origin"])
        except (KeyError, TypeError, ValueError) as e:
            raise ZoneError(f"origin: {e}") from None
        default_ttl = _ttl("ttl", spec.get("ttl", 3600))
        entries = spec.get("records") or []
        if not isinstance(entries, list):
            raise ZoneError("records: expected a list")
        records = []
        for i, entry in enumerate(entries):
            where = f"records[{i}]"
            if not isinstance(entry, dict):
                raise ZoneError(f"{where}: expected a mapping with name, type, ttl, data")
            try:
                name = Name.from_text(str(entry.get("name", "@")), origin)
                rtype = str(entry["type"]).upper()
                rdata = dns.rdata.from_text("IN", rtype, str(entry["data"]),
                                            origin=dns.name.from_text(str(origin)),
                                            relativize=False)
            except KeyError as e:
                raise ZoneError(f"{where}: missing field {e}") from None
            except (dns.exception.DNSException, ValueError) as e:
                text = str(e).rstrip(".") or type(e).__name__
                raise ZoneError(f"{where}: {entry.get('type')} {str(entry.get('data'))!r}: "
                                f"{text}") from None
            ttl = _ttl(f"{where}: ttl", entry.get("ttl", default_ttl))
            records.append((where, ResourceRecord(name, ttl, _from_dnspython(rdata))))
        return cls(origin, records)

    @classmethod
    def from_master(cls, text: str, origin, filename: str = "<zone>") -> "Zone":
        """An RFC 1035 §5 master file ($ORIGIN, $TTL, @, parentheses, comments)."""
        import dns.exception
        import dns.zone

        try:
            parsed = dns.zone.from_text(text, origin=str(Name.of(origin)), relativize=False,
                                        check_origin=False, filename=filename)
        except (dns.exception.DNSException, ValueError, KeyError) as e:
            raise ZoneError(f"{filename}: {e}") from None
        records = []
        for name, ttl, rdata in parsed.iterate_rdatas():
            rr = ResourceRecord(Name.from_text(name.to_text()), ttl, _from_dnspython(rdata))
            records.append((f"{filename}: {rr.text()}", rr))
        return cls(origin, records)

    def _add(self, where: str, rr: ResourceRecord) -> None:
        if not rr.name.is_subdomain(self.origin):
            raise ZoneError(f"{where}: owner {rr.name} is outside the zone {self.origin}")
        node = self._nodes.setdefault(rr.name.key, {})
        rrset = node.setdefault(rr.rtype, [])
        if any(old.rdata == rr.rdata for old in rrset):
            return                                          # duplicates (RFC 2181 §5)
        ttl = min([rr.ttl] + [old.ttl for old in rrset])
        rrset[:] = [old.with_ttl(ttl) for old in rrset] + [rr.with_ttl(ttl)]
        if rr.rtype == TYPE_SOA and (rr.name != self.origin or len(rrset) > 1):
            raise ZoneError(f"{where}: a zone has one SOA record, at its apex {self.origin}")
        name = rr.name
        while True:
            self._names.add(name.key)
            if name == self.origin:
                break
            name = name.parent()
        if TYPE_CNAME in node and len(node) > 1:
            raise ZoneError(f"{where}: {rr.name} has a CNAME and other data "
                            f"(RFC 1034 §3.6.2)")

    def _check(self) -> None:
        if not self.get(self.origin, TYPE_SOA):
            raise ZoneError(f"zone {self.origin}: no SOA record at the apex")
        if not self.get(self.origin, TYPE_NS):
            raise ZoneError(f"zone {self.origin}: no NS records at the apex")

    # -- lookups -----------------------------------------------------------------------
    @property
    def soa(self) -> ResourceRecord:
        return self.get(self.origin, TYPE_SOA)[0]

    def negative_soa(self) -> ResourceRecord:
        """The SOA as a negative answer carries it: TTL = min(SOA TTL, SOA MINIMUM)
        (RFC 2308 §3)."""
        soa = self.soa
        return soa.with_ttl(min(soa.ttl, soa.rdata.minimum))

    def get(self, name: Name, rtype: int) -> list[ResourceRecord]:
        return list(self._nodes.get(name.key, {}).get(rtype, ()))

    def rrsets_at(self, name: Name) -> list[list[ResourceRecord]]:
        """Every RRset owned by ``name``, in the order they were loaded."""
        return [list(rrs) for rrs in self._nodes.get(name.key, {}).values()]

    def exists(self, name: Name) -> bool:
        return name.key in self._names

    def cut(self, name: Name) -> list[ResourceRecord]:
        """The NS RRset of the highest delegation point between the apex (excluded)
        and ``name`` (included), or [] when ``name`` is authoritative data here."""
        depth = len(self.origin.labels)
        for i in range(len(name.labels) - depth - 1, -1, -1):
            ns = self.get(Name(name.labels[i:]), TYPE_NS)
            if ns:
                return ns
        return []

    def glue(self, target: Name) -> list[ResourceRecord]:
        """A and AAAA records this zone holds for a name server name (RFC 1034 §4.3.2
        step 3b: the addresses go in the additional section)."""
        if not target.is_subdomain(self.origin):
            return []
        return self.get(target, TYPE_A) + self.get(target, TYPE_AAAA)

    def __repr__(self) -> str:
        return f"Zone({self.origin})"
