"""The per-socket options a TCP app's YAML spec may set (setsockopt before
connect or listen), and their mapping onto :mod:`simulator.stack.sockets`."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from simulator.spec.model import Model
from simulator.spec.values import Bool, Bytes, Int
from simulator.stack.sockets import SO_RCVBUF, SO_SNDBUF, TCP_CONGESTION, TCP_MAXSEG, TCP_NODELAY

CongestionControl = Literal["reno", "newreno", "cubic"]


class SocketOptions(Model):
    """Per-socket overrides a TCP app may set (setsockopt before connect/listen)."""

    doc_shared_as: ClassVar = "[socket options](#socket-options)"
    doc_defaults: ClassVar = {"cc": "the node's", "nodelay": "the node's (Nagle on)",
                              "sndbuf": "none (the node's `wmem`)",
                              "rcvbuf": "none (the node's `rmem`)"}

    cc: CongestionControl | None = Field(None, description="`TCP_CONGESTION`")
    nodelay: Bool | None = Field(None, description="`TCP_NODELAY`: no Nagle")
    sndbuf: Bytes | None = Field(None, ge=2048, description=(
        "`SO_SNDBUF` (doubled as Linux does: `wmem` = 2 × this)"))
    rcvbuf: Bytes | None = Field(None, ge=2048, description=(
        "`SO_RCVBUF` (doubled as Linux does: `rmem` = 2 × this)"))
    mss: Int | None = Field(None, ge=88, le=65495, description="`TCP_MAXSEG`")


SOCKET_OPTIONS = {"cc": TCP_CONGESTION, "nodelay": TCP_NODELAY, "sndbuf": SO_SNDBUF,
                  "rcvbuf": SO_RCVBUF, "mss": TCP_MAXSEG}


def options(spec: SocketOptions) -> dict:
    """The socket options a TCP app's spec sets (``cc: reno`` → TCP_CONGESTION)."""
    return {SOCKET_OPTIONS[k]: getattr(spec, k) for k in SOCKET_OPTIONS
            if getattr(spec, k) is not None}
