"""ARP with Linux's neighbour states: REACHABLE → STALE → DELAY → PROBE (unicast) →
FAILED, upper-layer confirmation, a queue limited in bytes, PERMANENT static entries."""

from ipaddress import IPv4Address

from simulator.apps.udp import UdpSend, UdpSink
from simulator.engine.sim import Simulation
from simulator.stack.arp import ArpConfig
from tests.helpers import MS, SECOND, host, link, ping

H1, H2 = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")


def pair(seed=1, **arp):
    sim = Simulation(seed)
    config = ArpConfig(**arp)
    h1 = host(sim, "h1", "10.0.0.1/24", arp=config)
    h2 = host(sim, "h2", "10.0.0.2/24", arp=config)
    wire = link(sim, h1.interfaces["eth0"], h2.interfaces["eth0"], 100_000_000, MS)
    return sim, h1, h2, wire


def arp_of(h):
    return h.ip.arps[h.interfaces["eth0"]]


def start(h, app):
    h.apps.append(app)
    app.start()
    return app


def send_at(sim, h, at_ns, count=1, size=100, interval_ns=MS):
    """``count`` UDP datagrams from h to the other host's port 9, starting at ``at_ns``."""
    dst = H2 if h.name == "h1" else H1
    sim.call_later(at_ns, lambda _: start(h, UdpSend(h, dst, 9, size=size, count=count,
                                                     interval_ns=interval_ns)))


def arp_requests(events, node):
    return [e for e in events if e["event"] == "tx" and e["node"] == node
            and e["info"].startswith("Who has")]


def test_a_cold_cache_holds_every_fragment_of_a_large_datagram():
    sim, h1, h2, _ = pair()
    sink = start(h2, UdpSink(h2, 9))
    send_at(sim, h1, 0, size=6000)                       # five fragments wait for one reply
    sim.run(SECOND)
    assert (sink.received, sink.intact) == (1, 1)
    assert sim.tracer.counters[("h1", "drop:ARP_QUEUE_FULL")] == 0


def test_the_queue_is_limited_in_bytes_and_drops_the_oldest():
    sim, h1, h2, _ = pair(unres_qlen_bytes=3100)
    sink = start(h2, UdpSink(h2, 9))
    send_at(sim, h1, 0, count=3, size=1480, interval_ns=1)    # three 1500-byte packets
    sim.run(SECOND)
    assert sim.tracer.counters[("h1", "drop:ARP_QUEUE_FULL")] == 1
    assert sink.received == 2


def test_states_after_a_first_exchange_and_the_unicast_probe_five_seconds_later():
    sim, h1, h2, _ = pair()
    events = []
    sim.tracer.add_sink(events.append)
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(SECOND)
    assert arp_of(h1).states() == {"10.0.0.2": "REACHABLE"}   # a unicast reply confirms
    assert arp_of(h2).states() == {"10.0.0.1": "DELAY"}       # learnt from the request, then used
    sim.run(7 * SECOND)
    assert arp_of(h2).states() == {"10.0.0.1": "REACHABLE"}
    probe, = arp_requests(events, "h2")
    assert probe["eth_dst"] == str(h1.interfaces["eth0"].mac)  # unicast to the cached MAC
    reply_sent = probe["ns"]
    assert 5 * SECOND <= reply_sent < 5 * SECOND + 10 * MS     # delay_first_probe_time after use
    # h1 asked once, by broadcast; its entry, confirmed by the reply, needed no probe
    assert [e["eth_dst"] for e in arp_requests(events, "h1")] == ["ff:ff:ff:ff:ff:ff"]


def test_reachable_runs_out_into_stale_at_confirmed_plus_reachable_time():
    sim, h1, h2, _ = pair()
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(10 * MS)
    arp = arp_of(h1)
    confirmed = arp.cache[int(H2)].confirmed
    until = confirmed + arp.reachable_time()
    sim.run(until - 1)
    assert arp.states()["10.0.0.2"] == "REACHABLE"
    sim.run(until + 1)
    assert arp.states()["10.0.0.2"] == "STALE"


def test_an_entry_in_use_never_expires_under_the_traffic():
    sim, h1, h2, _ = pair()
    sink = start(h2, UdpSink(h2, 9))
    send_at(sim, h1, 0)
    send_at(sim, h1, 50 * SECOND, count=10, interval_ns=10 * MS)   # after reachable_time (< 45 s)
    sim.run(49 * SECOND)
    assert arp_of(h1).states()["10.0.0.2"] == "STALE"
    sim.run(60 * SECOND)
    assert sink.received == 11                                     # none waits, none is lost
    assert arp_of(h1).requests_sent == 2                           # the first, then one unicast probe
    assert arp_of(h1).states()["10.0.0.2"] == "REACHABLE"


def test_upper_layer_confirmation_keeps_the_entry_reachable_without_probes():
    sim, h1, h2, _ = pair()
    for second in range(100):
        send_at(sim, h1, second * SECOND)
        sim.call_later(second * SECOND + 10 * MS, lambda _: h1.ip.confirm_neighbour(H2))
    sim.run(101 * SECOND)
    assert arp_of(h1).requests_sent == 1
    assert arp_of(h1).states()["10.0.0.2"] == "REACHABLE"


def test_unconfirmed_traffic_is_probed_every_reachable_time():
    sim, h1, h2, _ = pair()
    for second in range(100):
        send_at(sim, h1, second * SECOND)
    sim.run(101 * SECOND)
    # every REACHABLE period (15..45 s) ends in DELAY, then one unicast probe answered
    assert 3 <= arp_of(h1).requests_sent <= 8


def test_a_vanished_neighbour_is_probed_unicast_then_failed_then_resolved_by_broadcast():
    sim, h1, h2, wire = pair()
    events = []
    sim.tracer.add_sink(events.append)
    ping(sim, h1, "10.0.0.2", count=1)
    # h2 vanishes with the carrier still up (a link down would flush h1's entry:
    # tests/stack/test_arp_carrier.py): every frame is lost from 30 s on
    sim.call_later(30 * SECOND, lambda _: wire.change(loss=1.0))
    send_at(sim, h1, 50 * SECOND)                         # STALE → DELAY, sent to the old MAC
    sim.run(55 * SECOND - 1)
    assert arp_of(h1).states()["10.0.0.2"] == "DELAY"
    sim.run(58 * SECOND + MS)
    assert arp_of(h1).states()["10.0.0.2"] == "FAILED"    # three unicast probes, no reply
    probes = [e for e in events if e["event"] == "tx" and e["node"] == "h1"
              and e["fate"] == "lost" and "Who has" in e["info"]]
    assert len(probes) == 3
    app = ping(sim, h1, "10.0.0.2", count=1, timeout_ns=5 * SECOND)
    sim.run(70 * SECOND)
    assert app.lines[1] == "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"
    assert arp_of(h1).requests_sent == 1 + 3 + 3          # first, unicast probes, broadcasts


def test_reachable_time_is_random_per_interface_within_half_to_one_and_a_half_base():
    draws = set()
    for seed in range(1, 9):
        sim, h1, h2, _ = pair(seed)
        for h in (h1, h2):
            value = arp_of(h).reachable_time()
            assert 15 * SECOND <= value < 45 * SECOND
            draws.add(value)
    assert len(draws) == 16
    again = pair(3)[1]
    assert arp_of(again).reachable_time() == arp_of(pair(3)[1]).reachable_time()


def test_reachable_time_is_drawn_again_every_300_seconds():
    sim, h1, h2, _ = pair()
    arp = arp_of(h1)
    first = arp.reachable_time()
    sim.run(299 * SECOND)
    assert arp.reachable_time() == first
    sim.run(300 * SECOND)
    assert arp.reachable_time() != first


def test_static_entries_are_permanent_and_never_overwritten():
    sim, h1, h2, _ = pair()
    fake = h1.interfaces["eth0"].mac
    arp_of(h2).set_static(H1, fake)
    ping(sim, h1, "10.0.0.2", count=2)                    # h1's request carries its real MAC
    sim.run(60 * SECOND)
    assert arp_of(h2).states() == {"10.0.0.1": "PERMANENT"}
    assert arp_of(h2).table() == {"10.0.0.1": str(fake)}
    assert arp_of(h2).requests_sent == 0


def test_a_different_mac_replaces_a_valid_one_only_after_locktime():
    sim, h1, h2, _ = pair()
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(10 * MS)
    arp = arp_of(h1)
    from simulator.wire.addr import MacAddress
    from simulator.wire.arp import ARP_REPLY, ArpPacket
    other = MacAddress.local(99)
    forged = ArpPacket(ARP_REPLY, other, H2, h1.interfaces["eth0"].mac, H1)
    arp.receive(forged)                                   # within 1 s of the real reply: ignored
    assert arp.table()["10.0.0.2"] == str(h2.interfaces["eth0"].mac)
    sim.run(2 * SECOND)
    arp.receive(forged)
    assert arp.table()["10.0.0.2"] == str(other)


def test_a_static_entry_set_while_resolving_sends_what_waits():
    sim, h1, h2, _ = pair()
    sink = start(h2, UdpSink(h2, 9))
    send_at(sim, h1, 0, count=2, interval_ns=1)
    sim.call_later(MS // 10, lambda _: arp_of(h1).set_static(H2, h2.interfaces["eth0"].mac))
    sim.run(5 * SECOND)
    assert sink.received == 2
    assert arp_of(h1).states() == {"10.0.0.2": "PERMANENT"}
    assert arp_of(h1).requests_sent == 1 and sim.tracer.counters[("h1", "drop:NO_ARP_REPLY")] == 0


def test_a_broadcast_reply_resolves_but_does_not_confirm():
    from simulator.wire.arp import ARP_REPLY, ArpPacket

    sim, h1, h2, _ = pair()
    h2.l2.handlers.clear()                       # h2 stays silent: no reply of its own
    send_at(sim, h1, 0)
    sim.run(MS // 2)
    assert arp_of(h1).states() == {"10.0.0.2": "INCOMPLETE"}
    reply = ArpPacket(ARP_REPLY, h2.interfaces["eth0"].mac, H2, h1.interfaces["eth0"].mac, H1)
    arp_of(h1).receive(reply, link_group=True)   # as if sent to ff:ff:ff:ff:ff:ff
    # resolved, STALE; the waiting datagram goes out at once and starts DELAY
    assert arp_of(h1).states() == {"10.0.0.2": "DELAY"}
    assert h1.interfaces["eth0"].tx_frames == 2   # the broadcast request, the datagram


class _Tap:
    """A capture tap that keeps the frames an interface receives."""

    def __init__(self):
        self.frames = []

    def write(self, now, frame):
        self.frames.append(frame)


def test_an_announcement_is_a_broadcast_request_for_our_own_address_scapy_reads():
    from scapy.layers.l2 import ARP, Ether

    sim, h1, h2, _ = pair()
    tap = _Tap()
    h2.interfaces["eth0"].captures.append(tap)
    arp_of(h1).announce()
    sim.run(SECOND)
    frame, = tap.frames
    decoded = Ether(frame.pack())
    assert decoded.dst == "ff:ff:ff:ff:ff:ff" and decoded[ARP].op == 1          # who-has
    assert (decoded[ARP].psrc, decoded[ARP].pdst) == ("10.0.0.1", "10.0.0.1")
    assert decoded[ARP].hwsrc == str(h1.interfaces["eth0"].mac)
    assert decoded[ARP].hwdst == "00:00:00:00:00:00"
    # arp_accept 0: a neighbour with no entry for 10.0.0.1 does not create one from it
    assert arp_of(h2).states() == {} and arp_of(h2).replies_sent == 0


def test_a_gratuitous_arp_replaces_the_mac_at_once_even_within_locktime():
    from simulator.wire.addr import MacAddress
    from simulator.wire.arp import ARP_REQUEST, ArpPacket

    sim, h1, h2, _ = pair()
    ping(sim, h1, "10.0.0.2", count=1)
    sim.run(10 * MS)                                   # h2 learnt h1 from its request
    moved = MacAddress.local(99)                       # 10.0.0.1 now on another NIC
    garp = ArpPacket(ARP_REQUEST, moved, H1, MacAddress(bytes(6)), H1)
    arp_of(h2).receive(garp, link_group=True)          # well within the 1 s locktime
    assert arp_of(h2).table() == {"10.0.0.1": str(moved)}
    assert arp_of(h2).states() == {"10.0.0.1": "STALE"}  # a request asserts no reachability


def test_arp_notify_in_yaml_announces_each_address_when_the_interfaces_come_up(tmp_path):
    from simulator.scenario.load import load_scenario
    from simulator.scenario.run import run_scenario

    path = tmp_path / "s.yaml"
    path.write_text("""name: garp
topology:
  name: t
  nodes:
    a: {type: host, ip: 10.0.0.1/24, arp: {notify: true}}
    b: {type: host, ip: 10.0.0.2/24}
    r: {type: router, arp: {notify: true}, interfaces: {e0: 10.0.0.254/24, e1: 10.0.1.254/24}}
    sw: {type: switch}
  links:
    - [a, sw]
    - [b, sw]
    - [r:e0, sw]
until: 1s
""")
    result = run_scenario(load_scenario(path))
    nodes = result.network.nodes
    assert [arp_of(nodes[n]).requests_sent for n in ("a", "b")] == [1, 0]
    assert [arp.requests_sent for arp in nodes["r"].ip.arps.values()] == [1, 1]  # e1: no link
    assert nodes["b"].interfaces["eth0"].rx_frames == 2                # a's and r:e0's
    assert nodes["r"].interfaces["e1"].drops["NO_CARRIER"] == 1
