"""Path MTU discovery (RFC 1191) on a 1500 → 1400 path."""

from simulator.engine.sim import Simulation
from simulator.stack.pmtu import PmtuCache
from tests.helpers import SECOND, gateway_host, link, ping, router


def path():
    sim = Simulation(1)
    h1 = gateway_host(sim, "h1", "10.0.1.2/24", "10.0.1.1")
    r = router(sim, "r", "10.0.1.1/24", "10.0.2.1/24")
    h2 = gateway_host(sim, "h2", "10.0.2.2/24", "10.0.2.1")
    link(sim, h1.interfaces["eth0"], r.interfaces["e0"])
    link(sim, r.interfaces["e1"], h2.interfaces["eth0"], mtu=1400)
    r.interfaces["e1"].mtu = h2.interfaces["eth0"].mtu = 1400
    return sim, h1, r, h2


def test_df_ping_gets_frag_needed_then_fails_locally_and_a_smaller_one_fits():
    sim, h1, r, h2 = path()
    big = ping(sim, h1, "10.0.2.2", count=2, size=1472, df=True, timeout_ns=2 * SECOND)
    sim.run(5 * SECOND)
    assert big.lines[1] == "From 10.0.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)"
    assert big.lines[2] == "ping: local error: message too long, mtu=1400"
    assert big.result()["received"] == 0
    assert h1.ip.pmtu.entries() == {"10.0.2.2": 1400}
    fits = ping(sim, h1, "10.0.2.2", count=1, size=1400 - 28, df=True)
    sim.run(7 * SECOND)
    assert fits.result()["received"] == 1


def test_ping_larger_than_the_first_link_fails_locally():
    sim, h1, r, h2 = path()
    app = ping(sim, h1, "10.0.2.2", count=1, size=1500, df=True, timeout_ns=SECOND)
    sim.run(2 * SECOND)
    assert app.lines[1] == "ping: local error: message too long, mtu=1500"
    assert app.lines[4] == "1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms"


def test_without_df_the_router_fragments():
    sim, h1, r, h2 = path()
    app = ping(sim, h1, "10.0.2.2", count=1, size=1472)
    sim.run(SECOND)
    assert app.result()["received"] == 1
    assert h2.ip.reassembler.pending == {}


def test_pmtu_entries_age_out_and_only_decrease():
    sim = Simulation(1)
    cache = PmtuCache(sim, expiry_ns=600 * SECOND)
    cache.update("d", 1400, 1500)
    cache.update("d", 1450, 1500)
    assert cache.get("d") == 1400
    sim.run(599 * SECOND)
    assert cache.get("d") == 1400
    sim.run(600 * SECOND)
    assert cache.get("d") is None


def test_old_router_without_next_hop_mtu_uses_plateaus():
    sim = Simulation(1)
    cache = PmtuCache(sim)
    assert cache.update("d", 0, 1500) == 1492
    assert cache.update("e", 0, 1006) == 508
