"""routing: auto — shortest paths by cost, hosts never transit, failover on link down."""

from ipaddress import IPv4Address as A

from simulator.engine.sim import Simulation
from simulator.nodes.switch import Switch
from simulator.scenario.autoroute import AutoRouting, compute_routes
from simulator.scenario.build import Network
from tests.helpers import MS, SECOND, gateway_host, link, ping, router


def square():
    """h1 - r1 - r2 - r3 - h3, plus a costly shortcut r1 - r3 (cost 5)."""
    sim = Simulation(1)
    net = Network(sim, None)
    add = lambda n: net.nodes.__setitem__(n.name, n) or n
    h1 = add(gateway_host(sim, "h1", "10.0.1.2/24", "10.0.1.1"))
    r1 = add(router(sim, "r1", "10.0.1.1/24", "10.0.12.1/30", "10.0.13.1/30"))
    r2 = add(router(sim, "r2", "10.0.12.2/30", "10.0.23.1/30"))
    r3 = add(router(sim, "r3", "10.0.23.2/30", "10.0.13.2/30", "10.0.3.1/24"))
    sw = add(Switch(sim, "sw"))
    h3 = add(gateway_host(sim, "h3", "10.0.3.2/24", "10.0.3.1"))
    pairs = [(h1.interfaces["eth0"], r1.interfaces["e0"], 1), (r1.interfaces["e1"], r2.interfaces["e0"], 1),
             (r2.interfaces["e1"], r3.interfaces["e0"], 1), (r1.interfaces["e2"], r3.interfaces["e1"], 5),
             (r3.interfaces["e2"], sw.add_port(), 1), (sw.add_port(), h3.interfaces["eth0"], 1)]
    for a, b, cost in pairs:
        net.links.append(link(sim, a, b, cost=cost))
    return sim, net


def route(node, dst):
    r = node.ip.routes.lookup(A(dst))
    return (str(r.via), r.iface.name, r.metric, r.kind)


def test_routes_follow_the_cheapest_path():
    sim, net = square()
    compute_routes(net)
    r1, r2, r3 = (net.nodes[n] for n in ("r1", "r2", "r3"))
    assert route(r1, "10.0.3.2") == ("10.0.12.2", "e1", 3, "auto")    # via r2: 1+1+1 beats 5+1
    assert route(r3, "10.0.1.2") == ("10.0.23.1", "e0", 3, "auto")
    assert route(r2, "10.0.1.9") == ("10.0.12.1", "e0", 2, "auto")
    assert r1.ip.routes.lookup(A("10.0.1.2")).kind == "connected"


def test_hosts_get_no_routes_and_are_never_transit():
    sim, net = square()
    compute_routes(net)
    assert [r.kind for r in net.nodes["h1"].ip.routes.routes()] == ["connected", "static"]


def test_failover_after_convergence_delay():
    sim, net = square()
    auto = AutoRouting(net, convergence_ns=500 * MS)
    app = ping(sim, net.nodes["h1"], "10.0.3.2", count=6, interval_ns=SECOND)
    r1 = net.nodes["r1"]
    r1_r2 = net.links[1]
    sim.call_later(int(2.5 * SECOND), lambda e: r1_r2.set_up(False))
    sim.run(10 * SECOND)
    assert auto.recomputations == 1
    assert route(r1, "10.0.3.2") == ("10.0.13.2", "e2", 6, "auto")    # the shortcut now
    result = app.result()
    # seqs 1-3 before the failure, 4-6 after the 0.5 s convergence: all answered
    assert result["received"] == 6
    per_link = 81_600 + MS                      # a 102-byte frame at 10 Mbps, plus 1 ms
    assert app.rtts[2] == 2 * 5 * per_link      # h1 r1 r2 r3 sw h3
    assert app.rtts[6] == 2 * 4 * per_link      # h1 r1 r3 sw h3
