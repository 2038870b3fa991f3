"""YAML specs for the transport layer: a node's ``tcp:`` settings and the TCP/UDP
traffic apps (bulk transfer, echo, constant bit rate, request/response).

Sizes are **application payload bytes** everywhere (as in iperf and ns-3): a
``size: 1000B`` datagram carries 1000 bytes of data, to which UDP adds 8 bytes of
header and IPv4 20. The reference for every field is ``docs/yaml.md``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..stack.tcp.config import TcpConfig
from .model import Model
from .values import S, BitsPerSecond, Bool, Bytes, Int, IPv4Addr, Nanoseconds

CongestionControl = Literal["reno", "newreno", "cubic"]
MAX_UDP_PAYLOAD = 65507            # 65535 − 20 (IPv4) − 8 (UDP)


class AppSpec(Model):
    """Base of the app kinds an :class:`~simulator.scenario.schema.Action` can start."""


class TcpSpec(Model):
    """A node's TCP settings: a profile, then any knob overridden (``None`` = the
    profile's value). The knobs are :class:`~simulator.stack.tcp.config.TcpConfig`'s,
    named after the Linux sysctls (``net.ipv4.tcp_sack`` → ``sack``)."""

    profile: Literal["linux", "rfc", "ns3"] = "linux"
    # options
    sack: Bool | None = None
    dsack: Bool | None = None
    timestamps: Bool | None = None
    window_scaling: Bool | None = None
    rcv_wscale: Int | None = Field(None, ge=0, le=14)
    mss: Int | None = Field(None, ge=88, le=65495)               # TCP_MAXSEG clamp
    mss_default: Int | None = Field(None, ge=88, le=65495)
    ts_hz: Int | None = Field(None, ge=1, le=1_000_000)
    # retransmission timer (RFC 6298)
    rtt_estimator: Literal["rfc", "linux"] | None = None
    initial_rto: Nanoseconds | None = Field(None, gt=0)
    min_rto: Nanoseconds | None = Field(None, ge=0)
    max_rto: Nanoseconds | None = Field(None, gt=0)
    rto_granularity: Nanoseconds | None = Field(None, ge=0)
    syn_fallback_rto: Nanoseconds | None = Field(None, gt=0)
    synsent_rearm: Bool | None = None                             # bad ACK in SYN-SENT: SYN again
    syn_retries: Int | None = Field(None, ge=0, le=127)
    synack_retries: Int | None = Field(None, ge=0, le=127)
    retries2: Int | None = Field(None, ge=0, le=127)
    # acknowledgements
    delayed_ack: Nanoseconds | None = Field(None, ge=0)           # 0 = ACK every segment
    delayed_ack_segments: Int | None = Field(None, ge=1)
    quickack: Int | None = Field(None, ge=0)                      # quick ACKs at start
    # sending
    nagle: Bool | None = None
    nagle_minshall: Bool | None = None
    zero_window_probe: Literal["rfc", "linux"] | None = None
    window_update: Literal["rfc", "linux"] | None = None          # when a read sends one
    tso_psh: Bool | None = None                                   # PSH ends each burst
    sender_sws: Literal["rfc", "linux"] | None = None             # short segment at the edge
    ack_unsent: Literal["ack", "drop"] | None = None              # an ACK of unsent data
    rmem: Bytes | None = Field(None, ge=2048)                     # receive buffer
    rcv_ssthresh: Bool | None = None                              # Linux receive-window growth
    wmem: Bytes | None = Field(None, ge=2048)                     # send buffer
    # congestion control
    cc: CongestionControl | None = None
    initial_window: Int | None = Field(None, ge=1, le=1000)       # segments (RFC 6928)
    syn_loss_window_after: Int | None = Field(None, ge=0)         # SYN retries → cwnd 1
    abc: Int | None = Field(None, ge=0)                           # RFC 3465 L; 0 = no limit
    hystart: Bool | None = None
    cubic_c: float | None = Field(None, gt=0, le=10)               # RFC 9438 C
    cubic_beta: float | None = Field(None, gt=0, lt=1)             # RFC 9438 beta_cubic
    cubic_fast_convergence: Bool | None = None
    cubic_reno_friendly: Bool | None = None
    ca_byte_counting: Bool | None = None                          # RFC 3465 in CA
    cwnd_validation: Bool | None = None                           # grow only cwnd-limited
    recovery: Literal["prr", "classic"] | None = None
    newreno_impatient: Bool | None = None                         # RFC 6582 §4 Impatient
    prr_bound: Literal["ssrb", "crb"] | None = None               # RFC 6937 §5
    prr_recover_fs: Literal["flight", "cwnd"] | None = None       # RFC 6937 RecoverFS
    prr_units: Literal["bytes", "segments"] | None = None         # PRR share (Linux: segments)
    dupthresh: Int | None = Field(None, ge=1)
    limited_transmit: Bool | None = None
    rack: Bool | None = None                                      # RFC 8985 §6 with SACK
    tlp: Bool | None = None                                       # RFC 8985 §7 with SACK
    slow_start_after_idle: Bool | None = None
    idle_restart: Literal["rfc", "linux"] | None = None
    # lifetime
    time_wait: Nanoseconds | None = Field(None, ge=0)             # 2·MSL
    rst_on_unread_close: Bool | None = None

    @model_validator(mode="after")
    def _rto_order(self) -> TcpSpec:
        if self.min_rto is not None and self.max_rto is not None and self.min_rto > self.max_rto:
            raise ValueError("min_rto is above max_rto")
        return self

    def given(self) -> dict[str, Any]:
        """The knobs this spec overrides (those not ``None``), profile excluded."""
        return {k: getattr(self, k) for k in TcpSpec.model_fields
                if k != "profile" and getattr(self, k) is not None}

    def config(self) -> TcpConfig:
        """The node's :class:`~simulator.stack.tcp.config.TcpConfig`."""
        return TcpConfig.profile(self.profile, **self.given())


class SocketOptions(Model):
    """Per-socket overrides a TCP app may set (setsockopt before connect/listen)."""

    cc: CongestionControl | None = None            # TCP_CONGESTION
    nodelay: Bool | None = None                    # TCP_NODELAY
    sndbuf: Bytes | None = Field(None, ge=2048)    # SO_SNDBUF
    rcvbuf: Bytes | None = Field(None, ge=2048)    # SO_RCVBUF
    mss: Int | None = Field(None, ge=88, le=65495)  # TCP_MAXSEG


class BulkSendSpec(SocketOptions, AppSpec):
    """iperf's client: connect and send as fast as TCP allows, ``bytes`` in all or
    for ``duration`` (10 s if neither is given), then close."""

    dst: IPv4Addr
    port: Int = Field(5201, ge=1, le=65535)
    bytes: Bytes | None = Field(None, gt=0)
    duration: Nanoseconds | None = Field(None, gt=0)
    interval: Nanoseconds = Field(1 * S, gt=0)     # report interval

    @model_validator(mode="after")
    def _bytes_or_duration(self) -> BulkSendSpec:
        if self.bytes is not None and self.duration is not None:
            raise ValueError("give 'bytes' or 'duration', not both")
        if self.bytes is None and self.duration is None:
            self.duration = 10 * S
        return self


class BulkSinkSpec(SocketOptions, AppSpec):
    """iperf's server: accept connections on ``port``, read and count everything."""

    port: Int = Field(5201, ge=1, le=65535)
    interval: Nanoseconds = Field(1 * S, gt=0)


class TcpEchoSpec(SocketOptions, AppSpec):
    """Connect, then ``count`` times: send ``size`` bytes, wait for them to come back."""

    dst: IPv4Addr
    port: Int = Field(7, ge=1, le=65535)
    size: Bytes = Field(56, ge=1, le=16 << 20)
    count: Int = Field(4, ge=1)
    interval: Nanoseconds = Field(1 * S, ge=0)
    timeout: Nanoseconds = Field(10 * S, gt=0)


class TcpEchoServerSpec(SocketOptions, AppSpec):
    port: Int = Field(7, ge=1, le=65535)


class UdpEchoSpec(AppSpec):
    """ns-3's UdpEchoClient: ``count`` datagrams of ``size`` bytes, each echoed back."""

    dst: IPv4Addr
    port: Int = Field(7, ge=1, le=65535)
    size: Bytes = Field(56, ge=4, le=MAX_UDP_PAYLOAD)    # 4: the sequence number
    count: Int = Field(4, ge=1)
    interval: Nanoseconds = Field(1 * S, gt=0)
    timeout: Nanoseconds = Field(10 * S, gt=0)


class UdpEchoServerSpec(AppSpec):
    port: Int = Field(7, ge=1, le=65535)


class UdpCbrSpec(AppSpec):
    """iperf -u: datagrams of ``size`` bytes at ``rate`` (of payload) for ``duration``."""

    dst: IPv4Addr
    port: Int = Field(5001, ge=1, le=65535)
    rate: BitsPerSecond = Field(1_000_000, gt=0)
    size: Bytes = Field(1470, ge=16, le=MAX_UDP_PAYLOAD)   # 16: sequence number + send time
    duration: Nanoseconds = Field(10 * S, gt=0)
    df: Bool = False


class UdpCbrSinkSpec(AppSpec):
    port: Int = Field(5001, ge=1, le=65535)
    interval: Nanoseconds = Field(1 * S, gt=0)


class ReqRespSpec(SocketOptions, AppSpec):
    """netperf TCP_RR: one connection, ``requests`` requests of ``request`` bytes, each
    answered by ``response`` bytes; the next request goes ``interval`` after the answer."""

    dst: IPv4Addr
    port: Int = Field(8000, ge=1, le=65535)
    requests: Int = Field(10, ge=1)
    request: Bytes = Field(100, ge=8, le=64 << 20)     # 8: carries both sizes
    response: Bytes = Field(1000, ge=1, le=64 << 20)
    interval: Nanoseconds = Field(0, ge=0)
    timeout: Nanoseconds = Field(10 * S, gt=0)


class ReqRespServerSpec(SocketOptions, AppSpec):
    port: Int = Field(8000, ge=1, le=65535)


TCP_STATES = Literal["CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
                     "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"]
