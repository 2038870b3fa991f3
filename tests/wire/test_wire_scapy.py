"""Cross-checks against scapy: our bytes decode in scapy to the same fields with the
checksums scapy itself computes, and scapy's bytes decode in ours and pack back
byte for byte."""

import pytest

pytest.importorskip("scapy")

from scapy.layers.inet import (ICMP, IP, TCP, UDP, IPerror, IPOption_Router_Alert,  # noqa: E402
                               UDPerror)
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

from simulator.wire import (ArpPacket, EthernetFrame, IcmpDestUnreachable,  # noqa: E402
                            IcmpEcho, IcmpTimeExceeded, IPv4Address, IPv4Packet, MacAddress,
                            TcpSegment, UdpDatagram)
from simulator.wire.tcp import ACK, CWR, ECE, FIN, PSH, SYN, URG  # noqa: E402
from simulator.wire.tcp_options import (Eol, Mss, Nop, Sack, SackPermitted,  # noqa: E402
                                        Timestamps, UnknownOption, WindowScale)

A, B = IPv4Address("10.0.0.1"), IPv4Address("192.168.7.20")
M1, M2 = MacAddress.local(1), MacAddress.local(2)


def recomputed(pkt, layer):
    """The checksum scapy computes for ``layer`` of ``pkt`` (field deleted and rebuilt)."""
    copy = pkt.copy()
    del copy[layer].chksum
    return type(pkt)(bytes(copy))[layer].chksum


def scapy_options(options):
    out = []
    for o in options:
        if isinstance(o, Mss):
            out.append(("MSS", o.value))
        elif isinstance(o, WindowScale):
            out.append(("WScale", o.shift))
        elif isinstance(o, SackPermitted):
            out.append(("SAckOK", b""))
        elif isinstance(o, Sack):
            out.append(("SAck", tuple(edge for block in o.blocks for edge in block)))
        elif isinstance(o, Timestamps):
            out.append(("Timestamp", (o.tsval, o.tsecr)))
        elif isinstance(o, Nop):
            out.append(("NOP", None))
        elif isinstance(o, Eol):
            out.append(("EOL", None))
        else:
            out.append((o.kind, o.data))
    return out


def eth(payload, ethertype=0x0800):
    return EthernetFrame(M2, M1, ethertype, payload)


SEGMENTS = [
    TcpSegment(50000, 80, 1000, 0, SYN | ECE | CWR, 65535,
               options=(Mss(1460), WindowScale(7), SackPermitted(), Timestamps(5, 6),
                        UnknownOption(30, b"\x01\x02"))),
    TcpSegment(80, 50000, 7, 1001, ACK, 501,
               options=(Nop(), Nop(), Sack([(1, 2), (3, 4), (5, 6)]), Timestamps(9, 5))),
    TcpSegment(50000, 80, 2**32 - 1, 12345, FIN | PSH | ACK | URG, 0, b"x" * 1001, urgent=1),
    TcpSegment(1, 2, 3, 4, ACK, 5, b"odd", options=(Mss(536), Nop())),
]


@pytest.mark.parametrize("seg", SEGMENTS, ids=range(len(SEGMENTS)))
def test_tcp_ours_to_scapy(seg):
    data = eth(IPv4Packet(A, B, 6, seg, identification=77, df=True)).pack()
    p = Ether(data)
    t = p[TCP]
    assert (t.sport, t.dport, t.seq, t.ack, int(t.flags), t.window, t.urgptr) == \
        (seg.src_port, seg.dst_port, seg.seq, seg.ack, seg.flags, seg.window, seg.urgent)
    assert t.dataofs * 4 == seg.header_len
    assert t.options == scapy_options(seg.options)
    assert bytes(t.payload) == seg.payload
    assert t.chksum == recomputed(p, TCP)
    assert p[IP].chksum == recomputed(p, IP)
    assert (p[IP].src, p[IP].dst, p[IP].id, p[IP].flags.DF) == (str(A), str(B), 77, True)


@pytest.mark.parametrize("seg", SEGMENTS, ids=range(len(SEGMENTS)))
def test_tcp_scapy_to_ours(seg):
    sp = (Ether(src=str(M1), dst=str(M2)) / IP(src=str(A), dst=str(B), ttl=9)
          / TCP(sport=seg.src_port, dport=seg.dst_port, seq=seg.seq, ack=seg.ack,
                flags=seg.flags, window=seg.window, urgptr=seg.urgent,
                options=scapy_options(seg.options)) / seg.payload)
    data = bytes(sp)
    frame = EthernetFrame.unpack(data)
    ours = frame.payload.payload
    assert ours == seg and ours.verify_checksum(A, B)
    assert frame.payload.ttl == 9 and frame.payload.verify_checksum()
    assert frame.pack() == data


def test_udp_and_ip_options_both_ways():
    ours = eth(IPv4Packet(A, B, 17, UdpDatagram(50000, 4000, b"hello"), ttl=1, dscp=10, ecn=1,
                          options=b"\x94\x04\x00\x00"))
    p = Ether(ours.pack())
    assert p[IP].ihl == 6 and p[IP].tos == (10 << 2) | 1 and p[IP].ttl == 1
    assert isinstance(p[IP].options[0], IPOption_Router_Alert)
    assert (p[UDP].sport, p[UDP].dport, p[UDP].len, p[Raw].load) == (50000, 4000, 13, b"hello")
    assert p[UDP].chksum == recomputed(p, UDP) and p[IP].chksum == recomputed(p, IP)
    sp = (Ether(src=str(M1), dst=str(M2))
          / IP(src=str(A), dst=str(B), id=0, ttl=1, tos=41, options=[IPOption_Router_Alert()])
          / UDP(sport=50000, dport=4000) / b"hello")
    data = bytes(sp).ljust(60, b"\x00")   # scapy leaves padding to the NIC
    back = EthernetFrame.unpack(data)
    assert back == ours and back.pack() == data
    assert back.payload.payload.verify_checksum(A, B)


def test_arp_both_ways():
    req = eth(ArpPacket.request(M1, A, B), 0x0806).pack()
    p = Ether(req)
    assert (p[ARP].op, p[ARP].hwsrc, p[ARP].psrc, p[ARP].hwdst, p[ARP].pdst) == \
        (1, str(M1), str(A), "00:00:00:00:00:00", str(B))
    sp = Ether(src=str(M2), dst=str(M1)) / ARP(op=2, hwsrc=str(M2), psrc=str(B),
                                               hwdst=str(M1), pdst=str(A))
    data = bytes(sp).ljust(60, b"\x00")
    back = EthernetFrame.unpack(data)
    assert back.payload == ArpPacket(2, M2, B, M1, A)
    assert back.pack() == data


def test_icmp_echo_both_ways():
    ours = IPv4Packet(A, B, 1, IcmpEcho.request(0x1234, 3, b"ping-data"))
    p = IP(ours.pack())
    assert (p[ICMP].type, p[ICMP].code, p[ICMP].id, p[ICMP].seq) == (8, 0, 0x1234, 3)
    assert bytes(p[ICMP].payload) == b"ping-data" and p[ICMP].chksum == recomputed(p, ICMP)
    data = bytes(IP(src=str(B), dst=str(A)) / ICMP(type=0, id=0x1234, seq=3) / b"ping-data")
    back = IPv4Packet.unpack(data)
    assert back.payload == IcmpEcho.reply_to(ours.payload) and back.pack() == data


def offending():
    return IPv4Packet(B, A, 17, UdpDatagram(40000, 33434, b"0123456789"), ttl=1,
                      identification=0x99)


@pytest.mark.parametrize("msg, code, mtu", [
    (IcmpDestUnreachable(3, offending().quote()), 3, 0),
    (IcmpDestUnreachable(4, offending().quote(), next_hop_mtu=1400), 4, 1400),
    (IcmpTimeExceeded(0, offending().quote()), 0, None),
])
def test_icmp_errors_ours_to_scapy(msg, code, mtu):
    p = IP(IPv4Packet(A, B, 1, msg).pack())
    icmp = p[ICMP]
    assert (icmp.type, icmp.code) == (msg.type, code)
    if mtu is not None:
        assert icmp.nexthopmtu == mtu
    assert icmp.chksum == recomputed(p, ICMP)
    assert p[IPerror].src == str(B) and p[IPerror].id == 0x99 and p[IPerror].ttl == 1
    assert (p[UDPerror].sport, p[UDPerror].dport) == (40000, 33434)


@pytest.mark.parametrize("type_, code, mtu, cls", [
    (3, 3, 0, IcmpDestUnreachable), (3, 4, 1280, IcmpDestUnreachable),
    (11, 0, 0, IcmpTimeExceeded), (11, 1, 0, IcmpTimeExceeded)])
def test_icmp_errors_scapy_to_ours(type_, code, mtu, cls):
    quoted = IP(src=str(B), dst=str(A), id=5) / TCP(sport=40000, dport=443, seq=777)
    icmp = ICMP(type=type_, code=code, nexthopmtu=mtu) if type_ == 3 else ICMP(type=11, code=code)
    data = bytes(IP(src=str(A), dst=str(B)) / icmp / bytes(quoted)[:28])
    back = IPv4Packet.unpack(data)
    msg = back.payload
    assert type(msg) is cls and msg.code == code and msg.verify_checksum()
    if cls is IcmpDestUnreachable:
        assert msg.next_hop_mtu == mtu
    q = msg.quoted()
    assert (q.src, q.dst, q.protocol, q.src_port, q.dst_port, q.seq) == \
        (B, A, 6, 40000, 443, 777)
    assert back.pack() == data


def test_fragment_both_ways():
    ours = IPv4Packet(A, B, 17, b"\x00" * 24, identification=0x77, mf=True, frag_offset=185)
    p = IP(ours.pack())
    assert (p.flags.MF, p.frag, p.id, p.proto) == (True, 185, 0x77, 17)
    assert p.chksum == recomputed(p, IP)
    data = bytes(IP(src=str(A), dst=str(B), id=0x77, flags="MF", frag=185, proto=17)
                 / (b"\x00" * 24))
    back = IPv4Packet.unpack(data)
    assert back == ours and back.pack() == data
