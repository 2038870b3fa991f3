"""Unit strings ↔ exact integers: times in nanoseconds, rates in bits per second,
sizes in bytes.

Parsing is exact (``decimal`` + ``fractions``, never ``float``): ``"1.5us"`` is
1500 ns, and a value that is not a whole number of the base unit (``"0.5ns"``,
``"0.1bps"``, ``"1.5B"``) is an error rather than silently rounded.

    >>> parse_time("1.5us"), parse_rate("1.5Mbps"), parse_size("64KiB")
    (1500, 1500000, 65536)
    >>> format_time(4265600), format_rate(100_000_000), format_size(65536)
    ('4.2656 ms', '100 Mbps', '64 KiB')

Errors are :class:`UnitError` (a ``ValueError``) with a message naming the input,
the kind of quantity and the reason::

    '-5Mbps' is not a rate: negative
    '10 parsecs' is not a time: unknown unit 'parsecs' (use ns, us, ms, s, min, h, d)
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

__all__ = [
    "UnitError",
    "parse_time",
    "parse_rate",
    "parse_size",
    "format_time",
    "format_rate",
    "format_size",
    "NS_PER_US",
    "NS_PER_MS",
    "NS_PER_S",
]

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


class UnitError(ValueError):
    """A unit string that cannot be turned into an exact, non-negative integer."""


# Unit tables: suffix -> multiplier into the base unit (ns, bit/s, byte).
TIME_UNITS: dict[str, int] = {
    "ns": 1,
    "us": NS_PER_US,
    "\u00b5s": NS_PER_US,  # MICRO SIGN
    "\u03bcs": NS_PER_US,  # GREEK SMALL LETTER MU
    "ms": NS_PER_MS,
    "s": NS_PER_S,
    "min": 60 * NS_PER_S,
    "h": 3600 * NS_PER_S,
    "d": 86400 * NS_PER_S,
}
RATE_UNITS: dict[str, int] = {
    "bps": 1,
    "kbps": 10**3,
    "Kbps": 10**3,
    "Mbps": 10**6,
    "Gbps": 10**9,
    "Tbps": 10**12,
}
SIZE_UNITS: dict[str, int] = {
    "B": 1,
    "kB": 10**3,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
}

_HINTS = {
    "time": "ns, us, ms, s, min, h, d",
    "rate": "bps, kbps, Mbps, Gbps",
    "size": "B, kB, MB, GB, KiB, MiB, GiB",
}
_BASE = {"time": "nanoseconds", "rate": "bits per second", "size": "bytes"}

_NUMBER = re.compile(  # matched against the stripped text, so it needs no "\s*$" (no backtracking)
    r"""(?P<num>[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
        \s*
        (?P<unit>\S*)""",
    re.VERBOSE | re.ASCII,  # "١٠٠Mbps" (Arabic-Indic digits) is not a number here
)


def _fail(text: object, kind: str, reason: str) -> UnitError:
    if isinstance(text, bool):
        shown = str(text).lower()
    elif isinstance(text, (str, int, float)):
        shown = f"'{text}'"
    elif text is None:
        shown = "nothing (null)"
    else:  # what YAML gave: a list or a mapping
        shown = "a list" if isinstance(text, (list, tuple)) else "a mapping"
    return UnitError(f"{shown} is not a {kind}: {reason}")


def _parse(value: object, kind: str, units: dict[str, int], bare_ok: bool) -> int:
    """Shared parser: ``value`` -> exact integer count of the base unit."""
    if isinstance(value, bool):
        raise _fail(value, kind, f"expected a {kind} like {_example(kind)}, got a boolean")
    if isinstance(value, int):
        if value < 0:
            raise _fail(value, kind, "negative")
        if bare_ok or value == 0:
            return value
        raise _fail(value, kind, f"missing unit (use {_HINTS[kind]}, e.g. {_example(kind)})")
    if isinstance(value, float):
        raise _fail(value, kind, f"missing unit (use {_HINTS[kind]}, e.g. {_example(kind)})")
    if not isinstance(value, str):
        raise _fail(value, kind, f"expected a {kind} like {_example(kind)}")
    if not value.strip():
        raise _fail(value, kind, "empty")
    m = _NUMBER.fullmatch(value.strip())
    if m is None:
        raise _fail(value, kind, f"expected a number followed by a unit, like {_example(kind)}")
    unit = m.group("unit")
    try:
        decimal = Decimal(m.group("num").replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        raise _fail(value, kind, "malformed number") from None
    if abs(decimal.adjusted()) > 40:  # "1e999999999s" would build a billion-digit int
        raise _fail(value, kind, "number out of range")
    number = Fraction(decimal)
    if not unit:
        if not (bare_ok or number == 0):
            raise _fail(value, kind, f"missing unit (use {_HINTS[kind]}, e.g. {_example(kind)})")
        multiplier = 1
    elif unit in units:
        multiplier = units[unit]
    else:
        raise _fail(value, kind, _unknown_unit(unit, kind, units, value.strip()))
    if number < 0:
        raise _fail(value, kind, "negative")
    exact = number * multiplier
    if exact.denominator != 1:
        raise _fail(value, kind, f"not a whole number of {_BASE[kind]}")
    return int(exact)


_TIME_PART = r"([0-9]+(?:\.[0-9]+)?)(" + "|".join(sorted(TIME_UNITS, key=len, reverse=True)) + ")"
_COMPOUND = re.compile(f"(?:{_TIME_PART})+")


def _compound(text: str) -> int | None:
    """``"2h4min"`` -> its total in ns, ``None`` if it is not such a sum (or not whole)."""
    if not _COMPOUND.fullmatch(text):
        return None
    parts = re.findall(_TIME_PART, text)
    total = sum(Fraction(Decimal(n)) * TIME_UNITS[u] for n, u in parts)
    return int(total) if total.denominator == 1 else None


def _unknown_unit(unit: str, kind: str, units: dict[str, int], text: str = "") -> str:
    reason = f"unknown unit '{unit}'"
    total = _compound(text) if kind == "time" else None
    if total is not None:  # "2h4min": one unit per value, say what to write instead
        return f"one unit per value (write '{_decimal_text(total, NS_PER_S)}s')"
    # A near miss in letter case ("mbps", "kib") gets a pointed suggestion.
    folded = [u for u in units if u.lower() == unit.lower()]
    if len(folded) == 1:
        return f"{reason} (did you mean '{folded[0]}'?)"
    close = difflib.get_close_matches(unit, list(units), n=1, cutoff=0.7)
    if close:  # a transposition or a dropped letter: "Mpbs", "Mbs"
        return f"{reason} (did you mean '{close[0]}'?)"
    return f"{reason} (use {_HINTS[kind]})"


def _example(kind: str) -> str:
    return {"time": "'2ms'", "rate": "'100Mbps'", "size": "'1500B'"}[kind]


def parse_time(value: str | int) -> int:
    """``"2ms"`` -> 2_000_000 (integer nanoseconds).

    Units: ns, us (or µs), ms, s, min, h, d (a day is 86400 s: no leap seconds).
    One unit per value: ``"2h4min"`` is an error, write ``"124min"`` or ``"7440s"``.
    A bare number is an error (is ``10`` ten seconds or ten nanoseconds?), except a
    plain zero.
    """
    return _parse(value, "time", TIME_UNITS, bare_ok=False)


def parse_rate(value: str | int) -> int:
    """``"100Mbps"`` -> 100_000_000 (integer bits per second, decimal SI prefixes).

    Units: bps, kbps (or Kbps), Mbps, Gbps, Tbps. A bare number is an error
    except a plain zero.
    """
    return _parse(value, "rate", RATE_UNITS, bare_ok=False)


def parse_size(value: str | int) -> int:
    """``"64KiB"`` -> 65536 (integer bytes). A bare integer counts bytes.

    Units: B; decimal kB/KB, MB, GB (×1000); binary KiB, MiB, GiB (×1024).
    """
    return _parse(value, "size", SIZE_UNITS, bare_ok=True)


def _decimal_text(numerator: int, denominator: int) -> str:
    """Exact decimal text of numerator/denominator (denominator a power of ten)."""
    text = format(Decimal(numerator) / Decimal(denominator), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_time(ns: int) -> str:
    """4265600 -> ``"4.2656 ms"``: the largest unit (s, ms, us, ns) the value
    reaches, with every significant digit kept (so the text parses back exactly)."""
    ns = int(ns)
    sign, mag = ("-", -ns) if ns < 0 else ("", ns)
    for unit, scale in (("s", NS_PER_S), ("ms", NS_PER_MS), ("us", NS_PER_US)):
        if mag >= scale:
            return f"{sign}{_decimal_text(mag, scale)} {unit}"
    return f"{sign}{mag} ns"


def format_rate(bps: int) -> str:
    """100_000_000 -> ``"100 Mbps"``, 1_500_000 -> ``"1.5 Mbps"``, 56_000 -> ``"56 kbps"``."""
    bps = int(bps)
    for unit, scale in (("Tbps", 10**12), ("Gbps", 10**9), ("Mbps", 10**6), ("kbps", 10**3)):
        if bps >= scale:
            return f"{_decimal_text(bps, scale)} {unit}"
    return f"{bps} bps"


def format_size(nbytes: int) -> str:
    """65536 -> ``"64 KiB"``; sizes that are not a whole number of KiB stay in bytes
    (``1500 -> "1500 B"``), so MTU-like figures read naturally."""
    nbytes = int(nbytes)
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale and nbytes % scale == 0:
            return f"{nbytes // scale} {unit}"
    return f"{nbytes} B"
