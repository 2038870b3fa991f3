"""Where one packet's time goes, hop by hop: processing, ARP wait, queueing,
serialization and propagation, from the ``phy``/``tx`` trace events (one per frame per
hop) and the ``arp_state`` events (a resolution runs from ``INCOMPLETE`` to the next
state of that neighbour).

For a hop from ``node`` to ``peer`` (all times in ns; see ``Channel._trace_tx``)::

    inside        = queued_ns - arrive_ns of the previous hop   (on the first hop: the
                    source's ARP wait, if its queueing ended one)
    ARP wait      = the part of ``inside`` during which the node resolved a neighbour
                    on the hop's interface
    processing    = inside - ARP wait                           (forwarding delay)
    queueing      = ns - queued_ns                              (waiting in the tx queue)
    serialization = ser_ns                                      (bits onto the wire)
    propagation   = arrive_ns - ns - ser_ns                     (flight time, with jitter)

so the parts add up, hop after hop, to the end-to-end latency. A cut-through hub starts
sending before the last bit is in: ``inside`` is negative, and that much of the hub's
serialization overlaps the previous hop's. It is counted once: as ``overlap_ns``, taken
off the hop's serialization (processing is 0, never negative).
"""

from __future__ import annotations

import math
from itertools import islice
from dataclasses import dataclass, replace
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from simulator.viz.ladder_select import frames
from simulator.viz.text_fit import fit_lines

PARTS = ("processing", "ARP wait", "queueing", "serialization", "propagation")
COLOURS = {"processing": "#8e6bbf", "ARP wait": "#b5473a", "queueing": "#e8731c",
           "serialization": "#2f78c4", "propagation": "#3a9a4f"}
SHORT = {"processing": "proc", "ARP wait": "ARP", "queueing": "queue", "serialization": "ser",
         "propagation": "prop"}  # in the note after a bar
MAX_BARS = 16  # hops shown; the middle of a longer path is summed into one bar
DPI = 110
FIG_W_IN = 10.0
SUBTITLE_PT, SUBTITLE_MARGIN_IN = 8.5, 0.15   # the subtitle's type size; room left each side
SUBTITLE_LINE_IN = 8.5 * 1.25 * 1.2 / 72     # the height of its second line
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
    arp_ns: int = 0              # waiting for an ARP reply (not processing)
    overlap_ns: int = 0          # cut-through: serialization overlapping the previous hop's
    count: int = 1               # identical hops summarised in one bar (a routing loop)
    name: str = ""               # the bar's label when not "node → peer"

    @property
    def label(self) -> str:
        base = self.name or f"{self.node} → {self.peer}"
        return base if self.count == 1 else f"{base}  ×{self.count}"

    @property
    def total_ns(self) -> int:
        """This hop's share of the end-to-end latency (the lost part excluded)."""
        return sum(self.parts().values())

    def parts(self) -> dict[str, int]:
        """The five parts of one hop (of one of ``count`` identical ones); serialization
        without its overlap with the previous hop."""
        return {"processing": self.processing_ns, "ARP wait": self.arp_ns,
                "queueing": self.queueing_ns,
                "serialization": self.serialization_ns - self.overlap_ns,
                "propagation": self.propagation_ns or 0}


def end_to_end_ns(hops: list[Hop]) -> int | None:
    """From the source sending (its ARP wait included) to the last bit at the last peer;
    ``None`` when the packet was lost on the way."""
    if not hops or hops[-1].arrive_ns is None:
        return None
    return hops[-1].arrive_ns - hops[0].queued_ns + hops[0].arp_ns


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


def arp_waits(events) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """``(node, interface)`` → the ``(start, end)`` of each ARP resolution there: from a
    neighbour entering ``INCOMPLETE`` to its next state (resolved, or failed)."""
    open_: dict[tuple, int] = {}
    out: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for e in events:
        if e.get("event") != "arp_state":
            continue
        key = (e.get("node"), e.get("if"), e.get("ip"))
        if e.get("state") == "INCOMPLETE":
            open_.setdefault(key, e["ns"])
        elif key in open_:
            out.setdefault(key[:2], []).append((open_.pop(key), e["ns"]))
    return out


def _overlap(waits, lo: int, hi: int) -> int:
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b in waits)


def _hops(path: list[dict], waits=None) -> list[Hop]:
    hops, prev_arrive, waits = [], None, waits or {}
    for e in path:
        queued, start, arrive = _queued(e), e["ns"], e.get("arrive_ns")
        ser = e.get("ser_ns", 0)
        here = waits.get((e["node"], e.get("if")), ())
        if prev_arrive is None:     # the source: a resolution that ended as it queued
            arp = next((b - a for a, b in here if b == queued), 0)
            inside = arp
        else:
            inside = queued - prev_arrive
            arp = _overlap(here, prev_arrive, queued) if inside > 0 else 0
        hops.append(Hop(
            node=e["node"], peer=e["peer"],
            processing_ns=max(inside - arp, 0), queueing_ns=start - queued,
            serialization_ns=ser, propagation_ns=None if arrive is None else arrive - start - ser,
            queued_ns=queued, start_ns=start, arrive_ns=arrive,
            info=str(e.get("info") or e.get("proto") or ""), fate=e.get("fate", "ok"),
            ttl=e.get("ttl"), arp_ns=arp, overlap_ns=max(-inside, 0)))
        prev_arrive = arrive
    return hops


def summarise(hops: list[Hop], max_bars: int = MAX_BARS) -> list[Hop]:
    """Bars to draw: identical hops (same nodes and parts: a routing loop) as one bar
    with a count, in order of first appearance; a path still longer than ``max_bars``
    keeps its first and last hops and sums the middle ones into one bar."""
    groups: dict[tuple, Hop] = {}
    for h in hops:
        key = (h.node, h.peer, tuple(h.parts().values()), h.fate)
        groups[key] = replace(groups[key], count=groups[key].count + 1) if key in groups else h
    bars = list(groups.values())
    if len(bars) <= max_bars:
        return bars
    head, middle, tail = bars[:max_bars - 2], bars[max_bars - 2:-1], bars[-1:]
    sums = {p: sum(h.parts()[p] * h.count for h in middle) for p in PARTS}
    n = sum(h.count for h in middle)
    mid = Hop(middle[0].node, middle[-1].peer, sums["processing"], sums["queueing"],
              sums["serialization"], sums["propagation"], middle[0].queued_ns,
              middle[0].start_ns, middle[-1].arrive_ns, arp_ns=sums["ARP wait"],
              name=f"{n} more hops ({middle[0].node} … {middle[-1].peer})")
    return head + [mid] + tail


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
    ``events`` (a list) may hold ``arp_state`` events too: they give the ARP waits.
    """
    index = _Index(events, nodes)
    start = next((e for e in index.frames if _matches(e, match)), None)
    return [] if start is None else _hops(index.follow(start), arp_waits(events))


def busiest_packet(events, nodes=None) -> tuple[dict, str] | None:
    """The ``match`` of the ICMP echo request or UDP datagram that crosses the most hops
    and waited for no ARP reply on the way (the first of those on a tie; if every one
    waited, the first of them), and why it was chosen; any IPv4 packet when there is
    neither; ``None`` when the trace has no IPv4 frame."""
    index, waits = _Index(events, nodes), arp_waits(events)
    firsts = [g[0] for g in index.groups.values() if g[0].get("ip_src") is not None]
    preferred = [e for e in firsts if str(e.get("proto")).upper() == "UDP"
                 or str(e.get("info") or "").startswith("Echo (ping) request")]
    best, most = None, (False, 0)
    for e in sorted(preferred or firsts, key=lambda e: e["ns"]):
        path = index.follow(e)
        score = (not any(h.arp_ns for h in _hops(path, waits)), len(path))
        if score > most:
            best, most = e, score
    if best is None:
        return None
    kind = "echo request or UDP datagram" if preferred else "IPv4 packet"
    why = (f"the first {kind} over the most hops that waited for no ARP reply" if most[0]
           else f"the first {kind} over the most hops (every one waited for ARP)")
    return {k: best[k] for k in ("ip_src", "ip_dst", "ip_id")}, why


def hop_events(events, nodes=None):
    """What the hop plot reads: the tx events between ``nodes`` and the ARP states."""
    keep = None if nodes is None else set(nodes)
    return (e for e in events if e.get("event") == "arp_state" or (
        e.get("event") == "tx" and e.get("peer") is not None
        and (keep is None or (e["node"] in keep and e["peer"] in keep))))


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


def subtitle_lines(hops: list[Hop], why: str = "") -> list[str]:
    """The line under the title: the packet's Info, its path and ``why`` it was chosen,
    wrapped onto at most two lines of the figure's width; what still does not fit is
    taken off the Info's tail (an ellipsis marks it). ``[]`` without hops."""
    if not hops:
        return []
    tail = f"  ({hops[0].node} → {hops[-1].peer})" + (f"; {why}" if why else "")
    return fit_lines(hops[0].info, tail, FIG_W_IN - 2 * SUBTITLE_MARGIN_IN, SUBTITLE_PT)


def plot_hop_breakdown(hops: list[Hop], out_path, title: str | None = None,
                       subtitle: str = "") -> None:
    """Draw :func:`hop_figure` to a PNG at ``out_path``."""
    hop_figure(hops, title, subtitle).savefig(out_path, dpi=DPI, format="png",
                                              metadata={"Software": None},
                                              pil_kwargs={"compress_level": 3})


def hop_figure(hops: list[Hop], title: str | None = None, subtitle: str = "") -> Figure:
    """One horizontal stacked bar per hop (processing, ARP wait, queueing, serialization,
    propagation); identical hops are one bar with a count (:func:`summarise`); the
    end-to-end latency is in the title, the packet and ``subtitle`` under it."""
    bars = summarise(hops)
    n = max(len(bars), 1)
    lines = subtitle_lines(hops, subtitle)
    extra = SUBTITLE_LINE_IN * (len(lines) - 1)          # inches: a second subtitle line
    top = 1.95 + extra                                     # inches above the axes' bottom
    W, H = FIG_W_IN, top + 0.45 * n
    fig = Figure(figsize=(W, H), dpi=DPI)
    ax = fig.add_axes((1.9 / W, 0.55 / H, (W - AXES_OFF - 0.4) / W, (H - top) / H))
    total = end_to_end_ns(hops)
    heading = title or "Hop-by-hop latency"
    if hops:
        over = f"{len(hops)} hop{'s' * (len(hops) > 1)}"
        heading += (f" — end-to-end {fmt_ns(total)} over {over}" if total is not None
                    else f" — lost on hop {len(hops)} ({hops[-1].label})")
    fig.text(0.5, 1 - 0.12 / H, heading, ha="center", va="top", fontsize=11, weight="bold",
             parse_math=False)
    if lines:
        fig.text(0.5, 1 - 0.42 / H, "\n".join(lines), ha="center", va="top",
                 fontsize=SUBTITLE_PT, color="#444444", parse_math=False, linespacing=1.25)
    span = max([h.total_ns for h in bars] + [1])
    low = -max([h.overlap_ns for h in bars] + [0])
    unit, scale = _unit(span - low)
    ax.set_xlim(low / scale, span / scale * 1.02)
    ax.set_ylim(n - 0.4, -0.6)
    ax.set_yticks(range(len(bars)), [h.label for h in bars], fontsize=8.5)
    ax.set_xlabel(f"{unit} from the packet's arrival at the hop's node (at the source: from"
                  " its sending, ARP wait included)", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e6e6e6", lw=0.6, zorder=0)
    ax.axvline(0, color="#8a8a8a", lw=0.8, zorder=1)
    px_per_unit = (W - AXES_OFF - 0.4) * DPI / ((span - low) / scale * 1.02)
    for y, hop in enumerate(bars):
        _bar(ax, y, hop, scale, px_per_unit)
    sums = {p: sum(h.parts()[p] for h in hops) for p in PARTS}
    handles = [Patch(color=COLOURS[p], label=f"{p} ({fmt_ns(sums[p])})") for p in PARTS
               if sums[p] or p != "ARP wait"]
    fig.legend(handles=handles, loc="upper center",
               bbox_to_anchor=(0.5, 1 - (0.75 + extra) / H),
               ncol=len(handles), frameon=False, fontsize=8, handlelength=1.4)
    if not hops:
        ax.text(0.5, 0.5, "no such packet in the trace", transform=ax.transAxes,
                ha="center", va="center", color="#666666")
    return fig


def _bar(ax, y, hop: Hop, scale, px_per_unit) -> None:
    """One bar from the previous hop's arrival (x = 0) to this one's; values inside the
    segments wide enough, the others and the hop's total after the bar. A cut-through
    hop's overlap with the previous hop is drawn hatched left of 0 (counted once)."""
    left, aside = 0.0, []
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
    if hop.overlap_ns:  # the frame started out before its last bit was in
        ax.barh(y, hop.overlap_ns / scale, left=-hop.overlap_ns / scale, height=0.6,
                fill=False, hatch="////", edgecolor=COLOURS["serialization"], lw=0, zorder=3)
        aside.append(f"cut-through: {fmt_ns(hop.overlap_ns)} of ser overlaps the hop before")
    if hop.propagation_ns is None:
        aside.append("lost" if hop.fate in ("ok", "lost") else f"lost ({hop.fate})")
    note = fmt_ns(hop.total_ns) + (" each" if hop.count > 1 else "")
    note += f"  ({', '.join(aside)})" if aside else ""
    x0, x1 = ax.get_xlim()
    ax.text(left + (x1 - x0) * 0.01, y, note, ha="left", va="center", fontsize=7.5,
            color="#333333", zorder=4, clip_on=False, parse_math=False)


MAX_FRAMES = 10_000  # plot_run follows packets among the trace's first tx events only


def chosen_packet(events, spec=None, nodes=None) -> tuple[dict, str] | None:
    """The ``match`` the run's hop plot follows, and why: ``spec`` (``plots.hops``:
    ``packet``, a part of the Info, and/or ``ip_id``) if given, else :func:`busiest_packet`."""
    if spec is None or (spec.packet is None and spec.ip_id is None):
        return busiest_packet(events, nodes)
    match: dict = {"info_contains": spec.packet} if spec.packet is not None else {}
    if spec.ip_id is not None:
        match["ip_id"] = spec.ip_id
    said = " and ".join([f"Info contains {spec.packet!r}"] * (spec.packet is not None)
                        + [f"IP ID {spec.ip_id}"] * (spec.ip_id is not None))
    return match, f"the first packet whose {said} (plots.hops)"


def plot_run(out_dir, nodes=None, title: str | None = None, events=None,
             packet=None) -> Path | None:
    """``plots/hops.png`` for a run folder: the hop breakdown of the packet that
    :func:`chosen_packet` picks (``packet``: the scenario's ``plots.hops``). Does nothing
    and returns ``None`` when there is no such packet; else returns the PNG's path.

    ``events`` (the :func:`hop_events` of the trace, if already read) saves reading
    ``trace.jsonl``; else the file is streamed and only its first ``MAX_FRAMES`` such
    events are kept, so memory stays bounded however long the trace. ``nodes`` limits
    the frames to those between these nodes, as for the ladder.
    """
    out_dir = Path(out_dir)
    if events is None:
        from simulator.viz.trace_io import iter_trace
        events = list(islice(hop_events(iter_trace(out_dir / "trace.jsonl"), nodes), MAX_FRAMES))
    chosen = chosen_packet(events, packet, nodes)
    if chosen is None:
        return None
    match, why = chosen
    path = out_dir / "plots" / "hops.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    heading = f"{title}, hop by hop" if title else None
    plot_hop_breakdown(hop_breakdown(events, match, nodes), path, heading, why)
    return path
