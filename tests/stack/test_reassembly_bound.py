"""The reassembly buffers are bounded like Linux's (ipfrag_high_thresh/low_thresh,
oldest evicted as FRAG_EVICTED) and their bookkeeping does not grow per datagram."""

import random
from ipaddress import IPv4Address as A

import pytest

from simulator.engine.sim import Simulation
from simulator.scenario.build import build
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.stack.fragment import fragment
from simulator.wire.ipv4 import PROTO_UDP, IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.helpers import SECOND
from tests.stack.test_fragmentation import Node

DATA = bytes(range(256)) * 256


def datagram(ident: int, size: int = 4000) -> IPv4Packet:
    udp = UdpDatagram(5000, 9, DATA[:size - 8])
    return IPv4Packet(A("10.0.0.1"), A("10.0.0.2"), PROTO_UDP, udp, identification=ident)


def test_past_the_high_threshold_the_least_recently_added_to_datagrams_are_evicted():
    node = Node()
    reassembler = node.ip.reassembler
    reassembler.high_thresh, reassembler.low_thresh = 6000, 3000
    firsts = [fragment(datagram(i), 1500)[0] for i in range(6)]   # 1500 IP bytes each
    node.feed(firsts[:4])                           # 6000 held: not above high yet
    assert reassembler.memory == 6000 and len(reassembler.pending) == 4
    node.feed([fragment(datagram(0), 1500)[1]])     # datagram 0 is now the most recent
    assert reassembler.memory == 7500
    node.feed([firsts[4]])                          # above high: evict 1, 2, 3 (down to 3000)
    assert [key[3] for key in reassembler.pending] == [0, 4]
    assert reassembler.memory == 3000 + 1500
    assert node.sim.tracer.counters[("h", "drop:FRAG_EVICTED")] == 3
    node.feed([fragment(datagram(0), 1500)[2]])     # the survivor still completes
    assert len(node.delivered) == 1 and node.delivered[0].identification == 0
    assert reassembler.memory == 1500 and node.errors == []   # eviction sends no ICMP


def test_a_flood_of_incomplete_datagrams_holds_bounded_memory_and_one_timer():
    node = Node()
    reassembler = node.ip.reassembler
    for i in range(20_000):
        node.feed([fragment(datagram(i % 65536), 1500)[0]])
    assert reassembler.memory <= reassembler.high_thresh + 1500
    assert len(reassembler.pending) <= (4 << 20) // 1500 + 1
    assert len(node.sim.env._queue) == 1            # one event watches the oldest deadline
    evicted = node.sim.tracer.counters[("h", "drop:FRAG_EVICTED")]
    assert evicted + len(reassembler.pending) == 20_000
    node.sim.run(31 * SECOND)
    assert not reassembler.pending and reassembler.memory == 0
    assert node.sim.tracer.counters[("h", "drop:FRAG_TIMEOUT")] == 20_000 - evicted


def test_deadlines_expire_in_order_with_one_event_at_a_time():
    node = Node(timeout_ns=10 * SECOND)
    pieces = [fragment(datagram(i), 1500) for i in range(3)]
    for i in range(3):
        node.sim.call_later(i * SECOND, lambda _e, i=i: node.feed([pieces[i][0]]))
    node.sim.call_later(int(1.5 * SECOND), lambda _e: node.feed(pieces[0][1:]))  # 0 completes
    node.sim.run(int(10.5 * SECOND))
    assert [k[3] for k in node.ip.reassembler.pending] == [1, 2] and len(node.delivered) == 1
    node.sim.run(int(11.5 * SECOND))
    assert [k[3] for k in node.ip.reassembler.pending] == [2]
    assert node.errors == [(11, 1)]


def test_eight_thousand_tiny_fragments_in_random_order_reassemble():
    whole = datagram(7, 65000)
    pieces = fragment(whole, 28)                     # 8 data bytes a fragment
    assert len(pieces) == 8125
    random.Random(3).shuffle(pieces)
    node = Node()
    node.feed(pieces)
    assert len(node.delivered) == 1 and node.delivered[0].payload == whole.payload
    assert node.ip.reassembler.memory == 0


def test_the_thresholds_come_from_yaml():
    topology = load_text("""\
name: t
nodes:
  a: {type: host, ip: 10.0.0.1/24, reassembly_memory: {high: 64KiB, low: 32KiB}}
  r: {type: router, interfaces: {e0: 10.0.0.2/24}}
links: [[a, r]]
""")
    net = build(topology, Simulation(1))
    assert (net.nodes["a"].ip.reassembler.high_thresh, net.nodes["a"].ip.reassembler.low_thresh) \
        == (65536, 32768)
    assert net.nodes["r"].ip.reassembler.high_thresh == 4 << 20


def test_low_above_high_is_an_error():
    with pytest.raises(ScenarioError, match="must not be above high"):
        load_text("""\
name: t
nodes:
  a: {type: host, ip: 10.0.0.1/24, reassembly_memory: {high: 1KiB, low: 2KiB}}
""")
