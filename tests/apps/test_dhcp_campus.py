"""Many clients, one server: 60 clients booting within one second share a pool with no
address given twice; a pool too small is exhausted and counted; a relay agent
(RFC 1542 §4) lets one server serve three subnets, each from its own pool."""

import random
from ipaddress import IPv4Address as A
from ipaddress import IPv4Network

from simulator.apps.dhcp.client import BOUND, SELECTING, DhcpClient
from simulator.apps.dhcp.relay import DhcpRelay
from simulator.apps.dhcp.server import DhcpServer, Pool
from simulator.apps.dhcp.transmit import BROADCAST, SECOND
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (BOOTREPLY, BOOTREQUEST, DISCOVER, OFFER, OPT_MESSAGE_TYPE,
                                 DhcpMessage)
from tests.apps.dhcp_world import World

SID = A("10.0.0.53")


def clients(n):
    return [DhcpClient(MacAddress.local(1000 + i), random.Random(i)) for i in range(n)]


def boot(world, cs):
    boot_rng = random.Random(99)
    for c in cs:
        world.start(c, at=boot_rng.randrange(SECOND))       # all within one second


def test_sixty_clients_one_pool_no_address_twice():
    server = DhcpServer(SID, [Pool("10.0.0.0/24", "10.0.0.100", "10.0.0.199")])
    cs = clients(60)
    w = World(server, cs, SID)
    boot(w, cs)
    w.run(30 * SECOND)
    addresses = [w.leases[c].interface.ip for c in cs]
    assert all(c.state == BOUND for c in cs)
    assert len(set(addresses)) == 60
    assert set(addresses) == {A(f"10.0.0.{n}") for n in range(100, 160)}
    assert server.counters["exhausted"] == 0 and server.counters["ack"] == 60


def test_pool_of_fifty_for_sixty_clients_is_exhausted_and_counted():
    server = DhcpServer(SID, [Pool("10.0.0.0/24", "10.0.0.100", "10.0.0.149")])
    cs = clients(60)
    w = World(server, cs, SID)
    boot(w, cs)
    w.run(30 * SECOND)
    bound = [c for c in cs if c.state == BOUND]
    assert len(bound) == 50 and len({w.leases[c].interface.ip for c in bound}) == 50
    assert all(c.state == SELECTING for c in cs if c not in bound)
    # every DISCOVER of the ten unlucky clients met an empty pool, retransmissions too
    unlucky_discovers = sum(c.counters["discover"] for c in cs if c not in bound)
    assert server.counters["exhausted"] == unlucky_discovers >= 10 * 3


def test_relay_serves_three_subnets_from_one_server():
    pools = [Pool(f"10.{k}.0.0/24", f"10.{k}.0.100", f"10.{k}.0.199", routers=[f"10.{k}.0.1"])
             for k in (1, 2, 3)]
    server = DhcpServer(SID, pools)
    relay = DhcpRelay([SID])
    cs = clients(60)
    subnet_of = {c: A(f"10.{1 + i % 3}.0.1") for i, c in enumerate(cs)}
    w = World(server, cs, SID, relay=relay, subnet_of=subnet_of)
    boot(w, cs)
    w.run(30 * SECOND)
    assert all(c.state == BOUND for c in cs)
    assert len({w.leases[c].interface.ip for c in cs}) == 60
    for c in cs:
        lease = w.leases[c]
        gateway = subnet_of[c]
        assert lease.interface.network == IPv4Network(f"{gateway}/24", strict=False)
        assert lease.routers == (gateway,)
    assert relay.counters["to_server"] == server.counters["discover"] + \
        server.counters["request"]
    assert relay.counters["to_client"] == server.counters["offer"] + server.counters["ack"]


def test_relay_sets_giaddr_once_counts_hops_and_drops_loops():
    relay = DhcpRelay([SID, A("10.0.0.54")], max_hops=4)
    discover = DhcpMessage(BOOTREQUEST, 7, MacAddress.local(1), [(OPT_MESSAGE_TYPE, DISCOVER)])
    out = relay.from_client(discover, "10.1.0.1")
    assert [(t.dst, t.port, t.src) for t in out] == [(SID, 67, A("10.1.0.1")),
                                                     (A("10.0.0.54"), 67, A("10.1.0.1"))]
    assert out[0].message.giaddr == A("10.1.0.1") and out[0].message.hops == 1
    again = relay.from_client(out[0].message, "10.9.0.1")[0].message
    assert again.giaddr == A("10.1.0.1") and again.hops == 2     # first relay's giaddr stays
    assert relay.from_client(discover.replace(hops=4), "10.1.0.1") == []
    assert relay.counters["too_many_hops"] == 1
    assert relay.from_client(discover.replace(op=BOOTREPLY), "10.1.0.1") == []


def test_relay_reply_broadcast_or_unicast_to_chaddr():
    relay = DhcpRelay([SID])
    mac = MacAddress.local(5)
    offer = DhcpMessage(BOOTREPLY, 7, mac, [(OPT_MESSAGE_TYPE, OFFER)], yiaddr="10.1.0.100",
                        giaddr="10.1.0.1")
    (unicast,) = relay.from_server(offer, [A("10.1.0.1"), A("10.2.0.1")])
    assert (unicast.dst, unicast.port, unicast.mac, unicast.via) == (
        A("10.1.0.100"), 68, mac, A("10.1.0.1"))
    (broadcast,) = relay.from_server(offer.replace(flags=0x8000), [A("10.1.0.1")])
    assert (broadcast.dst, broadcast.mac) == (BROADCAST, None)
    assert relay.from_server(offer.replace(giaddr="10.7.0.1"), [A("10.1.0.1")]) == []
    assert relay.counters["unknown_giaddr"] == 1
