"""Ladder diagram: the rows picked from a trace, their words, the page layout, the PNGs."""

import json

from simulator.viz.ladder import (DPI, MAX_HEIGHT_IN, PAGE_W_IN, Selection, figures,
                                  lay_out_ladder, page_paths, plot_ladder)
from simulator.viz.ladder_labels import (drop_text, duration_text, frame_text, proto_key,
                                         reason_text, tick_labels)
from simulator.viz.ladder_pages import GAP_IN, ROW_IN, lay_out, median_flight, paginate
from simulator.viz.ladder_select import OTHERS, collect, folded_names, frames, lifelines
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



def rows_of(events, sel=Selection(), cap=1000):
    return collect(events, sel, cap)[0]


def drawn_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_rows_are_frames_and_drops_in_time_order():
    rows = rows_of(EVENTS)
    assert [r.kind for r in rows] == ["frame"] * 11   # BAD_FCS: drawn by the frame's fate
    assert [r.fate for r in rows][-2:] == ["corrupt", "lost"]
    assert [r.ns for r in rows] == sorted(r.ns for r in rows)
    assert len(frames(EVENTS)) == 11


def test_a_frame_in_flight_when_its_link_goes_down_is_lost_not_delivered():
    sent = tx(0, "r1", "r2", 2_000_000, "ICMP", ping(1, "request"), peer_if="w",
              ip_src="10.0.0.1", ip_dst="10.0.0.2", ttl=64)
    down = {"ns": 1_000_000, "node": "r1", "layer": "phy", "event": "link_down", "link": "r1:n-r2:w"}
    dead = {"ns": 2_000_000, "node": "r2", "layer": "phy", "event": "drop", "reason": "LINK_DOWN",
            "if": "w", "info": ping(1, "request")}
    refused = {"ns": 3_000_000, "node": "r1", "layer": "phy", "event": "drop",
               "reason": "LINK_DOWN", "if": "n", "info": ping(2, "request")}
    rows = rows_of([sent, down, dead, refused])
    assert [(r.kind, r.fate) for r in rows] == [("frame", "down"), ("rule", "ok"), ("drop", "ok")]
    assert rows[1].text == "link r1:n-r2:w down"
    assert frame_text(rows[0].event | {"fate": "down"}).endswith("✕ lost: link went down")
    assert drop_text(rows[2].event) == \
        "✕ r1 drops (Link down): Echo (ping) request id=0x0001, seq=2"


def test_routing_events_of_one_instant_are_one_rule():
    changed = [{"ns": 5, "node": n, "layer": "routing", "event": "routes_changed",
                "added": ["a"] * k, "removed": ["b"]} for n, k in (("r1", 3), ("r2", 2))]
    done = {"ns": 5, "node": "*", "layer": "routing", "event": "converged", "routes": 12}
    rows = rows_of(changed + [done])
    assert [(r.kind, r.text) for r in rows] == [
        ("rule", "routes recomputed: r1 (+3 −1), r2 (+2 −1); routing converged (12 routes)")]
    only_r2 = rows_of(changed, Selection(nodes=("r2", "h")))
    assert only_r2[0].text == "routes recomputed: r2 (+2 −1)"


def test_selection_by_window_nodes_and_app_addresses():
    window = rows_of(EVENTS, Selection(3_000_000, 9_000_000))
    assert [r.ns for r in window] == [3_102_400, 4_153_600, 5_204_800, 6_286_400, 7_368_000,
                                      8_449_600]
    assert all(r.peer != "pc3" for r in rows_of(EVENTS, Selection(nodes=("pc1", "sw", "pc2"))))
    # an app's packets (from or to its node's address), its ARP up to its last packet
    app = rows_of(EVENTS[:11], Selection(addresses=frozenset({"10.0.0.2"})))
    assert len(app) == 9 and app[-1].event["info"] == ping(1, "reply")
    error = tx(0, "r", "pc1", 5, "ICMP", "Destination unreachable (Port unreachable)",
               ip_src="10.9.9.9", ip_dst="10.0.0.1")
    flow = Selection(addresses=frozenset({"10.0.0.1", "10.0.0.2"}), flow=True)
    other = echo(1, "pc1", "sw", 9, 1, "request") | {"ip_dst": "10.0.0.3"}
    assert [r.event["info"] for r in rows_of([error, other], flow)] == [error["info"]]
    # capped: the count goes on
    rows, total = collect(EVENTS, Selection(), 4)
    assert (sum(r.kind == "frame" for r in rows), total) == (4, 11)


def test_lifelines_follow_the_path_and_fold_bystanders():
    rows = rows_of(EVENTS)
    # pc3 only got the flooded broadcast: folded, on the right
    order = lifelines(rows)
    assert order == ["pc1", "sw", "pc2", OTHERS] and folded_names(rows, order) == ["pc3"]
    assert lifelines(rows, ["pc2", "sw", "pc1"]) == ["pc2", "sw", "pc1"]
    # a chain given out of order comes out along the path
    chain = [tx(i, a, b, i + 5, "UDP", "x", eth_dst=MAC2)
             for i, (a, b) in enumerate([("b", "c"), ("a", "b"), ("c", "d")])]
    assert lifelines(rows_of(chain)) == ["a", "b", "c", "d"]


def test_words_as_wireshark_shows_them():
    request = EVENTS[7]
    assert frame_text(request) == \
        "10.0.0.1 → 10.0.0.2  ICMP  Echo (ping) request id=0x0001, seq=1, ttl=64"
    assert frame_text(EVENTS[1]) == f"{MAC1} → broadcast  ARP  {ARP_REQ}"
    name = "Time-to-live exceeded (Time to live exceeded in transit)"
    assert name in frame_text(tx(0, "r", "h", 5, "ICMP", name, ip_src="10.0.0.1",
                                 ip_dst="10.0.0.10", ttl=64))
    assert frame_text(EVENTS[-1]).endswith("ttl=64  ✕ lost on the wire")
    assert [proto_key(p, i) for p, i in (("arp", ""), ("ICMP", "Echo (ping) reply"),
                                         ("ICMP", name), ("DNS", ""), ("OSPF", ""))] == \
        ["ARP", "ICMP", "ICMP error", "UDP", "other"]
    assert [reason_text(r) for r in ("TTL_EXPIRED", "NO_ARP_REPLY", "QUEUE_FULL",
                                     "MSG_TOO_LONG")] == \
        ["TTL expired", "No ARP reply", "Queue full", "Message too long"]


def test_time_labels_pick_one_unit_and_enough_decimals():
    assert tick_labels([0, 15_120, 30_240], 0) == (["0", "15", "30"], "µs")
    assert tick_labels([1_000_000_000, 1_500_000_000, 1_500_015_120], 1_000_000_000) == \
        (["0.00", "500.00", "500.02"], "ms")
    assert tick_labels([5, 7], 0) == (["5", "7"], "ns")
    assert tick_labels([0, 2_250_000_000], 0) == (["0", "2"], "s")
    assert [duration_text(n) for n in (499_983_000, 58_200, 2_250_000_000)] == \
        ["500 ms", "58.2 µs", "2.25 s"]


def test_layout_rows_apart_and_idle_gaps_squeezed():
    rows = rows_of(EVENTS)
    flight = median_flight(rows)
    assert flight == (1_051_200 + 1_081_600) // 2     # 5 ARP and 5 echo frames arrived
    page = lay_out(rows, flight)
    assert all(b - a >= ROW_IN - 1e-9 for a, b in zip(page.y, page.y[1:]))
    assert [(round(b - a, 9), idle) for a, b, idle in page.gaps] == [
        (GAP_IN, 995_673_600), (GAP_IN, 998_918_400)]
    assert all(page.y_end[i] > page.y[i] for i in page.y_end)
    assert page.depth == max(page.y + list(page.y_end.values()))


def test_pages_hold_what_fits_and_keep_the_order():
    rows = rows_of([echo(i * 10_000, "pc1", "sw", i * 10_000 + 5_000, i, "request")
                    for i in range(100)])
    pages = paginate(rows, median_flight(rows), 3.0, 50)
    assert [r for p in pages for r in p.rows] == rows
    assert all(p.depth <= 3.0 for p in pages) and len(pages) > 1
    assert len(paginate(rows, median_flight(rows), 3.0, 2)) == 2


def test_pages_are_deterministic_pngs_of_a_bounded_size(tmp_path):
    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(e) + "\n" for e in EVENTS) + "\n")
    events = read_trace(trace)
    a, b = tmp_path / "a" / "ladder.png", tmp_path / "b" / "ladder.png"
    for path in (a, b):
        path.parent.mkdir()
        assert plot_ladder(events, path, title="ARP and ping through a switch") == [path]
    data = a.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and data == b.read_bytes()
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == PAGE_W_IN * DPI and height <= MAX_HEIGHT_IN * DPI
    assert page_paths(a, 3) == [a, a.with_name("ladder-2.png"), a.with_name("ladder-3.png")]
    many = [echo(i * 10_000, "pc1", "sw", i * 10_000 + 5_000, i, "request") for i in range(90)]
    paths = plot_ladder(many, tmp_path / "many.png", max_pages=2)
    assert [p.name for p in paths] == ["many.png", "many-2.png"]
    assert plot_ladder([], tmp_path / "empty.png") == [tmp_path / "empty.png"]


def test_what_a_page_draws():
    ladder = lay_out_ladder(EVENTS)
    (fig,) = figures(ladder, "t")
    texts = drawn_texts(fig)
    width, height = fig.get_size_inches()
    assert width == PAGE_W_IN and height <= MAX_HEIGHT_IN
    assert "time (s)\nsince 0.001000 s" in texts       # the run spans 2 s
    assert sum("≈" in t and "idle (not to scale)" in t for t in texts) == 2
    assert frame_text(EVENTS[-1]) in texts and f"{OTHERS} (pc3)" in texts


def test_pages_are_the_same_bytes_whatever_the_hash_seed(tmp_path):
    """Another process, another str hash seed (set and dict order): the same PNG bytes."""
    import subprocess
    import sys

    trace = tmp_path / "trace.jsonl"
    trace.write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    code = ("import sys; from simulator.viz.ladder import plot_ladder; "
            "from simulator.viz.trace_io import read_trace; "
            "plot_ladder(read_trace(sys.argv[1]), sys.argv[2], title='t')")
    for seed in ("1", "2"):
        subprocess.run([sys.executable, "-c", code, str(trace), str(tmp_path / f"{seed}.png")],
                       check=True, env={"PYTHONHASHSEED": seed, "PATH": ""})
    assert (tmp_path / "1.png").read_bytes() == (tmp_path / "2.png").read_bytes()
