"""What the topology figure shows of a built network, as plain data (a
:class:`Drawing`, which another process can draw), and where its nodes go: the
YAML's ``pos: [x, y]`` where given, a chain of nodes in a row, anything else by a
spring layout with a fixed seed (:mod:`~simulator.viz.spring`; numpy is imported only
then). The viewer places its nodes with the same :func:`place`. No matplotlib here.
"""

from dataclasses import dataclass

LAYOUT_SEED = 1


@dataclass(frozen=True)
class End:
    """One end of a link: its node, its interface's label, its spanning-tree key."""
    node: str
    label: str           # the interface or port name, and its address if it has one
    port: str            # ``node:port``, as ``port_state`` events name it


@dataclass(frozen=True)
class LinkDrawing:
    name: str
    a: End
    b: End
    rate: int
    delay: int
    mtu: int
    up: bool


@dataclass(frozen=True)
class Drawing:
    """What the figure shows of a built network, as plain data."""
    kinds: dict[str, str]            # node name → kind, in the network's order
    labels: dict[str, str]           # node name → its label
    links: tuple[LinkDrawing, ...]


def drawing(network) -> Drawing:
    """The :class:`Drawing` of a built :class:`~simulator.scenario.build.Network` (its
    addresses as they are now: after a run, those DHCP gave)."""
    def end(iface) -> End:
        return End(iface.node.name, _iface_label(iface.node, iface), iface.label)

    return Drawing({name: node.kind for name, node in network.nodes.items()},
                   {name: _node_label(node) for name, node in network.nodes.items()},
                   tuple(LinkDrawing(link.name, end(link.a), end(link.b), link.rate, link.delay,
                                     link.mtu, link.up) for link in network.links))


def _iface_label(node, iface) -> str:
    ip = getattr(node, "ip", None)
    address = ip.addresses.get(iface) if ip is not None else None
    return iface.name if address is None else f"{iface.name}\n{address}"


def _node_label(node) -> str:
    groups = getattr(node, "groups", None)
    if not groups:
        return node.name
    svis = [f"{name} {node.ip.addresses[svi]}" for name, svi in groups.items()]
    return "\n".join([node.name, *svis])


def layout(network, positions: dict | None = None) -> dict:
    """:func:`place` over a network's nodes and links."""
    return place(list(network.nodes),
                 [(link.a.node.name, link.b.node.name) for link in network.links], positions)


def _chain(nodes: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    """The nodes in path order, from the first end in ``nodes``, when the graph is one
    path (a tree of degree 2 at most: ``n - 1`` distinct links, no loop, connected)."""
    links = {frozenset(e) for e in edges}
    if len(nodes) < 2 or len(links) != len(nodes) - 1 or any(len(e) == 1 for e in links):
        return None
    peers: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in (tuple(e) for e in links):
        peers[a].append(b)
        peers[b].append(a)
    if any(len(p) > 2 for p in peers.values()):
        return None
    order = [next((n for n in nodes if len(peers[n]) == 1), nodes[0])]
    while len(order) < len(nodes):
        step = [p for p in peers[order[-1]] if p not in order]
        if not step:
            return None                     # a loop: not connected, not a path
        order.append(step[0])
    return order


def place(nodes: list[str], edges: list[tuple[str, str]], positions: dict | None = None) -> dict:
    """Node positions filling [-1, 1]²: the YAML's ``pos: [x, y]`` where given (scaled
    to fit, the nodes without one placed by a spring layout around them); without any,
    a chain of nodes in a row, left to right from its first node in the file, and
    anything else by a spring layout with a fixed seed (numpy: imported only then)."""
    positions = {n: p for n, p in (positions or {}).items() if n in nodes and p}
    chain = None if positions else _chain(nodes, edges)
    if len(positions) == len(nodes):
        pos = dict(positions)
    elif chain is not None:
        return {name: (2 * i / (len(chain) - 1) - 1, 0.0) for i, name in enumerate(chain)}
    else:
        from simulator.viz.spring import spring

        pos = spring(nodes, edges, positions, k=2.5 / max(len(nodes), 1) ** 0.5,
                     seed=LAYOUT_SEED)
    spans = []
    for axis in (0, 1):
        values = [p[axis] for p in pos.values()]
        spans.append((min(values), max(values) - min(values)))
    return {name: tuple(2 * (p[a] - spans[a][0]) / spans[a][1] - 1 if spans[a][1] > 1e-9
                        else 0.0 for a in (0, 1))
            for name, p in pos.items()}


