"""The per-socket options a TCP app's YAML spec may set (setsockopt before
connect or listen), and their mapping onto :mod:`simulator.stack.sockets`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.spec.model import Model
from simulator.spec.values import Bool, Bytes, Int
from simulator.stack.sockets import SO_RCVBUF, SO_SNDBUF, TCP_CONGESTION, TCP_MAXSEG, TCP_NODELAY

CongestionControl = Literal["reno", "newreno", "cubic"]


class SocketOptions(Model):
    """Per-socket overrides a TCP app may set (setsockopt before connect/listen)."""

    cc: CongestionControl | None = None            # TCP_CONGESTION
    nodelay: Bool | None = None                    # TCP_NODELAY
    sndbuf: Bytes | None = Field(None, ge=2048)    # SO_SNDBUF
    rcvbuf: Bytes | None = Field(None, ge=2048)    # SO_RCVBUF
    mss: Int | None = Field(None, ge=88, le=65495)  # TCP_MAXSEG


SOCKET_OPTIONS = {"cc": TCP_CONGESTION, "nodelay": TCP_NODELAY, "sndbuf": SO_SNDBUF,
                  "rcvbuf": SO_RCVBUF, "mss": TCP_MAXSEG}


def options(spec: SocketOptions) -> dict:
    """The socket options a TCP app's spec sets (``cc: reno`` → TCP_CONGESTION)."""
    return {SOCKET_OPTIONS[k]: getattr(spec, k) for k in SOCKET_OPTIONS
            if getattr(spec, k) is not None}
