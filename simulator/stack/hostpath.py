"""The host send fast path: a datagram to a resolved neighbour, fused.

Every datagram a host sends goes through ``IPv4.send``, ``IPv4.output``,
``IPv4._link_output``, ``Arp.output`` and ``Interface.send``: five calls, each
with its checks. ``HostSendPath.send`` does what they do for the common case of
a TCP segment or a UDP datagram, in one function, and hands anything else,
untouched, to ``IPv4.send``, which stays the reference:

- no ``dev`` and no ``link_dst`` (a DHCP client's or server's sends), TTL not 0;
- a route; a destination that is none of the node's own, broadcast or group
  addresses (``IPv4._accepted``) and not multicast; a source address given
  (TCP's segments) or the outgoing interface's;
- the datagram within the interface MTU, and with DF set (TCP's segments, RFC
  1191 PMTUD; a UDP socket's with ``df``) within the path MTU too: no EMSGSIZE,
  no fragmentation (with DF clear the path MTU plays no part, as in
  ``IPv4.output``); an interface with a link;
- the next hop's ARP entry usable as is (REACHABLE, DELAY, PROBE or PERMANENT:
  nothing to resolve, no STALE → DELAY transition).

Nothing is changed before the last check passes (the path MTU cache's lookup,
which may forget an expired entry, is one ``IPv4.send`` repeats with the same
answer), so a fallback sees exactly what the layered path would have seen.
``Simulation(fast_path=False)`` or ``NETSIM_FAST_PATH=0`` turns it off, as it does
the routers' (tests/scenario/test_fastpath_scenarios.py runs every shipped
scenario both ways and compares the outputs byte for byte).
"""

from simulator.stack.arp import FAILED, INCOMPLETE, STALE
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import IPv4Packet


class HostSendPath:
    """``send(...)``: ``IPv4.send``'s result for the same arguments, the common case
    fused (see the module docstring)."""

    __slots__ = ("ip", "env")

    def __init__(self, ip):
        self.ip = ip
        self.env = ip.sim.env

    def send(self, dst, protocol: int, payload, ttl: int | None = None, df: bool = False,
             src=None, dev=None, link_dst=None):
        ip = self.ip
        d = dst._ip                       # int(dst), without ipaddress's Python-level __int__
        route = None if dev is not None or link_dst is not None else ip.routes.lookup_int(d)
        if route is None or ttl == 0 or d in ip._accepted or d >> 28 == 0xE:
            return ip.send(dst, protocol, payload, ttl=ttl, df=df, src=src, dev=dev,
                           link_dst=link_dst)
        iface = route.iface
        mtu = iface.mtu
        if df:
            pmtu = ip.pmtu.get(dst)
            if pmtu is not None and pmtu < mtu:
                mtu = pmtu
        source = src
        if source is None:                # IPv4.send's choice: the outgoing interface's
            address = ip.addresses.get(iface)
            source = None if address is None else address.ip
        hop = route.via or dst
        neighbour = ip.arps[iface].cache.get(hop._ip)
        if (source is None or 20 + len(payload) > mtu or iface.channel is None or neighbour is None
                or neighbour.state is INCOMPLETE or neighbour.state is FAILED
                or neighbour.state is STALE):
            return ip.send(dst, protocol, payload, ttl=ttl, df=df, src=src)
        packet = IPv4Packet(source, dst, protocol, payload,
                            ttl=ip.default_ttl if ttl is None else ttl,
                            identification=ip.next_identification(), df=df)
        neighbour.used = self.env._now
        iface.send(EthernetFrame(neighbour.mac, iface.mac, ETHERTYPE_IPV4, packet))
        return None
