"""``node.resolver``: the host's resolver library (getaddrinfo's DNS part) on the
sans-I/O :class:`~.stub.StubResolver`.

``resolve(name, qtype)`` returns a SimPy event whose value is a :class:`Resolution`
and that never fails: an IPv4 literal resolves at once, then the hosts table, the
stub's cache (glibc has none: ``cache_size`` 0 by default) and the configured servers
in glibc's order and waits. Without servers a name the hosts table does not hold fails
at once with rcode ``NOSERVERS``; when no server answers, ``TIMEOUT``; a name that is
no domain name (or an unknown type), ``BADNAME`` at once. A name without
a dot gets the configured ``domain`` appended (resolv.conf ``search``, ndots 1, one
domain; the bare name is not tried afterwards). ``configure(servers, domain)`` is what
a DHCP client calls with its lease's options (RFC 2132 §3.8, §3.17); lookups under way
finish with the servers they started with.
"""

from dataclasses import dataclass, field

from simulator.wire.addr import IPv4Address
from simulator.wire.dns import NOERROR, rcode_text
from simulator.wire.dns_records import TYPE_A, TYPE_CNAME, Name, type_code

from .cache import Cache, traced
from .driver import Exchanges
from .stub import HostsTable, ResolvConf, StubResolver

__all__ = ["HostResolver", "Resolution"]


@dataclass
class Resolution:
    """The outcome of one ``resolve`` (the services contract's fields)."""
    name: str
    qtype: str
    rcode: str
    addresses: list = field(default_factory=list)
    nodata: bool = False
    source: str | None = None            # "hosts" | "cache" | "server"; None on failure
    server: IPv4Address | None = None
    elapsed_ns: int = 0
    message: object = None               # the response Message, when one came

    def as_dict(self) -> dict:
        return {"name": self.name, "qtype": self.qtype, "rcode": self.rcode,
                "addresses": [str(a) for a in self.addresses], "nodata": self.nodata,
                "source": self.source, "server": None if self.server is None else str(self.server),
                "elapsed_ns": self.elapsed_ns}


def _literal(name: str) -> IPv4Address | None:
    try:
        return IPv4Address(name)
    except ValueError:
        return None


def _addresses(message, qname: Name, qtype: int) -> tuple[list, bool]:
    """The A (or ``qtype``) data at the end of the answer's CNAME chain, and whether
    the answer held none of that type (NODATA)."""
    name = qname
    for rr in message.answer:
        if rr.name == name and rr.rtype == TYPE_CNAME and qtype != TYPE_CNAME:
            name = rr.rdata.target
    found = [rr for rr in message.answer if rr.name == name and rr.rtype == qtype]
    addresses = [rr.rdata.address for rr in found if qtype == TYPE_A]
    return addresses, message.rcode == NOERROR and not found


class HostResolver:
    """Every IP node's ``resolver``. ``servers`` (none yet: DHCP may give some) with
    resolv.conf's ``options`` (timeout, attempts, rotate, edns0 — kept for servers set
    later), ``hosts`` as ``{name: [address, ...]}``."""

    def __init__(self, node, servers=(), options: dict | None = None, hosts=None,
                 cache_size: int = 0, domain: str | None = None):
        self.node, self.sim = node, node.sim
        self.hosts = HostsTable(hosts)
        self.cache = traced(Cache(capacity=cache_size), node) if cache_size else None
        self.domain = domain
        self.options = options or {}
        self.conf = self._stub = self._exchanges = None
        self.lookups = 0
        self.by_rcode: dict[str, int] = {}
        self.by_source: dict[str, int] = {}
        self.queries_sent = 0                # by earlier stubs, before configure()
        self.configure(servers=servers)

    def configure(self, servers=None, domain: str | None = None) -> None:
        """New servers (resolv.conf ``nameserver`` lines; ``[]``: none) and search
        domain; None leaves each as it was."""
        if domain is not None:
            self.domain = domain
        if servers is None:
            return
        servers = tuple(IPv4Address(s) for s in servers)
        if not servers:
            self._stub = self.conf = None
        elif self.conf is None or servers != self.conf.nameservers:
            if self._stub is not None:
                self.queries_sent += self._stub.queries_sent
            self.conf = ResolvConf(servers, **self.options)
            rng = self.sim.rng.stream(f"dns-stub:{self.node.name}")
            self._stub = StubResolver(self.conf, rng, self.hosts, self.cache)
            self._exchanges = Exchanges(self.node, self._stub, self._answered)

    @property
    def servers(self) -> tuple:
        return () if self.conf is None else self.conf.nameservers

    def resolve(self, name: str, qtype: str = "A"):
        """A SimPy event that succeeds with the :class:`Resolution` (never fails)."""
        event = self.sim.env.event()
        self.lookups += 1
        start = self.sim.now
        literal = _literal(name) if qtype.upper() == "A" else None
        if literal is not None:
            self._finish(event, Resolution(name, "A", "NOERROR", [literal], source="hosts"),
                         start)
            return event
        if "." not in name.rstrip(".") and self.domain:
            name = f"{name}.{self.domain}"
        try:
            code, owner = type_code(qtype), Name.of(name)
        except ValueError:                   # getaddrinfo's EAI_NONAME: nothing is sent
            self._finish(event, Resolution(name, qtype.upper(), "BADNAME"), start)
            return event
        if self._stub is None:
            found = self.hosts.lookup(owner, code)
            result = Resolution(name, qtype.upper(), "NOERROR" if found else "NOSERVERS",
                                [rr.rdata.address for rr in found if code == TYPE_A],
                                source="hosts" if found else None)
            self._finish(event, result, start)
            return event
        local = "hosts" if self.hosts.lookup(owner, code) else "cache"
        token = (event, name, qtype.upper(), code, start, local)
        self._exchanges.run(self._stub.lookup(name, code, start, token))
        return event

    def _answered(self, answer) -> None:
        event, name, qtype, code, start, local = answer.client
        message = answer.message
        if message is None:
            result = Resolution(name, qtype, "TIMEOUT")
        else:
            addresses, nodata = _addresses(message, Name.of(name), code)
            source = local if answer.server is None else "server"
            result = Resolution(name, qtype, rcode_text(message.rcode), addresses, nodata,
                                source, answer.server, message=message)
        self._finish(event, result, start)

    def _finish(self, event, result: Resolution, start: int) -> None:
        result.elapsed_ns = self.sim.now - start
        self.by_rcode[result.rcode] = self.by_rcode.get(result.rcode, 0) + 1
        if result.source is not None:
            self.by_source[result.source] = self.by_source.get(result.source, 0) + 1
        event.succeed(result)

    def summary(self) -> dict | None:
        """Counters for summary.json; None for a stub that was never asked."""
        if not self.lookups:
            return None
        sent = self.queries_sent + (self._stub.queries_sent if self._stub else 0)
        out = {"servers": [str(s) for s in self.servers], "lookups": self.lookups,
               "rcodes": dict(sorted(self.by_rcode.items())),
               "sources": dict(sorted(self.by_source.items())), "queries_sent": sent}
        if self.cache is not None:
            out["cache"] = {"hits": self.cache.hits, "misses": self.cache.misses}
        return out
