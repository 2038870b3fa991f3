"""``packet_texts`` memoises a datagram's trace texts in the packet's ``texts`` slot:
every router's copy (``IPv4Packet.forwarded``) shares them, while a packet built
anew (a NAT rewrite through ``replace``, a fragment, a decoded one) gets its own,
describing its own fields."""

import json
from ipaddress import IPv4Address

from simulator.phy.link import packet_texts
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.udp import UdpDatagram

SRC, DST, PUBLIC = IPv4Address("10.0.0.10"), IPv4Address("10.0.9.20"), IPv4Address("203.0.113.1")


def fields(json_fields: bytes) -> dict:
    return json.loads(b"{" + json_fields[:-1] + b"}")


def test_every_hops_copy_shares_the_texts_made_once():
    packet = IPv4Packet(SRC, DST, 17, UdpDatagram(40000, 9, bytes(954)), identification=7)
    assert packet.texts is None
    texts = packet_texts(packet)
    hop = packet.forwarded().forwarded()
    assert packet.texts is texts and hop.texts is texts and packet_texts(hop) is texts
    assert texts[:4] == ("40000 → 9 Len=954", "UDP", "10.0.0.10", "10.0.9.20")
    assert fields(texts[4][0]) == {"ip_src": "10.0.0.10", "dst": "10.0.9.20", "ip_id": 7}
    assert fields(texts[4][1]) == {"info": "40000 → 9 Len=954", "proto": "UDP",
                                   "ip_src": "10.0.0.10", "ip_dst": "10.0.9.20", "ip_id": 7}


def test_a_rewritten_packet_gets_texts_of_its_own_fields():
    packet = IPv4Packet(SRC, DST, 17, UdpDatagram(40000, 9, bytes(954)), identification=7)
    packet_texts(packet)
    natted = packet.forwarded().replace(src=PUBLIC, identification=8)   # as a NAPT does
    assert natted.texts is None
    texts = packet_texts(natted)
    assert texts[2] == "203.0.113.1" and fields(texts[4][0])["ip_id"] == 8
    assert packet_texts(packet)[2] == "10.0.0.10"
    decoded = IPv4Packet.unpack(packet.pack())
    assert decoded.texts is None and packet_texts(decoded)[:4] == packet_texts(packet)[:4]


def test_a_fragments_texts_are_made_each_time_not_kept():
    fragment = IPv4Packet(SRC, DST, 17, bytes(1480), identification=0x1C46, mf=True)
    texts = packet_texts(fragment)
    assert fragment.texts is None and fragment.forwarded().texts is None
    assert texts[0] == "Fragmented IP protocol (proto=UDP 17, off=0, ID=1c46)"
    assert packet_texts(fragment) == texts and packet_texts(fragment) is not texts
