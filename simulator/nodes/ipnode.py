"""A node with an IPv4 stack: L2 receive filter and demux, ARP per interface,
IPv4, ICMP and UDP, and the applications it runs. Hosts and routers are both
this; a router also forwards."""

from simulator.nodes.node import Node
from simulator.stack.arp import ArpConfig
from simulator.stack.icmp import Icmp
from simulator.stack.ipv4 import IPv4
from simulator.stack.l2 import L2Demux
from simulator.stack.udp import Udp
from simulator.wire.addr import IPv4Address, IPv4Interface, IPv4Network
from simulator.wire.ethernet import ETHERTYPE_ARP, ETHERTYPE_IPV4

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")


class IpNode(Node):
    def __init__(self, sim, name: str):
        super().__init__(sim, name)
        self.ip = IPv4(self)
        self.icmp = Icmp(self.ip)
        self.udp = Udp(self.ip, self.icmp)
        self.l2 = L2Demux(self)
        self.l2.register(ETHERTYPE_IPV4, self.ip.receive)
        self.l2.register(ETHERTYPE_ARP, self.ip.arp_receive)
        self.receive = self.l2.receive
        self.apps: list = []

    def add_ip_interface(self, name: str, address: IPv4Interface, mac=None, mtu: int = 1500,
                         arp: ArpConfig | None = None):
        iface = self.add_interface(name, mac, mtu)
        self.ip.add_address(iface, address, arp)
        return iface

    def set_gateway(self, gateway: IPv4Address) -> None:
        """The default route: everything off-link goes to ``gateway`` (RFC 1122 §3.3.1)."""
        self.ip.add_route(DEFAULT_ROUTE, via=gateway)
