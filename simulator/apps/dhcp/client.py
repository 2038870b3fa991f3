"""A DHCP client: the state machine of RFC 2131 §4.4 (Figure 5), sans-I/O.

INIT → SELECTING (DISCOVER broadcast) → REQUESTING (REQUEST for the first OFFER)
→ PROBING (RFC 5227 §2.1: ``probe_num`` ARP probes of the acknowledged address,
the first after a random 0..PROBE_WAIT, then every PROBE_MIN..PROBE_MAX, bound
ANNOUNCE_WAIT after the last; a conflict sends DECLINE and restarts after 10 s,
RFC 2131 §3.1 step 5) → BOUND → RENEWING at T1 (REQUEST unicast to the server) →
REBINDING at T2 (REQUEST broadcast) → INIT when the lease ends. A NAK restarts at
INIT. ``release`` sends RELEASE and stops.

DISCOVER and REQUEST are retransmitted per RFC 2131 §4.1: 4 s, 8 s, 16 s, ... up
to 64 s, each randomized by a uniform ±1 s drawn from ``rng``. REQUESTING gives up
after ``request_attempts`` transmissions and goes back to INIT (§4.4.1). While
renewing or rebinding a retransmission waits half the time left until T2 (or until
the lease ends), at least 60 s (§4.4.5).

Every call returns a :class:`Step`: datagrams to send, an address to ARP-probe,
a lease to install or remove, and the time of the next ``timer`` call.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface

from simulator.apps.dhcp.transmit import BROADCAST, SECOND, Transmit
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DECLINE,
                                 DISCOVER, INFINITE_LEASE, NAK, OFFER, OPT_CLIENT_ID, OPT_DNS,
                                 OPT_DOMAIN_NAME, OPT_HOST_NAME, OPT_LEASE_TIME,
                                 OPT_MESSAGE_TYPE, OPT_PARAMETER_REQUEST_LIST,
                                 OPT_REQUESTED_IP, OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK,
                                 OPT_T1, OPT_T2, RELEASE, REQUEST, SERVER_PORT, ZERO,
                                 DhcpMessage)

__all__ = ["DhcpClient", "Lease", "Step", "INIT", "SELECTING", "REQUESTING", "PROBING",
           "BOUND", "RENEWING", "REBINDING", "STOPPED"]

INIT, SELECTING, REQUESTING, PROBING = "INIT", "SELECTING", "REQUESTING", "PROBING"
BOUND, RENEWING, REBINDING, STOPPED = "BOUND", "RENEWING", "REBINDING", "STOPPED"

PROBE_WAIT, PROBE_MIN, PROBE_MAX, ANNOUNCE_WAIT = SECOND, SECOND, 2 * SECOND, 2 * SECOND
DECLINE_WAIT = 10 * SECOND
MIN_RETRANSMIT_WHILE_BOUND = 60 * SECOND
DEFAULT_PRL = (OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_DOMAIN_NAME, OPT_LEASE_TIME,
               OPT_T1, OPT_T2)


@dataclass(frozen=True)
class Lease:
    """What BOUND installs: address and mask, default router, DNS, domain."""
    interface: IPv4Interface
    server: IPv4Address
    routers: tuple
    dns_servers: tuple
    domain: str | None
    lease_s: int
    t1_s: int
    t2_s: int
    start_ns: int                     # when the REQUEST was sent (RFC 2131 §4.4.1)

    def at(self, seconds: int) -> int | None:
        return None if self.lease_s == INFINITE_LEASE else self.start_ns + seconds * SECOND


@dataclass
class Step:
    sends: list = field(default_factory=list)         # Transmit
    probe: IPv4Address | None = None                  # send one RFC 5227 ARP probe for it
    configure: Lease | None = None                    # install this lease
    deconfigure: Lease | None = None                  # remove this lease
    deadline: int | None = None                       # call timer() then (replaces the last)
    events: list = field(default_factory=list)        # trace records for the driver


class DhcpClient:
    def __init__(self, mac, rng, client_id: bytes | None = None, hostname: str | None = None,
                 probe_num: int = 3, request_attempts: int = 5, broadcast_flag: bool = True,
                 parameters=DEFAULT_PRL):
        self.mac = MacAddress(mac)
        self.rng = rng
        self.client_id, self.hostname = client_id, hostname
        self.probe_num, self.request_attempts = probe_num, request_attempts
        self.flags = BROADCAST_FLAG if broadcast_flag else 0
        self.parameters = tuple(parameters)
        self.state = INIT
        self.lease: Lease | None = None
        self.xid = 0
        self._offer: DhcpMessage | None = None
        self._attempt = 0                 # transmissions of the current message
        self._began = self._request_ns = 0
        self._probes = 0
        self._deadline: int | None = None
        self.counters = {"discover": 0, "request": 0, "decline": 0, "release": 0,
                         "offer": 0, "ack": 0, "nak": 0, "conflict": 0}

    # -- entry points --------------------------------------------------------------
    def start(self, now: int) -> Step:
        """INIT: begin acquiring an address."""
        return self._init(now, Step())

    def receive(self, message: DhcpMessage, now: int) -> Step:
        """A DHCP message on port 68 (the driver hands over every one)."""
        step = Step(deadline=self._deadline)
        if (message.op != BOOTREPLY or message.xid != self.xid
                or message.chaddr[:6] != self.mac):
            return step
        kind = message.message_type
        if kind == OFFER and self.state == SELECTING:
            if message.yiaddr == ZERO or message.option(OPT_SERVER_ID) is None:
                return step
            self.counters["offer"] += 1
            self._offer = message
            self.state, self._attempt, self._request_ns = REQUESTING, 0, now
            return self._transmit(now, step)
        if self.state not in (REQUESTING, RENEWING, REBINDING):
            return step
        if kind == NAK:
            self.counters["nak"] += 1
            step.events.append({"event": "dhcp_nak", "state": self.state})
            self._unbind(step)
            return self._init(now, step)
        if kind != ACK or message.yiaddr == ZERO:
            return step
        self.counters["ack"] += 1
        lease = self._lease_from(message)
        if self.state == REQUESTING and self.probe_num:
            self.lease, self.state, self._probes = lease, PROBING, 0
            return self._arm(step, now + self.rng.randint(0, PROBE_WAIT))
        return self._bind(lease, now, step)

    def timer(self, now: int) -> Step:
        """The deadline of the last Step has come."""
        step = Step()
        state = self.state
        if state in (SELECTING, REQUESTING):
            if state == REQUESTING and self._attempt >= self.request_attempts:
                return self._init(now, step)               # §4.4.1: no ACK nor NAK
            return self._transmit(now, step)
        if state == INIT:
            return self._init(now, step)
        if state == PROBING:
            return self._probe(now, step)
        if state in (BOUND, RENEWING, REBINDING):
            lease = self.lease
            if now >= lease.at(lease.lease_s):
                step.events.append({"event": "dhcp_lease_expired",
                                    "address": str(lease.interface.ip)})
                self._unbind(step)
                return self._init(now, step)
            if state != REBINDING and now >= lease.at(lease.t2_s):
                self.state, self.xid, self._began = REBINDING, self._new_xid(), now
            elif state == BOUND:
                self.state, self.xid, self._began = RENEWING, self._new_xid(), now
            return self._transmit(now, step)
        return step

    def conflict(self, now: int) -> Step:
        """Another host answered for (or probed) the address being probed (RFC 5227
        §2.1.1): DECLINE it and start again after DECLINE_WAIT."""
        if self.state != PROBING:
            return Step(deadline=self._deadline)
        self.counters["conflict"] += 1
        self.counters["decline"] += 1
        lease = self.lease
        decline = self._message(DECLINE, [(OPT_REQUESTED_IP, lease.interface.ip),
                                          (OPT_SERVER_ID, lease.server)], secs=0)
        step = Step(sends=[Transmit(decline, BROADCAST, SERVER_PORT)])
        step.events.append({"event": "dhcp_decline", "address": str(lease.interface.ip)})
        self.lease, self.state = None, INIT
        return self._arm(step, now + DECLINE_WAIT)

    def release(self, now: int) -> Step:
        """Give the lease back (RFC 2131 §4.4.6) and stop."""
        step = Step()
        lease = self.lease
        if self.state in (BOUND, RENEWING, REBINDING):
            self.counters["release"] += 1
            self.xid = self._new_xid()
            message = self._message(RELEASE, [(OPT_SERVER_ID, lease.server)], secs=0,
                                    ciaddr=lease.interface.ip, flags=0)
            step.sends.append(Transmit(message, lease.server, SERVER_PORT,
                                       src=lease.interface.ip))
            self._unbind(step)
        self.state, self.lease = STOPPED, None
        return self._arm(step, None)

    # -- the machine ---------------------------------------------------------------
    def _init(self, now, step) -> Step:
        self.state, self.xid, self._attempt, self._began = SELECTING, self._new_xid(), 0, now
        self._offer = None
        return self._transmit(now, step)

    def _transmit(self, now, step) -> Step:
        """(Re)send the message of the current state and arm its retransmission."""
        state = self.state
        secs = min((now - self._began) // SECOND, 0xFFFF)
        if state == SELECTING:
            self.counters["discover"] += 1
            options = [(OPT_PARAMETER_REQUEST_LIST, self.parameters)]
            step.sends.append(Transmit(self._message(DISCOVER, options, secs), BROADCAST,
                                       SERVER_PORT))
        else:
            self.counters["request"] += 1
            step.sends.append(self._request(secs))
        wait = self._backoff() if state in (SELECTING, REQUESTING) else self._bound_wait(now)
        self._attempt += 1
        return self._arm(step, now + wait)

    def _request(self, secs) -> Transmit:
        prl = [(OPT_PARAMETER_REQUEST_LIST, self.parameters)]
        if self.state == REQUESTING:
            offer = self._offer
            options = [(OPT_REQUESTED_IP, offer.yiaddr),
                       (OPT_SERVER_ID, offer.option(OPT_SERVER_ID))] + prl
            return Transmit(self._message(REQUEST, options, secs), BROADCAST, SERVER_PORT)
        ip = self.lease.interface.ip
        message = self._message(REQUEST, prl, secs, ciaddr=ip, flags=0)
        if self.state == RENEWING:                        # §4.4.5: unicast to the server
            return Transmit(message, self.lease.server, SERVER_PORT, src=ip)
        return Transmit(message, BROADCAST, SERVER_PORT, src=ip)

    def _backoff(self) -> int:
        """RFC 2131 §4.1: 4 s doubling to 64 s, ±1 s uniform."""
        base = min(4 << self._attempt, 64) * SECOND
        return base + self.rng.randint(-SECOND, SECOND)

    def _bound_wait(self, now) -> int:
        """RFC 2131 §4.4.5: half the time to T2 (renewing) or to the lease's end
        (rebinding), at least 60 s, never past that time."""
        lease = self.lease
        until = lease.at(lease.t2_s if self.state == RENEWING else lease.lease_s)
        return min(max((until - now) // 2, MIN_RETRANSMIT_WHILE_BOUND), until - now)

    def _probe(self, now, step) -> Step:
        if self._probes < self.probe_num:
            self._probes += 1
            step.probe = self.lease.interface.ip
            if self._probes < self.probe_num:
                return self._arm(step, now + self.rng.randint(PROBE_MIN, PROBE_MAX))
            return self._arm(step, now + ANNOUNCE_WAIT)
        return self._bind(self.lease, now, step)

    def _bind(self, lease, now, step) -> Step:
        old = self.lease if self.state in (RENEWING, REBINDING) else None
        if old is not None and old.interface == lease.interface:
            step.events.append({"event": "dhcp_renewed", "address": str(lease.interface),
                                "lease_s": lease.lease_s, "state": self.state})
        else:
            step.deconfigure, step.configure = old, lease
            step.events.append({"event": "dhcp_bound", "address": str(lease.interface),
                                "server": str(lease.server), "lease_s": lease.lease_s})
        self.lease, self.state, self._attempt = lease, BOUND, 0
        return self._arm(step, lease.at(lease.t1_s))

    def _unbind(self, step) -> None:
        if self.lease is not None and self.state in (BOUND, RENEWING, REBINDING):
            step.deconfigure = self.lease
        self.lease = None

    def _arm(self, step, deadline) -> Step:
        self._deadline = step.deadline = deadline
        return step

    # -- messages ------------------------------------------------------------------
    def _new_xid(self) -> int:
        return self.rng.getrandbits(32)

    def _message(self, kind, options, secs, ciaddr=ZERO, flags=None) -> DhcpMessage:
        head = [(OPT_MESSAGE_TYPE, kind)]
        if self.client_id is not None:
            head.append((OPT_CLIENT_ID, self.client_id))
        if self.hostname and kind in (DISCOVER, REQUEST):
            head.append((OPT_HOST_NAME, self.hostname))
        return DhcpMessage(BOOTREQUEST, self.xid, self.mac, head + options, secs=secs,
                           flags=self.flags if flags is None else flags, ciaddr=ciaddr)

    def _lease_from(self, ack: DhcpMessage) -> Lease:
        lease_s = ack.option(OPT_LEASE_TIME, INFINITE_LEASE)
        mask = ack.option(OPT_SUBNET_MASK) or _classful_mask(ack.yiaddr)
        return Lease(IPv4Interface(f"{ack.yiaddr}/{mask}"),
                     ack.option(OPT_SERVER_ID, self.lease.server if self.lease else ZERO),
                     ack.option(OPT_ROUTER, ()), ack.option(OPT_DNS, ()),
                     ack.option(OPT_DOMAIN_NAME), lease_s,
                     ack.option(OPT_T1, lease_s // 2), ack.option(OPT_T2, lease_s * 7 // 8),
                     self._request_ns if self.state == REQUESTING else self._began)


def _classful_mask(address: IPv4Address) -> str:
    """The natural mask of the address's class (RFC 791), when no mask option came."""
    first = address.packed[0]
    return "255.0.0.0" if first < 128 else "255.255.0.0" if first < 192 else "255.255.255.0"
