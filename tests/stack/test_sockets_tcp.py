"""TCP through node.socket("tcp") between real nodes: handshake timing to the
nanosecond, a transfer whose bytes arrive intact, refusal, close and TIME-WAIT,
backpressure at the sender's NIC, MSS from the path (PMTUD)."""

import hashlib
import random

from simulator.engine.sim import Simulation
from simulator.stack.errno import Errno, SocketError
from simulator.stack.sockets import SO_LINGER, TCP_INFO, TCP_NODELAY
from simulator.stack.tcp.states import State
from simulator.wire.addr import IPv4Address as A, IPv4Network
from simulator.wire.icmp import FRAGMENTATION_NEEDED, IcmpDestUnreachable
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_TCP, IPv4Packet
from simulator.wire.tcp import ACK, TcpSegment
from tests.helpers import MS, SECOND, gateway_host, link, router, two_hosts

NS_PER_BYTE = 800                      # at 10 Mb/s
ARP_FRAME = 64                         # minimum Ethernet frame
SYN_FRAME = 14 + 20 + 20 + 20 + 4      # Linux SYN options: MSS, SACK_PERM, TS, NOP, WS = 20 B
ACK_FRAME = 14 + 20 + 20 + 12 + 4      # NOP, NOP, TS = 12 B
RST_FRAME = 64                         # 58 B, padded


def hop(frame_bytes: int) -> int:
    return frame_bytes * NS_PER_BYTE + MS


def serve(sim, node, port, handler, backlog=128):
    """Listen on ``port`` and run ``handler(sock)`` (a generator) per accepted connection."""
    listener = node.socket("tcp")
    listener.bind(("0.0.0.0", port))
    listener.listen(backlog)

    def loop():
        while True:
            sock, _peer = yield listener.accept()
            sim.process(handler(sock))

    sim.process(loop())
    return listener


def test_handshake_times_are_exact():
    sim, a, b = two_hosts()                        # 10 Mb/s, 1 ms
    times = {}

    def accepted(sock):
        times["accept"] = sim.now
        times["server_state"] = sock.state
        yield sim.env.timeout(0)

    serve(sim, b, 80, accepted)

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.2", 80))
        times["connect"] = sim.now
        times["client"] = sock.getsockname(), sock.getpeername(), sock.state

    sim.process(client())
    sim.run(SECOND)
    arp = 2 * hop(ARP_FRAME)                       # request, reply (b learns a from it)
    syn_at_b = arp + hop(SYN_FRAME)
    synack_at_a = syn_at_b + hop(SYN_FRAME)
    ack_at_b = synack_at_a + hop(ACK_FRAME)
    assert times["connect"] == synack_at_a == 4_227_200
    assert times["accept"] == ack_at_b == 5_283_200
    assert times["server_state"] is State.ESTABLISHED
    local, peer, state = times["client"]
    assert local == (A("10.0.0.1"), 32768) and peer == (A("10.0.0.2"), 80)
    assert state is State.ESTABLISHED


def test_connect_to_a_closed_port_is_refused_by_the_reset():
    sim, a, b = two_hosts()
    outcome = []

    def client():
        sock = a.socket("tcp")
        try:
            yield sock.connect(("10.0.0.2", 81))
        except SocketError as e:
            outcome.append((sim.now, e.errno, sock.state))

    sim.process(client())
    sim.run(SECOND)
    syn_at_b = 2 * hop(ARP_FRAME) + hop(SYN_FRAME)
    assert outcome == [(syn_at_b + hop(RST_FRAME), Errno.ECONNREFUSED, State.CLOSED)]
    assert a.tcp.connections == {}


def idle(sock):
    yield sock.recv(1)


def transfer(sim, a, b, size, port=5001, client_config=None, server_config=None):
    """a sends ``size`` random bytes to b and closes; returns what b read and when."""
    data = random.Random(size).randbytes(size)
    got = {"bytes": bytearray()}
    if server_config is not None:
        b.tcp_config = server_config

    def sink(sock):
        while True:
            chunk = yield sock.recv(65536)
            if not chunk:
                break
            got["bytes"] += chunk
        got["eof_at"] = sim.now
        sock.close()

    serve(sim, b, port, sink)

    def source():
        sock = a.socket("tcp")
        if client_config is not None:
            sock.config = client_config
        got["client"] = sock
        yield sock.connect((str(b.ip.addresses[b.interfaces["eth0"]].ip), port))
        yield sock.sendall(data)
        got["sent_at"] = sim.now
        sock.close()

    sim.process(source())
    return data, got


def test_a_megabyte_arrives_intact_and_the_close_leaves_time_wait_then_nothing():
    sim, a, b = two_hosts(rate=100_000_000)
    data, got = transfer(sim, a, b, 1_000_000)
    sim.run(10 * SECOND)
    assert hashlib.sha256(got["bytes"]).digest() == hashlib.sha256(data).digest()
    assert "eof_at" in got
    (ep,) = a.tcp.connections.values()             # the active closer waits 2·MSL
    assert ep.conn.state is State.TIME_WAIT
    assert b.tcp.connections == {}
    sim.run(10 * SECOND + a.tcp_config.time_wait)
    assert a.tcp.connections == {} and a.tcp.ports_in_use == {}


def test_sender_nic_never_tail_drops_its_own_segments():
    """A 5-packet NIC queue and a window that grows far beyond it."""
    sim, a, b = two_hosts(rate=10_000_000, queue_packets=5)
    data, got = transfer(sim, a, b, 2_000_000)
    sim.run(30 * SECOND)
    assert bytes(got["bytes"]) == data
    assert a.interfaces["eth0"].drops == {}
    info = got["client"].getsockopt(TCP_INFO)
    assert info["tcpi_total_retrans"] == 0


def test_a_nic_queue_smaller_than_one_frame_still_carries_every_segment():
    sim, a, b = two_hosts(rate=10_000_000, queue_bytes=1000, queue_packets=None)
    data, got = transfer(sim, a, b, 100_000)
    sim.run(10 * SECOND)
    assert bytes(got["bytes"]) == data
    assert a.interfaces["eth0"].drops == {}


def test_linger_zero_close_sends_a_reset_and_the_peer_sees_econnreset():
    sim, a, b = two_hosts()
    seen = []

    def reader(sock):
        try:
            yield sock.recv(100)
        except SocketError as e:
            seen.append(e.errno)

    serve(sim, b, 7, reader)

    def client():
        sock = a.socket("tcp")
        sock.setsockopt(TCP_NODELAY, 1)
        sock.setsockopt(SO_LINGER, 0)
        yield sock.connect(("10.0.0.2", 7))
        yield sim.env.timeout(10 * MS)
        sock.close()

    sim.process(client())
    sim.run(SECOND)
    assert seen == [Errno.ECONNRESET]
    assert a.tcp.connections == {} and b.tcp.connections == {}


def test_ephemeral_ports_are_shared_by_connections_to_different_peers_and_wrap():
    sim, a, b = two_hosts()
    for port in (1, 2):
        serve(sim, b, port, idle)
    socks = []
    for port in (1, 2, 1):                          # each connect starts the walk at 60999
        a.tcp._ephemeral._next = 60999
        sock = a.socket("tcp")
        sock.connect_nowait(("10.0.0.2", port))
        socks.append(sock)
    # to port 2 the 4-tuple with 60999 is new: shared; to port 1 again it is taken: wrap
    assert [s.getsockname()[1] for s in socks] == [60999, 60999, 32768]
    sim.run(SECOND)
    assert all(s.state is State.ESTABLISHED for s in socks)


def narrow_middle_path():
    """pc –1500– r1 –1400– r2 –1500– srv: only the routers know about the 1400 hop."""
    sim = Simulation(1)
    pc = gateway_host(sim, "pc", "10.1.0.10/24", "10.1.0.1")
    r1 = router(sim, "r1", "10.1.0.1/24", "10.9.0.1/24")
    r2 = router(sim, "r2", "10.9.0.2/24", "10.2.0.1/24")
    srv = gateway_host(sim, "srv", "10.2.0.10/24", "10.2.0.1")
    r1.ip.add_route(IPv4Network("10.2.0.0/24"), via=A("10.9.0.2"))
    r2.ip.add_route(IPv4Network("10.1.0.0/24"), via=A("10.9.0.1"))
    link(sim, pc.interfaces["eth0"], r1.interfaces["e0"], rate=100_000_000)
    link(sim, r1.interfaces["e1"], r2.interfaces["e0"], rate=100_000_000, mtu=1400)
    r1.interfaces["e1"].mtu = r2.interfaces["e0"].mtu = 1400
    link(sim, r2.interfaces["e1"], srv.interfaces["eth0"], rate=100_000_000)
    return sim, pc, srv


def test_pmtud_fragmentation_needed_lowers_the_mss_and_the_data_gets_through():
    sim, pc, srv = narrow_middle_path()
    data, got = transfer(sim, pc, srv, 200_000)
    sim.run(10 * SECOND)
    assert bytes(got["bytes"]) == data
    assert pc.ip.pmtu.entries() == {"10.2.0.10": 1400}
    assert sim.tracer.counters[("r1", "drop:FRAG_NEEDED")] >= 1
    assert got["client"].getsockopt(TCP_INFO)["tcpi_snd_mss"] <= 1400 - 40 - 12


def test_pmtud_yaml_topology_the_smaller_mss_wins_without_any_icmp():
    """scenarios/pmtud.yaml: srv's own interface is 1400, so its SYN-ACK says MSS 1360."""
    sim = Simulation(1)
    pc = gateway_host(sim, "pc", "10.1.0.10/24", "10.1.0.1")
    r = router(sim, "r", "10.1.0.1/24", "10.2.0.1/24")
    srv = gateway_host(sim, "srv", "10.2.0.10/24", "10.2.0.1", mtu=1400)
    link(sim, pc.interfaces["eth0"], r.interfaces["e0"])
    link(sim, r.interfaces["e1"], srv.interfaces["eth0"], mtu=1400)
    r.interfaces["e1"].mtu = 1400
    data, got = transfer(sim, pc, srv, 50_000)
    sim.run(10 * SECOND)
    assert bytes(got["bytes"]) == data
    assert pc.ip.pmtu.entries() == {}
    assert got["client"].getsockopt(TCP_INFO)["tcpi_snd_mss"] == 1360 - 12     # TS option


def test_icmp_host_unreachable_reaches_the_connection_by_its_quoted_four_tuple():
    """The router cannot ARP the server: each SYN gets a Host Unreachable (soft,
    RFC 1122 §4.2.3.9), and when the SYN retries run out connect() fails with
    EHOSTUNREACH instead of ETIMEDOUT, as Linux reports it."""
    sim = Simulation(1)
    a = gateway_host(sim, "a", "10.0.1.2/24", "10.0.1.1")
    r = router(sim, "r", "10.0.1.1/24", "10.0.2.1/24")
    b = gateway_host(sim, "b", "10.0.2.2/24", "10.0.2.1")
    link(sim, a.interfaces["eth0"], r.interfaces["e0"])
    link(sim, r.interfaces["e1"], b.interfaces["eth0"])
    outcome = []

    def client():
        sock = a.socket("tcp")
        try:
            yield sock.connect(("10.0.2.99", 80))
        except SocketError as e:
            outcome.append((sim.now, e.errno))

    sim.process(client())
    sim.run(200 * SECOND)
    # SYN at 0 and retransmitted at 1, 3, 7, 15, 31, 63 s; given up at 127 s
    assert outcome == [(127 * SECOND, Errno.EHOSTUNREACH)]
    assert a.tcp.connections == {}


def test_a_connection_to_the_node_itself_takes_no_time_and_no_wire():
    sim, a, b = two_hosts()
    seen = []
    sim.tracer.add_sink(lambda e: seen.append(e) if e["event"] == "tcp.tx" else None)

    def echo(sock):
        while data := (yield sock.recv(100_000)):
            yield sock.sendall(data)
        sock.close()

    serve(sim, a, 7, echo)
    got = []

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.1", 7))
        yield sock.sendall(bytes(100_000))
        while len(b"".join(got)) < 100_000:
            got.append((yield sock.recv(100_000)))
        got.append(sim.now)
        sock.close()

    sim.process(client())
    sim.run(SECOND)
    assert got[-1] == 0 and b"".join(got[:-1]) == bytes(100_000)
    assert seen[0]["mss"] == 65495 and seen[1]["mss"] == 65495     # SYN, SYN-ACK
    assert a.interfaces["eth0"].tx_frames == 0


def test_shut_rd_hands_out_what_arrived_then_end_of_stream():
    sim, a, b = two_hosts()

    def talker(sock):
        yield sock.sendall(bytes(1000))

    serve(sim, b, 9, talker)
    reads = []

    def client():
        sock = a.socket("tcp")
        yield sock.connect(("10.0.0.2", 9))
        yield sim.env.timeout(100 * MS)
        sock.shutdown(0)                               # SHUT_RD
        reads.append((yield sock.recv(5000)))
        reads.append((yield sock.recv(5000)))
        assert sock.state is State.ESTABLISHED         # the peer was told nothing

    sim.process(client())
    sim.run(SECOND)
    assert reads == [bytes(1000), b""]


def test_a_transfer_survives_a_link_outage_while_segments_wait_for_the_nic():
    sim, a, b = two_hosts(rate=10_000_000, queue_packets=5)
    data, got = transfer(sim, a, b, 500_000)
    wire = a.interfaces["eth0"].link
    sim.call_later(150 * MS, lambda e: wire.set_up(False))
    sim.call_later(2 * SECOND, lambda e: wire.set_up(True))
    sim.run(60 * SECOND)
    assert bytes(got["bytes"]) == data
    assert a.tcp.txq.waiting() == 0
    assert got["client"].getsockopt(TCP_INFO)["tcpi_total_retrans"] > 0


def forged_frag_needed(sim, src_host, conn, seq, mtu):
    """A Fragmentation Needed "from the path" quoting a segment of ``conn`` with ``seq``."""
    offending = IPv4Packet(conn.local_ip, conn.remote_ip, PROTO_TCP,
                           TcpSegment(conn.local_port, conn.remote_port, seq, 0, ACK, 0,
                                      bytes(1460)), df=True)     # a 1500-byte datagram
    message = IcmpDestUnreachable(FRAGMENTATION_NEEDED, offending.quote(), next_hop_mtu=mtu)
    src_host.ip.send(conn.local_ip, PROTO_ICMP, message)


def test_frag_needed_counts_only_for_a_segment_in_flight():
    """RFC 5927 §4.1 / Linux tcp_v4_err: an ICMP error quoting a sequence number
    outside SND.UNA..SND.NXT changes nothing; one inside lowers PMTU and MSS."""
    sim, a, b = two_hosts()
    data, got = transfer(sim, a, b, 3_000_000)
    sim.run(500 * MS)                                # mid-transfer
    conn = got["client"].conn
    mss = conn.snd_mss
    forged_frag_needed(sim, b, conn, (conn.snd_una - 1_000_000) % 2**32, 576)
    sim.run(510 * MS)
    assert a.ip.pmtu.entries() == {} and conn.snd_mss == mss
    forged_frag_needed(sim, b, conn, conn.snd_una, 0)        # no MTU given: RFC 1191 plateau
    sim.run(30 * SECOND)
    assert a.ip.pmtu.entries() == {"10.0.0.2": 1492}
    assert conn.snd_mss == 1492 - 40 - 12
    assert bytes(got["bytes"]) == data
