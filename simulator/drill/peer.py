"""The scripted peer: the far end of the host's only link.

It answers for every remote address (packetdrill's tun device does the same),
hands each frame the host sends to the runner, byte-decoded from its packed
form (so the host's bytes are what is checked, checksums included), and
injects the segments the script writes with ``<``: straight into the host's
interface, handled at once as a kernel handles a tun write, so an event on
the next script line at the same time already sees its effect.
"""

from collections import deque

from simulator.nodes.node import Node
from simulator.wire.errors import DecodeError
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import PROTO_TCP, IPv4Packet


class Captured:
    """One frame the host sent: its decoded IPv4 packet and arrival time."""

    __slots__ = ("time_ns", "packet", "error")

    def __init__(self, time_ns: int, packet, error: str | None = None):
        self.time_ns = time_ns
        self.packet = packet
        self.error = error


class ScriptedPeer(Node):
    kind = "peer"

    def __init__(self, sim, name: str = "peer"):
        super().__init__(sim, name)
        self.iface = self.add_interface("eth0")
        self.host_iface = None
        self.captured: deque[Captured] = deque()
        self.on_capture = None           # called after each capture (wakes the runner)

    def receive(self, iface, frame) -> None:
        if frame.ethertype != ETHERTYPE_IPV4:
            return                       # static ARP: nothing else is expected
        try:
            packet = IPv4Packet.unpack(frame.payload.pack())
            error = None
            if packet.protocol == PROTO_TCP and not packet.payload.verify_checksum(
                    packet.src, packet.dst):
                error = "bad outbound TCP checksum"
        except (DecodeError, ValueError, AttributeError) as exc:
            packet, error = None, f"undecodable outbound packet: {exc}"
        self.captured.append(Captured(self.sim.now, packet, error))
        if self.on_capture is not None:
            self.on_capture()

    def inject(self, packet: IPv4Packet) -> None:
        self.host_iface.deliver(
            EthernetFrame(self.host_iface.mac, self.iface.mac, ETHERTYPE_IPV4, packet))
