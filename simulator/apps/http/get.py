"""The ``http_get`` app, a curl-like HTTP/1.1 client: ``count`` GET (or HEAD) requests
for one URL over one persistent connection (``keep_alive: false`` asks the server to
close after each, ``Connection: close``, RFC 9112 §9.6), following redirects. Each
request's status, size, headers and timings are in the result."""

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from simulator.apps.http.browse import DNS_SOURCE, HTTP_CHECKS, Fetcher, ms
from simulator.apps.http.url import check_url
from simulator.apps.kind import AppKind, AppSpec
from simulator.apps.lifecycle import Stoppable, process
from simulator.spec.values import S, Bool, Int, Nanoseconds


class HttpGet(Stoppable):
    kind = "http_get"

    def __init__(self, host, url: str, method: str = "GET", count: int = 1,
                 redirects: int = 5, keep_alive: bool = True,
                 timeout_ns: int = 30_000_000_000, name: str | None = None):
        self.host, self.sim = host, host.sim
        self.url, self.method, self.count, self.redirects = url, method, count, redirects
        self.name = name or self.kind
        self.fetcher = Fetcher(host, timeout_ns, keep_alive)

    def start(self) -> None:
        process(self, self._run())

    def _run(self):
        for _ in range(self.count):
            yield from self.fetcher.fetch(self.url, self.method, self.redirects)
        self.fetcher.close()

    def release(self) -> None:
        self.fetcher.close_all()

    def result(self) -> dict:
        lines = []
        for r in self.fetcher.rows:
            if r["error"]:
                lines.append(f"{r['method']} {r['url']}: {r['error']}")
                continue
            via = "reused connection" if r["reused"] else f"connect {ms(r['connect_ns'])}"
            lines.append(f"{r['method']} {r['url']} -> {r['status']} {r['type'] or '-'}, "
                         f"{r['body_bytes']} bytes; {via}, ttfb {ms(r['ttfb_ns'])}, "
                         f"total {ms(r['total_ns'])}")
        return {"app": self.kind, "name": self.name, "node": self.host.name, "url": self.url,
                "requests": [dict(r) for r in self.fetcher.rows], **self.fetcher.summary(),
                "output": lines}


class HttpGetSpec(AppSpec):
    """An HTTP client: ``count`` requests for ``url`` on one persistent connection.

    ``http_get: {url: http://10.0.0.2/a.html, method: HEAD, count: 2}``."""

    doc_types: ClassVar = {"url": "URL (`http://host[:port]/path`)"}

    url: str = Field(description=(
        "what to fetch; a host name is looked up through the node's resolver"))
    method: Literal["GET", "HEAD"] = Field("GET", description="the request method")
    count: Int = Field(1, ge=1, description="requests on one persistent connection")
    redirects: Int = Field(5, ge=0, description="redirects followed at most")
    keep_alive: Bool = Field(True, description="false: `Connection: close` on each request")
    timeout: Nanoseconds = Field(30 * S, gt=0, description=(
        "how long a response may take"))

    @field_validator("url", mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        return check_url(value)


def build(node, spec, name):
    return HttpGet(node, spec.url, spec.method, spec.count, spec.redirects, spec.keep_alive,
                   spec.timeout, name=name)


HTTP_GET = AppKind("http_get", HttpGetSpec, build, (*HTTP_CHECKS, DNS_SOURCE))
