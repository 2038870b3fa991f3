"""32-bit sequence-number arithmetic (RFC 9293 §3.4, "Sequence Numbers").

Sequence numbers live modulo 2^32; ``a`` is "less than" ``b`` when ``b - a`` taken
modulo 2^32 is in 1..2^31-1. These helpers are the only place that arithmetic lives.
"""

MOD = 1 << 32
_MASK = MOD - 1
_HALF = 1 << 31


def seq_add(a: int, n: int) -> int:
    """``a + n`` modulo 2^32 (``n`` may be negative)."""
    return (a + n) & _MASK


def seq_sub(a: int, b: int) -> int:
    """The signed distance ``a - b`` in -2^31 .. 2^31-1."""
    d = (a - b) & _MASK
    return d - MOD if d >= _HALF else d


# The comparisons test ``(a - b) mod 2^32`` directly (seq_sub(a, b) < 0 is
# d >= 2^31): they run on every segment, several times.
def seq_lt(a: int, b: int) -> bool:
    return (a - b) & _MASK >= _HALF


def seq_le(a: int, b: int) -> bool:
    d = (a - b) & _MASK
    return d == 0 or d >= _HALF


def seq_gt(a: int, b: int) -> bool:
    return 0 < (a - b) & _MASK < _HALF


def seq_ge(a: int, b: int) -> bool:
    return (a - b) & _MASK < _HALF
