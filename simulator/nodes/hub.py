"""A hub: a multiport repeater. Every frame goes out of every other port.

A real hub repeats bits as they arrive, so a frame leaves the other ports
while it is still coming in: the link hands a frame to a hub at its first
bit (``Node.repeater``), and the hub starts it on every other port at once
(cut-through). A repeater does not check the FCS: a damaged frame is
repeated damaged, and the stations behind the hub drop it. Collisions
(CSMA/CD) are not modelled: a port that is busy queues the frame.
"""

from simulator.nodes.node import Node, next_port_name


class Hub(Node):
    kind = "hub"
    repeater = True

    def add_port(self):
        return self.add_interface(next_port_name(self.interfaces))

    def receive(self, port, frame) -> None:
        for out in self.interfaces.values():
            if out is not port and out.channel is not None:
                out.channel.send(frame)
