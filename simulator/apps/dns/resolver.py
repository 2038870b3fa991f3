"""A recursive resolver doing iterative resolution (RFC 1034 §5.3.3), sans-I/O.

``query(message, now, client)`` takes a client's query; ``response_arrives(message,
server, now, transport)`` and ``timer_fires(now)`` take what the network did. Each
returns a :class:`~.steps.Step`: queries to send (server, message, UDP or TCP), the
answers for clients that are ready, and the next deadline. Times are integer ns.

For each client query the resolver consults its cache first (following cached
CNAMEs); if the cache does not settle it, it asks the servers of the closest zone
whose NS RRset it has cached, or the root hints (no priming query, RFC 8109, and no
QNAME minimisation, RFC 9156: each server is asked the full question, RD clear,
with EDNS0). Each response is judged against the zone the server was asked as
(records outside it are ignored, RFC 2181 §5.4.1):

* the answer (possibly after CNAMEs, cached as they come) → the client's answer;
* a CNAME whose target the response does not settle → start again at the target;
* NXDOMAIN, or NOERROR with a SOA and no answer (NODATA) → cached negatively (RFC
  2308 §5) and passed on with the SOA;
* NS records for a zone below the one asked (a referral) → cached with their glue,
  then the delegated zone's servers are asked; a server name without an address is
  resolved first (out-of-bailiwick NS without glue), one at a time;
* TC=1 over UDP → the same question to the same server over TCP (RFC 7766 §5);
* SERVFAIL, REFUSED, NOTIMP, FORMERR → the next server (that one is not asked again
  in this resolution); a lame or upward referral → the next try.

Server selection: each try goes to the server with the fewest tries in this
resolution, then the fewest consecutive timeouts seen from it (any resolution),
then the order given (NS RRset order, hints order). A try times out after
``timeout_ns``; each server of a zone gets at most ``tries_per_server`` tries; after
that, or ``max_queries`` upstream queries, ``max_referrals`` referrals, ``max_cname``
CNAMEs, ``max_depth`` nested server-name resolutions, a resolution loop, or
``resolution_timeout_ns`` in all, the client gets SERVFAIL. Real resolvers adapt the
timeout to each server's measured RTT; here it is fixed.
"""

from dataclasses import dataclass, field

from simulator.engine.units import NS_PER_S
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import (FORMERR, NOERROR, NOTIMP, NXDOMAIN, OPCODE_QUERY, SERVFAIL,
                                Edns, Message)
from simulator.wire.dns_records import ROOT, TYPE_A, TYPE_CNAME, TYPE_NS, TYPE_SOA, Name

from .cache import RANK_ANSWER, RANK_GLUE, RANK_REFERRAL, Cache, cached_answer
from .replies import fit, udp_limit
from .steps import TCP, UDP, Answer, Send, Step

__all__ = ["RecursiveResolver", "ResolverConfig"]

TCP_LIMIT = 65535


@dataclass(frozen=True)
class ResolverConfig:
    timeout_ns: int = NS_PER_S
    tries_per_server: int = 2
    resolution_timeout_ns: int = 10 * NS_PER_S    # BIND's resolver-query-timeout
    max_queries: int = 50
    max_referrals: int = 16
    max_cname: int = 8
    max_depth: int = 7                             # BIND's max-recursion-depth
    edns_payload: int | None = 1232                # None: queries without EDNS


@dataclass(eq=False, slots=True)
class _Server:
    name: Name
    ip: IPv4Address | None
    resolving: bool = False        # its address lookup was started (or given up)


@dataclass(slots=True)
class _Pending:
    server: IPv4Address
    message: Message
    transport: str
    deadline: int


@dataclass(eq=False, slots=True)
class _Task:
    """One resolution: a client's question, or a server name's address for a parent."""
    client: object                 # the client token, or the parent _Task
    query: Message | None          # the client's query (None for a server-name lookup)
    transport: str
    name: Name
    qtype: int
    started: int
    depth: int = 0
    root: "_Task | None" = None
    for_server: _Server | None = None
    chain: list = field(default_factory=list)      # (record, time received)
    zone: Name = ROOT
    servers: list = field(default_factory=list)
    tries: dict = field(default_factory=dict)
    pending: _Pending | None = None
    queries: int = 0
    referrals: int = 0
    done: bool = False


class RecursiveResolver:
    def __init__(self, root_hints, rng, cache: Cache | None = None,
                 config: ResolverConfig = ResolverConfig()):
        """``root_hints``: (name, IPv4 address) pairs; ``rng``: a random.Random for
        query IDs (the scenario's named stream)."""
        self.hints = [(Name.of(name), IPv4Address(ip)) for name, ip in root_hints]
        self.rng = rng
        self.cache = cache if cache is not None else Cache()
        self.config = config
        self.timeouts: dict[IPv4Address, int] = {}     # consecutive, per server
        self.queries_sent = 0
        self._outgoing: dict[tuple, _Task] = {}
        self._tasks: list[_Task] = []
        self._step = Step()

    # -- the driver's calls ------------------------------------------------------------
    def query(self, message: Message, now: int, client=None, transport: str = UDP) -> Step:
        """A client's query arrived (over ``transport``)."""
        self._step = Step()
        q = message.question
        if message.opcode != OPCODE_QUERY or len(message.questions) != 1:
            rcode = NOTIMP if message.opcode != OPCODE_QUERY else FORMERR
            self._step.answers.append(Answer(client, Message.response_to(message, rcode)))
        elif not message.rd:
            self._cache_only(message, client, transport, now)
        else:
            task = _Task(client, message, transport, q.name, q.qtype, now)
            task.root = task
            self._start(task, now)
        return self._done()

    def _cache_only(self, message: Message, client, transport: str, now: int) -> None:
        """RD clear: no recursion, the cache alone (RFC 1034 §4.3.1, §4.3.2 step 4) —
        the data or a cached negative answer, else a referral to the closest zone whose
        NS RRset is cached, with the addresses of its servers that are cached."""
        q = message.question
        rcode, records, authority, name = cached_answer(self.cache, q.name, q.qtype, now)
        r = Message.response_to(message, NOERROR if rcode is None else rcode)
        r.ra, r.answer = True, records
        r.authority = [rr.with_ttl(min(rr.ttl, rr.rdata.minimum)) for rr in authority]
        while rcode is None:
            ns = self.cache.get(name, TYPE_NS, now)
            if ns or name == ROOT:
                r.authority = ns or []
                r.additional = [a for rr in r.authority
                                for a in self.cache.get(rr.rdata.target, TYPE_A, now) or []]
                break
            name = name.parent()
        self._step.answers.append(Answer(client, self._fitted(message, r, transport)))

    def _fitted(self, query: Message, r: Message, transport: str) -> Message:
        """``r`` with our EDNS if the query had EDNS, cut to the client's size."""
        payload = self.config.edns_payload or 512
        if query.edns is not None:
            r.edns = Edns(payload)
        limit = udp_limit(query, payload) if transport == UDP else TCP_LIMIT
        return fit(r, limit)

    def response_arrives(self, message: Message, server, now: int,
                         transport: str = UDP) -> Step:
        """A message came from ``server`` port 53; one that answers no outstanding
        query of ours (ID, server and question must match) is ignored."""
        self._step = Step()
        task = self._outgoing.get((IPv4Address(server), message.id))
        if (task is not None and message.qr and task.pending.transport == transport
                and message.questions == task.pending.message.questions):
            pending, task.pending = task.pending, None
            del self._outgoing[(pending.server, message.id)]
            self.timeouts.pop(pending.server, None)
            self._handle(task, message, pending, now)
        return self._done()

    def waiting_for(self, server, ident: int) -> bool:
        """Whether a response from ``server`` with ID ``ident`` is still awaited."""
        return (IPv4Address(server), ident) in self._outgoing

    def timer_fires(self, now: int) -> Step:
        self._step = Step()
        for task in list(self._tasks):
            if task.done:
                continue
            if task.root is task and now >= task.started + self.config.resolution_timeout_ns:
                self._finish(task, SERVFAIL, [], now)
            elif task.pending is not None and now >= task.pending.deadline:
                server = task.pending.server
                del self._outgoing[(server, task.pending.message.id)]
                task.pending = None
                self.timeouts[server] = self.timeouts.get(server, 0) + 1
                self._send_next(task, now)
        return self._done()

    def _done(self) -> Step:
        times = [t.pending.deadline for t in self._tasks if t.pending is not None]
        times += [t.started + self.config.resolution_timeout_ns
                  for t in self._tasks if t.root is t]
        self._step.deadline = min(times) if times else None
        return self._step

    # -- resolution --------------------------------------------------------------------
    def _start(self, task: _Task, now: int) -> None:
        self._tasks.append(task)
        self._restart(task, now)

    def _restart(self, task: _Task, now: int) -> None:
        """Answer from the cache, or find the servers to ask about ``task.name``."""
        rcode, records, authority, name = cached_answer(self.cache, task.name, task.qtype,
                                                        now)
        task.chain += [(rr, now) for rr in records]
        task.name = name
        if rcode is not None:
            return self._finish(task, rcode, authority, now)
        if self._cnames(task) > self.config.max_cname:
            return self._finish(task, SERVFAIL, [], now)
        task.zone, task.servers = self._closest_servers(name, now)
        task.tries = {}
        self._send_next(task, now)

    def _closest_servers(self, name: Name, now: int):
        while True:
            ns = self.cache.get(name, TYPE_NS, now)
            if ns:
                return name, self._servers(ns, now)
            if name == ROOT:
                return ROOT, [_Server(n, ip) for n, ip in self.hints]
            name = name.parent()

    def _servers(self, ns_records, now: int) -> list[_Server]:
        servers = []
        for rr in ns_records:
            addresses = self.cache.get(rr.rdata.target, TYPE_A, now) or []
            servers += [_Server(rr.rdata.target, a.rdata.address) for a in addresses]
            if not addresses:
                servers.append(_Server(rr.rdata.target, None))
        return servers

    def _send_next(self, task: _Task, now: int) -> None:
        cfg = self.config
        if task.root.queries >= cfg.max_queries:
            return self._finish(task, SERVFAIL, [], now)
        ready = [(task.tries.get(s.ip, 0), self.timeouts.get(s.ip, 0), i, s)
                 for i, s in enumerate(task.servers)
                 if s.ip is not None and task.tries.get(s.ip, 0) < cfg.tries_per_server]
        if ready:
            server = min(ready, key=lambda entry: entry[:3])[3]
            task.tries[server.ip] = task.tries.get(server.ip, 0) + 1
            return self._send(task, server.ip, UDP, now)
        for server in task.servers:
            if server.ip is None and not server.resolving:
                server.resolving = True
                if server.name.is_subdomain(task.zone) or task.depth >= cfg.max_depth:
                    continue            # glueless in-bailiwick (lame), or too deep
                if self._looping(task, server.name):
                    continue
                sub = _Task(task, None, UDP, server.name, TYPE_A, now, task.depth + 1,
                            task.root, server)
                return self._start(sub, now)
        self._finish(task, SERVFAIL, [], now)

    @staticmethod
    def _looping(task: _Task, name: Name) -> bool:
        """True if resolving ``name`` is already under way above ``task``."""
        while isinstance(task, _Task):
            if task.name == name and task.qtype == TYPE_A:
                return True
            task = task.client
        return False

    def _send(self, task: _Task, server: IPv4Address, transport: str, now: int) -> None:
        ident = self.rng.getrandbits(16)
        while (server, ident) in self._outgoing:
            ident = self.rng.getrandbits(16)
        edns = Edns(self.config.edns_payload) if self.config.edns_payload else None
        message = Message.query(task.name, task.qtype, id=ident, rd=False, edns=edns)
        task.pending = _Pending(server, message, transport, now + self.config.timeout_ns)
        self._outgoing[(server, ident)] = task
        task.root.queries += 1
        self.queries_sent += 1
        self._step.sends.append(Send(server, message, transport))

    def _handle(self, task: _Task, m: Message, pending: _Pending, now: int) -> None:
        if m.tc and pending.transport == UDP:
            return self._send(task, pending.server, TCP, now)
        if m.rcode not in (NOERROR, NXDOMAIN):
            task.tries[pending.server] = self.config.tries_per_server   # not again
            return self._send_next(task, now)
        zone = task.zone
        rank = RANK_ANSWER if m.aa else RANK_REFERRAL
        answer = [rr for rr in m.answer if rr.name.is_subdomain(zone)]
        name = task.name
        while True:
            rrset = [rr for rr in answer if rr.name == name and rr.rtype == task.qtype]
            if rrset:
                self.cache.put(rrset, now, rank)
                task.chain += [(rr, now) for rr in rrset]
                return self._finish(task, NOERROR, [], now)
            cname = [rr for rr in answer if rr.name == name and rr.rtype == TYPE_CNAME]
            if not cname or task.qtype == TYPE_CNAME:
                break
            self.cache.put(cname[:1], now, rank)
            task.chain.append((cname[0], now))
            if self._cnames(task) > self.config.max_cname or any(
                    rr.name == cname[0].rdata.target for rr, _ in task.chain):
                return self._finish(task, SERVFAIL, [], now)
            name = cname[0].rdata.target
        soa = [rr for rr in m.authority if rr.rtype == TYPE_SOA
               and name.is_subdomain(rr.name) and rr.name.is_subdomain(zone)]
        if name != task.name:
            task.name = name
            if not (soa and name.is_subdomain(zone)):
                return self._restart(task, now)      # the chain leaves this server
        if m.rcode == NXDOMAIN or soa:
            if soa:
                self.cache.put_negative(name, task.qtype, m.rcode, soa[0], now)
            return self._finish(task, m.rcode, soa[:1], now)
        ns = self._referral(task, m)
        if ns:
            task.referrals += 1
            if task.referrals > self.config.max_referrals:
                return self._finish(task, SERVFAIL, [], now)
            self._follow(task, ns, m, now)
        self._send_next(task, now)      # the delegated zone's servers, or (lame) another

    @staticmethod
    def _referral(task: _Task, m: Message) -> list:
        """The NS RRset of a referral to a zone below the one asked and above the
        name, or [] (no referral, or a lame or upward one)."""
        ns = [rr for rr in m.authority if rr.rtype == TYPE_NS]
        if not ns:
            return []
        cut = ns[0].name
        if (cut == task.zone or not cut.is_subdomain(task.zone)
                or not task.name.is_subdomain(cut)):
            return []
        return [rr for rr in ns if rr.name == cut]

    def _follow(self, task: _Task, ns, m: Message, now: int) -> None:
        """Cache the referral's NS RRset and its in-bailiwick glue; switch zones."""
        cut = ns[0].name
        self.cache.put(ns, now, RANK_REFERRAL)
        for target in dict.fromkeys(rr.rdata.target for rr in ns):
            glue = [rr for rr in m.additional
                    if rr.name == target and rr.rtype == TYPE_A]
            if glue and target.is_subdomain(task.zone):
                self.cache.put(glue, now, RANK_GLUE)
        task.zone, task.servers, task.tries = cut, self._servers(ns, now), {}

    @staticmethod
    def _cnames(task: _Task) -> int:
        return sum(1 for rr, _ in task.chain if rr.rtype == TYPE_CNAME)

    def _finish(self, task: _Task, rcode: int, authority, now: int) -> None:
        task.done = True
        self._tasks.remove(task)
        if task.pending is not None:
            self._outgoing.pop((task.pending.server, task.pending.message.id), None)
            task.pending = None
        if isinstance(task.client, _Task):
            return self._sub_finished(task, rcode, now)
        for other in [t for t in self._tasks if t.root is task]:
            self._finish(other, SERVFAIL, [], now)     # abandoned server-name lookups
        self._answer(task, rcode, authority, now)

    def _sub_finished(self, task: _Task, rcode: int, now: int) -> None:
        parent, server = task.client, task.for_server
        if parent.done:
            return
        if rcode == NOERROR:
            addresses = [rr.rdata.address for rr, _ in task.chain if rr.rtype == TYPE_A]
            at = next(i for i, s in enumerate(parent.servers) if s is server)
            parent.servers[at:at + 1] = [_Server(server.name, a, True) for a in addresses]
        self._send_next(parent, now)

    def _answer(self, task: _Task, rcode: int, authority, now: int) -> None:
        query = task.query
        r = Message.response_to(query, rcode)
        r.ra = True
        if rcode != SERVFAIL:
            r.answer = [rr.with_ttl(max(0, rr.ttl - (now - t) // NS_PER_S))
                        for rr, t in task.chain]
            r.authority = [rr.with_ttl(min(rr.ttl, rr.rdata.minimum)) for rr in authority]
        self._step.answers.append(Answer(task.client, self._fitted(query, r, task.transport)))

