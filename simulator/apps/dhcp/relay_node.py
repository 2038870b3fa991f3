"""The DHCP relay agent running on a router or L3 switch: a :class:`DhcpRelay` on UDP
port 67 (docs/dhcp.md "The driver"; RFC 1542 §4).

A BOOTREQUEST broadcast on a client-side interface (``interfaces``, default all) is
relayed with ``giaddr`` set to that interface's address; a BOOTREPLY sent to one of
the router's addresses goes back out of the interface whose address is its
``giaddr``: broadcast, or to the client's MAC without ARP.
"""

from simulator.apps.dhcp.relay import DhcpRelay
from simulator.apps.dhcp.wiring import decode, send
from simulator.wire.dhcp import BOOTREPLY, BOOTREQUEST, SERVER_PORT

__all__ = ["DhcpRelayNode"]


class DhcpRelayNode:
    def __init__(self, node, relay: DhcpRelay, interfaces=None):
        self.node, self.relay = node, relay
        self.interfaces = None if interfaces is None else set(interfaces)   # names
        self.port = node.udp.bind(SERVER_PORT)
        self.port.on_datagram = self._datagram
        self.send_errors = 0

    def _datagram(self, packet, datagram) -> None:
        ip = self.node.ip
        iface = ip.rx_iface
        message = decode(self.node, datagram)
        if message is None or iface not in ip.addresses:
            return
        if message.op == BOOTREQUEST:
            if self.interfaces is not None and iface.name not in self.interfaces:
                return
            sends = self.relay.from_client(message, ip.addresses[iface].ip)
        elif message.op == BOOTREPLY:
            sends = self.relay.from_server(message, [a.ip for a in ip.addresses.values()])
        else:
            return
        for transmit in sends:
            dev = None
            if transmit.via is not None:
                dev = next(i for i, a in ip.addresses.items() if a.ip == transmit.via)
            if send(self.node, self.port, transmit, dev) is not None:
                self.send_errors += 1

    def summary(self) -> dict:
        """The ``services.<node>.dhcp_relay`` entry of summary.json."""
        return {"servers": [str(s) for s in self.relay.servers],
                "counters": {**self.relay.counters, "send_errors": self.send_errors}}
