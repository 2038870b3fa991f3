"""The host's stub resolver and the home router's DNS forwarder, sans-I/O.

Both ask the servers of a resolv.conf-like :class:`ResolvConf` the way glibc's
``res_send`` does (resolv/res_send.c): for each of ``attempts`` rounds, each server
in order (``rotate`` off: always from the first); the wait for server ``i`` of ``n``
is ``timeout << i`` seconds, divided by ``n`` when ``i > 0``, at least 1 s (so with
the defaults, 5 s each for one or two servers, and 5, 3 and 6 s for three); SERVFAIL,
NOTIMP and REFUSED move on to the next server; TC over UDP asks the same server again
over TCP (with the same wait); a response from elsewhere, with another ID or another
question is ignored. The queries have RD set and carry EDNS0 only with ``edns0``
(glibc's ``options edns0``, 1200 bytes).

:class:`StubResolver` answers from its hosts table first (as ``hosts: files dns``),
then its cache if it has one (glibc has none; nscd and systemd-resolved do), then the
servers. :class:`Forwarder` (dnsmasq-like) answers clients from its cache (dnsmasq's
default size is 150) or forwards the question under a fresh ID and relays the answer
with the client's ID, caching it. When no server answers, the stub reports
``error="timed out"`` and the forwarder answers SERVFAIL.
"""

from dataclasses import dataclass

from simulator.engine.units import NS_PER_S
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import (FORMERR, NOERROR, NOTIMP, NXDOMAIN, REFUSED, SERVFAIL, Edns,
                                Message)
from simulator.wire.dns_records import (AAAA, PTR, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_PTR,
                                        TYPE_SOA, A, Name, ResourceRecord)

from .cache import RANK_ANSWER, Cache, cached_answer
from .replies import fit, udp_limit
from .steps import TCP, UDP, Answer, Send, Step

__all__ = ["ResolvConf", "HostsTable", "StubResolver", "Forwarder", "MAXNS"]

MAXNS = 3                   # glibc reads at most three nameserver lines
_NEXT_SERVER = (SERVFAIL, NOTIMP, REFUSED)


@dataclass(frozen=True)
class ResolvConf:
    """resolv.conf: ``nameserver`` lines, ``options timeout:5 attempts:2 rotate edns0``
    (glibc's defaults RES_TIMEOUT and RES_DFLRETRY)."""
    nameservers: tuple
    timeout: int = 5
    attempts: int = 2
    rotate: bool = False
    edns0: bool = False

    def __post_init__(self):
        servers = tuple(IPv4Address(ip) for ip in self.nameservers)[:MAXNS]
        if not servers:
            raise ValueError("resolv.conf: no nameserver")
        object.__setattr__(self, "nameservers", servers)

    def wait_ns(self, index: int) -> int:
        """glibc send_dg: ``retrans << ns``, divided by nscount unless ns is 0, ≥ 1 s."""
        seconds = self.timeout << index
        if index > 0:
            seconds //= len(self.nameservers)
        return max(seconds, 1) * NS_PER_S


class HostsTable:
    """/etc/hosts as ``{name: [address, ...]}``: names compare case-insensitively;
    A and AAAA by name, PTR by the reverse name of an address."""

    def __init__(self, entries=None):
        self._by_name: dict[tuple, list] = {}
        self._by_reverse: dict[tuple, Name] = {}
        for name, addresses in (entries or {}).items():
            owner = Name.of(name)
            for text in addresses:
                rdata = AAAA(text) if ":" in str(text) else A(text)
                self._by_name.setdefault(owner.key, []).append(rdata)
                reverse = Name.of(rdata.address.reverse_pointer)
                self._by_reverse.setdefault(reverse.key, owner)

    def lookup(self, name: Name, qtype: int) -> list[ResourceRecord]:
        if qtype == TYPE_PTR:
            owner = self._by_reverse.get(name.key)
            return [ResourceRecord(name, 0, PTR(owner))] if owner is not None else []
        return [ResourceRecord(name, 0, rdata) for rdata in self._by_name.get(name.key, ())
                if rdata.rtype == qtype and qtype in (TYPE_A, TYPE_AAAA)]


class _Exchange:
    """One question put to the configured servers in glibc's order."""

    __slots__ = ("client", "question_of", "order", "position", "message", "server",
                 "transport", "deadline", "last_error")

    def __init__(self, client, question_of, order):
        self.client = client
        self.question_of = question_of      # the client's query (forwarder) or None
        self.order = order                  # server indexes, round after round
        self.position = -1
        self.message = self.server = self.transport = self.deadline = None
        self.last_error: Message | None = None


class _Upstream:
    """What the stub and the forwarder share: asking the servers, in order."""

    def __init__(self, conf: ResolvConf, rng, cache: Cache | None):
        self.conf = conf
        self.rng = rng
        self.cache = cache
        self.queries_sent = 0
        self._offset = 0
        self._outgoing: dict[tuple, _Exchange] = {}
        self._step = Step()

    def _begin(self, client, name: Name, qtype: int, query: Message | None, now: int):
        n = len(self.conf.nameservers)
        start = self._offset % n if self.conf.rotate else 0
        self._offset += 1
        order = [(start + i) % n for _ in range(self.conf.attempts) for i in range(n)]
        ex = _Exchange(client, query, order)
        ident = self._new_id()
        edns = Edns(1200) if self.conf.edns0 else None
        ex.message = Message.query(name, qtype, id=ident, rd=True, edns=edns)
        self._next(ex, now)

    def _new_id(self) -> int:
        used = {key[1] for key in self._outgoing}
        ident = self.rng.getrandbits(16)
        while ident in used:
            ident = self.rng.getrandbits(16)
        return ident

    def _next(self, ex: _Exchange, now: int) -> None:
        ex.position += 1
        if ex.position >= len(ex.order):
            return self._completed(ex, ex.last_error, now)
        index = ex.order[ex.position]
        self._send(ex, self.conf.nameservers[index], UDP, now + self.conf.wait_ns(index))

    def _send(self, ex: _Exchange, server, transport: str, deadline: int) -> None:
        ex.server, ex.transport, ex.deadline = server, transport, deadline
        self._outgoing[(server, ex.message.id)] = ex
        self.queries_sent += 1
        self._step.sends.append(Send(server, ex.message, transport))

    def response_arrives(self, message: Message, server, now: int,
                         transport: str = UDP) -> Step:
        self._step = Step()
        key = (IPv4Address(server), message.id)
        ex = self._outgoing.get(key)
        if (ex is not None and message.qr and ex.transport == transport
                and message.questions == ex.message.questions):
            del self._outgoing[key]
            if message.tc and transport == UDP:
                index = ex.order[ex.position]
                self._send(ex, ex.server, TCP, now + self.conf.wait_ns(index))
            elif message.rcode in _NEXT_SERVER:
                ex.last_error = message
                self._next(ex, now)
            else:
                self._completed(ex, message, now)
        return self._done()

    def waiting_for(self, server, ident: int) -> bool:
        """Whether a response from ``server`` with ID ``ident`` is still awaited."""
        return (IPv4Address(server), ident) in self._outgoing

    def timer_fires(self, now: int) -> Step:
        self._step = Step()
        for key, ex in list(self._outgoing.items()):
            if now >= ex.deadline:
                del self._outgoing[key]
                self._next(ex, now)
        return self._done()

    def _done(self) -> Step:
        self._step.deadline = min((ex.deadline for ex in self._outgoing.values()),
                                  default=None)
        return self._step

    def _store(self, name: Name, qtype: int, response: Message, now: int) -> None:
        """Cache the answer RRsets and a negative answer's SOA (RFC 2308 §5)."""
        if self.cache is None:
            return
        groups: dict[tuple, list] = {}
        for rr in response.answer:
            groups.setdefault((rr.name.key, rr.rtype), []).append(rr)
        for rrset in groups.values():
            self.cache.put(rrset, now, RANK_ANSWER)
        last = name                         # the end of the CNAME chain
        for rr in response.answer:
            if rr.name == last and rr.rtype == TYPE_CNAME and qtype != TYPE_CNAME:
                last = rr.rdata.target
        answered = any(rr.name == last and rr.rtype == qtype for rr in response.answer)
        soa = [rr for rr in response.authority if rr.rtype == TYPE_SOA]
        if soa and not answered and response.rcode in (NOERROR, NXDOMAIN):
            self.cache.put_negative(last, qtype, response.rcode, soa[0], now)

    def _completed(self, ex: _Exchange, message: Message | None, now: int) -> None:
        raise NotImplementedError


class StubResolver(_Upstream):
    """A host's resolver library: ``lookup(name, qtype, now, client)``."""

    def __init__(self, conf: ResolvConf, rng, hosts: HostsTable | None = None,
                 cache: Cache | None = None):
        super().__init__(conf, rng, cache)
        self.hosts = hosts or HostsTable()

    def lookup(self, name, qtype: int, now: int, client=None) -> Step:
        self._step = Step()
        name = Name.of(name)
        found = self.hosts.lookup(name, qtype)
        if found:
            answer = Message(0, qr=True, rd=True, ra=True, answer=found,
                             questions=[Message.query(name, qtype).question])
            self._step.answers.append(Answer(client, answer))
            return self._done()
        if self.cache is not None:
            rcode, records, authority, _ = cached_answer(self.cache, name, qtype, now)
            if rcode is not None:
                response = Message.response_to(Message.query(name, qtype), rcode)
                response.ra, response.answer, response.authority = True, records, authority
                self._step.answers.append(Answer(client, response))
                return self._done()
        self._begin(client, name, qtype, None, now)
        return self._done()

    def _completed(self, ex: _Exchange, message: Message | None, now: int) -> None:
        if message is None:
            self._step.answers.append(Answer(ex.client, None, "timed out"))
            return
        if message.rcode in _NEXT_SERVER:
            self._step.answers.append(Answer(ex.client, message, "server failure", ex.server))
            return
        q = ex.message.question
        self._store(q.name, q.qtype, message, now)
        self._step.answers.append(Answer(ex.client, message, server=ex.server))


class Forwarder(_Upstream):
    """A DNS proxy: ``query(message, now, client, transport)`` like a resolver."""

    def __init__(self, conf: ResolvConf, rng, cache: Cache | None = None,
                 edns_payload: int = 1232):
        super().__init__(conf, rng, cache if cache is not None else Cache(capacity=150))
        self.edns_payload = edns_payload
        self.answered_from_cache = 0

    def query(self, message: Message, now: int, client=None, transport: str = UDP) -> Step:
        self._step = Step()
        q = message.question
        if len(message.questions) != 1:
            self._reply(client, message, Message.response_to(message, FORMERR), transport)
            return self._done()
        rcode, records, authority, _ = cached_answer(self.cache, q.name, q.qtype, now)
        if rcode is not None:
            self.answered_from_cache += 1
            response = Message.response_to(message, rcode)
            response.ra, response.answer, response.authority = True, records, authority
            self._reply(client, message, response, transport)
            return self._done()
        self._begin((client, transport), q.name, q.qtype, message, now)
        return self._done()

    def _completed(self, ex: _Exchange, message: Message | None, now: int) -> None:
        client, transport = ex.client
        query = ex.question_of
        response = Message.response_to(query, SERVFAIL if message is None else message.rcode)
        response.ra = True
        if message is not None:
            q = ex.message.question
            self._store(q.name, q.qtype, message, now)
            response.aa = False
            response.answer = message.answer
            response.authority = message.authority
            response.additional = message.additional
        self._reply(client, query, response, transport)

    def _reply(self, client, query: Message, response: Message, transport: str) -> None:
        if query.edns is not None:
            response.edns = Edns(self.edns_payload)
        limit = udp_limit(query, self.edns_payload) if transport == UDP else 65535
        self._step.answers.append(Answer(client, fit(response, limit)))

