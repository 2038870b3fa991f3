"""Turn a validated ``Topology`` into live nodes and links.

The result is a ``Network``: the simulation, the nodes by name and the links.
"""

from simulator.nodes.host import Host
from simulator.nodes.hub import Hub
from simulator.nodes.l3switch import L3Switch
from simulator.nodes.nat import NatGateway
from simulator.nodes.router import Router
from simulator.nodes.switch import Switch
from simulator.engine.gc_pause import without_gc
from simulator.phy.link import Link
from simulator.scenario.dhcp_build import start_dhcp
from simulator.scenario.dns_build import start_dns
from simulator.scenario.web_build import start_web_services
from simulator.stack.arp import ZERO_IP, ArpConfig
from simulator.stack.icmp_ratelimit import IcmpRateLimitConfig
from simulator.wire.addr import MacAddress

PREAMBLE_AND_GAP = 8 + 12     # preamble + SFD, inter-frame gap (IEEE 802.3 §4.4.2)
ROUTERS = {"router": Router, "nat": NatGateway}


class Network:
    def __init__(self, sim, topology):
        self.sim = sim
        self.topology = topology
        self.nodes: dict = {}
        self.links: list[Link] = []
        self.routing = None          # AutoRouting, with `routing: auto`

    def interface(self, node: str, iface: str):
        return self.nodes[node].interfaces[iface]

    def find_link(self, a, b) -> Link | None:
        """The link between endpoints ``a`` and ``b`` (schema Endpoints: node, optional iface)."""
        for link in self.links:
            for x, y in ((link.a, link.b), (link.b, link.a)):
                if (x.node.name == a.node and y.node.name == b.node
                        and a.iface in (None, x.name) and b.iface in (None, y.name)):
                    return link
        return None


@without_gc()
def build(topology, sim) -> Network:
    net = Network(sim, topology)
    explicit_mtu: set = set()
    for name, spec in topology.nodes.items():
        node = net.nodes[name] = _make_node(sim, name, spec, explicit_mtu)
        if hasattr(spec, "reassembly_timeout"):
            node.ip.reassembler.timeout_ns = spec.reassembly_timeout
            reassembler = node.ip.reassembler
            reassembler.high_thresh = spec.reassembly_memory.high
            reassembler.low_thresh = spec.reassembly_memory.low
            node.ip.pmtu.expiry_ns = spec.pmtu_expiry
            node.icmp.ratelimit.configure(IcmpRateLimitConfig(
                spec.icmp_ratelimit, spec.icmp_ratemask, spec.icmp_msgs_per_sec, spec.icmp_msgs_burst))
        if getattr(spec, "tcp", None) is not None:
            node.tcp_config = spec.tcp.config()       # the node's `tcp:` settings
    between: dict[frozenset, int] = {}   # links so far between each pair of nodes
    for spec in topology.links:
        pair = frozenset((spec.ends[0].node, spec.ends[1].node))
        index = between[pair] = between.get(pair, -1) + 1
        params = topology.link_params(spec)
        a = _endpoint(net, spec.ends[0])
        b = _endpoint(net, spec.ends[1])
        for iface in (a, b):
            if iface not in explicit_mtu:
                iface.mtu = params.mtu
        link = Link(sim, a, b, rate=params.rate, delay=params.delay, mtu=params.mtu,
                    queue_packets=params.queue.packets, queue_bytes=params.queue.bytes,
                    loss=params.loss, corrupt=params.corrupt, duplicate=params.duplicate,
                    jitter=params.jitter, overhead_bytes=PREAMBLE_AND_GAP if params.preamble else 0,
                    up=spec.up, cost=spec.cost,
                    stream=f"{spec.ends[0].node}-{spec.ends[1].node}#{index}")
        net.links.append(link)
    for node in net.nodes.values():       # the interfaces come up: arp_notify announces
        for arp in getattr(getattr(node, "ip", None), "arps", {}).values():
            if arp.config.notify and arp.address != ZERO_IP:
                sim.call_later(0, lambda _, arp=arp: arp.announce())   # at t=0, traced
    for name, spec in topology.nodes.items():
        for route in getattr(spec, "routes", ()):
            node = net.nodes[name]
            dev = _ip_interface(node, route.dev) if route.dev else None
            node.ip.add_route(route.to, via=route.via, dev=dev, metric=route.metric)
    if topology.routing == "auto":
        from simulator.scenario.autoroute import AutoRouting   # and networkx: only when used

        net.routing = AutoRouting(net, topology.convergence)
    start_dns(net)
    start_dhcp(net)
    start_web_services(net)
    return net


def _arp_config(spec) -> ArpConfig:
    return ArpConfig(base_reachable_ns=spec.timeout, mcast_solicit=spec.retries,
                     retrans_ns=spec.retry_interval, unres_qlen_bytes=spec.queue,
                     static={ip: MacAddress(mac) for ip, mac in spec.static.items()},
                     notify=spec.notify)


def _make_node(sim, name, spec, explicit_mtu):
    if spec.type == "switch":
        return Switch(sim, name, aging_ns=spec.aging, table_size=spec.table_size,
                      processing_delay_ns=spec.processing_delay, stp=spec.stp,
                      priority=spec.priority)
    if spec.type == "hub":
        return Hub(sim, name)
    if spec.type == "l3switch":
        node = L3Switch(sim, name, aging_ns=spec.aging, table_size=spec.table_size,
                        processing_delay_ns=spec.processing_delay)
        for group, gspec in spec.groups.items():
            svi = node.add_group(group, gspec.ip, gspec.ports,
                                 mac=MacAddress(gspec.mac) if gspec.mac else None,
                                 mtu=gspec.mtu or 1500, arp=_arp_config(spec.arp))
            if gspec.mtu:
                explicit_mtu.update([svi, *(node.interfaces[p] for p in gspec.ports)])
        return node
    node = Host(sim, name) if spec.type == "host" else ROUTERS[spec.type](sim, name, spec.processing_delay)
    for iface_name, ispec in spec.interfaces.items():
        mac = MacAddress(ispec.mac) if ispec.mac else None
        if ispec.ip is None:              # ip: dhcp: attached, addressed by its lease
            iface = node.add_interface(iface_name, mac, ispec.mtu or 1500)
            node.ip.attach(iface, _arp_config(spec.arp))
        else:
            iface = node.add_ip_interface(iface_name, ispec.ip, mac=mac,
                                          mtu=ispec.mtu or 1500, arp=_arp_config(spec.arp))
        if ispec.mtu:
            explicit_mtu.add(iface)
    gateway = getattr(spec, "gateway", None)
    if gateway is not None and any(gateway in a.network for a in node.ip.addresses.values()):
        node.set_gateway(gateway)         # else on a DHCP subnet: set with the lease
    for group in getattr(spec, "multicast", ()):
        node.ip.join_group(group)
    return node


def _endpoint(net, end):
    node = net.nodes[end.node]
    if end.iface is not None:
        if end.iface in node.interfaces:
            return node.interfaces[end.iface]
        return node.add_interface(end.iface)          # a named switch or hub port
    if isinstance(node, (Switch, Hub)):
        return node.add_port()
    return next(i for i in node.interfaces.values() if i.channel is None)


def _ip_interface(node, name):
    """An interface by name among those holding an address (an L3 switch's SVIs too)."""
    return next(i for i in node.ip.addresses if i.name == name)
