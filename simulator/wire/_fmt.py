"""Small formatting helpers shared by the packet classes' ``__repr__`` methods."""

_SHOW = 16


def short_bytes(data: bytes) -> str:
    """``repr`` of short byte strings, ``<N bytes>`` for long ones (reprs stay readable)."""
    if len(data) <= _SHOW:
        return repr(bytes(data))
    return f"<{len(data)} bytes>"
