"""NAPT translation (RFC 3022) on packets: rewriting both ways, checksums (RFC 1624
incremental updates equal a fresh sum; bad ones stay bad), port preservation and
allocation, exhaustion, the three mapping and filtering behaviours (RFC 4787),
static forwards, hairpinning, ICMP errors with their quoted headers (RFC 5508)."""

from ipaddress import IPv4Address as A

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.engine.drops import Drop
from simulator.stack.nat import Napt, adjust_checksum
from simulator.stack.nat_table import (ADDRESS_AND_PORT_DEPENDENT, ADDRESS_DEPENDENT,
                                       ENDPOINT_INDEPENDENT, NatConfig, StaticForward)
from simulator.wire.checksum import internet_checksum
from simulator.wire.icmp import IcmpDestUnreachable, IcmpEcho, IcmpTimeExceeded
from simulator.wire.ipv4 import PROTO_TCP, PROTO_UDP, IPv4Packet
from simulator.wire.tcp import ACK, SYN, TcpSegment
from simulator.wire.udp import UdpDatagram

PUBLIC = A("203.0.113.1")
PC, PC2 = A("192.168.1.10"), A("192.168.1.11")
SERVER, OTHER = A("198.51.100.10"), A("198.51.100.20")
S = 1_000_000_000


def napt(**kwargs):
    return Napt(NatConfig(PUBLIC, **kwargs))


def udp(src, dst, sport, dport, data=b"hello", wire=False):
    packet = IPv4Packet(src, dst, PROTO_UDP, UdpDatagram(sport, dport, data), ttl=64)
    return IPv4Packet.unpack(packet.pack()) if wire else packet


def tcp(src, dst, sport, dport, flags, wire=True):
    packet = IPv4Packet(src, dst, PROTO_TCP, TcpSegment(sport, dport, 1000, 0, flags, 65535))
    return IPv4Packet.unpack(packet.pack()) if wire else packet


def fresh(packet):
    """``packet`` rebuilt with every checksum summed anew."""
    p = packet.payload
    if isinstance(p, UdpDatagram):
        p = UdpDatagram(p.src_port, p.dst_port, p.payload)
    elif isinstance(p, TcpSegment):
        p = p.replace()
    elif isinstance(p, IcmpEcho):
        p = IcmpEcho(p.type, p.ident, p.seq, p.data)
    return IPv4Packet.unpack(packet.replace(payload=p).pack())


@given(st.binary(min_size=6, max_size=6), st.binary(min_size=6, max_size=6),
       st.binary(min_size=14, max_size=14))
def test_incremental_update_equals_a_fresh_checksum(old, new, rest):
    before = old + rest
    ck = internet_checksum(before)
    ck = ck or 0xFFFF
    after = new + rest
    assert adjust_checksum(ck, old, new) == (internet_checksum(after) or 0xFFFF)


def test_udp_out_and_back_with_incremental_checksums():
    n = napt()
    out = n.outbound(udp(PC, SERVER, 5000, 53, wire=True), 0)
    assert (out.packet.src, out.packet.payload.src_port) == (PUBLIC, 5000)   # preserved
    assert out.packet.payload.checksum == fresh(out.packet).payload.checksum
    assert out.events == [{"event": "nat.map", "proto": "udp",
                           "internal": "192.168.1.10:5000", "external": "203.0.113.1:5000",
                           "remote": "198.51.100.10:53"}]
    back = n.inbound(udp(SERVER, PUBLIC, 53, 5000, b"answer", wire=True), 1)
    assert (back.packet.dst, back.packet.payload.dst_port) == (PC, 5000)
    assert back.packet.payload.checksum == fresh(back.packet).payload.checksum
    assert back.packet.payload.verify_checksum(back.packet.src, back.packet.dst)
    assert n.counters == {"outbound": 1, "inbound": 1}


def test_locally_built_packets_keep_none_and_are_summed_at_pack():
    n = napt()
    out = n.outbound(udp(PC, SERVER, 5000, 53), 0).packet
    assert out.payload.checksum is None
    wire = IPv4Packet.unpack(out.pack())
    assert wire.verify_checksum() and wire.payload.verify_checksum(wire.src, wire.dst)


def test_a_bad_checksum_stays_bad_and_zero_stays_zero():
    n = napt()
    bad = udp(PC, SERVER, 5000, 53, wire=True)
    bad.payload.checksum ^= 0x0101
    out = n.outbound(bad, 0).packet
    assert not out.payload.verify_checksum(out.src, out.dst)
    none = udp(PC, SERVER, 5001, 53, wire=True)
    none.payload.checksum = 0
    assert n.outbound(none, 0).packet.payload.checksum == 0


def test_tcp_and_icmp_echo_translate_with_correct_checksums():
    n = napt()
    syn = n.outbound(tcp(PC, SERVER, 40000, 80, SYN), 0).packet
    assert (syn.src, syn.payload.src_port) == (PUBLIC, 40000)
    assert syn.payload.checksum == fresh(syn).payload.checksum
    echo = IPv4Packet.unpack(IPv4Packet(PC, SERVER, 1, IcmpEcho.request(7, 1, b"x" * 8)).pack())
    out = n.outbound(echo, 0).packet
    assert (out.src, out.payload.ident) == (PUBLIC, 7) and out.payload.verify_checksum()
    reply = IPv4Packet.unpack(IPv4Packet(SERVER, PUBLIC, 1, IcmpEcho.reply_to(out.payload)).pack())
    back = n.inbound(reply, 1).packet
    assert (back.dst, back.payload.ident) == (PC, 7) and back.payload.verify_checksum()


def test_port_taken_moves_to_the_next_free_one():
    n = napt()
    n.outbound(udp(PC, SERVER, 5000, 53), 0)
    second = n.outbound(udp(PC2, SERVER, 5000, 53), 0).packet
    assert second.payload.src_port == 5001
    low = n.outbound(udp(PC, SERVER, 53, 53), 0).packet      # below the pool: its start
    assert low.payload.src_port == 1024


def test_ports_exhausted_is_a_counted_drop():
    n = napt(ports=range(6000, 6002))
    n.outbound(udp(PC, SERVER, 1, 53), 0)
    n.outbound(udp(PC, SERVER, 2, 53), 0)
    result = n.outbound(udp(PC, SERVER, 3, 53), 0)
    assert result.packet is None and result.drop == Drop.NAT_PORTS_EXHAUSTED
    assert n.counters[Drop.NAT_PORTS_EXHAUSTED] == 1


def test_reserved_ports_of_the_gateway_are_skipped():
    n = Napt(NatConfig(PUBLIC), reserved=lambda proto, port: port == 5000)
    assert n.outbound(udp(PC, SERVER, 5000, 53), 0).packet.payload.src_port == 5001


@pytest.mark.parametrize("mapping, same_port", [
    (ENDPOINT_INDEPENDENT, (True, True)),
    (ADDRESS_DEPENDENT, (True, False)),
    (ADDRESS_AND_PORT_DEPENDENT, (False, False)),
])
def test_mapping_behaviours(mapping, same_port):
    n = napt(mapping=mapping)
    first = n.outbound(udp(PC, SERVER, 5000, 53), 0).packet.payload.src_port
    other_port = n.outbound(udp(PC, SERVER, 5000, 54), 0).packet.payload.src_port
    other_host = n.outbound(udp(PC, OTHER, 5000, 53), 0).packet.payload.src_port
    assert (first == other_port, first == other_host) == same_port


@pytest.mark.parametrize("filtering, admitted", [
    (ENDPOINT_INDEPENDENT, (True, True, True)),
    (ADDRESS_DEPENDENT, (True, True, False)),
    (ADDRESS_AND_PORT_DEPENDENT, (True, False, False)),
])
def test_filtering_behaviours(filtering, admitted):
    n = napt(filtering=filtering)
    n.outbound(udp(PC, SERVER, 5000, 53), 0)
    got = tuple(n.inbound(udp(src, PUBLIC, sport, 5000), 1).packet is not None
                for src, sport in ((SERVER, 53), (SERVER, 99), (OTHER, 53)))
    assert got == admitted
    assert n.counters[Drop.NAT_FILTERED] == admitted.count(False)


def test_unsolicited_inbound_is_dropped_but_the_gateways_own_traffic_is_not():
    n = napt()
    result = n.inbound(udp(SERVER, PUBLIC, 53, 7777), 0)
    assert result.packet is None and result.drop == Drop.NAT_NO_MAPPING
    local = n.inbound(udp(SERVER, PUBLIC, 53, 7777), 0, local=lambda proto, port: port == 7777)
    assert local.packet is not None and not local.translated
    ping = IPv4Packet(SERVER, PUBLIC, 1, IcmpEcho.request(1, 1))
    assert n.inbound(ping, 0).translated is False
    assert n.counters == {Drop.NAT_NO_MAPPING: 1}


def test_static_forward_admits_anyone_and_replies_use_it():
    n = napt(forwards=(StaticForward(PROTO_TCP, 8080, PC, 80),))
    inbound = n.inbound(tcp(OTHER, PUBLIC, 33000, 8080, SYN), 0).packet
    assert (inbound.dst, inbound.payload.dst_port) == (PC, 80)
    assert inbound.payload.checksum == fresh(inbound).payload.checksum
    reply = n.outbound(tcp(PC, OTHER, 80, 33000, SYN | ACK), 0).packet
    assert (reply.src, reply.payload.src_port) == (PUBLIC, 8080)
    row = n.summary()["table"][0]
    assert row == {"proto": "tcp", "internal": "192.168.1.10:80",
                   "external": "203.0.113.1:8080", "static": True, "expires_ns": None,
                   "states": ["established"], "remotes": ["198.51.100.20:33000"]}


def test_hairpin_gives_the_senders_external_endpoint():
    n = napt(filtering=ENDPOINT_INDEPENDENT)
    n.outbound(udp(PC2, SERVER, 6000, 53), 0)                 # PC2's mapping: public:6000
    hp = n.hairpin(udp(PC, PUBLIC, 5000, 6000, wire=True), 1)
    assert (hp.packet.src, hp.packet.payload.src_port) == (PUBLIC, 5000)
    assert (hp.packet.dst, hp.packet.payload.dst_port) == (PC2, 6000)
    assert hp.packet.payload.checksum == fresh(hp.packet).payload.checksum
    assert n.counters["hairpinned"] == 1
    assert n.hairpin(udp(PC, PUBLIC, 5000, 9999), 1).translated is False   # for the gateway


def test_udp_and_icmp_timeouts_and_refresh():
    n = napt()
    n.outbound(udp(PC, SERVER, 5000, 53), 0)
    n.inbound(udp(SERVER, PUBLIC, 53, 5000), 100 * S)         # inbound refreshes too
    assert n.table.next_expiry() == 400 * S
    assert n.table.expire(400 * S - 1) == []
    assert n.table.expire(400 * S) == [{"event": "nat.expire", "proto": "udp",
                                        "internal": "192.168.1.10:5000",
                                        "external": "203.0.113.1:5000",
                                        "lifetime_ns": 400 * S}]
    n.outbound(IPv4Packet(PC, SERVER, 1, IcmpEcho.request(9, 1)), 0)
    assert n.table.next_expiry() == 60 * S


def test_expired_mapping_no_longer_admits():
    n = napt(udp_timeout_ns=10 * S)
    n.outbound(udp(PC, SERVER, 5000, 53), 0)
    result = n.inbound(udp(SERVER, PUBLIC, 53, 5000), 10 * S)
    assert result.drop == Drop.NAT_NO_MAPPING
    assert result.events[0]["event"] == "nat.expire"


def test_tcp_state_decides_the_timeout():
    n = napt()
    n.outbound(tcp(PC, SERVER, 40000, 80, SYN), 0)
    assert n.table.next_expiry() == 240 * S                   # transitory while opening
    n.inbound(tcp(SERVER, PUBLIC, 80, 40000, SYN | ACK), S)
    assert n.table.next_expiry() == S + 7440 * S              # established: 2 h 4 min
    n.outbound(tcp(PC, SERVER, 40000, 80, 0x11), 2 * S)       # FIN, ACK
    assert n.table.next_expiry() == 2 * S + 7440 * S          # one FIN: still established
    n.inbound(tcp(SERVER, PUBLIC, 80, 40000, 0x11), 3 * S)
    assert n.table.next_expiry() == 3 * S + 240 * S           # FIN both ways: transitory
    n.outbound(tcp(PC, SERVER, 40001, 80, SYN), 0)
    n.inbound(tcp(SERVER, PUBLIC, 80, 40001, 0x04), S)        # RST
    states = {row["internal"]: row["states"] for row in n.summary()["table"]}
    assert states == {"192.168.1.10:40000": ["closing"], "192.168.1.10:40001": ["closed"]}


def _error_about(packet, kind=IcmpTimeExceeded, reporter=A("203.0.113.2")):
    message = kind(0, packet.quote()) if kind is IcmpTimeExceeded else kind(3, packet.quote())
    return IPv4Packet.unpack(IPv4Packet(reporter, packet.src, 1, message).pack())


@pytest.mark.parametrize("make", [
    lambda: udp(PC, SERVER, 5000, 53, wire=True),
    lambda: tcp(PC, SERVER, 40000, 80, SYN),
    lambda: IPv4Packet.unpack(IPv4Packet(PC, SERVER, 1, IcmpEcho.request(7, 1, b"abcd")).pack()),
])
def test_inbound_icmp_error_quote_is_translated_with_its_checksums(make):
    n = napt()
    original = make()
    out = n.outbound(original, 0).packet
    wire_out = IPv4Packet.unpack(out.forwarded().pack())
    error = _error_about(wire_out)
    back = n.inbound(error, 1).packet
    assert back.dst == PC and back.payload.verify_checksum()
    quoted = back.payload.quoted()
    assert quoted.src == PC and quoted.dst == SERVER
    expected = original.forwarded().quote()                   # what PC sent, one hop on
    assert back.payload.original == expected                  # every byte, checksums too
    assert n.counters["icmp_errors_inbound"] == 1


def test_outbound_icmp_error_about_an_inbound_packet():
    n = napt(filtering=ENDPOINT_INDEPENDENT)
    n.outbound(udp(PC, SERVER, 5000, 53), 0)
    arrived = n.inbound(udp(OTHER, PUBLIC, 9, 5000, wire=True), 1).packet
    error = IPv4Packet.unpack(IPv4Packet(PC, OTHER, 1, IcmpDestUnreachable(
        3, arrived.quote())).pack())
    out = n.outbound(error, 2).packet
    assert out.src == PUBLIC and out.payload.verify_checksum()
    assert out.payload.original == udp(OTHER, PUBLIC, 9, 5000, wire=True).quote()
    unrelated = IPv4Packet(PC, OTHER, 1, IcmpDestUnreachable(3, udp(OTHER, PC, 1, 2).quote()))
    assert n.outbound(unrelated, 2).drop == Drop.NAT_UNTRANSLATABLE


def test_fragments_and_other_protocols_are_not_translated():
    n = napt()
    fragment = udp(PC, SERVER, 5000, 53).replace(mf=True, payload=b"12345678")
    assert n.outbound(fragment, 0).drop == Drop.NAT_UNTRANSLATABLE
    gre = IPv4Packet(PC, SERVER, 47, b"\x00" * 8)
    assert n.outbound(gre, 0).drop == Drop.NAT_UNTRANSLATABLE


def test_bad_behaviour_name_is_refused():
    with pytest.raises(ValueError, match="mapping"):
        NatConfig(PUBLIC, mapping="symmetric")
