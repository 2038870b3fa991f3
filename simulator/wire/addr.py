"""Link- and network-layer address types.

``MacAddress`` is a 48-bit IEEE 802 MAC address (IEEE 802-2014 §8). It *is* a 6-byte
``bytes`` object, so it hashes and compares like bytes and packs for free.
IPv4 uses the stdlib :mod:`ipaddress` types, re-exported here.
"""

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

__all__ = ["MacAddress", "IPv4Address", "IPv4Interface", "IPv4Network", "ip_text"]

_IP_TEXT: dict[int, str] = {}
_IP_TEXT_MAX = 1 << 16


def ip_text(ip: IPv4Address) -> str:
    """``str(ip)``, memoised by value (ipaddress formats in Python, and a trace
    formats the same few addresses for every frame). The memo is bounded."""
    text = _IP_TEXT.get(ip._ip)
    if text is None:
        if len(_IP_TEXT) >= _IP_TEXT_MAX:
            _IP_TEXT.clear()
        text = _IP_TEXT[ip._ip] = str(ip)
    return text

_HEX = frozenset("0123456789abcdefABCDEF")


def _parse(text: str) -> bytes:
    """``02:00:00:00:00:01``, ``02-00-00-00-00-01`` or ``020000000001`` → 6 bytes."""
    s = text.strip()
    if ":" in s or "-" in s:
        parts = s.replace("-", ":").split(":")
    else:
        parts = [s[i:i + 2] for i in range(0, len(s), 2)] if len(s) == 12 else []
    if len(parts) != 6 or any(len(p) != 2 or not _HEX.issuperset(p) for p in parts):
        raise ValueError(
            f"invalid MAC address {text!r}: expected six hex octets like '02:00:00:00:00:01'"
        )
    return bytes(int(p, 16) for p in parts)


class MacAddress(bytes):
    """A 48-bit MAC address; a real ``bytes`` of length 6.

    Built from ``"02:00:00:00:00:01"`` (``-`` separators and bare hex accepted),
    6 bytes, an ``int`` in ``[0, 2**48)``, or another ``MacAddress``.
    """

    __slots__ = ()
    BROADCAST: "MacAddress"

    def __new__(cls, value):
        if type(value) is cls:
            return value
        if isinstance(value, str):
            raw = _parse(value)
        elif isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            if len(raw) != 6:
                raise ValueError(f"invalid MAC address {raw!r}: need 6 bytes, got {len(raw)}")
        elif isinstance(value, int) and not isinstance(value, bool):
            if not 0 <= value < 1 << 48:
                raise ValueError(f"invalid MAC address {value}: integer out of 48-bit range")
            raw = value.to_bytes(6, "big")
        else:
            raise TypeError(f"cannot make a MacAddress from {type(value).__name__}")
        return bytes.__new__(cls, raw)

    @classmethod
    def local(cls, n: int) -> "MacAddress":
        """Locally administered unicast address ``02:00:00:xx:xx:xx`` for counter ``n``."""
        if not 0 <= n < 1 << 24:
            raise ValueError(f"MacAddress.local({n}): counter must be in [0, 2**24)")
        return bytes.__new__(cls, b"\x02\x00\x00" + n.to_bytes(3, "big"))

    @property
    def is_broadcast(self) -> bool:
        """All ones (ff:ff:ff:ff:ff:ff)."""
        return self == b"\xff\xff\xff\xff\xff\xff"

    @property
    def is_multicast(self) -> bool:
        """I/G (group) bit set: least significant bit of the first octet. Broadcast counts."""
        return bool(self[0] & 0x01)

    @property
    def is_unicast(self) -> bool:
        return not self[0] & 0x01

    @property
    def is_local(self) -> bool:
        """U/L bit set: locally administered (not an OUI-assigned address)."""
        return bool(self[0] & 0x02)

    def __int__(self) -> int:
        return int.from_bytes(self, "big")

    def __str__(self) -> str:
        return self.hex(":")

    def __format__(self, spec: str) -> str:
        return format(self.hex(":"), spec)

    def __repr__(self) -> str:
        return f"MacAddress('{self.hex(':')}')"


MacAddress.BROADCAST = MacAddress(b"\xff" * 6)
