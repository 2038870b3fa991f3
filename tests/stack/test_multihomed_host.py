"""A laptop with a wired and a wireless interface: one address per interface, the
source address chosen by the interface the route leaves by (RFC 1122 §3.3.4.3)."""

from ipaddress import IPv4Address as A, IPv4Interface, IPv4Network

from simulator.engine.sim import Simulation
from simulator.nodes.host import Host
from tests.helpers import SECOND, host, link


def test_source_address_follows_the_outgoing_interface():
    sim = Simulation(1)
    laptop = Host(sim, "laptop")
    wired = laptop.add_ip_interface("eth0", IPv4Interface("192.168.1.20/24"))
    wireless = laptop.add_ip_interface("wlan0", IPv4Interface("10.8.0.20/16"))
    office = host(sim, "office", "192.168.1.1/24")
    cafe = host(sim, "cafe", "10.8.0.1/16")
    link(sim, wired, office.interfaces["eth0"])
    link(sim, wireless, cafe.interfaces["eth0"])
    laptop.ip.add_route(IPv4Network("0.0.0.0/0"), via=A("10.8.0.1"))
    seen = {}
    for h in (office, cafe):
        h.udp.bind(7).on_datagram = lambda p, d, name=h.name: seen.setdefault(name, []).append(str(p.src))
    sock = laptop.udp.bind(0)
    sock.sendto(b"x", A("192.168.1.1"), 7)     # on-link via eth0
    sock.sendto(b"x", A("10.8.0.1"), 7)        # on-link via wlan0
    sim.run(SECOND)
    assert seen == {"office": ["192.168.1.20"], "cafe": ["10.8.0.20"]}
    assert laptop.ip.routes.lookup(A("203.0.113.9")).iface is wireless


def test_a_closed_port_answers_port_unreachable_to_the_sending_socket():
    sim = Simulation(1)
    a = host(sim, "a", "10.0.0.1/24")
    b = host(sim, "b", "10.0.0.2/24")
    link(sim, a.interfaces["eth0"], b.interfaces["eth0"])
    errors = []
    sock = a.udp.bind(40000)
    sock.on_error = lambda reporter, message, quoted: errors.append(
        (str(reporter), message.type, message.code, quoted.src_port, quoted.dst_port))
    sock.sendto(b"hello", A("10.0.0.2"), 9)
    sim.run(SECOND)
    assert errors == [("10.0.0.2", 3, 3, 40000, 9)]
