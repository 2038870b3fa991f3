"""When ICMP errors are sent (RFC 1122 §3.2.2, RFC 1812 §4.3.2.8, §5.3.4): never about
an ICMP error of any kind or a link-layer broadcast; Protocol Unreachable; Linux's rate
limits (per-host token bucket of 6 then 1/s, global 1000/s burst 50; not for
fragmentation needed)."""

from ipaddress import IPv4Address

import pytest

from simulator.engine.sim import Simulation
from simulator.stack.icmp_ratelimit import IcmpRateLimitConfig, IcmpRateLimiter
from simulator.wire.addr import MacAddress
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.icmp import (DEST_UNREACHABLE, FRAGMENTATION_NEEDED, PORT_UNREACHABLE,
                                 TIME_EXCEEDED, TTL_EXCEEDED, REASSEMBLY_TIME_EXCEEDED, IcmpEcho,
                                 IcmpMessage)
from simulator.wire.ipv4 import PROTO_ICMP, PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.helpers import MS, SECOND, gateway_host, host, link, router

PC, SERVER = IPv4Address("10.0.0.1"), IPv4Address("10.0.1.1")


def routed():
    """pc — r — server, every ARP entry static; the sink records what reaches pc."""
    sim = Simulation(1)
    pc = gateway_host(sim, "pc", "10.0.0.1/24", "10.0.0.254")
    r = router(sim, "r", "10.0.0.254/24", "10.0.1.254/24")
    server = gateway_host(sim, "server", "10.0.1.1/24", "10.0.1.254")
    link(sim, pc.interfaces["eth0"], r.interfaces["e0"])
    link(sim, r.interfaces["e1"], server.interfaces["eth0"])
    for a, ia, b, ib in ((pc, "eth0", r, "e0"), (r, "e1", server, "eth0")):
        a.ip.arps[a.interfaces[ia]].set_static(b.ip.addresses[b.interfaces[ib]].ip, b.interfaces[ib].mac)
        b.ip.arps[b.interfaces[ib]].set_static(a.ip.addresses[a.interfaces[ia]].ip, a.interfaces[ia].mac)
    errors = []
    pc.icmp.error_handlers[PROTO_UDP] = lambda reporter, message, quoted: errors.append(
        (message.type, message.code))
    return sim, pc, r, server, errors


@pytest.mark.parametrize("kind", [4, 5, 12, 3, 11, 1, 42])
def test_no_error_about_an_icmp_error_of_any_type(kind):
    sim, pc, r, server, _ = routed()
    message = IcmpMessage(kind, 0, bytes(4), bytes(28))
    pc.ip.send(SERVER, PROTO_ICMP, message, ttl=1)         # it dies at r
    sim.run(SECOND)
    assert r.interfaces["e0"].drops["TTL_EXPIRED"] == 1
    assert r.interfaces["e0"].tx_frames == 0               # no Time Exceeded back


@pytest.mark.parametrize("kind", [8, 13, 17])
def test_queries_are_reported_on(kind):
    sim, pc, r, server, _ = routed()
    message = IcmpMessage(kind, 0, bytes(4), bytes(8))
    pc.ip.send(SERVER, PROTO_ICMP, message, ttl=1)
    sim.run(SECOND)
    assert r.interfaces["e0"].tx_frames == 1               # Time Exceeded


def test_protocol_unreachable_for_an_unknown_protocol():
    sim, pc, r, server, _ = routed()
    got = []
    pc.icmp.error_handlers[99] = lambda reporter, message, quoted: got.append(
        (reporter, message.type, message.code))
    pc.ip.send(SERVER, 99, UdpDatagram(1, 2, b"x"))
    sim.run(SECOND)
    assert got == [(SERVER, DEST_UNREACHABLE, 2)]
    assert sim.tracer.counters[("server", "drop:NO_PROTOCOL")] == 1


def test_no_error_about_a_datagram_that_came_as_a_link_broadcast():
    sim, pc, r, server, errors = routed()
    iface = server.interfaces["eth0"]
    datagram = IPv4Packet(PC, SERVER, PROTO_UDP, UdpDatagram(5000, 7777, b"x"), identification=1)
    iface.deliver(EthernetFrame(MacAddress.BROADCAST, r.interfaces["e1"].mac, ETHERTYPE_IPV4,
                                datagram))
    iface.deliver(EthernetFrame(iface.mac, r.interfaces["e1"].mac, ETHERTYPE_IPV4, datagram))
    sim.run(SECOND)
    assert sim.tracer.counters[("server", "drop:PORT_UNREACHABLE")] == 2
    assert errors == [(DEST_UNREACHABLE, PORT_UNREACHABLE)]       # only for the unicast frame


def test_broadcast_and_multicast_to_an_unbound_port_are_ignored_in_silence():
    """RFC 1122 §3.2.2: no ICMP error about a datagram to a broadcast or multicast
    address; Linux counts it in UdpIgnoredMulti, not in NoPorts."""
    sim, pc, r, server, errors = routed()
    iface = server.interfaces["eth0"]
    group = IPv4Address("239.1.1.1")
    server.ip.join_group(group)
    for dst in (IPv4Address("255.255.255.255"), IPv4Address("10.0.1.255"), group):
        datagram = IPv4Packet(PC, dst, PROTO_UDP, UdpDatagram(5000, 7777, b"x"), identification=1)
        mac = MacAddress.BROADCAST if not dst.is_multicast else MacAddress("01:00:5e:01:01:01")
        iface.deliver(EthernetFrame(mac, r.interfaces["e1"].mac, ETHERTYPE_IPV4, datagram))
    sim.run(SECOND)
    assert sim.tracer.counters[("server", "drop:IGNORED_MULTI")] == 3
    assert sim.tracer.counters[("server", "drop:PORT_UNREACHABLE")] == 0
    assert iface.tx_frames == 0 and errors == []


@pytest.mark.parametrize("dst_mac, errors_sent", [("unicast", 1), ("broadcast", 0)])
def test_reassembly_timeout_reports_only_a_first_fragment_that_came_unicast(dst_mac, errors_sent):
    sim, pc, r, server, errors = routed()
    iface = server.interfaces["eth0"]
    first = IPv4Packet(PC, SERVER, PROTO_UDP, bytes(16), identification=9, mf=True)
    mac = iface.mac if dst_mac == "unicast" else MacAddress.BROADCAST
    iface.deliver(EthernetFrame(mac, r.interfaces["e1"].mac, ETHERTYPE_IPV4, first))
    sim.run(31 * SECOND)                                    # past the 30 s reassembly timeout
    assert sim.tracer.counters[("server", "drop:FRAG_TIMEOUT")] == 1
    assert errors == [(TIME_EXCEEDED, REASSEMBLY_TIME_EXCEEDED)] * errors_sent


def test_a_router_discards_unicast_datagrams_that_came_as_link_broadcasts():
    sim, pc, r, server, _ = routed()
    datagram = IPv4Packet(PC, SERVER, PROTO_UDP, UdpDatagram(5000, 7777, b"x"), ttl=1)
    r.interfaces["e0"].deliver(EthernetFrame(MacAddress.BROADCAST, pc.interfaces["eth0"].mac,
                                             ETHERTYPE_IPV4, datagram))
    sim.run(SECOND)
    assert r.interfaces["e0"].drops == {"LINK_BROADCAST": 1}       # no TTL check, no error
    assert r.interfaces["e0"].tx_frames == 0


def test_per_host_limit_lets_a_burst_of_six_then_one_a_second():
    sim, pc, r, server, errors = routed()
    sock = pc.udp.bind(40000)
    for i in range(40):                                     # 20 per second for 2 s
        sim.call_later(i * 50 * MS, lambda _: sock.sendto(b"x", SERVER, 33434, ttl=1))
    sim.run(2 * SECOND)
    # 6 at once, then one per 1000 ms of accumulated credit: at 1.0 s and 2.0 s... the
    # last send is at 1.95 s, so one more
    assert len(errors) == 7
    assert sim.tracer.counters[("r", "drop:ICMP_RATELIMIT")] == 33
    assert errors == [(TIME_EXCEEDED, TTL_EXCEEDED)] * 7


def test_traceroute_style_probes_are_all_answered():
    sim, pc, r, server, errors = routed()
    sock = pc.udp.bind(40000)
    for i in range(3):
        sock.sendto(b"x", SERVER, 33434 + i, ttl=1)
        sock.sendto(b"x", SERVER, 33500 + i, ttl=2)
    sim.run(SECOND)
    assert sorted(errors) == [(DEST_UNREACHABLE, PORT_UNREACHABLE)] * 3 + [(TIME_EXCEEDED, 0)] * 3


class _Clock:
    def __init__(self):
        sim = Simulation(1)
        self.sim = sim

    def at(self, ns):
        self.sim.run(ns)


def test_global_limit_and_its_20_ms_refill_step():
    clock = _Clock()
    limiter = IcmpRateLimiter(clock.sim, "test", IcmpRateLimitConfig(ratelimit_ns=0))
    hosts = [IPv4Address(f"10.9.{i // 250}.{i % 250 + 1}") for i in range(500)]
    allowed = sum(limiter.allow(h, TIME_EXCEEDED, 0) for h in hosts)
    # 50 credits, each message costing 0, 1 or 2 (1 on average): roughly 50 pass
    assert 30 <= allowed <= 90
    clock.at(10 * MS)
    assert not limiter.allow(hosts[0], TIME_EXCEEDED, 0)      # refills in steps of >= 20 ms
    clock.at(30 * MS)
    assert limiter.allow(hosts[0], TIME_EXCEEDED, 0)          # 1000/s × 30 ms = 30 credits


def test_fragmentation_needed_and_queries_are_never_limited():
    clock = _Clock()
    limiter = IcmpRateLimiter(clock.sim, "test")
    assert all(limiter.allow(PC, DEST_UNREACHABLE, FRAGMENTATION_NEEDED) for _ in range(1000))
    assert all(limiter.allow(PC, 0, 0) for _ in range(1000))
    assert sum(limiter.allow(PC, DEST_UNREACHABLE, PORT_UNREACHABLE) for _ in range(10)) == 6


def test_echo_replies_are_not_errors_and_not_limited():
    sim, pc, r, server, _ = routed()
    replies = []

    class Socket:
        def on_echo_reply(self, packet, message):
            replies.append(message.seq)

    ident = pc.icmp.bind_echo(Socket())
    for seq in range(20):
        pc.ip.send(SERVER, PROTO_ICMP, IcmpEcho.request(ident, seq))
    sim.run(SECOND)
    assert replies == list(range(20))


# Time Exceeded for 20 pings with TTL 1, 100 ms apart (the first one ARP-delayed by
# 2.01 ms). Per host: tokens of credit in ns, capped at 6 × the interval, one interval
# spent per error. 1 s: 6 at once, then a full second of credit only by seq 12.
# 250 ms: the cap is 1.5 s, 150 ms net spent per error for 9, then one per 250 ms.
@pytest.mark.parametrize("ratelimit, answered", [
    ("1s", [1, 2, 3, 4, 5, 6, 12]),
    ("250ms", [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 17, 19]),
    ("0", list(range(1, 21))),
])
def test_the_per_host_limit_is_set_in_yaml(tmp_path, ratelimit, answered):
    assert _time_exceeded_seqs(tmp_path, f"icmp_ratelimit: {ratelimit}", 20, "100ms") == answered


# 60 pings with TTL 1, 1 ms apart: seq n reaches r at (n-1) ms + 1.0184 ms (the first
# three wait for ARP and arrive together at 3.02 ms).
# - defaults: the per-host burst of 6 (59 ms adds 59 ms of credit, not 1 s); the global
#   bucket (burst 50, 0-2 credits a message) is not reached by 6 messages.
# - Time Exceeded (type 11) out of icmp_ratemask (0x1818 without bit 11), or both limits
#   off: every probe is answered.
# - per-host off, icmp_msgs_burst 0: credit is never positive, so a message passes only
#   when >= 20 ms (HZ/50) have gone by since the last refill (the first at boot) and
#   per_sec × that time >= 1: seq 20 (20.02 ms), 40, 60. At 10/s the 20 ms step brings
#   0 credits: nothing passes before 100 ms.
@pytest.mark.parametrize("keys, answered", [
    ("", [1, 2, 3, 4, 5, 6]),
    ("icmp_ratemask: 0x1018", list(range(1, 61))),
    ("icmp_ratelimit: 0, icmp_msgs_per_sec: 0", list(range(1, 61))),
    ("icmp_ratelimit: 0, icmp_msgs_burst: 0", [20, 40, 60]),
    ("icmp_ratelimit: 0, icmp_msgs_burst: 0, icmp_msgs_per_sec: 10", []),
])
def test_a_burst_of_60_probes_meets_the_sysctls_set_in_yaml(tmp_path, keys, answered):
    assert _time_exceeded_seqs(tmp_path, keys, 60, "1ms") == answered


def _time_exceeded_seqs(tmp_path, router_keys: str, count: int, interval: str) -> list[int]:
    """pc pings past r with TTL 1; the icmp_seq of each Time Exceeded that came back."""
    from simulator.scenario.load import load_scenario
    from simulator.scenario.run import run_scenario

    path = tmp_path / "s.yaml"
    path.write_text(f"""name: limit
topology:
  name: t
  nodes:
    pc: {{type: host, ip: 10.0.0.1/24, gateway: 10.0.0.254}}
    r: {{type: router, {router_keys + ", " if router_keys else ""}
        interfaces: {{e0: 10.0.0.254/24, e1: 10.0.1.254/24}}}}
  links:
    - [pc, r:e0]
until: 5s
run:
  - {{at: 0s, on: pc, name: p, ping: {{dst: 10.0.1.9, count: {count}, interval: {interval},
                                     ttl: 1, timeout: 1s}}}}
""")
    result = run_scenario(load_scenario(path))
    app, = result.apps
    assert result.network.nodes["r"].interfaces["e0"].drops["TTL_EXPIRED"] == count
    seqs = [int(line.split("icmp_seq=")[1].split()[0]) for line in app.lines if line.startswith("From")]
    assert all(f"From 10.0.0.254 icmp_seq={seq} Time to live exceeded" in app.lines for seq in seqs)
    return seqs


def test_errors_over_loopback_are_not_limited():
    sim = Simulation(1)
    h = host(sim, "h", "10.0.0.1/24")
    errors = []
    sock = h.udp.bind(40000)
    sock.on_error = lambda reporter, message, quoted: errors.append(message.code)
    for _ in range(20):
        sock.sendto(b"x", IPv4Address("10.0.0.1"), 9)        # nobody listens on port 9
    sim.run(SECOND)
    assert errors == [PORT_UNREACHABLE] * 20
