"""A learning Ethernet switch: one 802.1D bridge over all its ports.

Store-and-forward: a frame is forwarded once its last bit has arrived, after
an optional processing delay.
"""

from simulator.nodes.node import Node, next_port_name
from simulator.stack.bridge import SECOND, Bridge


class Switch(Node):
    kind = "switch"

    def __init__(self, sim, name: str, aging_ns: int = 300 * SECOND, table_size: int = 8192,
                 processing_delay_ns: int = 0):
        super().__init__(sim, name)
        self.bridge = Bridge(sim, aging_ns=aging_ns, table_size=table_size)
        self.processing_delay_ns = processing_delay_ns
        if not processing_delay_ns:
            self.receive = self.bridge.forward

    def add_interface(self, name, mac=None, mtu=1500):
        port = super().add_interface(name, mac, mtu)
        self.bridge.ports.append(port)
        return port

    def add_port(self):
        return self.add_interface(next_port_name(self.interfaces))

    def receive(self, port, frame) -> None:
        self.sim.call_later(self.processing_delay_ns, self._forward_later, (port, frame))

    def _forward_later(self, event) -> None:
        self.bridge.forward(*event.value)

    def table(self) -> dict[str, str]:
        return self.bridge.table()
