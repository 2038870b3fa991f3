"""The forwarding fast path gives exactly what the layered path gives.

Unit level: a host, a router (or a switch), a host; frames injected with each
condition the fast path must hand to the layered path, and with none. Each
case runs twice, ``fast_path`` on and off, and everything observable must be
equal: every frame each end received (time and bytes), every interface's
counters and drops, the drop counters, the router's ARP states and forwarded
count. The fast run must also have taken the path the case is about (fused,
or fallen back). tests/scenario/test_fastpath_scenarios.py does the same for
every shipped scenario.
"""

import io

import orjson
import pytest

from simulator.engine.sim import Simulation
from simulator.engine.trace import JsonLinesSink, TraceFilter
from simulator.nodes.host import Host
from simulator.nodes.router import Router
from simulator.nodes.switch import Switch
from simulator.phy.link import Link
from simulator.wire.addr import IPv4Address, IPv4Interface, MacAddress
from simulator.wire.ethernet import ETHERTYPE_IPV4, EthernetFrame
from simulator.wire.ipv4 import PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram

US = 1_000
MS = 1_000_000
SECOND = 1_000_000_000
A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.1.1")


class Tap:
    """A capture tap that keeps (time, bytes) of every frame."""

    def __init__(self):
        self.frames = []

    def write(self, ns, frame):
        self.frames.append((ns, frame.pack()))


class World:
    """a (10.0.0.1) — r (10.0.0.254 | 10.0.1.254) — b (10.0.1.1), 1 Gbps / 1 ms links;
    or, with ``switch``, a — sw — b on one subnet."""

    def __init__(self, fast: bool, switch: bool = False, **link_b):
        self.sim = sim = Simulation(1, fast_path=fast)
        self.a, self.b = Host(sim, "a"), Host(sim, "b")
        gw_a, gw_b = IPv4Address("10.0.0.254"), IPv4Address("10.0.1.254")
        if switch:
            self.a.add_ip_interface("eth0", IPv4Interface("10.0.0.1/16"))
            self.b.add_ip_interface("eth0", IPv4Interface("10.0.1.1/16"))
            self.r = Switch(sim, "sw")
            left, right = self.r.add_port(), self.r.add_port()
        else:
            self.a.add_ip_interface("eth0", IPv4Interface("10.0.0.1/24"))
            self.b.add_ip_interface("eth0", IPv4Interface("10.0.1.1/24"))
            self.a.set_gateway(gw_a)
            self.b.set_gateway(gw_b)
            self.r = Router(sim, "r")
            left = self.r.add_ip_interface("e0", IPv4Interface("10.0.0.254/24"))
            right = self.r.add_ip_interface("e1", IPv4Interface("10.0.1.254/24"))
        self.a_if, self.b_if = self.a.interfaces["eth0"], self.b.interfaces["eth0"]
        Link(sim, self.a_if, left, rate=10**9, delay=MS)
        self.link_b = Link(sim, right, self.b_if, **{"rate": 10**9, "delay": MS, **link_b})
        self.left, self.right = left, right
        self.fallbacks = _count_fallbacks(self.r) if fast else None
        self.seen = {"a": Tap(), "b": Tap()}
        self.a_if.captures.append(self.seen["a"])
        self.b_if.captures.append(self.seen["b"])
        self.udp_b = self.b.udp.bind(9)
        self.udp_a = self.a.udp.bind(5000)

    def warm_up(self) -> None:
        """One datagram each way: every ARP entry on the path resolved (REACHABLE)."""
        self.udp_a.sendto(b"hello", B, 9)
        self.udp_b.sendto(b"hello", A, 5000)
        self.sim.run(self.sim.now + 100 * MS)

    def packet(self, dst=B, size=954, ttl=64, df=False, **fields) -> IPv4Packet:
        return IPv4Packet(A, dst, PROTO_UDP, UdpDatagram(5000, 9, bytes(size)), ttl=ttl, df=df,
                          identification=7, **fields)

    def inject(self, packet, count=3, gap_ns=100 * US, dst_mac=None) -> None:
        """``count`` frames of ``packet`` from a, ``gap_ns`` apart, starting now."""
        mac = dst_mac or (self.b_if.mac if isinstance(self.r, Switch) else self.left.mac)
        frame = EthernetFrame(mac, self.a_if.mac, ETHERTYPE_IPV4, packet)
        for i in range(count):
            self.sim.call_later(i * gap_ns, lambda _e, f=frame: self.a_if.send(f))
        self.sim.run(self.sim.now + 50 * MS)

    def observed(self) -> dict:
        nodes = (self.a, self.r, self.b)
        state = {"frames": {k: t.frames for k, t in self.seen.items()},
                 "counters": {n.name: n.counters() for n in nodes},
                 "drops": sorted(self.sim.tracer.counters.items()), "now": self.sim.now}
        if isinstance(self.r, Router):
            state["arp"] = {i.name: sorted((k, n.state, n.mac, n.used, n.confirmed, n.updated)
                                           for k, n in a.cache.items())
                            for i, a in self.r.ip.arps.items()}
            state["forwarded"] = self.r.ip.forwarder.forwarded
        else:
            state["mac_table"] = self.r.table()
            state["mac_seen"] = sorted(self.r.bridge.mac_seen.items())
        return state


def _count_fallbacks(node) -> list:
    """Wrap the fast path's fallback so each call to the layered path is counted."""
    fast = node.receive.__self__
    calls = []
    slow = fast.slow

    def counted(*args):
        calls.append(node.sim.now)
        slow(*args)

    fast.slow = counted
    return calls


def both(case, switch=False, **link_b):
    """Run ``case(world)`` with the fast path on and off: (fast world, observed) and
    check the two observations are equal."""
    worlds = []
    for fast in (True, False):
        world = World(fast, switch, **link_b)
        case(world)
        worlds.append(world)
    fast, slow = worlds
    assert fast.observed() == slow.observed()
    return fast


def after_warm_up(world) -> int:
    world.warm_up()
    return len(world.fallbacks) if world.fallbacks is not None else 0


# ---------------------------------------------------------------------- router

def test_the_common_case_is_fused_and_delivers_what_the_layered_path_does():
    marks = {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        w.inject(w.packet())

    fast = both(case)
    assert len(fast.fallbacks) == marks[True]          # no fallback for the 3 datagrams
    # each 1000-byte frame arrives exactly 2 × (8 us + 1 ms) after its first bit left a
    sent, got = data_frames(fast.seen["a"]), data_frames(fast.seen["b"])
    assert len(got) == 3
    assert [t for t, _ in got] == [t + 2 * (8 * US + MS) for t, _ in sent]
    # the same datagram one router further: TTL 63, a new header checksum, b's MAC
    def but_ttl(raw):
        return raw[14:22] + raw[23:24] + raw[26:]

    assert [but_ttl(raw) for _, raw in got] == [but_ttl(raw) for _, raw in sent]
    assert {(raw[22], raw[0:6]) for _, raw in got} == {(63, bytes(fast.b_if.mac))}
    checked = IPv4Packet.unpack(got[0][1][14:])
    assert checked.verify_checksum() and checked.ttl == 63


def data_frames(tap) -> list:
    """The 1000-byte frames (996 without FCS) a tap saw: the injected datagrams."""
    return [(t, raw) for t, raw in tap.frames if len(raw) == 1000 - 4]


ROUTER_FALLBACKS = {
    "ttl 1": lambda w: w.inject(w.packet(ttl=1)),
    "no route": lambda w: w.inject(w.packet(dst=IPv4Address("192.0.2.1"))),
    "for the router": lambda w: w.inject(w.packet(dst=IPv4Address("10.0.1.254"))),
    "multicast": lambda w: w.inject(w.packet(dst=IPv4Address("224.1.2.3"))),
    "directed broadcast": lambda w: w.inject(w.packet(dst=IPv4Address("10.0.1.255"))),
    "link-layer broadcast": lambda w: w.inject(w.packet(), dst_mac=MacAddress.BROADCAST),
    "checksum to verify": lambda w: w.inject(IPv4Packet.unpack(w.packet().pack())),
    "bad checksum": lambda w: w.inject(IPv4Packet.unpack(w.packet().pack()).replace(
        checksum=0x1234)),
    "fragmentation": lambda w: (setattr(w.right, "mtu", 576), w.inject(w.packet())),
    "fragmentation needed, DF": lambda w: (setattr(w.right, "mtu", 576),
                                           w.inject(w.packet(df=True))),
    "processing delay": lambda w: (setattr(w.r.ip.forwarder, "processing_delay_ns", 5 * US),
                                   w.inject(w.packet())),
    "postrouting hook": lambda w: (setattr(w.r.ip.forwarder, "postrouting",
                                           lambda i, route, p: p.replace(ttl=p.ttl - 1)),
                                   w.inject(w.packet())),
    "capture on the way out": lambda w: (w.right.captures.append(Tap()), w.inject(w.packet())),
    "an interface taking any address": lambda w: (w.r.ip.accept_any.add(w.left),
                                                  w.inject(w.packet())),
    "link down": lambda w: (w.link_b.set_up(False), w.inject(w.packet())),
    "ARP entry STALE": lambda w: (w.sim.run(w.sim.now + 60 * SECOND), w.inject(w.packet())),
    "ARP entry gone FAILED": lambda w: (w.link_b.set_up(False), w.sim.run(w.sim.now + 70 * SECOND),
                                        w.link_b.set_up(True), w.inject(w.packet())),
}


@pytest.mark.parametrize("name", ROUTER_FALLBACKS)
def test_a_router_hands_the_unusual_to_the_layered_path_with_the_same_result(name):
    marks = {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        ROUTER_FALLBACKS[name](w)

    fast = both(case)
    assert len(fast.fallbacks) > marks[True], "the fast run did not fall back"


def test_a_cold_arp_cache_resolves_through_the_layered_path():
    def case(w):
        w.inject(w.packet(), count=3, gap_ns=10 * US)

    fast = both(case)
    assert fast.fallbacks and len(fast.seen["b"].frames) >= 3


def test_lossy_link_draws_the_same_random_numbers_both_ways():
    def case(w):
        w.warm_up()
        w.inject(w.packet(), count=20)

    fast = both(case, loss=0.3, jitter=3 * US)
    assert 0 < len(data_frames(fast.seen["b"])) < 20


@pytest.mark.parametrize("switch", [False, True])
def test_frames_that_must_queue_go_the_layered_way(switch):
    """The way out is 10× slower than the way in: back-to-back frames queue there."""
    marks = {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        w.inject(w.packet(), count=5, gap_ns=0)

    fast = both(case, switch=switch, rate=10**8)
    assert len(fast.fallbacks) - marks[True] == 4          # all but the first
    got = data_frames(fast.seen["b"])
    assert [t2 - t1 for (t1, _), (t2, _) in zip(got, got[1:])] == [80 * US] * 4


@pytest.mark.parametrize("switch", [False, True])
@pytest.mark.parametrize("keep", [None, TraceFilter(events=["route"]), TraceFilter(nodes=["b"])])
def test_traced_the_fast_path_fuses_and_emits_the_layered_paths_events(switch, keep):
    """With the trace on (and a filter or not) the common case is still fused, and the
    trace is event for event the layered path's: a router's ``route`` then its ``tx``."""
    marks, traces = {}, {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        events = traces[w.sim.fast_path] = []
        w.sim.tracer.add_sink(events.append)
        if keep is not None:
            w.sim.tracer.select(keep)
        w.inject(w.packet())

    fast = both(case, switch=switch)
    assert len(fast.fallbacks) == marks[True]              # all 3 datagrams fused
    assert traces[True] == traces[False]
    data = [e for e in traces[True] if e["event"] in ("tx", "route")
            and e.get("ip_src") == "10.0.0.1" and e.get("ip_dst", e.get("dst")) == "10.0.1.1"]
    kinds = [(e["node"], e["event"]) for e in data]
    hop = [("sw", "tx")] if switch else [("r", "route"), ("r", "tx")]
    if keep is None:
        assert kinds == [("a", "tx")] * 3 + hop * 3          # 100 us apart, 1.008 ms a hop
        out = [e for e in data if e["node"] in ("r", "sw") and e["event"] == "tx"]
        assert [e["ttl"] for e in out] == [64 if switch else 63] * 3
        assert [e["arrive_ns"] - e["ns"] for e in out] == [8 * US + MS] * 3
    else:
        assert kinds == (hop[:1] * 3 if keep.events and not switch else [])
        assert all(keep(e["node"], e["layer"], e["event"]) for e in traces[True])


@pytest.mark.parametrize("switch", [False, True])
def test_to_a_json_lines_file_alone_the_fast_path_writes_the_layered_paths_lines(switch):
    """The JSON-lines sink the only one: the fast path writes each fused hop's lines
    itself (Tracer.line_sink); they are the bytes orjson makes of the layered records."""
    marks, files = {}, {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        files[w.sim.fast_path] = io.BytesIO()
        w.sim.tracer.add_sink(JsonLinesSink(files[w.sim.fast_path]))
        w.inject(w.packet())
        w.inject(w.packet(size=17))                    # a short frame, padded on the wire

    fast = both(case, switch=switch)
    assert len(fast.fallbacks) == marks[True]
    assert fast.sim.tracer.line_sink("tx") is not None
    lines = files[True].getvalue().splitlines()
    assert files[True].getvalue() == files[False].getvalue()
    hops = [e for e in map(orjson.loads, lines) if e["node"] in ("r", "sw")
            and e.get("ip_src") == "10.0.0.1" and e["event"] in ("route", "tx")]
    assert [e["event"] for e in hops] == (["tx"] if switch else ["route", "tx"]) * 6
    assert [e["bytes"] for e in hops if e["event"] == "tx"] == [1000] * 3 + [64] * 3


# ---------------------------------------------------------------------- switch

def test_a_switch_fuses_a_learnt_unicast_frame():
    marks = {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        w.inject(w.packet())

    fast = both(case, switch=True)
    assert len(fast.fallbacks) == marks[True]
    assert len(data_frames(fast.seen["b"])) == 3


SWITCH_FALLBACKS = {
    "unknown destination": lambda w: w.inject(w.packet(), dst_mac=MacAddress("02:00:00:00:99:99")),
    "broadcast": lambda w: w.inject(w.packet(), dst_mac=MacAddress.BROADCAST),
    "destination aged out": lambda w: (setattr(w.r.bridge, "aging_ns", 10 * MS),
                                       w.inject(w.packet())),
    "destination behind the ingress port": lambda w: w.inject(w.packet(), dst_mac=w.a_if.mac),
    "capture on the way out": lambda w: (w.right.captures.append(Tap()), w.inject(w.packet())),
    "source moved": lambda w: (w.r.bridge.mac_port.__setitem__(w.a_if.mac, w.right),
                               w.inject(w.packet())),
}


@pytest.mark.parametrize("name", SWITCH_FALLBACKS)
def test_a_switch_hands_the_unusual_to_the_bridge_with_the_same_result(name):
    marks = {}

    def case(w):
        marks[w.sim.fast_path] = after_warm_up(w)
        SWITCH_FALLBACKS[name](w)

    fast = both(case, switch=True)
    assert len(fast.fallbacks) > marks[True], "the fast run did not fall back"


def test_no_fast_path_where_it_cannot_apply():
    sim = Simulation(1, fast_path=True)
    assert Switch(sim, "stp", stp=True).receive.__name__ == "_receive_stp"
    assert Switch(sim, "slow", processing_delay_ns=1000).receive.__name__ == "_forward_after_delay"
    assert Switch(sim, "fast").receive.__name__ == "receive"
    assert Router(Simulation(1, fast_path=False), "r").receive.__name__ == "receive"
    r = Router(Simulation(1, fast_path=False), "r")
    assert r.receive == r.l2.receive
    r = Router(sim, "fast")
    assert r.receive != r.l2.receive and r.receive.__self__.slow == r.l2.receive


def test_the_environment_switch(monkeypatch):
    monkeypatch.setenv("NETSIM_FAST_PATH", "0")
    assert Simulation(1).fast_path is False
    monkeypatch.setenv("NETSIM_FAST_PATH", "1")
    assert Simulation(1).fast_path is True
    monkeypatch.delenv("NETSIM_FAST_PATH")
    assert Simulation(1).fast_path is True


def test_ip_address_int_storage_the_fast_path_reads():
    # RouterFastPath reads IPv4Address._ip for int(address) (ipaddress stores it there)
    for text in ("0.0.0.0", "10.0.1.254", "224.1.2.3", "255.255.255.255"):
        assert IPv4Address(text)._ip == int(IPv4Address(text))

