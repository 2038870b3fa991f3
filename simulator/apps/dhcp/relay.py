"""A DHCP relay agent (RFC 2131 §4.1; BOOTP relay RFC 1542 §4), sans-I/O.

A BOOTREQUEST heard on a client subnet goes to every configured server with
``hops`` incremented and, when it is still 0.0.0.0, ``giaddr`` set to the address
of the interface it came in on; one with ``hops`` already at ``max_hops`` is
dropped (RFC 1542 §4.1.1). A BOOTREPLY from a server goes back out of the
interface whose address is its ``giaddr``: broadcast when the broadcast flag is
set, else unicast to ``yiaddr`` at the ``chaddr`` MAC, without ARP (RFC 1542
§4.1.2).
"""

from ipaddress import IPv4Address

from simulator.apps.dhcp.transmit import BROADCAST, Transmit
from simulator.wire.dhcp import (BOOTREPLY, BOOTREQUEST, CLIENT_PORT, SERVER_PORT, ZERO,
                                 DhcpMessage)

__all__ = ["DhcpRelay", "MAX_HOPS"]

MAX_HOPS = 16                    # RFC 1542 §4.1.1: discard above 16 (configurable lower)


class DhcpRelay:
    def __init__(self, servers, max_hops: int = MAX_HOPS):
        self.servers = tuple(IPv4Address(s) for s in servers)
        self.max_hops = max_hops
        self.counters = {"to_server": 0, "to_client": 0, "too_many_hops": 0,
                         "unknown_giaddr": 0}

    def from_client(self, message: DhcpMessage, iface_ip) -> list[Transmit]:
        """A request heard on the interface with address ``iface_ip``."""
        if message.op != BOOTREQUEST:
            return []
        if message.hops >= self.max_hops:
            self.counters["too_many_hops"] += 1
            return []
        iface_ip = IPv4Address(iface_ip)
        giaddr = message.giaddr if message.giaddr != ZERO else iface_ip
        relayed = message.replace(hops=message.hops + 1, giaddr=giaddr)
        self.counters["to_server"] += len(self.servers)
        return [Transmit(relayed, server, SERVER_PORT, src=iface_ip) for server in self.servers]

    def from_server(self, message: DhcpMessage, local_ips) -> list[Transmit]:
        """A reply to port 67; ``local_ips`` are the relay's interface addresses."""
        if message.op != BOOTREPLY:
            return []
        if message.giaddr not in set(local_ips):
            self.counters["unknown_giaddr"] += 1
            return []
        self.counters["to_client"] += 1
        giaddr = message.giaddr
        if message.broadcast or message.yiaddr == ZERO:
            return [Transmit(message, BROADCAST, CLIENT_PORT, src=giaddr, via=giaddr)]
        return [Transmit(message, message.yiaddr, CLIENT_PORT, src=giaddr,
                         mac=message.client_mac, via=giaddr)]
