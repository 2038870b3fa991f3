"""The Ethernet receive path of an end station: address filter, then demux.

A NIC accepts frames addressed to its own MAC, to broadcast, or to a
multicast group it joined; everything else a hub or a flooding switch
delivers is discarded (``L2_FILTERED``). Accepted frames go to the handler
registered for their EtherType (demux as data, like scapy's ``bind_layers``),
with whether the frame was a link-layer broadcast or multicast (Linux's
``skb->pkt_type``): ARP and IP rules depend on it (RFC 1122 §3.2.2, RFC 1812
§5.3.4).
"""

from typing import Callable

from simulator.engine.drops import Drop
from simulator.wire.addr import MacAddress

BROADCAST = MacAddress.BROADCAST


class L2Demux:
    def __init__(self, node):
        self.node = node
        self.handlers: dict[int, Callable] = {}

    def register(self, ethertype: int, handler: Callable) -> None:
        """``handler(iface, payload, link_group)`` receives every accepted frame of
        ``ethertype``; ``link_group`` is true for a broadcast or multicast frame."""
        self.handlers[ethertype] = handler

    def receive(self, iface, frame) -> None:
        dst = frame.dst
        group = dst[0] & 1
        if dst != iface.mac and not (group and (dst == BROADCAST or dst in iface.multicast_macs)):
            iface.drop(frame, Drop.L2_FILTERED, "l2")
            return
        handler = self.handlers.get(frame.ethertype)
        if handler is None:
            iface.drop(frame, Drop.UNKNOWN_ETHERTYPE, "l2")
            return
        handler(iface, frame.payload, bool(group))
