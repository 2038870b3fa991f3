"""A layer-3 switch: ports grouped into subnets, switched within a group and
routed between groups.

Each group is an 802.1D bridge over its ports plus one routed interface
(an SVI, "switch virtual interface") holding the group's gateway address
and its own MAC. Frames inside a group are switched by MAC; frames sent to
the SVI's MAC (hosts' traffic for other subnets, ARP for the gateway) go up
to the IP stack, which routes them out of another group's SVI. It reads
both the Ethernet and the IP header, as a router on a stick would, but
without a wire between the switch and the router.
"""

from simulator.nodes.ipnode import IpNode
from simulator.phy.nic import Interface
from simulator.stack.bridge import SECOND, Bridge
from simulator.stack.forward import Forwarder
from simulator.wire.addr import MacAddress


class _UpPort:
    """The SVI as the bridge sees it: sending to it means handing the frame up."""

    def __init__(self, svi):
        self.svi = svi
        self.name = svi.name

    def send(self, frame) -> None:
        svi = self.svi
        svi.rx_frames += 1
        svi.rx_bytes += frame.wire_len
        svi.node.l2.receive(svi, frame)


class RoutedInterface(Interface):
    """A group's SVI: frames the IP stack sends through it enter the group's bridge."""

    __slots__ = ("bridge", "port")

    def send(self, frame) -> None:
        self.tx_frames += 1
        self.tx_bytes += frame.wire_len
        self.bridge.forward(self.port, frame)


class L3Switch(IpNode):
    kind = "l3switch"

    def __init__(self, sim, name: str, aging_ns: int = 300 * SECOND, table_size: int = 8192,
                 processing_delay_ns: int = 0):
        super().__init__(sim, name)
        self.ip.forwarder = Forwarder(self.ip, processing_delay_ns)
        self.aging_ns, self.table_size = aging_ns, table_size
        self.groups: dict[str, RoutedInterface] = {}
        self._port_bridge: dict = {}
        self.receive = self._switch        # ports feed their group's bridge, not the IP stack

    def add_group(self, name: str, address, ports: list[str], mac=None, mtu: int = 1500, arp=None):
        """A subnet: its SVI with ``address`` and the named ports, created here."""
        svi = RoutedInterface(self, name, mac or MacAddress.local(self.sim.next_mac_index()), mtu)
        svi.port = _UpPort(svi)
        svi.bridge = Bridge(self.sim, [svi.port], self.aging_ns, self.table_size)
        self.groups[name] = svi
        for port_name in ports:
            port = self.add_interface(port_name, mtu=mtu)
            svi.bridge.ports.append(port)
            self._port_bridge[port] = svi.bridge
        self.ip.add_address(svi, address, arp)
        return svi

    def _switch(self, port, frame) -> None:
        self._port_bridge[port].forward(port, frame)

    def counters(self) -> dict:
        counters = super().counters()
        for name, svi in self.groups.items():
            counters[name] = {"tx_frames": svi.tx_frames, "tx_bytes": svi.tx_bytes,
                              "rx_frames": svi.rx_frames, "rx_bytes": svi.rx_bytes}
        return counters
