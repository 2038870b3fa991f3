"""The ``browse`` app: what a browser does to open URLs, phase by phase, and the
:class:`Fetcher` that ``http_get`` shares.

For each URL: look the host up (``node.resolver``: hosts table, cache, servers),
connect (the TCP handshake), send the GET and wait for the first byte of the
response (time to first byte), read the rest (transfer). A connection to the same
host and port is reused while the server keeps it open (RFC 9112 §9.3), so a
second URL on one host has no DNS or connect phase; a redirect (RFC 9110 §15.4) is
followed as a new row, as a browser's network tab lists it. At the end the
browser closes its connection (so it, the active closer, ends in TIME-WAIT).

The per-URL phases add up exactly: total = dns + connect + ttfb + transfer.
"""

from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import urljoin

from pydantic import Field, field_validator

from simulator.apps import checks
from simulator.apps.bulk import tcp_summary
from simulator.apps.http.url import check_url, lookup, split_url
from simulator.apps.kind import AppKind, AppSpec
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, Int, Nanoseconds

if TYPE_CHECKING:
    from simulator.apps.http.client import HttpConnection

MAX_REDIRECTS = 5        # Chrome follows 20; a model needs few


class Fetcher:
    """Fetches URLs over at most one open connection, reused for the same host."""

    def __init__(self, node, timeout_ns: int, keep_alive: bool = True):
        self.node, self.sim = node, node.sim
        self.timeout_ns, self.keep_alive = timeout_ns, keep_alive
        self.conn: "HttpConnection | None" = None
        self.socks: list = []            # every connection's socket, in order
        self.rows: list[dict] = []

    def fetch(self, url: str, method: str = "GET", redirects: int = MAX_REDIRECTS):
        """A process step: fetch ``url``, following up to ``redirects`` redirects; one
        row per request in ``self.rows``."""
        while True:
            row, location = yield from self._one(url, method)
            self.rows.append(row)
            if location is None or redirects == 0:
                return row
            url, redirects = urljoin(url, location), redirects - 1

    def _one(self, url: str, method: str):
        """A process step: one request (value: its row and the redirect's Location)."""
        from simulator.apps.http.client import HttpConnection   # h11: only once a URL is fetched

        sim = self.sim
        host, port, target = split_url(url)
        start = sim.now
        row = {"url": url, "method": method, "host": host, "port": port, "status": None,
               "type": None, "body_bytes": 0, "bytes": 0, "reused": False,
               "dns_ns": 0, "dns_source": None, "dns_rcode": None, "connect_ns": 0,
               "ttfb_ns": 0, "transfer_ns": 0, "total_ns": 0, "error": None}
        conn = self.conn
        if conn is not None and conn.host == host and conn.address[1] == port and conn.reusable:
            row["reused"] = True
        else:
            self.close()
            answer = yield from lookup(self.node, host)
            row.update(dns_ns=sim.now - start, dns_source=answer.source, dns_rcode=answer.rcode)
            if not answer.addresses:
                row.update(error=f"DNS {answer.rcode}", total_ns=sim.now - start)
                return row, None
            connecting = sim.now
            conn = HttpConnection(self.node, (answer.addresses[0], port), host,
                                  self.timeout_ns, self.keep_alive)
            self.socks.append(conn.sock)
            error = yield from conn.open()
            row["connect_ns"] = sim.now - connecting
            if error is not None:
                row.update(error=error, total_ns=sim.now - start)
                return row, None
            self.conn = conn
        row["address"] = str(conn.address[0])
        ex = yield from conn.exchange(method, target)
        first = ex.first_byte_ns if ex.first_byte_ns is not None else ex.done_ns
        row.update(status=ex.status, type=ex.headers.get("content-type"), headers=ex.headers,
                   body_bytes=ex.body_bytes, bytes=ex.response_bytes, error=ex.error,
                   ttfb_ns=first - ex.start_ns, transfer_ns=ex.done_ns - first,
                   total_ns=ex.done_ns - start)
        if not conn.reusable:
            self.conn = None
            yield from conn.finish()
        return row, ex.location

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def close_all(self) -> None:
        """Close every connection still open, the one being set up or finished too
        (the app was stopped mid-request; that request has no row)."""
        for sock in self.socks:
            sock.close()
        self.conn = None

    def summary(self) -> dict:
        """The result fields expectations read, over every row."""
        rows = self.rows
        return {"connected": any(r["status"] is not None for r in rows),
                "statuses": [r["status"] for r in rows],
                "totals_ns": [r["total_ns"] for r in rows],
                "dns_sources": [r["dns_source"] for r in rows if not r["reused"]],
                "bytes_received": sum(r["body_bytes"] for r in rows),
                "errors": sum(r["error"] is not None for r in rows),
                "tcp_states": [s.state.value for s in self.socks],
                **tcp_summary(self.socks[-1] if self.socks else None)}


def ms(ns: int) -> str:
    return f"{ns / 1e6:.3f} ms"


def network_tab(rows: list[dict]) -> list[str]:
    """The rows as a browser's network tab lists them, one line per request."""
    head = (f"{'#':>2}  {'URL':<36} {'status':>6} {'type':<10} {'bytes':>8}  {'dns':>11} "
            f"{'connect':>11} {'ttfb':>11} {'transfer':>11} {'total':>11}  dns from")
    lines = [head]
    for i, r in enumerate(rows, 1):
        status = r["status"] if r["status"] is not None else "-"
        source = "(reused)" if r["reused"] else (r["dns_source"] or "-")
        lines.append(f"{i:>2}  {r['url']:<36} {status:>6} {(r['type'] or '-'):<10} "
                     f"{r['body_bytes']:>8}  {ms(r['dns_ns']):>11} {ms(r['connect_ns']):>11} "
                     f"{ms(r['ttfb_ns']):>11} {ms(r['transfer_ns']):>11} "
                     f"{ms(r['total_ns']):>11}  {source}")
        if r["error"]:
            lines.append(f"    {r['url']}: {r['error']}")
    return lines


class Browse(Stoppable):
    kind = "browse"

    def __init__(self, host, urls: list[str], timeout_ns: int = 30_000_000_000,
                 name: str | None = None):
        self.host, self.sim, self.urls = host, host.sim, list(urls)
        self.name = name or self.kind
        self.fetcher = Fetcher(host, timeout_ns)
        self.start_ns = self.done_ns = None

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        self.start_ns = self.sim.now
        for url in self.urls:
            yield from self.fetcher.fetch(url)
        self.release()

    def release(self) -> None:
        self.fetcher.close_all()
        if self.start_ns is not None:
            self.done_ns = self.sim.now

    def result(self) -> dict:
        rows = self.fetcher.rows
        lines = [f"browse from {self.host.name}: {len(self.urls)} URL(s)", *network_tab(rows)]
        if self.done_ns is not None:
            lines.append(f"{len(rows)} requests, {sum(r['body_bytes'] for r in rows)} bytes "
                         f"in {ms(self.done_ns - self.start_ns)}")
        return {"app": self.kind, "name": self.name, "node": self.host.name,
                "urls": [dict(r) for r in rows], **self.fetcher.summary(), "output": lines}


class BrowseSpec(AppSpec):
    """A browser: fetch ``urls`` in order, one connection per host, reused.

    ``browse: {urls: [http://www.example.com/, ...]}``."""

    doc_types: ClassVar = {"urls": "list of URLs"}

    urls: list[str] = Field(min_length=1, description=(
        "fetched in order, one connection per host, reused (at most 5 redirects each)"))
    timeout: Nanoseconds = Field(30 * S, gt=0, description=(
        "how long a response may take"))

    @field_validator("urls", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        return [check_url(v) for v in value] if isinstance(value, list) else value


def build(node, spec, name):
    return Browse(node, spec.urls, timeout_ns=spec.timeout, name=name)


def _all_equal(got, want) -> bool:
    return bool(got) and all(value == want for value in got)


def _max_at_most(got, want) -> bool:
    return bool(got) and max(got) <= want


# Expectations over every request an HTTP app made (redirects included).
STATUS = checks.Check("status", "statuses", Int, _all_equal, constraints={"ge": 100, "le": 599},
                      description="every request got it")
TOTAL_MAX = checks.Check("total_max", "totals_ns", Nanoseconds, _max_at_most,
                         lambda v: " ".join(ms(x) for x in v) if isinstance(v, list) else ms(v),
                         "<=", {"gt": 0},
                         description="every request's total ≤ given")
DNS_SOURCE = checks.Check("dns_source", "dns_sources", Literal["hosts", "cache", "server"],
                          _all_equal,
                          description="every lookup answered from it")
HTTP_CHECKS = (STATUS, TOTAL_MAX, *checks.BASIC, *checks.TCP, *checks.BYTES,
               *checks.RETRANSMITTED)

BROWSE = AppKind("browse", BrowseSpec, build, (*HTTP_CHECKS, DNS_SOURCE))
