"""Socket options: what setsockopt changes on the wire and in tcp_info, and the
errors for options and calls a socket's state does not allow."""

import pytest

from simulator.stack.errno import Errno, SocketError
from simulator.stack.sockets import (SO_ERROR, SO_KEEPALIVE, SO_SNDBUF, TCP_CONGESTION,
                                     TCP_INFO, TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL,
                                     TCP_MAXSEG, TCP_NODELAY, TCP_USER_TIMEOUT)
from simulator.stack.tcp.states import State
from tests.helpers import SECOND, two_hosts
from tests.stack.test_sockets_tcp import serve, transfer


def syn_options(sim):
    seen = []
    sim.tracer.add_sink(lambda e: seen.append(e)
                        if e["event"] == "tcp.tx" and "SYN" in e["flags"] else None)
    return seen


def test_maxseg_is_announced_and_congestion_control_is_chosen_per_socket():
    sim, a, b = two_hosts()
    seen = syn_options(sim)
    config = a.tcp_config.replace(mss=536, cc="reno")
    data, got = transfer(sim, a, b, 20_000, client_config=config)
    sim.run(5 * SECOND)
    assert bytes(got["bytes"]) == data
    syn, synack = seen
    assert (syn["node"], syn["mss"], synack["node"], synack["mss"]) == ("h1", 536, "h2", 1460)
    assert syn["wscale"] == 7 and syn["sack_permitted"] and "tsval" in syn


def test_setsockopt_and_getsockopt_round_trip():
    sim, a, b = two_hosts()
    sock = a.socket("tcp")
    assert sock.getsockopt(TCP_NODELAY) is False
    sock.setsockopt(TCP_NODELAY, 1)
    sock.setsockopt(TCP_MAXSEG, 1000)
    sock.setsockopt(TCP_CONGESTION, "newreno")
    sock.setsockopt(SO_SNDBUF, 8192)
    assert (sock.getsockopt(TCP_NODELAY), sock.getsockopt(TCP_MAXSEG),
            sock.getsockopt(TCP_CONGESTION), sock.getsockopt(SO_SNDBUF)) == (True, 1000,
                                                                            "newreno", 16384)
    assert sock.config.wmem == 16384                    # doubled as Linux sock_setsockopt
    assert sock.config.nagle is False and a.tcp_config.nagle is True    # the node's is untouched
    with pytest.raises(SocketError) as e:
        sock.setsockopt(TCP_CONGESTION, "vegas")
    assert e.value.errno is Errno.EINVAL
    with pytest.raises(SocketError) as e:
        sock.setsockopt("IP_TOS", 0x10)
    assert e.value.errno is Errno.ENOPROTOOPT
    assert sock.getsockopt(TCP_INFO) == {"tcpi_state": 7, "tcpi_state_name": "CLOSED"}
    sock.listen()
    assert sock.getsockopt(TCP_INFO)["tcpi_state"] == 10              # TCP_LISTEN


def test_keepalive_and_user_timeout_options_in_linux_units():
    sim, a, b = two_hosts()
    sock = a.socket("tcp")
    assert (sock.getsockopt(SO_KEEPALIVE), sock.getsockopt(TCP_KEEPIDLE),
            sock.getsockopt(TCP_KEEPINTVL), sock.getsockopt(TCP_KEEPCNT),
            sock.getsockopt(TCP_USER_TIMEOUT)) == (False, 7200, 75, 9, 0)
    for option, value in ((SO_KEEPALIVE, 1), (TCP_KEEPIDLE, 60), (TCP_KEEPINTVL, 10),
                          (TCP_KEEPCNT, 4), (TCP_USER_TIMEOUT, 1500)):
        sock.setsockopt(option, value)
    c = sock.config
    assert (c.keepalive, c.keepalive_time, c.keepalive_intvl, c.keepalive_probes,
            c.user_timeout) == (True, 60 * SECOND, 10 * SECOND, 4, 1500 * SECOND // 1000)
    assert sock.getsockopt(TCP_KEEPIDLE) == 60 and sock.getsockopt(TCP_USER_TIMEOUT) == 1500
    # Linux's bounds: MAX_TCP_KEEPIDLE/KEEPINTVL 32767 s, MAX_TCP_KEEPCNT 127, >= 1
    for option, value in ((TCP_KEEPIDLE, 0), (TCP_KEEPIDLE, 32768), (TCP_KEEPINTVL, 0),
                          (TCP_KEEPCNT, 128), (TCP_USER_TIMEOUT, -1)):
        with pytest.raises(SocketError) as e:
            sock.setsockopt(option, value)
        assert e.value.errno is Errno.EINVAL


def test_a_small_send_buffer_makes_sendall_wait_and_send_return_partial_counts():
    sim, a, b = two_hosts()
    config = a.tcp_config.replace(wmem=4096)
    data, got = transfer(sim, a, b, 100_000, client_config=config)
    sim.run(5 * SECOND)
    assert bytes(got["bytes"]) == data
    partial = []

    def client():
        sock = a.socket("tcp")
        sock.setsockopt(SO_SNDBUF, 4096)                # Linux doubles it: 8192 bytes
        yield sock.connect(("10.0.0.2", 5001))
        partial.append((yield sock.send(bytes(10_000))))
        with pytest.raises(SocketError) as e:
            sock.send_nowait(b"x")
        partial.append(e.value.errno)

    sim.process(client())
    sim.run(10 * SECOND)
    assert partial == [8192, Errno.EAGAIN]


def test_sndbuf_on_a_connected_socket_applies_at_once():
    """Linux: SO_SNDBUF on a live socket sets sk_sndbuf (doubled) at once, so a write
    that did not fit goes on into the larger buffer."""
    sim, a, b = two_hosts()
    serve(sim, b, 5001, lambda s: (yield s.recv(1)))
    taken = []

    def client():
        sock = a.socket("tcp")
        sock.setsockopt(SO_SNDBUF, 4096)
        yield sock.connect(("10.0.0.2", 5001))
        taken.append(sock.send_nowait(bytes(20_000)))
        sock.setsockopt(SO_SNDBUF, 8192)
        taken.append(sock.send_nowait(bytes(20_000)))
        taken.append(sock.getsockopt(SO_SNDBUF))

    sim.process(client())
    sim.run(1 * SECOND)
    assert taken == [8192, 8192, 16384]


def test_calls_in_the_wrong_state_fail_with_linux_errnos():
    sim, a, b = two_hosts()
    serve(sim, b, 80, lambda s: (yield s.recv(1)))
    sock = a.socket("tcp")
    with pytest.raises(SocketError) as e:
        sock.recv_nowait(1)
    assert e.value.errno is Errno.ENOTCONN
    sock.connect_nowait(("10.0.0.2", 80))
    with pytest.raises(SocketError) as e:
        sock.connect_nowait(("10.0.0.2", 80))
    assert e.value.errno is Errno.EALREADY
    sim.run(SECOND)
    with pytest.raises(SocketError) as e:
        sock.connect_nowait(("10.0.0.2", 80))
    assert e.value.errno is Errno.EISCONN
    empty = sock.recv(0)                             # returns at once, as on Linux
    assert empty.triggered and empty.value == b""
    sock.shutdown(1)
    with pytest.raises(SocketError) as e:
        sock.send_nowait(b"late")
    assert e.value.errno is Errno.EPIPE
    refused = a.socket("tcp")
    refused.connect_nowait(("10.0.0.2", 81))
    sim.run(2 * SECOND)
    assert refused.getsockopt(SO_ERROR) == 111 and refused.getsockopt(SO_ERROR) == 0
    refused.connect_nowait(("10.0.0.2", 80))        # the same socket may try again
    sim.run(3 * SECOND)
    assert refused.state is State.ESTABLISHED
    with pytest.raises(SocketError) as e:
        a.socket("tcp").connect_nowait(("192.0.2.1", 80))
    assert e.value.errno is Errno.ENETUNREACH
