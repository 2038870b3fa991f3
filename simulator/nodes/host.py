"""An end host (RFC 1122): an IP node that never forwards. Frames arrive at
:class:`HostReceivePath` first, which hands a datagram for the host straight to its
protocol and the rest to the layered path (simulator/stack/hostpath.py)."""

from simulator.nodes.ipnode import IpNode
from simulator.stack.hostpath import HostReceivePath


class Host(IpNode):
    kind = "host"

    def __init__(self, sim, name: str):
        super().__init__(sim, name)
        if sim.fast_path:             # the common case fused; anything else: l2.receive
            self.receive = HostReceivePath(self).receive
