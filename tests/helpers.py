"""Small builders for hand-wired test networks (no YAML)."""

from simulator.apps.ping import Ping
from simulator.engine.sim import Simulation
from simulator.nodes.host import Host
from simulator.phy.link import Link
from simulator.wire.addr import IPv4Address, IPv4Interface

MS = 1_000_000
SECOND = 1_000_000_000


def host(sim, name, address, **kwargs):
    h = Host(sim, name)
    h.add_ip_interface("eth0", IPv4Interface(address), **kwargs)
    return h


def link(sim, a, b, rate=10_000_000, delay=MS, **kwargs):
    return Link(sim, a, b, rate=rate, delay=delay, **kwargs)


def ping(sim, src, dst, **kwargs):
    app = Ping(src, IPv4Address(dst), **kwargs)
    src.apps.append(app)
    app.start()
    return app


def two_hosts(rate=10_000_000, delay=MS, seed=1, **link_kwargs):
    sim = Simulation(seed)
    h1 = host(sim, "h1", "10.0.0.1/24")
    h2 = host(sim, "h2", "10.0.0.2/24")
    link(sim, h1.interfaces["eth0"], h2.interfaces["eth0"], rate, delay, **link_kwargs)
    return sim, h1, h2


def router(sim, name, *addresses, **kwargs):
    from simulator.nodes.router import Router

    r = Router(sim, name, **kwargs)
    for i, address in enumerate(addresses):
        r.add_ip_interface(f"e{i}", IPv4Interface(address))
    return r


def gateway_host(sim, name, address, gateway, **kwargs):
    h = host(sim, name, address, **kwargs)
    h.set_gateway(IPv4Address(gateway))
    return h


def routed_pair(sim, rate_out=100_000_000, **out_kwargs):
    """a (10.0.0.1/24) –100 Mbps, 1 ms– r –``rate_out``, 1 ms– b (10.0.1.1/24), each host
    routed through r: ``(a, b, r)``; ``out_kwargs`` go to the r–b link (``mtu``, ...)."""
    a = gateway_host(sim, "a", "10.0.0.1/24", "10.0.0.254")
    b = gateway_host(sim, "b", "10.0.1.1/24", "10.0.1.254")
    r = router(sim, "r", "10.0.0.254/24", "10.0.1.254/24")
    link(sim, a.interfaces["eth0"], r.interfaces["e0"], rate=10**8, delay=MS)
    link(sim, r.interfaces["e1"], b.interfaces["eth0"], rate=rate_out, delay=MS, **out_kwargs)
    return a, b, r
