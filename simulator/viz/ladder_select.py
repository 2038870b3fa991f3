"""What a ladder diagram shows: the rows picked from a trace, and the lifelines' order.

One pass over the trace (it may be an iterator over a huge file) keeps, in time order:
each frame on each hop (``phy``/``tx``), each drop where it happened (``drop``, with its
reason), each TCP state change (``tcp.state``), and the run's link and routing events
(``link_down``/``link_up``, ``routes_changed``/``converged``) as rules across the figure.
A frame whose link went down while it was in flight is recorded ``ok`` by the sender and
dropped (``LINK_DOWN``) by the receiver at its arrival time: such a frame gets the fate
``down`` and its drop is not drawn twice. Drops that a frame's fate already shows
(``LINK_LOSS``, ``BAD_FCS``) are not drawn twice either.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

BROADCAST = "ff:ff:ff:ff:ff:ff"
SHOWN_BY_FATE = {"LINK_LOSS", "BAD_FCS"}      # drops a frame's own fate already draws
RULE_EVENTS = {"link_down", "link_up", "routes_changed", "converged"}
OTHERS = "other nodes"                         # the folded lifeline of bystanders


@dataclass(frozen=True)
class Selection:
    """Which part of the run a ladder shows. ``start_ns``/``end_ns``: a window on the
    events' times; ``nodes``: the lifelines, in this order (others left out);
    ``addresses``: only IPv4 packets from or to any of these (an app's node: ``app:``),
    or, with ``flow``, between the two (and ICMP errors sent to either)."""
    start_ns: int | None = None
    end_ns: int | None = None
    nodes: tuple[str, ...] | None = None
    addresses: frozenset[str] = frozenset()
    flow: bool = False

    def in_window(self, ns: int) -> bool:
        return ((self.start_ns is None or ns >= self.start_ns)
                and (self.end_ns is None or ns <= self.end_ns))

    def wants_ip(self, e: dict) -> bool:
        if not self.addresses:
            return True
        src, dst = e.get("ip_src"), e.get("ip_dst")
        if src is None:
            return False
        if not self.flow:
            return src in self.addresses or dst in self.addresses
        return {src, dst} == set(self.addresses) or (e.get("proto") == "ICMP"
                                                     and dst in self.addresses)


@dataclass
class Row:
    """One thing drawn at one time: a ``frame`` (an arrow node → peer, arriving at
    ``end_ns``), a ``drop`` or a ``state`` at ``node``, or a ``rule`` across the figure."""
    ns: int
    kind: str
    node: str | None = None
    peer: str | None = None
    end_ns: int | None = None
    fate: str = "ok"
    event: dict = field(default_factory=dict)
    text: str = ""                      # rules and states: what to write


def tx_frames(events, nodes=None, start_ns=None, end_ns=None) -> Iterator[dict]:
    """The phy ``tx`` events between ``nodes`` starting in the window, in trace order (lazily)."""
    keep = None if nodes is None else set(nodes)
    return (e for e in events
            if e.get("event") == "tx" and e.get("layer", "phy") == "phy" and e.get("peer") is not None
            and (keep is None or (e["node"] in keep and e["peer"] in keep))
            and (start_ns is None or e["ns"] >= start_ns) and (end_ns is None or e["ns"] <= end_ns))


def frames(events, nodes=None, start_ns=None, end_ns=None) -> list[dict]:
    """The phy ``tx`` events between ``nodes`` starting in the window, by start time."""
    return sorted(tx_frames(events, nodes, start_ns, end_ns), key=lambda e: e["ns"])


def state_changes(events, order, start_ns, end_ns) -> list[tuple[int, int, str]]:
    """``(lifeline index, ns, states)`` of the ``tcp.state`` events of the drawn nodes
    between ``start_ns`` and ``end_ns``; changes at one node in one instant are joined
    (``"ESTABLISHED\\n→ FIN-WAIT-1"``)."""
    x = {n: i for i, n in enumerate(order)}
    marks: dict[tuple[int, int], list[str]] = {}
    for e in events:
        if (e.get("event") == "tcp.state" and e.get("node") in x
                and start_ns <= e["ns"] <= end_ns):
            marks.setdefault((x[e["node"]], e["ns"]), []).append(e["to"])
    return [(i, ns, "\n→ ".join(states)) for (i, ns), states in marks.items()]


def _routing_text(events: list[dict], keep) -> str:
    """One rule for the routing events of one instant: who recomputed, and convergence."""
    parts = [f"{e['node']} (+{len(e.get('added', []))} −{len(e.get('removed', []))})"
             for e in events if e["event"] == "routes_changed" and keep(e["node"])]
    done = [e for e in events if e["event"] == "converged"]
    text = "routes recomputed: " + ", ".join(parts) if parts else ""
    if done:
        text += ("; " if text else "") + f"routing converged ({done[0].get('routes', '?')} routes)"
    return text


def _link_ends(link: str) -> tuple[str, ...]:
    """The node names of a trace ``link`` (``"r1:n-r2:w"``)."""
    return tuple(end.split(":")[0] for end in str(link).split("-"))


def collect(events: Iterable[dict], sel: Selection, cap: int) -> tuple[list[Row], int]:
    """The rows of the run in the selection, in time order: at most ``cap`` frames (and
    what happens before the last of them); the count of all frames selected."""
    keep = (lambda n: True) if sel.nodes is None else set(sel.nodes).__contains__
    rows: list[Row] = []
    in_flight: dict[tuple, deque] = {}      # (receiver, its interface) -> frames arriving
    infos: set[str] = set()                 # the selected IPv4 frames' Info (for drops)
    routing: list[dict] = []
    total = 0

    def flush_routing():
        if routing:
            text = _routing_text(routing, keep)
            if text:
                rows.append(Row(routing[0]["ns"], "rule", text=text, event=routing[0]))
            routing.clear()

    for e in events:
        kind, ns = e.get("event"), e.get("ns", 0)
        if routing and (ns != routing[0]["ns"] or kind not in ("routes_changed", "converged")):
            flush_routing()
        if not sel.in_window(ns):
            continue
        if kind == "tx" and e.get("layer", "phy") == "phy" and e.get("peer") is not None:
            if not (keep(e["node"]) and keep(e["peer"])):
                continue
            if e.get("ip_src") is not None and not sel.wants_ip(e):
                continue
            total += 1
            if total > cap:
                continue
            if e.get("ip_src") is not None:
                infos.add(e.get("info"))
            row = Row(ns, "frame", e["node"], e["peer"], e.get("arrive_ns"), e.get("fate", "ok"), e)
            rows.append(row)
            if row.end_ns is not None:
                in_flight.setdefault((e["peer"], e.get("peer_if")), deque()).append(row)
        elif total > cap:
            continue
        elif kind == "drop" and keep(e.get("node")) and e.get("reason") not in SHOWN_BY_FATE:
            if e.get("reason") == "LINK_DOWN" and _cut_in_flight(in_flight, e):
                continue
            if sel.addresses and e.get("info") not in infos:
                continue
            rows.append(Row(ns, "drop", e["node"], event=e))
        elif kind == "tcp.state" and keep(e.get("node")):
            rows.append(Row(ns, "state", e["node"], event=e, text=str(e.get("to"))))
        elif kind in ("link_down", "link_up"):
            ends = _link_ends(e.get("link", ""))
            if any(keep(n) for n in ends):
                word = "down" if kind == "link_down" else "up"
                rows.append(Row(ns, "rule", text=f"link {e.get('link')} {word}", event=e))
        elif kind in ("routes_changed", "converged"):
            routing.append(e)
    flush_routing()
    rows.sort(key=lambda r: r.ns)           # stable: trace order within one instant
    if sel.addresses:                       # an app's ARP: up to its last packet
        last = max((r.ns for r in rows if r.kind == "frame" and "ip_src" in r.event), default=-1)
        rows = [r for r in rows if r.kind != "frame" or "ip_src" in r.event or r.ns <= last]
    return _join_states(rows), total


def _cut_in_flight(in_flight, drop: dict) -> bool:
    """Mark the frame this ``LINK_DOWN`` drop at its receiver ended as ``down``."""
    queue = in_flight.get((drop.get("node"), drop.get("if")))
    while queue and queue[0].end_ns < drop["ns"] - 1_000_000_000:
        queue.popleft()                     # long arrived: forget
    for row in queue or ():
        if row.event.get("info") == drop.get("info") and row.ns <= drop["ns"] <= row.end_ns:
            row.fate = "down"
            queue.remove(row)
            return True
    return False


def _join_states(rows: list[Row]) -> list[Row]:
    """State changes of one node in one instant become one row (``A\\n→ B``)."""
    out: list[Row] = []
    for row in rows:
        last = out[-1] if out else None
        if (row.kind == "state" and last is not None and last.kind == "state"
                and last.node == row.node and last.ns == row.ns):
            out[-1] = replace(last, text=last.text + "\n→ " + row.text)
        else:
            out.append(row)
    return out


# ------------------------------------------------------------------ the lifelines' order

def _crossings(order: list[str], pairs: dict[tuple[str, str], int]) -> int:
    x = {n: i for i, n in enumerate(order)}
    return sum(w * (abs(x[a] - x[b]) - 1) for (a, b), w in pairs.items() if a in x and b in x)


def _path(pairs, start: str) -> list[str]:
    """The longest shortest path from ``start`` in the graph of the hops drawn (BFS)."""
    nbrs: dict[str, list[str]] = {}
    for a, b in pairs:
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    parent, queue, last = {start: None}, deque([start]), start
    while queue:
        last = queue.popleft()
        for n in nbrs.get(last, ()):
            if n not in parent:
                parent[n] = last
                queue.append(n)
    path = [last]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def _best(orders: list[list[str]], tail, pairs) -> list[str]:
    """The order whose arrows cross fewest lifelines; of equals, the last (a node put
    after the one it talks to rather than before)."""
    return min(reversed(orders), key=lambda o: _crossings(o + tail, pairs))


def lifelines(rows: list[Row], nodes=None) -> list[str]:
    """The lifelines, left to right: ``nodes`` as given; else along the longest path from
    the first sender, each other node put where its arrows cross fewest lifelines, and the
    bystanders (nodes that send nothing and get only broadcasts) folded into one,
    ``OTHERS``, on the right."""
    if nodes is not None:
        return list(nodes)
    fs = [r for r in rows if r.kind == "frame"]
    senders = {r.node for r in fs}
    unicast_to = {r.peer for r in fs if r.event.get("eth_dst", "").lower() != BROADCAST}
    seen = dict.fromkeys(n for r in fs for n in (r.node, r.peer))
    seen.update(dict.fromkeys(r.node for r in rows if r.kind in ("drop", "state")))
    folded = [n for n in seen if n not in senders and n not in unicast_to
              and not any(r.node == n for r in rows if r.kind in ("drop", "state"))]
    pairs: dict[tuple[str, str], int] = {}
    for r in fs:
        a, b = (OTHERS if n in folded else n for n in (r.node, r.peer))
        pairs[(a, b)] = pairs.get((a, b), 0) + 1
    main = [n for n in seen if n not in folded]
    if not main:
        return [OTHERS] if folded else []
    order = _path({p: w for p, w in pairs.items() if OTHERS not in p}, main[0])
    tail = [OTHERS] if folded else []
    for n in main:
        if n not in order:
            order = _best([order[:i] + [n] + order[i:] for i in range(len(order) + 1)],
                          tail, pairs)
    for _ in range(3):                      # then move single nodes while that helps
        best = _crossings(order + tail, pairs)
        for n in list(order):
            rest = [m for m in order if m != n]
            cand = _best([rest[:i] + [n] + rest[i:] for i in range(len(rest) + 1)], tail, pairs)
            if _crossings(cand + tail, pairs) < best:
                order, best = cand, _crossings(cand + tail, pairs)
    return order + tail


def folded_names(rows: list[Row], order: list[str]) -> list[str]:
    """The nodes drawn on the ``OTHERS`` lifeline, by first appearance."""
    if OTHERS not in order:
        return []
    shown = set(order)
    return list(dict.fromkeys(n for r in rows if r.kind == "frame"
                              for n in (r.node, r.peer) if n not in shown))
