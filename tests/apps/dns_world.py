"""A small DNS world for the sans-I/O tests: the zones of a root → com/net →
example.com hierarchy, and :class:`World`, a virtual clock that carries messages
(through bytes, our codec both ways) between the DNS objects by IP with a fixed
one-way delay, and fires their timers at their deadlines."""

import heapq
from dataclasses import dataclass

from simulator.apps.dns.authoritative import AuthoritativeServer
from simulator.apps.dns.zone import Zone
from simulator.wire.addr import IPv4Address
from simulator.wire.dns import Message
from simulator.wire.dns_records import type_text

MS = 1_000_000
S = 1_000_000_000

ROOT_A, ROOT_B = IPv4Address("198.41.0.4"), IPv4Address("170.247.170.2")
GTLD_A, GTLD_B = IPv4Address("192.5.6.30"), IPv4Address("192.33.14.30")
NS1, NS2 = IPv4Address("203.0.113.53"), IPv4Address("203.0.113.54")
GLUELESS_NS = IPv4Address("203.0.113.60")
ROOT_HINTS = [("a.root-servers.net", ROOT_A), ("b.root-servers.net", ROOT_B)]


def records(*lines):
    """``"name ttl type data"`` lines → Zone.from_dict records."""
    out = []
    for line in lines:
        name, ttl, rtype, data = line.split(None, 3)
        out.append({"name": name, "ttl": int(ttl), "type": rtype, "data": data})
    return out


ROOT_ZONE = {"origin": ".", "records": records(
    "@ 86400 SOA a.root-servers.net. nstld.verisign-grs.com. 2024010100 1800 900 604800 86400",
    "@ 518400 NS a.root-servers.net.",
    "@ 518400 NS b.root-servers.net.",
    "com. 172800 NS a.gtld-servers.net.",
    "com. 172800 NS b.gtld-servers.net.",
    "net. 172800 NS a.gtld-servers.net.",
    "net. 172800 NS b.gtld-servers.net.",
    "a.gtld-servers.net. 172800 A 192.5.6.30",
    "b.gtld-servers.net. 172800 A 192.33.14.30",
    "a.root-servers.net. 518400 A 198.41.0.4",
    "b.root-servers.net. 518400 A 170.247.170.2")}

COM_ZONE = {"origin": "com", "records": records(
    "@ 900 SOA a.gtld-servers.net. nstld.verisign-grs.com. 1700000000 1800 900 604800 86400",
    "@ 172800 NS a.gtld-servers.net.",
    "@ 172800 NS b.gtld-servers.net.",
    "example 172800 NS ns1.example.com.",
    "example 172800 NS ns2.example.com.",
    "ns1.example 172800 A 203.0.113.53",
    "ns2.example 172800 A 203.0.113.54",
    "glueless 172800 NS ns.example.net.")}

NET_ZONE = {"origin": "net", "records": records(
    "@ 900 SOA a.gtld-servers.net. nstld.verisign-grs.com. 1700000000 1800 900 604800 86400",
    "@ 172800 NS a.gtld-servers.net.",
    "@ 172800 NS b.gtld-servers.net.",
    "a.gtld-servers 172800 A 192.5.6.30",
    "b.gtld-servers 172800 A 192.33.14.30",
    "example 172800 NS ns1.example.com.")}

EXAMPLE_COM = """\
$ORIGIN example.com.
$TTL 86400
@       3600 IN SOA ns1 hostmaster (
                2024010101 ; serial
                7200       ; refresh
                3600       ; retry
                1209600    ; expire
                300 )      ; minimum: the negative TTL
        IN NS  ns1
        IN NS  ns2
        IN MX  10 mail
ns1     IN A   203.0.113.53
ns2     IN A   203.0.113.54
mail    300 IN A 192.0.2.25
www     300 IN A    93.184.216.34
www     300 IN AAAA 2606:2800:220:1::248
alias   300 IN CNAME www
outside 300 IN CNAME www.example.net.
loop1   IN CNAME loop2
loop2   IN CNAME loop1
a.sub   IN A   192.0.2.1
dept    IN NS  ns.dept
ns.dept IN A   203.0.113.99
""" + "".join(f"big 60 IN A 10.0.{i // 250}.{i % 250 + 1}\n" for i in range(100))

EXAMPLE_NET = {"origin": "example.net", "records": records(
    "@ 3600 SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 600",
    "@ 86400 NS ns1.example.com.",
    "www 120 A 198.51.100.80",
    "ns 86400 A 203.0.113.60")}

GLUELESS_COM = {"origin": "glueless.com", "records": records(
    "@ 3600 SOA ns.example.net. hostmaster.example.net. 1 7200 3600 1209600 60",
    "@ 86400 NS ns.example.net.",
    "www 600 A 198.51.100.7")}


def zones():
    return {"root": Zone.from_dict(ROOT_ZONE), "com": Zone.from_dict(COM_ZONE),
            "net": Zone.from_dict(NET_ZONE),
            "example.com": Zone.from_master(EXAMPLE_COM, "example.com"),
            "example.net": Zone.from_dict(EXAMPLE_NET),
            "glueless.com": Zone.from_dict(GLUELESS_COM)}


def hierarchy():
    """IP → AuthoritativeServer for every server of the hierarchy."""
    z = zones()
    root = AuthoritativeServer([z["root"]])
    gtld = AuthoritativeServer([z["com"], z["net"]])
    example = AuthoritativeServer([z["example.com"], z["example.net"]])
    return {ROOT_A: root, ROOT_B: root, GTLD_A: gtld, GTLD_B: gtld, NS1: example,
            NS2: example, GLUELESS_NS: AuthoritativeServer([z["glueless.com"]])}


@dataclass(frozen=True)
class Sent:
    """One message put on the network."""
    time: int
    src: IPv4Address
    dst: IPv4Address
    message: Message
    transport: str

    def brief(self):
        q = self.message.question
        kind = "response" if self.message.qr else "query"
        return (self.time // MS, str(self.dst), kind, f"{q.name} {type_text(q.qtype)}",
                self.transport)


class World:
    """Nodes by IP: AuthoritativeServer (answers synchronously) or a sans-I/O client
    (query / response_arrives / timer_fires → Step). ``dead`` IPs drop what they
    get. A client token ``("net", ip)`` means "answer back over the network"; any
    other token is a local app, whose answers land in ``answers`` with their time."""

    def __init__(self, nodes, delay_ns: int = 10 * MS):
        self.nodes = dict(nodes)
        self.delay_ns = delay_ns
        self.now = 0
        self.dead: set = set()
        self.sent: list[Sent] = []
        self.answers: list = []
        self._events: list = []
        self._timers: dict = {}
        self._seq = 0

    def queries(self, src=None):
        return [s.brief() for s in self.sent
                if not s.message.qr and (src is None or s.src == IPv4Address(src))]

    def step(self, ip, step) -> None:
        """Carry out a Step made by the node at ``ip``."""
        ip = IPv4Address(ip)
        for send in step.sends:
            self._transmit(ip, send.server, send.message, send.transport)
        for answer in step.answers:
            token = answer.client
            if isinstance(token, tuple) and token[0] == "net":
                self._transmit(ip, token[1], answer.message, token[2])
            else:
                self.answers.append((self.now, answer))
        self._timers[ip] = step.deadline

    def _transmit(self, src, dst, message, transport) -> None:
        self.sent.append(Sent(self.now, src, dst, message, transport))
        if dst in self.dead or dst not in self.nodes:
            return
        self._seq += 1
        heapq.heappush(self._events, (self.now + self.delay_ns, self._seq, src, dst,
                                      message.pack(), transport))

    def run(self, until: int | None = None) -> None:
        for _ in range(100_000):
            timers = [(t, ip) for ip, t in self._timers.items() if t is not None]
            timer = min(timers, default=None)
            event = self._events[0] if self._events else None
            if timer is None and event is None:
                self.now = max(self.now, until or 0)
                return
            at = min(x[0] for x in (timer, event) if x is not None)
            if until is not None and at > until:
                self.now = until
                return
            self.now = at
            if timer is not None and timer[0] == at and (event is None or event[0] > at):
                ip = timer[1]
                self._timers[ip] = None
                self.step(ip, self.nodes[ip].timer_fires(at))
            else:
                self._deliver(*heapq.heappop(self._events)[2:])
        raise AssertionError("the world did not settle in 100000 events")

    def _deliver(self, src, dst, data, transport) -> None:
        message = Message.unpack(data)
        node = self.nodes[dst]
        if isinstance(node, AuthoritativeServer):
            response = node.answer(message, transport)
            if response is not None:
                self._transmit(dst, src, response, transport)
        elif message.qr:
            self.step(dst, node.response_arrives(message, src, self.now, transport))
        else:
            self.step(dst, node.query(message, self.now, ("net", src, transport), transport))
