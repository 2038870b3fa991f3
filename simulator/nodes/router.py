"""An IPv4 router (RFC 1812): an IP node whose IPv4 layer forwards.

Interfaces each have an address and MTU; routes are connected ones, static
ones from the topology (``to``, ``via``, ``dev``, ``metric``) and, with
``routing: auto``, shortest-path routes computed from the graph. Frames
arrive at :class:`RouterFastPath` first, which forwards the common case and
hands the rest to the layered path (simulator/stack/fastpath.py).
"""

from simulator.nodes.ipnode import IpNode
from simulator.stack.fastpath import RouterFastPath
from simulator.stack.forward import Forwarder


class Router(IpNode):
    kind = "router"

    def __init__(self, sim, name: str, processing_delay_ns: int = 0):
        super().__init__(sim, name)
        self.ip.forwarder = Forwarder(self.ip, processing_delay_ns)
        if sim.fast_path:             # the common case fused; anything else: l2.receive
            self.receive = RouterFastPath(self).receive
