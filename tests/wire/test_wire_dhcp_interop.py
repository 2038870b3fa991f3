"""DHCP against references nobody here wrote: scapy decodes our bytes to the same
fields and we decode scapy's (packing them back byte for byte); tshark reads a pcap of
a whole DORA + renew + decline + release exchange with no malformed frame, good
checksums, our fields, and our info() as its Info column."""

from ipaddress import IPv4Address

import pytest

from simulator.phy.pcap import PcapWriter
from simulator.wire.addr import MacAddress
from simulator.wire.dhcp import (ACK, BOOTREPLY, BOOTREQUEST, BROADCAST_FLAG, CLIENT_PORT,
                                 DECLINE, DISCOVER, INFORM, NAK, OFFER, OPT_CLIENT_ID, OPT_DNS,
                                 OPT_DOMAIN_NAME, OPT_HOST_NAME, OPT_LEASE_TIME,
                                 OPT_MESSAGE_TYPE, OPT_PARAMETER_REQUEST_LIST,
                                 OPT_REQUESTED_IP, OPT_ROUTER, OPT_SERVER_ID, OPT_SUBNET_MASK,
                                 OPT_T1, OPT_T2, RELEASE, REQUEST, SERVER_PORT, DhcpMessage)
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.udp import UdpDatagram
from tests.tshark import clean, tshark_fields, tshark_problems

scapy_dhcp = pytest.importorskip("scapy.layers.dhcp")
BOOTP, DHCP = scapy_dhcp.BOOTP, scapy_dhcp.DHCP

MAC = MacAddress("02:00:00:00:00:2a")
SERVER_MAC = MacAddress("02:00:00:00:00:01")
SERVER = IPv4Address("192.168.1.1")
LEASED = IPv4Address("192.168.1.100")
XID = 0x3903F326
SCAPY_TYPES = {DISCOVER: "discover", OFFER: "offer", REQUEST: "request", DECLINE: "decline",
               ACK: "ack", NAK: "nak", RELEASE: "release", INFORM: "inform"}


def reply_options(kind):
    return [(OPT_MESSAGE_TYPE, kind), (OPT_SERVER_ID, SERVER), (OPT_LEASE_TIME, 3600),
            (OPT_T1, 1800), (OPT_T2, 3150), (OPT_SUBNET_MASK, "255.255.255.0"),
            (OPT_ROUTER, [SERVER]), (OPT_DNS, [SERVER, "9.9.9.9"]),
            (OPT_DOMAIN_NAME, "home.arpa")]


def exchange():
    """(src ip, dst ip, sport, dport, message) for the messages of a client's life."""
    prl = (OPT_PARAMETER_REQUEST_LIST, (1, 3, 6, 15, 51, 58, 59))
    cid = (OPT_CLIENT_ID, b"\x01" + MAC)
    zero, bcast = IPv4Address(0), IPv4Address("255.255.255.255")
    req, rep = BOOTREQUEST, BOOTREPLY
    return [
        (zero, bcast, 68, 67, DhcpMessage(req, XID, MAC, [(OPT_MESSAGE_TYPE, DISCOVER), cid,
                                                          (OPT_HOST_NAME, "pc1"), prl],
                                          flags=BROADCAST_FLAG)),
        (SERVER, bcast, 67, 68, DhcpMessage(rep, XID, MAC, reply_options(OFFER),
                                            yiaddr=LEASED, flags=BROADCAST_FLAG)),
        (zero, bcast, 68, 67, DhcpMessage(req, XID, MAC, [(OPT_MESSAGE_TYPE, REQUEST), cid,
                                                          (OPT_REQUESTED_IP, LEASED),
                                                          (OPT_SERVER_ID, SERVER), prl],
                                          secs=4, flags=BROADCAST_FLAG)),
        (SERVER, bcast, 67, 68, DhcpMessage(rep, XID, MAC, reply_options(ACK),
                                            yiaddr=LEASED, flags=BROADCAST_FLAG)),
        (LEASED, SERVER, 68, 67, DhcpMessage(req, XID + 1, MAC, [(OPT_MESSAGE_TYPE, REQUEST),
                                                                 cid, prl], ciaddr=LEASED)),
        (SERVER, LEASED, 67, 68, DhcpMessage(rep, XID + 1, MAC, reply_options(ACK),
                                             ciaddr=LEASED, yiaddr=LEASED)),
        (zero, bcast, 68, 67, DhcpMessage(req, XID + 2, MAC, [(OPT_MESSAGE_TYPE, DECLINE), cid,
                                                              (OPT_REQUESTED_IP, LEASED),
                                                              (OPT_SERVER_ID, SERVER)])),
        (SERVER, bcast, 67, 68, DhcpMessage(rep, XID + 3, MAC, [(OPT_MESSAGE_TYPE, NAK),
                                                                (OPT_SERVER_ID, SERVER)],
                                            flags=BROADCAST_FLAG)),
        (LEASED, SERVER, 68, 67, DhcpMessage(req, XID + 4, MAC, [(OPT_MESSAGE_TYPE, INFORM),
                                                                 cid, prl], ciaddr=LEASED)),
        (LEASED, SERVER, 68, 67, DhcpMessage(req, XID + 5, MAC, [(OPT_MESSAGE_TYPE, RELEASE),
                                                                 cid, (OPT_SERVER_ID, SERVER)],
                                             ciaddr=LEASED, giaddr="10.9.9.1", hops=1)),
        (SERVER, LEASED, 67, 68, DhcpMessage(rep, 0x2A, MAC, [(OPT_MESSAGE_TYPE, 9)])),
    ]


@pytest.mark.parametrize("index", [i for i, (*_, msg) in enumerate(exchange())
                                   if msg.message_type in SCAPY_TYPES])  # RFC 2131's types
def test_scapy_decodes_our_bytes(index):
    *_, msg = exchange()[index]
    theirs = BOOTP(msg.pack())
    assert (theirs.op, theirs.xid, theirs.secs, theirs.flags, theirs.hops) == (
        msg.op, msg.xid, msg.secs, msg.flags, msg.hops)
    for field in ("ciaddr", "yiaddr", "siaddr", "giaddr"):
        assert theirs.getfieldval(field) == str(getattr(msg, field))
    assert theirs.chaddr == msg.chaddr
    got = {opt[0]: opt[1:] for opt in theirs[DHCP].options if isinstance(opt, tuple)}
    assert got["message-type"] == (SCAPY_TYPES[msg.message_type],) or \
        got["message-type"] == (msg.message_type,)
    names = {OPT_SERVER_ID: "server_id", OPT_REQUESTED_IP: "requested_addr",
             OPT_LEASE_TIME: "lease_time", OPT_T1: "renewal_time", OPT_T2: "rebinding_time",
             OPT_SUBNET_MASK: "subnet_mask", OPT_ROUTER: "router", OPT_DNS: "name_server",
             OPT_DOMAIN_NAME: "domain", OPT_HOST_NAME: "hostname", OPT_CLIENT_ID: "client_id",
             OPT_PARAMETER_REQUEST_LIST: "param_req_list"}
    for code, value in msg.options:
        if code == OPT_MESSAGE_TYPE:
            continue
        theirs_value = got[names[code]]
        if isinstance(value, tuple) and code != OPT_PARAMETER_REQUEST_LIST:
            assert theirs_value == tuple(str(a) for a in value)
        elif code == OPT_PARAMETER_REQUEST_LIST:
            assert tuple(theirs_value[0]) == value
        elif isinstance(value, str):
            assert theirs_value == (value.encode(),)
        elif isinstance(value, IPv4Address):
            assert theirs_value == (str(value),)
        else:
            assert theirs_value == (value,)


def test_we_decode_scapys_bytes_and_pack_them_back():
    theirs = BOOTP(op=2, xid=0xDEADBEEF, chaddr=bytes(MAC), yiaddr="10.1.2.3",
                   giaddr="10.1.2.1", hops=2, flags=0x8000) / DHCP(options=[
                       ("message-type", "offer"), ("server_id", "10.0.0.53"),
                       ("lease_time", 7200), ("subnet_mask", "255.255.254.0"),
                       ("router", "10.1.2.1"), ("name_server", "10.0.0.53", "10.0.0.54"),
                       ("domain", b"campus.example"), ("relay_agent_information", b"\x01\x02ab"),
                       "end"])
    data = bytes(theirs)
    ours = DhcpMessage.unpack(data)
    assert ours.pack() == data
    assert ours.message_type == OFFER and ours.xid == 0xDEADBEEF and ours.hops == 2
    assert ours.yiaddr == IPv4Address("10.1.2.3") and ours.giaddr == IPv4Address("10.1.2.1")
    assert ours.broadcast and ours.client_mac == MAC
    assert ours.option(OPT_DNS) == (IPv4Address("10.0.0.53"), IPv4Address("10.0.0.54"))
    assert ours.option(OPT_LEASE_TIME) == 7200
    assert ours.option(OPT_SUBNET_MASK) == IPv4Address("255.255.254.0")
    assert ours.option(OPT_DOMAIN_NAME) == "campus.example"
    assert ours.option(82) == b"\x01\x02ab"                 # unknown to us: raw


def frames():
    out = []
    for src, dst, sport, dport, msg in exchange():
        to_client = sport == SERVER_PORT
        dst_mac = MacAddress.BROADCAST if dst.packed[3] == 255 else (MAC if to_client else SERVER_MAC)
        out.append(EthernetFrame(dst_mac, SERVER_MAC if to_client else MAC, 0x0800,
                                 IPv4Packet(src, dst, 17, UdpDatagram(sport, dport, msg.pack()),
                                            ttl=64 if to_client else 128)))
    return out


def test_tshark_reads_our_dhcp_clean(tmp_path):
    path = tmp_path / "dhcp.pcap"
    writer = PcapWriter(path)
    for i, frame in enumerate(frames()):
        writer.write(i * 1_000_000, frame)
    writer.close()
    assert tshark_problems(path) == clean(len(exchange()))
    rows = tshark_fields(path, ["_ws.col.Info", "dhcp.option.dhcp", "dhcp.id", "dhcp.ip.your",
                                "dhcp.option.router", "dhcp.option.domain_name_server",
                                "dhcp.option.ip_address_lease_time", "dhcp.option.domain_name",
                                "dhcp.hw.mac_addr", "udp.dstport"])
    for row, (_, _, _, dport, msg) in zip(rows, exchange()):
        assert row["_ws.col.Info"] == msg.info()
        assert row["dhcp.option.dhcp"] == str(msg.message_type)
        if msg.message_type not in SCAPY_TYPES:
            continue                                        # Force Renew (RFC 3203)
        assert int(row["dhcp.id"], 16) == msg.xid
        assert row["dhcp.ip.your"] == str(msg.yiaddr)
        assert row["dhcp.hw.mac_addr"].split(",")[0] == str(MAC)   # chaddr, then client id
        assert row["udp.dstport"] == str(dport) and dport in (CLIENT_PORT, SERVER_PORT)
        if msg.option(OPT_ROUTER):
            assert row["dhcp.option.router"] == "192.168.1.1"
            assert row["dhcp.option.domain_name_server"] == "192.168.1.1,9.9.9.9"
            assert row["dhcp.option.ip_address_lease_time"] == "3600"
            assert row["dhcp.option.domain_name"] == "home.arpa"
