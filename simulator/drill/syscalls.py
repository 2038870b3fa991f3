"""The script's system calls, on netsim's sockets API (stack/sockets.py).

One process with an fd table (new fds from 3 up, lowest free first, as
Linux). A call on a blocking fd waits the way Linux's would (accept for a
connection, connect for the handshake, write until every byte is queued,
read until some data or EOF); on an O_NONBLOCK fd it returns EAGAIN or
EINPROGRESS instead. ``...`` arguments take packetdrill's defaults: bind to
the local address port 8080, connect to the remote address port 8080.
"""

import inspect

from simulator.drill.code import LINUX_STATES
from simulator.drill.model import ELLIPSIS, Array, Binary, Call, String, Struct, Word
from simulator.drill.segments import DEFAULT_PORT
from simulator.stack import sockets
from simulator.stack.errno import Errno, SocketError

O_RDWR, O_NONBLOCK = 0x2, 0x800
_SHUT = {"SHUT_RD": sockets.SHUT_RD, "SHUT_WR": sockets.SHUT_WR,
         "SHUT_RDWR": sockets.SHUT_RDWR}
_OPTIONS = {"SO_REUSEADDR": sockets.SO_REUSEADDR, "TCP_NODELAY": sockets.TCP_NODELAY,
            "SO_SNDBUF": sockets.SO_SNDBUF, "SO_RCVBUF": sockets.SO_RCVBUF,
            "TCP_MAXSEG": sockets.TCP_MAXSEG, "TCP_CONGESTION": sockets.TCP_CONGESTION,
            "SO_LINGER": sockets.SO_LINGER, "SO_ERROR": sockets.SO_ERROR,
            "SO_KEEPALIVE": sockets.SO_KEEPALIVE, "TCP_KEEPIDLE": sockets.TCP_KEEPIDLE,
            "TCP_KEEPINTVL": sockets.TCP_KEEPINTVL, "TCP_KEEPCNT": sockets.TCP_KEEPCNT,
            "TCP_USER_TIMEOUT": sockets.TCP_USER_TIMEOUT,
            "TCP_SYNCNT": sockets.TCP_SYNCNT, "TCP_FASTOPEN": sockets.TCP_FASTOPEN,
            "TCP_FASTOPEN_CONNECT": sockets.TCP_FASTOPEN_CONNECT,
            "TCP_FASTOPEN_KEY": sockets.TCP_FASTOPEN_KEY,
            "TCP_FASTOPEN_NO_COOKIE": sockets.TCP_FASTOPEN_NO_COOKIE}
MSG_DONTWAIT, MSG_NOSIGNAL, MSG_FASTOPEN = 0x40, 0x4000, 0x20000000
_NOT_CONNECTED = (sockets.State.CLOSED, sockets.State.SYN_SENT, sockets.State.SYN_RECEIVED)
_INTS = {"O_RDWR": O_RDWR, "O_NONBLOCK": O_NONBLOCK, "SOCK_STREAM": 1, "IPPROTO_TCP": 6,
         "SOL_SOCKET": 1, "SOL_TCP": 6, "F_GETFL": 3, "F_SETFL": 4, "AF_INET": 2,
         "INADDR_ANY": 0, "MSG_DONTWAIT": MSG_DONTWAIT, "MSG_NOSIGNAL": MSG_NOSIGNAL,
         "MSG_FASTOPEN": MSG_FASTOPEN}


class SyscallFailure(Exception):
    """The call returned something other than the script's expectation."""


class Unsupported(Exception):
    """A call, argument or option the harness does not model."""


class _Fd:
    __slots__ = ("sock", "flags")

    def __init__(self, sock):
        self.sock = sock
        self.flags = O_RDWR

    @property
    def nonblocking(self) -> bool:
        return bool(self.flags & O_NONBLOCK)


def _int(expr) -> int:
    if isinstance(expr, int):
        return expr
    if isinstance(expr, Word) and expr.name in _INTS:
        return _INTS[expr.name]
    if isinstance(expr, Binary) and expr.op == "|":
        return _int(expr.left) | _int(expr.right)
    if isinstance(expr, Array) and len(expr.items) == 1:
        return _int(expr.items[0])
    raise Unsupported(f"argument {expr}")


class Process:
    """The script's process: fds, and one method per system call."""

    def __init__(self, runner):
        self.runner = runner
        self.env = runner.env
        self.fds: dict[int, _Fd] = {}
        self.last_socket = None          # the socket under test (tcp_info for %{ }%)
        self._wanted_fd = None

    # --- helpers for the runner
    def tcp_info(self) -> dict | None:
        sock = self.last_socket
        if sock is None:
            return None
        info = dict(sock.getsockopt(sockets.TCP_INFO))
        state = info.get("tcpi_state")
        if state is not None and not isinstance(state, int):
            info["tcpi_state"] = LINUX_STATES[state.value]
        return info

    # --- dispatch
    def call(self, call):
        handler = getattr(self, "sys_" + call.name, None)
        if handler is None:
            raise Unsupported(f"system call {call.name}()")
        try:
            inspect.signature(handler).bind(*call.args)
        except TypeError:
            raise Unsupported(f"{len(call.args)} arguments") from None
        errno = None
        self._wanted_fd = call.result if isinstance(call.result, int) else None
        try:
            result = handler(*call.args)
            if inspect.isgenerator(result):
                result = yield from result
        except SocketError as error:
            result, errno = -1, error.errno
        self._check(call, result, errno)

    def _check(self, call, result: int, errno: Errno | None) -> None:
        expected = call.result
        if expected is ELLIPSIS:
            return
        expected = _int(expected)
        if expected != result:
            got = f"{result}" + (f" with errno {errno.name} ({errno})" if errno else "")
            raise SyscallFailure(f"Expected result {expected} but got {got}")
        if call.errno is not None and (errno is None or errno.name != call.errno):
            got = f"{errno.name} ({errno})" if errno else "none"
            raise SyscallFailure(f"Expected errno {call.errno} but got {got}")

    def _fd(self, expr) -> _Fd:
        fd = self.fds.get(_int(expr))
        if fd is None:
            raise SocketError(Errno.EBADF)
        return fd

    def _new_fd(self, sock) -> int:
        """packetdrill's script fds are names for the live ones: take the number the
        script expects (a socket it named before stays open, unnamed, as packetdrill
        remaps the name), else Linux's lowest free one."""
        number = self._wanted_fd
        if number is None or number < 0:
            number = 3
            while number in self.fds:
                number += 1
        self.fds[number] = _Fd(sock)
        return number

    def _address(self, expr, default_ip):
        if expr is ELLIPSIS:
            return (default_ip, DEFAULT_PORT)
        if isinstance(expr, Struct):
            port, addr = expr.field("sin_port"), expr.field("sin_addr")
            if isinstance(port, Call) and port.name == "htons":
                port = port.args[0]
            if isinstance(addr, Call) and addr.name == "inet_addr":
                addr = addr.args[0].text
            elif addr is None or addr == Word("INADDR_ANY"):
                addr = "0.0.0.0"
            if isinstance(port, int) and isinstance(addr, str):
                return (addr, port)
        raise Unsupported(f"address {expr}")

    # --- the calls (generators may block; the others return at once)
    def sys_socket(self, domain, kind, protocol):
        if _int(kind) & 0xf != 1 or (domain is not ELLIPSIS and _int(domain) != 2):
            raise Unsupported("only socket(AF_INET, SOCK_STREAM, ...)")
        self.runner.conns.on_socket()
        return self._new_fd(self.runner.host.socket("tcp"))

    def sys_fcntl(self, fd, command, arg=None):
        entry = self._fd(fd)
        if _int(command) == _INTS["F_GETFL"]:
            return entry.flags
        if _int(command) == _INTS["F_SETFL"] and arg is not None:
            entry.flags = _int(arg)
            return 0
        raise Unsupported(f"fcntl command {command}")

    def sys_setsockopt(self, fd, level, name, value, length=None):
        sock = self._fd(fd).sock
        option = _OPTIONS.get(getattr(name, "name", None))
        if option is None:
            raise Unsupported(f"socket option {name}")
        if option == sockets.SO_LINGER:
            if not isinstance(value, Struct):
                raise Unsupported(f"SO_LINGER value {value}")
            value = _int(value.field("linger")) if _int(value.field("onoff")) else None
        elif option == sockets.TCP_CONGESTION:
            if not isinstance(value, String):
                raise Unsupported(f"TCP_CONGESTION value {value}")
            value = {"reno": "newreno"}.get(value.text, value.text)
        elif option == sockets.TCP_FASTOPEN_KEY:
            if not isinstance(value, String):
                raise Unsupported(f"TCP_FASTOPEN_KEY value {value}")
            value = value.text.encode("latin-1")[:_int(length) if length is not None else None]
        else:
            value = _int(value)
        sock.setsockopt(option, value)
        return 0

    def sys_getsockopt(self, fd, level, name, value, length=None):
        sock = self._fd(fd).sock
        option = _OPTIONS.get(getattr(name, "name", None))
        if option is None or option == sockets.SO_LINGER:
            raise Unsupported(f"socket option {name}")
        actual = sock.getsockopt(option)
        if not isinstance(actual, (int, bool)):
            raise SyscallFailure(f"getsockopt {name}: netsim returned {actual!r}, not a number")
        if value is not ELLIPSIS and isinstance(value, Array):
            expected = _int(value)
            if int(actual) != expected:
                raise SyscallFailure(f"Bad getsockopt optval: expected: {expected} "
                                     f"actual: {int(actual)}")
        return 0

    def sys_bind(self, fd, address, length):
        self._fd(fd).sock.bind(self._address(address, str(self.runner.local_ip)))
        return 0

    def sys_listen(self, fd, backlog):
        sock = self._fd(fd).sock
        sock.listen(_int(backlog))
        self.runner.conns.on_listen(sock.port)
        return 0

    def sys_accept(self, fd, address, length):
        entry = self._fd(fd)
        if entry.nonblocking:
            child, _ = entry.sock.accept_nowait()
        else:
            child, _ = yield entry.sock.accept()
        self.last_socket = child
        return self._new_fd(child)

    def sys_connect(self, fd, address, length):
        entry = self._fd(fd)
        target = self._address(address, str(self.runner.remote_ip))
        self.last_socket = entry.sock
        if entry.nonblocking:
            if entry.sock.ep is not None:
                error = entry.sock.getsockopt(sockets.SO_ERROR)
                if error:
                    raise SocketError(Errno(error))
            entry.sock.connect_nowait(target)
            if entry.sock.fastopen_deferred is not None:
                return 0                        # TCP_FASTOPEN_CONNECT with a cookie
            raise SocketError(Errno.EINPROGRESS)
        yield entry.sock.connect(target)
        return 0

    def sys_write(self, fd, buf, count):
        return (yield from self._send(fd, buf, _int(count), 0))

    def sys_send(self, fd, buf, count, flags):
        return (yield from self._send(fd, buf, _int(count), _int(flags)))

    def sys_sendto(self, fd, buf, count, flags, address, length):
        if address == Word("AF_UNSPEC") and _int(flags) & MSG_FASTOPEN:
            raise SocketError(Errno.EOPNOTSUPP)     # Linux tcp_sendmsg_fastopen
        if address is not ELLIPSIS:
            raise Unsupported(f"sendto address {address}")
        return (yield from self._send(fd, buf, _int(count), _int(flags)))

    def sys_sendmsg(self, fd, msg, flags):
        """sendmsg with ``msg_iov`` of ``{..., len}`` buffers (and ``msg_name(...)=...``)."""
        iov = next((item.right for item in getattr(msg, "items", ())
                    if isinstance(item, Binary) and isinstance(item.left, Call)
                    and item.left.name == "msg_iov"), None)
        if not isinstance(iov, Array):
            raise Unsupported(f"sendmsg message {msg}")
        count = 0
        for item in iov.items:
            if not (isinstance(item, Struct) and len(item.items) == 2
                    and item.items[0] is ELLIPSIS):
                raise Unsupported(f"iovec {item}")
            count += _int(item.items[1])
        return (yield from self._send(fd, ELLIPSIS, count, _int(flags)))

    def _send(self, fd, buf, count: int, flags: int):
        if buf is not ELLIPSIS:
            raise Unsupported(f"buffer {buf} (only ...)")
        if flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_FASTOPEN):
            raise Unsupported(f"send flags {flags:#x}")
        entry = self._fd(fd)
        sock = entry.sock
        data = bytes(count)
        nonblocking = entry.nonblocking or bool(flags & MSG_DONTWAIT)
        if (flags & MSG_FASTOPEN or sock.fastopen_deferred) and sock.state in _NOT_CONNECTED:
            self.last_socket = sock
            copied = sock.sendto_fastopen(data, (str(self.runner.remote_ip), DEFAULT_PORT))
            if nonblocking:
                if copied:
                    return copied
                raise SocketError(Errno.EINPROGRESS)
            if copied < count:           # queued now: it leaves with the handshake's ACK
                yield sock.sendall(data[copied:])     # (Linux sk_write_pending)
            yield sock.connected()
            return count
        if nonblocking:
            return sock.send_nowait(data)
        yield sock.sendall(data)
        return len(data)

    def sys_read(self, fd, buf, count):
        if buf is not ELLIPSIS:
            raise Unsupported(f"buffer {buf} (only ...)")
        entry = self._fd(fd)
        if entry.nonblocking:
            return len(entry.sock.recv_nowait(_int(count)))
        data = yield entry.sock.recv(_int(count))
        return len(data)

    def sys_recv(self, fd, buf, count, flags):
        if _int(flags) != 0:
            raise Unsupported(f"recv flags {flags}")
        return (yield from self.sys_read(fd, buf, count))

    def sys_shutdown(self, fd, how):
        if getattr(how, "name", None) not in _SHUT:
            raise Unsupported(f"shutdown how {how}")
        self._fd(fd).sock.shutdown(_SHUT[how.name])
        return 0

    def sys_close(self, fd):
        entry = self._fd(fd)
        del self.fds[_int(fd)]
        entry.sock.close()
        return 0

