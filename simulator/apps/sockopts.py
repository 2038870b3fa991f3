"""The per-socket options a TCP app's YAML spec may set (setsockopt before
connect or listen), and their mapping onto :mod:`simulator.stack.sockets`."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from simulator.spec.model import Model
from simulator.spec.values import Bool, Bytes, Int, Nanoseconds
from simulator.stack.sockets import (SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, TCP_CONGESTION,
                                     TCP_KEEPCNT, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_MAXSEG,
                                     TCP_NODELAY)

_S = 1_000_000_000

CongestionControl = Literal["reno", "newreno", "cubic"]


class Keepalive(Model):
    """SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT (``None``: the
    node's ``keepalive_time``, ``keepalive_intvl``, ``keepalive_probes``)."""

    doc_defaults: ClassVar = {"idle": "the node's `keepalive_time`",
                              "interval": "the node's `keepalive_intvl`",
                              "count": "the node's `keepalive_probes`"}

    idle: Nanoseconds | None = Field(None, ge=_S, le=32767 * _S, description=(
        "idle time before the first probe (`TCP_KEEPIDLE`, whole seconds)"))
    interval: Nanoseconds | None = Field(None, ge=_S, le=32767 * _S, description=(
        "time between unanswered probes (`TCP_KEEPINTVL`, whole seconds)"))
    count: Int | None = Field(None, ge=1, le=127, description=(
        "unanswered probes before the connection is reset (`TCP_KEEPCNT`)"))

    @field_validator("idle", "interval")
    @classmethod
    def _whole_seconds(cls, value):
        if value is not None and value % _S:
            raise ValueError("must be whole seconds (the socket options take seconds)")
        return value


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
    keepalive: Keepalive | None = Field(None, description=(
        "`SO_KEEPALIVE` with `TCP_KEEPIDLE`, `TCP_KEEPINTVL` and `TCP_KEEPCNT`"))


SOCKET_OPTIONS = {"cc": TCP_CONGESTION, "nodelay": TCP_NODELAY, "sndbuf": SO_SNDBUF,
                  "rcvbuf": SO_RCVBUF, "mss": TCP_MAXSEG}


def options(spec: SocketOptions) -> dict:
    """The socket options a TCP app's spec sets (``cc: reno`` → TCP_CONGESTION;
    ``keepalive: {idle: 60s}`` → SO_KEEPALIVE 1, TCP_KEEPIDLE 60)."""
    opts = {SOCKET_OPTIONS[k]: getattr(spec, k) for k in SOCKET_OPTIONS
            if getattr(spec, k) is not None}
    keepalive = spec.keepalive
    if keepalive is not None:
        opts[SO_KEEPALIVE] = True
        for option, value in ((TCP_KEEPIDLE, keepalive.idle),
                              (TCP_KEEPINTVL, keepalive.interval)):
            if value is not None:
                opts[option] = value // _S
        if keepalive.count is not None:
            opts[TCP_KEEPCNT] = keepalive.count
    return opts
