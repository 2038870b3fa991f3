"""The sockets API for applications: ``node.socket("tcp")`` (here) and
``node.socket("udp")`` (``udp_socket.py``, on the same base).

Calls follow BSD/Linux sockets (see docs/sockets.md). Calls that may wait
return a SimPy event for an app process to ``yield``: ``yield
sock.connect((ip, port))``, ``data = yield sock.recv(4096)``. An event that
fails raises ``SocketError`` (``.errno`` an ``Errno``) in the process.
Every such call has a ``*_nowait`` twin that returns at once or raises
SocketError(EAGAIN), and event-style apps can set ``on_readable``,
``on_writable`` and ``on_closed`` (called with the socket) instead.
"""

from collections import deque

from simulator.stack.errno import Errno, SocketError
from simulator.stack.socket_options import (
    BUFFER_MAX, CONFIG_OPTIONS, KEEPALIVE_OPTIONS, REPORTED_IN, SOCK_MIN_RCVBUF,
    SOCK_MIN_SNDBUF, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_RCVBUF, SO_REUSEADDR,
    SO_SNDBUF, TCP_CONGESTION, TCP_FASTOPEN, TCP_FASTOPEN_CONNECT, TCP_FASTOPEN_KEY,
    TCP_FASTOPEN_NO_COOKIE, TCP_INFO, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL,
    TCP_MAXSEG, TCP_NODELAY, TCP_SYNCNT, TCP_USER_TIMEOUT)
from simulator.stack.sockets_fastopen import FastOpenSocketMixin
from simulator.stack.tcp import fastopen
from simulator.stack.tcp.connection import State, TcpError
from simulator.stack.tcp.states import CLOSED, LINUX_NUMBER
from simulator.wire.addr import IPv4Address

# the API: the sockets, shutdown's modes, and the options (socket_options.py) by name
__all__ = [
    "SocketBase", "TcpSocket", "parse_address", "SHUT_RD", "SHUT_WR", "SHUT_RDWR",
    "SOMAXCONN", "SOCK_MIN_RCVBUF", "SOCK_MIN_SNDBUF", "SO_ERROR", "SO_KEEPALIVE",
    "SO_LINGER", "SO_RCVBUF", "SO_REUSEADDR", "SO_SNDBUF", "TCP_CONGESTION", "TCP_FASTOPEN",
    "TCP_FASTOPEN_CONNECT", "TCP_FASTOPEN_KEY", "TCP_FASTOPEN_NO_COOKIE", "TCP_INFO",
    "TCP_KEEPCNT", "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_MAXSEG", "TCP_NODELAY",
    "TCP_SYNCNT", "TCP_USER_TIMEOUT"]

SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2

_WRITABLE_STATES = (State.SYN_SENT, State.SYN_RECEIVED, State.ESTABLISHED, State.CLOSE_WAIT)
SOMAXCONN = 4096                    # Linux net.core.somaxconn (5.4+): backlog cap


def parse_address(address) -> tuple[IPv4Address, int]:
    ip, port = address
    return IPv4Address(ip), int(port)


class SocketBase:
    """What TCP and UDP sockets share: the node, callbacks, blocking helpers."""

    def __init__(self, node):
        self.node = node
        self.env = node.sim.env
        self.on_readable = self.on_writable = self.on_closed = None
        self.error: Errno | None = None             # pending error (SO_ERROR)

    def _done(self, value=None):
        event = self.env.event()
        event.succeed(value)
        return event

    def _failed(self, errno: Errno):
        event = self.env.event()
        event.fail(SocketError(errno))
        return event

    def _take_error(self) -> Errno | None:
        error, self.error = self.error, None
        return error

    def _local_ip(self, ip: IPv4Address) -> int:
        if int(ip) != 0 and ip not in self.node.ip.local:
            raise SocketError(Errno.EADDRNOTAVAIL)
        return int(ip)

    def _callback(self, name: str) -> None:
        fn = getattr(self, name)
        if fn is not None:
            fn(self)


class TcpSocket(FastOpenSocketMixin, SocketBase):
    def __init__(self, node, config):
        super().__init__(node)
        self.tcp = node.tcp
        self.config = config                        # this socket's TcpConfig
        self.bound_ip = 0                           # bind() address as int; 0 = any
        self.port = 0
        self.reuseaddr = False
        self.linger: int | None = None              # SO_LINGER seconds; 0 = RST on close
        self.listener = None
        self.ep = None                              # the layer's Endpoint, once connected
        self._bound = False
        self._connect = None                        # the pending connect() event
        self._readers: deque = deque()              # (event, n)
        self._writers: deque = deque()              # [event, data, accepted, whole]
        self._acceptors: deque = deque()            # accept() events
        self._pumping = False
        self._closed = False
        self._shut_rd = self._shut_wr = False
        self.fastopen_deferred = None               # TCP_FASTOPEN_CONNECT: where to connect

    # -- introspection ------------------------------------------------------------------
    @property
    def state(self) -> State:
        if self.ep is not None:
            return self.ep.conn.state
        return State.LISTEN if self.listener is not None else State.CLOSED

    @property
    def conn(self):
        return self.ep.conn if self.ep is not None else None

    def getsockname(self) -> tuple[IPv4Address, int]:
        if self.ep is not None:
            return self.ep.local
        return IPv4Address(self.bound_ip), self.port

    def getpeername(self) -> tuple[IPv4Address, int]:
        if self.ep is None:
            raise SocketError(Errno.ENOTCONN)
        return self.ep.remote

    # -- setup --------------------------------------------------------------------------
    def bind(self, address) -> None:
        if self._bound or self.ep is not None:
            raise SocketError(Errno.EINVAL)
        ip, port = parse_address(address)
        self.bound_ip = self._local_ip(ip)
        self.port = self.tcp.bind(self, self.bound_ip, port, self.reuseaddr)
        self._bound = True

    def listen(self, backlog: int = 128) -> None:
        """RFC 9293 §3.10.1 OPEN, passive; an unbound socket gets an ephemeral port."""
        if self.ep is not None:
            raise SocketError(Errno.EINVAL)
        backlog = min(max(backlog, 0), SOMAXCONN)
        if self.listener is not None:
            self.listener.backlog = backlog
            return
        if not self._bound:
            self.bind(("0.0.0.0", 0))
        self.listener = self.tcp.listen(self, self.bound_ip, self.port, backlog, self.config)

    def accept(self):
        """An event whose value is ``(socket, (ip, port))`` for the next connection."""
        if self.listener is None:
            return self._failed(Errno.EINVAL)
        event = self.env.event()
        self._acceptors.append(event)
        self._pump()
        return event

    def accept_nowait(self):
        if self.listener is None:
            raise SocketError(Errno.EINVAL)
        if not self.listener.accept_queue:
            raise SocketError(Errno.EAGAIN)
        return self._accept_one()

    def _accept_one(self):
        ep = self.listener.accept_queue.pop(0)
        ep.listener = None
        child = TcpSocket(self.node, self.listener.config)
        child.bound_ip, child.port, child.ep = ep.key[0], ep.key[1], ep
        ep.owner = child
        if ep.conn.error is not None:
            child.error = ep.conn.error
        return child, ep.remote

    def child_ready(self) -> None:
        """The layer: a child completed its handshake (accept queue grew)."""
        self._pump()
        self._callback("on_readable")

    def connect(self, address):
        """An event that succeeds when ESTABLISHED, or fails with ECONNREFUSED,
        ETIMEDOUT, EHOSTUNREACH, ENETUNREACH..."""
        event = self._connect = self.env.event()
        try:
            self.connect_nowait(address)
        except SocketError as error:
            self._connect = None
            return self._failed(error.errno)
        if self.fastopen_deferred is not None:
            self._connect = None
            return self._done()
        return event

    def connect_nowait(self, address, data: bytes | None = None) -> None:
        """Start the handshake and return; ``on_writable`` is called once established,
        ``on_closed`` if it fails (the reason in ``error``). ``data``: Fast Open's
        (see :meth:`sendto_fastopen`)."""
        if self.listener is not None:
            raise SocketError(Errno.EINVAL)
        if self.fastopen_deferred is not None:
            raise SocketError(Errno.EISCONN)        # Linux: a deferred connect looks done
        if self.ep is not None and self.ep.conn.state is not State.CLOSED:
            raise SocketError(Errno.EISCONN if self.ep.conn.state is State.ESTABLISHED
                              else Errno.EALREADY)
        self.ep = None                              # a failed attempt may be retried (Linux)
        ip, port = parse_address(address)
        defer = False
        if self.config.fastopen_connect and data is None:
            # Linux DEFER_CONNECT: with a cookie the SYN waits for the first write's
            # data; without one it goes now and asks for a cookie
            defer = self.tcp.fastopen_ready(self.config, ip)
            data = None if defer else b""
        source = IPv4Address(self.bound_ip) if self.bound_ip else self.tcp.source_for(ip)
        self.ep = self.tcp.connect(self, self.config, source, self.port, ip, port, data,
                                   defer)
        self.port = self.ep.key[1]
        self.fastopen_deferred = address if defer else None

    # -- data ---------------------------------------------------------------------------
    def send(self, data: bytes):
        """An event whose value is how many bytes the send buffer took (≥ 1; waits
        while it is full)."""
        return self._write(data, whole=False)

    def sendall(self, data: bytes):
        """An event that succeeds once every byte is in the send buffer."""
        return self._write(data, whole=True)

    def send_nowait(self, data: bytes) -> int:
        if self.fastopen_deferred is not None:
            return self._deferred_write(data)
        errno = self._write_error()
        if errno is not None:
            raise SocketError(errno)
        conn = self.ep.conn
        if self._writers or (conn.state in (State.SYN_SENT, State.SYN_RECEIVED)
                             and not conn.tfo_child):
            raise SocketError(Errno.EAGAIN)      # Linux: not connected yet (a Fast Open
        try:                                     # child may send in SYN-RECEIVED)
            accepted = self.tcp.call(self.ep, self.ep.conn.send, bytes(data)) if data else 0
        except TcpError as error:
            raise SocketError(error.errno) from None
        if data and not accepted:
            raise SocketError(Errno.EAGAIN)
        return accepted

    def _write(self, data: bytes, whole: bool):
        if self.fastopen_deferred is not None:
            try:
                copied = self._deferred_write(data)
            except SocketError as error:
                return self._failed(error.errno)
            if copied and not whole:
                return self._done(copied)
            data = data[copied:]                    # the rest waits for the handshake
        errno = self._write_error()
        if errno is not None:
            return self._failed(errno)
        event = self.env.event()
        self._writers.append([event, memoryview(bytes(data)), 0, whole])
        self._pump()
        return event

    def _write_error(self) -> Errno | None:
        if self.ep is None:
            return Errno.ENOTCONN
        error = self._take_error()
        if error is not None:
            return error
        if self._shut_wr or self.ep.conn.state not in _WRITABLE_STATES:
            return Errno.EPIPE
        return None

    def recv(self, n: int):
        """An event whose value is up to ``n`` bytes; ``b""`` at end of stream."""
        if self.ep is None:
            return self._failed(Errno.ENOTCONN)
        if n <= 0:
            return self._done(b"")                  # Linux: a zero-length read returns 0
        event = self.env.event()
        self._readers.append((event, n))
        self._pump()
        return event

    def recv_nowait(self, n: int) -> bytes:
        if self.ep is None:
            raise SocketError(Errno.ENOTCONN)
        error = self._take_error()
        if error is not None:
            raise SocketError(error)
        if self._readers:
            raise SocketError(Errno.EAGAIN)
        data = self._read(n)
        if data is None:
            raise SocketError(Errno.EAGAIN)
        return data

    def _read(self, n: int) -> bytes | None:
        """Data, ``b""`` at EOF or once SHUT_RD drained the queue (Linux still hands
        out what had arrived), None when the caller must wait."""
        conn = self.ep.conn
        if conn.recv_ready:                         # else recv would return b"" and do nothing
            data = self.tcp.call(self.ep, conn.recv, n)
            if data:
                return data
        if conn.state is CLOSED:
            error = self._take_error()          # after the data that had arrived (Linux)
            if error is not None:
                raise SocketError(error)
        if self._shut_rd or conn.eof or conn.state is CLOSED:
            return b""
        return None

    # -- teardown -----------------------------------------------------------------------
    def shutdown(self, how: int) -> None:
        """SHUT_WR: FIN after the queued data (half-close); SHUT_RD: reads return
        b"" once the queued data is read (Linux tells the peer nothing); SHUT_RDWR: both."""
        if self.ep is None:
            raise SocketError(Errno.ENOTCONN)
        if how in (SHUT_RD, SHUT_RDWR):
            self._shut_rd = True
        if how in (SHUT_WR, SHUT_RDWR) and not self._shut_wr:
            self._shut_wr = True
            self.tcp.call(self.ep, self.ep.conn.shutdown)
        self._pump()

    def close(self) -> None:
        """RFC 9293 §3.10.4 CLOSE. SO_LINGER 0 aborts with a RST (§3.10.5); unread
        data also makes Linux send a RST. The connection lives on (FIN-WAIT,
        TIME-WAIT) without its socket."""
        if self._closed:
            return
        self._closed = True
        if self.listener is not None:
            self.tcp.unlisten(self.listener)
            self.listener = None
        if self.ep is not None:
            ep = self.ep
            ep.owner = None
            if self.linger == 0:
                self.tcp.call(ep, ep.conn.abort)
            else:
                self.tcp.call(ep, ep.conn.close)
        if self._bound:
            self.tcp.unbind(self, self.port)
            self._bound = False
        self._readers.clear()
        self._writers.clear()
        self._acceptors.clear()

    # -- options ------------------------------------------------------------------------
    def setsockopt(self, option: str, value) -> None:
        if option == TCP_FASTOPEN_CONNECT and not self.tcp.config.fastopen & \
                fastopen.CLIENT_ENABLE:
            raise SocketError(Errno.EOPNOTSUPP)     # Linux: the client side is off
        if option in CONFIG_OPTIONS:
            knob, convert = CONFIG_OPTIONS[option]
            cap = getattr(self.config, BUFFER_MAX.get(option, ""), None)
            if cap is not None:
                value = min(int(value), cap)        # net.core.wmem_max / rmem_max
            keepalive_before = self.config.keepalive
            try:
                self.config = self.config.replace(**{knob: convert(value)})
            except ValueError:
                raise SocketError(Errno.EINVAL) from None
            if self.ep is not None:
                self.ep.conn.config = self.config
                if option in KEEPALIVE_OPTIONS:
                    self.tcp.call(self.ep, self.ep.conn.keepalive_changed, keepalive_before)
                if option == SO_SNDBUF:             # Linux: sk_sndbuf takes effect at once
                    self.ep.conn.sndbuf.capacity = self.config.wmem
                    self._pump()
            if self.listener is not None:            # later SYNs (e.g. TCP_MAXSEG's clamp)
                self.listener.config = self.config
        elif option == SO_LINGER:
            self.linger = value if value is None else int(value)
        elif option == SO_REUSEADDR:
            self.reuseaddr = bool(value)
        else:
            raise SocketError(Errno.ENOPROTOOPT)

    def getsockopt(self, option: str):
        if option == TCP_INFO:
            if self.ep is not None:
                return self.ep.conn.info(self.env.now)
            return {"tcpi_state": LINUX_NUMBER[self.state], "tcpi_state_name": self.state.value}
        if option == SO_ERROR:
            error = self._take_error()
            return 0 if error is None else int(error)
        if option == TCP_MAXSEG:
            return self._maxseg()
        if option in CONFIG_OPTIONS:
            knob = CONFIG_OPTIONS[option][0]
            value = getattr(self.config, knob)
            if option in REPORTED_IN:
                return value // REPORTED_IN[option]
            return (not value) if option == TCP_NODELAY else value
        if option == SO_LINGER:
            return self.linger
        if option == SO_REUSEADDR:
            return self.reuseaddr
        raise SocketError(Errno.ENOPROTOOPT)

    def _maxseg(self) -> int:
        """Linux do_tcp_getsockopt: the MSS in use (mss_cache); TCP_MAXSEG's value on
        a closed or listening socket that set one; 536 (TCP_MSS_DEFAULT) before any."""
        if self.config.mss and self.state in (State.CLOSED, State.LISTEN):
            return self.config.mss
        return self.conn.snd_mss if self.conn is not None else self.config.mss_default

    # -- from the layer -----------------------------------------------------------------
    def tcp_events(self, ep, events) -> None:
        """The connection's events: wake whoever waits, call the callbacks."""
        for kind, value in events:
            if kind == "established":
                if self._connect is not None and not self._connect.triggered:
                    self._connect.succeed(None)
                self._pump()
                self._callback("on_writable")
            elif kind == "error":
                self.error = value
                self._fail_waiters(value)
            elif kind == "readable" or kind == "eof":
                self._pump()
                self._callback("on_readable")
            elif kind == "writable":
                self._pump()
                self._callback("on_writable")
            elif kind == "closed":
                self._pump()
                self._callback("on_closed")

    def _fail_waiters(self, errno: Errno) -> None:
        """A connection error fails every waiting call, once (it is then consumed)."""
        waiters = [e for e, *_ in self._readers] + [w[0] for w in self._writers]
        if self._connect is not None and not self._connect.triggered:
            waiters.append(self._connect)
        self._readers.clear()
        self._writers.clear()
        for event in waiters:
            event.fail(SocketError(errno))
        if waiters:
            self.error = None

    def _pump(self) -> None:
        """Serve waiting accept/recv/send calls, in order, as far as possible."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while self._acceptors and self.listener is not None and self.listener.accept_queue:
                self._acceptors.popleft().succeed(self._accept_one())
            while self._readers:
                event, n = self._readers[0]
                try:
                    data = self._read(n)
                except SocketError as error:
                    self._readers.popleft()
                    event.fail(error)
                    continue
                if data is None:
                    break
                self._readers.popleft()
                event.succeed(data)
            while self._writers:
                writer = self._writers[0]
                errno = None if self.ep is None else self._write_error()
                if errno is not None:
                    self._writers.popleft()
                    writer[0].fail(SocketError(errno))
                    continue
                event, data, done, whole = writer
                conn = self.ep.conn
                if conn.state in (State.SYN_SENT, State.SYN_RECEIVED) and not conn.tfo_child:
                    conn.write_pending = True       # Linux sk_stream_wait_connect
                    break
                if done < len(data) and conn.send_ready:   # else it would take 0
                    try:
                        done += self.tcp.call(self.ep, self.ep.conn.send, data[done:])
                    except TcpError as error:
                        self._writers.popleft()
                        event.fail(SocketError(error.errno))
                        continue
                    writer[2] = done
                if done == len(data) or (done and not whole):
                    self._writers.popleft()
                    event.succeed(done if not whole else None)
                else:
                    break
        finally:
            self._pumping = False

