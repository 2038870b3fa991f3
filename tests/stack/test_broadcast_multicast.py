"""Limited and directed broadcast, and multicast to joined groups only."""

from ipaddress import IPv4Address as A

from simulator.engine.sim import Simulation
from simulator.nodes.switch import Switch
from simulator.wire.addr import MacAddress
from tests.helpers import SECOND, gateway_host, link


def lan():
    sim = Simulation(1)
    sw = Switch(sim, "sw")
    hosts = [gateway_host(sim, f"h{i}", f"10.0.0.{i}/24", "10.0.0.254") for i in (1, 2, 3)]
    for h in hosts:
        link(sim, h.interfaces["eth0"], sw.add_port())
    inbox = {}
    for h in hosts[1:]:
        sock = h.udp.bind(5000)
        sock.on_datagram = lambda packet, dgram, name=h.name: inbox.setdefault(name, []).append(
            str(packet.dst))
    return sim, hosts, inbox


def test_limited_and_directed_broadcast_reach_every_host_without_the_gateway():
    sim, (h1, h2, h3), inbox = lan()
    sock = h1.udp.bind(0)
    sock.sendto(b"hello", A("255.255.255.255"), 5000)
    sock.sendto(b"hello", A("10.0.0.255"), 5000)
    sim.run(SECOND)
    assert inbox == {"h2": ["255.255.255.255", "10.0.0.255"], "h3": ["255.255.255.255", "10.0.0.255"]}
    assert h1.ip.arps[h1.interfaces["eth0"]].requests_sent == 0      # no ARP for broadcasts


def test_multicast_reaches_members_only():
    sim, (h1, h2, h3), inbox = lan()
    h2.ip.join_group(A("239.1.2.3"))
    h1.udp.bind(0).sendto(b"news", A("239.1.2.3"), 5000)
    sim.run(SECOND)
    assert inbox == {"h2": ["239.1.2.3"]}
    # the switch floods it; h3's NIC filters the group MAC it did not join
    assert h3.interfaces["eth0"].drops["L2_FILTERED"] == 1
    assert MacAddress("01:00:5e:01:02:03") in h2.interfaces["eth0"].multicast_macs


def test_broadcast_ping_is_ignored_like_linux():
    from tests.helpers import ping

    sim, (h1, h2, h3), inbox = lan()
    app = ping(sim, h1, "10.0.0.255", count=1, timeout_ns=SECOND)
    sim.run(2 * SECOND)
    assert app.result()["received"] == 0
