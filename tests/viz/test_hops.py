"""Hop breakdown: following one packet through the trace, exact components, the plot."""

import json

from simulator.scenario.plots_spec import HopsPlotSpec
from simulator.viz.hops import (
    Hop,
    busiest_packet,
    chosen_packet,
    end_to_end_ns,
    fmt_ns,
    hop_breakdown,
    plot_hop_breakdown,
    plot_run,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
H1, SW_UNUSED, R1_E0, R1_E1, H2, H3 = (f"02:00:00:00:00:0{i}" for i in range(1, 7))
BCAST = "ff:ff:ff:ff:ff:ff"
UDP = "50000 → 9 Len=100"


def tx(ns, node, peer, arrive, *, queued=None, ser=8_000, proto="UDP", info=UDP, fate="ok",
       **fields):
    return {"t": ns / 1e9, "ns": ns, "node": node, "layer": "phy", "event": "tx", "info": info,
            "fate": fate, "if": "eth0", "peer": peer, "peer_if": "eth0", "arrive_ns": arrive,
            "queued_ns": ns if queued is None else queued, "ser_ns": ser, "bytes": 142,
            "proto": proto} | fields


def ip(src, dst, ident, ttl, eth_src, eth_dst):
    return {"eth_src": eth_src, "eth_dst": eth_dst, "ip_src": src, "ip_dst": dst,
            "ip_id": ident, "ttl": ttl}


P = ("10.0.1.2", "10.0.2.2", 7)  # the datagram followed: h1 -> sw -> r1 -> h2

# h1 - sw - r1 - h2, with h3 on the switch too. 1 ms links to the switch and r1, a faster
# 0.5 ms link r1-h2 with 7 ns of jitter. The switch floods the datagram (its table has
# no r1 yet) to h3 first, then to r1; r1 holds it 30 us, then it waits 10 us in the queue.
TRACE = [
    {"t": 0.0, "ns": 0, "node": "h1", "layer": "app", "event": "start", "app": "udp_send"},
    # r1 answers h1's ARP before: the trace shows r1 sending from R1_E0 first
    tx(0, "r1", "sw", 1_008_000, proto="ARP", info=f"10.0.1.1 is at {R1_E0}",
       eth_src=R1_E0, eth_dst=H1),
    tx(500, "h1", "sw", 1_008_500, proto="ICMP", info="Echo (ping) request id=0x0001, seq=1",
       **ip("10.0.1.2", "10.0.1.3", 1, 64, H1, H3)),
    tx(5_000, "h1", "sw", 1_013_000, queued=1_000, **ip(*P, 64, H1, R1_E0)),
    tx(1_013_000, "sw", "h3", 2_021_000, **ip(*P, 64, H1, R1_E0)),
    tx(1_013_000, "sw", "r1", 2_021_000, **ip(*P, 64, H1, R1_E0)),
    {"t": 0.002021, "ns": 2_021_000, "node": "h3", "layer": "l2", "event": "drop",
     "reason": "NOT_FOR_ME"},
    tx(2_061_000, "r1", "h2", 2_561_807, queued=2_051_000, ser=800,
       **ip(*P, 63, R1_E1, H2)),
    # the answer reuses ip_id 7 the other way round; a later datagram has ip_id 8
    tx(2_600_000, "h2", "r1", 3_100_800, ser=800, **ip("10.0.2.2", "10.0.1.2", 7, 64, H2, R1_E1)),
    tx(3_000_000, "h1", "sw", 4_008_000, **ip("10.0.1.2", "10.0.2.2", 8, 64, H1, R1_E0)),
    # a TCP segment crossing more hops is not a candidate for the automatic pick
    *[tx(5_000_000 + i * 10, a, b, 5_000_005 + i * 10, proto="TCP", info="ACK",
         **ip("10.0.9.1", "10.0.9.2", 1, 64 - i, H1, H2))
      for i, (a, b) in enumerate([("h1", "sw"), ("sw", "r1"), ("r1", "h2"), ("h2", "r1")])],
]


def test_follows_one_datagram_with_exact_components():
    hops = hop_breakdown(TRACE, {"ip_src": P[0], "ip_dst": P[1], "ip_id": P[2]})
    assert [h.label for h in hops] == ["h1 → sw", "sw → r1", "r1 → h2"]
    # (processing, queueing, serialization, propagation) per hop, in ns
    assert [(h.processing_ns, h.queueing_ns, h.serialization_ns, h.propagation_ns)
            for h in hops] == [(0, 4_000, 8_000, 1_000_000),
                               (0, 0, 8_000, 1_000_000),
                               (30_000, 10_000, 800, 500_007)]
    assert [h.ttl for h in hops] == [64, 64, 63]
    assert hops[2] == Hop("r1", "h2", 30_000, 10_000, 800, 500_007, queued_ns=2_051_000,
                          start_ns=2_061_000, arrive_ns=2_561_807, info=UDP, ttl=63)
    # the parts add up to the end-to-end latency: first queued to last bit in
    assert end_to_end_ns(hops) == 2_561_807 - 1_000 == sum(h.total_ns for h in hops)
    assert [h.total_ns for h in hops] == [1_012_000, 1_008_000, 540_807]


def test_match_by_info_and_any_field_starts_mid_path():
    by_info = hop_breakdown(TRACE, {"info_contains": "Len=100", "ip_id": 7})
    assert [h.label for h in by_info] == ["h1 → sw", "sw → r1", "r1 → h2"]
    # starting at r1: the first hop has no processing by definition
    from_r1 = hop_breakdown(TRACE, {"node": "r1", "ip_id": 7})
    assert [(h.label, h.processing_ns, h.queueing_ns) for h in from_r1] == \
        [("r1 → h2", 0, 10_000)]
    # the reply with the same ip_id (other direction) is another packet
    reply = hop_breakdown(TRACE, {"ip_src": "10.0.2.2", "ip_id": 7})
    assert [h.label for h in reply] == ["h2 → r1"]
    assert hop_breakdown(TRACE, {"info_contains": "no such thing"}) == []
    assert hop_breakdown(TRACE, {"ip_id": 7}, nodes=["h1", "sw"])[-1].label == "h1 → sw"


def test_flood_keeps_the_branch_to_the_destination_mac():
    # sw floods a frame for h2 to the hub (which repeats it to h4) and to h2: the hub
    # branch is longer, but h2 owns the destination MAC
    trace = [
        tx(0, "h2", "sw", 10_000, proto="ARP", info="x", eth_src=H2, eth_dst=H1),
        tx(100_000, "h1", "sw", 118_000, **ip("10.0.0.1", "10.0.0.2", 3, 64, H1, H2)),
        tx(118_000, "sw", "hub", 136_000, **ip("10.0.0.1", "10.0.0.2", 3, 64, H1, H2)),
        tx(118_000, "sw", "h2", 136_000, **ip("10.0.0.1", "10.0.0.2", 3, 64, H1, H2)),
        tx(128_000, "hub", "h4", 146_000, **ip("10.0.0.1", "10.0.0.2", 3, 64, H1, H2)),
    ]
    hops = hop_breakdown(trace, {"ip_id": 3})
    assert [h.label for h in hops] == ["h1 → sw", "sw → h2"]
    # a broadcast has no owner: the longest branch, here through the hub (cut-through:
    # the hub starts 8 us before the last bit is in: its serialization overlaps the
    # switch's by 8 us, counted once; processing is 0, never negative)
    arp = [e | {"proto": "ARP", "info": "Who has 10.0.0.2? Tell 10.0.0.1", "eth_dst": BCAST}
           for e in trace[1:]]
    for e in arp:
        for key in ("ip_src", "ip_dst", "ip_id", "ttl"):
            del e[key]
    hops = hop_breakdown(arp, {"info_contains": "Who has"})
    assert [(h.label, h.processing_ns, h.queueing_ns, h.serialization_ns, h.propagation_ns)
            for h in hops] == [("h1 → sw", 0, 0, 8_000, 10_000),
                               ("sw → hub", 0, 0, 8_000, 10_000),
                               ("hub → h4", 0, 0, 8_000, 10_000)]
    assert hops[2].overlap_ns == 8_000 and hops[2].parts()["serialization"] == 0
    assert end_to_end_ns(hops) == 146_000 - 100_000 == sum(h.total_ns for h in hops)


def test_a_resent_frame_is_not_taken_for_the_next_hop():
    # the first ARP request dies at the switch (bad FCS); the one resent a second later
    # goes through: the first one's path ends at the switch
    req = {"proto": "ARP", "info": "Who has 10.0.0.2? Tell 10.0.0.1", "eth_src": H1,
           "eth_dst": BCAST}
    trace = [tx(0, "h1", "sw", 18_000, fate="corrupt", **req),
             tx(1_000_000_000, "h1", "sw", 1_000_018_000, **req),
             tx(1_000_018_000, "sw", "h2", 1_000_036_000, **req)]
    assert [h.label for h in hop_breakdown(trace, {"info_contains": "Who has", "ns": 0})] == \
        ["h1 → sw"]
    assert [h.label for h in hop_breakdown(trace, {"info_contains": "Who has", "fate": "ok"})] \
        == ["h1 → sw", "sw → h2"]


def test_routing_loop_is_followed_by_ttl_and_a_loss_ends_the_path():
    pkt = ("10.0.1.2", "198.51.100.7", 9)
    loop = [tx(i * 100_000, a, b, i * 100_000 + 50_000,
               **ip(*pkt, 64 - i, H1 if a == "r1" else H2, H2 if a == "r1" else H1))
            for i, (a, b) in enumerate([("r1", "r2"), ("r2", "r1")] * 3)]
    loop[-1]["arrive_ns"], loop[-1]["fate"] = None, "lost"
    hops = hop_breakdown(loop, {"ip_id": 9})
    assert [h.ttl for h in hops] == [64, 63, 62, 61, 60, 59]
    assert [h.processing_ns for h in hops] == [0] + [50_000] * 5
    assert hops[-1].propagation_ns is None and hops[-1].fate == "lost"
    assert end_to_end_ns(hops) is None
    assert sum(h.total_ns for h in hops) == 500_000 + 8_000


def test_busiest_packet_prefers_echo_requests_and_udp():
    assert busiest_packet(TRACE)[0] == {"ip_src": P[0], "ip_dst": P[1], "ip_id": P[2]}
    tcp_only = [e for e in TRACE if e.get("proto") == "TCP"]
    assert busiest_packet(tcp_only) == ({"ip_src": "10.0.9.1", "ip_dst": "10.0.9.2", "ip_id": 1},
                                        "the first IPv4 packet over the most hops that waited "
                                        "for no ARP reply")
    assert busiest_packet([e for e in TRACE if e.get("proto") == "ARP"]) is None
    assert busiest_packet([]) is None


def test_fmt_ns():
    assert [fmt_ns(v) for v in (512, 19_680, 196_800, 2_196_800, 1_500_000_000, -8_160, 0)] == \
        ["512 ns", "19.68 µs", "196.8 µs", "2.197 ms", "1.5 s", "-8.16 µs", "0 ns"]


def test_plot_is_a_deterministic_png(tmp_path):
    hops = hop_breakdown(TRACE, {"ip_id": 7})
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plot_hop_breakdown(hops, a, title="one datagram")
    plot_hop_breakdown(hops, b, title="one datagram")
    assert a.read_bytes().startswith(PNG_SIGNATURE) and a.read_bytes() == b.read_bytes()
    plot_hop_breakdown([], tmp_path / "empty.png")
    assert (tmp_path / "empty.png").read_bytes().startswith(PNG_SIGNATURE)


def test_plot_run_writes_hops_png_only_with_ipv4(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "trace.jsonl").write_text("".join(json.dumps(e) + "\n" for e in TRACE))
    assert plot_run(run, title="t (seed 1)") == run / "plots" / "hops.png"
    first = (run / "plots" / "hops.png").read_bytes()
    assert first.startswith(PNG_SIGNATURE)
    assert plot_run(run, title="t (seed 1)", events=TRACE) == run / "plots" / "hops.png"
    assert (run / "plots" / "hops.png").read_bytes() == first
    arp_only = tmp_path / "arp"
    arp_only.mkdir()
    (arp_only / "trace.jsonl").write_text(json.dumps(TRACE[1]) + "\n")
    assert plot_run(arp_only) is None
    assert not (arp_only / "plots").exists()


def arp_state(ns, node, state, iface="eth0", ip_="10.0.2.2"):
    return {"ns": ns, "node": node, "layer": "arp", "event": "arp_state", "if": iface,
            "ip": ip_, "state": state}


def test_an_arp_wait_is_not_processing_and_the_default_packet_needed_none():
    # h1 -> r -> h2 twice; the first time r resolves h2 (INCOMPLETE 1.01 ms .. 1.51 ms)
    def echo(ns, ident, r_queued):
        fields = ip("10.0.1.2", "10.0.2.2", ident, 64, H1, R1_E0)
        return [tx(ns, "h1", "r", ns + 1_000_000, **fields, proto="ICMP",
                   info=f"Echo (ping) request id=0x0001, seq={ident}"),
                tx(r_queued, "r", "h2", r_queued + 1_000_000, **fields | {"ttl": 63},
                   proto="ICMP", info=f"Echo (ping) request id=0x0001, seq={ident}")]
    trace = (echo(0, 1, 1_520_000) + [arp_state(1_010_000, "r", "INCOMPLETE"),
                                      arp_state(1_510_000, "r", "REACHABLE")]
             + echo(5_000_000, 2, 6_010_000))
    cold = hop_breakdown(trace, {"ip_id": 1})
    assert [(h.processing_ns, h.arp_ns) for h in cold] == [(0, 0), (20_000, 500_000)]
    assert sum(h.total_ns for h in cold) == end_to_end_ns(cold)
    match, why = busiest_packet(trace)
    assert match["ip_id"] == 2 and "waited for no ARP reply" in why
    spec = HopsPlotSpec(packet="seq=1")
    assert chosen_packet(trace, spec) == ({"info_contains": "seq=1"},
                                          "the first packet whose Info contains 'seq=1' (plots.hops)")
    # the source's own wait: a resolution ending as the packet is queued
    first = hop_breakdown(trace[:1] + [arp_state(-300, "h1", "INCOMPLETE"),
                                       arp_state(0, "h1", "REACHABLE")], {"ip_id": 1})
    assert first[0].arp_ns == 300 and end_to_end_ns(first) == 1_000_300


def test_a_long_subtitle_is_two_lines_inside_the_figure():
    """A TCP segment's Info with the path and the reason: wrapped, never cut by the canvas;
    the legend moves down to make room for the second line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from dataclasses import replace
    from simulator.viz.hops import DPI, FIG_W_IN, hop_figure, subtitle_lines

    syn_ack = ("5201 → 32768 [SYN, ACK] Seq=949041287 Ack=2416781111 Win=65535 Len=0 "
               "MSS=1460 SACK_PERM TSval=949041353 TSecr=1731920033 WS=128")
    why = "the first IPv4 packet over the most hops that waited for no ARP reply"
    hops = hop_breakdown(TRACE, {"ip_id": 7})
    short = subtitle_lines(hops, why)
    assert short == [f"{UDP}  (h1 → h2); {why}"]
    hops = [replace(hops[0], info=syn_ack)] + hops[1:]
    assert len(subtitle_lines(hops, why)) == 2
    for info in (syn_ack, syn_ack + " and" * 60):           # the second one: cut with "…"
        hops = [replace(hops[0], info=info)] + hops[1:]
        fig = hop_figure(hops, "t (seed 1), hop by hop", why)
        renderer = FigureCanvasAgg(fig).get_renderer()
        sub = next(t for t in fig.texts if t.get_text().startswith("5201"))
        box = sub.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= FIG_W_IN * DPI and sub.get_text().count("\n") == 1
        assert sub.get_text().endswith(f"(h1 → h2); {why}")
        legend = fig.legends[0].get_window_extent(renderer)
        assert legend.y1 <= box.y0                             # below the subtitle
    assert "…" in sub.get_text() and "and and" in sub.get_text()


def test_the_title_counts_hops_in_english():
    from simulator.viz.hops import hop_figure

    hops = hop_breakdown(TRACE, {"ip_id": 7})
    titles = [hop_figure(h, "t").texts[0].get_text() for h in (hops, hops[:1])]
    assert titles == ["t — end-to-end 2.561 ms over 3 hops",
                      "t — end-to-end 1.012 ms over 1 hop"]
