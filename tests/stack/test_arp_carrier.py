"""An interface that loses carrier forgets its dynamic neighbours (Linux
arp_netdev_event → neigh_carrier_down, which skips PERMANENT entries); packets
waiting for a resolution on it are dropped (NEIGH_FLUSHED)."""

from ipaddress import IPv4Address

from simulator.wire.addr import MacAddress
from tests.helpers import MS, SECOND
from tests.stack.test_arp_states import H1, H2, arp_of, pair, send_at

STATIC = IPv4Address("10.0.0.9")


def test_carrier_loss_flushes_both_ends_dynamic_entries_and_keeps_static_ones():
    sim, h1, h2, wire = pair()
    arp_of(h1).set_static(STATIC, MacAddress("02:00:00:00:00:99"))
    send_at(sim, h1, 0)                                   # h1 resolves h2; h2 learns h1
    sim.run(100 * MS)
    assert arp_of(h1).states() == {str(H2): "REACHABLE", str(STATIC): "PERMANENT"}
    assert list(arp_of(h2).states()) == [str(H1)]          # learnt from the request
    sim.call_later(0, lambda _: wire.set_up(False))
    sim.run(200 * MS)
    assert arp_of(h1).states() == {str(STATIC): "PERMANENT"}
    assert arp_of(h2).states() == {}
    sim.call_later(0, lambda _: wire.set_up(True))     # carrier back: nothing relearnt yet
    sim.run(300 * MS)
    assert arp_of(h1).states() == {str(STATIC): "PERMANENT"}


def test_a_packet_waiting_for_resolution_is_dropped_when_carrier_goes():
    sim, h1, h2, wire = pair()
    events = []
    sim.tracer.add_sink(events.append)
    sim.call_later(0, lambda _: wire.set_up(False))
    send_at(sim, h1, 100 * MS)                            # INCOMPLETE: its request is lost
    sim.call_later(200 * MS, lambda _: wire.set_up(True))
    sim.call_later(300 * MS, lambda _: wire.set_up(False))   # before the retry at 1.1 s
    sim.run(2 * SECOND)
    flushed = [e for e in events if e["event"] == "drop" and e["reason"] == "NEIGH_FLUSHED"]
    assert [(e["node"], e["ns"], e["target"]) for e in flushed] == [("h1", 300 * MS, str(H2))]
    assert sim.tracer.counters[("h1", "drop:NO_ARP_REPLY")] == 0     # nothing left to fail
    assert arp_of(h1).states() == {}
