"""The TCP layer without connections: RST for segments that match nothing
(RFC 9293 §3.10.7.1), the ephemeral port allocator, and the sender-NIC
backpressure that keeps TCP segments out of a full drop-tail queue."""

import pytest

from simulator.stack.errno import Errno, SocketError
from simulator.stack.ports import PortAllocator
from simulator.stack.tcp.txqueue import TxQueue
from simulator.wire.addr import IPv4Address as A
from simulator.wire.ipv4 import PROTO_TCP
from simulator.wire.tcp import ACK, FIN, RST, SYN, TcpSegment
from tests.helpers import MS, SECOND, two_hosts


def tcp_rx(sim):
    seen = []
    sim.tracer.add_sink(lambda e: seen.append(e) if e["event"] == "tcp.rx" else None)
    return seen


@pytest.mark.parametrize("flags, payload, expected", [
    (SYN, b"", dict(seq=0, ack=1001, flags="RST, ACK")),             # SEG.LEN counts SYN
    (SYN | FIN, b"abc", dict(seq=0, ack=1005, flags="RST, ACK")),
    (ACK, b"", dict(seq=777, ack=0, flags="RST")),                   # <SEQ=SEG.ACK>
    (ACK | FIN, b"xy", dict(seq=777, ack=0, flags="RST")),
])
def test_segment_for_no_connection_gets_the_rfc_9293_reset(flags, payload, expected):
    sim, a, b = two_hosts()
    seen = tcp_rx(sim)
    a.ip.send(A("10.0.0.2"), PROTO_TCP, TcpSegment(40000, 80, 1000, 777, flags, 512, payload),
              df=True)
    sim.run(SECOND)
    assert b.tcp.resets_sent == 1
    reply = [e for e in seen if e["node"] == "h1"]
    assert len(reply) == 1
    got = reply[0]
    assert (got["sport"], got["dport"], got["win"], got["len"]) == (80, 40000, 0, 0)
    assert {k: got[k] for k in expected} == expected
    assert a.tcp.resets_sent == 0                  # the RST itself is never answered


def test_reset_is_never_answered_with_a_reset():
    sim, a, b = two_hosts()
    a.ip.send(A("10.0.0.2"), PROTO_TCP, TcpSegment(40000, 80, 5, 0, RST, 0), df=True)
    sim.run(SECOND)
    assert b.tcp.resets_sent == 0


def test_allocator_walks_on_from_the_last_port_and_wraps():
    ports = PortAllocator(range(100, 105))
    taken = {101}
    got = [ports.allocate(lambda p: p not in taken) for _ in range(5)]
    assert got == [100, 102, 103, 104, 100]
    taken = set(range(100, 105))
    assert ports.allocate(lambda p: p not in taken) is None


def test_bind_zero_wraps_around_the_linux_range_and_skips_ports_in_use():
    sim, a, b = two_hosts()
    first = a.socket("tcp")
    first.bind(("0.0.0.0", 0))
    assert first.port == 32768
    held = a.socket("tcp")
    held.bind(("0.0.0.0", 32770))
    a.tcp._ephemeral._next = 60999                # the end of ip_local_port_range
    ports = []
    for _ in range(4):
        s = a.socket("tcp")
        s.bind(("0.0.0.0", 0))
        ports.append(s.port)
    assert ports == [60999, 32769, 32771, 32772]  # wrapped; 32768 and 32770 in use
    with pytest.raises(SocketError) as e:
        a.socket("tcp").bind(("0.0.0.0", 32770))
    assert e.value.errno is Errno.EADDRINUSE


def test_connect_runs_out_of_ports_to_one_peer_but_not_to_another():
    sim, a, b = two_hosts()
    a.tcp._ephemeral = PortAllocator(range(40000, 40002))
    for _ in range(2):
        a.socket("tcp").connect_nowait(("10.0.0.2", 80))
    with pytest.raises(SocketError) as e:
        a.socket("tcp").connect_nowait(("10.0.0.2", 80))
    assert e.value.errno is Errno.EADDRNOTAVAIL
    other = a.socket("tcp")
    other.connect_nowait(("10.0.0.2", 81))         # a new 4-tuple: port 40000 again
    assert other.getsockname()[1] == 40000


def test_udp_ephemeral_ports_wrap_and_skip_bound_ones():
    sim, a, b = two_hosts()
    a.udp.bind(32768)
    a.udp._ephemeral._next = 60999
    assert [a.udp.bind(0).port for _ in range(3)] == [60999, 32769, 32770]


def test_reuseaddr_lets_two_non_listening_sockets_share_a_port():
    sim, a, b = two_hosts()
    s1, s2 = a.socket("tcp"), a.socket("tcp")
    for s in (s1, s2):
        s.setsockopt("SO_REUSEADDR", 1)
    s1.bind(("0.0.0.0", 8080))
    s2.bind(("10.0.0.1", 8080))
    s1.listen()
    s3 = a.socket("tcp")
    s3.setsockopt("SO_REUSEADDR", 1)
    with pytest.raises(SocketError) as e:         # a listener on the port: never shared
        s3.bind(("0.0.0.0", 8080))
    assert e.value.errno is Errno.EADDRINUSE


class _Endpoint:
    def __init__(self):
        self.remote = (A("10.0.0.2"), 80)
        self.loopback = False


def test_a_burst_larger_than_the_nic_queue_waits_instead_of_tail_dropping():
    """300 full-sized segments written at once into a 100-packet queue: none is
    dropped, they leave back to back in order, the last one exactly when
    serialization of all 300 allows."""
    sim, a, b = two_hosts(rate=100_000_000, delay=MS, queue_packets=100)
    a.ip.arps[a.interfaces["eth0"]].set_static(A("10.0.0.2"), b.interfaces["eth0"].mac)
    arrived = []
    b.ip.protocols[PROTO_TCP] = lambda packet, iface: arrived.append((sim.now, packet.payload.seq))
    sent = []

    def transmit(ep, seg):
        sent.append(sim.now)
        a.ip.send(A("10.0.0.2"), PROTO_TCP, seg, df=True)

    txq = TxQueue(a.ip, transmit)
    ep = _Endpoint()
    for i in range(300):
        txq.send(ep, TcpSegment(40000, 80, i * 1460, 0, ACK, 1000, bytes(1460)))
    assert txq.waiting() == 300 - 1 - 100          # one on the wire, 100 queued
    sim.run(SECOND)
    assert a.interfaces["eth0"].drops == {}
    assert [seq for _, seq in arrived] == [i * 1460 for i in range(300)]
    frame_ns = 1518 * 80                           # 1518 B at 100 Mb/s: 80 ns per byte
    assert arrived[-1][0] == 300 * frame_ns + MS
    assert txq.waiting() == 0
    assert sent[101] == frame_ns                   # the first waiting one goes down as
    #                                                the transmitter frees the first slot


def test_tcp_timers_add_no_event_per_segment(monkeypatch):
    """A 1 MB transfer: the connections' timers (an RTO restarted on every ACK, the
    delayed-ACK timer) schedule a handful of SimPy events in all, and the frames
    cost at most two each (arrival, and a wake-up when one waited in a queue)."""
    from simulator.engine.sim import Simulation, Timer
    from tests.stack.test_sockets_tcp import transfer

    armed = []
    start_at = Timer.start_at

    def counting_start_at(timer, deadline):          # events the restart scheduled
        before = timer._sim.pending_events
        start_at(timer, deadline)
        armed.extend(range(timer._sim.pending_events - before))

    monkeypatch.setattr(Timer, "start_at", counting_start_at)
    link_events = []
    call_later = Simulation.call_later
    monkeypatch.setattr(Simulation, "call_later",
                        lambda sim, *args: (link_events.append(1), call_later(sim, *args))[1])
    sim, a, b = two_hosts(rate=100_000_000)
    data, got = transfer(sim, a, b, 1_000_000)
    sim.run(10 * SECOND)
    assert bytes(got["bytes"]) == data
    acks = b.interfaces["eth0"].tx_frames
    frames = acks + a.interfaces["eth0"].tx_frames
    assert acks > 300
    assert len(armed) <= 20
    assert len(link_events) <= 2 * frames
