"""A node with an IPv4 stack: L2 receive filter and demux, ARP per interface,
IPv4, ICMP, UDP and TCP, the sockets its applications open and the
applications it runs. Hosts and routers are both this; a router also forwards."""

from simulator.nodes.node import Node
from simulator.stack.arp import ArpConfig
from simulator.stack.icmp import Icmp
from simulator.stack.ipv4 import IPv4
from simulator.stack.l2 import L2Demux
from simulator.stack.pmtu import PmtuCache
from simulator.stack.sockets import TcpSocket
from simulator.stack.tcp.config import TcpConfig
from simulator.stack.tcp.layer import TcpLayer
from simulator.stack.udp import Udp
from simulator.stack.udp_socket import UdpSocket
from simulator.wire.addr import IPv4Address, IPv4Interface, IPv4Network
from simulator.wire.ethernet import ETHERTYPE_ARP, ETHERTYPE_IPV4

DEFAULT_ROUTE = IPv4Network("0.0.0.0/0")


class IpNode(Node):
    def __init__(self, sim, name: str):
        super().__init__(sim, name)
        self.ip = IPv4(self)
        self.icmp = Icmp(self.ip)
        self.udp = Udp(self.ip, self.icmp)
        # linux: what a host studied here would run; docs/sockets.md says why
        self.tcp = TcpLayer(self.ip, self.icmp, TcpConfig.profile("linux"))
        self.l2 = L2Demux(self)
        self.l2.register(ETHERTYPE_IPV4, self.ip.receive)
        self.l2.register(ETHERTYPE_ARP, self.ip.arp_receive)
        self.receive = self.l2.receive
        self.apps: list = []
        self.volatile: list = []       # forget() of each service's volatile state (a DNS cache)
        self.dns_caches: list = []     # flush() of each DNS cache on the node

    def reset_volatile(self) -> None:
        """What a power cycle loses: neighbour caches, learnt path MTUs, TCP
        connections (gone without a segment, see ``TcpLayer.power_off``), DNS caches
        and what services registered in :attr:`volatile`. Routes, addresses and
        static ARP entries are configuration and stay."""
        self.flush_arp()
        self.ip.pmtu = PmtuCache(self.sim, self.ip.pmtu.expiry_ns)
        self.tcp.power_off()
        self.flush_dns()
        for forget in self.volatile:
            forget()

    def flush_arp(self) -> None:
        for arp in self.ip.arps.values():
            arp.flush()

    def flush_dns(self) -> None:
        for flush in self.dns_caches:
            flush()

    @property
    def tcp_config(self) -> TcpConfig:
        """The TcpConfig new sockets start from (a socket may override it)."""
        return self.tcp.config

    @tcp_config.setter
    def tcp_config(self, config: TcpConfig) -> None:
        self.tcp.config = config

    def socket(self, kind: str):
        """A new socket: ``"tcp"`` (SOCK_STREAM) or ``"udp"`` (SOCK_DGRAM)."""
        if kind == "tcp":
            return TcpSocket(self, self.tcp.config)
        if kind == "udp":
            return UdpSocket(self)
        raise ValueError(f"socket kind {kind!r} is not 'tcp' or 'udp'")

    def add_ip_interface(self, name: str, address: IPv4Interface, mac=None, mtu: int = 1500,
                         arp: ArpConfig | None = None):
        iface = self.add_interface(name, mac, mtu)
        self.ip.add_address(iface, address, arp)
        return iface

    def set_gateway(self, gateway: IPv4Address) -> None:
        """The default route: everything off-link goes to ``gateway`` (RFC 1122 §3.3.1)."""
        self.ip.add_route(DEFAULT_ROUTE, via=gateway)
