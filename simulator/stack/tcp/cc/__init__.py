"""Pluggable congestion control, one module per algorithm (see docs/tcp-congestion.md).

``make(name, mss, initial_window, config)`` builds one: ``initial_window`` in bytes,
``config`` a TcpConfig (only the attributes each module documents are read).
"""

from .base import INFINITE_SSTHRESH, CongestionControl
from .cubic import Cubic
from .newreno import NewReno
from .reno import Reno

__all__ = ["ALGORITHMS", "INFINITE_SSTHRESH", "CongestionControl", "Cubic", "NewReno",
           "Reno", "make"]

_CLASSES = {cls.name: cls for cls in (Reno, NewReno, Cubic)}
ALGORITHMS = tuple(_CLASSES)


def make(name: str, mss: int, initial_window: int, config) -> CongestionControl:
    """A fresh congestion controller ``name`` ("reno", "newreno" or "cubic")."""
    try:
        cls = _CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown congestion control {name!r} "
                         f"(known: {', '.join(ALGORITHMS)})") from None
    return cls(mss, initial_window, config)
