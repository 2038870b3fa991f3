"""The ``dig`` and ``nslookup`` apps: one question to one server, printed as BIND 9.18's
tools print it (dig.py).

A :class:`Query` is dig's exchange, sans-I/O like the resolvers: up to ``tries`` sends
of the query, each waited for ``timeout`` (dig's ``+tries=3 +timeout=5``), over UDP
(or TCP with ``+tcp``); a response with TC over UDP is asked again over TCP (dig:
``;; Truncated, retrying in TCP mode.``); any other response ends it. The query time
is measured from the last send to the response, as dig's. ``nslookup`` asks the A and
then the AAAA question, as nslookup 9.18 does, without EDNS.
"""

from typing import ClassVar, Literal

from pydantic import Field

from simulator.apps import checks
from simulator.apps.checks import Check
from simulator.apps.kind import AppKind, AppSpec, Role
from simulator.apps.lifecycle import Stoppable, ended
from simulator.spec.values import S, Bool, Int, IPv4Addr, Nanoseconds, Text
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import Edns, Message, rcode_text
from simulator.wire.dns_records import TYPE_A, TYPE_AAAA, TYPE_CNAME, Name, type_code

from .dig import dig_text, dig_timeout_text, nslookup_text
from .driver import Exchanges
from .steps import TCP, UDP, Answer, Send, Step
from .values import Domain, RecordType

__all__ = ["Query", "Dig", "Nslookup", "DIG", "NSLOOKUP"]

EDNS_PAYLOAD = 1232             # dig 9.18's +bufsize


class Query:
    """One question for ``server``: ``start(now)``, then ``response_arrives`` and
    ``timer_fires`` as any engine of driver.Exchanges."""

    def __init__(self, server, message: Message, transport: str, timeout_ns: int,
                 tries: int):
        self.server, self.message, self.transport = server, message, transport
        self.timeout_ns, self.tries_left = timeout_ns, tries
        self.tries = 0
        self.truncated = False
        self.sent_at = self.deadline = None
        self.done = False

    def start(self, now: int) -> Step:
        return self._send(Step(), now)

    def _send(self, step: Step, now: int) -> Step:
        self.tries += 1
        self.tries_left -= 1
        self.sent_at, self.deadline = now, now + self.timeout_ns
        step.sends.append(Send(self.server, self.message, self.transport))
        step.deadline = self.deadline
        return step

    def waiting_for(self, server, ident: int) -> bool:
        return not self.done and server == self.server and ident == self.message.id

    def response_arrives(self, message: Message, server, now: int, transport: str) -> Step:
        step = Step(deadline=None if self.done else self.deadline)
        if (self.done or server != self.server or transport != self.transport
                or message.id != self.message.id or not message.qr
                or message.questions != self.message.questions):
            return step
        if message.tc and transport == UDP:
            self.truncated, self.transport = True, TCP
            return self._send(step, now)
        self.done = True
        step.deadline = None
        step.answers.append(Answer(self, message, server=server))
        return step

    def timer_fires(self, now: int) -> Step:
        step = Step()
        if self.done:
            return step
        if now < self.deadline:
            step.deadline = self.deadline
        elif self.tries_left > 0:
            return self._send(step, now)
        else:
            self.done = True
            step.answers.append(Answer(self, None, "timed out"))
        return step


def _answers(message: Message, qname: Name, qtype: int) -> tuple[list[str], bool]:
    """The data of the answer's records of ``qtype`` at the end of its CNAME chain, and
    whether there were none (NODATA, with NOERROR)."""
    name = qname
    for rr in message.answer:
        if rr.name == name and rr.rtype == TYPE_CNAME and qtype != TYPE_CNAME:
            name = rr.rdata.target
    found = [rr.rdata.text() for rr in message.answer if rr.name == name and rr.rtype == qtype]
    return found, message.rcode == 0 and not found


class _Lookup(Stoppable):
    """What dig and nslookup share: the server, the ID stream, running Queries.
    Stopped, it sends no more tries and keeps what was answered by then."""

    def __init__(self, host, name: str, server, timeout_ns: int, tries: int, app_name):
        self.host, self.sim = host, host.sim
        self.qname = name
        self.server = None if server is None else IPv4Address(server)
        self.timeout_ns, self.tries = timeout_ns, tries
        self.name = app_name or self.kind
        self.rng = self.sim.rng.stream(f"{self.kind}:{host.name}")
        self.lines: list[str] = []
        self.error = None
        self._exchanges: list[Exchanges] = []

    def release(self) -> None:
        for exchanges in self._exchanges:
            exchanges.close()

    def _server(self):
        if self.server is None:
            servers = getattr(getattr(self.host, "resolver", None), "servers", ())
            self.server = servers[0] if servers else None
        return self.server

    def _ask(self, qtype: int, transport: str, rd: bool, edns, then) -> None:
        message = Message.query(self.qname, qtype, id=self.rng.getrandbits(16), rd=rd,
                                edns=edns)
        query = Query(self.server, message, transport, self.timeout_ns, self.tries)
        exchanges = Exchanges(self.host, query, lambda answer: then(query, answer))
        self._exchanges.append(exchanges)
        exchanges.run(query.start(self.sim.now))


class Dig(_Lookup):
    kind = "dig"

    def __init__(self, host, name: str, qtype: str = "A", server=None, tcp: bool = False,
                 recurse: bool = True, edns: bool = True, timeout_ns: int = 5_000_000_000,
                 tries: int = 3, app_name: str | None = None):
        super().__init__(host, name, server, timeout_ns, tries, app_name)
        self.qtype, self.tcp, self.recurse, self.edns = qtype.upper(), tcp, recurse, edns
        self.response = self.query = None
        self.query_time_ns = None

    def args(self) -> str:
        words = [f"@{self.server}", self.qname, self.qtype]
        words += ["+tcp"] if self.tcp else []
        words += [] if self.recurse else ["+norecurse"]
        words += [] if self.edns else ["+noedns"]
        return " ".join(words)

    def start(self) -> None:
        if self._server() is None:
            self.error = "no servers"
            self.lines = [";; no servers could be reached (no server given and no dns: servers)"]
            return ended(self)
        self._ask(type_code(self.qtype), TCP if self.tcp else UDP, self.recurse,
                  Edns(EDNS_PAYLOAD) if self.edns else None, self._answered)

    def _answered(self, query: Query, answer) -> None:
        self.query = query
        lines = [";; Truncated, retrying in TCP mode."] if query.truncated else []
        if answer.message is None:
            self.error = "timed out"
            text = dig_timeout_text(args=self.args(), server=self.server, tries=query.tries)
        else:
            self.response = answer.message
            self.query_time_ns = self.sim.now - query.sent_at
            text = dig_text(answer.message, args=self.args(), server=self.server,
                            query_time_ns=self.query_time_ns, transport=query.transport)
        self.lines = lines + text.split("\n")
        ended(self)

    def result(self) -> dict:
        out = {"app": self.kind, "name": self.name, "node": self.host.name,
               "qname": self.qname, "qtype": self.qtype,
               "server": None if self.server is None else str(self.server),
               "errors": int(self.error is not None), "output": self.lines}
        m = self.response
        if m is None:
            return {**out, "rcode": None if self.query is None else "TIMEOUT", "answers": [],
                    "nodata": False, "ttls": [], "flags": [], "transport": None,
                    "truncated": False, "query_time_ns": None}
        answers, nodata = _answers(m, Name.of(self.qname), type_code(self.qtype))
        return {**out, "rcode": rcode_text(m.rcode), "answers": answers, "nodata": nodata,
                "ttls": [rr.ttl for rr in m.answer], "flags": m.flags_text().split(),
                "transport": self.query.transport, "truncated": self.query.truncated,
                "query_time_ns": self.query_time_ns}


class Nslookup(_Lookup):
    kind = "nslookup"

    def __init__(self, host, name: str, server=None, timeout_ns: int = 5_000_000_000,
                 tries: int = 3, app_name: str | None = None):
        super().__init__(host, name, server, timeout_ns, tries, app_name)
        self.responses: list = []

    def start(self) -> None:
        if self._server() is None:
            self.error = "no servers"
            self.lines = [";; no servers could be reached (no server given and no dns: servers)"]
            return ended(self)
        self._ask(TYPE_A, UDP, True, None, self._answered)

    def _answered(self, query: Query, answer) -> None:
        self.responses.append(answer.message)
        if len(self.responses) == 1 and answer.message is not None:
            return self._ask(TYPE_AAAA, UDP, True, None, self._answered)
        self.lines = nslookup_text(self.qname, self.responses, server=self.server).split("\n")
        if all(r is None for r in self.responses):
            self.error = "timed out"
        ended(self)

    def result(self) -> dict:
        answered = [r for r in self.responses if r is not None]
        addresses = [rr.rdata.text() for r in answered for rr in r.answer
                     if rr.rtype in (TYPE_A, TYPE_AAAA)]
        rcode = (rcode_text(answered[0].rcode) if answered
                 else "TIMEOUT" if self.responses else None)
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "qname": self.qname, "server": None if self.server is None else str(self.server),
                "rcode": rcode, "answers": addresses, "errors": int(self.error is not None),
                "output": self.lines}


# ---------------------------------------------------------------- YAML and checks

class _QuerySpec(AppSpec):
    doc_defaults: ClassVar = {"server": "the node's first `dns:` server"}

    name: Domain = Field(description="the question's name")
    server: IPv4Addr | None = Field(None, description="where the query goes (`@server`)")
    timeout: Nanoseconds = Field(5 * S, gt=0, description="wait per try")
    tries: Int = Field(3, ge=1, le=10, description="tries in all")


class DigSpec(_QuerySpec):
    """dig NAME TYPE @SERVER [+tcp] [+norecurse] [+noedns]."""

    type: RecordType = Field("A", description=(
        "the question's type (A, AAAA, NS, CNAME, SOA, PTR, MX, TXT, ANY, `TYPEnnn`)"))
    tcp: Bool = Field(False, description="`+tcp`")
    recurse: Bool = Field(True, description=(
        "false: `+norecurse` (RD clear: a resolver answers from its cache alone)"))
    edns: Bool = Field(True, description="EDNS0 with 1232 bytes (false: `+noedns`)")


class NslookupSpec(_QuerySpec):
    """nslookup NAME [SERVER]."""


def build_dig(node, spec: DigSpec, name: str) -> Dig:
    return Dig(node, spec.name, spec.type, spec.server, tcp=spec.tcp, recurse=spec.recurse,
               edns=spec.edns, timeout_ns=spec.timeout, tries=spec.tries, app_name=name)


def build_nslookup(node, spec: NslookupSpec, name: str) -> Nslookup:
    return Nslookup(node, spec.name, spec.server, timeout_ns=spec.timeout, tries=spec.tries,
                    app_name=name)


def _ms(ns) -> str:
    return f"{ns / 1e6:g} ms"


RCODE = Check("rcode", "rcode", Text, lambda got, want: got == want.upper(),
              description="equal (`TIMEOUT` when nothing came)")
ANSWER = Check("answer", "answers", Text, lambda got, want: want in got,
               lambda v: repr(v) if isinstance(v, str) else "[" + ", ".join(v) + "]",
               "contains",
               description="one answer's data equals it")
NODATA = Check("nodata", "nodata", Bool, lambda got, want: got == want,
               description="equal (NOERROR, no data of the type)")
TTL_MAX = Check("ttl_max", "ttls", Int, lambda got, want: bool(got) and max(got) <= want,
                lambda v: str(v) if isinstance(v, int) else str(max(v, default=None)), "<=",
                {"ge": 0},
                description="an answer came and every TTL ≤ given (from a cache: counted down)")
QUERY_TIME_MAX = Check("query_time_max", "query_time_ns", Nanoseconds,
                       lambda got, want: got <= want, _ms, "<=",
                       description="measured ≤ given")
QUERY_TIME_MIN = Check("query_time_min", "query_time_ns", Nanoseconds,
                       lambda got, want: got >= want, _ms, ">=",
                       description="measured ≥ given")
TRANSPORT = Check("transport", "transport", Literal["udp", "tcp"],
                  lambda got, want: got == want,
                  description="equal (`tcp` after TC=1)")

DIG = AppKind("dig", DigSpec, build_dig,
              (RCODE, ANSWER, NODATA, TTL_MAX, QUERY_TIME_MAX, QUERY_TIME_MIN, TRANSPORT,
               *checks.BASIC), Role.UDP_CLIENT)
NSLOOKUP = AppKind("nslookup", NslookupSpec, build_nslookup, (RCODE, ANSWER, *checks.BASIC),
                   Role.UDP_CLIENT)
