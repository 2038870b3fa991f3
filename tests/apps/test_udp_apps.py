"""UDP echo and constant bit rate, run end to end on a two-host link: figures exact
where the link model is exact (serialization + propagation), bounds where random."""

from simulator.scenario.load import load_text
from simulator.scenario.run import run_scenario

MS = 1_000_000


def run(apps: str, link: str = "rate: 10Mbps, delay: 5ms", until: str = "3s", arp: str = ""):
    text = f"""\
name: t
topology:
  name: two
  nodes:
    a: {{type: host, ip: 10.0.0.1/24{arp}}}
    b: {{type: host, ip: 10.0.0.2/24}}
  links: [{{ends: [a, b], {link}}}]
until: {until}
run:
{apps}
"""
    result = run_scenario(load_text(text))
    return {r["name"]: r for r in result.results()}


def serialization_ns(payload: int) -> int:
    """A UDP datagram's frame on 10 Mbps: payload + 8 UDP + 20 IPv4 + 14 Ethernet + 4 FCS."""
    return (payload + 8 + 20 + 18) * 8 * 1000 // 10


def test_udp_echo_round_trips_are_two_flights():
    r = run("  - {at: 0s, on: b, name: server, udp_echo_server: {}}\n"
            "  - {at: 1s, on: a, name: echo, udp_echo: {dst: 10.0.0.2, size: 1024B, count: 5, "
            "interval: 100ms}}")
    echo, server = r["echo"], r["server"]
    flight = serialization_ns(1024) + 5 * MS
    arp = 64 * 8 * 1000 // 10 + 5 * MS                   # request there, reply back: 64-byte frames
    assert (echo["transmitted"], echo["received"], echo["loss"], echo["damaged"]) == (5, 5, 0.0, 0)
    assert echo["rtt_min_ns"] == 2 * flight              # 11.712 ms
    assert echo["rtt_max_ns"] == 2 * flight + 2 * arp    # the first waits for ARP
    assert (server["received"], server["bytes_received"]) == (5, 5 * 1024)
    assert echo["output"][-1] == "rtt min/avg/max/mdev = 11.712/13.732/21.814/4.041 ms"


def test_udp_echo_to_a_port_nobody_serves_gets_nothing_back():
    r = run("  - {at: 1s, on: a, name: echo, udp_echo: {dst: 10.0.0.2, count: 2, timeout: 1s}}")
    assert (r["echo"]["received"], r["echo"]["loss"]) == (0, 1.0)
    assert r["echo"]["output"][-1] == "2 datagrams sent, 0 echoed, 100% loss"


STATIC_ARP = ", arp: {static: {10.0.0.2: '02:00:00:00:00:02'}}"


def test_cbr_on_a_clean_link_has_no_loss_and_no_jitter():
    r = run("  - {at: 0s, on: b, name: sink, udp_cbr_sink: {}}\n"
            "  - {at: 1s, on: a, name: cbr, udp_cbr: {dst: 10.0.0.2, rate: 1Mbps, size: 1250B, "
            "duration: 1s}}", arp=STATIC_ARP)
    cbr, sink = r["cbr"], r["sink"]
    assert (cbr["transmitted"], cbr["bytes_sent"]) == (100, 125_000)   # one every 10 ms
    assert (sink["received"], sink["lost"], sink["loss"], sink["jitter_ns"]) == (100, 0, 0.0, 0)
    assert sink["bytes_received"] == 125_000
    # 125 000 bytes between the first and the last arrival, 99 periods apart
    assert sink["goodput_bps"] == round(125_000 * 8 / 0.99)
    assert sink["output"][1].startswith("[  1]   0.00-1.00   sec   122 KBytes")


def test_cbr_loss_and_jitter_on_a_lossy_jittery_link():
    r = run("  - {at: 0s, on: b, name: sink, udp_cbr_sink: {}}\n"
            "  - {at: 0.5s, on: a, name: cbr, udp_cbr: {dst: 10.0.0.2, rate: 2Mbps, size: 1000B, "
            "duration: 2s}}", link="rate: 10Mbps, delay: 5ms, loss: 10%, jitter: 2ms",
            arp=STATIC_ARP)
    sink = r["sink"]
    assert r["cbr"]["transmitted"] == 500
    expected = sink["received"] + sink["lost"]
    assert expected <= 500 and sink["loss"] == sink["lost"] / expected
    assert 0.05 < sink["loss"] < 0.16                  # 10% of ~500: a wide binomial bound
    assert 0 < sink["jitter_ns"] < 2 * MS              # RFC 3550 J of uniform 0..2 ms delays
    assert sink["out_of_order"] == 0                   # 4 ms apart, at most 2 ms late: in order


def test_udp_sink_reports_totals_first_last_lines_and_an_interval_table():
    # 20 datagrams of 1000 B, one every 100 ms from 1 s: 10 in each 1 s of the table
    r = run("  - {at: 0s, on: b, name: sink, udp_sink: {port: 9, interval: 1s}}\n"
            "  - {at: 1s, on: a, name: send, udp_send: {dst: 10.0.0.2, port: 9, size: 1000B, "
            "count: 20, interval: 100ms}}", until="4s", arp=STATIC_ARP)
    send, sink = r["send"], r["sink"]
    flight = serialization_ns(1000) + 5 * MS              # 5.8368 ms
    assert (sink["received"], sink["intact"], sink["bytes"]) == (20, 20, 20_000)
    out = sink["output"]
    assert out[0] == f"{(1000 * MS + flight) / 1e9:.9f} s: 1000 bytes of UDP from 10.0.0.1:32768"
    assert out[3] == "... (14 more) ..."
    assert out[6] == f"{(2900 * MS + flight) / 1e9:.9f} s: 1000 bytes of UDP from 10.0.0.1:32768"
    assert out[7] == "[ ID] Interval           Transfer     Bitrate         Datagrams"
    assert out[8] == "[  1]   0.00-1.00   sec  9.77 KBytes  80.0 Kbits/sec         10"
    assert out[9].endswith("         10") and out[9].startswith("[  1]   1.00-")
    assert out[-1] == "received 20 datagrams (0 damaged), 19.5 KBytes in 1.900 s, 84.2 Kbits/sec"
    assert len(out) == 11
    assert send["output"][3] == "... (14 more) ..."
    assert send["output"][-1] == "sent 20 datagrams, 19.5 KBytes in 1.900 s (0 errors)"


def test_first_last_keeps_what_first_last_of_the_whole_list_keeps():
    from simulator.apps.report import FirstLast, first_last
    for n in range(12):
        kept = FirstLast(lambda i: f"line {i}")
        for i in range(n):
            kept.add(i)
        assert kept.lines() == first_last([f"line {i}" for i in range(n)])
        assert len(kept.first) + len(kept.last) <= 7


def test_the_counting_pattern():
    from simulator.apps.udp import pattern
    assert pattern(0) == b""
    assert pattern(600) == bytes(i & 0xFF for i in range(600))
