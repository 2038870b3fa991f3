"""A DHCP server (RFC 2131 §4.3), sans-I/O.

``receive(message, now, local_ip)`` returns the replies to send; ``expire(now)``
ends leases and offers whose time is up. One server holds several pools (one per
subnet it serves, directly or through relays): a request's pool is the one holding
``giaddr`` when a relay set it, else the address of the interface the request came
in on (RFC 2131 §4.3.1).

Choosing an address for a DISCOVER (§4.3.1, in this order): the client's static
reservation, its current binding, its previous binding, the address it requested,
then the lowest free address of the pool. An address is free when no unexpired
lease or held offer has it, no DECLINE marked it in use (for ``decline_hold_ns``)
and no reservation names another client. An offer is held for ``offer_hold_ns``. A
pool without a free address sends no OFFER and counts ``exhausted``.

Clients are told apart by their client identifier, else by chaddr (§4.2).
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from simulator.apps.dhcp.transmit import BROADCAST, SECOND, Transmit
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, CLIENT_PORT,
                                 DECLINE, DISCOVER, INFINITE_LEASE, INFORM, NAK, OFFER,
                                 OPT_DNS, OPT_DOMAIN_NAME, OPT_LEASE_TIME, OPT_MESSAGE_TYPE,
                                 OPT_PARAMETER_REQUEST_LIST, OPT_REQUESTED_IP, OPT_ROUTER,
                                 OPT_SERVER_ID, OPT_SUBNET_MASK, OPT_T1, OPT_T2, RELEASE,
                                 REQUEST, SERVER_PORT, ZERO, DhcpMessage)

__all__ = ["Pool", "Lease", "DhcpServer"]

OFFERED, BOUND = "offered", "bound"


@dataclass
class Pool:
    """The addresses ``start``..``end`` of ``network`` and the options given with them."""
    network: IPv4Network
    start: IPv4Address
    end: IPv4Address
    routers: tuple = ()
    dns_servers: tuple = ()
    domain: str | None = None
    lease_time_s: int = 86400
    reservations: dict = field(default_factory=dict)  # MacAddress → IPv4Address

    def __post_init__(self):
        self.network = IPv4Network(self.network)
        self.start, self.end = IPv4Address(self.start), IPv4Address(self.end)
        if not (self.start in self.network and self.end in self.network
                and self.start <= self.end):
            raise ValueError(f"DHCP pool {self.start}-{self.end} is not a range of "
                             f"{self.network}")
        self.routers = tuple(IPv4Address(a) for a in self.routers)
        self.dns_servers = tuple(IPv4Address(a) for a in self.dns_servers)
        self.reservations = {MacAddress(m): IPv4Address(a) for m, a in self.reservations.items()}

    def addresses(self):
        for n in range(int(self.start), int(self.end) + 1):
            yield IPv4Address(n)


@dataclass
class Lease:
    address: IPv4Address
    key: bytes
    mac: MacAddress
    state: str
    expires_ns: int | None            # None: infinite
    pool: Pool


class DhcpServer:
    def __init__(self, server_id, pools, offer_hold_ns: int = 60 * SECOND,
                 decline_hold_ns: int = 600 * SECOND):
        self.server_id = IPv4Address(server_id)
        self.pools = list(pools)
        self.offer_hold_ns, self.decline_hold_ns = offer_hold_ns, decline_hold_ns
        self.leases: dict[bytes, Lease] = {}               # client key → lease or offer
        self.by_address: dict[IPv4Address, Lease] = {}
        self.previous: dict[bytes, IPv4Address] = {}       # released or expired bindings
        self.declined: dict[IPv4Address, int] = {}         # address → until (ns)
        self.counters = {name: 0 for name in (
            "discover", "request", "decline", "release", "inform", "offer", "ack", "nak",
            "exhausted", "no_pool", "ignored")}

    # -- the pool ------------------------------------------------------------------
    def pool_for(self, message: DhcpMessage, local_ip) -> Pool | None:
        where = message.giaddr if message.giaddr != ZERO else local_ip
        if where is None:
            return None
        return next((p for p in self.pools if IPv4Address(where) in p.network), None)

    def _free(self, address, key, pool, now) -> bool:
        lease = self.by_address.get(address)
        if lease is not None and lease.key != key and not self._over(lease, now):
            return False
        if self.declined.get(address, -1) > now or address == self.server_id:
            return False
        owner = next((m for m, a in pool.reservations.items() if a == address), None)
        return owner is None or owner == _mac_of(key)

    @staticmethod
    def _over(lease, now) -> bool:
        return lease.expires_ns is not None and lease.expires_ns <= now

    def _choose(self, message, pool, key, now) -> IPv4Address | None:
        reserved = pool.reservations.get(message.client_mac)
        if reserved is not None:
            return reserved
        current = self.leases.get(key)
        candidates = [current.address if current else None, self.previous.get(key),
                      message.option(OPT_REQUESTED_IP)]
        for address in candidates:
            if (address is not None and pool.start <= address <= pool.end
                    and self._free(address, key, pool, now)):
                return address
        return next((a for a in pool.addresses() if self._free(a, key, pool, now)), None)

    def _hold(self, key, message, address, pool, state, duration_ns, now) -> Lease:
        old = self.leases.pop(key, None)
        if old is not None:
            self.by_address.pop(old.address, None)
        taken = self.by_address.pop(address, None)
        if taken is not None:
            self.leases.pop(taken.key, None)
        lease = Lease(address, key, message.client_mac, state,
                      None if duration_ns is None else now + duration_ns, pool)
        self.leases[key] = self.by_address[address] = lease
        return lease

    def _drop(self, key) -> Lease | None:
        lease = self.leases.pop(key, None)
        if lease is not None:
            self.by_address.pop(lease.address, None)
        return lease

    # -- messages ------------------------------------------------------------------
    def receive(self, message: DhcpMessage, now: int, local_ip=None) -> list[Transmit]:
        """The replies to a message from a client (or relay) at time ``now``;
        ``local_ip`` is the address of the interface it came in on."""
        kind = message.message_type
        if message.op != BOOTREQUEST or kind not in (DISCOVER, REQUEST, DECLINE, RELEASE,
                                                     INFORM):
            self.counters["ignored"] += 1
            return []
        self.counters[{DISCOVER: "discover", REQUEST: "request", DECLINE: "decline",
                       RELEASE: "release", INFORM: "inform"}[kind]] += 1
        key = message.client_key()
        if kind == RELEASE:
            self._release(message, key)
            return []
        if kind == DECLINE:
            self._decline(message, key, now)
            return []
        pool = self.pool_for(message, local_ip)
        if pool is None:
            self.counters["no_pool"] += 1
            return []
        if kind == DISCOVER:
            return self._discover(message, pool, key, now)
        if kind == INFORM:
            return [self._reply(message, ACK, ZERO, pool, lease_s=None)]
        return self._request(message, pool, key, now)

    def _discover(self, message, pool, key, now):
        address = self._choose(message, pool, key, now)
        if address is None:
            self.counters["exhausted"] += 1
            return []
        self._hold(key, message, address, pool, OFFERED, self.offer_hold_ns, now)
        return [self._reply(message, OFFER, address, pool)]

    def _request(self, message, pool, key, now):
        """RFC 2131 §4.3.2: SELECTING (server id), INIT-REBOOT (requested IP, no ciaddr),
        RENEWING/REBINDING (ciaddr)."""
        server_id = message.option(OPT_SERVER_ID)
        requested = message.option(OPT_REQUESTED_IP)
        lease = self.leases.get(key)
        if lease is not None and self._over(lease, now):
            lease = None
        if server_id is not None:
            if server_id != self.server_id:          # the client took another server's offer
                if lease is not None and lease.state == OFFERED:
                    self._drop(key)
                return []
            wanted = requested
        elif message.ciaddr == ZERO:                 # INIT-REBOOT
            if requested is None:
                return []
            if requested not in pool.network:
                return [self._reply(message, NAK, ZERO, pool)]
            if lease is None or lease.address != requested:
                other = self.by_address.get(requested)
                return [self._reply(message, NAK, ZERO, pool)] if other else []
            wanted = requested
        else:
            wanted = message.ciaddr
        if lease is None or lease.address != wanted:
            return [self._reply(message, NAK, ZERO, pool)]
        seconds = pool.lease_time_s
        self._hold(key, message, wanted, pool, BOUND,
                   None if seconds == INFINITE_LEASE else seconds * SECOND, now)
        self.previous.pop(key, None)
        return [self._reply(message, ACK, wanted, pool)]

    def _release(self, message, key):
        lease = self.leases.get(key)
        if lease is not None and lease.address == message.ciaddr:
            self._drop(key)
            self.previous[key] = lease.address

    def _decline(self, message, key, now):
        address = message.option(OPT_REQUESTED_IP)
        lease = self.leases.get(key)
        if address is not None and lease is not None and lease.address == address:
            self._drop(key)
            self.declined[address] = now + self.decline_hold_ns

    def _reply(self, request, kind, yiaddr, pool, lease_s: int | None = -1) -> Transmit:
        if lease_s == -1:
            lease_s = pool.lease_time_s
        options = [(OPT_MESSAGE_TYPE, kind), (OPT_SERVER_ID, self.server_id)]
        if kind != NAK:
            if lease_s is not None:
                options.append((OPT_LEASE_TIME, lease_s))
                if lease_s != INFINITE_LEASE:                 # RFC 2131 §4.4.5 defaults
                    options += [(OPT_T1, lease_s // 2), (OPT_T2, lease_s * 7 // 8)]
            options += self._parameters(request, pool)
        flags = request.flags
        if kind == NAK and request.giaddr != ZERO:
            flags |= BROADCAST_FLAG                         # §4.3.2: so the relay broadcasts
        reply = DhcpMessage(BOOTREPLY, request.xid, request.chaddr, options,
                            htype=request.htype, hlen=request.hlen, flags=flags,
                            ciaddr=request.ciaddr if kind == ACK else ZERO, yiaddr=yiaddr,
                            giaddr=request.giaddr)
        self.counters[{OFFER: "offer", ACK: "ack", NAK: "nak"}[kind]] += 1
        return _deliver(reply, request, kind, self.server_id)

    @staticmethod
    def _parameters(request, pool) -> list:
        """Subnet mask always; router, DNS and domain when asked for (or nothing was
        asked: no parameter request list), RFC 2131 §4.3.1."""
        asked = request.option(OPT_PARAMETER_REQUEST_LIST)
        options = [(OPT_SUBNET_MASK, pool.network.netmask)]
        for code, value in ((OPT_ROUTER, pool.routers), (OPT_DNS, pool.dns_servers),
                            (OPT_DOMAIN_NAME, pool.domain)):
            if value and (asked is None or code in asked):
                options.append((code, value))
        return options

    # -- time ----------------------------------------------------------------------
    def expire(self, now: int) -> list[dict]:
        """End leases and offers whose time is up; one event per ended lease."""
        events = []
        for key, lease in sorted(self.leases.items(), key=lambda kv: kv[1].address):
            if self._over(lease, now):
                self._drop(key)
                if lease.state == BOUND:
                    self.previous[key] = lease.address
                events.append({"event": f"dhcp_{lease.state}_expired",
                               "address": str(lease.address), "mac": str(lease.mac)})
        for address in [a for a, until in self.declined.items() if until <= now]:
            del self.declined[address]
        return events

    def next_expiry(self) -> int | None:
        times = [lease.expires_ns for lease in self.leases.values() if lease.expires_ns]
        times += self.declined.values()
        return min(times, default=None)

    def summary(self) -> dict:
        return {"server_id": str(self.server_id), "counters": dict(self.counters),
                "leases": [{"address": str(lease.address), "mac": str(lease.mac),
                            "state": lease.state, "expires_ns": lease.expires_ns}
                           for lease in sorted(self.leases.values(), key=lambda x: x.address)],
                "declined": sorted(str(a) for a in self.declined)}


def _mac_of(key: bytes):
    """The MAC in a client key made from chaddr or from a type-1 client identifier."""
    for prefix in (b"hw:\x01", b"id:\x01"):
        if key.startswith(prefix) and len(key) == len(prefix) + 6:
            return MacAddress(key[len(prefix):])
    return None


def _deliver(reply, request, kind, server_id) -> Transmit:
    """Where a server sends a reply (RFC 2131 §4.1, "If the 'giaddr' field ...")."""
    if request.giaddr != ZERO:
        return Transmit(reply, request.giaddr, SERVER_PORT, src=server_id)
    if kind == NAK:
        return Transmit(reply, BROADCAST, CLIENT_PORT, src=server_id)
    if request.ciaddr != ZERO:
        return Transmit(reply, request.ciaddr, CLIENT_PORT, src=server_id)
    if request.broadcast:
        return Transmit(reply, BROADCAST, CLIENT_PORT, src=server_id)
    return Transmit(reply, reply.yiaddr, CLIENT_PORT, src=server_id, mac=request.client_mac)
