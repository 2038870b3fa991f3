"""What the DHCP logic asks its driver to send."""

from dataclasses import dataclass
from ipaddress import IPv4Address

from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import DhcpMessage

__all__ = ["Transmit", "BROADCAST", "SECOND"]

BROADCAST = IPv4Address("255.255.255.255")
SECOND = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Transmit:
    """Send ``message`` in a UDP datagram to ``dst``:``port`` from ``src`` (port 68 for
    a client, 67 for a server or relay).

    ``src`` 0.0.0.0 is an address-less send (a client without a lease, RFC 2131
    §4.1). ``mac``, when set, is the link-layer destination to use without ARP: a
    reply unicast to a client that has no address yet (RFC 2131 §4.1, "unicasts
    DHCPOFFER and DHCPACK messages to the client hardware address and 'yiaddr'").
    ``via``, for a relay's reply, names the interface by its address (giaddr).
    """
    message: DhcpMessage
    dst: IPv4Address
    port: int
    src: IPv4Address = IPv4Address(0)
    mac: MacAddress | None = None
    via: IPv4Address | None = None
