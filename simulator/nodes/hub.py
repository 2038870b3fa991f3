"""A hub: a multiport repeater. Every frame goes out of every other port.

A real hub repeats bits as they arrive, so a frame leaves the other ports
while it is still coming in: this model forwards cut-through (the outgoing
frame starts when the incoming one's first bit arrived). Collisions
(CSMA/CD) are not modelled: a port that is busy queues the frame.
"""

from simulator.nodes.node import Node, next_port_name


class Hub(Node):
    kind = "hub"

    def add_port(self):
        return self.add_interface(next_port_name(self.interfaces))

    def receive(self, port, frame) -> None:
        head_start = port.link.peer(port).channel.tx_time(frame.wire_len)
        for out in self.interfaces.values():
            if out is not port and out.channel is not None:
                out.channel.send(frame, head_start)
