"""Socket errors as Linux reports them: ``Errno`` members carry Linux's errno
numbers (asm-generic/errno.h) and ``str()`` gives glibc's strerror text.

``SendError`` is what a send path returns when a datagram cannot leave the
node: the errno, plus for EMSGSIZE the MTU that refused it (what Linux puts
in ``sock_extended_err.ee_info`` and iputils prints as ``mtu=``).
``SocketError`` is the exception a failed socket call raises (or fails its
SimPy event with).
"""

import enum

class Errno(enum.IntEnum):
    """A Linux errno: ``Errno.ECONNREFUSED == 111``, ``str(...) == "Connection refused"``."""

    EPERM = 1
    EBADF = 9
    EAGAIN = 11
    EINVAL = 22
    EPIPE = 32
    EPROTO = 71
    EDESTADDRREQ = 89
    EMSGSIZE = 90
    ENOPROTOOPT = 92
    EPROTONOSUPPORT = 93
    EOPNOTSUPP = 95
    EADDRINUSE = 98
    EADDRNOTAVAIL = 99
    ENETDOWN = 100
    ENETUNREACH = 101
    ECONNABORTED = 103
    ECONNRESET = 104
    ENOBUFS = 105
    EISCONN = 106
    ENOTCONN = 107
    ETIMEDOUT = 110
    ECONNREFUSED = 111
    EHOSTDOWN = 112
    EHOSTUNREACH = 113
    EALREADY = 114
    EINPROGRESS = 115

    @property
    def strerror(self) -> str:
        return STRERROR[self]

    def __str__(self) -> str:
        return STRERROR[self]


STRERROR = {
    Errno.EPERM: "Operation not permitted",
    Errno.EBADF: "Bad file descriptor",
    Errno.EAGAIN: "Resource temporarily unavailable",
    Errno.EINVAL: "Invalid argument",
    Errno.EPIPE: "Broken pipe",
    Errno.EPROTO: "Protocol error",
    Errno.EDESTADDRREQ: "Destination address required",
    Errno.EMSGSIZE: "Message too long",
    Errno.ENOPROTOOPT: "Protocol not available",
    Errno.EPROTONOSUPPORT: "Protocol not supported",
    Errno.EOPNOTSUPP: "Operation not supported",
    Errno.EADDRINUSE: "Address already in use",
    Errno.EADDRNOTAVAIL: "Cannot assign requested address",
    Errno.ENETDOWN: "Network is down",
    Errno.ENETUNREACH: "Network is unreachable",
    Errno.ECONNABORTED: "Software caused connection abort",
    Errno.ECONNRESET: "Connection reset by peer",
    Errno.ENOBUFS: "No buffer space available",
    Errno.EISCONN: "Transport endpoint is already connected",
    Errno.ENOTCONN: "Transport endpoint is not connected",
    Errno.ETIMEDOUT: "Connection timed out",
    Errno.ECONNREFUSED: "Connection refused",
    Errno.EHOSTDOWN: "Host is down",
    Errno.EHOSTUNREACH: "No route to host",
    Errno.EALREADY: "Operation already in progress",
    Errno.EINPROGRESS: "Operation now in progress",
}


class SendError:
    """A datagram refused on its way out: ``errno``, and ``mtu`` for EMSGSIZE."""

    __slots__ = ("errno", "mtu")

    def __init__(self, errno: Errno, mtu: int | None = None):
        self.errno = errno
        self.mtu = mtu

    def __eq__(self, other) -> bool:
        return (isinstance(other, SendError) and self.errno is other.errno
                and self.mtu == other.mtu)

    def __hash__(self) -> int:
        return hash((self.errno, self.mtu))

    def __str__(self) -> str:
        """As Linux tools print it: iputils' ``message too long, mtu=1400`` for
        EMSGSIZE, strerror otherwise (``Network is unreachable``)."""
        if self.errno is Errno.EMSGSIZE and self.mtu is not None:
            return f"message too long, mtu={self.mtu}"
        return str(self.errno)

    def __repr__(self) -> str:
        mtu = f", mtu={self.mtu}" if self.mtu is not None else ""
        return f"SendError({self.errno.name}{mtu})"


class SocketError(Exception):
    """A failed socket call: ``errno`` (an Errno), message ``[Errno 111] Connection refused``."""

    def __init__(self, errno: Errno, mtu: int | None = None):
        super().__init__(errno, mtu)        # SimPy re-creates a failure from its args
        self.errno = errno
        self.mtu = mtu

    def __str__(self) -> str:
        return f"[Errno {int(self.errno)}] {self.errno}"
