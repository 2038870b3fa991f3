"""Routers: exact store-and-forward timing, TTL expiry, unreachable networks, loops."""

from ipaddress import IPv4Address, IPv4Network

from simulator.engine.sim import Simulation
from tests.helpers import MS, SECOND, gateway_host, link, ping, router


def line(rate1=10_000_000, delay1=MS, rate2=100_000_000, delay2=2 * MS):
    sim = Simulation(1)
    h1 = gateway_host(sim, "h1", "10.0.1.2/24", "10.0.1.1")
    r = router(sim, "r", "10.0.1.1/24", "10.0.2.1/24")
    h2 = gateway_host(sim, "h2", "10.0.2.2/24", "10.0.2.1")
    link(sim, h1.interfaces["eth0"], r.interfaces["e0"], rate1, delay1)
    link(sim, r.interfaces["e1"], h2.interfaces["eth0"], rate2, delay2)
    return sim, h1, r, h2


def test_rtt_across_a_router_to_the_nanosecond():
    sim, h1, r, h2 = line()
    app = ping(sim, h1, "10.0.2.2", count=2)
    sim.run(3 * SECOND)
    arp1, echo1 = 51_200 + MS, 81_600 + MS            # 10 Mbps, 1 ms: 64 B and 102 B frames
    arp2, echo2 = 5_120 + 2 * MS, 8_160 + 2 * MS      # 100 Mbps, 2 ms
    # h1 ARPs for r; r ARPs for h2; h2 learned r from that request, r learned h1
    assert app.rtts[1] == 2 * arp1 + echo1 + 2 * arp2 + echo2 + echo2 + echo1
    assert app.rtts[2] == 2 * echo1 + 2 * echo2
    assert app.lines[2].startswith("64 bytes from 10.0.2.2: icmp_seq=2 ttl=63 ")
    assert r.ip.forwarder.forwarded == 4
    assert (r.interfaces["e0"].forwarded, r.interfaces["e1"].forwarded) == (2, 2)
    assert r.counters()["e1"]["forwarded"] == 2


def test_router_answers_pings_to_its_far_interface():
    sim, h1, r, h2 = line()
    app = ping(sim, h1, "10.0.2.1", count=1)
    sim.run(SECOND)
    assert app.result()["received"] == 1 and app.lines[1].split()[5] == "ttl=64"


def test_ttl_expiry_gives_time_exceeded_from_the_router():
    sim, h1, r, h2 = line()
    app = ping(sim, h1, "10.0.2.2", count=1, ttl=1)
    sim.run(SECOND)
    assert app.lines[1] == "From 10.0.1.1 icmp_seq=1 Time to live exceeded"
    assert r.interfaces["e0"].drops["TTL_EXPIRED"] == 1
    assert h2.interfaces["eth0"].rx_frames == 0


def test_no_route_gives_net_unreachable():
    sim, h1, r, h2 = line()
    app = ping(sim, h1, "192.0.2.1", count=1)
    sim.run(SECOND)
    assert app.lines[1] == "From 10.0.1.1 icmp_seq=1 Destination Net Unreachable"


def test_arp_failure_at_the_router_gives_host_unreachable():
    sim, h1, r, h2 = line()
    app = ping(sim, h1, "10.0.2.99", count=1, timeout_ns=5 * SECOND)
    sim.run(6 * SECOND)
    assert app.lines[1] == "From 10.0.1.1 icmp_seq=1 Destination Host Unreachable"


def test_routing_loop_dies_by_ttl_and_reports_back():
    sim = Simulation(1)
    h = gateway_host(sim, "h", "10.0.1.2/24", "10.0.1.1")
    r1 = router(sim, "r1", "10.0.1.1/24", "10.0.12.1/30")
    r2 = router(sim, "r2", "10.0.12.2/30")
    link(sim, h.interfaces["eth0"], r1.interfaces["e0"])
    link(sim, r1.interfaces["e1"], r2.interfaces["e0"])
    r1.ip.add_route(IPv4Network("0.0.0.0/0"), via=IPv4Address("10.0.12.2"))
    r2.ip.add_route(IPv4Network("0.0.0.0/0"), via=IPv4Address("10.0.12.1"))
    app = ping(sim, h, "198.51.100.7", count=1, ttl=64)
    sim.run(2 * SECOND)
    # Sent with TTL 64, the echo is forwarded 63 times (32 by r1, 31 by r2); r2 then
    # holds it at TTL 1 and reports to h through r1, which forwards that error once.
    assert (r1.ip.forwarder.forwarded, r2.ip.forwarder.forwarded) == (32 + 1, 31)
    assert r2.interfaces["e0"].drops["TTL_EXPIRED"] == 1
    assert app.lines[1] == "From 10.0.12.2 icmp_seq=1 Time to live exceeded"
    assert app.result()["received"] == 0
