"""Packet ladder (sequence) diagram, as in a textbook: one lifeline per node, time
flowing down, one slanted arrow per frame per hop (the ``phy``/``tx`` trace events)
whose slope is serialization + propagation. Long idle stretches are squeezed and shaded.

Each arrow is labelled with the frame's Info (plus ``, ttl=N`` for IPv4) and, under it
in smaller type, the Ethernet addresses (``src → dst``), so a router's MAC rewrite
and TTL decrement show hop by hop. TCP segments are labelled as Wireshark does with
relative sequence numbers (``[SYN, ACK] Seq=0 Ack=1 Win=65160 Len=0 MSS=1460``), and
each TCP state change (``tcp.state`` events) is marked on its node's lifeline.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from matplotlib.textpath import text_to_path
from matplotlib.transforms import blended_transform_factory

from simulator.viz.tcp_trace import relative_info

COLOURS = {"ARP": "#c25e00", "ICMP": "#1b7f3b", "UDP": "#7b3fb5", "TCP": "#1f5fbf",
           "other": "#555555"}
KEYS = {k: k for k in COLOURS} | {"DNS": "UDP", "DHCP": "UDP", "HTTP": "TCP"}  # proto -> colour
BAD = "#d62728"
SUFFIX = {"lost": " (lost)", "down": " (link down)", "corrupt": " (bad FCS)"}
STATE = "#3d3d3d"  # TCP state marks on the lifelines
MAX_STATE_EVENTS = 10_000  # tcp.state events kept for the marks, however long the trace
STATE_PT = 6.5
MAX_LABEL, SHORT_LABEL = 60, 24  # characters; short: when the full label finds no room
LABEL_PT = TICK_PT = 7.5
L2_PT = 6.5  # the second label line: Ethernet source → destination
BROADCAST = "ff:ff:ff:ff:ff:ff"
DPI = 110
MAX_HEIGHT_IN = 40.0
MARGIN = {"left": 1.15, "right": 0.35, "top": 1.05, "bottom": 0.3}  # inches
FLIGHT_IN, ROW_IN = 1.1, 0.26  # inches: depth of a median flight, least step between times
ROW_L2_IN = 0.44  # least step between times when labels have the Ethernet line
LONG_STEP = 2.0  # median flights: longer busy stretches between event times are log-squeezed
FRACTIONS = (0.5, 0.35, 0.65, 0.2, 0.8)  # label positions tried along an arrow


@dataclass(frozen=True)
class Arrow:
    """One frame on one hop: x = lifeline index, y = time in ns (drawn downward)."""
    x0: float
    y0: float
    x1: float
    y1: float
    label: str
    colour: str
    fate: str = "ok"
    l2: str = ""  # second label line, "eth_src → eth_dst"; "" when not shown


def tx_frames(events, nodes=None, start_ns=None, end_ns=None) -> Iterator[dict]:
    """The phy ``tx`` events between ``nodes`` starting in the window, in trace order (lazily)."""
    keep = None if nodes is None else set(nodes)
    return (e for e in events
            if e.get("event") == "tx" and e.get("layer", "phy") == "phy" and e.get("peer") is not None
            and (keep is None or (e["node"] in keep and e["peer"] in keep))
            and (start_ns is None or e["ns"] >= start_ns) and (end_ns is None or e["ns"] <= end_ns))


def _start(event: dict) -> int:
    return event["ns"]


def frames(events, nodes=None, start_ns=None, end_ns=None) -> list[dict]:
    """The phy ``tx`` events between ``nodes`` starting in the window, by start time."""
    return sorted(tx_frames(events, nodes, start_ns, end_ns), key=_start)


def first_frames(events, n: int, nodes=None, start_ns=None, end_ns=None) -> tuple[list[dict], int]:
    """The first ``n`` of :func:`frames` and how many there are in all, in memory for
    ``n`` events however long ``events`` (an iterator over a trace file) is."""
    total = 0

    def counted():
        nonlocal total
        for e in tx_frames(events, nodes, start_ns, end_ns):
            total += 1
            yield e

    first = heapq.nsmallest(n, counted(), key=_start)   # stable: equal to sorted()[:n]
    return first, total


def node_order(frames_, nodes=None) -> list[str]:
    """``nodes`` if given, else every node by first appearance (sender, then receiver)."""
    seen = dict.fromkeys(n for e in frames_ for n in (e["node"], e["peer"]))
    return list(seen if nodes is None else nodes)


def proto_key(proto) -> str:
    """The legend entry of a trace ``proto``: ARP, ICMP, UDP, TCP or other."""
    return KEYS.get(str(proto or "").upper(), "other")


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1].rstrip() + "…"


def label_of(event: dict, limit: int = MAX_LABEL) -> str:
    """``info`` (or the proto), then ``, ttl=N`` for IPv4 and the fate suffix; the info is
    cut so that the whole label is at most ``limit`` characters."""
    info = " ".join(str(event.get("info") or event.get("proto") or "").split())
    suffix = SUFFIX.get(event.get("fate", "ok"), "")
    if event.get("ttl") is not None:
        suffix = f", ttl={event['ttl']}" + suffix
    return _cut(info, max(limit - len(suffix), 1)) + suffix


def _mac(mac) -> str:
    return "broadcast" if str(mac).lower() == BROADCAST else str(mac)


def l2_of(event: dict) -> str:
    """The Ethernet line, ``02:00:00:00:00:01 → broadcast``; "" without both addresses."""
    src, dst = event.get("eth_src"), event.get("eth_dst")
    return "" if src is None or dst is None else f"{_mac(src)} → {_mac(dst)}"


def layout(events, nodes=None, show_l2: bool = True) -> list[Arrow]:
    """Arrow geometry for the tx events (between ``nodes``), in start-time order.

    A lost (or link-down) frame stops halfway: half the hop, half its flight; when
    ``arrive_ns`` is unknown the flight is the last one seen on that link, else the median.
    With ``show_l2`` each arrow carries its Ethernet line (``l2_of``).
    """
    fs = frames(events, nodes)
    x = {n: i for i, n in enumerate(node_order(fs, nodes))}
    flights = [e["arrive_ns"] - e["ns"] for e in fs if e.get("arrive_ns") is not None]
    fallback = median(flights) if flights else 1_000_000
    last, arrows = {}, []  # last: flight of the latest frame that arrived, per link
    for e in fs:
        fate, arrive = e.get("fate", "ok"), e.get("arrive_ns")
        link = frozenset((e["node"], e["peer"]))
        flight = arrive - e["ns"] if arrive is not None else last.get(link, fallback)
        if arrive is not None:
            last[link] = flight
        x0, x1, y1 = x[e["node"]], x[e["peer"]], e["ns"] + flight
        if fate in ("lost", "down"):
            x1, y1 = (x0 + x1) / 2, e["ns"] + flight / 2
        colour = BAD if fate == "corrupt" else COLOURS[proto_key(e.get("proto"))]
        arrows.append(Arrow(x0, e["ns"], x1, y1, label_of(e), colour, fate,
                            l2_of(e) if show_l2 else ""))
    return arrows


def time_axis(arrows: list[Arrow], flight_in: float = FLIGHT_IN, row_in: float = ROW_IN):
    """Piecewise-linear time -> depth map: knots ``ts`` (ns), ``ys`` (inches down), squeezed gaps.

    A median flight is ``flight_in`` deep; event times closer than ``row_in`` are pushed apart
    so labels fit; an idle stretch (nothing in flight) longer than a median flight is drawn
    one flight deep. Gaps are ``(y_from, y_to, idle_ns)``. A busy stretch longer than
    ``LONG_STEP`` median flights grows only logarithmically beyond that (a 2 ms hop next to
    50 µs ones stays a few inches deep, not thirty).
    """
    spans = sorted((min(a.y0, a.y1), max(a.y0, a.y1)) for a in arrows)
    flight = median(b - a for a, b in spans) or 1
    idle_from, reach = set(), spans[0][1]
    for a, b in spans:
        if a > reach:
            idle_from.add(reach)
        reach = max(reach, b)
    ts = sorted({t for span in spans for t in span})
    ys, gaps = [0.0], []
    for prev, t in pairwise(ts):
        idle = prev in idle_from and t - prev > flight
        d = (t - prev) / flight  # in median flights
        d = d if d <= LONG_STEP else LONG_STEP + math.log(d / LONG_STEP)
        ys.append(ys[-1] + (flight_in if idle else max(d * flight_in, row_in)))
        if idle:
            gaps.append((ys[-2], ys[-1], t - prev))
    return ts, ys, gaps


def thin(positions, min_gap: float) -> list[int]:
    """Indices of ``positions`` kept greedily so that kept ones are >= ``min_gap`` apart."""
    kept: list[int] = []
    for i, p in enumerate(positions):
        if not kept or abs(p - positions[kept[-1]]) >= min_gap:
            kept.append(i)
    return kept


def _rect(cx, cy, w, h, th):
    """A ``w`` x ``h`` rectangle centred at (cx, cy), turned by ``th`` radians: (corners, bbox)."""
    c, s = math.cos(th), math.sin(th)
    pts = [(cx + dx * c - dy * s, cy + dx * s + dy * c)
           for dx, dy in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    return pts, (min(xs), min(ys), max(xs), max(ys))


def _meet(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _overlap(p, q) -> bool:
    """Whether two rectangles from ``_rect`` overlap (bounding boxes, then separating axes)."""
    (p, a), (q, b) = p, q
    if not _meet(a, b):
        return False
    for poly in (p, q):
        for i in range(2):
            nx, ny = poly[i][1] - poly[i + 1][1], poly[i + 1][0] - poly[i][0]
            pp, qq = ([x * nx + y * ny for x, y in r] for r in (p, q))
            if max(pp) <= min(qq) or max(qq) <= min(pp):
                return False
    return True


def place_labels(segments, sizes, obstacles=(), placed=None, gap: float = 0.05):
    """Greedy label spots ``(cx, cy, degrees)`` along segments, all in inches (y up).

    Each label lies parallel to its arrow, above or below it, at one of ``FRACTIONS``:
    never over a label in ``placed`` (which gains each new one); the first spot clear of
    ``obstacles`` (``_rect`` shapes), else the one touching fewest; ``None`` if none is free.
    """
    placed, out = [] if placed is None else placed, []
    for (x0, y0, x1, y1), (w, h) in zip(segments, sizes):
        th = math.atan2(y1 - y0, x1 - x0) if x1 >= x0 else math.atan2(y0 - y1, x0 - x1)
        nx, ny = -math.sin(th), math.cos(th)
        e = w / 2 + h + gap
        box = (min(x0, x1) - e, min(y0, y1) - e, max(x0, x1) + e, max(y0, y1) + e)
        labels = [r for r in placed if _meet(r[1], box)]
        others = [r for r in obstacles if _meet(r[1], box)]
        best = None
        for side, f in ((side, f) for side in (1, -1) for f in FRACTIONS):
            d = side * (gap + h / 2)
            cx, cy = x0 + f * (x1 - x0) + d * nx, y0 + f * (y1 - y0) + d * ny
            r = _rect(cx, cy, w, h, th)
            if any(_overlap(r, p) for p in labels):
                continue
            hits = sum(_overlap(r, o) for o in others)
            if best is None or hits < best[0]:
                best = (hits, (cx, cy, math.degrees(th)), r)
            if not hits:
                break
        out.append(best and best[1])
        if best:
            placed.append(best[2])
    return out


def _line_size(text: str, pt: float):
    w, _, _ = text_to_path.get_text_width_height_descent(text, FontProperties(size=pt), False)
    return w / 72 + 0.06, pt * 1.35 / 72  # inches, with the label's white box


def _text_size(text: str, l2: str = ""):
    """Inches (width, height) of a label: its line, and the smaller Ethernet line if any."""
    w, h = _line_size(text, LABEL_PT)
    if not l2:
        return w, h
    w2, h2 = _line_size(l2, L2_PT)
    return max(w, w2), h + h2


def _keeping_states(events, states: list, cap: int = MAX_STATE_EVENTS):
    """``events`` passed through, their first ``cap`` ``tcp.state`` events kept in ``states``."""
    for e in events:
        if e.get("event") == "tcp.state" and len(states) < cap:
            states.append(e)
        yield e


def state_changes(events, order, start_ns, end_ns) -> list[tuple[int, int, str]]:
    """``(lifeline index, ns, states)`` of the ``tcp.state`` events of the drawn nodes
    between ``start_ns`` and ``end_ns``; changes at one node in one instant are joined
    (``"ESTABLISHED\n→ FIN-WAIT-1"``)."""
    x = {n: i for i, n in enumerate(order)}
    marks: dict[tuple[int, int], list[str]] = {}
    for e in events:
        if (e.get("event") == "tcp.state" and e.get("node") in x
                and start_ns <= e["ns"] <= end_ns):
            marks.setdefault((x[e["node"]], e["ns"]), []).append(e["to"])
    return [(i, ns, "\n→ ".join(states)) for (i, ns), states in marks.items()]


def _depth_at(ts, ys, t) -> float:
    """The depth of any time ``t``: linear between the knots of :func:`time_axis`."""
    for (t0, y0), (t1, y1) in pairwise(zip(ts, ys)):
        if t0 <= t <= t1:
            return y0 if t1 == t0 else y0 + (y1 - y0) * (t - t0) / (t1 - t0)
    return ys[0] if t < ts[0] else ys[-1]


def _state_mark(ax, fig, to_in, x, y, text, n):
    """A state box beside lifeline ``x`` at depth ``y``: outside the outer lifelines
    (no arrows there), right of inner ones. Returns its rectangle (figure inches) for
    the label placer to avoid."""
    lines = text.split("\n")
    w = max(_line_size(line, STATE_PT)[0] for line in lines)
    h = _line_size(lines[0], STATE_PT)[1] * len(lines)
    side = -1 if x == 0 and n > 1 else 1
    cx, cy = to_in(x, y)
    cx += side * (w / 2 + 0.08)
    ax.plot([x], [y], marker="o", ms=3.2, color=STATE, zorder=4)
    fig.text(cx, cy, text, transform=fig.dpi_scale_trans, ha="center", va="center",
             fontsize=STATE_PT, color=STATE, style="italic", parse_math=False, zorder=6,
             multialignment="left", linespacing=1.1,
             bbox={"boxstyle": "round,pad=0.15", "fc": "#fff8e1", "ec": "#b59f3b", "lw": 0.6})
    return _rect(cx, cy, w + 0.05, h + 0.04, 0)


def _labels(arrows, frames_, segments, sizes, placed=None):
    """Label texts, Ethernet lines and spots. A label with no room is retried as one line,
    cut to ``SHORT_LABEL`` characters (the TTL and fate suffix kept). ``placed``: areas
    already taken (the state marks)."""
    obstacles = [_rect((x0 + x1) / 2, (y0 + y1) / 2, math.hypot(x1 - x0, y1 - y0), 0.02,
                       math.atan2(y1 - y0, x1 - x0)) for x0, y0, x1, y1 in segments]
    obstacles += [_rect(sg[2], sg[3], 0.1, 0.1, 0) for a, sg in zip(arrows, segments)
                  if a.fate in ("lost", "down")]  # the red crosses
    texts, l2s, placed = [a.label for a in arrows], [a.l2 for a in arrows], list(placed or [])
    spots = place_labels(segments, sizes, obstacles, placed)
    for i in [i for i, spot in enumerate(spots) if spot is None]:
        short = label_of(frames_[i], SHORT_LABEL)
        if len(short) < len(texts[i]) or l2s[i]:
            texts[i], l2s[i] = short, ""
            spots[i] = place_labels([segments[i]], [_text_size(short)], obstacles, placed)[0]
    return texts, l2s, spots


def _draw_label(fig, spot, text, l2, colour):
    """The label centred at ``spot`` (inches, degrees); the Ethernet line, if any, under it."""
    cx, cy, deg = spot
    lines = [(text, LABEL_PT, {})]
    if l2:
        lines.append((l2, L2_PT, {"alpha": 0.9}))
    heights = [_line_size(t, pt)[1] for t, pt, _ in lines]
    nx, ny = -math.sin(math.radians(deg)), math.cos(math.radians(deg))
    top = sum(heights) / 2  # distance from the block's centre to its top edge, along the normal
    for (line, pt, extra), h in zip(lines, heights):
        off = top - h / 2
        fig.text(cx + off * nx, cy + off * ny, line, transform=fig.dpi_scale_trans, rotation=deg,
                 rotation_mode="anchor", ha="center", va="center", fontsize=pt, color=colour,
                 parse_math=False, zorder=5, **extra,
                 bbox={"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.85})
        top -= h


def _legend(fig, frames_, arrows, height):
    used = {proto_key(e.get("proto")) for e in frames_}
    handles = [Line2D([], [], color=COLOURS[k], lw=2, label=k) for k in COLOURS if k in used]
    if any(a.fate in ("lost", "down") for a in arrows):
        handles.append(Line2D([], [], color=BAD, marker="x", ls="none", mew=2,
                              label="lost / link down"))
    if any(a.fate == "corrupt" for a in arrows):
        handles.append(Line2D([], [], color=BAD, ls=(0, (4, 2)), lw=1.5, label="bad FCS"))
    if handles:
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.38 / height),
                   ncol=len(handles), frameon=False, fontsize=8, handlelength=2.2)


def plot_ladder(events, out_path, nodes: list[str] | None = None, title: str | None = None,
                start_ns=None, end_ns=None, max_frames=200, show_l2: bool = True) -> None:
    """Draw the ladder diagram of the tx events in ``events`` to a PNG at ``out_path``.

    ``nodes`` picks and orders the lifelines (frames to other nodes are left out);
    ``start_ns``/``end_ns`` select frames by start time; only the first ``max_frames`` are drawn.
    ``events`` may be an iterator (:func:`~simulator.viz.trace_io.iter_trace`): it is read
    once, keeping ``max_frames`` events.
    ``show_l2`` adds a smaller second label line, ``eth_src → eth_dst``.
    """
    states: list[dict] = []              # tcp.state events, kept in the one pass over events
    fs, total = first_frames(_keeping_states(events, states), max_frames, nodes, start_ns, end_ns)
    fs = relative_info(fs)               # TCP numbers from each drawn connection's SYN
    order = node_order(fs, nodes)
    arrows = layout(fs, order, show_l2)
    n, m = max(len(order), 1), MARGIN
    sizes = [_text_size(a.label, a.l2) for a in arrows]
    lane = min(max(max((w for w, _ in sizes), default=0) + 0.3, 2.0), 3.6)  # inches per hop
    lane = max(lane, (6.5 - m["left"] - m["right"]) / (n - 0.1))
    ax_w = lane * (n - 0.1)
    row_in = ROW_L2_IN if any(a.l2 for a in arrows) else ROW_IN
    ts, ys, gaps = time_axis(arrows, row_in=row_in) if arrows else ([0], [0.0], [])
    pad, room = 0.3, MAX_HEIGHT_IN - m["top"] - m["bottom"] - 0.6  # pad: inches above/below
    k = min(1.0, room / ys[-1]) if ys[-1] else 1.0  # too deep: squash all (labels may not fit)
    ys, gaps = [y * k for y in ys], [(a * k, b * k, idle) for a, b, idle in gaps]
    ax_h, depth = max(ys[-1] + 2 * pad, 2.5), dict(zip(ts, ys))  # depth: inches below the top
    W, H = m["left"] + ax_w + m["right"], m["top"] + ax_h + m["bottom"]

    def to_in(x, y):  # figure inches, y up
        return m["left"] + (x + 0.45) * lane, m["bottom"] + ax_h - pad - y

    fig = Figure(figsize=(W, H), dpi=DPI)
    ax = fig.add_axes((m["left"] / W, m["bottom"] / H, ax_w / W, ax_h / H))
    ax.set(xlim=(-0.45, n - 0.55), ylim=(ax_h - pad, -pad), xticks=[])  # time flows down
    ax.spines[["top", "right", "bottom"]].set_visible(False)
    above = blended_transform_factory(ax.transData, ax.transAxes)
    for i, name in enumerate(order):
        ax.axvline(i, color="#8a8a8a", lw=1.1, zorder=1)
        ax.text(i, 1 + 0.06 / ax_h, name, transform=above, ha="center", va="bottom", fontsize=9,
                weight="bold", clip_on=False,
                bbox={"boxstyle": "round,pad=0.35", "fc": "#f2f2f2", "ec": "#8a8a8a", "lw": 0.8})
    for y_from, y_to, idle in gaps:
        ax.axhspan(y_from, y_to, color="#efefef", zorder=0, lw=0)
        ax.text((n - 1) / 2, (y_from + y_to) / 2, f"≈ {idle / 1e6:.4f} ms idle", ha="center",
                va="center", fontsize=7, style="italic", color="#666666", zorder=2)

    for a in arrows:
        p0, p1 = (a.x0, depth[a.y0]), (a.x1, depth[a.y1])
        cut = a.fate in ("lost", "down")
        ax.add_patch(FancyArrowPatch(p0, p1, arrowstyle="-" if cut else "-|>", mutation_scale=10,
                                     color=a.colour, lw=1.3, shrinkA=0, shrinkB=0, zorder=3,
                                     linestyle=(0, (4, 2)) if a.fate == "corrupt" else "-"))
        if cut:
            ax.plot(*p1, marker="x", color=BAD, ms=7, mew=2.2, zorder=4)
    segments = [(*to_in(a.x0, depth[a.y0]), *to_in(a.x1, depth[a.y1])) for a in arrows]
    marks = [_state_mark(ax, fig, to_in, x, _depth_at(ts, ys, t), state, n)
             for x, t, state in state_changes(states, order, ts[0], ts[-1])] if arrows else []
    texts, l2s, spots = _labels(arrows, fs, segments, sizes, marks)
    for text, l2, a, spot in zip(texts, l2s, arrows, spots):
        if spot:
            _draw_label(fig, spot, text, l2, a.colour)

    times = sorted({a.y0 for a in arrows} | {a.y1 for a in arrows if a.fate in ("ok", "corrupt")})
    kept = [times[i] for i in thin([to_in(0, depth[t])[1] for t in times], TICK_PT * 1.45 / 72)]
    ax.set_yticks([depth[t] for t in kept], [f"{t / 1e6:.4f} ms" for t in kept])
    ax.tick_params(axis="y", labelsize=TICK_PT, length=3, color="#8a8a8a")
    ax.grid(axis="y", color="#e6e6e6", lw=0.6, zorder=0)
    _legend(fig, fs, arrows, H)
    notes = [f"first {len(fs)} of {total} frames"] * (total > len(fs)) + ["no frames"] * (not fs)
    notes += [f"{spots.count(None)} labels hidden for room: narrow the window"] * (None in spots)
    heading = (title or "Packet ladder diagram") + "".join(f"  ({note})" for note in notes)
    fig.text(0.5, 1 - 0.1 / H, heading, ha="center", va="top", fontsize=11, weight="bold")
    fig.savefig(out_path, dpi=DPI, format="png", metadata={"Software": None})
