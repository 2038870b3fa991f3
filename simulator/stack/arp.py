"""ARP on one interface (RFC 826) with Linux's neighbour states (RFC 1122 §2.3.2).

The states and defaults are Linux's (net/core/neighbour.c, net/ipv4/arp.c):

- INCOMPLETE: resolving. ``mcast_solicit`` (3) broadcast requests,
  ``retrans_time`` (1 s) apart; packets wait in a queue of at most
  ``unres_qlen_bytes`` (212992, SK_WMEM_MAX), the oldest dropped first
  (``ARP_QUEUE_FULL``). No reply ``retrans_time`` after the last request:
  FAILED, and every waiting packet fails (``NO_ARP_REPLY``, Host Unreachable).
- REACHABLE: confirmed within ``reachable_time``, a random 0.5–1.5 ×
  ``base_reachable_time`` (30 s) per interface, drawn again every 300 s
  (``neigh_rand_reach_time``). A unicast ARP reply confirms, and so can an
  upper layer through :meth:`Arp.confirm` (TCP on an ACK that advances).
- STALE: reachable_time ran out, or the entry was learnt from a request or a
  broadcast; it is still used as is. Used within the last
  ``delay_first_probe_time`` when REACHABLE runs out: DELAY at once.
- DELAY: the first packet to a STALE entry goes out and starts
  ``delay_first_probe_time`` (5 s); confirmed meanwhile → REACHABLE, else PROBE.
- PROBE: ``ucast_solicit`` (3) requests unicast to the cached MAC,
  ``retrans_time`` apart, while packets keep going to it; a reply →
  REACHABLE, none → FAILED. The next packet starts a broadcast resolution.
- PERMANENT: a static entry (``arp -s``).

Reception follows ``arp_process``: a request for our address creates or
refreshes the sender as STALE (a valid entry with the same MAC keeps its
state) and gets a unicast reply; any other ARP updates an existing entry
only, to REACHABLE for a reply sent to our MAC, STALE otherwise. A
different MAC replaces a valid one only ``locktime`` (1 s) after its last
update (Linux keeps the first of several back-to-back replies), except for a
gratuitous ARP, which replaces it at once. With ``notify`` (Linux ``arp_notify``,
default off) an interface announces its address when it comes up (``announce``).
No entry is garbage-collected, as in Linux below ``gc_thresh1`` (128) entries:
its periodic collector (``neigh_periodic_work``) removes STALE and FAILED entries
unused for ``gc_stale_time`` (60 s) only while the node's table holds at least that
many; that regime, and the forced collection at gc_thresh2/3, is not modelled.

Address conflict detection (RFC 5227 §2.1): ``probe`` sends a request with
sender address 0.0.0.0; a probe for our own address is answered (Linux
``arp_process`` for ``sip == 0``) and teaches nothing. ``watch``, when set, sees
every ARP packet the interface receives, as a DHCP client probing an offered
address must.
"""

from collections import deque
from dataclasses import dataclass, field

from simulator.engine.drops import Drop
from simulator.engine.sim import Timer
from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ARP_REPLY, ARP_REQUEST, HTYPE_ETHERNET, PTYPE_IPV4, ArpPacket
from simulator.wire.ethernet import ETHERTYPE_ARP, ETHERTYPE_IPV4, EthernetFrame

SECOND = 1_000_000_000
ZERO_MAC = MacAddress(bytes(6))
ZERO_IP = IPv4Address(0)
RANDOMIZE_EVERY_NS = 300 * SECOND       # neigh_periodic_work redraws reachable_time

INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED, PERMANENT = (
    "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "PERMANENT")
VALID = frozenset({REACHABLE, STALE, DELAY, PROBE})        # NUD_VALID minus PERMANENT
# sent to as is (nothing to resolve, no STALE → DELAY): what the fast paths take
USABLE = frozenset({REACHABLE, DELAY, PROBE, PERMANENT})


@dataclass
class ArpConfig:
    """Linux's ``/proc/sys/net/ipv4/neigh/<dev>/`` knobs, same names, same defaults."""
    base_reachable_ns: int = 30 * SECOND
    retrans_ns: int = SECOND
    delay_first_probe_ns: int = 5 * SECOND
    mcast_solicit: int = 3
    ucast_solicit: int = 3
    unres_qlen_bytes: int = 212_992
    locktime_ns: int = SECOND
    static: dict = field(default_factory=dict)     # IPv4Address → MacAddress
    notify: bool = False                           # conf/<dev>/arp_notify: announce on device up


class Neighbour:
    __slots__ = ("ip", "mac", "state", "confirmed", "used", "updated", "probes",
                 "queue", "queue_bytes", "timer")

    def __init__(self, ip: IPv4Address, state: str):
        self.ip = ip
        self.mac: MacAddress | None = None
        self.state = state
        self.confirmed = self.used = self.updated = 0
        self.probes = 0                   # requests sent in INCOMPLETE or PROBE
        self.queue: deque = deque()
        self.queue_bytes = 0
        self.timer: Timer | None = None


class Arp:
    def __init__(self, node, iface, address: IPv4Address, config: ArpConfig, on_failure):
        self.node = node
        self.sim = node.sim
        self.iface = iface
        self.address = address
        self.config = config
        self.on_failure = on_failure       # on_failure(packet): resolution gave up
        # keyed by the address as an int: looked up for every packet sent, and
        # ipaddress objects hash slowly
        self.cache: dict[int, Neighbour] = {}
        for ip, mac in config.static.items():
            self.set_static(ip, mac)
        self.requests_sent = self.replies_sent = 0
        self.watch = None                  # watch(arp_packet): sees every ARP received
        self._rng = self.sim.rng.lazy(f"arp:{iface.label}:reachable")
        self._reachable_ns = 0
        self._drawn_at: int | None = None

    def set_static(self, ip: IPv4Address, mac: MacAddress) -> None:
        """A PERMANENT entry (``arp -s``): never expires, never overwritten. Packets
        waiting for ``ip`` to resolve leave at once."""
        n = self.cache.get(int(ip))
        if n is None:
            n = self.cache[int(ip)] = Neighbour(ip, FAILED)
        n.mac = mac
        self._enter(n, PERMANENT)
        self._send_waiting(n)

    def reachable_time(self) -> int:
        """This interface's reachable_time: uniform in [0.5, 1.5) × base, redrawn every 300 s."""
        now = self.sim.now
        if self._drawn_at is None or now - self._drawn_at >= RANDOMIZE_EVERY_NS:
            base = self.config.base_reachable_ns
            self._reachable_ns = self._rng.randrange(base) + base // 2
            self._drawn_at = now
        return self._reachable_ns

    # -- sending -------------------------------------------------------------------
    def output(self, packet, next_hop: IPv4Address, mac: MacAddress | None = None) -> None:
        """Send IPv4 ``packet`` to ``next_hop`` on this link, resolving it first if needed."""
        if mac is None:
            n = self.cache.get(int(next_hop))
            if n is None or n.state is INCOMPLETE or n.state is FAILED:
                self._resolve(packet, next_hop, n)
                return
            n.used = self.sim.now
            if n.state is STALE:          # neigh_event_send: STALE → DELAY, sent meanwhile
                self._enter(n, DELAY, self.config.delay_first_probe_ns)
            mac = n.mac
        self.iface.send(EthernetFrame(mac, self.iface.mac, ETHERTYPE_IPV4, packet))

    def _resolve(self, packet, next_hop: IPv4Address, n: Neighbour | None) -> None:
        if n is None:
            n = self.cache[int(next_hop)] = Neighbour(next_hop, FAILED)
        limit = self.config.unres_qlen_bytes
        while n.queue and n.queue_bytes + packet.total_len > limit:
            dropped = n.queue.popleft()
            n.queue_bytes -= dropped.total_len
            self.sim.tracer.drop(self.node.name, "arp", Drop.ARP_QUEUE_FULL, dropped)
        n.queue.append(packet)            # even alone over the limit, as Linux does
        n.queue_bytes += packet.total_len
        if n.state is FAILED:             # NONE/FAILED → INCOMPLETE, first request at once
            if self.sim.tracer.on:
                self._trace_state(n, INCOMPLETE)
            n.state = INCOMPLETE
            n.probes = 0
            self._solicit(n)

    def _solicit(self, n: Neighbour) -> None:
        """One request: broadcast while INCOMPLETE, unicast to the cached MAC in PROBE."""
        n.probes += 1
        self.requests_sent += 1
        if n.state is PROBE:
            dst, target_mac = n.mac, n.mac
        else:
            dst, target_mac = MacAddress.BROADCAST, ZERO_MAC
        request = ArpPacket(ARP_REQUEST, self.iface.mac, self.address, target_mac, n.ip)
        self.iface.send(EthernetFrame(dst, self.iface.mac, ETHERTYPE_ARP, request))
        self._arm(n, self.config.retrans_ns)

    def probe(self, target: IPv4Address) -> None:
        """An ARP probe (RFC 5227 §2.1.1): a broadcast request for ``target`` with
        sender address 0.0.0.0 and target MAC zero, so no one's cache learns from it."""
        self.requests_sent += 1
        request = ArpPacket(ARP_REQUEST, self.iface.mac, ZERO_IP, ZERO_MAC, target)
        self.iface.send(EthernetFrame(MacAddress.BROADCAST, self.iface.mac, ETHERTYPE_ARP,
                                      request))

    def announce(self) -> None:
        """A gratuitous ARP (Linux ``inetdev_send_gratuitous_arp``, RFC 5227 §3): a
        broadcast request with sender and target both our address, target MAC zero.
        Linux sends one when the device comes up if ``arp_notify`` is set, not when
        an address is added to a device already up."""
        self.requests_sent += 1
        request = ArpPacket(ARP_REQUEST, self.iface.mac, self.address, ZERO_MAC, self.address)
        self.iface.send(EthernetFrame(MacAddress.BROADCAST, self.iface.mac, ETHERTYPE_ARP,
                                      request))

    def _arm(self, n: Neighbour, delay_ns: int) -> None:
        if n.timer is None:
            n.timer = Timer(self.sim, lambda: self._timer(n))
        n.timer.start(delay_ns)

    def _enter(self, n: Neighbour, state: str, timer_ns: int | None = None) -> None:
        if self.sim.tracer.on:
            self._trace_state(n, state)
        n.state = state
        n.updated = self.sim.now
        if timer_ns is not None:
            self._arm(n, timer_ns)
        elif n.timer is not None:
            n.timer.cancel()

    def _trace_state(self, n: Neighbour, state: str) -> None:
        """``arp_state``: an entry changes state (or MAC); ``was`` None for a new entry."""
        new = n.state is FAILED and n.updated == 0 and not n.probes
        self.sim.tracer.emit(self.node.name, "arp", "arp_state", **{"if": self.iface.name},
                             ip=str(n.ip), mac=None if n.mac is None else str(n.mac),
                             state=state, was=None if new else n.state)

    def _timer(self, n: Neighbour) -> None:
        """neigh_timer_handler: the state's time is up."""
        now, config = self.sim.now, self.config
        if n.state is REACHABLE:
            until = n.confirmed + self.reachable_time()
            if now < until:
                self._arm(n, until - now)
            elif now <= n.used + config.delay_first_probe_ns:
                self._enter(n, DELAY, config.delay_first_probe_ns)
            else:
                self._enter(n, STALE)
            return
        if n.state is DELAY:
            if now <= n.confirmed + config.delay_first_probe_ns:
                self._enter(n, REACHABLE, n.confirmed + self.reachable_time() - now)
                return
            self._enter(n, PROBE)
            n.probes = 0
        limit = config.ucast_solicit if n.state is PROBE else max(config.mcast_solicit, 1)
        if n.probes < limit:
            self._solicit(n)
        else:
            self._fail(n)

    def _fail(self, n: Neighbour) -> None:
        self._enter(n, FAILED)
        waiting, n.queue, n.queue_bytes = n.queue, deque(), 0
        for packet in waiting:
            self.sim.tracer.drop(self.node.name, "arp", Drop.NO_ARP_REPLY, packet,
                                 target=str(n.ip))
            self.on_failure(packet)

    # -- receiving -----------------------------------------------------------------
    def confirm(self, ip: IPv4Address) -> None:
        """Upper-layer reachability confirmation (Linux ``neigh_confirm``): the entry's
        ``confirmed`` time becomes now, which keeps it REACHABLE, or makes a DELAY
        entry REACHABLE when its timer runs out instead of probing."""
        n = self.cache.get(int(ip))
        if n is not None and n.state in VALID:
            n.confirmed = self.sim.now

    def receive(self, arp: ArpPacket, link_group: bool = False) -> None:
        """An ARP packet; ``link_group`` if it came in a broadcast frame. Only
        Ethernet/IPv4 ARP is spoken (RFC 826: "Do I speak the protocol in ar$pro?")."""
        if (arp.htype != HTYPE_ETHERNET or arp.ptype != PTYPE_IPV4 or arp.hlen != 6
                or arp.plen != 4 or arp.oper not in (ARP_REQUEST, ARP_REPLY)):
            return
        if self.watch is not None:
            self.watch(arp)
        if arp.spa == ZERO_IP:            # an RFC 5227 probe: answer it if it is for us
            if arp.oper == ARP_REQUEST and arp.tpa == self.address and self.address != ZERO_IP:
                self.replies_sent += 1
                reply = ArpPacket(ARP_REPLY, self.iface.mac, self.address, arp.sha, ZERO_IP)
                self.iface.send(EthernetFrame(arp.sha, self.iface.mac, ETHERTYPE_ARP, reply))
            return
        n = self.cache.get(int(arp.spa))
        if arp.oper == ARP_REQUEST and arp.tpa == self.address and self.address != ZERO_IP:
            if n is None:
                n = self.cache[int(arp.spa)] = Neighbour(arp.spa, FAILED)
            self._update(n, arp.sha, STALE, override=True)       # neigh_event_ns
            self.replies_sent += 1
            reply = ArpPacket(ARP_REPLY, self.iface.mac, self.address, arp.sha, arp.spa)
            self.iface.send(EthernetFrame(arp.sha, self.iface.mac, ETHERTYPE_ARP, reply))
        elif n is not None:
            # "Broadcast replies and request packets do not assert neighbour reachability."
            state = REACHABLE if arp.oper == ARP_REPLY and not link_group else STALE
            # A gratuitous ARP (sender = target address) overrides at once (arp_is_garp).
            override = self.sim.now > n.updated + self.config.locktime_ns or arp.spa == arp.tpa
            self._update(n, arp.sha, state, override)

    def _update(self, n: Neighbour, mac: MacAddress, state: str, override: bool) -> None:
        """neigh_update: learn ``mac`` for ``n`` in ``state``; a resolved entry sends
        what was waiting."""
        if n.state is PERMANENT:
            return
        was_valid = n.state in VALID
        if was_valid and mac != n.mac and not override:
            return
        if state is REACHABLE:
            n.confirmed = self.sim.now
        if was_valid and mac == n.mac and state is STALE:
            state = n.state                # a valid entry keeps its state (and no confirmation)
        if state is not n.state or mac != n.mac:
            n.mac = mac
            self._enter(n, state, self.reachable_time() if state is REACHABLE else None)
        if not was_valid:
            self._send_waiting(n)

    def _send_waiting(self, n: Neighbour) -> None:
        waiting, n.queue, n.queue_bytes = n.queue, deque(), 0
        for packet in waiting:
            self.output(packet, n.ip)

    def flush(self) -> None:
        """``ip neigh flush``: forget every entry but the PERMANENT ones; packets
        waiting for a resolution are dropped."""
        for key, n in list(self.cache.items()):
            if n.state is PERMANENT:
                continue
            if n.timer is not None:
                n.timer.cancel()
            for packet in n.queue:
                self.sim.tracer.drop(self.node.name, "arp", Drop.NEIGH_FLUSHED, packet,
                                     target=str(n.ip))
            del self.cache[key]

    def table(self) -> dict[str, str]:
        """Resolved entries, IPv4 → MAC, as ``ip neigh`` lists them (any valid state)."""
        return {str(n.ip): str(n.mac) for _, n in sorted(self.cache.items())
                if n.state in VALID or n.state is PERMANENT}

    def states(self) -> dict[str, str]:
        """Every entry's neighbour state, IPv4 → state name."""
        return {str(n.ip): n.state for _, n in sorted(self.cache.items())}
