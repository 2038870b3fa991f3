"""An IPv4 routing table with longest-prefix match (RFC 1812 §5.2.4.3).

Routes are kept in one dict per prefix length, keyed by network number; a
lookup probes the lengths present from longest to shortest, so it costs at
most 33 dict probes and usually a handful. Among routes to the same prefix
the lowest metric wins.
"""

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network


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
        self._lengths: list[int] = []      # present prefix lengths, longest first

    def add(self, route: Route) -> None:
        length = route.network.prefixlen
        table = self._by_length.get(length)
        if table is None:
            table = self._by_length[length] = {}
            self._lengths = sorted(self._by_length, reverse=True)
        key = int(route.network.network_address)
        current = table.get(key)
        if current is None or route.metric < current.metric:
            table[key] = route

    def remove_kind(self, kind: str) -> None:
        """Withdraw every route of one kind (e.g. before recomputing ``auto`` routes)."""
        for length, table in list(self._by_length.items()):
            for key in [k for k, r in table.items() if r.kind == kind]:
                del table[key]
            if not table:
                del self._by_length[length]
        self._lengths = sorted(self._by_length, reverse=True)

    def remove(self, network: IPv4Network) -> Route | None:
        """Withdraw the route to ``network`` (``ip route del``); the route, or None."""
        table = self._by_length.get(network.prefixlen)
        route = None if table is None else table.pop(int(network.network_address), None)
        if table is not None and not table:
            del self._by_length[network.prefixlen]
            self._lengths = sorted(self._by_length, reverse=True)
        return route

    def lookup(self, dst: IPv4Address) -> Route | None:
        """The most specific route to ``dst``, or None."""
        address = int(dst)
        for length in self._lengths:
            route = self._by_length[length].get(address & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF)
            if route is not None:
                return route
        return None

    def routes(self) -> list[Route]:
        return [r for length in self._lengths
                for _, r in sorted(self._by_length[length].items())]

    def __len__(self) -> int:
        return sum(len(t) for t in self._by_length.values())
