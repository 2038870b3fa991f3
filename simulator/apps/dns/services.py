"""The DNS services a node runs from time 0: an authoritative server, a recursive
resolver and a forwarder, each listening on UDP and TCP port 53 (RFC 1035 §4.2,
RFC 7766). Each wraps its sans-I/O object (authoritative.py, resolver.py, stub.py)
with the sockets of driver.py and reports its counters with ``summary()``."""

from .authoritative import AuthoritativeServer
from .cache import Cache, traced
from .driver import Exchanges, Port53
from .resolver import RecursiveResolver, ResolverConfig
from .stub import Forwarder, ResolvConf

__all__ = ["AuthoritativeService", "RecursiveService", "ForwarderService"]


class AuthoritativeService:
    """An authoritative-only server for ``zones`` (RA clear, answers at once)."""

    kind = "dns_server"

    def __init__(self, node, zones):
        self.server = AuthoritativeServer(zones)
        self.port53 = Port53(node, self._handle)

    def _handle(self, query, client, transport: str) -> None:
        response = self.server.answer(query, transport)
        if response is not None:
            self.port53.reply(client, response)

    def summary(self) -> dict:
        return {"zones": [str(z.origin) for z in self.server.zones], **self.port53.counters()}


class _Proxy:
    """What the resolver and the forwarder share: clients' queries from port 53 go to
    the ``engine``, its upstream queries and answers through :class:`Exchanges`."""

    def __init__(self, node, engine):
        self.node, self.engine = node, engine
        self.exchanges = Exchanges(node, engine, self._answered)
        self.port53 = Port53(node, self._handle)

    def _handle(self, query, client, transport: str) -> None:
        self.exchanges.run(self.engine.query(query, self.node.sim.now, client, transport))

    def _answered(self, answer) -> None:
        self.port53.reply(answer.client, answer.message)

    def _cache_counters(self) -> dict:
        cache = self.engine.cache
        return {"queries_sent": self.engine.queries_sent,
                "cache": {"hits": cache.hits, "misses": cache.misses,
                          "evictions": cache.evictions, "entries": len(cache)}}


class RecursiveService(_Proxy):
    """An iterative resolver from ``root_hints`` ((name, address) pairs)."""

    kind = "dns_resolver"

    def __init__(self, node, root_hints, config: ResolverConfig, cache_size: int):
        rng = node.sim.rng.stream(f"dns:{node.name}")
        super().__init__(node, RecursiveResolver(root_hints, rng, traced(Cache(capacity=cache_size), node),
                                                 config))

    def summary(self) -> dict:
        return {**self.port53.counters(), **self._cache_counters()}


class ForwarderService(_Proxy):
    """A caching DNS proxy to the servers of ``conf`` (dnsmasq-like)."""

    kind = "dns_forwarder"

    def __init__(self, node, conf: ResolvConf, cache_size: int):
        rng = node.sim.rng.stream(f"dns:{node.name}")
        super().__init__(node, Forwarder(conf, rng, traced(Cache(capacity=cache_size), node)))

    def summary(self) -> dict:
        return {**self.port53.counters(), "answered_from_cache": self.engine.answered_from_cache,
                **self._cache_counters()}
