"""Packet formats as plain data: Ethernet II, ARP, IPv4, ICMP, UDP, TCP (+options).

Objects are immutable after construction, cheap to build, and turn into bytes
only on ``pack()``; ``unpack(bytes)`` raises :class:`DecodeError` on bad input.
Stdlib only.
"""

from .addr import IPv4Address, IPv4Interface, IPv4Network, MacAddress
from .arp import ARP_REPLY, ARP_REQUEST, RARP_REPLY, RARP_REQUEST, ArpPacket
from .checksum import fcs, internet_checksum, pseudo_header
from .errors import DecodeError, FcsError
from .ethernet import ETHERTYPE_ARP, ETHERTYPE_IPV4, EthernetFrame
from .icmp import (IcmpDestUnreachable, IcmpEcho, IcmpMessage, IcmpTimeExceeded,
                   unpack_icmp)
from .icmp_quote import QuotedPacket, parse_quote
from .ipv4 import PROTO_ICMP, PROTO_TCP, PROTO_UDP, IPv4Packet
from .tcp import TcpSegment
from .tcp_options import (Eol, Mss, Nop, Sack, SackPermitted, Timestamps, UnknownOption,
                          WindowScale, pack_options, parse_options)
from .udp import UdpDatagram

__all__ = [
    "MacAddress", "IPv4Address", "IPv4Network", "IPv4Interface",
    "DecodeError", "FcsError", "internet_checksum", "pseudo_header", "fcs",
    "EthernetFrame", "ETHERTYPE_IPV4", "ETHERTYPE_ARP",
    "ArpPacket", "ARP_REQUEST", "ARP_REPLY", "RARP_REQUEST", "RARP_REPLY",
    "IPv4Packet", "PROTO_ICMP", "PROTO_TCP", "PROTO_UDP",
    "IcmpEcho", "IcmpDestUnreachable", "IcmpTimeExceeded", "IcmpMessage", "unpack_icmp",
    "QuotedPacket", "parse_quote",
    "UdpDatagram", "TcpSegment",
    "Mss", "WindowScale", "SackPermitted", "Sack", "Timestamps", "Nop", "Eol",
    "UnknownOption", "pack_options", "parse_options",
]
