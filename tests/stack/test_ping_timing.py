"""Exact timing of a ping across one link, computed by hand from frame sizes."""

from simulator.phy.link import serialization_ns
from tests.helpers import MS, SECOND, ping, two_hosts

RATE = 10_000_000            # 10 Mbps: 800 ns per byte
ARP_FRAME = 64               # 28 B ARP padded to the 46 B minimum + 14 B header + 4 B FCS
ECHO_FRAME = 14 + 20 + 8 + 56 + 4   # 102 B: Ethernet + IPv4 + ICMP + 56 B data + FCS


def test_frame_serialization_times():
    assert serialization_ns(ARP_FRAME, RATE) == 51_200
    assert serialization_ns(ECHO_FRAME, RATE) == 81_600


def test_first_rtt_includes_arp_and_second_does_not():
    sim, h1, h2 = two_hosts(rate=RATE, delay=MS)
    app = ping(sim, h1, "10.0.0.2", count=2, interval_ns=SECOND)
    sim.run(5 * SECOND)
    arp_exchange = 2 * (51_200 + MS)
    echo_exchange = 2 * (81_600 + MS)
    assert app.rtts == {1: arp_exchange + echo_exchange, 2: echo_exchange}
    assert app.rtts[1] == 4_265_600
    assert app.rtts[2] == 2_163_200


def test_ping_output_matches_iputils_format():
    sim, h1, h2 = two_hosts(rate=RATE, delay=MS)
    app = ping(sim, h1, "10.0.0.2", count=2, interval_ns=SECOND)
    sim.run(5 * SECOND)
    assert app.lines[0] == "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data."
    assert app.lines[1] == "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=4.27 ms"
    assert app.lines[2] == "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=2.16 ms"
    assert app.lines[4] == "--- 10.0.0.2 ping statistics ---"
    assert app.lines[5] == "2 packets transmitted, 2 received, 0% packet loss, time 1000ms"
    assert app.lines[6] == "rtt min/avg/max/mdev = 2.163/3.214/4.266/1.051 ms"


def test_arp_cache_learned_both_ways():
    sim, h1, h2 = two_hosts()
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND)
    mac1, mac2 = h1.interfaces["eth0"].mac, h2.interfaces["eth0"].mac
    assert h1.ip.arps[h1.interfaces["eth0"]].table() == {"10.0.0.2": str(mac2)}
    # the target learns the sender from the request itself (RFC 826)
    assert h2.ip.arps[h2.interfaces["eth0"]].table() == {"10.0.0.1": str(mac1)}
    assert h2.ip.arps[h2.interfaces["eth0"]].requests_sent == 0


def test_unanswered_arp_retries_then_reports_host_unreachable():
    sim, h1, h2 = two_hosts()
    app = ping(sim, h1, "10.0.0.9", count=1, timeout_ns=5 * SECOND)
    sim.run(10 * SECOND)
    arp = h1.ip.arps[h1.interfaces["eth0"]]
    assert arp.requests_sent == 3                    # three requests, one second apart
    assert app.lines[1] == "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"
    assert app.result()["received"] == 0 and app.errors == 1
    assert sim.tracer.counters[("h1", "drop:NO_ARP_REPLY")] == 1
