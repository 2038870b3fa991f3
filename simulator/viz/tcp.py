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
    fig.savefig(out_path, dpi=DPI, format="png", metadata={"Software": None})


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
    lost = [(_seconds(ns), seq, length, reason) for ns, reason, seq, length in drops(events, conn)
            if sender == conn.client]
    return {"sender": sender, "bars": bars, "acks": acks, "window": window, "sacks": sacks,
            "drops": lost}


def _sequence_panel(ax, series: dict, conn: Connection) -> None:
    new = [[(t, a), (t, b)] for t, a, b, r in series["bars"] if not r]
    old = [[(t, a), (t, b)] for t, a, b, r in series["bars"] if r]
    ax.add_collection(LineCollection(new, colors="#1f1f1f", lw=1.2, label="segment sent"))
    if old:
        ax.add_collection(LineCollection(old, colors="#d62728", lw=2.0))
        ax.plot([t for (t, _), _top in old], [b for _bottom, (_, b) in old], "D", ms=3.5,
                color="#d62728", label="retransmission")
    if series["acks"]:
        t, y = zip(*series["acks"])
        ax.step(t, y, where="post", color="#2b8a3e", lw=1.0, label="ACK")
        t, y = zip(*series["window"])
        ax.step(t, y, where="post", color="#e0a800", lw=1.0, label="ACK + receive window")
    if series["sacks"]:
        ax.add_collection(LineCollection([[(t, a), (t, b)] for t, a, b in series["sacks"]],
                                         colors="#7b3fb5", lw=2.5, label="SACK block"))
    if series["drops"]:
        ax.plot([t for t, *_ in series["drops"]], [s for _, s, *_ in series["drops"]], "x",
                color="#d62728", ms=6, mew=1.6, label="dropped in the network")
    top = max([b for *_, b, _ in series["bars"]] + [a for _, a in series["acks"]] or [1])
    unit = _bytes_axis(ax, top)
    ax.autoscale_view()
    ax.set_ylim(0, top * 1.08)          # the window line may run off the top
    ax.set(xlabel="time (s)", ylabel=f"relative sequence number ({unit})")
    who = series["sender"]
    ax.set_title(f"{conn.name}: data from {who[0]}:{who[1]}", fontsize=10)
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def plot_sequence(events, out_path, title: str | None = None, conns=None) -> bool:
    """The time–sequence graph of each busy connection; ``False`` (no file) if none."""
    conns = busy(connections(events) if conns is None else conns)
    if not conns:
        return False
    fig = Figure(figsize=(WIDTH_IN, 0.6 + PANEL_IN * len(conns)), dpi=DPI, layout="constrained")
    for ax, conn in zip(fig.subplots(len(conns), 1, squeeze=False)[:, 0], conns):
        _sequence_panel(ax, sequence_series(events, conn), conn)
    fig.suptitle(title or "Time–sequence graph", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


# -- cwnd, RTT, goodput -----------------------------------------------------------------------

def _label(conn: Connection, recs: list[dict]) -> str:
    cc = next((r["cc"] for r in recs if r.get("cc")), None)
    return conn.name + (f" ({cc})" if cc else "")


def plot_cwnd(events, out_path, title: str | None = None, conns=None) -> bool:
    """cwnd (solid) and ssthresh (dashed) of each data sender, in segments when the
    records carry the MSS, else in bytes; ``False`` if there are no ``tcp.cwnd`` records."""
    conns = busy(connections(events) if conns is None else conns)
    fig = Figure(figsize=(WIDTH_IN, 4.6), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    drawn, in_segments = False, all(
        "mss" in r for c in conns for r in records(events, "cwnd", c, data_sender(c)))
    for i, conn in enumerate(conns):
        recs = records(events, "cwnd", conn, data_sender(conn))
        if not recs:
            continue
        drawn, colour = True, CYCLE[i % len(CYCLE)]
        recs = recs + [recs[-1] | {"ns": max(recs[-1]["ns"], conn.segments[-1].ns)}]  # hold
        scale = [r["mss"] if in_segments else 1 for r in recs]
        t = [_seconds(r["ns"]) for r in recs]
        ax.step(t, [r["cwnd"] / m for r, m in zip(recs, scale)], where="post", color=colour,
                lw=1.2, label=f"cwnd {_label(conn, recs)}")
        ss = [r["ssthresh"] / m if r["ssthresh"] < NO_SSTHRESH else float("nan")
              for r, m in zip(recs, scale)]
        ax.step(t, ss, where="post", color=colour, lw=1.0, ls="--", alpha=0.8,
                label=f"ssthresh {_label(conn, recs)}")
    if not drawn:
        return False
    ax.set(xlabel="time (s)", ylabel="segments (MSS)" if in_segments else "bytes")
    ax.set_ylim(bottom=0)
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9)
    ax.set_title(title or "Congestion window", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


def plot_rtt(events, out_path, title: str | None = None, conns=None) -> bool:
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
        ax.set(xlabel="time (s)", ylabel="ms")
        ax.set_ylim(bottom=0)
        ax.set_title(conn.name, fontsize=10)
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


def plot_goodput(events, out_path, title: str | None = None, conns=None,
                 bin_ns: int = 100_000_000) -> bool:
    """Goodput of each busy connection, one line each, in ``bin_ns`` bins (100 ms)."""
    conns = busy(connections(events) if conns is None else conns)
    fig = Figure(figsize=(WIDTH_IN, 4.2), dpi=DPI, layout="constrained")
    ax = fig.subplots()
    handles = []
    for i, conn in enumerate(conns):
        series = goodput_series(conn, bin_ns)
        if not series:
            continue
        t, mbps = zip(*series)
        ax.step(t, mbps, where="post", color=CYCLE[i % len(CYCLE)], lw=1.2)
        handles.append(Line2D([], [], color=CYCLE[i % len(CYCLE)], label=conn.name))
    if not handles:
        return False
    ax.set(xlabel="time (s)", ylabel=f"goodput (Mbit/s, per {bin_ns / 1e6:g} ms)")
    ax.set_ylim(bottom=0)
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(handles=handles, fontsize=8, loc="lower right", framealpha=0.9)
    ax.set_title(title or "Goodput (bytes newly acknowledged)", fontsize=11, weight="bold")
    _save(fig, out_path)
    return True


PLOTS = (("tcp_sequence", plot_sequence, "time–sequence graph"),
         ("tcp_cwnd", plot_cwnd, "congestion window"),
         ("tcp_rtt", plot_rtt, "round-trip time and RTO"),
         ("tcp_goodput", plot_goodput, "goodput"))


def plot_tcp(events, plots_dir, title: str | None = None) -> list[Path]:
    """Every TCP plot the trace supports, into ``plots_dir``; the files written."""
    conns = connections(events)
    if not conns:
        return []
    out = []
    for name, plot, what in PLOTS:
        path = Path(plots_dir) / f"{name}.png"
        if plot(events, path, title=f"{title}: {what}" if title else None, conns=conns):
            out.append(path)
    return out
