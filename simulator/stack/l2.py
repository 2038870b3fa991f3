"""The Ethernet receive path of an end station: address filter, then demux.

A NIC accepts frames addressed to its own MAC, to broadcast, or to a
multicast group it joined; everything else a hub or a flooding switch
delivers is discarded. Accepted frames go to the handler registered for
their EtherType (demux as data, like scapy's ``bind_layers``).
"""

from typing import Callable

from simulator.wire.addr import MacAddress

BROADCAST = MacAddress.BROADCAST


class L2Demux:
    def __init__(self, node):
        self.node = node
        self.handlers: dict[int, Callable] = {}

    def register(self, ethertype: int, handler: Callable) -> None:
        """``handler(iface, payload)`` receives every accepted frame of ``ethertype``."""
        self.handlers[ethertype] = handler

    def receive(self, iface, frame) -> None:
        dst = frame.dst
        if dst != iface.mac and not (dst[0] & 1 and (dst == BROADCAST or dst in iface.multicast_macs)):
            iface.drops["L2_FILTERED"] += 1
            return
        handler = self.handlers.get(frame.ethertype)
        if handler is None:
            iface.drop(frame, "UNKNOWN_ETHERTYPE")
            return
        handler(iface, frame.payload)
