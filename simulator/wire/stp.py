"""Spanning-tree BPDUs (IEEE 802.1D-2004 §9.3) in IEEE 802.3 frames with an LLC header.

A BPDU travels in an 802.3 frame (the Ethernet type/length field holds the length of
what follows, LLC included) to the group address 01:80:c2:00:00:00, after an 802.2
LLC header DSAP 0x42, SSAP 0x42, control 0x03 (UI). The Configuration BPDU is 35
bytes::

    protocol id (2) = 0 | version (1) = 0 | type (1) = 0x00 | flags (1): TC 0x01, TCA 0x80
    root id (8) | root path cost (4) | bridge id (8) | port id (2)
    message age (2) | max age (2) | hello time (2) | forward delay (2)   (1/256 s units)

a Topology Change Notification BPDU is the first 4 bytes with type 0x80. A bridge
id is a 2-byte priority (a multiple of 4096; the low 12 bits are the system id
extension, 0 here) then a MAC address; a port id is 4 bits of priority and a
12-bit port number.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .addr import MacAddress
from .errors import DecodeError

STP_GROUP = MacAddress("01:80:c2:00:00:00")
LLC_STP = b"\x42\x42\x03"
CONFIG, TCN = 0x00, 0x80
FLAG_TC, FLAG_TCA = 0x01, 0x80
_CONFIG = struct.Struct("!HBBB8sI8sHHHHH")
TICKS_PER_S = 256
NS_PER_S = 1_000_000_000


@dataclass(frozen=True, order=True)
class BridgeId:
    """Priority then MAC: the smaller one wins (802.1D-2004 §9.2.5)."""

    priority: int
    mac: bytes

    def pack(self) -> bytes:
        return self.priority.to_bytes(2, "big") + bytes(self.mac)

    @classmethod
    def unpack(cls, data: bytes) -> BridgeId:
        return cls(int.from_bytes(data[:2], "big"), MacAddress(bytes(data[2:8])))

    def __str__(self) -> str:   # Wireshark's form: priority / system id extension / MAC
        return f"{self.priority & 0xF000}/{self.priority & 0x0FFF}/{MacAddress(self.mac)}"


def _ticks(ns: int) -> int:
    return ns * TICKS_PER_S // NS_PER_S


def _ns(ticks: int) -> int:
    return ticks * NS_PER_S // TICKS_PER_S


@dataclass(frozen=True)
class Bpdu:
    """A Configuration BPDU (``type`` CONFIG) or a TCN (``type`` TCN: the other fields
    unused). Times are integer nanoseconds, sent in 1/256 s."""

    type: int = CONFIG
    flags: int = 0
    root: BridgeId | None = None
    cost: int = 0
    bridge: BridgeId | None = None
    port: int = 0
    message_age: int = 0
    max_age: int = 20 * NS_PER_S
    hello_time: int = 2 * NS_PER_S
    forward_delay: int = 15 * NS_PER_S

    def pack(self) -> bytes:
        """LLC header and BPDU: the payload of the 802.3 frame."""
        if self.type == TCN:
            return LLC_STP + b"\x00\x00\x00\x80"
        return LLC_STP + _CONFIG.pack(0, 0, CONFIG, self.flags, self.root.pack(), self.cost,
                                      self.bridge.pack(), self.port, _ticks(self.message_age),
                                      _ticks(self.max_age), _ticks(self.hello_time),
                                      _ticks(self.forward_delay))

    def __len__(self) -> int:
        return 3 + (4 if self.type == TCN else _CONFIG.size)

    @classmethod
    def unpack(cls, data: bytes) -> Bpdu:
        """Decode the LLC header and BPDU (padding after it is ignored)."""
        if bytes(data[:3]) != LLC_STP:
            raise DecodeError(f"STP: not an LLC BPDU header ({bytes(data[:3]).hex()})")
        body = data[3:]
        if len(body) < 4 or body[0:3] != b"\x00\x00\x00":
            raise DecodeError("STP: truncated BPDU or not protocol 0 version 0")
        if body[3] == TCN:
            return cls(type=TCN)
        if body[3] != CONFIG:
            raise DecodeError(f"STP: unknown BPDU type 0x{body[3]:02x}")
        if len(body) < _CONFIG.size:
            raise DecodeError(f"STP: configuration BPDU of {len(body)} bytes < {_CONFIG.size}")
        (_, _, _, flags, root, cost, bridge, port, age, max_age, hello,
         delay) = _CONFIG.unpack(bytes(body[:_CONFIG.size]))
        return cls(CONFIG, flags, BridgeId.unpack(root), cost, BridgeId.unpack(bridge), port,
                   _ns(age), _ns(max_age), _ns(hello), _ns(delay))

    def info(self) -> str:
        """Wireshark's Info column."""
        if self.type == TCN:
            return "Topology Change Notification"
        tc = "TC + " if self.flags & FLAG_TC else ""
        return f"{tc}Conf. Root = {self.root}  Cost = {self.cost}  Port = 0x{self.port:04x}"
