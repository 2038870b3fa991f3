"""Where one packet's time goes, hop by hop: processing, queueing, serialization and
propagation, from the ``phy``/``tx`` trace events (one per frame per hop).

For a hop from ``node`` to ``peer`` (all times in ns; see ``Channel._trace_tx``)::

    processing    = queued_ns - arrive_ns of the previous hop   (0 on the first hop)
    queueing      = ns - queued_ns                              (waiting in the tx queue)
    serialization = ser_ns                                      (bits onto the wire)
    propagation   = arrive_ns - ns - ser_ns                     (flight time, with jitter)

so the four add up, hop after hop, to ``arrive_ns`` of the last hop minus ``queued_ns``
of the first: the end-to-end latency. "Processing" is everything that happened inside
the node between the last bit coming in and the packet entering the transmit queue: a
router's forwarding delay, but also the wait for an ARP reply. A cut-through hub starts
sending before the last bit is in, so its processing is negative.
"""

from __future__ import annotations

import math
from itertools import islice
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.viz.ladder import frames, tx_frames

PARTS = ("processing", "queueing", "serialization", "propagation")
COLOURS = {"processing": "#8e6bbf", "queueing": "#e8731c", "serialization": "#2f78c4",
           "propagation": "#3a9a4f"}
SHORT = {"processing": "proc", "queueing": "queue", "serialization": "ser",
         "propagation": "prop"}  # in the note after a bar
DPI = 110
AXES_OFF = 3.9  # inches of the figure's width not in the axes: hop names left, notes right
BROADCAST = "ff:ff:ff:ff:ff:ff"


@dataclass(frozen=True)
class Hop:
    """One hop of one packet; times in ns. ``propagation_ns`` (and ``arrive_ns``) are
    ``None`` when the frame was lost on this hop."""
    node: str
    peer: str
    processing_ns: int
    queueing_ns: int
    serialization_ns: int
    propagation_ns: int | None
    queued_ns: int
    start_ns: int
    arrive_ns: int | None
    info: str = ""
    fate: str = "ok"
    ttl: int | None = None

    @property
    def label(self) -> str:
        return f"{self.node} → {self.peer}"

    @property
    def total_ns(self) -> int:
        """This hop's share of the end-to-end latency (the lost part excluded)."""
        return (self.processing_ns + self.queueing_ns + self.serialization_ns
                + (self.propagation_ns or 0))

    def parts(self) -> dict[str, int]:
        return {"processing": self.processing_ns, "queueing": self.queueing_ns,
                "serialization": self.serialization_ns, "propagation": self.propagation_ns or 0}


def end_to_end_ns(hops: list[Hop]) -> int | None:
    """From entering the first transmit queue to the last bit at the last peer; ``None``
    when the packet was lost on the way."""
    if not hops or hops[-1].arrive_ns is None:
        return None
    return hops[-1].arrive_ns - hops[0].queued_ns


# -- following a packet -------------------------------------------------------------------

def _identity(e: dict) -> tuple:
    """What stays the same along a packet's path: the IPv4 (source, destination, ID); for
    other frames, the Info and the Ethernet addresses (only routers rewrite those)."""
    if e.get("ip_src") is not None:
        return ("ip", e["ip_src"], e.get("ip_dst"), e.get("ip_id"))
    return ("l2", e.get("info"), e.get("eth_src"), e.get("eth_dst"))


def _matches(e: dict, match: dict) -> bool:
    for key, value in match.items():
        if key == "info_contains":
            if str(value) not in str(e.get("info") or ""):
                return False
        elif e.get(key) != value:
            return False
    return True


class _Index:
    """The tx events grouped by packet identity, and which node owns which MAC address
    (the first node seen sending with it as source: bridges only forward)."""

    def __init__(self, events, nodes=None):
        self.frames = frames(events, nodes)
        self.groups: dict[tuple, list[dict]] = {}
        self.owner: dict[str, str] = {}
        for e in self.frames:
            self.groups.setdefault(_identity(e), []).append(e)
            if e.get("eth_src") is not None:
                self.owner.setdefault(str(e["eth_src"]).lower(), e["node"])

    def follow(self, start: dict) -> list[dict]:
        """The hops of the packet whose (first matched) hop is ``start``, in order."""
        group = self.groups[_identity(start)]
        pos = {id(e): i for i, e in enumerate(group)}
        best: dict[int, list[dict]] = {}

        def path(e) -> list[dict]:
            key = id(e)
            if key not in best:
                options = [path(c) for c in self._next(group, pos[key], e)]
                best[key] = [e] + (max(options, key=lambda p: self._score(p)) if options else [])
            return best[key]

        return path(start)

    def _next(self, group, i, e) -> list[dict]:
        """The copies of ``e`` sent on by its peer: the first batch the peer queued after
        ``e`` started, before ``e``'s node sent the packet again (a retransmitted ARP
        request has the same Info). Several when the peer floods or a link duplicates."""
        if e.get("arrive_ns") is None:
            return []
        later = group[i + 1:]
        resend = next((_queued(c) for c in later if c["node"] == e["node"]
                       and _queued(c) > _queued(e)), math.inf)
        ttl = e.get("ttl")
        found = [c for c in later if c["node"] == e["peer"] and e["ns"] <= _queued(c) < resend
                 and (ttl is None or c.get("ttl") is None or c["ttl"] <= ttl)]
        first = min((_queued(c) for c in found), default=None)
        return [c for c in found if _queued(c) == first]

    def _score(self, p: list[dict]):
        """Branch preference after a flood: one reaching the owner of the frame's destination
        MAC, then the longest; ``max`` keeps the first (trace order) on ties."""
        dst = str(p[0].get("eth_dst") or "").lower()
        owner = self.owner.get(dst) if dst != BROADCAST else None
        return (owner is not None and any(h["peer"] == owner for h in p), len(p))


def _queued(e: dict) -> int:
    return e.get("queued_ns", e["ns"])


def _hops(path: list[dict]) -> list[Hop]:
    hops, prev_arrive = [], None
    for e in path:
        queued, start, arrive = _queued(e), e["ns"], e.get("arrive_ns")
        ser = e.get("ser_ns", 0)
        hops.append(Hop(
            node=e["node"], peer=e["peer"],
            processing_ns=0 if prev_arrive is None else queued - prev_arrive,
            queueing_ns=start - queued, serialization_ns=ser,
            propagation_ns=None if arrive is None else arrive - start - ser,
            queued_ns=queued, start_ns=start, arrive_ns=arrive,
            info=str(e.get("info") or e.get("proto") or ""), fate=e.get("fate", "ok"),
            ttl=e.get("ttl")))
        prev_arrive = arrive
    return hops


def hop_breakdown(events, match: dict, nodes=None) -> list[Hop]:
    """Follow ONE packet across its hops.

    ``match`` picks the first tx event (in time order) whose fields equal its items, e.g.
    ``{"ip_src": "10.0.0.2", "ip_dst": "10.0.5.2", "ip_id": 1}``; the key ``info_contains``
    matches a substring of the Info (``{"info_contains": "seq=2"}``). From there the same
    IPv4 packet (same ``ip_src``, ``ip_dst``, ``ip_id``; for other frames the same Info and
    Ethernet addresses) is followed from each hop's peer onwards, in time order. When a node
    floods it, the branch that reaches the owner of the destination MAC (else the longest)
    is kept. ``nodes`` limits the frames to those between these nodes. ``[]`` if nothing
    matches. Fragments of one datagram share the identity: the first is followed.
    """
    index = _Index(events, nodes)
    start = next((e for e in index.frames if _matches(e, match)), None)
    return [] if start is None else _hops(index.follow(start))


def busiest_packet(events, nodes=None) -> dict | None:
    """The ``match`` of the ICMP echo request or UDP datagram that crosses the most hops
    (the first of those on a tie); any IPv4 packet when there is neither; ``None`` when the
    trace has no IPv4 frame."""
    index = _Index(events, nodes)
    firsts = [g[0] for g in index.groups.values() if g[0].get("ip_src") is not None]
    preferred = [e for e in firsts if str(e.get("proto")).upper() == "UDP"
                 or str(e.get("info") or "").startswith("Echo (ping) request")]
    best, most = None, 0
    for e in sorted(preferred or firsts, key=lambda e: e["ns"]):
        n = len(index.follow(e))
        if n > most:
            best, most = e, n
    return None if best is None else {k: best[k] for k in ("ip_src", "ip_dst", "ip_id")}


# -- plotting -----------------------------------------------------------------------------

def fmt_ns(ns: float) -> str:
    """A duration for people: ``512 ns``, ``19.68 µs``, ``2.197 ms``, ``1.5 s``."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def _unit(span_ns: float):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if span_ns >= 2 * scale:
            return unit, scale
    return "ns", 1.0


def plot_hop_breakdown(hops: list[Hop], out_path, title: str | None = None) -> None:
    """Draw one horizontal stacked bar per hop (processing, queueing, serialization,
    propagation) to a PNG at ``out_path``; the end-to-end latency is in the title."""
    n = max(len(hops), 1)
    W, H = 10.0, 1.75 + 0.5 * n
    fig = Figure(figsize=(W, H), dpi=DPI)
    ax = fig.add_axes((1.5 / W, 0.55 / H, (W - AXES_OFF) / W, (H - 1.75) / H))
    total = end_to_end_ns(hops)
    heading = title or "Hop-by-hop latency"
    if hops:
        first = hops[0]
        heading += (f" — end-to-end {fmt_ns(total)} over {len(hops)} hops" if total is not None
                    else f" — lost on hop {len(hops)} ({hops[-1].label})")
    fig.text(0.5, 1 - 0.12 / H, heading, ha="center", va="top", fontsize=11, weight="bold",
             parse_math=False)
    if hops:
        fig.text(0.5, 1 - 0.42 / H, f"{first.info}  ({first.node} → {hops[-1].peer})",
                 ha="center", va="top", fontsize=8.5, color="#444444", parse_math=False)
    span = max([h.total_ns for h in hops] + [1])
    low = min([h.processing_ns for h in hops] + [0])
    unit, scale = _unit(span - low)
    ax.set_xlim(low / scale, span / scale * 1.02)
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_yticks(range(len(hops)), [h.label for h in hops], fontsize=9)
    ax.set_xlabel(f"{unit} from the packet's arrival at the hop's node (at the source: from"
                  " entering the transmit queue)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e6e6e6", lw=0.6, zorder=0)
    ax.axvline(0, color="#8a8a8a", lw=0.8, zorder=1)
    px_per_unit = (W - AXES_OFF) * DPI / ((span - low) / scale * 1.02)  # for "does the text fit"
    for y, hop in enumerate(hops):
        _bar(ax, y, hop, scale, px_per_unit)
    sums = {p: sum(h.parts()[p] for h in hops) for p in PARTS}
    handles = [Patch(color=COLOURS[p], label=f"{p} ({fmt_ns(sums[p])})") for p in PARTS]
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.7 / H),
               ncol=4, frameon=False, fontsize=8.5, handlelength=1.4)
    if not hops:
        ax.text(0.5, 0.5, "no such packet in the trace", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    fig.savefig(out_path, dpi=DPI, format="png", metadata={"Software": None})


def _bar(ax, y, hop: Hop, scale, px_per_unit) -> None:
    """One hop's stacked bar from the previous hop's arrival (x = 0) to this one's; values
    inside the segments wide enough, the others and the hop's total after the bar. A
    negative processing time (cut-through) starts the bar left of 0, hatched up to 0."""
    left, aside = min(hop.processing_ns, 0) / scale, []
    for part, ns in hop.parts().items():
        if ns <= 0:
            continue
        width = ns / scale
        ax.barh(y, width, left=left, height=0.6, color=COLOURS[part], lw=0, zorder=2)
        text = fmt_ns(ns)
        if width * px_per_unit > 7 * len(text) + 8:
            ax.text(left + width / 2, y, text, ha="center", va="center", fontsize=7.5,
                    color="white", zorder=4, parse_math=False)
        else:
            aside.append(f"{SHORT[part]} {text}")
        left += width
    if hop.processing_ns < 0:  # the frame started out before its last bit was in
        ax.barh(y, -hop.processing_ns / scale, left=hop.processing_ns / scale, height=0.6,
                fill=False, hatch="////", edgecolor=COLOURS["processing"], lw=0, zorder=3)
        aside.append(f"cut-through {fmt_ns(hop.processing_ns)}")
    if hop.propagation_ns is None:
        aside.append("lost" if hop.fate in ("ok", "lost") else f"lost ({hop.fate})")
    note = fmt_ns(hop.total_ns) + (f"  ({', '.join(aside)})" if aside else "")
    x0, x1 = ax.get_xlim()
    ax.text(left + (x1 - x0) * 0.01, y, note, ha="left", va="center", fontsize=7.5,
            color="#333333", zorder=4, clip_on=False, parse_math=False)


MAX_FRAMES = 10_000  # plot_run follows packets among the trace's first tx events only


def plot_run(out_dir, nodes=None, title: str | None = None, events=None) -> Path | None:
    """``plots/hops.png`` for a run folder: the hop breakdown of the ICMP echo request or
    UDP datagram that crosses the most hops (``busiest_packet``). Does nothing and returns
    ``None`` when the trace has no IPv4 frame; else returns the PNG's path.

    ``events`` (the trace, if already read) saves reading ``trace.jsonl``; else the file
    is streamed and only its first ``MAX_FRAMES`` tx events (between ``nodes``) are kept,
    so memory stays bounded however long the trace. ``nodes`` limits the frames to those
    between these nodes, as for the ladder.
    """
    out_dir = Path(out_dir)
    if events is None:
        from simulator.viz.trace_io import iter_trace
        events = list(islice(tx_frames(iter_trace(out_dir / "trace.jsonl"), nodes), MAX_FRAMES))
    match = busiest_packet(events, nodes)
    if match is None:
        return None
    path = out_dir / "plots" / "hops.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    heading = f"{title}, hop by hop" if title else None
    plot_hop_breakdown(hop_breakdown(events, match, nodes), path, heading)
    return path
