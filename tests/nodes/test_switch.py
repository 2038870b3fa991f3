"""MAC learning, flooding and filtering of the learning switch."""

from simulator.engine.sim import Simulation
from simulator.nodes.switch import Switch
from tests.helpers import MS, SECOND, host, link, ping


def star(n=3, **switch_kwargs):
    sim = Simulation(1)
    sw = Switch(sim, "sw", **switch_kwargs)
    hosts = [host(sim, f"h{i}", f"10.0.0.{i}/24") for i in range(1, n + 1)]
    for h in hosts:
        link(sim, h.interfaces["eth0"], sw.add_port(), rate=100_000_000, delay=MS)
    return sim, sw, hosts


def port_tx(sw):
    return {name: port.tx_frames for name, port in sw.interfaces.items()}


def test_broadcast_floods_every_other_port_once_and_unicast_leaves_one_port():
    sim, sw, (h1, h2, h3) = star()
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND // 2)
    # ARP request (broadcast) flooded to p2 and p3; reply and echo learned: one port each
    assert port_tx(sw) == {"p1": 2, "p2": 2, "p3": 1}
    assert sw.table() == {str(h1.interfaces["eth0"].mac): "p1", str(h2.interfaces["eth0"].mac): "p2"}
    before = port_tx(sw)
    ping(sim, h1, "10.0.0.2", count=1)           # caches warm: pure unicast
    sim.run(SECOND)
    after = port_tx(sw)
    assert {p: after[p] - before[p] for p in after} == {"p1": 1, "p2": 1, "p3": 0}
    assert h3.interfaces["eth0"].rx_frames == 1  # only the one flooded ARP request


def test_unknown_unicast_is_flooded_after_aging():
    sim, sw, (h1, h2, h3) = star(aging_ns=2 * SECOND)
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND)
    h3_before = h3.interfaces["eth0"].rx_frames
    sim.run(4 * SECOND)                              # table entries age out; ARP caches do not
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(5 * SECOND)
    # the echo request to h2's now-forgotten MAC is flooded: h3's NIC sees it and filters it
    assert h3.interfaces["eth0"].rx_frames == h3_before + 1
    assert h3.interfaces["eth0"].drops["L2_FILTERED"] == 1


def test_full_table_learns_nothing_new():
    sim, sw, (h1, h2, h3) = star(table_size=1)
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND)
    assert list(sw.table().values()) == ["p1"]


def test_store_and_forward_timing_through_switch():
    sim, sw, (h1, h2, h3) = star()
    app = ping(sim, h1, "10.0.0.2", count=2)
    sim.run(3 * SECOND)
    # 100 Mbps: 64 B frame 5120 ns, 102 B frame 8160 ns; each frame crosses two links
    hop = lambda size_ns: 2 * (size_ns + MS)
    assert app.rtts[2] == 2 * hop(8_160)
    assert app.rtts[1] == 2 * hop(5_120) + 2 * hop(8_160)


def test_automatic_port_names_skip_named_ones():
    sim = Simulation(1)
    sw = Switch(sim, "sw")
    sw.add_interface("p2")
    assert [sw.add_port().name, sw.add_port().name] == ["p1", "p3"]
