"""An IPv4 routing table with longest-prefix match (RFC 1812 §5.2.4.3).

A table holds two kinds of routes. Routes added one by one (connected,
static) are kept in one dict per prefix length, keyed by network number.
Computed routes (``routing: auto``) come from a ``Fib``: one prefix index
shared by every router of the network plus this router's compact next-hop
vector (see ``simulator.stack.fib``), so a thousand routers do not hold
millions of route objects. A lookup probes the prefix lengths present in
either, longest first: at most 33 probes and usually a handful. Among routes
to the same prefix the lowest metric wins; on a tie the route added one by
one wins over the computed one, and the first added over a later one.
Answers are remembered per destination address until the table changes
(every end host and router looks up the same few destinations per packet), and
so is what a fast path derives from them (:meth:`RoutingTable.memo`).
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

_MASKS = [(0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF for length in range(33)]
CACHE_LIMIT = 4096                  # destinations remembered before a cache restarts


@dataclass(slots=True)
class Route:
    network: IPv4Network
    iface: object                   # the outgoing Interface
    via: IPv4Address | None = None  # next hop; None means on-link (connected)
    metric: int = 0
    kind: str = "static"            # "connected", "static", "auto"

    def __str__(self) -> str:
        via = f" via {self.via}" if self.via else ""
        return f"{self.network}{via} dev {self.iface.name} metric {self.metric} ({self.kind})"


class RoutingTable:
    def __init__(self):
        self._by_length: dict[int, dict[int, Route]] = {}
        self.fib = None                    # the computed routes (a Fib), or None
        self._probes: list[tuple] = []     # (mask, own routes, fib prefixes), longest first
        self._cache: dict[int, Route | None] = {}   # address → lookup_int's answer
        self._memos: list[dict] = []       # what memo() handed out

    def memo(self) -> dict:
        """A dict for a fast path to remember, per destination address, what it derives
        from the route; emptied whenever the table changes. Its user bounds it
        (:data:`CACHE_LIMIT` entries, say)."""
        memo: dict = {}
        self._memos.append(memo)
        return memo

    def _changed(self) -> None:
        self._cache.clear()
        for memo in self._memos:
            memo.clear()

    def add(self, route: Route) -> None:
        self._changed()
        length = route.network.prefixlen
        table = self._by_length.get(length)
        if table is None:
            table = self._by_length[length] = {}
            self._reprobe()
        key = int(route.network.network_address)
        current = table.get(key)
        if current is None or route.metric < current.metric:
            table[key] = route

    def remove_dev(self, iface) -> None:
        """Withdraw every route added one by one out of ``iface`` (its address went away)."""
        for length, table in list(self._by_length.items()):
            for key in [k for k, r in table.items() if r.iface is iface]:
                del table[key]
            if not table:
                del self._by_length[length]
        self._reprobe()

    def set_fib(self, fib) -> None:
        """Replace every computed route at once (a ``Fib``, or None for none)."""
        self.fib = fib
        self._reprobe()

    def _reprobe(self) -> None:
        self._changed()
        shared = self.fib.prefixes.by_length if self.fib is not None else {}
        self._probes = [(_MASKS[length], self._by_length.get(length), shared.get(length))
                        for length in sorted(self._by_length.keys() | shared.keys(), reverse=True)]

    def remove(self, network: IPv4Network) -> Route | None:
        """Withdraw the route to ``network`` (``ip route del``); the route, or None."""
        table = self._by_length.get(network.prefixlen)
        route = None if table is None else table.pop(int(network.network_address), None)
        if table is not None and not table:
            del self._by_length[network.prefixlen]
        self._reprobe()
        return route

    def lookup(self, dst: IPv4Address) -> Route | None:
        """The most specific route to ``dst``, or None."""
        return self.lookup_int(int(dst))

    def lookup_int(self, address: int) -> Route | None:
        """``lookup`` for an address given as its 32-bit integer."""
        cache = self._cache
        try:
            return cache[address]
        except KeyError:
            pass
        found = None
        for mask, own, shared in self._probes:
            key = address & mask
            route = own.get(key) if shared is None else self._winner(own, shared, key)
            if route is not None:
                found = route
                break
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[address] = found
        return found

    def _winner(self, own, shared, key: int) -> Route | None:
        """The route to one prefix: our own, unless the computed one has a lower metric."""
        route = own.get(key) if own is not None else None
        prefix = shared.get(key) if shared is not None else None
        computed = self.fib.route(prefix) if prefix is not None else None
        if computed is not None and (route is None or computed.metric < route.metric):
            return computed
        return route

    def routes(self) -> list[Route]:
        """Every route that wins its prefix, longest prefix first, then by network."""
        found = []
        for _, own, shared in self._probes:
            for key in sorted((own or {}).keys() | (shared or {}).keys()):
                route = self._winner(own, shared, key)
                if route is not None:
                    found.append(route)
        return found

    def __len__(self) -> int:
        return len(self.routes())
