"""Checksums: the Internet checksum (RFC 1071), the TCP/UDP pseudo-header
(RFC 768, RFC 9293 §3.1) and the Ethernet FCS (IEEE 802.3 §3.2.9, CRC-32)."""

import zlib
from ipaddress import IPv4Address

__all__ = ["internet_checksum", "pseudo_header", "fcs", "ip_bytes", "checksums_match"]


def internet_checksum(data: bytes) -> int:
    """RFC 1071 checksum of ``data`` as the 16-bit value to write big-endian.

    The one's-complement sum of the 16-bit words (odd length padded with a zero
    byte) equals, since 2**16 ≡ 1 (mod 0xFFFF), the whole buffer read as one big
    integer taken mod 0xFFFF, with 0xFFFF standing for a non-zero multiple
    (RFC 1071 §2(B), "end around carry"). One C-level ``int.from_bytes`` does it.
    Verifying a buffer that holds its own checksum gives 0.
    """
    if len(data) & 1:
        data = bytes(data) + b"\x00"
    n = int.from_bytes(data, "big")
    if not n:
        return 0xFFFF
    return 0xFFFF - (n % 0xFFFF or 0xFFFF)


def ip_bytes(addr) -> bytes:
    """The 4 network-order bytes of an IPv4 address (IPv4Address, str, int or 4 bytes)."""
    if type(addr) is IPv4Address:
        return addr.packed
    if isinstance(addr, (bytes, bytearray)) and len(addr) == 4:
        return bytes(addr)
    return IPv4Address(addr).packed


def pseudo_header(src, dst, protocol: int, length: int) -> bytes:
    """The 12-byte IPv4 pseudo-header summed into UDP/TCP checksums
    (RFC 768; RFC 9293 §3.1): src, dst, zero, protocol, L4 length."""
    return ip_bytes(src) + ip_bytes(dst) + bytes((0, protocol)) + length.to_bytes(2, "big")


def checksums_match(a, b) -> bool:
    """Equality of stored checksums where None ("compute on pack") matches any value,
    so ``X.unpack(x.pack()) == x`` holds for an ``x`` built with ``checksum=None``."""
    return a is None or b is None or a == b


class ChecksummedHeader:
    """Equality and hash over a header's ``_fields()``; its ``checksum`` compares
    with :func:`checksums_match`, so a checksum still to be computed matches any."""

    __slots__ = ()

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return (self._fields() == other._fields()
                and checksums_match(self.checksum, other.checksum))

    def __hash__(self):
        return hash((type(self),) + self._fields())


def fcs(data: bytes) -> bytes:
    """Ethernet frame check sequence over ``data`` (dst MAC .. end of padding),
    as the 4 bytes transmitted: CRC-32 sent least significant byte first,
    i.e. what Wireshark shows as ``eth.fcs`` (IEEE 802.3 §3.2.9)."""
    return zlib.crc32(data).to_bytes(4, "little")
