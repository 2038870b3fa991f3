"""``plots/topology.png``: the network as a drawing, the way a lesson's slide shows it.

Nodes are drawn by kind (a shape and a colour each, with a legend), labelled
with their name and, beside each link's end, the interface or port name and
its address. Each link is labelled with its rate, delay and MTU. A link that
went down during the run (a ``link_down`` in the trace) is dashed red, with
the times it went down and came back; a spanning-tree port left blocking at
the end is labelled so, in red. Positions come from the YAML's ``pos: [x, y]``
where given, else from a spring layout with a fixed seed, stretched to
fill the page (a chain of nodes is laid out in a row). The drawing is the same
on every run. The figure is 12 × 7.5 in at 100 dpi (1200 × 750 px).

What the figure shows of a built network is first taken out as plain data
(:func:`~simulator.viz.topology_layout.drawing`), so that another process can draw it.
"""

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.viz.topology_layout import Drawing, drawing, layout, place

__all__ = ["plot_topology", "draw_topology", "link_events", "layout", "place", "drawing",
           "Drawing", "KINDS", "WIDTH_IN", "HEIGHT_IN", "DPI"]

WIDTH_IN, HEIGHT_IN, DPI = 12, 7.5, 100
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


def plot_topology(topology: Drawing, out: Path, title: str, events=(), positions=None) -> Path:
    """Draw ``topology`` (the network's :class:`Drawing`) to ``out``; ``events``, the
    run's trace, gives the link failures to show; ``positions``, the YAML's ``pos:`` by
    node name."""
    fig = draw_topology(topology, title, events, positions)
    fig.savefig(out, dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 3})
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
