"""Socket options by their Linux names (``setsockopt(option, value)``,
``getsockopt(option)``), the TcpConfig knob each sets and how its value maps onto it
(Linux's units, bounds and doubling); :mod:`simulator.stack.sockets` applies them."""

from simulator.stack.sockets_fastopen import key_text

_S, _MS = 1_000_000_000, 1_000_000

TCP_NODELAY = "TCP_NODELAY"
TCP_MAXSEG = "TCP_MAXSEG"
TCP_CONGESTION = "TCP_CONGESTION"
TCP_INFO = "TCP_INFO"
SO_SNDBUF = "SO_SNDBUF"
SO_RCVBUF = "SO_RCVBUF"
SO_LINGER = "SO_LINGER"
SO_REUSEADDR = "SO_REUSEADDR"
SO_ERROR = "SO_ERROR"
SO_KEEPALIVE = "SO_KEEPALIVE"
TCP_KEEPIDLE = "TCP_KEEPIDLE"
TCP_KEEPINTVL = "TCP_KEEPINTVL"
TCP_KEEPCNT = "TCP_KEEPCNT"
TCP_USER_TIMEOUT = "TCP_USER_TIMEOUT"
TCP_SYNCNT = "TCP_SYNCNT"
TCP_FASTOPEN = "TCP_FASTOPEN"                   # a listener's Fast Open queue length
TCP_FASTOPEN_CONNECT = "TCP_FASTOPEN_CONNECT"   # connect() defers the SYN to the write
TCP_FASTOPEN_KEY = "TCP_FASTOPEN_KEY"           # the listener's 16-byte key
TCP_FASTOPEN_NO_COOKIE = "TCP_FASTOPEN_NO_COOKIE"

# The TcpConfig knob each option sets, and how the value maps onto it.
CONFIG_OPTIONS = {
    TCP_NODELAY: ("nagle", lambda v: not v),
    TCP_MAXSEG: ("mss", int),
    TCP_CONGESTION: ("cc", str),
    SO_SNDBUF: ("wmem", lambda v: max(2 * int(v), SOCK_MIN_SNDBUF)),
    SO_RCVBUF: ("rmem", lambda v: max(2 * int(v), SOCK_MIN_RCVBUF)),
    SO_KEEPALIVE: ("keepalive", bool),
    TCP_KEEPIDLE: ("keepalive_time", lambda v: in_range(v, 1, 32767) * _S),
    TCP_KEEPINTVL: ("keepalive_intvl", lambda v: in_range(v, 1, 32767) * _S),
    TCP_KEEPCNT: ("keepalive_probes", lambda v: in_range(v, 1, 127)),
    TCP_USER_TIMEOUT: ("user_timeout", lambda v: in_range(v, 0, 2**31 - 1) * _MS),
    TCP_SYNCNT: ("syn_retries", int),
    TCP_FASTOPEN: ("fastopen_qlen", int),
    TCP_FASTOPEN_CONNECT: ("fastopen_connect", bool),
    TCP_FASTOPEN_NO_COOKIE: ("fastopen_no_cookie", bool),
    TCP_FASTOPEN_KEY: ("fastopen_key", key_text),
}
# the cap on each buffer option's value before it is doubled (Linux sock_setsockopt)
BUFFER_MAX = {SO_SNDBUF: "wmem_max", SO_RCVBUF: "rmem_max"}
# getsockopt's unit for the knobs kept in nanoseconds (seconds, milliseconds)
REPORTED_IN = {TCP_KEEPIDLE: _S, TCP_KEEPINTVL: _S, TCP_USER_TIMEOUT: _MS}
KEEPALIVE_OPTIONS = (SO_KEEPALIVE, TCP_KEEPIDLE)   # these re-arm a live timer
# Linux sock_setsockopt stores twice the SO_SNDBUF/SO_RCVBUF asked for (room for
# its bookkeeping) and reports that; the floors are include/net/sock.h's, x86-64:
# TCP_SKB_MIN_TRUESIZE = 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) = 2304.
SOCK_MIN_RCVBUF = 2304
SOCK_MIN_SNDBUF = 2 * SOCK_MIN_RCVBUF


def in_range(value, low: int, high: int) -> int:
    """Linux's bounds on the keep-alive options and TCP_USER_TIMEOUT (EINVAL outside:
    MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL 32767 s, MAX_TCP_KEEPCNT 127)."""
    value = int(value)
    if not low <= value <= high:
        raise ValueError(value)
    return value
