"""Computed routes in compact form: a FIB of next-hop vectors over a shared prefix index.

A route computation (``routing: auto``) gives every router a route to nearly
every subnet of the network: routers × subnets routes. Instead of one
``Route`` object each, the subnets are numbered once in a ``PrefixIndex``
shared by all routers, and each router's ``Fib`` holds two arrays over that
numbering: which of its exits (outgoing interface, next hop) the route to
prefix *i* takes (-1: no computed route) and its metric. The arrays are
computed on first use, so a router that never forwards a packet costs
nothing but the index; a ``Route`` is made on the first lookup of a prefix
and kept.
"""

from array import array

from simulator.stack.routing import Route


class PrefixIndex:
    """Destination networks numbered 0..n-1, found by (prefix length, network number)."""

    def __init__(self, networks: list):
        self.networks = networks
        self.by_length: dict[int, dict[int, int]] = {}
        for number, network in enumerate(networks):
            self.by_length.setdefault(network.prefixlen, {})[int(network.network_address)] = number

    def __len__(self) -> int:
        return len(self.networks)


def empty_vectors(prefixes: PrefixIndex) -> tuple[array, array]:
    """``(exit_of, metric)`` arrays saying "no route" for every prefix."""
    return array("h", [-1]) * len(prefixes), array("q", [0]) * len(prefixes)


class Fib:
    """One router's computed routes. ``compute()`` returns ``(exits, exit_of, metric)``:
    the list of ``(iface, via)`` exits and the two arrays over ``prefixes``."""

    __slots__ = ("prefixes", "kind", "_compute", "_vectors", "_routes")

    def __init__(self, prefixes: PrefixIndex, compute, kind: str = "auto"):
        self.prefixes = prefixes
        self.kind = kind
        self._compute = compute
        self._vectors = None
        self._routes: dict[int, Route | bool] = {}   # prefix → Route, or False: none

    def vectors(self) -> tuple:
        if self._vectors is None:
            self._vectors = self._compute()
            self._compute = None
        return self._vectors

    def route(self, prefix: int) -> Route | None:
        """The computed route to prefix number ``prefix``, or None."""
        route = self._routes.get(prefix)
        if route is None:
            exits, exit_of, metric = self.vectors()
            exit = exit_of[prefix]
            if exit < 0:
                route = False
            else:
                iface, via = exits[exit]
                route = Route(self.prefixes.networks[prefix], iface, via, metric[prefix], self.kind)
            self._routes[prefix] = route
        return route or None
