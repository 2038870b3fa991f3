"""The DHCP server running on a node (host, router or NAT gateway): a
:class:`DhcpServer` on UDP port 67 (docs/dhcp.md "The driver").

A request's ``local_ip`` is the address of the interface it came in on (the
stack's ``rx_iface``, IP_PKTINFO). A broadcast reply leaves by that interface; a
reply unicast to ``yiaddr`` goes to the client's MAC without ARP (RFC 2131 §4.1;
ISC dhcpd sends it on its packet socket); replies to a relay or to ``ciaddr`` are
routed as usual. Leases and held offers end at ``next_expiry()``.
"""

from simulator.apps.dhcp.server import DhcpServer
from simulator.apps.dhcp.transmit import BROADCAST
from simulator.apps.dhcp.wiring import decode, send, trace_events
from simulator.engine.sim import Timer
from simulator.wire.dhcp import SERVER_PORT

__all__ = ["DhcpServerNode"]


class DhcpServerNode:
    def __init__(self, node, server: DhcpServer):
        self.node, self.server = node, server
        self.sim = node.sim
        self.port = node.udp.bind(SERVER_PORT)
        self.port.on_datagram = self._datagram
        self.timer = Timer(self.sim, self._expire)
        self.send_errors = 0

    def _datagram(self, packet, datagram) -> None:
        iface = self.node.ip.rx_iface
        message = decode(self.node, datagram)
        address = self.node.ip.addresses.get(iface)
        if message is None or address is None:
            return
        for transmit in self.server.receive(message, self.sim.now, address.ip):
            on_link = transmit.dst == BROADCAST or transmit.mac is not None
            if send(self.node, self.port, transmit, iface if on_link else None) is not None:
                self.send_errors += 1
        self._arm()

    def _arm(self) -> None:
        due = self.server.next_expiry()
        if due is None:
            self.timer.cancel()
        else:
            self.timer.start_at(max(due, self.sim.now))

    def _expire(self) -> None:
        trace_events(self.node, self.server.expire(self.sim.now))
        self._arm()

    def summary(self) -> dict:
        """The ``services.<node>.dhcp_server`` entry of summary.json."""
        summary = self.server.summary()
        summary["counters"]["send_errors"] = self.send_errors
        summary["leases_bound"] = sum(1 for lease in summary["leases"] if lease["state"] == "bound")
        return summary
