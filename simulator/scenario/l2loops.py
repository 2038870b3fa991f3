"""Switched loops: a cycle of links through switches and hubs (and the ports of one
L3-switch group), which floods every broadcast around forever.

A loop is allowed when a switch on it runs spanning tree (``stp: true``): STP
blocks one of its ports (BPDUs cross hubs and non-STP switches, which flood
them). Otherwise ``netsim check`` rejects the topology, naming the loop.
"""

from __future__ import annotations


def _segment(topology, end) -> str | None:
    """The L2 element a link end belongs to (``None``: not bridging, or an STP switch)."""
    node = topology.nodes.get(end.node)
    if node is None:
        return None
    if node.type == "hub" or (node.type == "switch" and not node.stp):
        return end.node
    if node.type == "l3switch":
        for group, spec in node.groups.items():
            if end.iface in spec.ports:
                return f"{end.node}[{group}]"
    return None


def _has_cycle(edges: list[tuple[str, str, int]]) -> bool:
    """Does any edge join two elements already connected (union-find)?"""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x] = parent[parent[x]]
        return x

    for a, b, _ in edges:
        ra, rb = root(a), root(b)
        if ra == rb:
            return True
        parent[ra] = rb
    return False


def find_l2_loop(topology) -> tuple[int, str] | None:
    """The first switched loop without STP: (index of the link closing it, message)."""
    edges = []
    for i, link in enumerate(topology.links):
        a, b = (_segment(topology, end) for end in link.ends)
        if a is not None and b is not None and a != b:
            edges.append((a, b, i))
    if not _has_cycle(edges):
        return None
    import networkx as nx           # only to name the loop: most topologies have none

    graph = nx.MultiGraph()
    for a, b, i in edges:
        graph.add_edge(a, b, key=i)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    path = " - ".join([cycle[0][0]] + [v for _, v, _ in cycle])
    links = ", ".join(f"links[{i}]" for _, _, i in cycle)
    switches = [n for n in dict.fromkeys(u for u, _, _ in cycle)
                if topology.nodes.get(n) is not None and topology.nodes[n].type == "switch"]
    fix = (f"set stp: true on {' or '.join(switches)}, or remove a link" if switches
           else "remove a link, or put an STP switch (stp: true) in it")
    return max(i for _, _, i in cycle), (f"switched loop {path} ({links}): every broadcast "
                                         f"would circle it forever; {fix}")
