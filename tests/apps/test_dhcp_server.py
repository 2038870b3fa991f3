"""The DHCP server (RFC 2131 §4.3): offers, ACK/NAK rules, reservations, DECLINE,
RELEASE, INFORM, expiry, exhaustion, several pools, where replies go (§4.1)."""

from ipaddress import IPv4Address as A

import pytest

from simulator.apps.dhcp.server import DhcpServer, Pool
from simulator.apps.dhcp.transmit import BROADCAST, SECOND
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, DECLINE,
                                 DISCOVER, INFORM, NAK, OFFER, OPT_CLIENT_ID, OPT_DNS,
                                 OPT_DOMAIN_NAME, OPT_LEASE_TIME, OPT_MESSAGE_TYPE,
                                 OPT_PARAMETER_REQUEST_LIST, OPT_REQUESTED_IP, OPT_ROUTER,
                                 OPT_SERVER_ID, OPT_SUBNET_MASK, OPT_T1, OPT_T2, RELEASE,
                                 REQUEST, DhcpMessage)

SID = A("192.168.1.1")
M1, M2, M3 = (MacAddress.local(n) for n in (1, 2, 3))


def server(**kwargs):
    pool = Pool("192.168.1.0/24", "192.168.1.100", "192.168.1.102", routers=[SID],
                dns_servers=[SID], domain="home.arpa", lease_time_s=3600,
                reservations=kwargs.pop("reservations", {}))
    return DhcpServer(SID, [pool], **kwargs)


def msg(kind, mac=M1, xid=1, options=(), **fields):
    return DhcpMessage(BOOTREQUEST, xid, mac, [(OPT_MESSAGE_TYPE, kind), *options], **fields)


def dora(s, mac=M1, now=0, xid=1):
    offer = s.receive(msg(DISCOVER, mac, xid, flags=BROADCAST_FLAG), now, SID)[0].message
    ack = s.receive(msg(REQUEST, mac, xid, [(OPT_REQUESTED_IP, offer.yiaddr),
                                            (OPT_SERVER_ID, SID)], flags=BROADCAST_FLAG),
                    now, SID)[0]
    return offer, ack


def test_offer_then_ack_with_the_pool_options_broadcast():
    s = server()
    offer, ack = dora(s)
    assert offer.message_type == OFFER and offer.yiaddr == A("192.168.1.100")
    assert ack.message.message_type == ACK and ack.message.yiaddr == A("192.168.1.100")
    assert (ack.dst, ack.port, ack.src, ack.mac) == (BROADCAST, 68, SID, None)
    assert ack.message.options == (
        (OPT_MESSAGE_TYPE, ACK), (OPT_SERVER_ID, SID), (OPT_LEASE_TIME, 3600),
        (OPT_T1, 1800), (OPT_T2, 3150), (OPT_SUBNET_MASK, A("255.255.255.0")),
        (OPT_ROUTER, (SID,)), (OPT_DNS, (SID,)), (OPT_DOMAIN_NAME, "home.arpa"))
    assert ack.message.op == BOOTREPLY and ack.message.xid == 1
    assert s.summary()["leases"] == [{"address": "192.168.1.100", "mac": str(M1),
                                      "state": "bound", "expires_ns": 3600 * SECOND}]


def test_only_the_parameters_asked_for():
    s = server()
    reply = s.receive(msg(DISCOVER, options=[(OPT_PARAMETER_REQUEST_LIST, (1, 3))]), 0, SID)
    codes = [c for c, _ in reply[0].message.options]
    assert codes == [OPT_MESSAGE_TYPE, OPT_SERVER_ID, OPT_LEASE_TIME, OPT_T1, OPT_T2,
                     OPT_SUBNET_MASK, OPT_ROUTER]


def test_unicast_to_chaddr_without_the_broadcast_flag():
    s = server()
    reply = s.receive(msg(DISCOVER), 0, SID)[0]
    assert (reply.dst, reply.mac) == (A("192.168.1.100"), M1)


def test_offers_are_held_and_distinct_until_they_expire():
    s = server(offer_hold_ns=60 * SECOND)
    a = s.receive(msg(DISCOVER, M1), 0, SID)[0].message.yiaddr
    b = s.receive(msg(DISCOVER, M2), 0, SID)[0].message.yiaddr
    assert (a, b) == (A("192.168.1.100"), A("192.168.1.101"))
    assert s.receive(msg(DISCOVER, M1, xid=9), 1, SID)[0].message.yiaddr == a   # held again
    assert s.expire(60 * SECOND) == [
        {"event": "dhcp_offered_expired", "address": "192.168.1.101", "mac": str(M2)}]
    assert s.receive(msg(DISCOVER, M3), 60 * SECOND, SID)[0].message.yiaddr == b
    assert s.expire(60 * SECOND + 1) == [
        {"event": "dhcp_offered_expired", "address": "192.168.1.100", "mac": str(M1)}]


def test_exhausted_pool_sends_no_offer_and_counts():
    s = server()
    for n in range(3):
        dora(s, MacAddress.local(10 + n))
    assert s.receive(msg(DISCOVER, M1), 0, SID) == []
    assert s.counters["exhausted"] == 1 and s.counters["offer"] == 3


def test_reservation_by_mac_and_not_given_to_others():
    s = server(reservations={M2: "192.168.1.100"})
    assert s.receive(msg(DISCOVER, M1), 0, SID)[0].message.yiaddr == A("192.168.1.101")
    assert s.receive(msg(DISCOVER, M2), 0, SID)[0].message.yiaddr == A("192.168.1.100")


def test_requested_address_is_honoured_when_free():
    s = server()
    reply = s.receive(msg(DISCOVER, options=[(OPT_REQUESTED_IP, A("192.168.1.102"))]), 0, SID)
    assert reply[0].message.yiaddr == A("192.168.1.102")


def test_client_identifier_keys_the_lease():
    s = server()
    cid = [(OPT_CLIENT_ID, b"\x00laptop")]
    first = s.receive(msg(DISCOVER, M1, options=cid), 0, SID)[0].message.yiaddr
    again = s.receive(msg(DISCOVER, M2, options=cid), 0, SID)[0].message.yiaddr
    assert first == again                         # same client id, another NIC


def test_request_for_another_servers_offer_frees_ours():
    s = server()
    s.receive(msg(DISCOVER), 0, SID)
    out = s.receive(msg(REQUEST, options=[(OPT_REQUESTED_IP, A("10.0.0.5")),
                                          (OPT_SERVER_ID, A("192.168.1.2"))]), 0, SID)
    assert out == [] and s.summary()["leases"] == []


def test_request_for_a_wrong_address_is_naked_broadcast():
    s = server()
    s.receive(msg(DISCOVER), 0, SID)
    out = s.receive(msg(REQUEST, options=[(OPT_REQUESTED_IP, A("192.168.1.102")),
                                          (OPT_SERVER_ID, SID)]), 0, SID)[0]
    assert out.message.message_type == NAK and out.dst == BROADCAST
    assert [c for c, _ in out.message.options] == [OPT_MESSAGE_TYPE, OPT_SERVER_ID]


def test_renew_extends_and_unknown_renew_is_naked():
    s = server()
    dora(s)
    renew = msg(REQUEST, xid=5, ciaddr="192.168.1.100")
    out = s.receive(renew, 1000 * SECOND, SID)[0]
    assert out.message.message_type == ACK and (out.dst, out.mac) == (A("192.168.1.100"), None)
    assert out.message.ciaddr == A("192.168.1.100")
    assert s.leases[renew.client_key()].expires_ns == 4600 * SECOND
    stranger = s.receive(msg(REQUEST, M2, ciaddr="192.168.1.100"), 0, SID)[0]
    assert stranger.message.message_type == NAK


def test_init_reboot_rules():
    s = server()
    dora(s)
    ask = [(OPT_REQUESTED_IP, A("192.168.1.100"))]
    assert s.receive(msg(REQUEST, options=ask), 0, SID)[0].message.message_type == ACK
    wrong_net = [(OPT_REQUESTED_IP, A("10.1.1.1"))]
    assert s.receive(msg(REQUEST, M2, options=wrong_net), 0, SID)[0].message.message_type == NAK
    assert s.receive(msg(REQUEST, M2, options=ask), 0, SID)[0].message.message_type == NAK
    unknown = [(OPT_REQUESTED_IP, A("192.168.1.101"))]
    assert s.receive(msg(REQUEST, M2, options=unknown), 0, SID) == []   # no record: silent


def test_decline_marks_the_address_in_use_for_the_hold_time():
    s = server(decline_hold_ns=600 * SECOND)
    offer, _ = dora(s)
    s.receive(msg(DECLINE, options=[(OPT_REQUESTED_IP, offer.yiaddr), (OPT_SERVER_ID, SID)]),
              0, SID)
    assert s.summary()["declined"] == ["192.168.1.100"]
    assert s.receive(msg(DISCOVER, M1, xid=2), 1, SID)[0].message.yiaddr == A("192.168.1.101")
    s.expire(600 * SECOND)
    assert s.summary()["declined"] == []


def test_release_frees_and_the_client_gets_its_previous_address_back():
    s = server()
    dora(s, M1)
    s.receive(msg(RELEASE, ciaddr="192.168.1.100", options=[(OPT_SERVER_ID, SID)]), 0, SID)
    assert s.summary()["leases"] == []
    dora(s, M2)                                    # takes .100 (lowest free) ...
    s.receive(msg(RELEASE, M2, ciaddr="192.168.1.100", options=[(OPT_SERVER_ID, SID)]), 0, SID)
    assert dora(s, M1)[0].yiaddr == A("192.168.1.100")   # ... M1's previous binding


def test_lease_expiry_event_and_next_expiry():
    s = server()
    dora(s)
    assert s.next_expiry() == 3600 * SECOND
    assert s.expire(3600 * SECOND - 1) == []
    assert s.expire(3600 * SECOND) == [
        {"event": "dhcp_bound_expired", "address": "192.168.1.100", "mac": str(M1)}]
    assert s.next_expiry() is None


def test_inform_gets_options_and_no_lease():
    s = server()
    out = s.receive(msg(INFORM, ciaddr="192.168.1.50"), 0, SID)[0]
    codes = [c for c, _ in out.message.options]
    assert out.message.message_type == ACK and out.message.yiaddr == A(0)
    assert OPT_LEASE_TIME not in codes and OPT_ROUTER in codes
    assert out.dst == A("192.168.1.50")


def test_relayed_requests_pick_the_pool_of_giaddr_and_reply_to_the_relay():
    pools = [Pool("10.1.0.0/24", "10.1.0.10", "10.1.0.20", routers=["10.1.0.1"]),
             Pool("10.2.0.0/24", "10.2.0.10", "10.2.0.20", routers=["10.2.0.1"])]
    s = DhcpServer("10.0.0.53", pools)
    out = s.receive(msg(DISCOVER, giaddr="10.2.0.1", hops=1), 0, A("10.0.0.53"))[0]
    assert out.message.yiaddr == A("10.2.0.10") and out.message.giaddr == A("10.2.0.1")
    assert (out.dst, out.port) == (A("10.2.0.1"), 67)
    nak = s.receive(msg(REQUEST, giaddr="10.2.0.1", options=[
        (OPT_REQUESTED_IP, A("10.2.0.11")), (OPT_SERVER_ID, A("10.0.0.53"))]), 0, None)[0]
    assert nak.message.message_type == NAK and nak.message.broadcast   # §4.3.2
    assert s.receive(msg(DISCOVER, giaddr="10.9.0.1"), 0, None) == []
    assert s.counters["no_pool"] == 1


def test_replies_and_unknown_types_are_ignored():
    s = server()
    reply = DhcpMessage(BOOTREPLY, 1, M1, [(OPT_MESSAGE_TYPE, OFFER)])
    assert s.receive(reply, 0, SID) == [] and s.receive(msg(13), 0, SID) == []
    assert s.counters["ignored"] == 2


def test_pool_outside_its_network_is_refused():
    with pytest.raises(ValueError, match="not a range"):
        Pool("10.0.0.0/24", "10.0.0.10", "10.0.1.5")
