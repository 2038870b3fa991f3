"""A network interface card: MAC address, MTU, counters, capture taps.

The NIC's transmit queue lives in the outgoing ``Channel`` of the link it is
plugged into (see ``link.py``): the link's ``queue`` setting sizes it.
"""

from collections import Counter

from simulator.engine.drops import Drop
from simulator.phy.faults import CorruptedFrame
from simulator.wire.addr import MacAddress
from simulator.wire.errors import DecodeError


class Interface:
    __slots__ = ("node", "name", "mac", "mtu", "channel", "link", "captures",
                 "tx_frames", "tx_bytes", "rx_frames", "rx_bytes", "drops", "multicast_macs",
                 "forwarded")

    def __init__(self, node, name: str, mac: MacAddress, mtu: int = 1500):
        self.node = node
        self.name = name
        self.mac = mac
        self.mtu = mtu
        self.channel = None      # outgoing direction of the attached link
        self.link = None
        self.captures = []       # PcapWriter taps: tx at first bit out, rx at last bit in
                                 # (a hub port: at the first bit, see Hub)
        self.tx_frames = self.tx_bytes = self.rx_frames = self.rx_bytes = 0
        self.forwarded = 0       # packets routed out of this interface for others
        self.drops: Counter[str] = Counter()
        self.multicast_macs: set[MacAddress] = set()

    @property
    def label(self) -> str:
        return f"{self.node.name}:{self.name}"

    def send(self, frame) -> None:
        """Hand a frame to the link's transmitter (queue, serialize, propagate)."""
        if self.channel is None:
            self.drop(frame, Drop.NO_CARRIER)
        else:
            self.channel.send(frame)

    def deliver(self, frame) -> None:
        """The last bit of ``frame`` has arrived: count, capture, pass up."""
        if frame.__class__ is CorruptedFrame:
            self._deliver_bytes(frame)
            return
        self.rx_frames += 1
        self.rx_bytes += frame.wire_len
        if self.captures:
            now = self.node.sim.now
            for tap in self.captures:
                tap.write(now, frame)
        self.node.receive(self, frame)

    def _deliver_bytes(self, frame: CorruptedFrame) -> None:
        """A frame that is only bytes (damaged in flight): the capture records it as it
        arrived, bad FCS included, as a NIC capturing with FCS does; then the FCS check
        drops it (IEEE 802.3 §3.2.9). A repeater (hub) passes it on unchecked."""
        now = self.node.sim.now
        for tap in self.captures:
            tap.write(now, frame)
        if not self.node.repeater:
            if not frame.fcs_ok():
                self.drop(frame, Drop.BAD_FCS)
                return
            try:
                frame = frame.decode()
            except DecodeError as error:
                self.drop(frame, Drop.MALFORMED, error=str(error))
                return
        self.rx_frames += 1
        self.rx_bytes += frame.wire_len
        self.node.receive(self, frame)

    def drop(self, frame, reason: Drop, layer: str = "phy", **fields) -> None:
        """Count a frame or packet discarded at this interface and trace it with its reason."""
        self.drops[reason] += 1
        self.node.sim.tracer.drop(self.node.name, layer, reason, frame, **{"if": self.name},
                                  **fields)

    def __repr__(self) -> str:
        return f"<Interface {self.label} {self.mac}>"
