"""Ladder diagram: arrow geometry, time axis, label placement, and the PNG itself."""

import json
import math

import pytest

from simulator.viz.ladder import (
    BAD,
    COLOURS,
    SHORT_LABEL,
    Arrow,
    frames,
    l2_of,
    label_of,
    layout,
    node_order,
    place_labels,
    plot_ladder,
    proto_key,
    thin,
    time_axis,
)
from simulator.viz.trace_io import read_trace

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ARP_REQ = "Who has 10.0.0.2? Tell 10.0.0.1"
ARP_REP = "10.0.0.2 is at 02:00:00:00:00:02"
MAC1, MAC2, BCAST = "02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff"
L2_12, L2_21 = f"{MAC1} → {MAC2}", f"{MAC2} → {MAC1}"


def tx(ns, node, peer, arrive, proto, info, fate="ok", nbytes=64, **fields):
    return {"t": ns / 1e9, "ns": ns, "node": node, "layer": "phy", "event": "tx", "if": "eth0",
            "peer": peer, "peer_if": "p1", "arrive_ns": arrive, "bytes": nbytes, "proto": proto,
            "info": info, "fate": fate} | fields


def arp(ns, node, peer, arrive, info, src, dst):
    return tx(ns, node, peer, arrive, "ARP", info, eth_src=src, eth_dst=dst)


def echo(ns, node, peer, arrive, seq, kind, fate="ok"):
    request = kind == "request"
    ip_src, ip_dst = ("10.0.0.1", "10.0.0.2") if request else ("10.0.0.2", "10.0.0.1")
    return tx(ns, node, peer, arrive, "ICMP", ping(seq, kind), fate, 102,
              eth_src=MAC1 if request else MAC2, eth_dst=MAC2 if request else MAC1,
              ip_src=ip_src, ip_dst=ip_dst, ip_id=seq, ttl=64)


def ping(seq, kind):
    return f"Echo (ping) {kind} id=0x0001, seq={seq}"


# pc1, pc2, pc3 on one switch; 10 Mb/s links, 1 ms delay: a 64 B frame flies 1.0512 ms,
# a 102 B echo frame 1.0816 ms. ARP broadcast flooded to pc2 and pc3, reply, one ping;
# a second ping a second later is corrupted, a third is lost.
EVENTS = [
    {"t": 0.0, "ns": 0, "node": "pc1", "layer": "app", "event": "start", "app": "ping"},
    arp(1_000_000, "pc1", "sw", 2_051_200, ARP_REQ, MAC1, BCAST),
    {"t": 0.0020512, "ns": 2_051_200, "node": "sw", "layer": "l2", "event": "learn", "mac": "x"},
    arp(2_051_200, "sw", "pc2", 3_102_400, ARP_REQ, MAC1, BCAST),
    arp(2_051_200, "sw", "pc3", 3_102_400, ARP_REQ, MAC1, BCAST),
    arp(3_102_400, "pc2", "sw", 4_153_600, ARP_REP, MAC2, MAC1),
    arp(4_153_600, "sw", "pc1", 5_204_800, ARP_REP, MAC2, MAC1),
    echo(5_204_800, "pc1", "sw", 6_286_400, 1, "request"),
    echo(6_286_400, "sw", "pc2", 7_368_000, 1, "request"),
    echo(7_368_000, "pc2", "sw", 8_449_600, 1, "reply"),
    echo(8_449_600, "sw", "pc1", 9_531_200, 1, "reply"),
    echo(1_005_204_800, "pc1", "sw", 1_006_286_400, 2, "request", "corrupt"),
    {"t": 1.0062864, "ns": 1_006_286_400, "node": "sw", "layer": "phy", "event": "drop",
     "reason": "BAD_FCS"},
    echo(2_005_204_800, "pc1", "sw", None, 3, "request", "lost"),
]


def test_layout_geometry_and_labels():
    arrows = layout(EVENTS)
    assert len(arrows) == 11  # the tx events only
    bcast = "02:00:00:00:00:01 → broadcast"
    assert arrows[0] == Arrow(0, 1_000_000, 1, 2_051_200, ARP_REQ, COLOURS["ARP"], "ok", bcast)
    assert arrows[1] == Arrow(1, 2_051_200, 2, 3_102_400, ARP_REQ, COLOURS["ARP"], "ok", bcast)
    assert arrows[2] == Arrow(1, 2_051_200, 3, 3_102_400, ARP_REQ, COLOURS["ARP"], "ok", bcast)
    assert arrows[3] == Arrow(2, 3_102_400, 1, 4_153_600, ARP_REP, COLOURS["ARP"], "ok", L2_21)
    # IPv4: the TTL is appended to the Info
    assert arrows[8] == Arrow(1, 8_449_600, 0, 9_531_200,
                              "Echo (ping) reply id=0x0001, seq=1, ttl=64", COLOURS["ICMP"],
                              "ok", "02:00:00:00:00:02 → 02:00:00:00:00:01")
    # corrupt: reaches the receiver, red, "bad FCS" appended after the TTL
    assert arrows[9] == Arrow(0, 1_005_204_800, 1, 1_006_286_400,
                              "Echo (ping) request id=0x0001, seq=2, ttl=64 (bad FCS)", BAD,
                              "corrupt", L2_12)
    # lost, arrive_ns unknown: half the hop, half the last flight seen on pc1-sw
    assert arrows[10] == Arrow(0, 2_005_204_800, 0.5, 2_005_204_800 + 540_800,
                               "Echo (ping) request id=0x0001, seq=3, ttl=64 (lost)",
                               COLOURS["ICMP"], "lost", L2_12)


def test_layout_without_l2_line():
    arrows = layout(EVENTS, show_l2=False)
    assert [a.l2 for a in arrows] == [""] * 11
    assert arrows[8].label == "Echo (ping) reply id=0x0001, seq=1, ttl=64"


def test_labels_across_a_router_show_ttl_and_mac_rewrite():
    # h1 -> r1 -> h2: r1 decrements the TTL and rewrites both Ethernet addresses
    hop1 = tx(0, "h1", "r1", 90_000, "UDP", "50000 → 53 Len=12", eth_src="02:00:00:00:00:01",
              eth_dst="02:00:00:00:00:03", ip_src="10.0.1.2", ip_dst="10.0.2.2", ip_id=7, ttl=64)
    hop2 = hop1 | {"ns": 100_000, "node": "r1", "peer": "h2", "arrive_ns": 190_000, "ttl": 63,
                   "eth_src": "02:00:00:00:00:04", "eth_dst": "02:00:00:00:00:05"}
    assert label_of(hop1) == "50000 → 53 Len=12, ttl=64"
    assert label_of(hop2) == "50000 → 53 Len=12, ttl=63"
    assert l2_of(hop1) == "02:00:00:00:00:01 → 02:00:00:00:00:03"
    assert l2_of(hop2) == "02:00:00:00:00:04 → 02:00:00:00:00:05"
    assert [(a.label, a.l2) for a in layout([hop1, hop2])] == [
        ("50000 → 53 Len=12, ttl=64", "02:00:00:00:00:01 → 02:00:00:00:00:03"),
        ("50000 → 53 Len=12, ttl=63", "02:00:00:00:00:04 → 02:00:00:00:00:05")]
    # without Ethernet fields (an older trace) there is no second line
    assert l2_of({"eth_src": "02:00:00:00:00:01"}) == ""
    assert l2_of({"eth_src": "02:00:00:00:00:01", "eth_dst": "FF:FF:FF:FF:FF:FF"}) == \
        "02:00:00:00:00:01 → broadcast"


def test_node_order_and_selection():
    fs = frames(EVENTS)
    assert node_order(fs) == ["pc1", "sw", "pc2", "pc3"]
    assert node_order(fs, ["pc2", "sw", "pc1"]) == ["pc2", "sw", "pc1"]
    # lifelines given: frames to other nodes are left out, x follows the given order
    arrows = layout(EVENTS, ["pc2", "sw", "pc1"])
    assert len(arrows) == 10
    assert (arrows[1].x0, arrows[1].x1) == (1, 0)
    window = frames(EVENTS, start_ns=3_000_000, end_ns=9_000_000)
    assert [e["ns"] for e in window] == [3_102_400, 4_153_600, 5_204_800, 6_286_400,
                                         7_368_000, 8_449_600]


def test_labels_and_protos():
    long = tx(0, "a", "b", 10, "TCP", "x" * 100, "down")
    assert label_of(long) == "x" * 47 + "…" + " (link down)"
    assert len(label_of(long)) == 60
    # IPv4: the cut falls in the Info; the TTL and the fate survive, also when shortened
    long_ip = long | {"ttl": 61}
    assert label_of(long_ip) == "x" * 39 + "…" + ", ttl=61 (link down)"
    assert len(label_of(long_ip)) == 60
    short = label_of(EVENTS[-1], SHORT_LABEL)
    assert short == "Echo (pi…, ttl=64 (lost)" and len(short) == SHORT_LABEL
    assert label_of(tx(0, "a", "b", 10, "UDP", "")) == "UDP"
    assert [proto_key(p) for p in ("arp", "ICMP", "DNS", "HTTP", "OSPF", None)] == \
        ["ARP", "ICMP", "UDP", "TCP", "other", "other"]


def test_time_axis_squeezes_idle_gaps_only():
    ts, ys, gaps = time_axis(layout(EVENTS), flight_in=1.0, row_in=0.25)
    assert ts[:3] == [1_000_000, 2_051_200, 3_102_400]
    # a median flight (1.0512 ms, the ARP frames) is one inch deep; an echo frame a bit more
    assert ys[:3] == [0.0, 1.0, 2.0]
    assert ys[6] - ys[5] == pytest.approx(1_081_600 / 1_051_200)
    # the two idle stretches (~996 ms, ~999 ms) are drawn one flight deep, shaded
    assert [(round(a - b, 9), idle) for b, a, idle in gaps] == [(1.0, 995_673_600),
                                                                (1.0, 998_918_400)]
    assert len(ts) == len(ys) == 13 and ts == sorted(ts)


def test_time_axis_spreads_close_events():
    # two segments sent back to back (12 us apart, 1 ms flight): rows stay row_in apart
    arrows = [Arrow(0, 0, 1, 1_000_000, "a", "k"), Arrow(0, 12_000, 1, 1_012_000, "b", "k")]
    ts, ys, gaps = time_axis(arrows, flight_in=1.0, row_in=0.25)
    assert ts == [0, 12_000, 1_000_000, 1_012_000]
    assert ys == pytest.approx([0.0, 0.25, 1.238, 1.488])
    assert gaps == []


def test_thin_keeps_ticks_apart():
    assert thin([0.0, 0.05, 0.2, 0.25, 0.4], 0.15) == [0, 2, 4]
    assert thin([3.0, 2.9, 2.0], 0.15) == [0, 2]


def test_place_labels_avoids_overlap():
    # two arrows from one point (a flood): the second label must move off the first
    segments = [(0.0, 5.0, 3.0, 4.0), (0.0, 5.0, 6.0, 4.0)]
    spots = place_labels(segments, [(2.0, 0.1), (2.0, 0.1)])
    (x1, _, _), (x2, _, _) = spots
    assert x1 == pytest.approx(1.5, abs=0.05)
    assert abs(x2 - x1) > 1.0
    assert all(-90 < deg < 90 for _, _, deg in spots)


def test_plot_is_a_deterministic_png(tmp_path):
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(e) + "\n" for e in EVENTS) + "\n")
    events = read_trace(trace)
    assert events == EVENTS
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plot_ladder(events, a, title="ARP and ping through a switch")
    plot_ladder(events, b, title="ARP and ping through a switch")
    data = a.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert data == b.read_bytes()


def test_plot_window_cap_and_empty(tmp_path):
    out = tmp_path / "w.png"
    plot_ladder(EVENTS, out, nodes=["pc1", "sw", "pc2"], start_ns=0, end_ns=10_000_000,
                max_frames=4)
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    plot_ladder(EVENTS, tmp_path / "one_line.png", show_l2=False)
    assert (tmp_path / "one_line.png").read_bytes().startswith(PNG_SIGNATURE)
    plot_ladder([], tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes().startswith(PNG_SIGNATURE)


def test_time_axis_squeezes_long_busy_stretches_logarithmically():
    # two 1 us hops, then a 30 us one: linear up to two median flights, log beyond
    arrows = [Arrow(0, 0, 1, 1_000, "a", "k"), Arrow(1, 1_000, 2, 2_000, "b", "k"),
              Arrow(2, 2_000, 3, 32_000, "c", "k")]
    ts, ys, gaps = time_axis(arrows, flight_in=1.0, row_in=0.25)
    assert ts == [0, 1_000, 2_000, 32_000]
    assert ys == pytest.approx([0.0, 1.0, 2.0, 2.0 + 2.0 + math.log(15)])
    assert gaps == []
