"""netsim's side of the chain benchmark: the workload of baselines.py built from
the simulator's own nodes and links, carrying real Ethernet frames.

- ``netsim_switches``: source → 9 learning switches → sink (10 links).
- ``netsim_routers``: source → 9 routers → sink host (10 links). Each router
  checks the destination MAC, looks the destination up (LPM), decrements the
  TTL (a new header, fresh checksum), resolves the next hop with ARP and
  rewrites both MACs. The sink is a host whose UDP socket counts datagrams.

Both warm up first (the sink announces itself to the switches; one datagram
resolves every ARP on the router path), then time only the measured stream,
then assert that every frame arrived and that the last arrived exactly at its
analytic time.
"""

import time
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from simulator.engine.sim import Simulation
from simulator.nodes.host import Host
from simulator.nodes.node import Node
from simulator.nodes.router import Router
from simulator.nodes.switch import Switch
from simulator.phy.link import Link, serialization_ns
from simulator.wire.addr import MacAddress
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram

MS = 1_000_000
FRAME_BYTES = 1000                      # on the wire, header and FCS included
SOURCE_RATE = 100_000_000               # 100 Mbps offered load
HOP_RATE = 1_000_000_000                # 1 Gbps per hop
HOP_DELAY = MS                          # 1 ms per hop
GAP_NS = FRAME_BYTES * 8 * 1_000_000_000 // SOURCE_RATE
PER_HOP_NS = serialization_ns(FRAME_BYTES, HOP_RATE) + HOP_DELAY


class Source(Node):
    """Sends ``count`` copies of a frame at a constant bit rate."""

    def __init__(self, sim, name):
        super().__init__(sim, name)
        self.port = self.add_interface("eth0")
        self.frame, self.left = None, 0

    def send(self, frame, count):
        self.frame, self.left = frame, count
        self.sim.call_later(0, self._tick)

    def _tick(self, _event):
        self.port.send(self.frame)
        self.left -= 1
        if self.left:
            self.sim.call_later(GAP_NS, self._tick)

    def receive(self, iface, frame):
        pass


class Sink(Node):
    def __init__(self, sim, name):
        super().__init__(sim, name)
        self.port = self.add_interface("eth0")
        self.received, self.last_ns = 0, None

    def receive(self, iface, frame):
        self.received += 1
        self.last_ns = self.sim.env.now


def _link(sim, a, b):
    Link(sim, a, b, rate=HOP_RATE, delay=HOP_DELAY, queue_packets=1000)


def _measure(sim, start, counted, n_frames, hops, name):
    t0 = sim.now
    start()
    wall = time.perf_counter()
    sim.env.run()
    wall = time.perf_counter() - wall
    received, last_ns = counted()
    assert received == n_frames, (received, n_frames)
    assert last_ns == t0 + (n_frames - 1) * GAP_NS + hops * PER_HOP_NS, last_ns
    return {"name": name, "frames": n_frames, "hops": hops, "frame_hops": received * hops,
            "wall_s": wall, "hop_per_s": received * hops / wall}


def netsim_switches(n_frames: int, hops: int = 10) -> dict:
    sim = Simulation(1)
    sink = Sink(sim, "sink")
    frame = EthernetFrame(sink.port.mac, MacAddress.local(0xFFFFFF), 0x88B5, bytes(FRAME_BYTES - 18))
    assert frame.wire_len == FRAME_BYTES
    source = Source(sim, "src")
    left = source.port
    for i in range(1, hops):
        sw = Switch(sim, f"sw{i}")
        _link(sim, left, sw.add_port())
        left = sw.add_port()
    _link(sim, left, sink.port)
    sink.port.send(EthernetFrame(MacAddress.BROADCAST, sink.port.mac, 0x88B5, bytes(46)))
    sim.run(hops * 2 * HOP_DELAY)
    return _measure(sim, lambda: source.send(frame, n_frames),
                    lambda: (sink.received, sink.last_ns), n_frames, hops, "netsim (Switch nodes)")


def netsim_routers(n_frames: int, hops: int = 10) -> dict:
    """Subnet 10.0.k.0/24 joins hop k and k+1: source .2 on k=0, router i has
    10.0.(i-1).1 and 10.0.i.2, the sink host 10.0.(hops-1).1."""
    sim = Simulation(1)
    source = Source(sim, "src")
    routers = []
    left = source.port
    for i in range(1, hops):
        r = Router(sim, f"r{i}")
        _link(sim, left, r.add_ip_interface("e0", IPv4Interface(f"10.0.{i - 1}.1/24")))
        left = r.add_ip_interface("e1", IPv4Interface(f"10.0.{i}.2/24"))
        routers.append(r)
    sink = Host(sim, "sink")
    _link(sim, left, sink.add_ip_interface("eth0", IPv4Interface(f"10.0.{hops - 1}.1/24")))
    destination = IPv4Network(f"10.0.{hops - 1}.0/24")
    for i, r in enumerate(routers[:-1], start=1):
        r.ip.add_route(destination, via=IPv4Address(f"10.0.{i}.1"))
    counted = {"n": 0, "last": None}

    def on_datagram(packet, datagram):
        counted["n"] += 1
        counted["last"] = sim.env.now

    sink.udp.bind(9).on_datagram = on_datagram
    udp = UdpDatagram(5000, 9, bytes(FRAME_BYTES - 18 - 20 - 8))
    packet = IPv4Packet(IPv4Address("10.0.0.2"), IPv4Address(f"10.0.{hops - 1}.1"), PROTO_UDP,
                        udp, ttl=64)
    frame = EthernetFrame(routers[0].interfaces["e0"].mac, source.port.mac, ETHERTYPE_IPV4, packet)
    assert frame.wire_len == FRAME_BYTES
    source.send(frame, 1)                      # warm-up: resolves every ARP on the path
    sim.run(hops * 10 * HOP_DELAY)
    counted["n"] = 0
    return _measure(sim, lambda: source.send(frame, n_frames),
                    lambda: (counted["n"], counted["last"]), n_frames, hops,
                    "netsim (Router nodes)")


if __name__ == "__main__":
    print(netsim_switches(100_000))
    print(netsim_routers(100_000))
