"""The NAPT translation table (RFC 3022 §2.2) with the behaviour of RFC 4787 (UDP),
RFC 5382 (TCP) and RFC 5508 (ICMP).

A mapping binds an internal endpoint (address, port or ICMP identifier) to a port
of the public address. Which outbound packets share a mapping is the *mapping*
behaviour (RFC 4787 §4.1): endpoint-independent (the default, REQ-1), address-
dependent or address-and-port-dependent. Which inbound packets a mapping lets in
is the *filtering* behaviour (§5): endpoint-independent, address-dependent, or
address-and-port-dependent (the default, as Linux conntrack: only the remote
endpoints the inside host sent to).

Each remote endpoint a mapping has talked to is a session with its own timer;
the mapping ends when its last session does. Timeouts: UDP 5 min (RFC 4787
REQ-5), ICMP 60 s (RFC 5508 REQ-1), TCP 2 h 4 min once a SYN has been seen in
both directions and 4 min while the connection opens or after FIN both ways or
an RST (RFC 5382 REQ-5, "transitory"). Traffic either way refreshes a session
(RFC 4787 REQ-6 requires outbound refresh; inbound refresh as Linux does).

The external port keeps the internal one when it is free (port preservation,
RFC 4787 §4.2.1), else is the next free port of ``ports`` above it (wrapping);
none free is exhaustion. ICMP identifiers come from all 16 bits. Static forwards (DNAT) are permanent mappings that
let anyone in.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address

from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from simulator.wire.tcp import FIN, RST, SYN

__all__ = ["NatConfig", "StaticForward", "Mapping", "NatTable", "ENDPOINT_INDEPENDENT",
           "ADDRESS_DEPENDENT", "ADDRESS_AND_PORT_DEPENDENT", "PROTO_NAMES"]

SECOND = 1_000_000_000
ENDPOINT_INDEPENDENT = "endpoint-independent"
ADDRESS_DEPENDENT = "address-dependent"
ADDRESS_AND_PORT_DEPENDENT = "address-and-port-dependent"
BEHAVIOURS = (ENDPOINT_INDEPENDENT, ADDRESS_DEPENDENT, ADDRESS_AND_PORT_DEPENDENT)
PROTO_NAMES = {PROTO_ICMP: "icmp", PROTO_TCP: "tcp", PROTO_UDP: "udp"}
ICMP_IDS = range(0, 65536)          # echo identifiers: the whole 16 bits, as Linux


@dataclass(frozen=True)
class StaticForward:
    """Inbound ``protocol`` to public port ``external_port`` goes to ``internal``:``port``."""
    protocol: int
    external_port: int
    internal: IPv4Address
    port: int


@dataclass(frozen=True)
class NatConfig:
    public: IPv4Address
    ports: range = range(1024, 65536)
    mapping: str = ENDPOINT_INDEPENDENT
    filtering: str = ADDRESS_AND_PORT_DEPENDENT
    udp_timeout_ns: int = 300 * SECOND
    tcp_established_ns: int = 7440 * SECOND
    tcp_transitory_ns: int = 240 * SECOND
    icmp_timeout_ns: int = 60 * SECOND
    forwards: tuple = ()
    hairpinning: bool = True

    def __post_init__(self):
        for name in ("mapping", "filtering"):
            if getattr(self, name) not in BEHAVIOURS:
                raise ValueError(f"NAT {name}: {getattr(self, name)!r} is not one of "
                                 f"{', '.join(BEHAVIOURS)}")


@dataclass
class Session:
    """One remote endpoint of a mapping; ``syn``/``fin`` hold "out"/"in" seen (TCP)."""
    expires_ns: int | None
    state: str = "open"
    syn: set = field(default_factory=set)
    fin: set = field(default_factory=set)


@dataclass
class Mapping:
    protocol: int
    internal: IPv4Address
    internal_port: int
    external_port: int
    key: tuple
    created_ns: int
    static: bool = False
    sessions: dict = field(default_factory=dict)     # (remote ip, remote port) → Session

    @property
    def expires_ns(self) -> int | None:
        if self.static:
            return None
        return max((s.expires_ns for s in self.sessions.values()), default=self.created_ns)

    def describe(self, public) -> dict:
        return {"proto": PROTO_NAMES[self.protocol],
                "internal": f"{self.internal}:{self.internal_port}",
                "external": f"{public}:{self.external_port}"}


class NatTable:
    def __init__(self, config: NatConfig, reserved=None):
        self.config = config
        self.reserved = reserved or (lambda protocol, port: False)   # the node's own ports
        self.by_key: dict[tuple, Mapping] = {}
        self.by_external: dict[tuple, Mapping] = {}                  # (protocol, port)
        for fwd in config.forwards:
            m = Mapping(fwd.protocol, IPv4Address(fwd.internal), fwd.port, fwd.external_port,
                        (fwd.protocol, IPv4Address(fwd.internal), fwd.port), 0, static=True)
            self.by_key[m.key] = self.by_external[(fwd.protocol, fwd.external_port)] = m

    # -- lookups -------------------------------------------------------------------
    def _key(self, protocol, ip, port, remote_ip, remote_port) -> tuple:
        mapping = self.config.mapping
        if mapping == ENDPOINT_INDEPENDENT:
            return (protocol, ip, port)
        if mapping == ADDRESS_DEPENDENT:
            return (protocol, ip, port, remote_ip)
        return (protocol, ip, port, remote_ip, remote_port)

    def outbound(self, protocol, ip, port, remote_ip, remote_port, now, flags=0):
        """The mapping for an outbound packet, made if needed: (mapping or None, events)."""
        events = []
        key = self._key(protocol, ip, port, remote_ip, remote_port)
        m = self.by_key.get(key)
        if m is None:
            m = self._static_for(protocol, ip, port)
        if m is not None and self._ended(m, now):
            events.append(self._remove(m, now))
            m = None
        if m is None:
            external = self._allocate(protocol, port)
            if external is None:
                return None, events
            m = Mapping(protocol, ip, port, external, key, now)
            self.by_key[key] = self.by_external[(protocol, external)] = m
            events.append({"event": "nat.map", **m.describe(self.config.public),
                           "remote": f"{remote_ip}:{remote_port}"})
        self._touch(m, (remote_ip, remote_port), now, flags, "out")
        return m, events

    def inbound(self, protocol, external_port, remote_ip, remote_port, now, flags=0):
        """(mapping, why-not, events) for an inbound packet to ``external_port``;
        why-not is "none" (no mapping) or "filtered"."""
        events = []
        m = self.by_external.get((protocol, external_port))
        if m is not None and self._ended(m, now):
            events.append(self._remove(m, now))
            m = None
        if m is None:
            return None, "none", events
        remote = (remote_ip, remote_port)
        if not (m.static or self._admits(m, remote, now)):
            return None, "filtered", events
        self._touch(m, remote, now, flags, "in")
        return m, None, events

    def _static_for(self, protocol, ip, port):
        m = self.by_key.get((protocol, ip, port))
        return m if m is not None and m.static else None

    def _admits(self, m, remote, now) -> bool:
        live = [r for r, s in m.sessions.items() if s.expires_ns > now]
        filtering = self.config.filtering
        if filtering == ENDPOINT_INDEPENDENT:
            return True
        if filtering == ADDRESS_DEPENDENT:
            return any(r[0] == remote[0] for r in live)
        return remote in live

    def find_internal(self, protocol, ip, port, remote_ip, remote_port, now):
        """The live mapping of an internal endpoint (to translate an ICMP error an
        inside host sends about an inbound packet)."""
        m = self.by_key.get(self._key(protocol, ip, port, remote_ip, remote_port))
        if m is None:
            m = self._static_for(protocol, ip, port)
        return None if m is None or self._ended(m, now) else m

    def find_external(self, protocol, external_port, now):
        m = self.by_external.get((protocol, external_port))
        return None if m is None or self._ended(m, now) else m

    # -- ports and time --------------------------------------------------------------
    def _allocate(self, protocol, port) -> int | None:
        ports = ICMP_IDS if protocol == PROTO_ICMP else self.config.ports
        start = port if port in ports else ports.start
        n = len(ports)
        first = start - ports.start
        for i in range(n):
            candidate = ports.start + (first + i) % n
            if (protocol, candidate) not in self.by_external and not self.reserved(protocol,
                                                                                  candidate):
                return candidate
        return None

    def _timeout(self, protocol, session) -> int:
        c = self.config
        if protocol == PROTO_UDP:
            return c.udp_timeout_ns
        if protocol == PROTO_ICMP:
            return c.icmp_timeout_ns
        return c.tcp_established_ns if session.state == "established" else c.tcp_transitory_ns

    def _touch(self, m, remote, now, flags, direction) -> None:
        session = m.sessions.get(remote)
        if session is None:
            session = m.sessions[remote] = Session(now)
        if m.protocol == PROTO_TCP:
            _track_tcp(session, flags, direction)
        session.expires_ns = now + self._timeout(m.protocol, session)

    def _ended(self, m, now) -> bool:
        return not m.static and m.expires_ns <= now

    def _remove(self, m, now) -> dict:
        del self.by_key[m.key]
        del self.by_external[(m.protocol, m.external_port)]
        return {"event": "nat.expire", **m.describe(self.config.public),
                "lifetime_ns": now - m.created_ns}

    def expire(self, now) -> list[dict]:
        """Remove every mapping whose sessions have all timed out; one event each."""
        ended = [m for m in self.by_external.values() if self._ended(m, now)]
        ended.sort(key=lambda m: (m.protocol, m.external_port))
        return [self._remove(m, now) for m in ended]

    def next_expiry(self) -> int | None:
        return min((m.expires_ns for m in self.by_external.values() if not m.static),
                   default=None)

    def summary(self) -> list[dict]:
        rows = []
        for (protocol, port), m in sorted(self.by_external.items()):
            row = m.describe(self.config.public)
            row["static"] = m.static
            row["expires_ns"] = m.expires_ns
            if protocol == PROTO_TCP:
                row["states"] = sorted(s.state for s in m.sessions.values())
            row["remotes"] = sorted(f"{ip}:{p}" for ip, p in m.sessions)
            rows.append(row)
        return rows


def _track_tcp(session, flags, direction) -> None:
    """RFC 5382 REQ-5: established once SYNs went both ways; transitory again after
    FIN both ways or an RST."""
    if flags & RST:
        session.state = "closed"
        return
    if flags & SYN:
        session.syn.add(direction)
        if session.syn == {"out", "in"} and session.state == "open":
            session.state = "established"
    if flags & FIN:
        session.fin.add(direction)
        if session.fin == {"out", "in"}:
            session.state = "closing"
