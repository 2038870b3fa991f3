"""``plots/topology.png``: the network as a drawing, the way a lesson's slide shows it.

Nodes are drawn by kind (a shape and a colour each, with a legend), labelled
with their name and, beside each link's end, the interface or port name and
its address. Each link is labelled with its rate, delay and MTU. A link that
went down during the run (a ``link_down`` in the trace) is dashed red, with
the times it went down and came back; a spanning-tree port left blocking at
the end is labelled so, in red. Positions come from the YAML's ``pos: [x, y]``
where given, else from a networkx spring layout with a fixed seed, stretched to
fill the page (a chain of nodes is laid out in a row). The drawing is the same
on every run. The figure is 12 × 7.5 in at 100 dpi (1200 × 750 px).

What the figure shows of a built network is first taken out as plain data
(:func:`drawing`), so that another process can draw it.
"""

from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

WIDTH_IN, HEIGHT_IN, DPI = 12, 7.5, 100
LAYOUT_SEED = 1
KINDS = {   # kind → (marker, colour, legend label)
    "host": ("o", "#4c8bd6", "host"),
    "switch": ("s", "#3fa34d", "switch"),
    "hub": ("h", "#9aa0a6", "hub"),
    "router": ("D", "#e08a1e", "router"),
    "l3switch": ("p", "#9b59b6", "L3 switch"),
    "nat": ("^", "#c0392b", "NAT gateway"),
}
END_AT = 0.22       # an interface label sits this far along its link from its node


def rate_text(bps: int) -> str:
    for unit, scale in (("Gb/s", 10**9), ("Mb/s", 10**6), ("kb/s", 10**3)):
        if bps >= scale:
            return f"{bps / scale:g} {unit}"
    return f"{bps} b/s"


def delay_text(ns: int) -> str:
    for unit, scale in (("s", 10**9), ("ms", 10**6), ("µs", 10**3)):
        if ns >= scale:
            return f"{ns / scale:g} {unit}"
    return f"{ns} ns"


def link_events(events) -> dict[str, list[tuple[str, int]]]:
    """Each link's ``(down|up, ns)`` changes, in order, and under the key ``"stp"`` each
    spanning-tree port's last ``(state, ns)`` by ``node:port``, from a trace's events."""
    changes: dict = {"stp": {}}
    for e in events:
        if e["event"] in ("link_down", "link_up"):
            changes.setdefault(e["link"], []).append((e["event"][5:], e["ns"]))
        elif e["event"] == "port_state":
            changes["stp"][f"{e['node']}:{e['port']}"] = (e["state"], e["ns"])
    return changes


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


def _away(name, pos, edges) -> tuple[float, float]:
    """A unit vector pointing away from the node's links (where its name goes)."""
    x, y = pos[name]
    sx = sy = 0.0
    for ends in edges:
        if name in ends:
            other = pos[ends[1] if ends[0] == name else ends[0]]
            length = ((other[0] - x) ** 2 + (other[1] - y) ** 2) ** 0.5 or 1.0
            sx, sy = sx + (other[0] - x) / length, sy + (other[1] - y) / length
    norm = (sx * sx + sy * sy) ** 0.5
    return (0.0, -1.0) if norm < 1e-6 else (-sx / norm, -sy / norm)


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
    anything else by a spring layout with a fixed seed (networkx: imported only then)."""
    positions = {n: p for n, p in (positions or {}).items() if n in nodes and p}
    chain = None if positions else _chain(nodes, edges)
    if len(positions) == len(nodes):
        pos = dict(positions)
    elif chain is not None:
        return {name: (2 * i / (len(chain) - 1) - 1, 0.0) for i, name in enumerate(chain)}
    else:
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from(edges)
        pos = nx.spring_layout(graph, seed=LAYOUT_SEED, iterations=200,
                               k=2.5 / max(len(graph), 1) ** 0.5, pos=positions or None,
                               fixed=list(positions) or None)
    spans = []
    for axis in (0, 1):
        values = [p[axis] for p in pos.values()]
        spans.append((min(values), max(values) - min(values)))
    return {name: tuple(2 * (p[a] - spans[a][0]) / spans[a][1] - 1 if spans[a][1] > 1e-9
                        else 0.0 for a in (0, 1))
            for name, p in pos.items()}


def plot_topology(topology: Drawing, out: Path, title: str, events=(), positions=None) -> Path:
    """Draw ``topology`` (a :func:`drawing` of the network) to ``out``; ``events``, the
    run's trace, gives the link failures to show; ``positions``, the YAML's ``pos:`` by
    node name."""
    fig = draw_topology(topology, title, events, positions)
    fig.savefig(out, dpi=DPI, metadata={"Software": None})
    return out


def draw_topology(topology, title: str, events=(), positions=None) -> Figure:
    """The topology figure (see :func:`plot_topology`) of a :class:`Drawing` or a built
    network, not yet saved."""
    if not isinstance(topology, Drawing):
        topology = drawing(topology)
    changes = link_events(events)
    stp = changes.pop("stp")
    edges = [(link.a.node, link.b.node) for link in topology.links]
    pos = place(list(topology.kinds), edges, positions)
    row = all(y == 0.0 for _, y in pos.values())     # a chain: the ends' labels above and below
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    ax = fig.add_subplot()
    for link in topology.links:
        (xa, ya), (xb, yb) = pos[link.a.node], pos[link.b.node]
        length = ((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5 or 1.0
        nx_, ny_ = -(yb - ya) / length, (xb - xa) / length       # normal to the link
        if ny_ < 0 or (ny_ == 0 and nx_ < 0):
            nx_, ny_ = -nx_, -ny_                                # pointing up
        history = changes.get(link.name, [])
        failed = bool(history) or not link.up
        ax.plot([xa, xb], [ya, yb], color="#d62728" if failed else "#555555",
                linestyle="--" if failed else "-", linewidth=2.2 if failed else 1.4, zorder=1)
        text = f"{rate_text(link.rate)}, {delay_text(link.delay)}\nMTU {link.mtu}"
        if history:
            text += "\n" + ", ".join(f"{kind} at {ns / 1e9:g} s" for kind, ns in history)
        elif not link.up:
            text += "\ndown"
        away = 0.16 if row else -0.07
        ax.text((xa + xb) / 2 + away * nx_, (ya + yb) / 2 + away * ny_, text, fontsize=8,
                ha="center", va="center", color="#d62728" if failed else "#333333", zorder=3,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
        ends = ((link.a, (xa, ya), (xb, yb), 0.06), (link.b, (xb, yb), (xa, ya), -0.06 if row else 0.06))
        for end, (x0, y0), (x1, y1), side in ends:
            along = 0.3 if row else END_AT
            label, colour = end.label, "#1f3a5f"
            state = stp.get(end.port, ("forwarding",))[0]
            if state in ("blocking", "disabled"):
                label, colour = f"{label} ({state})", "#d62728"
            ax.text(x0 + (x1 - x0) * along + side * nx_, y0 + (y1 - y0) * along + side * ny_,
                    label, fontsize=7.5, ha="center", va="center", color=colour, zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", fc="#eef3fa", ec="none", alpha=0.9))
    for name, kind in topology.kinds.items():
        marker, colour, _ = KINDS.get(kind, ("o", "#cccccc", kind))
        x, y = pos[name]
        ax.scatter([x], [y], s=650, marker=marker, c=colour, edgecolors="black", zorder=4)
        dx, dy = _away(name, pos, edges)
        ax.text(x + 0.08 * dx, y + 0.08 * dy, topology.labels[name], fontsize=10,
                fontweight="bold", ha="center" if abs(dx) < 0.5 else "left" if dx > 0 else "right",
                va="center" if abs(dy) < 0.5 else "bottom" if dy > 0 else "top", zorder=5)
    present = sorted(set(topology.kinds.values()), key=list(KINDS).index)
    handles = [Line2D([], [], marker=KINDS[k][0], color="w", markerfacecolor=KINDS[k][1],
                      markeredgecolor="black", markersize=12, label=KINDS[k][2]) for k in present]
    if changes or any(not link.up for link in topology.links):
        handles.append(Line2D([], [], color="#d62728", linestyle="--", label="link down in the run"))
    fig.legend(handles=handles, loc="lower left", fontsize=9, frameon=True)
    ax.set_title(f"{title}: topology", fontsize=13)
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.2, 1.2)
    ax.set_axis_off()
    fig.tight_layout()
    return fig
