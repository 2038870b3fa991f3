"""ARP on one interface (RFC 826, with the timers of RFC 1122 §2.3.2.1).

- Resolution: a broadcast request; packets wait in a small per-destination
  queue (Linux ``unres_qlen``: when full, the oldest is dropped); the request
  is retried every ``retry_interval`` up to ``retries`` requests, then every
  waiting packet fails with NO_ARP_REPLY and is reported to its sender.
- Reception (RFC 826 "Packet Reception"): if the sender is already cached
  its entry is refreshed; if we are the target the sender is added (the
  target learns from the request) and a request gets a unicast reply.
- Entries expire ``timeout`` after they were learned; static entries never.
"""

from collections import deque
from dataclasses import dataclass, field

from simulator.engine.sim import Timer
from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ARP_REPLY, ARP_REQUEST, ArpPacket
from simulator.wire.ethernet import ETHERTYPE_ARP, ETHERTYPE_IPV4, EthernetFrame

SECOND = 1_000_000_000
ZERO_MAC = MacAddress(bytes(6))


@dataclass
class ArpConfig:
    timeout_ns: int = 60 * SECOND
    retries: int = 3
    retry_interval_ns: int = SECOND
    queue: int = 3
    static: dict = field(default_factory=dict)     # IPv4Address → MacAddress


class _Pending:
    __slots__ = ("packets", "requests", "timer")

    def __init__(self):
        self.packets: deque = deque()
        self.requests = 0
        self.timer: Timer | None = None


class Arp:
    def __init__(self, node, iface, address: IPv4Address, config: ArpConfig, on_failure):
        self.node = node
        self.iface = iface
        self.address = address
        self.config = config
        self.on_failure = on_failure       # on_failure(packet): resolution gave up
        # keyed by the address as an int: looked up for every packet sent, and
        # ipaddress objects hash slowly
        self.cache: dict[int, tuple[MacAddress, int | None]] = {
            int(ip): (mac, None) for ip, mac in config.static.items()}
        self.pending: dict[IPv4Address, _Pending] = {}
        self.requests_sent = self.replies_sent = 0

    def set_static(self, ip: IPv4Address, mac: MacAddress) -> None:
        """A permanent entry (``arp -s``): never expires, never overwritten."""
        self.cache[int(ip)] = (mac, None)

    def lookup(self, ip: IPv4Address) -> MacAddress | None:
        key = int(ip)
        entry = self.cache.get(key)
        if entry is None:
            return None
        mac, expires = entry
        if expires is not None and self.node.sim.env.now >= expires:
            del self.cache[key]
            return None
        return mac

    def output(self, packet, next_hop: IPv4Address, mac: MacAddress | None = None) -> None:
        """Send IPv4 ``packet`` to ``next_hop`` on this link, resolving it first if needed."""
        if mac is None:
            mac = self.lookup(next_hop)
        if mac is not None:
            self.iface.send(EthernetFrame(mac, self.iface.mac, ETHERTYPE_IPV4, packet))
            return
        pending = self.pending.get(next_hop)
        if pending is None:
            pending = self.pending[next_hop] = _Pending()
            pending.timer = Timer(self.node.sim, lambda: self._retry(next_hop))
            pending.packets.append(packet)
            self._request(next_hop, pending)
            return
        if len(pending.packets) >= self.config.queue:
            dropped = pending.packets.popleft()
            self.node.sim.tracer.drop(self.node.name, "arp", "ARP_QUEUE_FULL",
                                      info=dropped.info())
        pending.packets.append(packet)

    def _request(self, target: IPv4Address, pending: _Pending) -> None:
        pending.requests += 1
        self.requests_sent += 1
        request = ArpPacket(ARP_REQUEST, self.iface.mac, self.address, ZERO_MAC, target)
        self.iface.send(EthernetFrame(MacAddress.BROADCAST, self.iface.mac, ETHERTYPE_ARP, request))
        pending.timer.start(self.config.retry_interval_ns)

    def _retry(self, target: IPv4Address) -> None:
        pending = self.pending[target]
        if pending.requests < self.config.retries:
            self._request(target, pending)
            return
        del self.pending[target]
        for packet in pending.packets:
            self.node.sim.tracer.drop(self.node.name, "arp", "NO_ARP_REPLY",
                                      target=str(target), info=packet.info())
            self.on_failure(packet)

    def receive(self, iface, arp: ArpPacket) -> None:
        if arp.oper not in (ARP_REQUEST, ARP_REPLY) or arp.spa == IPv4Address(0):
            return
        for_me = arp.tpa == self.address
        if int(arp.spa) in self.cache or for_me:
            self._learn(arp.spa, arp.sha)
        if for_me and arp.oper == ARP_REQUEST:
            self.replies_sent += 1
            reply = ArpPacket(ARP_REPLY, self.iface.mac, self.address, arp.sha, arp.spa)
            self.iface.send(EthernetFrame(arp.sha, self.iface.mac, ETHERTYPE_ARP, reply))

    def _learn(self, ip: IPv4Address, mac: MacAddress) -> None:
        current = self.cache.get(int(ip))
        if current is not None and current[1] is None:
            return                                   # static entries stay as configured
        self.cache[int(ip)] = (mac, self.node.sim.env.now + self.config.timeout_ns)
        pending = self.pending.pop(ip, None)
        if pending is not None:
            pending.timer.cancel()
            for packet in pending.packets:
                self.output(packet, ip, mac)

    def table(self) -> dict[str, str]:
        return {str(IPv4Address(ip)): str(mac) for ip, (mac, _) in sorted(self.cache.items())}
