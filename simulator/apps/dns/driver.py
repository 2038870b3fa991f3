"""Running the sans-I/O DNS objects on a node (docs/dns.md, "The seam").

:class:`Exchanges` is the client side of a resolver, forwarder, stub or dig: it sends
each :class:`~.steps.Send` — over UDP from a fresh ephemeral port, closed once its
answer came or the object stopped waiting (as resolvers do, RFC 5452 §9.2); over TCP
on a new connection carrying one framed query (RFC 7766 §8), closed after the answer —,
hands what comes back to the object, and keeps its one timer armed at the latest
step's deadline. :class:`Port53` is the server side: UDP and TCP port 53, each query
decoded (FORMERR for a garbled query, nothing for a runt or a response) and handed to a
``handle(query, client, transport)``; answers go back with :meth:`Port53.reply`.
Every query a node sends is traced as ``dns.query``, every response as
``dns.response`` (layer ``dns``).
"""

from simpy import Interrupt

from simulator.engine.sim import Timer
from simulator.stack.errno import SocketError
from simulator.wire.dns import PORT, Message, TcpFramer, frame_tcp, rcode_text
from simulator.wire.dns_records import type_text
from simulator.wire.errors import DecodeError

from .replies import decode_query
from .steps import TCP, UDP

__all__ = ["Exchanges", "Port53", "trace_message"]


def trace_message(node, message: Message, transport: str, **peer) -> None:
    """``dns.query`` or ``dns.response`` on ``node`` for ``message`` (sent or, for
    responses nobody sends, delivered), with the peer (``server=`` or ``client=``)."""
    q = message.questions[0] if message.questions else None
    node.sim.tracer.emit(node.name, "dns", "dns.response" if message.qr else "dns.query",
                         id=message.id, qname=str(q.name) if q else None,
                         qtype=type_text(q.qtype) if q else None,
                         rcode=rcode_text(message.rcode) if message.qr else None,
                         transport=transport, info=message.info(),
                         **{k: str(v) for k, v in peer.items()})


class Exchanges:
    """The network side of a sans-I/O DNS client ``engine`` (``response_arrives``,
    ``timer_fires``, ``waiting_for``) on ``node``; ``on_answer(answer)`` gets each
    :class:`~.steps.Answer` the engine produces."""

    def __init__(self, node, engine, on_answer):
        self.node, self.sim, self.engine = node, node.sim, engine
        self.on_answer = on_answer
        self.timer = Timer(node.sim, self._timer_fires)
        self._udp: dict[tuple, object] = {}     # (server, id) → its UdpPort
        self._tcp: list = []                    # the processes of the TCP exchanges
        self.malformed = 0                      # responses that did not decode

    def run(self, step) -> None:
        """Carry out a Step: send its queries, arm the timer, deliver its answers."""
        for send in step.sends:
            trace_message(self.node, send.message, send.transport, server=send.server)
            if send.transport == UDP:
                self._send_udp(send)
            else:
                self._tcp.append(self.sim.process(self._tcp_exchange(send)))
        for key in [k for k in self._udp if not self.engine.waiting_for(*k)]:
            self._udp.pop(key).close()
        if step.deadline is None:
            self.timer.cancel()
        else:
            self.timer.start_at(max(step.deadline, self.sim.now))
        for answer in step.answers:
            self.on_answer(answer)

    def close(self) -> None:
        """The client is gone (dig stopped): no more tries, its UDP ports close and
        its TCP exchanges end, closing their connections (as the process exit does)."""
        self.timer.cancel()
        for port in self._udp.values():
            port.close()
        self._udp.clear()
        for process in self._tcp:
            if process.is_alive:
                process.interrupt("close")

    def _timer_fires(self) -> None:
        self.run(self.engine.timer_fires(self.sim.now))

    def _send_udp(self, send) -> None:
        key = (send.server, send.message.id)
        port = self._udp.get(key)
        if port is None:
            try:
                port = self._udp[key] = self.node.udp.bind(0)
            except SocketError:
                return                          # no ephemeral port: the try times out
            port.on_datagram = lambda packet, datagram, server=send.server: (
                self._udp_arrives(server, send.port, packet, datagram))
        port.sendto(send.message.pack(), send.server, send.port)   # unreachable: times out

    def _udp_arrives(self, server, port, packet, datagram) -> None:
        if packet.src != server or datagram.src_port != port:
            return
        message = self._decode(datagram.payload)
        if message is not None:
            self.run(self.engine.response_arrives(message, packet.src, self.sim.now, UDP))

    def _decode(self, data: bytes) -> Message | None:
        try:
            return Message.unpack(data)
        except DecodeError:
            self.malformed += 1
            return None

    def _tcp_exchange(self, send):
        sock = self.node.socket("tcp")
        try:
            yield sock.connect((send.server, send.port))
            yield sock.sendall(frame_tcp(send.message.pack()))
            framer = TcpFramer()
            while self.engine.waiting_for(send.server, send.message.id):
                data = yield sock.recv(65535)
                if not data:
                    break
                for payload in framer.feed(data):
                    message = self._decode(payload)
                    if message is not None:
                        self.run(self.engine.response_arrives(message, send.server,
                                                              self.sim.now, TCP))
        except SocketError:
            pass                                # refused, reset, unreachable: times out
        except Interrupt:
            pass                                # closed: the client is gone
        sock.close()


class Port53:
    """A DNS server's sockets on ``node``: UDP and TCP ``port``. ``handle(query, client,
    transport)`` gets each decoded query; ``client`` is the token to :meth:`reply` to.
    ``error`` is set (EADDRINUSE) when the port was taken."""

    def __init__(self, node, handle, port: int = PORT):
        self.node, self.sim, self.handle, self.port = node, node.sim, handle, port
        self.queries = 0
        self.responses_by_rcode: dict[str, int] = {}
        self.error = None
        try:
            self._udp = node.udp.bind(port)
            listener = node.socket("tcp")
            listener.bind(("0.0.0.0", port))
            listener.listen()
        except SocketError as error:
            self.error = error.errno
            return
        self._udp.on_datagram = self._datagram
        self.sim.process(self._accept(listener))

    def _datagram(self, packet, datagram) -> None:
        self._arrives(datagram.payload, (UDP, packet.src, datagram.src_port), UDP)

    def _arrives(self, data: bytes, client, transport: str) -> None:
        query, formerr = decode_query(data)
        if formerr is not None:
            self.queries += 1
            self.reply(client, formerr)
        elif query is not None and not query.qr:    # a response is never answered
            self.queries += 1
            self.handle(query, client, transport)

    def reply(self, client, message: Message) -> None:
        """Send ``message`` back to ``client`` (a token :meth:`handle` was given)."""
        rcode = rcode_text(message.rcode)
        self.responses_by_rcode[rcode] = self.responses_by_rcode.get(rcode, 0) + 1
        transport, *where = client
        if transport == UDP:
            ip, port = where
            trace_message(self.node, message, UDP, client=f"{ip}#{port}")
            self._udp.sendto(message.pack(), ip, port)
        else:
            sock, peer = where
            trace_message(self.node, message, TCP, client=f"{peer[0]}#{peer[1]}")
            self.sim.process(self._send_tcp(sock, frame_tcp(message.pack())))

    @staticmethod
    def _send_tcp(sock, data: bytes):
        try:
            yield sock.sendall(data)
        except SocketError:
            pass                        # the client went away

    def _accept(self, listener):
        while True:
            sock, peer = yield listener.accept()
            self.sim.process(self._serve(sock, peer))

    def _serve(self, sock, peer):
        """One client connection: answer each framed query until the client closes."""
        framer = TcpFramer()
        try:
            while data := (yield sock.recv(65535)):
                for payload in framer.feed(data):
                    self._arrives(payload, (TCP, sock, peer), TCP)
        except SocketError:
            pass
        sock.close()

    def counters(self) -> dict:
        return {"queries": self.queries,
                "responses": dict(sorted(self.responses_by_rcode.items()))}
