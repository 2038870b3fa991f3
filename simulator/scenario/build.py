"""Turn a validated ``Topology`` into live nodes and links.

The result is a ``Network``: the simulation, the nodes by name, the links,
and a networkx graph of the topology (node attribute ``kind``, edge
attributes ``link`` and ``cost``) for routing and drawing.
"""

import networkx as nx

from simulator.nodes.host import Host
from simulator.nodes.hub import Hub
from simulator.nodes.switch import Switch
from simulator.phy.link import Link
from simulator.stack.arp import ArpConfig
from simulator.wire.addr import MacAddress


class Network:
    def __init__(self, sim, topology):
        self.sim = sim
        self.topology = topology
        self.nodes: dict = {}
        self.links: list[Link] = []
        self.graph = nx.Graph()

    def interface(self, node: str, iface: str):
        return self.nodes[node].interfaces[iface]

    def find_link(self, a: str, b: str) -> Link | None:
        data = self.graph.get_edge_data(a, b)
        return data["link"] if data else None


def build(topology, sim) -> Network:
    net = Network(sim, topology)
    explicit_mtu: set = set()
    for name, spec in topology.nodes.items():
        net.nodes[name] = _make_node(sim, name, spec, explicit_mtu)
        net.graph.add_node(name, kind=spec.type)
    for spec in topology.links:
        params = topology.link_params(spec)
        a = _endpoint(net, spec.ends[0])
        b = _endpoint(net, spec.ends[1])
        for iface in (a, b):
            if iface not in explicit_mtu:
                iface.mtu = params.mtu
        link = Link(sim, a, b, rate=params.rate, delay=params.delay, mtu=params.mtu,
                    queue_packets=params.queue.packets, queue_bytes=params.queue.bytes,
                    loss=params.loss, corrupt=params.corrupt, duplicate=params.duplicate,
                    jitter=params.jitter, up=spec.up, cost=spec.cost)
        net.links.append(link)
        net.graph.add_edge(a.node.name, b.node.name, link=link, cost=spec.cost)
    return net


def _arp_config(spec) -> ArpConfig:
    return ArpConfig(timeout_ns=spec.timeout, retries=spec.retries,
                     retry_interval_ns=spec.retry_interval, queue=spec.queue,
                     static={ip: MacAddress(mac) for ip, mac in spec.static.items()})


def _make_node(sim, name, spec, explicit_mtu):
    if spec.type == "switch":
        return Switch(sim, name, aging_ns=spec.aging, table_size=spec.table_size,
                      processing_delay_ns=spec.processing_delay)
    if spec.type == "hub":
        return Hub(sim, name)
    if spec.type == "host":
        node = Host(sim, name)
        interfaces = spec.interfaces or {"eth0": spec}
        for iface_name, ispec in interfaces.items():
            mac = MacAddress(ispec.mac) if ispec.mac else None
            iface = node.add_ip_interface(iface_name, ispec.ip, mac=mac,
                                          mtu=getattr(ispec, "mtu", None) or 1500,
                                          arp=_arp_config(spec.arp))
            if getattr(ispec, "mtu", None):
                explicit_mtu.add(iface)
        if spec.gateway is not None:
            node.set_gateway(spec.gateway)
        for group in spec.multicast:
            node.ip.join_group(group)
        return node
    raise NotImplementedError(f"node type {spec.type!r}")


def _endpoint(net, end):
    node = net.nodes[end.node]
    if end.iface is not None:
        if end.iface in node.interfaces:
            return node.interfaces[end.iface]
        return node.add_interface(end.iface)          # a named switch or hub port
    if isinstance(node, (Switch, Hub)):
        return node.add_port()
    return next(i for i in node.interfaces.values() if i.channel is None)
