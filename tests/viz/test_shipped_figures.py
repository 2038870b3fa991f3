"""Every shipped scenario's ladder and hop plot, checked for what they draw: each drop
where the trace has it, the link and routing events, full ICMP names, the time unit,
pages within the size bound; hop bars that add up, ARP waits and cut-through apart.
(The long TCP bulk scenarios are left to the gallery: their runs take tens of seconds.)"""

from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from simulator.scenario.load import load_scenario
from simulator.scenario.run import run_scenario
from simulator.viz.hops import busiest_packet, end_to_end_ns, hop_breakdown, summarise
from simulator.viz.ladder import (COLUMN_IN, DPI, MAX_HEIGHT_IN, MIN_PT, PAGE_W_IN, TEXT_PT,
                                  figures, lay_out_ladder)
from simulator.viz.ladder_labels import drop_text
from simulator.viz.ladder_select import SHOWN_BY_FATE
from simulator.viz.text_fit import width
from simulator.viz.trace_io import read_trace

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
COLUMN_X = PAGE_W_IN - 0.15 - COLUMN_IN      # where the packet list starts
SHOWN = ("campus_l3switch", "failover", "fragmentation", "lan_ping", "pmtud", "routing_loop",
         "stp_triangle", "tcp_handshake", "traceroute", "dhcp_lan", "dhcp_exhausted",
         "dhcp_no_server", "dns_lookup", "generated_fat_tree")
# (router_reboot's ladder, 424 rows since its routers re-resolve after the carrier loss,
# no longer fits the 20 pages: its last rows are cut, as the ladder says)


@pytest.fixture(scope="module")
def traces(tmp_path_factory):
    out = {}
    for name in SHOWN:
        run_dir = tmp_path_factory.mktemp(name)
        run_scenario(load_scenario(SCENARIOS / f"{name}.yaml"), out_dir=run_dir, plots=False)
        out[name] = read_trace(run_dir / "trace.jsonl")
    return out


@pytest.mark.parametrize("name", SHOWN)
def test_the_ladder_draws_what_the_trace_holds(traces, name):
    events = traces[name]
    ladder = lay_out_ladder(events)
    assert ladder.drawn == ladder.total                      # nothing cut: all pages drawn
    pages = list(figures(ladder, name))
    texts = []
    for fig in pages:
        width, height = fig.get_size_inches()
        assert width == PAGE_W_IN and height <= MAX_HEIGHT_IN
        drawn = [t.get_text() for t in fig.axes[0].texts]
        assert any(t.startswith(("time (ns)", "time (µs)", "time (ms)", "time (s)"))
                   for t in drawn)
        texts += drawn
    lost_down = [t for t in texts if t.endswith("✕ lost: link went down")]
    for e in events:
        kind = e.get("event")
        if kind == "drop" and e["reason"] not in SHOWN_BY_FATE:
            assert drop_text(e) in texts or (
                e["reason"] == "LINK_DOWN" and any(e["info"] in t for t in lost_down)), e
        elif kind == "tx" and e.get("proto") == "ICMP":
            assert any(e["info"] in t for t in texts)        # full names, never cut
        elif kind in ("link_down", "link_up"):
            assert f"link {e['link']} {kind[5:]}" in texts
        elif kind == "routes_changed":
            assert any(t.startswith("routes recomputed:") and f"{e['node']} (" in t
                       for t in texts)
        elif kind == "tcp.state":
            assert any(t.startswith(f"{e['node']}: TCP") and e["to"] in t for t in texts)


@pytest.mark.parametrize("name", ["dns_lookup", "fragmentation", "lan_ping", "tcp_handshake",
                                  "traceroute"])
def test_line_widths_from_glyph_advances_hold_what_agg_draws(traces, name):
    """The packet list's lines are measured by summing cached glyph advances: Agg's own
    layout of each line (hinted, kerned) is never wider than that measure, so a line set
    at a fitted size ends inside the page; one set smaller than the full size fills its
    column (it was not shrunk for nothing)."""
    for fig in figures(lay_out_ladder(traces[name]), name):
        renderer = FigureCanvasAgg(fig).get_renderer()
        column = [t for t in fig.axes[0].texts if t.get_position()[0] == COLUMN_X
                  and t.get_text() != "Source → Destination   Protocol   Info"]
        assert column
        for text in column:
            line, size = text.get_text(), text.get_fontsize()
            box = text.get_window_extent(renderer)
            assert box.width <= width(line, size) * DPI, line
            if size > MIN_PT:
                assert box.x1 <= PAGE_W_IN * DPI, line
            if MIN_PT < size < TEXT_PT:
                assert box.width >= 0.9 * COLUMN_IN * DPI / 1.12, line


def test_failures_are_on_the_shipped_ladders(traces):
    """The events a lesson is about, counted on the figures."""
    def drops(name):
        return sum(t.startswith("✕ ") for fig in figures(lay_out_ladder(traces[name]))
                   for t in (x.get_text() for x in fig.axes[0].texts))
    assert drops("traceroute") == 30 + 3        # TTL expired at each router, port unreachable
    assert drops("routing_loop") == 1
    assert drops("failover") == 5 + 9 + 3       # LINK_DOWN at r1, TTL expired, port unreachable


@pytest.mark.parametrize("name", SHOWN)
def test_hop_bars_add_up_without_negative_parts(traces, name):
    events = traces[name]
    chosen = busiest_packet(events)
    if chosen is None:
        return                                  # no IPv4 (stp_triangle's BPDUs only)
    hops = hop_breakdown(events, chosen[0])
    assert hops and all(v >= 0 for h in hops for v in h.parts().values())
    if end_to_end_ns(hops) is not None:
        assert sum(h.total_ns for h in hops) == end_to_end_ns(hops)


def test_a_hub_overlaps_instead_of_negative_processing(traces):
    events = traces["lan_ping"]
    match, why = busiest_packet(events)
    assert why == "the first echo request or UDP datagram over the most hops that waited for no ARP reply"
    hops = hop_breakdown(events, match)
    assert [h.label for h in hops] == ["pc3 → sw", "sw → hub", "hub → pc4"]
    hub = hops[2]
    assert hub.processing_ns == 0 and hub.overlap_ns == hops[1].serialization_ns == 81_600
    assert hub.parts()["serialization"] == hub.serialization_ns - 81_600
    assert sum(h.arp_ns for h in hops) == 0 and "seq=2" in hops[0].info


def test_a_routing_loop_is_one_bar_per_hop_pattern_and_arp_waits_are_apart(traces):
    events = traces["routing_loop"]
    hops = hop_breakdown(events, busiest_packet(events)[0])
    bars = summarise(hops)
    assert len(hops) == 64 and [b.count for b in bars] == [1, 1, 31, 31]
    assert [b.label for b in bars[2:]] == ["r2 → r1  ×31", "r1 → r2  ×31"]
    # the cold caches: pc and r1 waited for ARP replies; that is not processing
    assert hops[0].arp_ns > 0 and hops[1].arp_ns > 0
    assert hops[1].processing_ns == 0
