"""A learning Ethernet switch: one 802.1D bridge over all its ports, optionally
running spanning tree (``stp=True``, see :mod:`simulator.stack.stp`).

Store-and-forward: a frame is forwarded once its last bit has arrived, after
an optional processing delay. With spanning tree, BPDUs (to 01:80:c2:00:00:00)
go to the protocol and are never forwarded; other frames are forwarded only
from and to forwarding ports (a learning port learns their source, then drops
them, as a blocking or listening one does: ``STP_DISCARDING``). A switch
without spanning tree floods BPDUs like any multicast, as an unmanaged switch does.
"""

from simulator.engine.drops import Drop
from simulator.nodes.node import Node, next_port_name
from simulator.stack.bridge import SECOND, Bridge
from simulator.stack.fastpath import BridgeFastPath
from simulator.stack.stp import FORWARDING, LEARNING, SpanningTree
from simulator.wire.stp import STP_GROUP


class Switch(Node):
    kind = "switch"

    def __init__(self, sim, name: str, aging_ns: int = 300 * SECOND, table_size: int = 8192,
                 processing_delay_ns: int = 0, stp: bool = False, priority: int = 32768):
        super().__init__(sim, name)
        self.bridge = Bridge(sim, aging_ns=aging_ns, table_size=table_size)
        self.processing_delay_ns = processing_delay_ns
        self.stp = SpanningTree(self, priority) if stp else None
        self._forward = self._forward_after_delay if processing_delay_ns else self.bridge.forward
        if self.stp is not None:
            self.receive = self._receive_stp
            sim.call_later(0, lambda _event: self.stp.start())
        elif sim.fast_path and not processing_delay_ns:
            self.receive = BridgeFastPath(self.bridge).receive     # falls back to forward
        else:
            self.receive = self._forward

    def add_interface(self, name, mac=None, mtu=1500):
        port = super().add_interface(name, mac, mtu)
        if self.stp is not None:
            self.stp.add_port(port)
        else:
            self.bridge.ports.append(port)
        return port

    def add_port(self):
        return self.add_interface(next_port_name(self.interfaces))

    def _receive_stp(self, port, frame) -> None:
        if frame.dst == STP_GROUP:
            self.stp.receive(port, frame)
            return
        state = self.stp.ports[port].state
        if state == FORWARDING:
            self._forward(port, frame)
            return
        if state == LEARNING:
            self.bridge.learn(frame.src, port)
        port.drop(frame, Drop.STP_DISCARDING, "stp")

    def _forward_after_delay(self, port, frame) -> None:
        self.sim.call_later(self.processing_delay_ns, self._forward_later, (port, frame))

    def _forward_later(self, event) -> None:
        self.bridge.forward(*event.value)

    def table(self) -> dict[str, str]:
        return self.bridge.table()
