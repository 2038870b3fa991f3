"""traceroute over a line of routers, UDP and ICMP modes."""

from ipaddress import IPv4Address, IPv4Network

from simulator.apps.traceroute import Traceroute
from simulator.engine.sim import Simulation
from tests.helpers import MS, SECOND, gateway_host, link, router


def chain(n_routers=3):
    """h — r1 — r2 — ... — rn — s; subnet 10.0.i.0/24 between hop i-1 and i."""
    sim = Simulation(1)
    h = gateway_host(sim, "h", "10.0.0.2/24", "10.0.0.1")
    routers = [router(sim, f"r{i}", f"10.0.{i - 1}.1/24", f"10.0.{i}.2/24") for i in range(1, n_routers + 1)]
    s = gateway_host(sim, "s", f"10.0.{n_routers}.1/24", f"10.0.{n_routers}.2")
    hops = [h.interfaces["eth0"]]
    for r in routers:
        link(sim, hops[-1], r.interfaces["e0"])
        hops.append(r.interfaces["e1"])
    link(sim, hops[-1], s.interfaces["eth0"])
    server = IPv4Network(f"10.0.{n_routers}.0/24")
    client = IPv4Network("10.0.0.0/24")
    for i, r in enumerate(routers, start=1):
        if i < n_routers:
            r.ip.add_route(server, via=IPv4Address(f"10.0.{i}.1"))
        if i > 1:
            r.ip.add_route(client, via=IPv4Address(f"10.0.{i - 1}.2"))
    return sim, h, routers, s


def run(icmp=False):
    sim, h, routers, s = chain()
    app = Traceroute(h, IPv4Address("10.0.3.1"), icmp=icmp)
    h.apps.append(app)
    app.start()
    sim.run(60 * SECOND)
    return app


def test_udp_traceroute_lists_each_router_ingress_then_the_server():
    app = run()
    assert app.result()["hops"] == ["10.0.0.1", "10.0.1.1", "10.0.2.1", "10.0.3.1"]
    assert app.reached
    assert app.lines[0] == "traceroute to 10.0.3.1 (10.0.3.1), 30 hops max, 60 byte packets"
    assert app.lines[2].startswith(" 2  10.0.1.1 (10.0.1.1)  ")
    assert app.lines[2].count(" ms") == 3


def test_probe_times_are_exact():
    app = run()
    # a 60-byte probe is a 78-byte frame (14 + 60 + 4 FCS); the ICMP error quotes the probe's
    # header and 8 bytes: 20 + 8 + 28 = 56 bytes of IP, a 74-byte frame
    probe, error = 78 * 800 + MS, 74 * 800 + MS             # 10 Mbps: 800 ns per byte
    hop2 = [p["rtt_ns"] for p in app.hops[1]["probes"]]
    assert hop2[1:] == [2 * probe + 2 * error] * 2                 # caches warm after the first


def test_icmp_traceroute_reaches_with_echo_reply():
    app = run(icmp=True)
    assert app.result()["hops"] == ["10.0.0.1", "10.0.1.1", "10.0.2.1", "10.0.3.1"]


def test_silent_hop_shows_stars():
    sim, h, routers, s = chain()
    routers[1].ip.icmp.send_error = lambda *a, **k: None          # r2 filters ICMP errors
    app = Traceroute(h, IPv4Address("10.0.3.1"), wait_ns=SECOND)
    app.start()
    sim.run(60 * SECOND)
    assert app.lines[2] == " 2  * * *"
    assert app.reached


def test_unreachable_on_the_way_stops_without_reaching():
    sim, h, routers, s = chain()
    app = Traceroute(h, IPv4Address("10.0.3.99"))   # nobody answers r3's ARP: !H after 3 s
    app.start()
    sim.run(60 * SECOND)
    assert app.lines[-1].startswith(" 4  10.0.2.1 (10.0.2.1)  ") and app.lines[-1].endswith(" !H")
    assert not app.reached and len(app.hops) == 4
