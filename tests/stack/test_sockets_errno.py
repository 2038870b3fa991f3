"""Errno: Linux's numbers and strerror texts, checked against this machine's
libc; send paths return typed errors, callers print what Linux prints."""

import errno as libc_errno
import os

from simulator.stack.errno import Errno, SendError, SocketError
from simulator.wire.addr import IPv4Address
from simulator.wire.ipv4 import PROTO_UDP
from simulator.wire.udp import UdpDatagram
from tests.helpers import two_hosts


def test_numbers_and_texts_match_linux():
    for e in Errno:
        assert getattr(libc_errno, e.name) == e.value
        assert str(e) == os.strerror(e.value)
    assert str(SocketError(Errno.ECONNREFUSED)) == "[Errno 111] Connection refused"


def test_ip_send_returns_typed_errors():
    sim, a, b = two_hosts()
    error = a.ip.send(IPv4Address("192.0.2.1"), PROTO_UDP, UdpDatagram(1, 2, b""))
    assert error.errno is Errno.ENETUNREACH and str(error) == "Network is unreachable"
    big = UdpDatagram(1, 2, bytes(1473))         # 20 + 8 + 1473 = 1501 > 1500
    error = a.ip.send(IPv4Address("10.0.0.2"), PROTO_UDP, big, df=True)
    assert error == SendError(Errno.EMSGSIZE, 1500)
    assert str(error) == "message too long, mtu=1500"
    assert a.ip.send(IPv4Address("10.0.0.2"), PROTO_UDP, big) is None     # fragments instead
