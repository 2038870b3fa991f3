"""Listeners: the backlog as Linux enforces it, a closed listener resetting its
children, a SYN reopening a TIME-WAIT 4-tuple, and event-style (callback,
non-blocking) use of the sockets."""

import pytest

from simulator.stack.errno import Errno, SocketError
from simulator.stack.sockets import SO_REUSEADDR
from simulator.stack.tcp.layer import TIME_WAIT_ISN_GAP
from simulator.stack.tcp.seq import seq_add
from simulator.stack.tcp.states import State
from tests.helpers import MS, SECOND, two_hosts

SYN_HOP = (14 + 20 + 40 + 4) * 800 + 1 * MS       # a SYN or SYN-ACK frame at 10 Mb/s, 1 ms


def connect_at(sim, node, at, address, out, bind_port=None):
    def run():
        yield sim.env.timeout(at)
        sock = node.socket("tcp")
        if bind_port is not None:
            sock.setsockopt(SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", bind_port))
        out.append(sock)
        yield sock.connect(address)
        sock.connected_at = sim.now
    sim.process(run())


def test_full_accept_queue_drops_the_syn_until_accept_makes_room():
    sim, a, b = two_hosts()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 80))
    listener.listen(1)                              # Linux: up to backlog + 1 = 2 queued
    socks = []
    for i in range(3):
        connect_at(sim, a, 100 * MS * (i + 1), ("10.0.0.2", 80), socks)
    sim.run(2 * SECOND)
    assert [s.state for s in socks] == [State.ESTABLISHED, State.ESTABLISHED, State.SYN_SENT]
    assert sim.tracer.counters[("h2", "drop:LISTEN_OVERFLOW")] == 2     # SYN at 0.3 s, 1.3 s
    listener.accept_nowait()
    sim.run(5 * SECOND)
    # the SYN retransmitted at 0.3 + 1 + 2 s (RTO 1 s, doubled) finds room
    assert socks[2].connected_at == 300 * MS + 3 * SECOND + 2 * SYN_HOP
    assert len(listener.listener.accept_queue) == 2


def test_closing_a_listener_resets_the_connections_nobody_accepted():
    sim, a, b = two_hosts()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 80))
    listener.listen()
    socks, seen = [], []
    connect_at(sim, a, 0, ("10.0.0.2", 80), socks)

    def reader():
        yield sim.env.timeout(50 * MS)
        listener.close()
        try:
            yield socks[0].recv(10)
        except SocketError as e:
            seen.append(e.errno)

    sim.process(reader())
    sim.run(SECOND)
    assert seen == [Errno.ECONNRESET]
    assert a.tcp.connections == {} and b.tcp.connections == {} and b.tcp.listeners == {}


def test_a_newer_syn_reopens_a_four_tuple_in_time_wait():
    """The server closes first and sits in TIME-WAIT; the client reconnects from
    the same port: RFC 6191 (timestamps newer) lets the SYN in, ISN = SND.NXT + 65537."""
    sim, a, b = two_hosts()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 80))
    listener.listen()
    accepted = []

    def server():
        while True:
            sock, _ = yield listener.accept()
            accepted.append(sock)
            sock.close()                            # the server closes first

    sim.process(server())
    socks = []
    connect_at(sim, a, 0, ("10.0.0.2", 80), socks, bind_port=40000)

    def client_close():
        yield sim.env.timeout(100 * MS)
        assert (yield socks[0].recv(10)) == b""
        socks[0].close()

    sim.process(client_close())
    sim.run(SECOND)
    (tw,) = b.tcp.connections.values()
    assert tw.conn.state is State.TIME_WAIT and a.tcp.connections == {}
    expected_isn = seq_add(tw.conn.snd_nxt, TIME_WAIT_ISN_GAP)
    connect_at(sim, a, 0, ("10.0.0.2", 80), socks, bind_port=40000)
    sim.run(2 * SECOND)
    assert len(accepted) == 2
    assert accepted[1].conn.iss == expected_isn
    assert socks[1].connected_at == SECOND + 2 * SYN_HOP      # no retransmission needed


def test_event_style_echo_server_with_callbacks_and_nowait_calls():
    sim, a, b = two_hosts()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 7))
    listener.listen()
    served = []

    def on_data(sock):
        while True:
            try:
                data = sock.recv_nowait(4096)
            except SocketError as e:
                assert e.errno is Errno.EAGAIN
                return
            if not data:
                sock.close()
                return
            sock.send_nowait(data)

    def on_connection(lsock):
        try:
            sock, peer = lsock.accept_nowait()
        except SocketError:
            return
        served.append(peer)
        sock.on_readable = on_data

    listener.on_readable = on_connection
    echoed = []

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.2", 7))
        yield sock.sendall(b"hello, world")
        sock.shutdown(1)                             # SHUT_WR: the server sees EOF
        while (data := (yield sock.recv(100))):
            echoed.append(data)
        sock.close()

    sim.process(client())
    sim.run(SECOND)
    assert b"".join(echoed) == b"hello, world"
    assert served[0][1] == 32768
    with pytest.raises(SocketError) as e:
        listener.accept_nowait()
    assert e.value.errno is Errno.EAGAIN


def test_a_port_held_by_time_wait_needs_so_reuseaddr_to_be_bound_again():
    sim, a, b = two_hosts()
    listener = b.socket("tcp")
    listener.bind(("0.0.0.0", 80))
    listener.listen()

    def server():
        sock, _ = yield listener.accept()
        assert (yield sock.recv(10)) == b""
        sock.close()

    sim.process(server())
    socks = []
    connect_at(sim, a, 0, ("10.0.0.2", 80), socks, bind_port=40000)
    sim.run(100 * MS)
    socks[0].close()                                # a closes first: TIME-WAIT on 40000
    sim.run(SECOND)
    (tw,) = a.tcp.connections.values()
    assert tw.conn.state is State.TIME_WAIT
    with pytest.raises(SocketError) as e:
        a.socket("tcp").bind(("0.0.0.0", 40000))
    assert e.value.errno is Errno.EADDRINUSE
    again = a.socket("tcp")
    again.setsockopt(SO_REUSEADDR, 1)
    again.bind(("0.0.0.0", 40000))
    assert again.port == 40000


def test_simultaneous_open_through_the_sockets_needs_no_listener():
    """RFC 9293 §3.5 Figure 8: both SYNs cross; each side's SYN reaches the other's
    SYN-SENT connection by its 4-tuple, and both connect() calls succeed."""
    sim, a, b = two_hosts()
    a.ip.arps[a.interfaces["eth0"]].set_static(b.ip.addresses[b.interfaces["eth0"]].ip,
                                               b.interfaces["eth0"].mac)
    b.ip.arps[b.interfaces["eth0"]].set_static(a.ip.addresses[a.interfaces["eth0"]].ip,
                                               a.interfaces["eth0"].mac)
    done = {}

    def side(node, port, peer):
        sock = node.socket("tcp")
        sock.bind(("0.0.0.0", port))
        yield sock.connect(peer)
        done[node.name] = (sim.now, sock.state)

    sim.process(side(a, 5000, ("10.0.0.2", 6000)))
    sim.process(side(b, 6000, ("10.0.0.1", 5000)))
    sim.run(SECOND)
    assert b.tcp.resets_sent == a.tcp.resets_sent == 0
    # each SYN arrives one hop after 0, each SYN-ACK one hop later
    assert done == {"h1": (2 * SYN_HOP, State.ESTABLISHED), "h2": (2 * SYN_HOP, State.ESTABLISHED)}
