"""The words and colours of a ladder diagram: one line per row, as Wireshark's packet
list has them (source → destination, protocol, Info), the drop reasons, the time units.

TCP Info carries relative sequence numbers (``tcp_trace.relative_info``); an ICMP
error is coloured apart from echo; nothing is cut: a long line is set smaller.
"""

from __future__ import annotations

import math

COLOURS = {"ARP": "#c25e00", "ICMP": "#1b7f3b", "ICMP error": "#b0306f", "UDP": "#7b3fb5",
           "TCP": "#1f5fbf", "other": "#555555"}
KEYS = {k: k for k in COLOURS} | {"DNS": "UDP", "DHCP": "UDP", "HTTP": "TCP"}  # proto -> colour
BAD = "#d62728"          # drops, lost frames
QUIET = "#8a8a8a"        # drops that are routine (a host filtering a frame not for it)
STATE = "#3d3d3d"        # TCP state changes
RULE = "#5a5a5a"         # link and routing events
ROUTINE_DROPS = {"L2_FILTERED"}
ACRONYMS = {"TTL", "ARP", "FCS", "MTU", "NAT", "ICMP", "UDP", "TCP", "STP", "IP", "L2"}
WORDS = {"MSG": "message", "FRAG": "fragment", "RCVBUF": "receive buffer"}
SUFFIX = {"lost": "  ✕ lost on the wire", "down": "  ✕ lost: link went down",
          "corrupt": "  ✕ bad FCS"}
BROADCAST = "ff:ff:ff:ff:ff:ff"
UNITS = ((1, "ns"), (1_000, "µs"), (1_000_000, "ms"), (1_000_000_000, "s"))


def reassembled_info(events):
    """``events`` with the last fragment of each fragmented datagram labelled as
    Wireshark's Info column labels the frame that completes reassembly: with the whole
    datagram's Info (from the fragmenter's ``fragment`` event); the other fragments keep
    "Fragmented IP protocol (…)" (packet-ip.c). In order, the last fragment is that frame."""
    whole: dict[tuple, str] = {}          # (ip_src, ip_id) → the datagram's Info
    for e in events:
        kind = e["event"]
        if kind == "fragment":
            whole[(e["ip_src"], e["ip_id"])] = e["info"]
        elif kind == "tx" and e.get("mf") is False:
            info = whole.get((e["ip_src"], e["ip_id"]))
            if info is not None:
                e = {**e, "info": info}
        yield e


def proto_key(proto, info: str = "") -> str:
    """The legend entry of a trace ``proto`` (and Info): ARP, ICMP, ICMP error, UDP, TCP, other."""
    key = KEYS.get(str(proto or "").upper(), "other")
    if key == "ICMP" and info and not str(info).startswith("Echo"):
        return "ICMP error"
    return key


def _mac(mac) -> str:
    return "broadcast" if str(mac).lower() == BROADCAST else str(mac)


def l2_of(event: dict) -> str:
    """The Ethernet line, ``02:00:00:00:00:01 → broadcast``; "" without both addresses."""
    src, dst = event.get("eth_src"), event.get("eth_dst")
    return "" if src is None or dst is None else f"{_mac(src)} → {_mac(dst)}"


def frame_text(event: dict) -> str:
    """Wireshark's packet list in one line: ``10.0.0.1 → 10.0.0.2  ICMP  Echo (ping)
    request id=0x0001, seq=1, ttl=64`` (MAC addresses for a frame without IPv4), then
    the frame's fate when it did not arrive intact."""
    info = " ".join(str(event.get("info") or "").split())
    if event.get("ip_src") is not None:
        ends = f"{event['ip_src']} → {event.get('ip_dst')}"
    else:
        ends = l2_of(event)
    ttl = f", ttl={event['ttl']}" if event.get("ttl") is not None else ""
    proto = str(event.get("proto") or "")
    return f"{ends}  {proto}  {info}{ttl}".strip() + SUFFIX.get(event.get("fate", "ok"), "")


def reason_text(reason) -> str:
    """A drop reason in words: ``TTL_EXPIRED`` → ``TTL expired``."""
    words = [w if w in ACRONYMS else WORDS.get(w, w.lower()) for w in str(reason).split("_")]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def drop_text(event: dict) -> str:
    """``✕ r1 drops (TTL expired): 32768 → 33434 Len=32, ttl=1``."""
    ttl = f", ttl={event['ttl']}" if event.get("ttl") is not None else ""
    what = " ".join(str(event.get("info") or "a frame").split())
    return f"✕ {event.get('node')} drops ({reason_text(event.get('reason'))}): {what}{ttl}"


def drop_colour(event: dict) -> str:
    return QUIET if event.get("reason") in ROUTINE_DROPS else BAD


def unit_for(span_ns: int) -> tuple[int, str]:
    """The largest unit in which ``span_ns`` is at least 1 (ns for 0)."""
    best = UNITS[0]
    for scale, name in UNITS:
        if span_ns >= scale:
            best = (scale, name)
    return best


def tick_labels(times_ns: list[int], base_ns: int) -> tuple[list[str], str]:
    """Labels of ``times_ns`` relative to ``base_ns``, in one unit (the largest that the
    latest time reaches) and with one number of decimals (as few as tell neighbours
    apart, down to 1 ns): ``(["0", "15.12", "30.24"], "µs")``."""
    rel = [t - base_ns for t in times_ns]
    scale, name = unit_for(max(rel, default=0))
    steps = [b - a for a, b in zip(rel, rel[1:]) if b > a]
    most = round(math.log10(scale))                  # decimals down to 1 ns
    need = 0 if not steps else math.ceil(-math.log10(min(steps) / scale) - 1e-9)
    decimals = min(max(need, 0), most)
    return [f"{r / scale:.{decimals}f}" for r in rel], name


def duration_text(ns: int) -> str:
    """``499.98 ms``, ``58.2 µs``, ``2.25 s``: three significant digits at least."""
    scale, name = unit_for(ns)
    value = ns / scale
    return f"{value:.{max(0, 2 - int(math.log10(value)) if value else 0)}f} {name}"
