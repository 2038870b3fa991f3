"""The DHCP client state machine (RFC 2131 §4.4) on a virtual clock: exact message
sequences, the RFC 5227 probe timing, DECLINE, retransmission backoff (§4.1),
renewing and rebinding times (§4.4.5), NAK, RELEASE."""

import random
from ipaddress import IPv4Address as A
from ipaddress import IPv4Interface

from simulator.apps.dhcp.client import (BOUND, PROBING, REBINDING, RENEWING, REQUESTING,
                                        SELECTING, STOPPED, DhcpClient)
from simulator.apps.dhcp.server import DhcpServer, Pool
from simulator.apps.dhcp.transmit import BROADCAST, SECOND
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, DECLINE, DISCOVER, NAK, OFFER,
                                 OPT_MESSAGE_TYPE, OPT_REQUESTED_IP, OPT_SERVER_ID, RELEASE,
                                 REQUEST, DhcpMessage)
from tests.apps.dhcp_world import MS, World

SID = A("192.168.1.1")
MAC = MacAddress.local(7)


def pool(**kwargs):
    return Pool("192.168.1.0/24", "192.168.1.100", "192.168.1.199", routers=[SID],
                dns_servers=[SID], domain="home.arpa", lease_time_s=3600, **kwargs)


def world(n=1, seed=3, **kwargs):
    server = DhcpServer(SID, [pool()])
    clients = [DhcpClient(MacAddress.local(100 + i), random.Random(seed + i), hostname=f"pc{i}")
               for i in range(n)]
    w = World(server, clients, SID, **kwargs)
    for c in clients:
        w.start(c)
    return w, server, clients


def test_dora_probe_bound_exact_sequence():
    w, server, (c,) = world()
    w.run(20 * SECOND)
    kinds = [(who, tr.message.message_type) for _, who, tr in w.log]
    assert kinds == [(c, DISCOVER), (server, OFFER), (c, REQUEST), (server, ACK)]
    (t0, discover), (t2, request) = w.sent(c, DISCOVER)[0], w.sent(c, REQUEST)[0]
    assert (t0, discover.src, discover.dst, discover.port) == (0, A(0), BROADCAST, 67)
    assert discover.message.broadcast and discover.message.client_mac == c.mac
    assert t2 == 2 * MS and request.message.xid == discover.message.xid
    assert request.message.option(OPT_REQUESTED_IP) == A("192.168.1.100")
    assert request.message.option(OPT_SERVER_ID) == SID and request.src == A(0)
    lease = w.leases[c]
    assert lease.interface == IPv4Interface("192.168.1.100/24")
    assert (lease.routers, lease.dns_servers, lease.domain) == ((SID,), (SID,), "home.arpa")
    assert (lease.lease_s, lease.t1_s, lease.t2_s, lease.start_ns) == (3600, 1800, 3150, 2 * MS)
    assert c.state == BOUND and w.deadlines[c] == 2 * MS + 1800 * SECOND
    assert c.counters["ack"] == 1 and w.events[-1]["event"] == "dhcp_bound"


def test_probe_timing_follows_rfc5227():
    client = DhcpClient(MAC, random.Random(1))
    server = DhcpServer(SID, [pool()])
    discover = client.start(0).sends[0].message
    offer = server.receive(discover, 0, SID)[0].message
    request = client.receive(offer, 0).sends[0].message
    step = client.receive(server.receive(request, 0, SID)[0].message, 0)
    assert client.state == PROBING and step.configure is None and step.probe is None
    assert 0 <= step.deadline <= SECOND                        # PROBE_WAIT
    times, probes = [step.deadline], []
    for _ in range(3):
        step = client.timer(times[-1])
        probes.append(step.probe)
        times.append(step.deadline)
    assert probes == [A("192.168.1.100")] * 3
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(SECOND <= g <= 2 * SECOND for g in gaps[:2])   # PROBE_MIN..PROBE_MAX
    assert gaps[2] == 2 * SECOND                               # ANNOUNCE_WAIT
    step = client.timer(times[-1])
    assert step.probe is None and step.configure.interface.ip == A("192.168.1.100")


def test_conflict_declines_and_restarts_after_ten_seconds():
    w, server, (c,) = world(in_use={A("192.168.1.100")})
    w.run(60 * SECOND)
    (t_decline, decline), = w.sent(c, DECLINE)
    assert decline.dst == BROADCAST and decline.message.option(OPT_REQUESTED_IP) == A(
        "192.168.1.100")
    second_discover = w.sent(c, DISCOVER)[1][0]
    assert second_discover == t_decline + 10 * SECOND
    assert w.leases[c].interface.ip == A("192.168.1.101")      # the declined one is skipped
    assert server.summary()["declined"] == ["192.168.1.100"]
    assert c.counters["conflict"] == 1


def test_discover_backoff_4_8_16_32_64_64_with_one_second_jitter():
    client = DhcpClient(MAC, random.Random(5))
    times, xids, secs = [], set(), []
    step = client.start(0)
    now = 0
    for _ in range(7):
        message = step.sends[0].message
        xids.add(message.xid)
        secs.append(message.secs)
        times.append(now)
        now = step.deadline
        step = client.timer(now)
    gaps = [b - a for a, b in zip(times, times[1:])]
    for gap, base in zip(gaps, (4, 8, 16, 32, 64, 64)):
        assert (base - 1) * SECOND <= gap <= (base + 1) * SECOND
    assert len(set(gaps)) == 6                                  # randomized
    assert len(xids) == 1 and client.state == SELECTING
    assert secs == [t // SECOND for t in times]


def test_requesting_gives_up_and_goes_back_to_init():
    client = DhcpClient(MAC, random.Random(2), request_attempts=2)
    first = client.start(0).sends[0].message
    offer = DhcpMessage(BOOTREPLY, first.xid, MAC, [(OPT_MESSAGE_TYPE, OFFER),
                                                    (OPT_SERVER_ID, SID)], yiaddr="192.168.1.9")
    step = client.receive(offer, 0)
    assert client.state == REQUESTING and step.sends[0].message.message_type == REQUEST
    step = client.timer(step.deadline)
    assert step.sends[0].message.message_type == REQUEST
    step = client.timer(step.deadline)
    assert client.state == SELECTING and step.sends[0].message.message_type == DISCOVER
    assert step.sends[0].message.xid != first.xid


def test_renewing_and_rebinding_retransmission_times_then_expiry():
    w, server, (c,) = world()
    w.run(10 * SECOND)
    start = w.leases[c].start_ns
    w.server = DhcpServer(SID, [pool()])      # a server that forgot nothing but never answers
    w.server.receive = lambda *a: []
    w.run(start + 3601 * SECOND)
    requests = [(t - start, tr) for t, tr in w.sent(c, REQUEST)][1:]
    renew = [t for t, tr in requests if tr.dst == SID]
    rebind = [t for t, tr in requests if tr.dst == BROADCAST]
    # T1 = 1800 s, T2 = 3150 s: half the time left to T2, at least 60 s, never past it
    assert renew == [int(x * SECOND) for x in (1800, 2475, 2812.5, 2981.25, 3065.625,
                                                3125.625)]
    assert all(tr.src == A("192.168.1.100") and tr.message.ciaddr == A("192.168.1.100")
               for _, tr in requests)
    assert rebind == [int(x * SECOND) for x in (3150, 3375, 3487.5, 3547.5)]
    assert c not in w.leases and c.state == SELECTING          # lease over: INIT again
    assert any(e["event"] == "dhcp_lease_expired" for e in w.events)
    assert w.sent(c, DISCOVER)[-1][0] == start + 3600 * SECOND


def test_renew_ack_extends_the_lease_without_reconfiguring():
    w, server, (c,) = world()
    w.run(1900 * SECOND)
    assert c.state == BOUND and w.events[-1]["event"] == "dhcp_renewed"
    renew = w.sent(c, REQUEST)[1]
    assert renew[0] == 2 * MS + 1800 * SECOND and renew[1].dst == SID
    assert c.lease.start_ns == renew[0] and w.leases[c].interface == c.lease.interface
    assert w.deadlines[c] == renew[0] + 1800 * SECOND


def test_nak_while_requesting_restarts():
    client = DhcpClient(MAC, random.Random(2))
    first = client.start(0).sends[0].message
    offer = DhcpMessage(BOOTREPLY, first.xid, MAC, [(OPT_MESSAGE_TYPE, OFFER),
                                                    (OPT_SERVER_ID, SID)], yiaddr="192.168.1.9")
    client.receive(offer, 0)
    nak = DhcpMessage(BOOTREPLY, first.xid, MAC, [(OPT_MESSAGE_TYPE, NAK), (OPT_SERVER_ID, SID)])
    step = client.receive(nak, 5)
    assert client.state == SELECTING and step.sends[0].message.message_type == DISCOVER
    assert step.deconfigure is None and client.counters["nak"] == 1


def test_replies_for_someone_else_are_ignored():
    client = DhcpClient(MAC, random.Random(2))
    first = client.start(0)
    for xid, mac in ((first.sends[0].message.xid + 1, MAC), (first.sends[0].message.xid,
                                                             MacAddress.local(99))):
        offer = DhcpMessage(BOOTREPLY, xid, mac, [(OPT_MESSAGE_TYPE, OFFER),
                                                  (OPT_SERVER_ID, SID)], yiaddr="192.168.1.9")
        step = client.receive(offer, 1)
        assert step.sends == [] and step.deadline == first.deadline
    assert client.state == SELECTING


def test_release_unicasts_to_the_server_and_stops():
    w, server, (c,) = world()
    w.run(10 * SECOND)
    step = c.release(w.now)
    (release,) = step.sends
    assert release.message.message_type == RELEASE and release.dst == SID
    assert release.message.ciaddr == A("192.168.1.100") and release.src == A("192.168.1.100")
    assert step.deconfigure.interface.ip == A("192.168.1.100") and step.deadline is None
    assert c.state == STOPPED
    server.receive(release.message, w.now, SID)
    assert server.summary()["leases"] == []


def test_no_probe_binds_at_the_ack():
    client = DhcpClient(MAC, random.Random(2), probe_num=0)
    server = DhcpServer(SID, [pool()])
    offer = server.receive(client.start(0).sends[0].message, 0, SID)[0].message
    request = client.receive(offer, 0).sends[0].message
    step = client.receive(server.receive(request, 0, SID)[0].message, 0)
    assert step.configure is not None and client.state == BOUND
    assert client.state not in (RENEWING, REBINDING)
    ack = server.receive(request, 0, SID)[0].message
    assert ack.message_type == ACK
