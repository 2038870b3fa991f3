"""UDP sockets (node.socket("udp")): bind/connect/sendto/recvfrom from SimPy
processes, and Linux's connected-UDP error reporting."""

import pytest

from simulator.stack.errno import Errno, SocketError
from simulator.wire.addr import IPv4Address as A
from tests.helpers import MS, SECOND, two_hosts


def test_sendto_and_recvfrom_between_processes_with_exact_timing():
    sim, a, b = two_hosts()                       # 10 Mb/s, 1 ms
    server = b.socket("udp")
    server.bind(("0.0.0.0", 7))
    got = []

    def serve():
        data, address = yield server.recvfrom(2048)
        got.append((sim.now, data, address))
        server.sendto(data.upper(), address)

    def client():
        sock = a.socket("udp")
        assert sock.sendto(b"hello", ("10.0.0.2", 7)) == 5
        data, address = yield sock.recvfrom(2048)
        got.append((sim.now, data, address))

    sim.process(serve())
    sim.process(client())
    sim.run(SECOND)
    port = got[0][2][1]
    assert 32768 <= port <= 60999
    assert got[0][1:] == (b"hello", (A("10.0.0.1"), port))
    assert got[1][1:] == (b"HELLO", (A("10.0.0.2"), 7))
    # ARP request + reply (64 B frames) then the 60 B-padded datagram: every frame is
    # the 64-byte minimum, 51.2 µs at 10 Mb/s, plus 1 ms each way.
    hop = 51_200 + MS
    assert got[0][0] == 3 * hop
    assert got[1][0] == 4 * hop                # b learnt a's MAC from its ARP request


def test_connected_socket_reports_port_unreachable_as_econnrefused_on_the_next_call():
    sim, a, b = two_hosts()
    sock = a.socket("udp")
    sock.connect(("10.0.0.2", 9999))              # nobody listens there
    outcome = []

    def client():
        sock.send(b"ping")
        try:
            yield sock.recv(100)                  # the ICMP error wakes the blocked recv
        except SocketError as e:
            outcome.append((sim.now, e.errno))
        sock.send(b"again")                       # error consumed: this one goes out
        yield sim.env.timeout(100 * MS)           # the second Port Unreachable arrives
        try:
            sock.send(b"third")
        except SocketError as e:
            outcome.append((sim.now, e.errno))

    sim.process(client())
    sim.run(SECOND)
    hop = 51_200 + MS                              # every frame is 64 B at 10 Mb/s
    icmp_frame = 14 + 20 + 8 + 20 + 8 + 4         # error quoting IP header + 8 bytes
    icmp_hop = icmp_frame * 800 + MS               # 800 ns per byte at 10 Mb/s
    assert outcome[0] == (3 * hop + icmp_hop, Errno.ECONNREFUSED)
    assert outcome[1][1] is Errno.ECONNREFUSED
    assert b.udp.sockets == {}


def test_unconnected_socket_ignores_icmp_errors_and_connected_one_hears_only_its_peer():
    sim, a, b = two_hosts()
    loose = a.socket("udp")
    loose.sendto(b"x", ("10.0.0.2", 9999))
    sim.run(100 * MS)
    assert loose.error is None
    assert loose.sendto(b"y", ("10.0.0.2", 9999)) == 1

    server = b.socket("udp")
    server.bind(("0.0.0.0", 5000))
    server.connect(("10.0.0.1", 6000))            # only datagrams from 10.0.0.1:6000
    stranger, friend = a.socket("udp"), a.socket("udp")
    stranger.bind(("0.0.0.0", 6001))
    friend.bind(("0.0.0.0", 6000))
    stranger.sendto(b"no", ("10.0.0.2", 5000))
    friend.sendto(b"yes", ("10.0.0.2", 5000))
    sim.run(200 * MS)
    assert server.recvfrom_nowait(10) == (b"yes", (A("10.0.0.1"), 6000))
    with pytest.raises(SocketError) as e:
        server.recvfrom_nowait(10)
    assert e.value.errno is Errno.EAGAIN
    assert sim.tracer.counters[("h2", "drop:PORT_UNREACHABLE")] == 3   # 2 to 9999, the stranger


def test_send_errors_are_typed():
    sim, a, b = two_hosts()
    sock = a.socket("udp")
    with pytest.raises(SocketError) as e:
        sock.sendto(b"x", ("192.0.2.1", 9))
    assert e.value.errno is Errno.ENETUNREACH
    with pytest.raises(SocketError) as e:
        sock.sendto(bytes(1473), ("10.0.0.2", 9), df=True)
    assert (e.value.errno, e.value.mtu) == (Errno.EMSGSIZE, 1500)
    with pytest.raises(SocketError) as e:
        sock.sendto(bytes(65508), ("10.0.0.2", 9))    # more than an IPv4 datagram holds
    assert (e.value.errno, e.value.mtu) == (Errno.EMSGSIZE, None)
    assert sock.sendto(bytes(65507), ("10.0.0.2", 9)) == 65507
    with pytest.raises(SocketError) as e:
        sock.send(b"x")
    assert e.value.errno is Errno.EDESTADDRREQ
    taken = b.socket("udp")
    taken.bind(("0.0.0.0", 53))
    with pytest.raises(SocketError) as e:
        b.socket("udp").bind(("0.0.0.0", 53))
    assert e.value.errno is Errno.EADDRINUSE
    with pytest.raises(SocketError) as e:
        b.socket("udp").bind(("10.9.9.9", 54))
    assert e.value.errno is Errno.EADDRNOTAVAIL


def test_recv_truncates_and_the_receive_queue_is_bounded():
    sim, a, b = two_hosts(rate=1_000_000_000)
    server = b.socket("udp")
    server.bind(("0.0.0.0", 7))
    server.rcvbuf = 3000
    client = a.socket("udp")
    readable = []
    server.on_readable = lambda s: readable.append(sim.now)
    client.sendto(bytes(1000), ("10.0.0.2", 7))
    sim.run(100 * MS)                             # ARP resolved (its queue holds only 3)
    for _ in range(3):
        client.sendto(bytes(1000), ("10.0.0.2", 7))
    sim.run(SECOND)
    assert len(readable) == 3
    assert server.recvfrom_nowait(10)[0] == bytes(10)
    assert sim.tracer.counters[("h2", "drop:RCVBUF_FULL")] == 1
