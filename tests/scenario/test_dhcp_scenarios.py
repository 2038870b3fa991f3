"""DHCP running on nodes (docs/dhcp.md): the shipped scenarios' leases, declines,
renewals, relays and failures, the exact timing of DORA on one link, and the YAML
options (broadcast flag off, release, a static gateway, the resolver hand-off)."""

from ipaddress import IPv4Address as A
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from simulator.apps.dhcp.client_node import CHECKS as CLIENT_CHECKS
from simulator.scenario.schema import CHECKS
from simulator.scenario.load import load_scenario, load_text
from simulator.scenario.run import run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SECOND = 1_000_000_000


class Events:
    """The trace, kept in memory."""

    def __init__(self):
        self.records = []

    def __call__(self, record):
        self.records.append(dict(record))

    def dhcp(self, node=None, event=None):
        return [r for r in self.records if r["layer"] == "dhcp"
                and node in (None, r["node"]) and event in (None, r["event"])]


def run(scenario):
    """Run with the trace kept in memory (the tracer is on only with a sink)."""
    from simulator.engine import sim as engine_sim

    events = Events()
    original = engine_sim.Simulation.__init__

    def with_sink(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.tracer.add_sink(events)

    engine_sim.Simulation.__init__ = with_sink
    try:
        result = run_scenario(scenario)
    finally:
        engine_sim.Simulation.__init__ = original
    return result, events


def clients(result):
    return {n.name: n.dhcp_clients.results()[0] for n in result.network.nodes.values()
            if getattr(n, "dhcp_clients", None) is not None}


@pytest.fixture(scope="module")
def campus():
    return run(load_scenario(SCENARIOS / "dhcp_campus.yaml"))


@pytest.fixture(scope="module")
def lan():
    return run(load_scenario(SCENARIOS / "dhcp_lan.yaml"))


def test_campus_sixty_clients_all_leased_no_address_twice(campus):
    result, events = campus
    assert result.passed
    got = clients(result)
    assert len(got) == 60 and {r["dhcp_state"] for r in got.values()} == {"BOUND"}
    addresses = [IPv4Interface(r["address"]) for r in got.values()]
    assert len({a.ip for a in addresses}) == 60                       # none given twice
    for name, r in got.items():                                        # each from its subnet's pool
        subnet = "abc".index(name[0]) + 1
        address = IPv4Interface(r["address"])
        assert address.network == IPv4Network(f"10.{subnet}.0.0/24")
        assert A(f"10.{subnet}.0.100") <= address.ip <= A(f"10.{subnet}.0.199")
    server = result.network.nodes["srv"].dhcp_server.summary()
    assert server["leases_bound"] == 60 and server["counters"]["exhausted"] == 0
    assert sorted(lease["address"] for lease in server["leases"]) == sorted(
        str(a.ip) for a in addresses)
    starts = [r["ns"] for r in events.dhcp(event="discover") if r["node"] != "r1"
              and r["node"] != "r2" and r["src"] == "0.0.0.0"]
    assert len(starts) >= 60 and max(sorted(starts)[:60]) < SECOND   # booted within 1 s


def test_campus_relays_set_giaddr_and_replies_come_back_through_them(campus):
    result, events = campus
    relayed = [r for r in events.dhcp(event="discover") if r["node"] in ("r1", "r2")]
    assert {r["giaddr"] for r in relayed} == {"10.1.0.1", "10.2.0.1", "10.3.0.1"}
    assert {(r["node"], r["dst"]) for r in relayed} == {("r1", "10.0.0.53"), ("r2", "10.0.0.53")}
    offers = events.dhcp("srv", "offer")
    assert {r["dst"] for r in offers} == {"10.1.0.1", "10.2.0.1", "10.3.0.1"}  # to the relay
    back = events.dhcp("r2", "offer")
    assert back and {r["dst"] for r in back} == {"255.255.255.255"}        # broadcast flag
    r1 = result.network.nodes["r1"].dhcp_relay.summary()["counters"]
    r2 = result.network.nodes["r2"].dhcp_relay.summary()["counters"]
    assert r1["to_client"] + r2["to_client"] == len(offers) + len(events.dhcp("srv", "ack"))
    assert r2["unknown_giaddr"] == r1["unknown_giaddr"] == 0
    assert r2["to_server"] == len([r for r in relayed if r["node"] == "r2"]) + len(
        [r for r in events.dhcp("r2", "request")])


def test_lan_reservation_decline_and_renewal_at_t1(lan):
    result, events = lan
    assert result.passed
    got = clients(result)
    assert got["pc1"]["address"] == "10.0.0.10/24"                      # reserved by MAC
    assert (got["pc2"]["address"], got["pc3"]["address"]) == ("10.0.0.102/24", "10.0.0.101/24")
    decline = events.dhcp("pc2", "decline")
    assert len(decline) == 1 and got["pc2"]["counters"]["conflict"] == 1
    server = result.network.nodes["srv"].dhcp_server.summary()
    assert server["declined"] == ["10.0.0.100"] and server["counters"]["decline"] == 1
    again = events.dhcp("pc2", "discover")[1]                          # RFC 2131 §3.1 step 5
    assert again["ns"] == decline[0]["ns"] + 10 * SECOND
    offer = [r for r in events.dhcp("srv", "offer") if r["xid"] == again["xid"]]
    assert offer[0]["yiaddr"] == "10.0.0.102"
    # T1 = lease/2 = 30 s after the REQUEST that got the lease (§4.4.1), unicast to the server
    first, renew = events.dhcp("pc1", "request")[:2]
    assert renew["ns"] == first["ns"] + 30 * SECOND
    assert (renew["src"], renew["dst"], renew["ciaddr"]) == ("10.0.0.10", "10.0.0.2", "10.0.0.10")
    assert [r["event"] for r in events.dhcp("pc1")][-1] == "dhcp_renewed"


def test_pool_exhausted_is_counted_and_the_client_keeps_trying():
    result, _ = run(load_scenario(SCENARIOS / "dhcp_exhausted.yaml"))
    assert result.passed
    server = result.network.nodes["srv"].dhcp_server.summary()["counters"]
    pc3 = clients(result)["pc3"]
    assert server["exhausted"] == pc3["counters"]["discover"] == 4    # at 0.1, ~4, ~12, ~28 s
    assert server["offer"] == server["ack"] == 2


def test_no_server_backoff_follows_rfc2131_4_1():
    result, events = run(load_scenario(SCENARIOS / "dhcp_no_server.yaml"))
    assert result.passed
    times = [r["ns"] for r in events.dhcp("pc", "discover")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 5
    for gap, base in zip(gaps, (4, 8, 16, 32, 64)):
        assert (base - 1) * SECOND <= gap <= (base + 1) * SECOND
    assert clients(result)["pc"]["address"] is None


ONE_LINK = """
name: dora
seed: 1
until: 2s
topology:
  name: dora
  defaults: {link: {rate: 10Mbps, delay: 1ms}}
  nodes:
    srv:
      type: host
      ip: 10.0.0.1/24
      dhcp_server: {pools: [{range: 10.0.0.10-10.0.0.20, lease: 600s}]}
    pc: {type: host, ip: {dhcp: {probe: 0%s}}%s}
  links: [[srv, pc]]
"""


def test_dora_timing_on_one_link_is_exact():
    """Four 300-byte DHCP messages: 14 + 20 + 8 + 300 + 4 (FCS) = 346 bytes on the wire,
    276.8 us at 10 Mbps, plus 1 ms of propagation: 1 276 800 ns each, no other wait."""
    result, events = run(load_text(ONE_LINK % ("", "")))
    hop = 346 * 800 + 1_000_000
    got = [(r["node"], r["event"], r["ns"]) for r in events.dhcp()]
    assert got == [("pc", "discover", 0), ("srv", "offer", hop), ("pc", "request", 2 * hop),
                   ("srv", "ack", 3 * hop), ("pc", "dhcp_bound", 4 * hop)]
    pc = result.network.nodes["pc"]
    assert clients(result)["pc"]["lease_obtained_ns"] == 4 * hop
    assert str(pc.ip.addresses[pc.interfaces["eth0"]]) == "10.0.0.10/24"
    assert [str(r) for r in pc.ip.routes.routes()] == ["10.0.0.0/24 dev eth0 metric 0 (connected)"]


def test_without_the_broadcast_flag_replies_are_unicast_to_the_mac():
    """RFC 2131 §4.1: the server unicasts OFFER and ACK to yiaddr at chaddr, no ARP."""
    result, events = run(load_text(ONE_LINK % (", broadcast: false", "")))
    offer, ack = events.dhcp("srv", "offer")[0], events.dhcp("srv", "ack")[0]
    assert offer["dst"] == ack["dst"] == "10.0.0.10"
    assert clients(result)["pc"]["dhcp_state"] == "BOUND"
    srv = result.network.nodes["srv"]
    assert srv.ip.arps[srv.interfaces["eth0"]].requests_sent == 0


def test_release_gives_the_lease_back():
    result, events = run(load_text(ONE_LINK % (", release_at: 1s", "")))
    release = events.dhcp("pc", "release")
    assert len(release) == 1 and release[0]["ns"] == SECOND and release[0]["dst"] == "10.0.0.1"
    assert result.network.nodes["srv"].dhcp_server.summary()["leases"] == []
    assert clients(result)["pc"]["dhcp_state"] == "STOPPED"
    pc = result.network.nodes["pc"]
    assert pc.ip.addresses == {} and pc.ip.routes.routes() == []


def test_a_static_gateway_wins_over_the_router_option():
    text = ONE_LINK.replace("lease: 600s", "lease: 600s, routers: [10.0.0.1]")
    result, _ = run(load_text(text % ("", ", gateway: 10.0.0.254")))
    routes = [str(r) for r in result.network.nodes["pc"].ip.routes.routes()]
    assert routes[-1] == "0.0.0.0/0 via 10.0.0.254 dev eth0 metric 0 (static)"
    result, _ = run(load_text(text % ("", "")))
    routes = [str(r) for r in result.network.nodes["pc"].ip.routes.routes()]
    assert routes[-1] == "0.0.0.0/0 via 10.0.0.1 dev eth0 metric 0 (static)"


def test_dns_servers_and_domain_go_to_the_resolver():
    text = ONE_LINK.replace("lease: 600s", "lease: 600s, dns: [10.0.0.53], domain: lan.test")
    scenario = load_text(text % ("", ""))
    from simulator.scenario import build as build_module

    configured = []

    class Resolver:
        def configure(self, **config):
            configured.append(config)

    original = build_module.start_dhcp

    def with_resolver(net):
        net.nodes["pc"].resolver = Resolver()
        original(net)

    build_module.start_dhcp = with_resolver
    try:
        run_scenario(scenario)
    finally:
        build_module.start_dhcp = original
    assert configured == [{"servers": [A("10.0.0.53")], "domain": "lan.test"}]


def test_the_dhcp_result_reports_exactly_its_result_keys(lan):
    result, _ = lan
    read = {check.key for check in CHECKS.values()}
    assert {check.key for check in CLIENT_CHECKS} == read & set(clients(result)["pc1"])


L3SWITCH = """
name: l3-relay
seed: 1
until: 10s
topology:
  name: l3-relay
  nodes:
    srv: {type: host, ip: 10.10.0.5/24, gateway: 10.10.0.1,
          dhcp_server: {pools: [{range: 10.20.0.50-10.20.0.60}]}}
    core:
      type: l3switch
      groups: {servers: {ip: 10.10.0.1/24, ports: [p1]}, lab: {ip: 10.20.0.1/24, ports: [p2]}}
      dhcp_relay: {servers: [10.10.0.5], interfaces: [lab]}
    pc: {type: host, ip: {dhcp: {client_id: mac}}}
  links: [[srv, core:p1], [core:p2, pc]]
run:
  - {at: 8s, on: pc, name: ping, ping: {dst: 10.10.0.5, count: 1}}
expect:
  - {app: dhcp, on: pc, dhcp_state: BOUND, address_in: 10.20.0.0/24}
  - {app: ping, loss: 0%}
"""


def test_an_l3_switch_relays_from_its_svi_and_offers_itself_as_router():
    result, events = run(load_text(L3SWITCH))
    assert result.passed
    assert {r["giaddr"] for r in events.dhcp("core", "discover")} == {"10.20.0.1"}
    pc = result.network.nodes["pc"]
    assert [str(r) for r in pc.ip.routes.routes()][-1] == \
        "0.0.0.0/0 via 10.20.0.1 dev eth0 metric 0 (static)"
    lease = result.network.nodes["srv"].dhcp_server.summary()["leases"]
    assert [(x["address"], x["mac"]) for x in lease] == [("10.20.0.50", str(pc.interfaces["eth0"].mac))]


def test_netsim_run_prints_each_clients_outcome(tmp_path, capsys):
    from simulator.cli import main

    status = main(["run", str(SCENARIOS / "dhcp_no_server.yaml"), "--no-plots",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert ("pc:eth0: no lease (SELECTING): 6 DISCOVERs unanswered, retrying (RFC 2131 §4.1 "
            "backoff, s: 4.814, 7.544, 15.863, 32.143, 64.946)") in out


def test_server_gone_renew_at_t1_rebind_at_t2_then_the_lease_ends():
    """RFC 2131 §4.4.5: unicast REQUEST at T1 = 30 s, broadcast at T2 = 52 s (option 59), the
    address removed when the 60 s lease runs out; then back to DISCOVER."""
    text = (ONE_LINK % ("", "")).replace("lease: 600s", "lease: 60s").replace(
        "until: 2s", "until: 61s").replace("  links: [[srv, pc]]", """    sw: {type: switch}
  links: [[srv, sw], [pc, sw]]
run:
  - {at: 10s, link_down: [srv, sw]}""")
    result, events = run(load_text(text))
    requests = events.dhcp("pc", "request")
    start = requests[0]["ns"]
    renew, rebind = requests[1], requests[2]
    assert (renew["ns"] - start, renew["dst"]) == (30 * SECOND, "10.0.0.1")
    assert (rebind["ns"] - start, rebind["dst"]) == (52 * SECOND, "255.255.255.255")  # 7/8 of 60 s, whole s
    expired = events.dhcp("pc", "dhcp_lease_expired")
    assert [r["ns"] - start for r in expired] == [60 * SECOND]
    assert events.dhcp("pc", "discover")[-1]["ns"] == expired[0]["ns"]
    pc = result.network.nodes["pc"]
    assert pc.ip.addresses == {} and clients(result)["pc"]["dhcp_state"] == "SELECTING"


def test_a_garbled_dhcp_payload_is_a_counted_drop():
    from simulator.engine.sim import Simulation
    from simulator.scenario.build import build

    scenario = load_text(ONE_LINK % ("", ""))
    sim = Simulation(1)
    net = build(scenario.topology, sim)
    pc = net.nodes["pc"]
    pc.udp.bind(6800).sendto(b"\x01" * 100, A("255.255.255.255"), 67, src=A("0.0.0.0"),
                             dev=pc.interfaces["eth0"])
    sim.run(SECOND)
    assert sim.tracer.counters[("srv", "drop:MALFORMED")] == 1
    assert pc.dhcp_clients.results()[0]["dhcp_state"] == "BOUND"


def test_apps_started_before_the_lease_get_enetunreach_not_a_crash():
    text = (ONE_LINK % ("", "")).replace("  links: [[srv, pc]]", """  links: [[srv, pc]]
run:
  - {at: 0s, on: srv, bulk_sink: {}}
  - {at: 100ms, on: pc, bulk_send: {dst: 10.0.0.1, bytes: 10KB}}
  - {at: 100ms, on: pc, udp_send: {dst: 10.0.0.1, port: 9}}
  - {at: 100ms, on: pc, tcp_echo: {dst: 10.0.0.1}}
  - {at: 100ms, on: pc, traceroute: {dst: 10.0.0.1}}
  - {at: 100ms, on: pc, udp_cbr: {dst: 10.0.0.1, duration: 100ms}}""").replace(
        "probe: 0", "probe: 3")
    result, _ = run(load_text(text))
    for app in result.apps[1:]:
        assert any("Network is unreachable" in line for line in app.result()["output"]), \
            app.result()["output"]
    assert clients(result)["pc"]["output"] == [
        "pc:eth0: no lease yet (PROBING; 1 DISCOVER, 1 OFFER, 1 ACK, 0 NAK, 0 DECLINE)"]


def test_a_relay_unicasts_to_the_clients_mac_when_the_broadcast_flag_is_clear():
    """RFC 1542 §4.1.2: BROADCAST clear → the relay sends the reply to yiaddr at chaddr."""
    result, events = run(load_text(L3SWITCH.replace("client_id: mac", "broadcast: false")))
    assert result.passed
    assert {r["dst"] for r in events.dhcp("core", "offer") + events.dhcp("core", "ack")} == {
        "10.20.0.50"}
    lab = next(i for i in result.network.nodes["core"].ip.arps if i.name == "lab")
    assert result.network.nodes["core"].ip.arps[lab].requests_sent == 0     # no ARP for them
