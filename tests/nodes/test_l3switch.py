"""An L3 switch switches inside a subnet group and routes between groups."""

from ipaddress import IPv4Interface

from simulator.engine.sim import Simulation
from simulator.nodes.l3switch import L3Switch
from tests.helpers import MS, SECOND, gateway_host, link, ping


def campus():
    sim = Simulation(1)
    core = L3Switch(sim, "core")
    core.add_group("v10", IPv4Interface("10.0.10.1/24"), ["p1", "p2"])
    core.add_group("v20", IPv4Interface("10.0.20.1/24"), ["p3"])
    a = gateway_host(sim, "a", "10.0.10.2/24", "10.0.10.1")
    b = gateway_host(sim, "b", "10.0.10.3/24", "10.0.10.1")
    c = gateway_host(sim, "c", "10.0.20.2/24", "10.0.20.1")
    for h, port in ((a, "p1"), (b, "p2"), (c, "p3")):
        link(sim, h.interfaces["eth0"], core.interfaces[port], rate=100_000_000, delay=MS)
    return sim, core, a, b, c


def test_same_group_is_switched_not_routed():
    sim, core, a, b, c = campus()
    app = ping(sim, a, "10.0.10.3", count=2)
    sim.run(3 * SECOND)
    assert app.result()["received"] == 2
    assert app.lines[2].split()[5] == "ttl=64"             # no router decremented it
    assert core.ip.forwarder.forwarded == 0
    assert core.interfaces["p3"].tx_frames == 0             # the other group never sees a frame
    # wire time only: two links each way, no hop through the SVI
    assert app.rtts[2] == 2 * 2 * (8_160 + MS)


def test_between_groups_is_routed_through_the_svis():
    sim, core, a, b, c = campus()
    app = ping(sim, a, "10.0.20.2", count=2)
    sim.run(3 * SECOND)
    assert app.result()["received"] == 2
    assert app.lines[2].split()[5] == "ttl=63"
    assert core.ip.forwarder.forwarded == 4
    assert app.rtts[2] == 2 * 2 * (8_160 + MS)              # routing itself takes no time
    assert core.interfaces["p2"].rx_frames == 0


def test_gateway_answers_ping():
    sim, core, a, b, c = campus()
    app = ping(sim, c, "10.0.20.1", count=1)
    sim.run(SECOND)
    assert app.result()["received"] == 1
