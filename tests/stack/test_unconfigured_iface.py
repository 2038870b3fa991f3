"""The core a DHCP client and server need (docs/dhcp.md "The driver"): an interface
with no address sends from 0.0.0.0 and hears broadcasts, ARP probes with sender
0.0.0.0 are sent and answered as Linux does, addresses come and go at run time,
a reply goes to a MAC without ARP, and a receiver learns the interface."""

from ipaddress import IPv4Address as A
from ipaddress import IPv4Interface, IPv4Network

import pytest

from simulator.engine.sim import Simulation
from simulator.nodes.host import Host
from simulator.nodes.switch import Switch
from simulator.stack.errno import Errno, SocketError
from simulator.wire.arp import ARP_REPLY, ARP_REQUEST, ArpPacket
from tests.helpers import MS, SECOND, host, link

ZERO = A("0.0.0.0")


def lan():
    """h1 with no address (attached only), h2 10.0.0.2/24, on a switch."""
    sim = Simulation(1)
    sw = Switch(sim, "sw")
    h1 = Host(sim, "h1")
    eth = h1.add_interface("eth0")
    h1.ip.attach(eth)
    h2 = host(sim, "h2", "10.0.0.2/24")
    link(sim, eth, sw.add_port())
    link(sim, h2.interfaces["eth0"], sw.add_port())
    frames = []
    h2.interfaces["eth0"].captures.append(_Tap(frames))
    return sim, h1, h2, frames


class _Tap:
    """A capture tap keeping the frames h2 receives."""

    def __init__(self, frames):
        self.frames = frames

    def write(self, now, frame):
        self.frames.append(frame)


def inbox_on(node, port):
    got = []
    sock = node.udp.bind(port)
    sock.on_datagram = lambda packet, dgram: got.append(
        (str(packet.src), str(packet.dst), bytes(dgram.payload), node.ip.rx_iface.name))
    return sock, got


def test_address_less_broadcast_from_zero_out_of_a_named_interface():
    sim, h1, h2, _ = lan()
    _, got = inbox_on(h2, 67)
    sock = h1.udp.bind(68)
    assert sock.sendto(b"discover", A("255.255.255.255"), 67, src=ZERO,
                       dev=h1.interfaces["eth0"]) is None
    sim.run(SECOND)
    assert got == [("0.0.0.0", "255.255.255.255", b"discover", "eth0")]


def test_without_an_address_a_send_is_enetunreach_not_a_crash():
    sim, h1, _, _ = lan()
    sock = h1.socket("udp")
    with pytest.raises(SocketError) as error:
        sock.sendto(b"x", ("10.0.0.2", 9))
    assert error.value.errno == Errno.ENETUNREACH
    refused = h1.udp.bind(68).sendto(b"x", A("255.255.255.255"), 67, dev=h1.interfaces["eth0"])
    assert refused.errno == Errno.ENETUNREACH            # no source address to pick


def test_broadcast_heard_before_configuration_unicast_only_while_accept_any():
    sim, h1, h2, _ = lan()
    _, got = inbox_on(h1, 68)
    sender = h2.udp.bind(67)
    mac = h1.interfaces["eth0"].mac
    sender.sendto(b"offer-bcast", A("255.255.255.255"), 68)
    sender.sendto(b"offer-ucast", A("10.0.0.9"), 68, dev=h2.interfaces["eth0"], link_dst=mac)
    sim.run(SECOND)
    assert [g[2] for g in got] == [b"offer-bcast"]
    assert h1.interfaces["eth0"].drops == {"NOT_FOR_ME": 1}
    h1.ip.accept_any.add(h1.interfaces["eth0"])
    sender.sendto(b"offer-ucast", A("10.0.0.9"), 68, dev=h2.interfaces["eth0"], link_dst=mac)
    sim.run(2 * SECOND)
    assert got[-1] == ("10.0.0.2", "10.0.0.9", b"offer-ucast", "eth0")
    assert h2.ip.arps[h2.interfaces["eth0"]].requests_sent == 0      # no ARP for it


def test_arp_probe_has_sender_zero_and_linux_answers_it_without_learning():
    sim, h1, h2, frames = lan()
    seen = []
    h1.ip.arps[h1.interfaces["eth0"]].watch = seen.append
    h1.ip.arps[h1.interfaces["eth0"]].probe(A("10.0.0.2"))
    sim.run(SECOND)
    probe = frames[0].payload
    assert (probe.oper, probe.spa, probe.tpa, str(probe.tha)) == (
        ARP_REQUEST, ZERO, A("10.0.0.2"), "00:00:00:00:00:00")
    assert str(frames[0].dst) == "ff:ff:ff:ff:ff:ff"
    assert len(seen) == 1
    reply = seen[0]
    assert (reply.oper, reply.spa, reply.tpa, reply.tha) == (
        ARP_REPLY, A("10.0.0.2"), ZERO, h1.interfaces["eth0"].mac)
    assert h2.ip.arps[h2.interfaces["eth0"]].table() == {}            # learnt nothing


def test_a_probe_for_another_address_is_not_answered():
    sim, h1, h2, _ = lan()
    seen = []
    h1.ip.arps[h1.interfaces["eth0"]].watch = seen.append
    h1.ip.arps[h1.interfaces["eth0"]].probe(A("10.0.0.77"))
    sim.run(SECOND)
    assert seen == []


def test_address_added_then_removed_at_run_time_with_its_routes():
    sim, h1, h2, _ = lan()
    eth = h1.interfaces["eth0"]
    arp = h1.ip.arps[eth]
    h1.ip.add_address(eth, IPv4Interface("10.0.0.5/24"))
    assert h1.ip.arps[eth] is arp and arp.address == A("10.0.0.5")
    h1.set_gateway(A("10.0.0.1"))
    sock, got = inbox_on(h2, 9)
    h1.udp.bind(0).sendto(b"hi", A("10.0.0.2"), 9)
    sim.run(SECOND)
    assert got == [("10.0.0.5", "10.0.0.2", b"hi", "eth0")]
    h1.ip.remove_address(eth)
    assert h1.ip.routes.routes() == [] and h1.ip.addresses == {}
    assert arp.address == ZERO and A("10.0.0.5") not in h1.ip.local
    assert A("10.0.0.255") not in h1.ip.broadcasts
    assert h1.udp.bind(0).sendto(b"hi", A("10.0.0.2"), 9).errno == Errno.ENETUNREACH
    assert str(h1.ip.routes.lookup(A("8.8.8.8"))) == "None"


def test_removing_one_of_two_addresses_keeps_the_other_subnets_broadcast():
    sim = Simulation(1)
    h = Host(sim, "h")
    a, b = h.add_interface("a"), h.add_interface("b")
    h.ip.add_address(a, IPv4Interface("10.0.0.5/24"))
    h.ip.add_address(b, IPv4Interface("10.0.0.6/24"))
    h.ip.remove_address(a)
    assert A("10.0.0.255") in h.ip.broadcasts and A("10.0.0.5") not in h.ip.local


def test_dev_send_ignores_routes_and_goes_on_link():
    """A server on a two-armed router answers out of the interface a broadcast came in
    on; ``dev`` ignores a route that would take the broadcast elsewhere."""
    sim, h1, h2, frames = lan()
    h2.ip.add_route(IPv4Network("0.0.0.0/0"), via=A("10.0.0.254"))
    h2.udp.bind(67).sendto(b"x", A("255.255.255.255"), 68, dev=h2.interfaces["eth0"])
    sim.run(MS * 10)
    assert h1.interfaces["eth0"].rx_frames == 1


def test_arp_watch_sees_requests_and_replies():
    sim, h1, h2, _ = lan()
    seen = []
    arp = h1.ip.arps[h1.interfaces["eth0"]]
    arp.watch = seen.append
    arp.receive(ArpPacket(ARP_REQUEST, h2.interfaces["eth0"].mac, A("10.0.0.2"),
                          h1.interfaces["eth0"].mac, A("10.0.0.3")))
    assert [p.spa for p in seen] == [A("10.0.0.2")]
    assert arp.replies_sent == 0                     # no address: nothing to answer
