"""Value types of the YAML files: addresses, MACs, names, unit strings, ratios.

Each parser takes what YAML gave and returns the exact value the models hold,
or raises ``ValueError`` with a complete plain-English message (the loader adds
file, line and column). Annotated aliases at the bottom bind them to pydantic.
"""

from __future__ import annotations

import re
from decimal import Decimal
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, Strict, ValidationInfo

from simulator.engine.units import parse_rate, parse_size, parse_time

S = 1_000_000_000  # ns per second


class FieldError(ValueError):
    """A whole-model check that knows which of the model's fields is at fault:
    ``FieldError("...", "groups", "b", "ports", 0)`` is reported at that path below
    the model, not at the model itself."""

    def __init__(self, message: str, *at: str | int) -> None:
        super().__init__(message)
        self.at = at


def describe(value: Any) -> str:
    """A YAML-flavoured description of an input value, for "got ..." messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


# --------------------------------------------------------------------- addresses

def _dotted(text: str, original: str, what: str) -> int:
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(
            f"'{original}' is not a valid {what} (expected four dot-separated numbers, like 192.168.0.1)"
        )
    value = 0
    for part in parts:
        if not (part.isascii() and part.isdigit()):
            raise ValueError(f"'{original}' is not a valid {what} (octet '{part}' is not a number)")
        if len(part) > 1 and part[0] == "0":
            raise ValueError(f"'{original}' is not a valid {what} (leading zero in octet '{part}')")
        octet = int(part)
        if octet > 255:
            raise ValueError(f"'{original}' is not a valid {what} (octet {octet} > 255)")
        value = value << 8 | octet
    return value


def _expect_str(value: Any, what: str, example: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected an {what} like {example}, got {describe(value)}")
    return value.strip()


def parse_ipv4_address(value: Any) -> IPv4Address:
    if isinstance(value, IPv4Address):
        return value
    text = _expect_str(value, "IPv4 address", "192.168.0.1")
    if "/" in text:
        raise ValueError(f"'{value}' is not a valid IPv4 address (no /prefix here)")
    return IPv4Address(_dotted(text, value, "IPv4 address"))


def _with_prefix(value: Any, what: str, example: str, default_prefix: int | None):
    text = _expect_str(value, what, example)
    addr_text, slash, prefix_text = text.partition("/")
    address = _dotted(addr_text, value, what)
    if not slash:
        if default_prefix is None:
            raise ValueError(
                f"'{value}' is not a valid {what} (missing prefix length, e.g. {addr_text}/24)"
            )
        return address, default_prefix
    if prefix_text.isascii() and prefix_text.isdigit():
        prefix = int(prefix_text)
        if prefix > 32:
            raise ValueError(f"'{value}' is not a valid {what} (prefix length {prefix} > 32)")
        return address, prefix
    if prefix_text.count(".") == 3:  # a dotted netmask
        mask = _dotted(prefix_text, value, what)
        prefix = bin(mask).count("1")
        if mask != (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF:
            raise ValueError(f"'{value}' is not a valid {what} (netmask {prefix_text} is not contiguous)")
        return address, prefix
    raise ValueError(f"'{value}' is not a valid {what} (bad prefix length '{prefix_text}')")


def parse_ipv4_interface(value: Any) -> IPv4Interface:
    """``"10.0.0.1/24"``: an address on a subnet, usable by a host or router."""
    if isinstance(value, IPv4Interface):
        return value
    address, prefix = _with_prefix(value, "IPv4 interface", "10.0.0.1/24", None)
    iface = IPv4Interface((address, prefix))
    net = iface.network
    ip = iface.ip
    if ip.is_multicast or ip.is_unspecified or ip == IPv4Address("255.255.255.255"):
        kind = "multicast" if ip.is_multicast else "reserved"
        raise ValueError(f"{iface} is not usable as an interface address ({kind} address)")
    if prefix <= 30 and ip == net.network_address:
        raise ValueError(
            f"{iface} is the network address of {net}, not a usable host address"
        )
    if prefix <= 30 and ip == net.broadcast_address:
        raise ValueError(
            f"{iface} is the broadcast address of {net}, not a usable host address"
        )
    return iface


def parse_ipv4_network(value: Any) -> IPv4Network:
    """``"10.0.0.0/8"``, ``"default"`` (= 0.0.0.0/0); a bare address is a /32."""
    if isinstance(value, IPv4Network):
        return value
    if isinstance(value, str) and value.strip() == "default":
        return IPv4Network("0.0.0.0/0")
    address, prefix = _with_prefix(value, "IPv4 network", "10.0.0.0/8", 32)
    net = IPv4Network((address, prefix), strict=False)
    if int(net.network_address) != address:
        raise ValueError(
            f"host bits set in {IPv4Address(address)}/{prefix} (did you mean {net}?)"
        )
    return net


def _multicast_group(value: Any) -> IPv4Address:
    addr = parse_ipv4_address(value)
    if not addr.is_multicast:
        raise ValueError(f"{addr} is not a multicast group (must be in 224.0.0.0/4)")
    return addr


_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}$")


def parse_mac(value: Any) -> str:
    """``"02:00:00:00:00:01"`` (``-`` separators accepted) -> lower-case, colon form."""
    text = _expect_str(value, "MAC address", "02:00:00:00:00:01")
    if not _MAC.match(text):
        raise ValueError(
            f"'{value}' is not a MAC address (expected six hex pairs like 02:00:00:00:00:01)"
        )
    text = text.replace("-", ":").lower()
    if int(text[:2], 16) & 1:
        raise ValueError(f"'{value}' is a group (multicast) MAC address; an interface needs a unicast one")
    return text


_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
NAME_MAX = 64  # a name goes into file names (<node>-<iface>.pcap), which stop at 255 bytes


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(
            f"'{value}' is not a valid name (use letters, digits, '_', '-' and '.'; no spaces or ':')"
        )
    if len(value) > NAME_MAX:
        raise ValueError(f"name is {len(value)} characters long (at most {NAME_MAX})")
    return value


def _text(value: str) -> str:
    """A one-line label (a scenario's or an action's name): printable, not blank."""
    if not value.strip():
        raise ValueError("must not be empty")
    if not value.isprintable():
        raise ValueError(f"{value!r} has a control character or line break (one printable line)")
    if len(value) > 200:
        raise ValueError(f"is {len(value)} characters long (at most 200)")
    return value


def _hop(value: Any) -> IPv4Address | str:
    """A traceroute hop in ``expect: hops``: an address, or ``"*"`` for a silent hop."""
    if value == "*":
        return "*"
    return parse_ipv4_address(value)


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?", re.ASCII)


def _fraction(value: Any) -> float:
    """0.3, ``"30%"`` or ``"0.3"`` -> 0.3 (a probability/ratio in [0, 1])."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number between 0 and 1 or a percentage like '5%', got {describe(value)}")
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        digits = text[:-1].rstrip() if percent else text
        if not _DECIMAL.fullmatch(digits):
            raise ValueError(f"'{value}' is not a number or a percentage like '5%'")
        number = Decimal(digits)
        if percent:
            number /= 100
    if number != number:  # NaN (.nan in YAML)
        raise ValueError("expected a number between 0 and 1, got NaN")
    if not 0 <= number <= 1:
        raise ValueError(f"{describe(value)} is out of range (use 0..1 or 0%..100%)")
    return float(number)


def _units(parse):
    def validate(value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            if not (info.context or {}).get("yaml"):
                return value  # Python callers: already in base units
        return parse(value)
    return validate


Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Name = Annotated[str, AfterValidator(_name)]
Text = Annotated[str, AfterValidator(_text)]
Hop = Annotated[IPv4Address | str, BeforeValidator(_hop)]
Nanoseconds = Annotated[int, BeforeValidator(_units(parse_time))]
BitsPerSecond = Annotated[int, BeforeValidator(_units(parse_rate))]
Bytes = Annotated[int, BeforeValidator(_units(parse_size))]
Probability = Annotated[float, BeforeValidator(_fraction)]
Mtu = Annotated[Int, Field(ge=68, le=65535)]
Mac = Annotated[str, BeforeValidator(parse_mac)]
IPv4Addr = Annotated[IPv4Address, BeforeValidator(parse_ipv4_address)]
IPv4Iface = Annotated[IPv4Interface, BeforeValidator(parse_ipv4_interface)]
IPv4Net = Annotated[IPv4Network, BeforeValidator(parse_ipv4_network)]
MulticastGroup = Annotated[IPv4Address, BeforeValidator(_multicast_group)]
