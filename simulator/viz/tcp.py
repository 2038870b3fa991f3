"""TCP plots of a run, per connection, from its trace:

- ``tcp_sequence.png``: the time–sequence graph (Stevens, tcptrace) of the data sender;
- ``tcp_cwnd.png``: cwnd and ssthresh over time, every connection on one axis;
- ``tcp_rtt.png``: RTT samples with SRTT and RTO;
- ``tcp_goodput.png``: goodput (bytes newly acknowledged) over time.

The sequence and goodput plots read the segments off the packet trace (``tcp_trace``),
as tcptrace reads a capture; cwnd and RTT come from the connection's own ``tcp.cwnd``
and ``tcp.rtt`` records (docs/plots.md lists the fields).
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from simulator.viz.tcp_trace import Connection, connections, drops, retransmitted

DPI = 110
WIDTH_IN = 9.0
PANEL_IN = 3.6            # height of one connection's panel
MAX_PANELS = 4
CYCLE = ("#1f5fbf", "#d9480f", "#2b8a3e", "#7b3fb5", "#c2255c", "#0b7285")
NO_SSTHRESH = 0x3FFFFFFF  # ssthresh at or above this is "infinite" (not drawn)


def _save(fig: Figure, out_path) -> None:
    fig.savefig(out_path, dpi=DPI, format="png", metadata={"Software": None},
                pil_kwargs={"compress_level": 3})


def _seconds(ns) -> float:
    return ns / 1e9


def _bytes_axis(ax, top: int) -> str:
    """A byte-count axis in B, kB or MB (decimal, as iperf), chosen from its top value."""
    unit, div = ("MB", 1e6) if top >= 2e6 else ("kB", 1e3) if top >= 2e3 else ("B", 1)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / div:g}"))
    return unit


def data_sender(conn: Connection):
    """The endpoint that sent more payload (the client of a bulk transfer)."""
    sent = {ep: sum(s.length for s in conn.sent_by(ep)) for ep in (conn.client, conn.server)}
    return conn.server if sent[conn.server] > sent[conn.client] else conn.client


def busy(conns: list[Connection]) -> list[Connection]:
    """The connections that carried data, at most ``MAX_PANELS`` of them."""
    return [c for c in conns if any(s.length for s in c.segments)][:MAX_PANELS]


def endpoints_of(event: dict):
    """(local, remote) ``(ip, port)`` pairs of a ``tcp.*`` record: its ``conn`` field,
    ``"10.0.0.1:40000>10.0.1.2:5201"`` (local>remote), as the node driver stamps it."""
    out = []
    for end in str(event.get("conn", "")).split(">"):
        ip, _, port = end.rpartition(":")
        out.append((ip, int(port)) if port.isdigit() else None)
    return tuple(out)


def records(events, kind: str, conn: Connection, endpoint) -> list[dict]:
    """``tcp.<kind>`` records of ``endpoint``'s side of ``conn``."""
    pair = (endpoint, conn.server if endpoint == conn.client else conn.client)
    return [e for e in events if e.get("event") == f"tcp.{kind}" and endpoints_of(e) == pair]


# -- time–sequence graph -------------------------------------------------------------------

def sequence_series(events, conn: Connection) -> dict:
    """What the time–sequence graph draws, in seconds and relative sequence numbers."""
    sender = data_sender(conn)
    receiver = conn.server if sender == conn.client else conn.client
    sent = [s for s in conn.sent_by(sender) if s.seq_space]
    again = retransmitted(sent, conn)
    bars = [(_seconds(s.ns), conn.rel(sender, s.seq), conn.rel(sender, s.seq) + s.seq_space, r)
            for s, r in zip(sent, again)]
    acks, window, sacks = [], [], []
    for a in conn.arrived_at(sender):
        if a.ack is None or a.src != receiver or sender not in conn.isn:
            continue
        t, ack = _seconds(a.arrive_ns), conn.rel(sender, a.ack)
        acks.append((t, ack))
        window.append((t, ack + conn.window(a)))
        sacks += [(t, conn.rel(sender, left), conn.rel(sender, right)) for left, right in a.sack]
    sent_at: dict[int, list[float]] = {}
    for t, start, _end, _r in bars:
        sent_at.setdefault(start, []).append(t)
    lost = []          # each drop marked on the bar of the transmission it destroyed
    for ns, reason, seq, length in drops(events, conn) if sender == conn.client else ():
        when = [t for t in sent_at.get(seq, ()) if t <= _seconds(ns)]
        lost.append((when[-1] if when else _seconds(ns), seq, length, reason))
    return {"sender": sender, "bars": bars, "acks": acks, "window": window, "sacks": sacks,
            "drops": lost}


def handshake_rtt_s(conn: Connection) -> float | None:
    """The client's SYN → SYN-ACK round trip, in seconds (``None`` if not seen)."""
    syn = next((s for s in conn.sent_by(conn.client) if "SYN" in s.flags), None)
    synack = next((s for s in conn.arrived_at(conn.client) if "SYN" in s.flags), None)
    return None if syn is None or synack is None else (synack.arrive_ns - syn.ns) / 1e9


def zoom_window(series: dict, conn: Connection) -> tuple[float, float] | None:
    """Around the first loss: from one RTT before the first drop (or retransmission)
    to four RTTs after the first retransmission; ``None`` without retransmissions."""
    resent = [t for t, _a, _b, r in series["bars"] if r]
    if not resent:
        return None
    rtt = handshake_rtt_s(conn) or 0.1
    first = min([resent[0]] + [t for t, *_ in series["drops"]])
    return first - rtt, resent[0] + 4 * rtt


def _clip(items, window, key=lambda item: item[0]):
    return items if window is None else [i for i in items if window[0] <= key(i) <= window[1]]


def _sequence_panel(ax, series: dict, conn: Connection, window=None, cc=None) -> None:
    bars = _clip(series["bars"], window)
    acks, wnd = _clip(series["acks"], window), _clip(series["window"], window)
    sacks, lost = _clip(series["sacks"], window), _clip(series["drops"], window)
    new = [[(t, a), (t, b)] for t, a, b, r in bars if not r]
    old = [[(t, a), (t, b)] for t, a, b, r in bars if r]
    ax.add_collection(LineCollection(new, colors="#1f1f1f", lw=1.2, label="segment sent"))
    if old:
        ax.add_collection(LineCollection(old, colors="#d62728", lw=2.0))
        ax.plot([t for (t, _), _top in old], [b for _bottom, (_, b) in old], "D", ms=3.5,
                color="#d62728", label="retransmission")
    if acks:
        ax.step(*zip(*acks), where="post", color="#2b8a3e", lw=1.0, label="ACK")
        ax.step(*zip(*wnd), where="post", color="#e0a800", lw=1.0, label="ACK + receive window")
    if sacks:
        ax.add_collection(LineCollection([[(t, a), (t, b)] for t, a, b in sacks],
                                         colors="#7b3fb5", lw=2.5, label="SACK block"))
    if lost:
        ax.plot([t for t, *_ in lost], [s for _, s, *_ in lost], "x", color="#d62728", ms=6,
                mew=1.6, label="lost in the network (when sent)")
    ends = [b for _t, _a, b, _r in bars] + [a for _, a in acks] or [1]
    starts = [a for _t, a, _b, _r in bars] + [a for _, a in acks] or [0]
    top, bottom = max(ends), 0 if window is None else min(starts)
    unit = _bytes_axis(ax, top)
    ax.autoscale_view()
    margin = (top - bottom) * 0.06 or 1
    ax.set_ylim(max(bottom - margin, 0), top + margin)    # the window line may run off the top
    if window is not None:
        ax.set_xlim(*window)
    ax.set(xlabel="time (s)", ylabel=f"relative sequence number ({unit})")
    ax.set_title(f"{legend_name(conn, cc)}: {conn.name}"
                 + (", around the first loss" if window else ""), fontsize=10)
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def plot_sequence(events, out_path, title: str | None = None, conns=None, cc=None) -> bool:
    """The time–sequence graph of each busy connection, and a zoom on its first loss;
    ``False`` (no file) if no connection carried data."""
    conns = busy(connections(events) if conns is None else conns)
    if not conns:
        return False
    panels = []
    for conn in conns:
        series = sequence_series(events, conn)
        panels.append((series, conn, None))
        window = zoom_window(series, conn)
        if window is not None:
            panels.append((series, conn, window))
    fig = Figure(figsize=(WIDTH_IN, 0.6 + PANEL_IN * len(panels)), dpi=DPI, layout="constrained")
    for ax, (series, conn, window) in zip(fig.subplots(len(panels), 1, squeeze=False)[:, 0],
                                          panels):
        _sequence_panel(ax, series, conn, window, cc)
    fig.suptitle(title or "Time–sequence graph", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


# -- cwnd, RTT, goodput -----------------------------------------------------------------------

TS_LEN = 12               # what the timestamps option costs every segment (RFC 7323 §3.2)


def sender_mss(conn: Connection) -> int:
    """The data sender's segment size, the unit of its cwnd: the smaller MSS of the two
    SYNs, less the timestamps option if both carried it (RFC 9293 §3.7.1, RFC 7323
    §3.2; 1448 on Ethernet). A Fast Open SYN's data (RFC 7413 §4.2) or a short
    transfer's payloads may be smaller, so they are only the fallback without SYNs."""
    syns = [s for end in (conn.client, conn.server) for s in conn.sent_by(end)
            if "SYN" in s.flags]
    announced = {s.src: s.options["MSS"] for s in syns if "MSS" in s.options}
    if not announced:
        return max((s.length for s in conn.sent_by(data_sender(conn))), default=0)
    stamped = {s.src for s in syns if "TSval" in s.options}
    return min(announced.values()) - (TS_LEN if len(stamped) == 2 else 0)


def legend_name(conn: Connection, cc: dict | None = None) -> str:
    """``sender → receiver (cubic)``: the nodes, and the sender's congestion control
    (from its ``tcp.cwnd`` records' ``cc`` or ``cc``, a map node → algorithm)."""
    node = conn.client_node if data_sender(conn) == conn.client else conn.server_node
    peer = conn.server_node if node == conn.client_node else conn.client_node
    algo = (cc or {}).get(node)
    return f"{node} → {peer}" + (f" ({algo})" if algo else "")


def legend_names(conns: list[Connection], cc: dict | None = None) -> list[str]:
    """:func:`legend_name` of each connection; those that share one (two connections
    between the same nodes) tell themselves apart by the client's port."""
    names = [legend_name(conn, cc) for conn in conns]
    return [f"{name}, port {conn.client[1]}" if names.count(name) > 1 else name
            for name, conn in zip(names, conns)]


def cwnd_series(events, conn: Connection) -> list[tuple[float, float, float]]:
    """(s, cwnd, ssthresh) of ``conn``'s data sender, in segments of :func:`sender_mss`,
    from its ``tcp.cwnd`` records; the last held to the connection's last segment, an
    infinite ssthresh NaN (not drawn)."""
    recs, mss = records(events, "cwnd", conn, data_sender(conn)), sender_mss(conn)
    if not recs or not mss:
        return []
    recs = recs + [recs[-1] | {"ns": max(recs[-1]["ns"], conn.segments[-1].ns)}]
    return [(_seconds(r["ns"]), r["cwnd"] / mss,
             r["ssthresh"] / mss if r["ssthresh"] < NO_SSTHRESH else float("nan"))
            for r in recs]


def plot_cwnd(events, out_path, title: str | None = None, conns=None, cc=None) -> bool:
    """cwnd (solid) and ssthresh (dashed) of each data sender in segments of its MSS;
    ``False`` if there are no ``tcp.cwnd`` records."""
    conns = busy(connections(events) if conns is None else conns)
    fig = Figure(figsize=(WIDTH_IN, 4.8 + 0.2 * len(conns)), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    drawn = False
    for i, (conn, name) in enumerate(zip(conns, legend_names(conns, cc))):
        series = cwnd_series(events, conn)
        if not series:
            continue
        drawn, colour = True, CYCLE[i % len(CYCLE)]
        t, cwnd, ss = zip(*series)
        ax.step(t, cwnd, where="post", color=colour, lw=1.2, label=f"cwnd, {name}")
        ax.step(t, ss, where="post", color=colour, lw=1.0, ls="--", alpha=0.8,
                label=f"ssthresh, {name}")
    if not drawn:
        return False
    ax.set(xlabel="time (s)", ylabel="segments (of the sender's MSS)")
    ax.autoscale_view()
    ax.set_ylim(0, ax.get_ylim()[1])
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
              frameon=False)
    ax.set_title(title or "Congestion window", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


def plot_rtt(events, out_path, title: str | None = None, conns=None, cc=None) -> bool:
    """Per connection: RTT samples (dots), SRTT and RTO (lines), in ms."""
    conns = [c for c in busy(connections(events) if conns is None else conns)
             if records(events, "rtt", c, data_sender(c))]
    if not conns:
        return False
    fig = Figure(figsize=(WIDTH_IN, 0.6 + PANEL_IN * len(conns)), dpi=DPI, layout="constrained")
    for ax, conn in zip(fig.subplots(len(conns), 1, squeeze=False)[:, 0], conns):
        recs = records(events, "rtt", conn, data_sender(conn))
        t = [_seconds(r["ns"]) for r in recs]
        ax.plot(t, [r["rtt_ns"] / 1e6 for r in recs], ".", ms=3, color="#868e96",
                label="RTT sample")
        ax.step(t, [r["srtt_ns"] / 1e6 for r in recs], where="post", color="#1f5fbf", lw=1.3,
                label="SRTT")
        ax.step(t, [r["rto_ns"] / 1e6 for r in recs], where="post", color="#d9480f", lw=1.3,
                label="RTO")
        ax.set(xlabel="time (s)", ylabel="time (ms)")
        ax.set_ylim(0, max(r["rto_ns"] for r in recs) / 1e6 * 1.3)   # room for the legend
        ax.set_title(f"{conn.name}: {legend_name(conn, cc)}", fontsize=10)
        ax.grid(color="#e6e6e6", lw=0.6)
        ax.legend(fontsize=8, loc="upper right", framealpha=0.9)
    fig.suptitle(title or "Round-trip time and retransmission timeout", fontsize=11,
                 weight="bold")
    _save(fig, out_path)
    return True


def goodput_series(conn: Connection, bin_ns: int) -> list[tuple[float, float]]:
    """(bin start s, Mbps) of bytes newly acknowledged to the data sender per ``bin_ns``."""
    sender = data_sender(conn)
    if sender not in conn.isn:
        return []
    data_end = max((conn.rel(sender, s.seq) + s.length for s in conn.sent_by(sender)
                    if s.length), default=1)
    bins: dict[int, int] = {}
    high = 1          # the SYN's sequence number is not data, nor is the FIN's
    for a in conn.arrived_at(sender):
        if a.ack is None:
            continue
        ack = min(conn.rel(sender, a.ack), data_end)
        if ack > high:
            bins[a.arrive_ns // bin_ns] = bins.get(a.arrive_ns // bin_ns, 0) + ack - high
            high = ack
    if not bins:
        return []
    out = [(k * bin_ns / 1e9, bins.get(k, 0) * 8 / (bin_ns / 1e9) / 1e6)
           for k in range(min(bins), max(bins) + 1)]
    return out + [((max(bins) + 1) * bin_ns / 1e9, out[-1][1])]   # the last bin's right edge


def mean_goodput_mbps(conn: Connection) -> float:
    """Data acknowledged over the transfer, in Mbit/s: from the data sender's first
    payload to the ACK of its last byte (as iperf times a transfer; a transfer of one
    flight is not read off the few microseconds between its ACKs)."""
    sender = data_sender(conn)
    sent = [s for s in conn.sent_by(sender) if s.length]
    if not sent or sender not in conn.isn:
        return 0.0
    data_end = max(conn.rel(sender, s.seq) + s.length for s in sent)
    acks = [(a.arrive_ns, min(conn.rel(sender, a.ack), data_end))
            for a in conn.arrived_at(sender) if a.ack is not None]
    top = max((ack for _t, ack in acks), default=1)
    if top <= 1:
        return 0.0
    done = next(t for t, ack in acks if ack == top)
    return (top - 1) * 8 / ((done - sent[0].ns) / 1e9) / 1e6


BINS_NS = (100_000_000, 250_000_000, 500_000_000, 1_000_000_000)
MAX_BINS = 60


def goodput_bin(conns: list[Connection]) -> int:
    """The finest of 100 ms, 250 ms, 500 ms, 1 s giving at most ``MAX_BINS`` bins."""
    span = max((c.segments[-1].ns - c.segments[0].ns for c in conns), default=0)
    return next((b for b in BINS_NS if span / b <= MAX_BINS), BINS_NS[-1])


def plot_goodput(events, out_path, title: str | None = None, conns=None, cc=None,
                 bin_ns: int | None = None) -> bool:
    """Goodput of each busy connection in bins (:func:`goodput_bin`), with its mean
    over the transfer dotted."""
    conns = busy(connections(events) if conns is None else conns)
    bin_ns = bin_ns or goodput_bin(conns)
    fig = Figure(figsize=(WIDTH_IN, 4.2), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    handles = []
    for i, (conn, name) in enumerate(zip(conns, legend_names(conns, cc))):
        series = goodput_series(conn, bin_ns)
        if not series:
            continue
        colour = CYCLE[i % len(CYCLE)]
        t, mbps = zip(*series)
        ax.step(t, mbps, where="post", color=colour, lw=1.2)
        mean = mean_goodput_mbps(conn)
        ax.axhline(mean, color=colour, lw=1.0, ls=":")
        handles.append(Line2D([], [], color=colour,
                              label=f"{name}: mean {mean:.3g} Mbit/s (dotted)"))
    if not handles:
        return False
    ax.set(xlabel="time (s)", ylabel=f"goodput (Mbit/s, per {bin_ns / 1e6:g} ms)")
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.15)
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(handles=handles, fontsize=8, loc="upper right", framealpha=0.9)
    ax.set_title(title or "Goodput (bytes newly acknowledged)", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


PLOTS = (("tcp_sequence", plot_sequence, "time–sequence graph"),
         ("tcp_cwnd", plot_cwnd, "congestion window"),
         ("tcp_rtt", plot_rtt, "round-trip time and RTO"),
         ("tcp_goodput", plot_goodput, "goodput"))


def plot_tcp(events, plots_dir, title: str | None = None, cc: dict | None = None) -> list[Path]:
    """Every TCP plot the trace supports, into ``plots_dir``; the files written.
    ``cc`` names each node's congestion control for the legends."""
    conns = connections(events)
    if not conns:
        return []
    out = []
    for name, plot, what in PLOTS:
        path = Path(plots_dir) / f"{name}.png"
        if plot(events, path, title=f"{title}: {what}" if title else None, conns=conns, cc=cc):
            out.append(path)
    return out
