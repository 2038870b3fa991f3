"""Real-dissector check: frames we pack open clean in Wireshark's tshark, with good
checksums and FCS, and our info() matches its Info column. Skips without tshark."""

import os
import re
import shutil
import struct
import subprocess

import pytest

from simulator.wire.addr import IPv4Address, MacAddress
from simulator.wire.arp import ARP_REPLY, ARP_REQUEST, RARP_REPLY, RARP_REQUEST, ArpPacket
from simulator.wire.ethernet import EthernetFrame
from simulator.wire.icmp import (IcmpDestUnreachable, IcmpEcho, IcmpMessage, IcmpTimeExceeded)
from simulator.wire.ipv4 import IPv4Packet
from simulator.wire.tcp import ACK, CWR, ECE, FIN, PSH, RST, SYN, URG, TcpSegment
from simulator.wire.tcp_options import (Mss, Nop, Sack, SackPermitted, Timestamps,
                                        UnknownOption, WindowScale)
from simulator.wire.udp import UdpDatagram

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed (make tshark)")

A, B = IPv4Address("10.0.0.1"), IPv4Address("10.0.0.2")
M1, M2 = MacAddress.local(1), MacAddress.local(2)
ZERO_MAC, ZERO_IP = MacAddress(bytes(6)), IPv4Address(0)


def ip(payload, proto, **kw):
    return EthernetFrame(M2, M1, 0x0800, IPv4Packet(A, B, proto, payload, **kw))


def arp(*args):
    return EthernetFrame(MacAddress.BROADCAST, M1, 0x0806, ArpPacket(*args))


def _cases():
    udp_quote = IPv4Packet(B, A, 17, UdpDatagram(40000, 33434, b"0123456789"), ttl=1).quote()
    tcp_quote = IPv4Packet(B, A, 6, TcpSegment(40001, 8080, 5, 0, SYN, 100), df=True).quote()
    port = iter(range(41000, 42000))
    cases = [
        arp(ARP_REQUEST, M1, A, ZERO_MAC, B),
        arp(ARP_REPLY, M2, B, M1, A),
        arp(ARP_REQUEST, M1, ZERO_IP, ZERO_MAC, A),
        arp(ARP_REQUEST, M1, A, ZERO_MAC, A),
        arp(ARP_REPLY, M1, A, MacAddress.BROADCAST, A),
        arp(RARP_REQUEST, M1, ZERO_IP, M1, ZERO_IP),
        arp(RARP_REPLY, M2, B, M1, IPv4Address("10.0.0.5")),
        ip(IcmpEcho.request(1, 1, b"abcdefgh"), 1),
        ip(IcmpEcho(0, 0x1234, 300, b"xyz"), 1, options=b"\x94\x04\x00\x00"),
        ip(UdpDatagram(next(port), next(port), b"hello world"), 17, identification=7, df=True),
        ip(UdpDatagram(next(port), next(port), bytes(1000)), 17, dscp=46, ecn=2),
        ip(UdpDatagram(43000, 43001, bytes(100)).pack(A, B)[:64], 17, identification=0x77,
           mf=True),
        ip(b"\x00" * 64, 17, identification=0x78, frag_offset=8),
        ip(TcpSegment(next(port), 80, 1000, 0, SYN, 65535,
                      options=(Mss(1460), Nop(), WindowScale(7), SackPermitted(),
                               Timestamps(1, 0))), 6),
        ip(TcpSegment(80, next(port), 5, 1001, SYN | ACK | ECE, 29200,
                      options=(Mss(1400), SackPermitted(), Timestamps(10, 1), Nop(),
                               WindowScale(9))), 6),
        ip(TcpSegment(next(port), 80, 1001, 6, ACK, 502,
                      options=(Nop(), Nop(), Sack([(100, 200), (300, 400)]))), 6),
        ip(TcpSegment(next(port), 43010, 1, 2, FIN | PSH | ACK | URG | CWR, 9, b"payload!",
                      urgent=3, options=(UnknownOption(30, b"\x00\x01"),)), 6),
        ip(TcpSegment(next(port), 80, 7, 0, RST, 0), 6),
    ]
    for code in range(16):
        cases.append(ip(IcmpDestUnreachable(code, udp_quote, 1400 if code == 4 else 0), 1))
    cases += [
        ip(IcmpDestUnreachable(4, tcp_quote, 1280), 1),
        ip(IcmpTimeExceeded(0, udp_quote), 1),
        ip(IcmpTimeExceeded(1, udp_quote), 1),
        ip(IcmpMessage(5, 1, IPv4Address("10.0.0.254").packed, udp_quote), 1),
        ip(IcmpMessage(4, 0, bytes(4), udp_quote), 1),
        ip(IcmpMessage(12, 0, b"\x08\x00\x00\x00", udp_quote), 1),
    ]
    return cases


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # LINKTYPE_ETHERNET
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(data), len(data)) + data)


def tshark(path, fields, *prefs):
    cmd = [TSHARK, "-n", "-r", str(path), "-T", "fields", "-E", "occurrence=f",
           "-E", "separator=\t"]
    for p in prefs:
        cmd += ["-o", p]
    for field in fields:
        cmd += ["-e", field]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, LC_ALL="C.UTF-8"), check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


PREFS = ("ip.check_checksum:TRUE", "udp.check_checksum:TRUE",
         "tcp.check_checksum:TRUE", "tcp.analyze_sequence_numbers:FALSE",
         "tcp.relative_sequence_numbers:FALSE", "tcp.calculate_timestamps:FALSE")
GOOD = "1"  # Wireshark's PROTO_CHECKSUM_E_GOOD


def test_tshark_decodes_cleanly_with_good_checksums(tmp_path):
    cases = _cases()
    write_pcap(tmp_path / "wire.pcap", [c.pack() for c in cases])
    rows = tshark(tmp_path / "wire.pcap",
                  ["_ws.col.Info", "ip.checksum.status", "udp.checksum.status",
                   "tcp.checksum.status", "icmp.checksum.status", "_ws.malformed",
                   "_ws.expert.severity"], *PREFS)
    assert len(rows) == len(cases)
    for frame, (info, ip_ck, udp_ck, tcp_ck, icmp_ck, malformed, _sev) in zip(cases, rows):
        assert not malformed, (frame, info)
        assert ip_ck == GOOD or frame.ethertype == 0x0806, (frame, info)
        statuses = (icmp_ck,) if icmp_ck else (udp_ck, tcp_ck)  # a quote can't be verified
        for status in statuses:
            assert status in ("", GOOD), (frame, info)
        ours = frame.info()
        theirs = re.sub(r"\s+", " ", info).strip()
        if isinstance(getattr(frame.payload, "payload", None), IcmpEcho):
            # Wireshark adds the byte-swapped seq, the IP ttl and request/reply matching.
            assert theirs.startswith(ours + "/"), (ours, theirs)
        else:
            assert theirs == ours, frame


def test_tshark_checks_our_fcs(tmp_path):
    frames = [c.pack_with_fcs() for c in _cases()[:8]]
    bad = bytearray(frames[0])
    bad[-1] ^= 0xFF
    frames.append(bytes(bad))
    write_pcap(tmp_path / "fcs.pcap", frames)
    rows = tshark(tmp_path / "fcs.pcap", ["eth.fcs.status"], "eth.fcs:Always",
                  "eth.check_fcs:TRUE")
    assert [r[0] for r in rows] == [GOOD] * 8 + ["0"]
