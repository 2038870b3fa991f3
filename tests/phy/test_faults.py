"""Link impairments: loss inside binomial bounds, corruption caught by the FCS."""

import math
from ipaddress import IPv4Address

from simulator.wire.ethernet import EthernetFrame
from simulator.wire.icmp import IcmpEcho
from simulator.wire.ipv4 import PROTO_ICMP
from tests.helpers import MS, SECOND, host, link, ping
from simulator.engine.sim import Simulation


def warm_pair(seed, **faults):
    sim = Simulation(seed)
    h1 = host(sim, "h1", "10.0.0.1/24")
    h2 = host(sim, "h2", "10.0.0.2/24")
    for a, b in ((h1, h2), (h2, h1)):
        a.ip.arps[a.interfaces["eth0"]].set_static(b.ip.addresses[b.interfaces["eth0"]].ip,
                                                   b.interfaces["eth0"].mac)
    link(sim, h1.interfaces["eth0"], h2.interfaces["eth0"], rate=100_000_000, delay=MS, **faults)
    return sim, h1, h2


def test_loss_within_binomial_bounds():
    sim, h1, h2 = warm_pair(seed=3, loss=0.3)
    app = ping(sim, h1, "10.0.0.2", count=1000, interval_ns=10 * MS, timeout_ns=SECOND)
    sim.run(20 * SECOND)
    n, p = 1000, 0.7 * 0.7          # request and reply must both survive
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    received = app.result()["received"]
    assert abs(received - mean) < 5 * sd
    lost_frames = sim.tracer.counters[("h1", "drop:LINK_LOSS")] + sim.tracer.counters[("h2", "drop:LINK_LOSS")]
    assert abs(lost_frames - 0.3 * (1000 + h2.interfaces["eth0"].tx_frames)) < 5 * math.sqrt(2000 * 0.21)


def test_corrupted_frames_fail_fcs_and_never_reach_ip():
    sim, h1, h2 = warm_pair(seed=5, corrupt=0.2)
    seen = []
    original = h2.receive

    def spy(iface, frame):
        assert type(frame) is EthernetFrame
        raw = frame.pack_with_fcs()
        assert EthernetFrame.unpack(raw, has_fcs=True).pack_with_fcs() == raw
        seen.append(frame)
        original(iface, frame)

    h2.receive = spy
    app = ping(sim, h1, "10.0.0.2", count=500, interval_ns=10 * MS, timeout_ns=SECOND)
    sim.run(10 * SECOND)
    bad_fcs = h2.interfaces["eth0"].drops["BAD_FCS"]
    assert 500 * 0.2 - 5 * math.sqrt(500 * 0.16) < bad_fcs < 500 * 0.2 + 5 * math.sqrt(500 * 0.16)
    assert len(seen) + bad_fcs == 500
    assert h2.interfaces["eth0"].rx_frames == len(seen)
    assert app.result()["received"] == len(seen) - h1.interfaces["eth0"].drops["BAD_FCS"]


def test_another_seed_draws_other_losses():
    results = []
    for seed in (1, 2):
        sim, h1, h2 = warm_pair(seed=seed, loss=0.3)
        app = ping(sim, h1, "10.0.0.2", count=200, interval_ns=10 * MS, timeout_ns=SECOND)
        sim.run(5 * SECOND)
        results.append(sorted(app.rtts))
    assert results[0] != results[1]


def test_duplication_delivers_twice():
    sim, h1, h2 = warm_pair(seed=1, duplicate=1.0)
    app = ping(sim, h1, "10.0.0.2", count=3)
    sim.run(5 * SECOND)
    # Each request arrives twice and h2 answers both; each answer arrives twice: four
    # replies per seq, three of them DUP. For seq 3, ping stops reading once every seq
    # is answered: it still sees the copy arriving at the same instant, not the second
    # answer queued behind the first one.
    assert app.result()["received"] == 3
    assert app.duplicates == 3 + 3 + 1


def test_queue_occupancy_is_sampled_and_drop_tail_drops_the_excess():
    sim, h1, h2 = warm_pair(seed=1)
    h1.interfaces["eth0"].link.queue_packets = 2
    sim.tracer.add_sink(lambda event: None)
    for seq in range(5):                     # back to back: one on the wire, two wait, two dropped
        h1.ip.send(IPv4Address("10.0.0.2"), PROTO_ICMP, IcmpEcho.request(1, seq))
    sim.run(SECOND)
    assert [v for _, v in sim.tracer.series["queue:h1:eth0"]] == [1, 2, 1, 0]
    assert h1.interfaces["eth0"].drops["QUEUE_FULL"] == 2
