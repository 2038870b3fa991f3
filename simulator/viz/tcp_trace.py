"""TCP connections as a packet trace shows them, the way tcptrace and Wireshark see a
capture: segments parsed from the ``phy``/``tx`` events' Info, grouped by connection,
with sequence numbers made relative to each side's ISN.

The Info is ``wire/tcp.py``'s Wireshark line, ``49152 → 5201 [SYN] Seq=0 Win=64240
Len=0 MSS=1460 SACK_PERM TSval=1 TSecr=0 WS=128`` (raw sequence numbers, unscaled
window). A retransmission is inferred as tcptrace does: a data segment whose range
starts below the highest sequence number already sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_LINE = re.compile(r"^(\d+) → (\d+) \[([^\]]*)\] Seq=(\d+)(?: Ack=(\d+))? Win=(\d+)"
                   r"(?: Urg=\d+)? Len=(\d+)(.*)$")
_FLAGS = re.compile(r"\[([^\]]*)\]")
_SACK = re.compile(r"SLE=(\d+) SRE=(\d+)")
_OPTION = re.compile(r"(MSS|WS|TSval|TSecr)=(\d+)")
_TFO = re.compile(r" (TFO=[RC])\b")
MOD = 1 << 32


@dataclass(frozen=True)
class Segment:
    """One TCP segment on one hop, as parsed from its Info."""
    ns: int
    node: str
    peer: str | None
    arrive_ns: int | None
    src: tuple[str, int]               # (ip, port)
    dst: tuple[str, int]
    flags: frozenset[str]
    seq: int
    ack: int | None
    win: int
    length: int
    options: dict                      # MSS, WS (multiplier), TSval, TSecr
    sack: tuple[tuple[int, int], ...]
    fate: str = "ok"

    @property
    def seq_space(self) -> int:
        """Sequence space consumed: data, plus one each for SYN and FIN."""
        return self.length + ("SYN" in self.flags) + ("FIN" in self.flags)


def parse_info(info: str) -> dict | None:
    """The fields of a TCP Info line, or ``None`` if ``info`` is not one."""
    m = _LINE.match(info or "")
    if m is None:
        return None
    sport, dport, flags, seq, ack, win, length, rest = m.groups()
    options = {k: int(v) for k, v in _OPTION.findall(rest)}
    return {"sport": int(sport), "dport": int(dport),
            "flags": frozenset(f.strip() for f in flags.split(",") if f.strip() != "<None>"),
            "seq": int(seq), "ack": None if ack is None else int(ack), "win": int(win),
            "length": int(length), "options": options,
            "sack": tuple((int(a), int(b)) for a, b in _SACK.findall(rest))}


def _segment(e: dict) -> Segment | None:
    if e.get("event") != "tx" or e.get("proto") != "TCP" or e.get("ip_src") is None:
        return None
    f = parse_info(e.get("info", ""))
    if f is None:
        return None  # an IP fragment of a segment
    return Segment(e["ns"], e["node"], e.get("peer"), e.get("arrive_ns"),
                   (e["ip_src"], f["sport"]), (e["ip_dst"], f["dport"]), f["flags"], f["seq"],
                   f["ack"], f["win"], f["length"], f["options"], f["sack"], e.get("fate", "ok"))


def segments(events) -> list[Segment]:
    """Every TCP segment of the ``phy``/``tx`` events, in trace order."""
    return [s for s in map(_segment, events) if s is not None]


@dataclass
class Connection:
    """One TCP connection: ``client`` opened it (sent the first SYN) to ``server``."""
    client: tuple[str, int]
    server: tuple[str, int]
    isn: dict = field(default_factory=dict)       # endpoint -> its ISN (from its SYN)
    wscale: dict = field(default_factory=dict)    # endpoint -> window multiplier it announced
    segments: list[Segment] = field(default_factory=list)
    client_node: str | None = None
    server_node: str | None = None

    @property
    def name(self) -> str:
        return f"{self.client[0]}:{self.client[1]} → {self.server[0]}:{self.server[1]}"

    def rel(self, endpoint, seq: int) -> int:
        """``seq`` of the sequence space of ``endpoint``, relative to its ISN."""
        return (seq - self.isn.get(endpoint, 0)) % MOD

    def window(self, seg: Segment) -> int:
        """The segment's receive window in bytes (scaled unless on a SYN, RFC 7323 §2.2)."""
        both = self.client in self.wscale and self.server in self.wscale
        return seg.win if "SYN" in seg.flags or not both else seg.win * self.wscale[seg.src]

    def sent_by(self, endpoint, node: str | None = None) -> list[Segment]:
        """Segments from ``endpoint`` on their first hop (leaving ``node``, its host)."""
        node = node or (self.client_node if endpoint == self.client else self.server_node)
        return [s for s in self.segments if s.src == endpoint and s.node == node]

    def arrived_at(self, endpoint) -> list[Segment]:
        """Segments to ``endpoint`` on their last hop (arriving at its host)."""
        node = self.client_node if endpoint == self.client else self.server_node
        return [s for s in self.segments if s.dst == endpoint and s.peer == node
                and s.fate == "ok"]


class Tracker:
    """Follows connections through segments in time order (see :func:`connections`)."""

    def __init__(self):
        self.opened: list[Connection] = []
        self._live: dict[frozenset, Connection] = {}

    def add(self, seg: Segment) -> Connection | None:
        """The connection ``seg`` belongs to (``None`` before any SYN of its 4-tuple)."""
        key = frozenset((seg.src, seg.dst))
        conn = self._live.get(key)
        if "SYN" in seg.flags and "ACK" not in seg.flags and (
                conn is None or (seg.src in conn.isn and conn.isn[seg.src] != seg.seq)):
            conn = self._live[key] = Connection(seg.src, seg.dst, client_node=seg.node)
            self.opened.append(conn)
        if conn is None:
            return None
        if "SYN" in seg.flags and seg.src not in conn.isn:
            conn.isn[seg.src] = seg.seq
            if "WS" in seg.options:
                conn.wscale[seg.src] = seg.options["WS"]
            if seg.src == conn.server and conn.server_node is None:
                conn.server_node = seg.node
        conn.segments.append(seg)
        return conn


def connections(events) -> list[Connection]:
    """The connections of the trace, each from its first SYN, in order of opening.
    A new SYN on a 4-tuple whose connection has closed starts a new connection."""
    tracker = Tracker()
    for seg in segments(events):
        tracker.add(seg)
    return tracker.opened


def retransmitted(segs: list[Segment], conn: Connection) -> list[bool]:
    """For segments sent by one endpoint, in order: whether each re-sends sequence space
    already sent (tcptrace's rule; a keep-alive or window probe of one old byte counts)."""
    high, out = None, []
    for s in segs:
        if s.seq_space == 0:
            out.append(False)
            continue
        start = conn.rel(s.src, s.seq)
        out.append(high is not None and start < high)
        end = start + s.seq_space
        high = end if high is None else max(high, end)
    return out


def drops(events, conn: Connection) -> list[tuple[int, str, int, int]]:
    """Data segments of ``conn``'s client lost on the way: ``(ns, reason, rel_seq, length)``.

    A queue overflow's ``drop`` event carries only the Info, so it is matched by ports;
    a frame lost on the wire is a ``tx`` event with fate ``lost``.
    """
    ports = (conn.client[1], conn.server[1])
    out = []
    for e in events:
        if e.get("event") == "drop" and e.get("reason") in ("QUEUE_FULL", "LINK_DOWN"):
            f = parse_info(e.get("info", ""))
            if f and (f["sport"], f["dport"]) == ports and f["length"]:
                out.append((e["ns"], e["reason"], conn.rel(conn.client, f["seq"]), f["length"]))
    for s in conn.segments:
        if s.src == conn.client and s.fate in ("lost", "down") and s.length:
            out.append((s.ns, "LINK_LOSS", conn.rel(conn.client, s.seq), s.length))
    return sorted(out)


def relative_info(frames: list[dict]) -> list[dict]:
    """``frames`` (``tx`` events, in time order) with each TCP segment's Info as
    Wireshark shows it with relative sequence numbers and the scaled window:
    ``[SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM WS=128``, ``[ACK] Seq=1 Ack=1
    Win=64256 Len=0`` (ports and timestamps left out for room), a segment re-sending
    sequence space already sent on that hop first marked ``[TCP Retransmission]``. A
    segment seen before its connection's SYN keeps its raw Info."""
    tracker, out = Tracker(), []
    high: dict[tuple, int] = {}       # (connection, sender, hop node) → highest end sent
    for e in frames:
        seg = _segment(e)
        conn = seg and tracker.add(seg)
        if conn is None or seg.src not in conn.isn:
            out.append(e)
            continue
        dst, start = seg.dst, conn.rel(seg.src, seg.seq)
        flags = _FLAGS.search(e["info"]).group(1)
        parts = [f"[{flags}]", f"Seq={start}"]
        if seg.seq_space:
            key = (id(conn), seg.src, seg.node)
            if start < high.get(key, 0):
                parts.insert(0, "[TCP Retransmission]")
            high[key] = max(high.get(key, 0), start + seg.seq_space)
        if seg.ack is not None and dst in conn.isn:
            parts.append(f"Ack={conn.rel(dst, seg.ack)}")
        parts += [f"Win={conn.window(seg)}", f"Len={seg.length}"]
        if "MSS" in seg.options:
            parts.append(f"MSS={seg.options['MSS']}")
        if " SACK_PERM" in e["info"]:
            parts.append("SACK_PERM")
        if "WS" in seg.options:
            parts.append(f"WS={seg.options['WS']}")
        parts += _TFO.findall(e["info"])                     # Fast Open (RFC 7413)
        parts += [f"SLE={conn.rel(dst, a)} SRE={conn.rel(dst, b)}" for a, b in seg.sack]
        out.append(e | {"info": " ".join(parts)})
    return out
