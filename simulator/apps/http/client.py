"""The client side of HTTP/1.1: one persistent connection (RFC 9112 §9.3) and the
request/response exchanges over it, timed per phase (the URL and the host's lookup
come first: :mod:`~simulator.apps.http.url`).

An :class:`Exchange` holds what a browser's network tab shows for a request: the
status, headers and body size, when the request was written, when the first byte
of the response came (time to first byte) and when its last byte did. A
connection is reusable after a response when h11 says both sides are DONE (no
``Connection: close``, a framed body); otherwise the caller closes it.
"""

from dataclasses import dataclass, field

import h11

from simulator.stack.errno import SocketError

RECV = 65536
USER_AGENT = b"netsim"
REDIRECTS = (301, 302, 303, 307, 308)       # RFC 9110 §15.4


@dataclass
class Exchange:
    method: str
    target: str
    start_ns: int                                  # when the request was handed to TCP
    status: int | None = None
    headers: dict = field(default_factory=dict)    # lower-case name → value
    body_bytes: int = 0
    response_bytes: int = 0                        # on the wire: status line, headers, body
    first_byte_ns: int | None = None
    done_ns: int | None = None
    error: str | None = None

    @property
    def location(self) -> str | None:
        return self.headers.get("location") if self.status in REDIRECTS else None


class HttpConnection:
    """One client connection to ``address`` for ``host`` (the Host header)."""

    def __init__(self, node, address: tuple, host: str, timeout_ns: int, keep_alive=True):
        self.node, self.env = node, node.sim.env
        self.address, self.host, self.timeout_ns = address, host, timeout_ns
        self.keep_alive = keep_alive
        self.sock = node.socket("tcp")
        self.h11 = h11.Connection(h11.CLIENT)
        self.requests = 0

    def open(self):
        """A process step: connect (value: None, or the error as text)."""
        try:
            yield self.sock.connect(self.address)
        except SocketError as error:
            self.sock.close()
            return str(error.errno)
        return None

    @property
    def reusable(self) -> bool:
        return self.h11.our_state is h11.IDLE and self.h11.their_state is h11.IDLE

    def exchange(self, method: str, target: str):
        """A process step: send one request, read its response (value: an Exchange)."""
        sim = self.node.sim
        ex = Exchange(method, target, sim.now)
        headers = [(b"Host", self.host.encode()), (b"User-Agent", USER_AGENT),
                   (b"Accept", b"*/*")]
        if not self.keep_alive:
            headers.append((b"Connection", b"close"))
        data = self.h11.send(h11.Request(method=method, target=target, headers=headers))
        data += self.h11.send(h11.EndOfMessage())
        self.requests += 1
        if sim.tracer.on:
            sim.tracer.emit(self.node.name, "http", "http.request", method=method, path=target,
                            host=self.host)
        deadline = sim.now + self.timeout_ns
        try:
            yield self.sock.sendall(data)
            yield from self._read_response(ex, deadline)
        except SocketError as error:
            ex.error = str(error.errno)
        except h11.RemoteProtocolError as error:
            ex.error = f"bad response: {error}"
        ex.done_ns = sim.now
        if ex.error is None and self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
        if sim.tracer.on:
            sim.tracer.emit(self.node.name, "http", "http.response", method=method, path=target,
                            status=ex.status, bytes=ex.response_bytes, error=ex.error)
        return ex

    def _read_response(self, ex: Exchange, deadline: int):
        sim = self.node.sim
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                recv = self.sock.recv(RECV)
                yield recv | self.env.timeout(max(0, deadline - sim.now))
                if not recv.triggered:
                    ex.error = "timeout"
                    return
                if ex.first_byte_ns is None and recv.value:
                    ex.first_byte_ns = sim.now
                ex.response_bytes += len(recv.value)
                self.h11.receive_data(recv.value)
            elif isinstance(event, h11.Response):
                ex.status = event.status_code
                ex.headers = {k.decode().lower(): v.decode("latin-1") for k, v in event.headers}
            elif isinstance(event, h11.Data):
                ex.body_bytes += len(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            elif isinstance(event, h11.ConnectionClosed):
                ex.error = "connection closed before the response"
                return

    def finish(self):
        """A process step after a response that ends the connection (``Connection:
        close``): read to the server's FIN, which RFC 9112 §9.6 has it send first,
        then close (so the server, not the client, holds the TIME-WAIT)."""
        deadline = self.node.sim.now + self.timeout_ns
        try:
            while True:
                recv = self.sock.recv(RECV)
                yield recv | self.env.timeout(max(0, deadline - self.node.sim.now))
                if not recv.triggered or not recv.value:
                    break
        except SocketError:
            pass
        self.close()

    def close(self) -> None:
        self.sock.close()
