"""A home router's DNS forwarder on a node: it relays to its upstream, caches, and
answers SERVFAIL when the upstream is dead; the YAML builds it with a zone inline."""

import pytest

from simulator.engine.sim import Simulation
from simulator.scenario.build import build
from simulator.scenario.errors import ScenarioError
from simulator.scenario.load import load_text
from simulator.wire.addr import IPv4Address

S = 1_000_000_000
MS = 1_000_000

HOME = """
name: home
defaults: {link: {rate: 100Mbps, delay: 1ms}}
nodes:
  pc: {type: host, ip: 192.168.1.10/24, dns: {servers: [192.168.1.1], timeout: 2s, attempts: 1}}
  home:
    type: host
    ip: 192.168.1.1/24
    dns_forwarder: {servers: [%s], timeout: 1s, attempts: 1}
  ns:
    type: host
    ip: 192.168.1.53/24
    dns_server:
      zones:
        - origin: example.com
          ttl: 600
          records:
            - {type: SOA, data: ns hostmaster 1 7200 3600 1209600 60}
            - {type: NS, data: ns}
            - {name: ns, type: A, data: 192.168.1.53}
            - {name: www, ttl: 120, type: A, data: 93.184.216.34}
  sw: {type: switch}
links: [[pc, sw], [home, sw], [ns, sw]]
"""


def network(upstream="192.168.1.53"):
    sim = Simulation(1)
    return sim, build(load_text(HOME % upstream), sim)


def resolve_at(sim, node, t, name):
    out = []

    def run():
        yield sim.env.timeout(t)
        out.append((yield node.resolver.resolve(name)))
    sim.process(run())
    return out


def test_forwarder_relays_then_answers_from_its_cache():
    sim, net = network()
    pc = net.nodes["pc"]
    first = resolve_at(sim, pc, S, "www.example.com")
    second = resolve_at(sim, pc, 11 * S, "www.example.com")
    sim.run(12 * S)
    assert [(r.rcode, r.addresses, r.server) for r in first + second] == [
        ("NOERROR", [IPv4Address("93.184.216.34")], IPv4Address("192.168.1.1"))] * 2
    # stored at about 1.006 s, served at 11.002 s: 9 whole seconds later (RFC 1035 §7.4)
    assert [rr.ttl for rr in second[0].message.answer] == [111]
    assert not second[0].message.aa and second[0].message.ra
    # pc ↔ home over the switch: 2 hops each way, 1 ms each, no upstream exchange
    assert 4 * MS < second[0].elapsed_ns < 5 * MS
    fwd = net.nodes["home"].dns_services["dns_forwarder"].summary()
    assert (fwd["queries"], fwd["answered_from_cache"], fwd["queries_sent"]) == (2, 1, 1)
    assert fwd["responses"] == {"NOERROR": 2}


def test_forwarder_answers_servfail_when_its_upstream_runs_no_server():
    sim, net = network(upstream="192.168.1.10")       # pc: ICMP port unreachable, ignored
    out = resolve_at(sim, net.nodes["pc"], S, "www.example.com")
    sim.run(5 * S)
    # the forwarder waits its 1 s, then answers SERVFAIL inside the stub's 2 s
    assert out[0].rcode == "SERVFAIL" and 1 * S < out[0].elapsed_ns < 2 * S


def test_an_upstream_that_is_no_nodes_address_is_a_check_error():
    with pytest.raises(ScenarioError, match=r"<string>:9:31: .*servers\[0\]: server "
                                            r"192.168.1.99 is no node's address"):
        network(upstream="192.168.1.99")


def test_servers_from_configure_keep_the_yaml_options():
    sim, net = network()
    pc = net.nodes["pc"]
    pc.resolver.configure(servers=[], domain="example.com")       # no lease yet: none
    none = resolve_at(sim, pc, S, "www")
    sim.call_later(S + 1, lambda _e: pc.resolver.configure(servers=["192.168.1.10"]))  # lease
    dead = resolve_at(sim, pc, 2 * S, "www")
    sim.run(10 * S)
    assert (none[0].rcode, none[0].name) == ("NOSERVERS", "www.example.com")
    # `dns: {timeout: 2s, attempts: 1}` still holds: one try of 2 s
    assert (dead[0].rcode, dead[0].elapsed_ns) == ("TIMEOUT", 2 * S)


DHCP_LAN = """
name: dhcp-dns
nodes:
  srv:
    type: host
    ip: 192.168.1.2/24
    dhcp_server:
      pools: [{range: 192.168.1.100-192.168.1.150, dns: [192.168.1.1], domain: example.com}]
  pc: {type: host, ip: dhcp, dns: {timeout: 2s, attempts: 1}}
  home: {type: host, ip: 192.168.1.1/24, dns_forwarder: {servers: [192.168.1.53]}}
  ns:
    type: host
    ip: 192.168.1.53/24
    dns_server:
      zones:
        - origin: example.com
          records:
            - {type: SOA, data: ns hostmaster 1 7200 3600 1209600 60}
            - {type: NS, data: ns}
            - {name: ns, type: A, data: 192.168.1.53}
            - {name: www, type: A, data: 93.184.216.34}
  sw: {type: switch}
links: [[srv, sw], [pc, sw], [home, sw], [ns, sw]]
"""


def test_the_dhcp_lease_configures_the_stub():
    sim = Simulation(1)
    net = build(load_text(DHCP_LAN), sim)
    pc = net.nodes["pc"]
    before = resolve_at(sim, pc, 0, "www")
    after = resolve_at(sim, pc, 10 * S, "www")
    sim.run(12 * S)
    assert before[0].rcode == "NOSERVERS"
    assert pc.resolver.servers == (IPv4Address("192.168.1.1"),)
    assert (after[0].name, after[0].rcode, after[0].addresses, after[0].server) == (
        "www.example.com", "NOERROR", [IPv4Address("93.184.216.34")],
        IPv4Address("192.168.1.1"))
