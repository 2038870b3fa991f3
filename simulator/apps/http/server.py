"""An HTTP/1.1 origin server (RFC 9110, RFC 9112): static resources by path, 404 for
the rest, 301 for redirects, persistent connections.

Each accepted connection is served by one process with an h11 connection. A
request gets ``Content-Type``, ``Content-Length`` and ``Date``-less headers (no
wall clock in a simulation); HEAD gets the headers GET would (RFC 9110 §9.3.2).
Connections persist (RFC 9112 §9.3) until the client asks ``Connection: close``
or an HTTP/1.0 client does not ask to keep it, until the client closes, or until
they sit idle ``keep_alive_ns`` (Apache's KeepAliveTimeout, 5 s); the server then
closes. A request h11 cannot parse gets 400 and the connection is closed
(RFC 9112 §2.2). Every request and response is an ``http`` trace event.
"""

from collections import Counter

import h11

from simulator.apps.bulk import TcpServer
from simulator.stack.errno import SocketError

SERVER = b"netsim"
RECV = 65536
STATUS_TEXT = {200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found",
               405: "Method Not Allowed"}


def filler(n: int) -> bytes:
    """A generated body of ``n`` bytes: printable lines, the same every run."""
    line = b"netsim generated body ......................................................\n"
    return (line * (n // len(line) + 1))[:n]


def error_page(status: int) -> bytes:
    text = f"{status} {STATUS_TEXT[status]}"
    return f"<html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>\n".encode()


class HttpServer(TcpServer):
    """``resources``: path → (body, content type); ``redirects``: path → Location."""

    kind = "http_server"

    def __init__(self, host, port: int = 80, resources: dict | None = None,
                 redirects: dict | None = None, keep_alive_ns: int = 5_000_000_000,
                 name: str | None = None):
        self.host, self.sim, self.port = host, host.sim, port
        self.resources = resources or {}
        self.redirects = redirects or {}
        self.keep_alive_ns = keep_alive_ns
        self.options: dict = {}
        self.name = name or self.kind
        self.error = None
        self.connections: list = []          # every accepted socket
        self.statuses: Counter = Counter()
        self.requests = self.bytes_out = 0

    def connected(self, sock, peer) -> None:
        self.connections.append(sock)
        self.sim.process(self._serve(sock, peer))

    def _serve(self, sock, peer):
        env = self.sim.env
        conn = h11.Connection(h11.SERVER)
        request = None
        try:
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    recv = sock.recv(RECV)
                    yield recv | env.timeout(self.keep_alive_ns)
                    if not recv.triggered:
                        break                        # idle: the server closes
                    conn.receive_data(recv.value)
                elif isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.EndOfMessage):
                    yield from self._respond(sock, conn, request, peer)
                    if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                        break                        # Connection: close (RFC 9112 §9.6)
                    conn.start_next_cycle()
                elif isinstance(event, h11.ConnectionClosed):
                    break
        except h11.RemoteProtocolError:
            if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                yield from self._send(sock, conn, 400, error_page(400), b"text/html", [],
                                      b"-", b"-", peer)
        except SocketError:
            pass
        sock.close()

    def _resource(self, method: bytes, target: bytes):
        """(status, body, content type, extra headers) for a request."""
        if method not in (b"GET", b"HEAD"):
            return 405, error_page(405), b"text/html", [(b"Allow", b"GET, HEAD")]
        path = target.split(b"?", 1)[0].decode("ascii", "replace")
        if path in self.redirects:
            location = self.redirects[path].encode()
            return 301, error_page(301), b"text/html", [(b"Location", location)]
        if path in self.resources:
            body, ctype = self.resources[path]
            return 200, body, ctype.encode(), []
        return 404, error_page(404), b"text/html", []

    def _respond(self, sock, conn, request, peer):
        self.requests += 1
        if self.sim.tracer.on:
            self.sim.tracer.emit(self.host.name, "http", "http.request",
                                 method=request.method.decode(), path=request.target.decode(),
                                 client=f"{peer[0]}:{peer[1]}")
        status, body, ctype, extra = self._resource(request.method, request.target)
        yield from self._send(sock, conn, status, body, ctype, extra, request.method,
                              request.target, peer)

    def _send(self, sock, conn, status, body, ctype, extra, method, target, peer):
        headers = [(b"Server", SERVER), (b"Content-Type", ctype),
                   (b"Content-Length", str(len(body)).encode()), *(extra or [])]
        data = conn.send(h11.Response(status_code=status, headers=headers,
                                      reason=STATUS_TEXT[status]))
        if method != b"HEAD":
            data += conn.send(h11.Data(data=body))
        data += conn.send(h11.EndOfMessage())
        yield sock.sendall(data)
        self.statuses[status] += 1
        self.bytes_out += len(data)
        if self.sim.tracer.on:
            self.sim.tracer.emit(self.host.name, "http", "http.response", method=method.decode(),
                                 path=target.decode(), status=status, bytes=len(data),
                                 client=f"{peer[0]}:{peer[1]}")

    def summary(self) -> dict:
        """Requests, responses by status, bytes sent and each connection's TCP state."""
        return {"port": self.port, "error": None if self.error is None else self.error.name,
                "connections": len(self.connections), "requests": self.requests,
                "responses": {str(k): v for k, v in sorted(self.statuses.items())},
                "bytes_sent": self.bytes_out,
                "tcp_states": [sock.state.value for sock in self.connections]}
